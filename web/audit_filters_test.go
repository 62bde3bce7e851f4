package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestAuditFiltersAndLabels checks the audit search's event and actor
// filters (a bookmarkable GET), its translated headers and event names,
// and that a hash shows short with the whole value kept in the cell.
func TestAuditFiltersAndLabels(t *testing.T) {
	e, refs := auditEnv(t)
	tests := []struct {
		name, lang, query string
		status            int
		in, out           []string
	}{
		{"event", "en", "?event=file_complaint", 200,
			[]string{refs[0], "Complaint or statements filed"}, []string{refs[2], `title="open_case"`}},
		{"actor", "en", "?actor=bob", 200, []string{refs[2]}, []string{refs[0], refs[1]}},
		{"event and actor", "en", "?event=start_reflection&actor=ana", 200, []string{refs[0]}, []string{refs[2]}},
		{"admin act in French", "fr", "?event=create_user", 200,
			[]string{"Utilisateur créé", `<th scope="col">Utilisateur (rôle)</th>`, `<th scope="col">Empreinte</th>`},
			[]string{refs[0], `<th scope="col">actor_role</th>`}},
		{"Dutch", "nl", "?event=open_case&actor=ana", 200,
			[]string{"Dossier geopend", `<th scope="col">Gebruiker (rol)</th>`, refs[0], refs[1]}, []string{refs[2]}},
		{"unknown event", "en", "?event=drop_tables", 422, []string{"Unknown value"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			b.header.Set("Accept-Language", tt.lang)
			b.login("aud")
			r := b.get("/audit" + tt.query)
			if r.Code != tt.status {
				t.Fatalf("got %d, want %d", r.Code, tt.status)
			}
			for _, s := range tt.in {
				if !strings.Contains(r.Body, s) {
					t.Errorf("page does not show %q", s)
				}
			}
			for _, s := range tt.out {
				if strings.Contains(r.Body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}

	b := e.loggedIn(t, "aud")
	r := b.get("/audit?event=file_complaint")
	if !strings.Contains(r.Body, `<option value="file_complaint" selected>`) {
		t.Errorf("the event filter does not keep its choice")
	}
	if !strings.Contains(r.Body, `<form method="get" action="/audit"`) {
		t.Errorf("the search is not a GET form, so it cannot be bookmarked")
	}
	full := regexp.MustCompile(`<dd><code>([0-9a-f]{64})</code></dd>`).FindStringSubmatch(r.Body)
	if full == nil {
		t.Fatalf("no full hash in the record's details:\n%s", r.Body)
	}
	if short := `<code title="` + full[1] + `">` + full[1][:12] + "…</code>"; !strings.Contains(r.Body, short) {
		t.Errorf("the hash is not shown short (%q)", short)
	}
	if !strings.Contains(r.Body, `class="list cards audit-log"`) || strings.Contains(r.Body, `class="list audit"`) {
		t.Errorf("the records table is not the wrapping layout")
	}
	if r.Code != http.StatusOK {
		t.Errorf("got %d, want 200", r.Code)
	}
}
