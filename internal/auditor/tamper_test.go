package auditor_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auditor"
	cases "github.com/casemgr/casemgr/internal/case"
)

// tamperWorld is a casemgr with two checkpoints, a witness file of each
// (as an auditor keeps them outside the server), and records after the
// second.
type tamperWorld struct {
	env      *apptest.Env
	cp1, cp2 audit.Checkpoint
	w1, w2   audit.Witness
	caseID   string
}

func newTamperWorld(t *testing.T) *tamperWorld {
	t.Helper()
	w := &tamperWorld{env: newEnv(t, 2)}
	witness := func(name string) (audit.Checkpoint, audit.Witness) {
		cp, err := w.env.Auditor.Checkpoint(t.Context(), auditorActor)
		if err != nil {
			t.Fatalf("Checkpoint: %v", err)
		}
		f, err := w.env.Auditor.Latest(t.Context(), auditorActor)
		if err != nil || len(f.Items) != 1 || f.Items[0] != cp {
			t.Fatalf("Latest: got %+v, %v; want the checkpoint just signed", f, err)
		}
		pub, err := audit.DecodePublicKey(f.PublicKey)
		if err != nil {
			t.Fatalf("witness key: %v", err)
		}
		return cp, audit.Witness{Name: name, PublicKey: pub, Items: f.Items}
	}
	w.cp1, w.w1 = witness("w1.json")
	c := w.create(t)
	if _, err := w.env.Cases.RecordEvent(t.Context(), worker, c.ID, cases.EventInput{Type: "start_reflection", OccurredOn: "2025-06-02"}); err != nil {
		t.Fatalf("event: %v", err)
	}
	w.caseID = c.ID
	w.cp2, w.w2 = witness("w2.json")
	if w.cp2.Number != 2 || w.cp2.Prev != w.cp1.Digest() {
		t.Fatalf("second checkpoint: got number %d prev %s, want 2 linked to the first", w.cp2.Number, w.cp2.Prev)
	}
	w.create(t)
	return w
}

func (w *tamperWorld) create(t *testing.T) cases.Case {
	t.Helper()
	c, err := w.env.Cases.Create(t.Context(), worker, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Gender: "male", Nationality: "NG"},
		Exploitation: []string{"labour"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return c
}

// verify verifies as the CLI would, with a new Service reading the key.
func (w *tamperWorld) verify(t *testing.T, o auditor.VerifyOptions) auditor.Report {
	t.Helper()
	svc := auditor.NewService(w.env.DB, auditor.Options{KeyDir: w.env.Dir, Now: w.env.Clock.Now})
	rep, err := svc.VerifyWith(t.Context(), o)
	if err != nil {
		t.Fatalf("VerifyWith: %v", err)
	}
	return rep
}

func (w *tamperWorld) deleteCheckpoint(t *testing.T, number int64) {
	t.Helper()
	w.env.AllowTampering(t)
	db := w.env.DB.Write
	q := "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete"
	if apptest.Postgres() {
		q = "ALTER TABLE audit_checkpoints DISABLE TRIGGER USER"
	}
	if err := db.Exec(q).Error; err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if err := db.Exec("DELETE FROM audit_checkpoints WHERE number = ?", number).Error; err != nil {
		t.Fatalf("delete checkpoint: %v", err)
	}
}

// Each way of tampering that `casemgr audit verify` used to accept is now
// caught: by the stored checkpoint chain, by a witness file kept outside
// the database, or by the consistency of the cases table with the chain.
func TestTampering(t *testing.T) {
	tests := []struct {
		name      string
		tamper    func(t *testing.T, w *tamperWorld)
		witnesses func(w *tamperWorld) []audit.Witness
		// dbAlone says the database on its own still verifies (what only a
		// witness catches).
		dbAlone   bool
		wantKinds []string
		wantCases bool
	}{
		{name: "untouched", witnesses: func(w *tamperWorld) []audit.Witness { return []audit.Witness{w.w1, w.w2} }, dbAlone: true},
		{name: "(a) tail deleted, head moved back, its checkpoint deleted",
			tamper: func(t *testing.T, w *tamperWorld) {
				truncate(t, w.env, w.cp1.Seq+1)
				w.deleteCheckpoint(t, 2)
			},
			witnesses: func(w *tamperWorld) []audit.Witness { return []audit.Witness{w.w1, w.w2} }, dbAlone: true,
			wantKinds: []string{audit.ProblemTruncated, audit.ProblemMissing}, wantCases: true},
		{name: "(b) records rewritten and re-hashed after the last stored checkpoint",
			tamper: func(t *testing.T, w *tamperWorld) {
				rewrite(t, w.env, w.cp1.Seq+1)
				w.deleteCheckpoint(t, 2)
			},
			witnesses: func(w *tamperWorld) []audit.Witness { return []audit.Witness{w.w2} }, dbAlone: true,
			wantKinds: []string{audit.ProblemRewritten, audit.ProblemMissing}},
		{name: "(c) first checkpoint row deleted", tamper: func(t *testing.T, w *tamperWorld) { w.deleteCheckpoint(t, 1) },
			wantKinds: []string{audit.ProblemChain}},
		{name: "(c) last checkpoint row deleted", tamper: func(t *testing.T, w *tamperWorld) { w.deleteCheckpoint(t, 2) },
			witnesses: func(w *tamperWorld) []audit.Witness { return []audit.Witness{w.w2} }, dbAlone: true,
			wantKinds: []string{audit.ProblemMissing}},
		{name: "(d) cases.state changed with no record", tamper: func(t *testing.T, w *tamperWorld) {
			if err := w.env.DB.Write.Exec("UPDATE cases SET state = 'closed' WHERE id = ?", w.caseID).Error; err != nil {
				t.Fatalf("update: %v", err)
			}
		}, dbAlone: true, wantCases: true},
		{name: "(d) cases.version moved back", tamper: func(t *testing.T, w *tamperWorld) {
			if err := w.env.DB.Write.Exec("UPDATE cases SET version = version - 1 WHERE id = ?", w.caseID).Error; err != nil {
				t.Fatalf("update: %v", err)
			}
		}, dbAlone: true, wantCases: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTamperWorld(t)
			if tt.tamper != nil {
				tt.tamper(t, w)
			}
			var ws []audit.Witness
			if tt.witnesses != nil {
				ws = tt.witnesses(w)
			}
			rep := w.verify(t, auditor.VerifyOptions{Witnesses: ws, Consistency: true})
			var kinds []string
			for _, p := range rep.Checkpoints.Problems {
				kinds = append(kinds, p.Kind)
			}
			wantOK := len(tt.wantKinds) == 0 && !tt.wantCases
			if rep.OK != wantOK || !slices.Equal(kinds, tt.wantKinds) {
				t.Fatalf("got ok %v problems %v (%s), want ok %v problems %v\n%+v", rep.OK, kinds, rep.Reason, wantOK, tt.wantKinds, rep.Checkpoints.Problems)
			}
			if rep.Consistency == nil || rep.Consistency.OK() == tt.wantCases {
				t.Fatalf("consistency: got %+v, want mismatches %v", rep.Consistency, tt.wantCases)
			}
			if tt.wantCases && !slices.Contains(rep.Consistency.CaseIDs, w.caseID) {
				t.Errorf("consistency: got case ids %v, want %s among them", rep.Consistency.CaseIDs, w.caseID)
			}
			if tt.wantCases && strings.Contains(rep.Reason, "Zenobia") {
				t.Errorf("reason names the victim: %s", rep.Reason)
			}
			if rep.Checkpoints.Witnessed != len(ws) {
				t.Errorf("witnessed: got %d, want %d", rep.Checkpoints.Witnessed, len(ws))
			}
			// What the database alone says: the witness is what catches
			// the tampering that also removed the checkpoint vouching
			// against it.
			alone := w.verify(t, auditor.VerifyOptions{})
			if alone.OK != tt.dbAlone {
				t.Errorf("without witnesses or the consistency check: got ok %v (%s), want %v", alone.OK, alone.Reason, tt.dbAlone)
			}
		})
	}
}

// (e) An export cut short verifies as a chain, even with the checkpoints,
// but not with its signed manifest.
func TestTruncatedExportFailsWithManifest(t *testing.T) {
	w := newTamperWorld(t)
	for _, format := range []audit.Format{audit.FormatNDJSON, audit.FormatCSV, audit.FormatJSON} {
		t.Run(string(format), func(t *testing.T) {
			x, err := w.env.Auditor.StartEvents(t.Context(), auditorActor, auditor.Query{Format: string(format)})
			if err != nil {
				t.Fatalf("StartEvents: %v", err)
			}
			var buf bytes.Buffer
			if _, err := x.Stream(t.Context(), &buf); err != nil {
				t.Fatalf("Stream: %v", err)
			}
			m, ok := x.Manifest()
			if !ok || m.Records != x.Seq || m.LastSeq != x.Seq || m.ExportSeq != x.Seq || m.Format != format {
				t.Fatalf("manifest: got %+v (%v), want %d records up to the export's seq %d", m, ok, x.Seq, x.Seq)
			}
			check := audit.ExportCheck{PublicKey: w.w2.PublicKey, Checkpoints: w.w2.Items, Manifest: &m}
			if res, err := audit.VerifyExport(bytes.NewReader(buf.Bytes()), format, check); err != nil || !res.OK || !res.Manifest {
				t.Fatalf("whole export: got %+v, %v; want ok with the manifest", res, err)
			}
			cut := cutLastRecord(t, format, buf.Bytes())
			noManifest := check
			noManifest.Manifest = nil
			if res, _ := audit.VerifyExport(bytes.NewReader(cut), format, noManifest); !res.OK {
				t.Fatalf("cut export without the manifest: got %+v, want it to verify (what the manifest adds)", res)
			}
			res, err := audit.VerifyExport(bytes.NewReader(cut), format, check)
			if err != nil || res.OK || res.FirstBadSeq != x.Seq || !strings.Contains(res.Reason, "truncated") {
				t.Errorf("cut export: got ok %v first bad %d (%s), %v; want truncated at seq %d", res.OK, res.FirstBadSeq, res.Reason, err, x.Seq)
			}
		})
	}
}

// cutLastRecord removes the last record of an export, leaving a file that
// is well-formed in its format.
func cutLastRecord(t *testing.T, f audit.Format, b []byte) []byte {
	t.Helper()
	switch f {
	case audit.FormatJSON:
		i := bytes.LastIndex(b, []byte(`,{"seq":`))
		return append(append([]byte{}, b[:i]...), "]}\n"...)
	case audit.FormatCSV:
		s := strings.TrimSuffix(string(b), "\r\n")
		return []byte(s[:strings.LastIndex(s, "\r\n")+2])
	default:
		s := strings.TrimSuffix(string(b), "\n")
		return []byte(s[:strings.LastIndex(s, "\n")+1])
	}
}
