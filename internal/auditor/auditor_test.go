package auditor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auditor"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

var (
	auditorActor = auth.Actor{Username: "olga", Role: auth.RoleAuditor}
	worker       = auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke"}
)

// newEnv builds a casemgr with a caseworker, an auditor and n cases.
func newEnv(t *testing.T, n int) *apptest.Env {
	t.Helper()
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	env.AddUser(t, "olga", auth.RoleAuditor, "")
	for range n {
		_, err := env.Cases.Create(t.Context(), worker, cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "Zenobia", FamilyName: "Quistwater", Gender: "female", Nationality: "NG"},
			Exploitation: []string{"labour"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
		})
		if err != nil {
			t.Fatalf("create case: %v", err)
		}
	}
	return env
}

func head(t *testing.T, env *apptest.Env) int64 {
	t.Helper()
	seq, _, err := audit.Head(env.DB.Read)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	return seq
}

func dbRecords(t *testing.T, env *apptest.Env) []audit.Record {
	t.Helper()
	var out []audit.Record
	if err := audit.Each(t.Context(), env.DB.Read, func(r audit.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatalf("Each: %v", err)
	}
	return out
}

func TestStartEventsRejects(t *testing.T) {
	env := newEnv(t, 0)
	tests := []struct {
		name      string
		actor     auth.Actor
		q         auditor.Query
		wantKind  apperr.Kind
		wantField string
	}{
		{"unknown format", auditorActor, auditor.Query{Format: "xlsx"}, apperr.Invalid, "format"},
		{"inverted range", auditorActor, auditor.Query{From: "2025-06-02", To: "2025-06-01"}, apperr.Invalid, "to"},
		{"malformed from", auditorActor, auditor.Query{From: "2025-6-1"}, apperr.Invalid, "from"},
		{"impossible to", auditorActor, auditor.Query{To: "2025-02-30"}, apperr.Invalid, "to"},
		{"malformed shelter", auditorActor, auditor.Query{Shelter: "Pay oke"}, apperr.Invalid, "shelter"},
		{"malformed case", auditorActor, auditor.Query{Case: "Zenobia"}, apperr.Invalid, "case"},
		{"caseworker", worker, auditor.Query{}, apperr.Forbidden, ""},
		{"admin", auth.Actor{Username: "root", Role: auth.RoleAdmin}, auditor.Query{}, apperr.Forbidden, ""},
	}
	before := head(t, env)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.Auditor.StartEvents(t.Context(), tt.actor, tt.q)
			if got := apperr.KindOf(err); got != tt.wantKind {
				t.Fatalf("got %v (%v), want kind %v", got, err, tt.wantKind)
			}
			if tt.wantField != "" {
				e, _ := apperr.As(err)
				if len(e.Fields) != 1 || e.Fields[0].Field != tt.wantField {
					t.Errorf("got fields %+v, want one error on %s", e.Fields, tt.wantField)
				}
			}
		})
	}
	if got := head(t, env); got != before {
		t.Errorf("head moved from %d to %d: a refused export must not be recorded", before, got)
	}
}

func TestExportRecordsItselfAndStopsAtItsHead(t *testing.T) {
	env := newEnv(t, 2)
	before := head(t, env)
	x, err := env.Auditor.StartEvents(t.Context(), auditorActor, auditor.Query{Format: "ndjson"})
	if err != nil {
		t.Fatalf("StartEvents: %v", err)
	}
	if x.Seq != before+1 || !x.Contiguous || x.Filename != "casemgr-audit-events_upto-"+itoa(x.Seq)+".ndjson" {
		t.Errorf("got seq %d contiguous %v filename %q, want seq %d, contiguous, casemgr-audit-events_upto-%d.ndjson", x.Seq, x.Contiguous, x.Filename, before+1, before+1)
	}
	// A change after the export started is not in it.
	if _, err := env.Cases.Create(t.Context(), worker, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "Late", FamilyName: "Comer", Gender: "male", Nationality: "BE"},
		Exploitation: []string{"labour"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	}); err != nil {
		t.Fatalf("create: %v", err)
	}
	var buf bytes.Buffer
	n, err := x.Stream(t.Context(), &buf)
	if err != nil || n != x.Seq {
		t.Fatalf("Stream: got %d rows, %v; want %d", n, err, x.Seq)
	}
	var got []audit.Record
	audit.ReadExport(&buf, audit.FormatNDJSON, func(r audit.Record) error { got = append(got, r); return nil })
	all := dbRecords(t, env)
	if !slices.Equal(got, all[:x.Seq]) {
		t.Errorf("export: got %d records, want exactly the %d stored up to the export's own", len(got), x.Seq)
	}
	last := got[len(got)-1]
	wantData := `{"case":"","format":"ndjson","from":"","shelter":"","to":""}`
	if last.Event != "export" || last.Actor != "olga" || last.ActorRole != "auditor" || last.Data != wantData ||
		last.CaseID != "" || last.Shelter != "" || last.OccurredOn != "" || last.RecordedAt != "2025-06-15T10:00:00.000000Z" {
		t.Errorf("export record: got %+v, want olga/auditor export with data %s at the test clock", last, wantData)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestExportRoundTripsWithFilters(t *testing.T) {
	env := newEnv(t, 3)
	env.AddUser(t, "sam", auth.RoleCaseworker, "surya")
	sam := auth.Actor{Username: "sam", Role: auth.RoleCaseworker, Shelter: "surya"}
	c, err := env.Cases.Create(t.Context(), sam, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "Other", FamilyName: "Shelter", Gender: "male", Nationality: "RO"},
		Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	tests := []struct {
		name       string
		q          auditor.Query
		keep       func(audit.Record) bool
		contiguous bool
	}{
		{"all csv", auditor.Query{Format: "csv"}, func(audit.Record) bool { return true }, true},
		{"today ndjson", auditor.Query{Format: "ndjson", From: "2025-06-15", To: "2025-06-15"}, func(r audit.Record) bool { return strings.HasPrefix(r.RecordedAt, "2025-06-15") }, true},
		{"shelter csv", auditor.Query{Format: "csv", Shelter: "surya"}, func(r audit.Record) bool { return r.Shelter == "surya" }, false},
		{"case json", auditor.Query{Format: "json", Case: c.ID}, func(r audit.Record) bool { return r.CaseID == c.ID }, false},
		{"yesterday", auditor.Query{Format: "csv", To: "2025-06-14"}, func(audit.Record) bool { return false }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := env.Auditor.StartEvents(t.Context(), auditorActor, tt.q)
			if err != nil {
				t.Fatalf("StartEvents: %v", err)
			}
			var buf bytes.Buffer
			if _, err := x.Stream(t.Context(), &buf); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			var got []audit.Record
			if err := audit.ReadExport(bytes.NewReader(buf.Bytes()), x.Format, func(r audit.Record) error { got = append(got, r); return nil }); err != nil {
				t.Fatalf("ReadExport: %v", err)
			}
			var want []audit.Record
			for _, r := range dbRecords(t, env) {
				if r.Seq <= x.Seq && tt.keep(r) {
					want = append(want, r)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d records, want %d:\ngot  %+v\nwant %+v", len(got), len(want), got, want)
			}
			if x.Contiguous != tt.contiguous {
				t.Errorf("contiguous: got %v, want %v", x.Contiguous, tt.contiguous)
			}
			res, err := audit.VerifyExport(bytes.NewReader(buf.Bytes()), x.Format, audit.ExportCheck{Filtered: !tt.contiguous})
			if err != nil || !res.OK || res.Records != int64(len(want)) {
				t.Errorf("VerifyExport: got %+v, %v; want ok with %d records", res, err, len(want))
			}
		})
	}
}

// rewrite changes the actor of seq from and recomputes the rest of the
// chain and its head, as someone with write access to the database could;
// the chain alone then verifies.
func rewrite(t *testing.T, env *apptest.Env, from int64) {
	t.Helper()
	recs := dbRecords(t, env)
	db := env.DB.Write
	env.AllowTampering(t) // SQLite and PostgreSQL
	prev := recs[from-2].Hash
	for _, r := range recs[from-1:] {
		if r.Seq == from {
			r.Actor = "mallory"
		}
		r.PrevHash = prev
		h, err := audit.ComputeHash(r)
		if err != nil {
			t.Fatalf("hash: %v", err)
		}
		r.Hash = h
		if err := db.Exec("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?", r.Actor, r.PrevHash, r.Hash, r.Seq).Error; err != nil {
			t.Fatalf("update: %v", err)
		}
		prev = h
	}
	if err := db.Exec("UPDATE audit_head SET hash = ?", prev).Error; err != nil {
		t.Fatalf("head: %v", err)
	}
}

// truncate deletes the records after seq to and moves the head back.
func truncate(t *testing.T, env *apptest.Env, to int64) {
	t.Helper()
	recs := dbRecords(t, env)
	db := env.DB.Write
	env.AllowTampering(t) // SQLite and PostgreSQL
	if err := db.Exec("DELETE FROM audit_log WHERE seq > ?", to).Error; err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := db.Exec("UPDATE audit_head SET seq = ?, hash = ?", to, recs[to-1].Hash).Error; err != nil {
		t.Fatalf("head: %v", err)
	}
}

func TestCheckpointsAndVerify(t *testing.T) {
	tests := []struct {
		name      string
		tamper    func(t *testing.T, env *apptest.Env, cp audit.Checkpoint)
		wantOK    bool
		wantKinds []string
		wantBad   func(cp audit.Checkpoint) int64
	}{
		{name: "intact", wantOK: true},
		{name: "rewritten before the checkpoint", tamper: func(t *testing.T, env *apptest.Env, cp audit.Checkpoint) { rewrite(t, env, cp.Seq-1) },
			wantKinds: []string{audit.ProblemRewritten}, wantBad: func(cp audit.Checkpoint) int64 { return cp.Seq }},
		{name: "truncated below the checkpoint", tamper: func(t *testing.T, env *apptest.Env, cp audit.Checkpoint) { truncate(t, env, cp.Seq-2) },
			wantKinds: []string{audit.ProblemTruncated}, wantBad: func(cp audit.Checkpoint) int64 { return cp.Seq - 1 }},
		{name: "forged checkpoint", tamper: func(t *testing.T, env *apptest.Env, cp audit.Checkpoint) {
			if err := env.DB.Write.Exec("INSERT INTO audit_checkpoints (seq, hash, signed_at, signature, key_id) VALUES (?, ?, ?, ?, ?)",
				cp.Seq, audit.ZeroHash, cp.SignedAt, cp.Signature, cp.KeyID).Error; err != nil {
				t.Fatalf("insert: %v", err)
			}
		}, wantKinds: []string{audit.ProblemSignature, audit.ProblemChain}, wantBad: func(audit.Checkpoint) int64 { return 0 }},
		{name: "key file lost", tamper: func(t *testing.T, env *apptest.Env, cp audit.Checkpoint) {
			if err := os.Remove(filepath.Join(env.Dir, auditor.KeyFile)); err != nil {
				t.Fatalf("remove key: %v", err)
			}
		}, wantKinds: []string{audit.ProblemSignature}, wantBad: func(audit.Checkpoint) int64 { return 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newEnv(t, 2)
			cp, err := env.Auditor.Checkpoint(t.Context(), auditorActor)
			if err != nil {
				t.Fatalf("Checkpoint: %v", err)
			}
			if cp.Seq != head(t, env) || cp.SignedAt != "2025-06-15T10:00:00.000000Z" {
				t.Errorf("checkpoint: got seq %d signed_at %s, want the head %d at the test clock", cp.Seq, cp.SignedAt, head(t, env))
			}
			fi, err := os.Stat(filepath.Join(env.Dir, auditor.KeyFile))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: got %v, %v; want mode 0600", fi, err)
			}
			// Later changes keep the checkpoint valid.
			if _, err := env.Cases.Create(t.Context(), worker, cases.NewCase{
				Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Gender: "male", Nationality: "BE"},
				Exploitation: []string{"labour"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
			}); err != nil {
				t.Fatalf("create: %v", err)
			}
			if tt.tamper != nil {
				tt.tamper(t, env, cp)
			}
			// Verify as a restarted server or the CLI would: a new Service
			// that reads the key file.
			svc := auditor.NewService(env.DB, auditor.Options{KeyDir: env.Dir, Now: env.Clock.Now})
			rep, err := svc.Verify(t.Context())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			var kinds []string
			for _, p := range rep.Checkpoints.Problems {
				kinds = append(kinds, p.Kind)
			}
			if rep.OK != tt.wantOK || !slices.Equal(kinds, tt.wantKinds) {
				t.Fatalf("got ok %v problems %v (%s), want ok %v problems %v", rep.OK, kinds, rep.Reason, tt.wantOK, tt.wantKinds)
			}
			if tt.wantBad != nil && rep.FirstBadSeq != tt.wantBad(cp) {
				t.Errorf("first bad seq: got %d, want %d", rep.FirstBadSeq, tt.wantBad(cp))
			}
			if tt.wantOK && rep.Checkpoints.Confirmed != 1 {
				t.Errorf("confirmed: got %d, want 1", rep.Checkpoints.Confirmed)
			}
			if !tt.wantOK && tt.name != "key file lost" {
				// A chain that does not verify is never signed.
				_, err := env.Auditor.Checkpoint(t.Context(), auditorActor)
				if apperr.KindOf(err) != apperr.Conflict {
					t.Errorf("Checkpoint of a bad chain: got %v, want a conflict", err)
				}
			}
		})
	}
}

func TestCheckpointRoles(t *testing.T) {
	env := newEnv(t, 0)
	for _, a := range []auth.Actor{worker, {Username: "s", Role: auth.RoleSupervisor, Shelter: "payoke"}} {
		if _, err := env.Auditor.Checkpoint(t.Context(), a); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("Checkpoint by %s: got %v, want forbidden", a.Role, err)
		}
		if _, err := env.Auditor.Checkpoints(t.Context(), a); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("Checkpoints by %s: got %v, want forbidden", a.Role, err)
		}
	}
	admin := auth.Actor{Username: "root", Role: auth.RoleAdmin}
	cp, err := env.Auditor.Checkpoint(t.Context(), admin)
	if err != nil {
		t.Fatalf("Checkpoint by admin: %v", err)
	}
	doc, err := env.Auditor.Checkpoints(t.Context(), auditorActor)
	if err != nil {
		t.Fatalf("Checkpoints: %v", err)
	}
	pub, err := audit.DecodePublicKey(doc.PublicKey)
	if err != nil || len(doc.Items) != 1 || doc.Items[0].Signature != cp.Signature || doc.KeyID != audit.KeyID(pub) {
		t.Fatalf("Checkpoints: got %+v, %v; want the key and the one checkpoint", doc, err)
	}
	if err := doc.Items[0].Verify(pub); err != nil {
		t.Errorf("the published checkpoint does not verify under the published key: %v", err)
	}
}

func TestDailyCheckpoint(t *testing.T) {
	env := newEnv(t, 1)
	steps := []struct {
		advance time.Duration
		want    bool
	}{{0, true}, {time.Hour, false}, {12*time.Hour + 59*time.Minute, false}, {2 * time.Minute, true}, {time.Minute, false}}
	for i, s := range steps {
		env.Clock.Advance(s.advance)
		_, made, err := env.Auditor.DailyCheckpoint(t.Context())
		if err != nil || made != s.want {
			t.Errorf("step %d at %s: got made %v, %v; want %v", i, env.Clock.Now().UTC().Format(time.RFC3339), made, err, s.want)
		}
	}
	doc, _ := env.Auditor.Checkpoints(t.Context(), auditorActor)
	if got := len(doc.Items); got != 2 {
		t.Errorf("got %d checkpoints, want 2 (one per UTC day)", got)
	}
	// RunDaily signs at start and stops with its context.
	env2 := newEnv(t, 1)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { env2.Auditor.RunDaily(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		doc, _ := env2.Auditor.Checkpoints(t.Context(), auditorActor)
		if len(doc.Items) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RunDaily made no checkpoint at start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestAccessExport(t *testing.T) {
	env := newEnv(t, 2)
	page, err := env.Cases.List(t.Context(), worker, cases.ListQuery{})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("List: %+v, %v", page, err)
	}
	if _, err := env.Cases.Get(t.Context(), worker, page.Items[0].ID, cases.Date{}); err != nil {
		t.Fatalf("Get: %v", err)
	}
	x, err := env.Auditor.StartAccess(t.Context(), auditorActor, auditor.Query{Format: "ndjson"})
	if err != nil {
		t.Fatalf("StartAccess: %v", err)
	}
	var buf bytes.Buffer
	n, err := x.Stream(t.Context(), &buf)
	if err != nil || n != 3 {
		t.Fatalf("Stream: got %d rows, %v; want 3 (list ×2, get)", n, err)
	}
	if bytes.Contains(buf.Bytes(), []byte("Zenobia")) || bytes.Contains(buf.Bytes(), []byte("Quistwater")) {
		t.Errorf("the access-log export holds a victim's name:\n%s", buf.Bytes())
	}
	recs := dbRecords(t, env)
	if last := recs[len(recs)-1]; last.Event != "export" || last.Data != `{"format":"ndjson","from":"","log":"access","to":""}` {
		t.Errorf("export record: got %s %s, want export with the access log's data", last.Event, last.Data)
	}
	if _, err := env.Auditor.StartAccess(t.Context(), worker, auditor.Query{}); apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("StartAccess by a caseworker: got %v, want forbidden", err)
	}
}

func TestFilteredName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"casemgr-audit-events_shelter-payoke_upto-12.csv", true},
		{"/tmp/x/casemgr-audit-events_from-2025-01-01_case-7d1c0a5e-3f7b-4c1e-9b52-1f0e6b2a9c41_upto-3.ndjson", true},
		{"casemgr-audit-events_from-2025-01-01_to-2025-01-31_upto-40.csv", false},
		{"casemgr-audit-events_upto-40.ndjson", false},
		{"my_shelter-export.csv", false},
	}
	for _, tt := range tests {
		if got := auditor.FilteredName(tt.name); got != tt.want {
			t.Errorf("FilteredName(%q): got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestSearch checks the audit page's search: the records of a filter in
// seq order, nothing appended, and a refusal for anyone but an auditor.
func TestSearch(t *testing.T) {
	env := newEnv(t, 3)
	all := dbRecords(t, env)
	last := all[len(all)-1] // the third case's open_case
	before := head(t, env)
	var got []int64
	err := env.Auditor.Search(t.Context(), auditorActor, audit.Filter{CaseID: last.CaseID},
		func(r audit.Record) error { got = append(got, r.Seq); return nil })
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	if last.CaseID == "" || !slices.Equal(got, []int64{last.Seq}) {
		t.Fatalf("got seqs %v, want [%d] (case %q)", got, last.Seq, last.CaseID)
	}
	if h := head(t, env); h != before {
		t.Fatalf("search appended: head %d, want %d", h, before)
	}
	err = env.Auditor.Search(t.Context(), worker, audit.Filter{}, func(audit.Record) error { return nil })
	if apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("caseworker: got %v, want forbidden", err)
	}
}
