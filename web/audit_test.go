package web_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
)

// auditEnv has two cases of payoke and one of pag-asa, with events.
func auditEnv(t *testing.T) (*env, []string) {
	t.Helper()
	e := newEnv(t)
	a := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	b := e.newCase(t, "ana", "Zoé", "Dubois", "CM")
	c := e.newCase(t, "bob", "Ama", "Mensah", "GH")
	for _, ev := range []struct{ user, id, typ, on string }{
		{"ana", a.ID, "start_reflection", "2025-06-02"},
		{"ana", a.ID, "file_complaint", "2025-06-10"},
		{"bob", c.ID, "start_reflection", "2025-06-03"},
	} {
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors[ev.user], ev.id, eventInput(ev.typ, ev.on)); err != nil {
			t.Fatal(err)
		}
	}
	return e, []string{a.Reference, b.Reference, c.Reference, a.ID}
}

var names = []string{"Grace", "Okafor", "Zoé", "Dubois", "Ama", "Mensah"}

// TestAuditSearch checks the status-history search: the 18 fields, the
// filters, and no identity anywhere.
func TestAuditSearch(t *testing.T) {
	e, refs := auditEnv(t)
	b := e.loggedIn(t, "aud")
	tests := []struct {
		name    string
		query   string
		status  int
		in, out []string
	}{
		{"everything", "?search=1", 200, []string{refs[0], refs[1], refs[2], "create_user", "open_case"}, nil},
		{"shelter", "?shelter=pag-asa", 200, []string{refs[2]}, []string{refs[0], refs[1]}},
		{"case by reference", "?case=" + strings.ToLower(refs[0]), 200, []string{refs[0], "file_complaint"}, []string{refs[1], refs[2]}},
		{"case by id", "?case=" + refs[3], 200, []string{refs[0]}, []string{refs[1]}},
		{"dates", "?from=2025-06-16&to=2025-06-30", 200, []string{"No record matches."}, []string{refs[0]}},
		{"unknown case", "?case=PAY-1999-0001", 422, []string{"No record names this case."}, nil},
		{"bad date", "?from=15/06/2025", 422, []string{`<p class="field-error" id="a-from-err">Enter a valid date.</p>`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.get("/audit" + tt.query)
			if r.Code != tt.status {
				t.Fatalf("got %d, want %d", r.Code, tt.status)
			}
			for _, s := range tt.in {
				if !strings.Contains(r.Body, s) {
					t.Fatalf("page does not show %q", s)
				}
			}
			for _, s := range append(tt.out, names...) {
				if strings.Contains(r.Body, s) {
					t.Fatalf("page shows %q", s)
				}
			}
			if tt.status == 200 && !strings.Contains(r.Body, "No record matches.") {
				var header string
				for _, f := range audit.Fields() {
					header += `<th scope="col">` + f + `</th>`
				}
				if !strings.Contains(r.Body, header) {
					t.Fatalf("the table does not have the 18 record fields as columns")
				}
			}
		})
	}
	if r := b.get("/audit"); strings.Contains(r.Body, `id="verify-result"`) || !strings.Contains(r.Body, `id="verify-form"`) {
		t.Fatalf("the audit page verifies the chain on every load; want a button")
	}
	if r := b.get("/audit?verify=1"); !strings.Contains(r.Body, `<p class="ok" id="verify-result">The chain is intact:`) {
		t.Fatalf("the audit page does not show the verification result")
	}
}

// TestAuditExport checks the export: the password is asked again, the
// file streams the 18 fields without identity, and the export is recorded
// in the chain.
func TestAuditExport(t *testing.T) {
	e, refs := auditEnv(t)
	b := e.loggedIn(t, "aud")
	b.get("/audit")

	before := e.countRows(t, "audit_log")
	for _, pw := range []string{"", "not my password"} {
		r := b.post("/audit", url.Values{"format": {"csv"}, "password": {pw}})
		want, status := "Wrong password.", http.StatusUnauthorized
		if pw == "" {
			want, status = "Required.", http.StatusUnprocessableEntity
		}
		if r.Code != status || !strings.Contains(r.Body, `<p class="field-error" id="x-password-err">`+want+`</p>`) {
			t.Fatalf("password %q: got %d, want %d with %q next to the password", pw, r.Code, status, want)
		}
	}
	if n := e.countRows(t, "audit_log"); n != before {
		t.Fatalf("audit records after refused exports: got %d, want %d", n, before)
	}

	r := b.post("/audit", url.Values{"format": {"csv"}, "shelter": {"payoke"}, "password": {apptest.Password}})
	if r.Code != http.StatusOK {
		t.Fatalf("export: got %d, want 200; body:\n%s", r.Code, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("Content-Type: got %q, want text/csv", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".csv") {
		t.Fatalf("Content-Disposition: got %q, want an attachment .csv", cd)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	if got, want := strings.Join(rows[0], ","), strings.Join(audit.Fields(), ","); got != want {
		t.Fatalf("header: got %s, want %s", got, want)
	}
	// payoke: open_case ×2, start_reflection, file_complaint; plus the
	// create_shelter record of payoke.
	var events []string
	for _, row := range rows[1:] {
		if len(row) != 18 {
			t.Fatalf("row has %d fields, want 18", len(row))
		}
		if row[5] != "payoke" {
			t.Fatalf("row of shelter %q in a payoke export", row[5])
		}
		events = append(events, row[8])
	}
	if got, want := strings.Join(events, ","), "create_shelter,open_case,open_case,start_reflection,file_complaint"; got != want {
		t.Fatalf("events: got %s, want %s", got, want)
	}
	for _, n := range names {
		if strings.Contains(r.Body, n) {
			t.Fatalf("the export holds the name %q", n)
		}
	}
	if !strings.Contains(r.Body, refs[0]) {
		t.Fatalf("the export does not name case %s", refs[0])
	}
	var last audit.Record
	if err := e.DB.Read.Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
		t.Fatal(err)
	}
	if last.Event != "export" || last.Actor != "aud" || last.ActorRole != "auditor" {
		t.Fatalf("last record: got %s by %s (%s), want export by aud (auditor)", last.Event, last.Actor, last.ActorRole)
	}

	r = b.post("/audit", url.Values{"format": {"ndjson"}, "case": {refs[0]}, "password": {apptest.Password}})
	if r.Code != http.StatusOK {
		t.Fatalf("ndjson export: got %d, want 200", r.Code)
	}
	lines := strings.Split(strings.TrimSpace(r.Body), "\n")
	if len(lines) != 3 {
		t.Fatalf("ndjson lines: got %d, want 3 (open_case, start_reflection, file_complaint)", len(lines))
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || len(m) != 18 || m["case_ref"] != refs[0] {
			t.Fatalf("ndjson line %s: want an object of 18 keys for %s (%v)", l, refs[0], err)
		}
	}
}
