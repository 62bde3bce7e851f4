package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
)

// TestLoginWithSecondFactor: for a user with a second factor the login
// page asks for the code after the password, refuses a wrong or replayed
// code, and logs in with the right one or a recovery code.
func TestLoginWithSecondFactor(t *testing.T) {
	e := newEnv(t)
	secret, recovery := e.EnrolTOTP(t, e.actors["ana"])
	b := e.browser(t)
	b.get("/login")
	r := b.post("/login", url.Values{"username": {"ana"}, "password": {apptest.Password}})
	if r.Code != http.StatusUnauthorized || !strings.Contains(r.Body, `id="code"`) || !strings.Contains(r.Body, `id="code-intro"`) {
		t.Fatalf("password step: got %d, want 401 with the code field; body:\n%s", r.Code, r.Body)
	}
	if strings.Contains(r.Body, `id="password"`) {
		t.Errorf("code step: the password field is shown again")
	}
	code := e.TOTPCode(t, secret)
	r = b.post("/login", url.Values{"username": {"ana"}, "password": {apptest.Password}, "code": {"000000"}})
	if code != "000000" && (r.Code != http.StatusUnauthorized || !strings.Contains(r.Body, "The code is wrong or was already used.")) {
		t.Fatalf("wrong code: got %d; body:\n%s", r.Code, r.Body)
	}
	r = b.post("/login", url.Values{"username": {"ana"}, "password": {apptest.Password}, "code": {code}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/work" {
		t.Fatalf("right code: got %d to %q, want 303 to /work (My work); body:\n%s", r.Code, r.Header.Get("Location"), r.Body)
	}
	b2 := e.browser(t)
	b2.get("/login")
	if r := b2.post("/login", url.Values{"username": {"ana"}, "password": {apptest.Password}, "code": {code}}); r.Code != http.StatusUnauthorized {
		t.Errorf("the same code again: got %d, want 401", r.Code)
	}
	if r := b2.post("/login", url.Values{"username": {"ana"}, "password": {apptest.Password}, "code": {recovery[0]}}); r.Code != http.StatusSeeOther {
		t.Errorf("recovery code: got %d, want 303", r.Code)
	}
}

var secretPattern = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)

// TestEnrolFromTheWeb: an auditor, whose role needs a second factor, is
// sent to the enrolment page after logging in and from every other page;
// he enrols with the page (secret, QR code), sees his recovery codes
// once, and then reaches his pages.
func TestEnrolFromTheWeb(t *testing.T) {
	e := &env{Env: apptest.New(t, func(c *config.Config) { c.Auth.TOTPRequiredRoles = []string{"admin", "auditor"} }),
		actors: map[string]auth.Actor{}}
	e.actors["aud"] = e.AddUser(t, "aud", auth.RoleAuditor, "")
	b := e.browser(t)
	b.get("/login")
	r := b.post("/login", url.Values{"username": {"aud"}, "password": {apptest.Password}})
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account/totp") {
		t.Fatalf("login of an auditor without a second factor: got %d to %q, want 303 to /account/totp", r.Code, r.Header.Get("Location"))
	}
	if r := b.get("/audit"); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/account/totp") {
		t.Fatalf("GET /audit before enrolling: got %d to %q, want 303 to /account/totp", r.Code, r.Header.Get("Location"))
	}
	b.get("/account/totp")
	r = b.post("/account/totp", url.Values{"action": {"enroll"}})
	m := secretPattern.FindStringSubmatch(r.Body)
	if r.Code != http.StatusOK || m == nil || !strings.Contains(r.Body, "<svg") || !strings.Contains(r.Body, "otpauth://totp/") {
		t.Fatalf("enrol: got %d, want the secret, the URI and a QR code; body:\n%s", r.Code, r.Body)
	}
	r = b.post("/account/totp", url.Values{"action": {"confirm"}, "code": {e.TOTPCode(t, m[1])}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="recovery-codes"`) || strings.Count(r.Body, "<li><code>") != 10 {
		t.Fatalf("confirm: got %d, want the 10 recovery codes; body:\n%s", r.Code, r.Body)
	}
	if strings.Contains(r.Body, "totp-disable-form") {
		t.Errorf("an auditor is offered to remove his second factor")
	}
	if r := b.get("/audit"); r.Code != http.StatusOK {
		t.Fatalf("GET /audit after enrolling: got %d, want 200", r.Code)
	}
}

// TestBrowserLoginWithCode logs in through Chromium with a code computed
// by the test.
func TestBrowserLoginWithCode(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	secret, _ := e.EnrolTOTP(t, e.actors["ana"])
	p.step("login with a code",
		chromedp.Navigate(p.url+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "ana"),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SendKeys(chromedp.CSS("#code"), e.TOTPCode(t, secret)),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
	if loc := p.location(); loc != p.url+"/work" {
		t.Fatalf("after the code: got %s, want /work", loc)
	}
}
