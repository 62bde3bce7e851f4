package web_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
)

// browseAs logs the browser in as user (or out, for ""), clearing the
// cookies of the last one.
func browseAs(t *testing.T, ctx context.Context, base, user string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("clear cookies: %v", err)
	}
	if user == "" {
		return
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	); err != nil {
		t.Fatalf("log in as %s: %v", user, err)
	}
}

// TestPhoneLayout opens every page of the tour at 390 px, a common phone
// width: no page scrolls sideways, and the lists (deadline board, work
// list, the case's deadlines and history, services, consents, transfers,
// users, audit records) are cards, each value with its column's name.
func TestPhoneLayout(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	pages := tour(t, e)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	user := "-"
	cards := 0
	for _, p := range pages {
		if !p.Lists {
			continue
		}
		if p.User != user {
			browseAs(t, ctx, srv.URL, p.User)
			user = p.User
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+p.Path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		type layout struct {
			Scroll, Client int64
			Wide           string
			Rows, Blocks   int64
			Label          string
		}
		l, err := chromedp.Run(ctx, chromedp.Evaluate[layout](`(() => {
			const d = document.documentElement;
			let wide = "";
			for (const el of document.querySelectorAll("main *")) {
				const r = el.getBoundingClientRect();
				if (r.right > d.clientWidth + 1 && getComputedStyle(el).position !== "absolute") { wide = el.tagName + "#" + el.id + "." + el.className; break; }
			}
			const rows = [...document.querySelectorAll("table.cards tbody tr")];
			const cell = document.querySelector("table.cards tbody td[data-label]");
			return {Scroll: d.scrollWidth, Client: d.clientWidth, Wide: wide, Rows: rows.length,
				Blocks: rows.filter(r => getComputedStyle(r).display === "block").length,
				Label: cell ? getComputedStyle(cell, "::before").content : ""};
		})()`))
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if l.Scroll > l.Client {
			t.Errorf("%s at 390 px: scrollWidth %d > clientWidth %d (first too wide: %s)", p.Name, l.Scroll, l.Client, l.Wide)
		}
		if l.Rows != l.Blocks {
			t.Errorf("%s at 390 px: %d of %d list rows are cards", p.Name, l.Blocks, l.Rows)
		}
		if l.Rows > 0 && (l.Label == "" || l.Label == "none" || l.Label == `""`) {
			t.Errorf("%s at 390 px: a card's value has no column name before it (%q)", p.Name, l.Label)
		}
		cards += int(l.Rows)
	}
	if cards < 10 {
		t.Errorf("only %d cards in the whole tour: the tour does not reach the lists", cards)
	}
}
