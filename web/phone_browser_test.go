package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPhoneLayout opens every page of the tour at 390 px, a common phone
// width: no page scrolls sideways, and the lists (deadline board, work
// list, the case's deadlines and history, services, consents, transfers,
// users, audit records) are cards, each value with its column's name.
func TestPhoneLayout(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	ctx := p.ctx
	pages := tour(t, e)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	user := "-"
	cards := 0
	for _, pg := range pages {
		if !pg.Lists {
			continue
		}
		if pg.User != user {
			p.browseAs(pg.User)
			user = pg.User
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(p.url+pg.Path), chromedp.WaitReady(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", pg.Name, err)
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
			t.Fatalf("%s: %v", pg.Name, err)
		}
		if l.Scroll > l.Client {
			t.Errorf("%s at 390 px: scrollWidth %d > clientWidth %d (first too wide: %s)", pg.Name, l.Scroll, l.Client, l.Wide)
		}
		if l.Rows != l.Blocks {
			t.Errorf("%s at 390 px: %d of %d list rows are cards", pg.Name, l.Blocks, l.Rows)
		}
		if l.Rows > 0 && (l.Label == "" || l.Label == "none" || l.Label == `""`) {
			t.Errorf("%s at 390 px: a card's value has no column name before it (%q)", pg.Name, l.Label)
		}
		cards += int(l.Rows)
	}
	if cards < 10 {
		t.Errorf("only %d cards in the whole tour: the tour does not reach the lists", cards)
	}
}
