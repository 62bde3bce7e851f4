package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestPageAccess requests every page as each role and as a visitor: the
// right role gets the page, another role the 403 page, a visitor is sent
// to /login.
func TestPageAccess(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	pages := []struct {
		path  string
		allow []string
		want  string // a text the page shows to an allowed role
	}{
		{"/cases", []string{"ana", "sam", "bob"}, "Reference"},
		{"/cases/new", []string{"ana", "sam", "bob"}, `name="victim.given_name"`},
		{"/cases/" + c.ID, []string{"ana", "sam"}, "Grace Okafor"},
		{"/deadlines", []string{"ana", "sam", "bob"}, "Deadlines of the shelter"},
		{"/audit", []string{"aud"}, "Verify the chain now"},
		{"/admin/users", []string{"adm"}, `id="user-ana"`},
		{"/admin/shelters", []string{"adm"}, `id="shelter-payoke"`},
		{"/logout", []string{"ana", "sam", "bob", "aud", "adm"}, `action="/logout"`},
	}
	users := []string{"ana", "sam", "bob", "aud", "adm"}
	browsers := map[string]*browser{}
	for _, u := range users {
		browsers[u] = e.loggedIn(t, u)
	}
	for _, p := range pages {
		for _, u := range users {
			t.Run(u+p.path, func(t *testing.T) {
				r := browsers[u].get(p.path)
				allowed := contains(p.allow, u)
				switch {
				case u == "bob" && strings.HasPrefix(p.path, "/cases/"+c.ID):
					// another shelter's case: not found, never forbidden
					if r.Code != http.StatusNotFound {
						t.Fatalf("got %d, want 404", r.Code)
					}
				case allowed:
					if r.Code != http.StatusOK {
						t.Fatalf("got %d, want 200; body:\n%s", r.Code, r.Body)
					}
					if !strings.Contains(r.Body, p.want) {
						t.Fatalf("page does not show %q", p.want)
					}
					if u == "bob" && strings.Contains(r.Body, c.Reference) {
						t.Fatalf("a caseworker of pag-asa sees the payoke case %s", c.Reference)
					}
					if strings.Contains(r.Body, "⟦") {
						t.Fatalf("page shows an untranslated key: %s", snippet(r.Body, "⟦"))
					}
				default:
					if r.Code != http.StatusForbidden {
						t.Fatalf("got %d, want 403", r.Code)
					}
					if !strings.Contains(r.Body, "Your role does not give access to this page.") {
						t.Fatalf("403 page does not say why")
					}
				}
			})
		}
		t.Run("visitor"+p.path, func(t *testing.T) {
			r := e.browser(t).get(p.path)
			if r.Code != http.StatusSeeOther || !toLogin(r.Header.Get("Location")) {
				t.Fatalf("got %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// snippet returns the text around the first occurrence of s.
func snippet(body, s string) string {
	i := strings.Index(body, s)
	if i < 0 {
		return ""
	}
	lo, hi := max(0, i-80), min(len(body), i+80)
	return body[lo:hi]
}

// TestRootRedirects checks that / sends each role to its home page and a
// visitor to /login.
func TestRootRedirects(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		user, want string
	}{
		{"", "/login"},
		{"ana", "/work"},
		{"sam", "/work"},
		{"aud", "/audit"},
		{"adm", "/admin/users"},
	}
	for _, tt := range tests {
		t.Run("user="+tt.user, func(t *testing.T) {
			b := e.browser(t)
			if tt.user != "" {
				if got := b.login(tt.user).Header.Get("Location"); got != tt.want {
					t.Fatalf("login redirect: got %q, want %q", got, tt.want)
				}
			}
			r := b.get("/")
			if r.Code != http.StatusSeeOther || r.Header.Get("Location") != tt.want {
				t.Fatalf("GET /: got %d to %q, want 303 to %q", r.Code, r.Header.Get("Location"), tt.want)
			}
		})
	}
}

var (
	controlPattern = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idPattern      = regexp.MustCompile(`\bid="([^"]+)"`)
	typePattern    = regexp.MustCompile(`\btype="([^"]+)"`)
)

// TestEveryFieldHasALabel renders every page, forms and results included,
// and checks that each visible form control has a <label for> and that
// ids are unique (a duplicate id breaks the association).
func TestEveryFieldHasALabel(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	for _, ev := range [][2]string{{"start_reflection", "2025-06-02"}, {"file_complaint", "2025-06-10"}} {
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], c.ID, eventInput(ev[0], ev[1])); err != nil {
			t.Fatal(err)
		}
	}
	pages := map[string]func() response{}
	ana, sam, aud, adm := e.loggedIn(t, "ana"), e.loggedIn(t, "sam"), e.loggedIn(t, "aud"), e.loggedIn(t, "adm")
	for _, p := range []string{"/cases", "/cases/new", "/cases/" + c.ID, "/logout"} {
		pages["ana "+p] = func() response { return ana.get(p) }
	}
	pages["what-if"] = func() response {
		ana.get("/cases/" + c.ID)
		return ana.post("/cases/"+c.ID, url.Values{"action": {"simulate"}, "type": {"withdraw_status"}, "occurred_on": {"2025-07-01"}})
	}
	pages["board with feed"] = func() response {
		sam.get("/deadlines")
		return sam.post("/deadlines", url.Values{"action": {"feed_new"}})
	}
	pages["audit"] = func() response { return aud.get("/audit?search=1") }
	pages["users"] = func() response { return adm.get("/admin/users") }
	pages["shelters"] = func() response { return adm.get("/admin/shelters") }
	pages["login"] = func() response { return e.browser(t).get("/login") }
	for name, get := range pages {
		t.Run(name, func(t *testing.T) {
			body := get().Body
			ids := map[string]int{}
			for _, m := range idPattern.FindAllStringSubmatch(body, -1) {
				ids[m[1]]++
			}
			for id, n := range ids {
				if n > 1 {
					t.Errorf("id %q is used %d times", id, n)
				}
			}
			controls := 0
			for _, tag := range controlPattern.FindAllString(body, -1) {
				if m := typePattern.FindStringSubmatch(tag); m != nil && m[1] == "hidden" {
					continue
				}
				controls++
				m := idPattern.FindStringSubmatch(tag)
				if m == nil {
					t.Errorf("control without id: %s", tag)
					continue
				}
				if !strings.Contains(body, `<label for="`+m[1]+`"`) {
					t.Errorf("control %q has no <label for>", m[1])
				}
			}
			if controls == 0 {
				t.Fatalf("no form control found")
			}
		})
	}
}
