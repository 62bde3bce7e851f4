package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
)

// TestBrowserCaseListSearch types part of a name into the case list's
// search form in a real browser and sees the case, alone, while the
// address stays free of the name.
func TestBrowserCaseListSearch(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	grace := e.newCase(t, "sam", "Grace", "Okafor", "NG")
	zoe := e.newCase(t, "sam", "Zoé", "Dubois", "CM")
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v\n%s", name, err, body)
		}
	}
	step("log in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "sam"),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
	step("case list", chromedp.Navigate(srv.URL+"/cases"), chromedp.WaitVisible(chromedp.CSS("#case-list")))
	step("search",
		chromedp.SendKeys(chromedp.CSS("#f-q"), "bois"),
		chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)),
	)
	var got string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#case-list tbody")))
		// The unsearched list shows both cases until the answer to the
		// search replaces the page: wait for that answer.
		if got = s; err == nil && strings.Contains(s, zoe.Reference) && !strings.Contains(s, grace.Reference) {
			break
		}
	}
	if !strings.Contains(got, zoe.Reference) || !strings.Contains(got, "Zoé Dubois") || strings.Contains(got, grace.Reference) {
		t.Fatalf("result rows: got %q, want %s alone", got, zoe.Reference)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(loc, "bois") {
		t.Fatalf("address %q (%v): want no search text in it", loc, err)
	}
}
