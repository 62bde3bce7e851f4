package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
)

// TestSessionCookie checks the attributes of the session cookie and that
// it holds an opaque token of at least 128 bits.
func TestSessionCookie(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	r := b.login("ana")
	var ck *http.Cookie
	for _, c := range r.Res.Cookies() {
		if c.Name == "__Host-casemgr_session" {
			ck = c
		}
	}
	if ck == nil {
		t.Fatalf("login set no __Host-casemgr_session cookie")
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"HttpOnly", ck.HttpOnly, true},
		{"Secure", ck.Secure, true},
		{"SameSite", ck.SameSite, http.SameSiteStrictMode},
		{"Path", ck.Path, "/"},
		{"Domain", ck.Domain, ""},
		{"token length >= 22 (128 bits)", len(ck.Value) >= 22, true},
		{"token is not a JWT", strings.Count(ck.Value, "."), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	var stored string
	if err := e.DB.Read.Table("web_sessions").Select("token_hash").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if stored == "" || stored == ck.Value || len(stored) != 64 {
		t.Fatalf("stored token: got %q, want the 64-hex SHA-256 of the cookie, not the cookie", stored)
	}
}

// TestSessionEnds checks each way a UI session ends: logout, disabling the
// user, a password reset, 30 minutes idle, and the login session's expiry.
func TestSessionEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, e *env, b *browser)
	}{
		{"logout", func(t *testing.T, e *env, b *browser) {
			r := b.post("/logout", url.Values{})
			if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login?ok=logged_out" {
				t.Fatalf("logout: got %d to %q", r.Code, r.Header.Get("Location"))
			}
		}},
		{"disabled", func(t *testing.T, e *env, b *browser) {
			adm := e.loggedIn(t, "adm")
			if r := adm.post("/admin/users", url.Values{"action": {"disable"}, "username": {"ana"}, "confirm": {"1"}}); r.Code != http.StatusSeeOther {
				t.Fatalf("disable: got %d, want 303", r.Code)
			}
		}},
		{"password reset", func(t *testing.T, e *env, b *browser) {
			adm := e.loggedIn(t, "adm")
			// Issue 20: the admin issues a code; the user redeems it.
			adm.get("/admin/users")
			code, err := e.Auth.IssuePasswordReset(t.Context(), auth.Actor{Username: "adm", Role: auth.RoleAdmin}, "ana")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Auth.RedeemPasswordReset(t.Context(), "ana", code.Code, "a new long passphrase", "10.0.0.1"); err != nil {
				t.Fatalf("reset: %v", err)
			}
		}},
		{"idle 30 minutes", func(t *testing.T, e *env, b *browser) {
			e.Clock.Advance(30 * time.Minute)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.loggedIn(t, "ana")
			saved := *b.cookies["__Host-casemgr_session"]
			tt.end(t, e, b)
			// Replay the old cookie, as a thief who copied it would.
			b.cookies["__Host-casemgr_session"] = &saved
			r := b.get("/cases")
			if r.Code != http.StatusSeeOther || !toLogin(r.Header.Get("Location")) {
				t.Fatalf("after %s: got %d to %q, want 303 to /login", tt.name, r.Code, r.Header.Get("Location"))
			}
		})
	}
}

// TestSessionSlidingAndAbsolute checks that activity keeps a session alive
// past 30 minutes, but not past the login session's expiry.
func TestSessionSlidingAndAbsolute(t *testing.T) {
	e := &env{Env: apptest.New(t, func(c *config.Config) { c.Auth.RefreshTokenTTL = time.Hour })}
	e.AddUser(t, "ana", "caseworker", "payoke")
	b := e.loggedIn(t, "ana")
	for i, step := range []struct {
		advance time.Duration
		ok      bool
	}{
		{20 * time.Minute, true}, // 20 min
		{20 * time.Minute, true}, // 40 min: alive because of the request at 20
		{19 * time.Minute, true}, // 59 min
		{2 * time.Minute, false}, // 61 min: past the absolute expiry
	} {
		e.Clock.Advance(step.advance)
		r := b.get("/cases")
		if got := r.Code == http.StatusOK; got != step.ok {
			t.Fatalf("step %d: page served %v (status %d), want %v", i, got, r.Code, step.ok)
		}
	}
}

// TestLogin checks the login form: a failed login keeps the username,
// never says which part was wrong, and throttling answers 429.
func TestLogin(t *testing.T) {
	e := &env{Env: apptest.New(t, func(c *config.Config) { c.Auth.LoginMaxFailures, c.Auth.LoginMaxFailuresIP = 3, 3 })}
	e.AddUser(t, "ana", "caseworker", "payoke")
	b := e.browser(t)
	b.get("/login")
	tests := []struct {
		user, password string
		status         int
		want           string
	}{
		{"ana", "wrong password!", http.StatusUnauthorized, "Invalid username or password."},
		{"nobody", "wrong password!", http.StatusUnauthorized, "Invalid username or password."},
		{"ana", "", http.StatusUnprocessableEntity, `<p class="field-error" id="password-err">Required.</p>`},
		{"ana", "wrong again!!", http.StatusUnauthorized, "Invalid username or password."},
		{"ana", "still wrong!!", http.StatusTooManyRequests, "Too many failed attempts."},
		{"ana", apptest.Password, http.StatusTooManyRequests, "Too many failed attempts."},
	}
	for i, tt := range tests {
		r := b.post("/login", url.Values{"username": {tt.user}, "password": {tt.password}})
		if r.Code != tt.status || !strings.Contains(r.Body, tt.want) {
			t.Fatalf("attempt %d: got %d, want %d with %q", i, r.Code, tt.status, tt.want)
		}
		if !strings.Contains(r.Body, `name="username" type="text" value="`+tt.user+`"`) {
			t.Fatalf("attempt %d: the username typed is not kept", i)
		}
		if tt.password != "" && strings.Contains(r.Body, tt.password) {
			t.Fatalf("attempt %d: the page shows the password typed", i)
		}
	}
}

// TestSecurityHeaders checks the headers of a case page and of the login
// page.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	b := e.loggedIn(t, "ana")
	for _, path := range []string{"/cases/" + c.ID, "/cases", "/login"} {
		t.Run(path, func(t *testing.T) {
			r := b.get(path)
			if path == "/login" {
				r = e.browser(t).get(path)
			}
			want := map[string]string{
				"Cache-Control":          "no-store",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
				"Content-Type":           "text/html; charset=UTF-8",
			}
			for k, v := range want {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s: got %q, want %q", k, got, v)
				}
			}
			if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy: got %q, want default-src 'self'", csp)
			}
			if strings.Contains(r.Body, "<script") || strings.Contains(r.Body, "style=") || strings.Contains(r.Body, "<style") {
				t.Errorf("page has inline script or style, which the CSP forbids")
			}
		})
	}
	r := b.get("/static/app.css")
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("GET /static/app.css: got %d %q, want 200 text/css", r.Code, r.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/static/", "/static/../web.go", "/static/nope.css"} {
		if r := b.get(p); r.Code != http.StatusNotFound {
			t.Fatalf("GET %s: got %d, want 404", p, r.Code)
		}
	}
}
