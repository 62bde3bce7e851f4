package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCaseListSearch types part of a name into the case list's
// search form in a real browser and sees the case, alone, while the
// address stays free of the name.
func TestBrowserCaseListSearch(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	grace := e.newCase(t, "sam", "Grace", "Okafor", "NG")
	zoe := e.newCase(t, "sam", "Zoé", "Dubois", "CM")
	p.login("sam", "")
	p.step("case list", chromedp.Navigate(p.url+"/cases"), chromedp.WaitVisible(chromedp.CSS("#case-list")))
	p.step("search",
		chromedp.SendKeys(chromedp.CSS("#f-q"), "bois"),
		chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)),
	)
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("#case-list tbody")))
		// The unsearched list shows both cases until the answer to the
		// search replaces the page: wait for that answer.
		if got = s; err == nil && strings.Contains(s, zoe.Reference) && !strings.Contains(s, grace.Reference) {
			break
		}
	}
	if !strings.Contains(got, zoe.Reference) || !strings.Contains(got, "Zoé Dubois") || strings.Contains(got, grace.Reference) {
		t.Fatalf("result rows: got %q, want %s alone", got, zoe.Reference)
	}
	if loc, err := chromedp.Run(p.ctx, chromedp.Location()); err != nil || strings.Contains(loc, "bois") {
		t.Fatalf("address %q (%v): want no search text in it", loc, err)
	}
}
