package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var summaryPattern = regexp.MustCompile(`(?s)<div class="error-summary" role="alert" id="error-summary" tabindex="-1">\s*<h2>([^<]*)</h2>(.*?)</div>`)

// TestErrorSummaries refuses one submission of each kind of form and
// checks what the user sees at the top of the form: the summary, its
// heading, and a link to each field in error whose target exists on the
// page.
func TestErrorSummaries(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	tests := []struct {
		name, user, page, post string
		form                   url.Values
		links                  []string // ids the summary links to
		text                   string   // a line the summary shows
	}{
		{name: "login", page: "/login", post: "/login", form: url.Values{"username": {"ana"}, "password": {"wrong password"}}},
		{name: "new case", user: "ana", page: "/cases/new", post: "/cases/new",
			form: url.Values{"victim.gender": {"female"}}, links: []string{"given_name", "family_name", "nationality", "exp-sexual", "identified_on", "identified_by"},
			text: "Given name: "},
		{name: "victim correction", user: "ana", page: "/cases/" + c.ID + "/victim", post: "/cases/" + c.ID + "/victim",
			form:  url.Values{"version": {"1"}, "victim.gender": {"female"}, "victim.nationality": {"NG"}, "identified_by": {"police"}, "exploitation": {"sexual"}},
			links: []string{"given_name", "family_name"}},
		{name: "event", user: "ana", page: "/cases/" + c.ID, post: "/cases/" + c.ID,
			form:  url.Values{"action": {"event"}, "type": {"start_reflection"}, "version": {"1"}, "occurred_on": {"not a date"}},
			links: []string{"ev-start_reflection-on"}, text: "Date: "},
		{name: "what-if", user: "ana", page: "/cases/" + c.ID, post: "/cases/" + c.ID,
			form: url.Values{"action": {"simulate"}, "occurred_on": {"2025-06-02"}}, links: []string{"wi-type"}},
		{name: "note", user: "ana", page: "/cases/" + c.ID + "/work", post: "/cases/" + c.ID + "/work",
			form: url.Values{"action": {"note"}, "occurred_on": {"2025-06-02"}, "kind": {"conversation"}}, links: []string{"note-text"}},
		{name: "new user", user: "adm", page: "/admin/users", post: "/admin/users",
			form: url.Values{"action": {"create"}, "role": {"caseworker"}}, links: []string{"nu-username"}},
		{name: "new shelter", user: "adm", page: "/admin/shelters", post: "/admin/shelters",
			form: url.Values{"action": {"create"}}, links: []string{"ns-id", "ns-name"}},
		{name: "new organisation", user: "adm", page: "/admin/organisations", post: "/admin/organisations",
			form: url.Values{"action": {"create"}}, links: []string{"no-id", "no-name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			if tt.user != "" {
				b = e.loggedIn(t, tt.user)
			}
			b.get(tt.page)
			r := b.post(tt.post, tt.form)
			m := summaryPattern.FindStringSubmatch(r.Body)
			if r.Code < 400 || m == nil {
				t.Fatalf("got %d and no error summary; body:\n%s", r.Code, r.Body)
			}
			if strings.TrimSpace(m[1]) == "" || !strings.Contains(m[2], "<li>") {
				t.Errorf("summary without a heading or a line: %s", m[0])
			}
			for _, id := range tt.links {
				if !strings.Contains(m[2], `href="#`+id+`"`) {
					t.Errorf("summary has no link to #%s:\n%s", id, m[2])
				}
				if !strings.Contains(r.Body, `id="`+id+`"`) {
					t.Errorf("summary links to #%s, which is not on the page", id)
				}
			}
			if tt.text != "" && !strings.Contains(m[2], tt.text) {
				t.Errorf("summary does not say %q:\n%s", tt.text, m[2])
			}
			if strings.Index(r.Body, `id="error-summary"`) > strings.Index(r.Body, `id="`+firstOr(tt.links, "error-summary")+`"`) {
				t.Error("the summary comes after the field it links to")
			}
		})
	}
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}
