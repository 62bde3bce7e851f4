package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
)

// TestLoginLandsBackOnThePage: a page asked for without a session (an
// expired one, say) sends to the login form, which brings the user back
// to that page, not to the home page; a next that leads off the site is
// ignored.
func TestLoginLandsBackOnThePage(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	b := e.browser(t)
	want := "/cases/" + c.ID + "/work"
	r := b.get(want)
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login?next="+url.QueryEscape(want) {
		t.Fatalf("without a session: got %d to %q, want 303 to the login form with next", r.Code, r.Header.Get("Location"))
	}
	page := b.get(r.Header.Get("Location"))
	if !strings.Contains(page.Body, `name="next" value="`+want+`"`) {
		t.Fatalf("login form: want the hidden next field %s", want)
	}
	r = b.post("/login", url.Values{"username": {"ana"}, "password": {apptest.Password}, "next": {want}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != want {
		t.Errorf("login with next: got %d to %q, want 303 to %s", r.Code, r.Header.Get("Location"), want)
	}
	for _, bad := range []string{"//evil.example/x", "/\\evil.example", "https://evil.example", "/logout"} {
		b := e.browser(t)
		b.get("/login")
		r := b.post("/login", url.Values{"username": {"ana"}, "password": {apptest.Password}, "next": {bad}})
		if loc := r.Header.Get("Location"); r.Code != http.StatusSeeOther || loc == bad || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
			t.Errorf("login with next %q: got %d to %q, want the home page", bad, r.Code, loc)
		}
	}
}

// toLogin reports whether a redirect goes to the login form (with or
// without the page to come back to).
func toLogin(loc string) bool { return loc == "/login" || strings.HasPrefix(loc, "/login?next=") }
