package web_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
)

// browserPage is what every browser test starts from: a headless Chromium
// (newBrowser), a test server on an env's handler, the screenshots
// directory, and the steps the tests share (log in and out, wait for a
// text, check the page's width).
type browserPage struct {
	t    *testing.T
	ctx  context.Context
	url  string // the test server's base URL
	shot shots
}

// newBrowserPage starts Chromium, or skips the test as newBrowser does
// (before mk builds anything, so -short runs stay fast), builds the env
// with mk (newEnv, reportsEnv…) and serves it until the test ends. The
// test sets up its data on the env and then logs in with login.
func newBrowserPage(t *testing.T, mk func(*testing.T) *env) (*browserPage, *env) {
	t.Helper()
	ctx := newBrowser(t)
	e := mk(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	p := &browserPage{t: t, ctx: ctx, url: srv.URL, shot: shots{t: t, ctx: ctx, dir: os.Getenv("CASEMGR_SCREENSHOTS_DIR")}}
	if p.shot.dir != "" {
		if err := os.MkdirAll(p.shot.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return p, e
}

// step runs actions, failing the test with where the browser is and the
// text of the page's main element.
func (p *browserPage) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		loc, _ := chromedp.Run(p.ctx, chromedp.Location())
		body, _ := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("main")))
		p.t.Fatalf("%s: %v (at %s)\n%s", name, err, loc, body)
	}
}

// text is the element's text, trimmed.
func (p *browserPage) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// waitText waits until the element's text holds want and returns it
// (pages load after a click, so the old page may still be there for a
// moment).
func (p *browserPage) waitText(sel, want string) string {
	p.t.Helper()
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
		if got = strings.TrimSpace(s); err == nil && strings.Contains(got, want) {
			return got
		}
	}
	p.t.Fatalf("%s: got %q, want it to contain %q", sel, got, want)
	return ""
}

// location is the address of the page shown.
func (p *browserPage) location() string {
	loc, _ := chromedp.Run(p.ctx, chromedp.Location())
	return loc
}

// login opens the login page, in lang when it is not "" (?lang=), and
// logs in as user with the test password.
func (p *browserPage) login(user, lang string) {
	p.t.Helper()
	path := "/login"
	if lang != "" {
		path += "?lang=" + lang
	}
	p.step("open the login page", chromedp.Navigate(p.url+path))
	p.submitLogin(user)
}

// submitLogin fills in the login form the browser shows and waits for the
// page after it.
func (p *browserPage) submitLogin(user string) {
	p.t.Helper()
	p.step("log in as "+user,
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
}

// logout clicks "log out" and waits for the login form.
func (p *browserPage) logout() {
	p.t.Helper()
	p.step("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))
}

// browseAs forgets the session (cookies) and logs in as user, or stays
// logged out for "".
func (p *browserPage) browseAs(user string) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		p.t.Fatalf("clear cookies: %v", err)
	}
	if user != "" {
		p.login(user, "")
	}
}

// noSideScroll fails the test when the page is wider than width (it
// would scroll sideways).
func (p *browserPage) noSideScroll(page string, width int64) {
	p.t.Helper()
	w, err := chromedp.Run(p.ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
	if err != nil || w > width {
		p.t.Fatalf("%s at %d px: page width %d (%v), want at most %d", page, width, w, err, width)
	}
}
