package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
)

// TestBrowserTransfer drives the forms between organisations in a real
// browser: a caseworker records the victim's consent and asks another
// shelter to take the case over; that shelter's supervisor accepts it on
// the transfers page and lands on the case, which the sender no longer
// sees.
func TestBrowserTransfer(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	e.AddUser(t, "pia", auth.RoleSupervisor, "pag-asa")
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v\n%s", name, err, body)
		}
	}
	waitText := func(sel, want string) {
		t.Helper()
		var got string
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			if got = strings.TrimSpace(s); err == nil && strings.Contains(got, want) {
				return
			}
		}
		t.Fatalf("%s: got %q, want it to contain %q", sel, got, want)
	}
	login := func(user string) {
		t.Helper()
		step("log in as "+user,
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#login-form")),
			chromedp.SendKeys(chromedp.CSS("#username"), user),
			chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
			chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#logout")),
		)
	}

	login("ana")
	step("case page", chromedp.Navigate(srv.URL+"/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#sharing-link")))
	waitText("#case-assignee", "ana")
	step("sharing page", chromedp.Click(chromedp.CSS("#sharing-link")), chromedp.WaitVisible(chromedp.CSS("#transfer-form")))
	step("transfer without consent",
		chromedp.SetValue(chromedp.CSS("#t-to"), "pag-asa"),
		chromedp.SetValue(chromedp.CSS("#t-reason"), "safety"),
		chromedp.Click(chromedp.CSS(`#transfer-form button[type="submit"]`)),
	)
	waitText("#transfer .error-summary", "first record the victim's consent “share with a shelter”")
	step("record consent",
		chromedp.Click(chromedp.CSS("#consent-new summary")),
		chromedp.WaitVisible(chromedp.CSS("#c-scope")),
		chromedp.SetValue(chromedp.CSS("#c-scope"), "share_with_shelter"),
		chromedp.SetValue(chromedp.CSS("#c-recipient"), "pag-asa"),
		chromedp.SetValue(chromedp.CSS("#c-given-on"), "2025-06-02"),
		chromedp.SetValue(chromedp.CSS("#c-given-by"), "victim"),
		chromedp.Click(chromedp.CSS(`#consent-form button[type="submit"]`)),
	)
	waitText(".notice", "The consent was recorded.")
	waitText("#consent-list", "active")
	step("request transfer",
		chromedp.SetValue(chromedp.CSS("#t-to"), "pag-asa"),
		chromedp.SetValue(chromedp.CSS("#t-reason"), "safety"),
		chromedp.Click(chromedp.CSS(`#transfer-form button[type="submit"]`)),
	)
	waitText(".notice", "The transfer was requested")
	step("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))

	login("pia")
	step("transfers page", chromedp.Navigate(srv.URL+"/transfers"), chromedp.WaitVisible(chromedp.CSS("#incoming-list")))
	waitText("#incoming-list", c.Reference)
	step("accept", chromedp.Click(chromedp.CSS("#incoming-list button.accept")), chromedp.WaitVisible(chromedp.CSS("#case-ref")))
	waitText(".notice", "the case is now your shelter")
	waitText("#case-ref", c.Reference)
	step("log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#login-form")))

	login("ana")
	step("the sender's transfers", chromedp.Navigate(srv.URL+"/transfers"), chromedp.WaitVisible(chromedp.CSS("#outgoing-list")))
	waitText("#outgoing-list .transfer-status", "accepted")
	step("the case is gone", chromedp.Navigate(srv.URL+"/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("main")))
	waitText("main", "This page or case does not exist, or you cannot see it.")
	if body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main"))); strings.Contains(body, "Okafor") {
		t.Fatalf("the sender still sees the victim's name: %q", body)
	}
}
