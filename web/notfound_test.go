package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestNotFoundPage checks that an unknown page is the styled HTML 404 in
// the user's language, logged in or not, while /api keeps problem+json.
func TestNotFoundPage(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, lang, user, path, want string
	}{
		{"fr anonymous", "fr-BE,fr;q=0.9", "", "/nope", "Cette page ou ce dossier n"},
		{"nl anonymous deep", "nl-BE,nl;q=0.9", "", "/cases/x/y/z", "Deze pagina of dit dossier bestaat niet"},
		{"fr caseworker", "fr", "ana", "/cases/x/y/z", "Cette page ou ce dossier n"},
		{"nl admin", "nl", "adm", "/nope", "Deze pagina of dit dossier bestaat niet"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := e.browser(t)
			b.header.Set("Accept-Language", tc.lang)
			if tc.user != "" {
				b.login(tc.user)
			}
			r := b.get(tc.path)
			if r.Code != http.StatusNotFound {
				t.Fatalf("GET %s: got %d, want 404", tc.path, r.Code)
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q, want text/html", ct)
			}
			if !strings.Contains(r.Body, tc.want) {
				t.Errorf("body lacks %q:\n%s", tc.want, r.Body)
			}
			if !strings.Contains(r.Body, `href="/static/app.css`) {
				t.Errorf("404 page is not in the UI's layout:\n%s", r.Body)
			}
			if strings.Contains(r.Body, "problem") || strings.Contains(r.Body, `"status"`) {
				t.Errorf("404 page looks like problem+json:\n%s", r.Body)
			}
			if loggedIn := strings.Contains(r.Body, `action="/logout"`); loggedIn != (tc.user != "") {
				t.Errorf("navigation for a logged-in user: got %v, want %v", loggedIn, tc.user != "")
			}
		})
	}
	for _, path := range []string{"/api/v1/nope", "/api/v1/cases/x/y/z"} {
		r := e.browser(t).get(path)
		if r.Code != http.StatusNotFound || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: got %d %q, want 404 application/problem+json", path, r.Code, r.Header.Get("Content-Type"))
		}
	}
	// A wrong method on an API route stays a 405, not the 404 page.
	r := e.browser(t).do(httptest.NewRequest(http.MethodDelete, "/api/v1/cases/abc", nil))
	if r.Code != http.StatusMethodNotAllowed || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("DELETE /api/v1/cases/abc: got %d %q, want 405 application/problem+json", r.Code, r.Header.Get("Content-Type"))
	}
}
