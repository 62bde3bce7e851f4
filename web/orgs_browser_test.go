package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/auth"
)

// TestBrowserTransfer drives the forms between organisations in a real
// browser: a caseworker records the victim's consent and asks another
// shelter to take the case over; that shelter's supervisor accepts it on
// the transfers page and lands on the case, which the sender no longer
// sees.
func TestBrowserTransfer(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	e.AddUser(t, "pia", auth.RoleSupervisor, "pag-asa")
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")

	p.login("ana", "")
	p.step("case page", chromedp.Navigate(p.url+"/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#sharing-link")))
	p.waitText("#case-assignee", "ana")
	p.step("sharing page", chromedp.Click(chromedp.CSS("#sharing-link")), chromedp.WaitVisible(chromedp.CSS("#transfer-form")))
	p.step("transfer without consent",
		chromedp.SetValue(chromedp.CSS("#t-to"), "pag-asa"),
		chromedp.SetValue(chromedp.CSS("#t-reason"), "safety"),
		chromedp.Click(chromedp.CSS(`#transfer-form button[type="submit"]`)),
	)
	p.waitText("#transfer .error-summary", "first record the victim's consent “share with a shelter”")
	p.step("record consent",
		chromedp.Click(chromedp.CSS("#consent-new summary")),
		chromedp.WaitVisible(chromedp.CSS("#c-scope")),
		chromedp.SetValue(chromedp.CSS("#c-scope"), "share_with_shelter"),
		chromedp.SetValue(chromedp.CSS("#c-recipient"), "pag-asa"),
		chromedp.SetValue(chromedp.CSS("#c-given-on"), "2025-06-02"),
		chromedp.SetValue(chromedp.CSS("#c-given-by"), "victim"),
		chromedp.Click(chromedp.CSS(`#consent-form button[type="submit"]`)),
	)
	p.waitText(".notice", "The consent was recorded.")
	p.waitText("#consent-list", "active")
	p.step("request transfer",
		chromedp.SetValue(chromedp.CSS("#t-to"), "pag-asa"),
		chromedp.SetValue(chromedp.CSS("#t-reason"), "safety"),
		chromedp.Click(chromedp.CSS(`#transfer-form button[type="submit"]`)),
	)
	p.waitText(".notice", "The transfer was requested")
	p.logout()

	p.login("pia", "")
	p.step("transfers page", chromedp.Navigate(p.url+"/transfers"), chromedp.WaitVisible(chromedp.CSS("#incoming-list")))
	p.waitText("#incoming-list", c.Reference)
	p.step("accept", chromedp.Click(chromedp.CSS("#incoming-list button.accept")), chromedp.WaitVisible(chromedp.CSS("#case-ref")))
	p.waitText(".notice", "the case is now your shelter")
	p.waitText("#case-ref", c.Reference)
	p.logout()

	p.login("ana", "")
	p.step("the sender's transfers", chromedp.Navigate(p.url+"/transfers"), chromedp.WaitVisible(chromedp.CSS("#outgoing-list")))
	p.waitText("#outgoing-list .transfer-status", "accepted")
	p.step("the case is gone", chromedp.Navigate(p.url+"/cases/"+c.ID), chromedp.WaitVisible(chromedp.CSS("main")))
	p.waitText("main", "This page or case does not exist, or you cannot see it.")
	if body, _ := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("main"))); strings.Contains(body, "Okafor") {
		t.Fatalf("the sender still sees the victim's name: %q", body)
	}
}
