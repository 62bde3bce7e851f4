package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReports opens the annual report in a real browser as a
// supervisor: the two SVG charts render with the stylesheet applied (the
// CSP lets it through), the longest bar has its full length, the tables
// show the figures, and the page does not scroll sideways at 360 px.
func TestBrowserReports(t *testing.T) {
	p, _ := newBrowserPage(t, reportsEnv)
	p.login("sam", "")
	p.step("reports link", chromedp.Click(chromedp.CSS(`nav a[href="/reports/annual"]`)),
		chromedp.WaitVisible(chromedp.CSS("#report-about")))
	if loc := p.location(); loc != p.url+"/reports/annual" {
		t.Fatalf("reports link: got %s, want /reports/annual", loc)
	}
	p.step("charts", chromedp.WaitVisible(chromedp.CSS("#chart-exploitation")), chromedp.WaitVisible(chromedp.CSS("#chart-permits")))

	nodes, err := chromedp.Run(p.ctx, chromedp.Nodes(chromedp.CSSAll("svg.chart")))
	if err != nil {
		t.Fatalf("charts: %v", err)
	}
	if len(nodes) != 2 {
		t.Fatalf("svg.chart nodes: got %d, want 2", len(nodes))
	}
	tests := []struct {
		name, expr string
		want       string
	}{
		{"bars drawn", `String(document.querySelectorAll("svg.chart rect.bar").length)`, "13"},
		{"longest bar (sexual, 2)", `String(document.querySelector("#chart-exploitation rect.bar").getBBox().width)`, "560"},
		{"half bar (labour, 1)", `String(document.querySelectorAll("#chart-exploitation rect.bar")[1].getBBox().width)`, "280"},
		{"bar colour from app.css", `getComputedStyle(document.querySelector("#chart-exploitation rect.bar")).fill`, "rgb(11, 79, 138)"},
		{"chart laid out", `String(document.querySelector("#chart-exploitation").getBoundingClientRect().width > 300)`, "true"},
		{"chart named", `document.querySelector("#chart-permits title").textContent`, "Permits by stage"},
	}
	for _, tt := range tests {
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](tt.expr))
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, err, tt.want)
		}
	}
	for _, c := range []struct{ sel, want string }{
		{`#by-exploitation tr[data-key="sexual"] td`, "2"},
		{`#permits tr[data-key="provisional_issued"] td`, "1"},
		{"#identified", "2"},
		{"#as-of", "15/06/2025"},
	} {
		got, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(c.sel)))
		if err != nil || strings.TrimSpace(got) != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.sel, got, err, c.want)
		}
	}
	p.shot.take("reports-annual", 1280)

	p.step("360 px", chromedp.EmulateViewport(360, 900))
	p.noSideScroll("annual report", 360)
}

// TestBrowserPolicy opens the what-if page in French as a supervisor, from
// the menu: it chooses a change, the page shows the figures and the two
// SVG charts, each named by its <title> and labelled for assistive
// technologies, the change's bars in their own colour; at 1366 and 390 px
// the page does not scroll sideways.
func TestBrowserPolicy(t *testing.T) {
	p, _ := newBrowserPage(t, policyEnv)
	p.step("1366 px", chromedp.EmulateViewport(1366, 900))
	p.login("sam", "fr")
	p.step("what-if link", chromedp.Click(chromedp.CSS(`nav a[href="/reports/policy"]`)),
		chromedp.WaitVisible(chromedp.CSS("#policy-form")))
	p.step("choose a change",
		chromedp.SetValue(chromedp.CSS("#p-change"), "no_dismissal_window"),
		chromedp.Click(chromedp.CSS(`#policy-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#report-about")),
		chromedp.WaitVisible(chromedp.CSS("#chart-victims")),
		chromedp.WaitVisible(chromedp.CSS("#chart-days")),
	)
	tests := []struct {
		name, expr, want string
	}{
		{"in French", `document.documentElement.lang + " " + document.querySelector("h1").textContent`, "fr Et si les règles changeaient"},
		{"change chosen", `document.querySelector("#change-title").textContent`, "Un classement sans suite ne met jamais fin au statut de victime"},
		{"charts", `String(document.querySelectorAll("svg.chart[role=img]").length)`, "2"},
		{"victims chart named", `document.querySelector("#chart-victims title").textContent`,
			"Victimes exposées à un risque critique, règles actuelles et avec le changement"},
		{"victims chart labelled", `document.querySelector("#chart-victims").getAttribute("aria-labelledby")`, "chart-victims-title chart-victims-desc"},
		{"days chart described", `document.querySelector("#chart-days desc").textContent.split("; ")[0]`, "Séjour, règles actuelles: 15"},
		{"bars drawn", `String(document.querySelectorAll("svg.chart rect.bar").length)`, "12"},
		{"longest bar", `String(document.querySelector("#chart-days rect.bar").getBBox().width)`, "560"},
		{"change's bar colour", `getComputedStyle(document.querySelector("#chart-days rect.bar-alt")).fill`, "rgb(156, 74, 0)"},
		{"kept", `document.querySelector('#policy-victims-table tr[data-key="kept"] td[data-kind="residence"]').textContent`, "1"},
		{"days kept", `document.querySelector('#policy-days-table tr[data-key="days_kept"] td[data-kind="residence_or_services"]').textContent`, "4"},
		{"csv-be link", `document.querySelectorAll("#downloads a")[1].getAttribute("href").split("?")[0]`, "/reports/policy-be.csv"},
	}
	for _, tt := range tests {
		got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](tt.expr))
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, err, tt.want)
		}
	}
	for _, width := range []int64{1366, 390} {
		p.step("viewport", chromedp.EmulateViewport(width, 900))
		w, err := chromedp.Run(p.ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
		if err != nil || w > width {
			t.Errorf("page width at %d px: got %d (%v), want at most %d", width, w, err, width)
		}
		for _, id := range []string{"policy-victims-table", "policy-days-table"} {
			fits, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`(() => { const t = document.getElementById("`+id+`"); return t.getBoundingClientRect().right <= t.parentElement.getBoundingClientRect().right + 0.5; })()`))
			if err != nil || !fits {
				t.Errorf("table %s at %d px: sticks out of its box (%v)", id, width, err)
			}
		}
		cw, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](`document.querySelector("#chart-victims").getBoundingClientRect().width`))
		if err != nil || cw < 250 || cw > float64(width) {
			t.Errorf("chart width at %d px: got %v (%v), want between 250 and %d", width, cw, err, width)
		}
	}
	p.shot.take("reports-policy", 1366)
}
