package web_test

import (
	"encoding/csv"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

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
				for _, h := range []string{"Recorded at", "User (role)", "Event", "Rules version", "Hash"} {
					if !strings.Contains(r.Body, `<th scope="col">`+h) {
						t.Fatalf("the table has no column %q", h)
					}
				}
			}
		})
	}
	r := b.get("/audit")
	if strings.Contains(r.Body, `id="verify-result"`) || !strings.Contains(r.Body, `id="verify-form"`) {
		t.Fatalf("the audit page verifies the chain on every load; want a button")
	}
	if want := `verify such a chain on the server with: <code>casemgr audit verify</code></p>`; !strings.Contains(r.Body, want) {
		t.Fatalf("the audit page does not point to the CLI for large chains: want %q", want)
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

// TestAuditLookupFailure checks that a case reference that cannot be
// looked up (the cases table is gone) is an internal error, logged and
// answered 500, not a 422 blaming the user's filter; and that the lookup
// reads the cases table.
func TestAuditLookupFailure(t *testing.T) {
	e, refs := auditEnv(t)
	b := e.loggedIn(t, "aud")
	b.get("/audit")
	if err := e.DB.Write.Exec("ALTER TABLE cases RENAME TO cases_gone").Error; err != nil {
		t.Fatalf("rename cases: %v", err)
	}
	tests := []struct {
		name string
		do   func() response
	}{
		{"search", func() response { return b.get("/audit?case=" + refs[0]) }},
		{"export", func() response {
			return b.post("/audit", url.Values{"format": {"csv"}, "case": {refs[0]}, "password": {apptest.Password}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.countRows(t, "audit_log")
			r := tt.do()
			if r.Code != http.StatusInternalServerError {
				t.Fatalf("got %d, want 500", r.Code)
			}
			if want := "Internal error. Try again; if it persists, tell your administrator."; !strings.Contains(r.Body, want) {
				t.Fatalf("page does not show %q", want)
			}
			if strings.Contains(r.Body, `id="audit-search"`) {
				t.Fatalf("got the search form back, want the error page")
			}
			if n := e.countRows(t, "audit_log"); n != before {
				t.Fatalf("audit records: got %d, want %d (nothing exported)", n, before)
			}
		})
	}
}

var seqPattern = regexp.MustCompile(`<tr><td data-label="[^"]*">([0-9]+)</td><td data-label="[^"]*"><time`)

// TestAuditPages checks the paging of the search: 200 records a page, the
// next page starting right after the last one shown, every record of the
// filter once, in seq order.
func TestAuditPages(t *testing.T) {
	e, _ := auditEnv(t)
	err := e.DB.Tx(t.Context(), func(tx *gorm.DB) error {
		for i := range 400 {
			shelter := "pag-asa"
			if i%4 == 3 {
				shelter = "payoke"
			}
			if _, err := audit.AppendAct(tx, e.Clock.Now(), "adm", "admin", "update_shelter", shelter, "", map[string]any{"n": i}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := e.DB.Read.Model(&audit.Record{}).Where("shelter = ?", "pag-asa").Order("seq").Pluck("seq", &want).Error; err != nil {
		t.Fatal(err)
	}
	if len(want) <= 200 {
		t.Fatalf("pag-asa records: got %d, want more than a page (200)", len(want))
	}
	b := e.loggedIn(t, "aud")
	next := "/audit?search=1&shelter=pag-asa"
	var got []string
	for pages := 0; next != ""; pages++ {
		if pages == 3 {
			t.Fatalf("more than 3 pages for %d records", len(want))
		}
		r := b.get(next)
		if r.Code != http.StatusOK {
			t.Fatalf("%s: got %d, want 200", next, r.Code)
		}
		seqs := seqPattern.FindAllStringSubmatch(r.Body, -1)
		if pages == 0 && len(seqs) != 200 {
			t.Fatalf("first page: got %d records, want 200", len(seqs))
		}
		for _, m := range seqs {
			got = append(got, m[1])
		}
		next = ""
		if m := nextPattern.FindStringSubmatch(r.Body); m != nil {
			next = html.UnescapeString(m[1])
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("records: got %d (%v…), want %d (%v…)", len(got), got[:3], len(want), want[:3])
	}
}

var nextPattern = regexp.MustCompile(`<a href="(/audit\?[^"]+)">Next records</a>`)
