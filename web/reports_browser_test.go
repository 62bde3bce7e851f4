package web_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
)

// TestBrowserReports opens the annual report in a real browser as a
// supervisor: the two SVG charts render with the stylesheet applied (the
// CSP lets it through), the longest bar has its full length, the tables
// show the figures, and the page does not scroll sideways at 360 px.
func TestBrowserReports(t *testing.T) {
	ctx := newBrowser(t)
	e := reportsEnv(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	shot := shots{t: t, ctx: ctx, dir: os.Getenv("CASEMGR_SCREENSHOTS_DIR")}
	if shot.dir != "" {
		if err := os.MkdirAll(shot.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v (at %s)\n%s", name, err, loc, body)
		}
	}
	step("log in as sam",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "sam"),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
	step("reports link", chromedp.Click(chromedp.CSS(`nav a[href="/reports/annual"]`)),
		chromedp.WaitVisible(chromedp.CSS("#report-about")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != srv.URL+"/reports/annual" {
		t.Fatalf("reports link: got %s, want /reports/annual", loc)
	}
	step("charts", chromedp.WaitVisible(chromedp.CSS("#chart-exploitation")), chromedp.WaitVisible(chromedp.CSS("#chart-permits")))

	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("svg.chart")))
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
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](tt.expr))
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
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(c.sel)))
		if err != nil || strings.TrimSpace(got) != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.sel, got, err, c.want)
		}
	}
	shot.take("reports-annual", 1280)

	step("360 px", chromedp.EmulateViewport(360, 900))
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
	if err != nil || w > 360 {
		t.Fatalf("page width at 360 px: got %d (%v), want at most 360", w, err)
	}
}

// TestBrowserPolicy opens the what-if page in French as a supervisor, from
// the menu: it chooses a change, the page shows the figures and the two
// SVG charts, each named by its <title> and labelled for assistive
// technologies, the change's bars in their own colour; at 1366 and 390 px
// the page does not scroll sideways.
func TestBrowserPolicy(t *testing.T) {
	ctx := newBrowser(t)
	e := policyEnv(t)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	shot := shots{t: t, ctx: ctx, dir: os.Getenv("CASEMGR_SCREENSHOTS_DIR")}
	if shot.dir != "" {
		if err := os.MkdirAll(shot.dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v (at %s)\n%s", name, err, loc, body)
		}
	}
	step("log in as sam, in French",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(srv.URL+"/login?lang=fr"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "sam"),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
	step("what-if link", chromedp.Click(chromedp.CSS(`nav a[href="/reports/policy"]`)),
		chromedp.WaitVisible(chromedp.CSS("#policy-form")))
	step("choose a change",
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
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](tt.expr))
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, err, tt.want)
		}
	}
	for _, width := range []int64{1366, 390} {
		step("viewport", chromedp.EmulateViewport(width, 900))
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
		if err != nil || w > width {
			t.Errorf("page width at %d px: got %d (%v), want at most %d", width, w, err, width)
		}
		for _, id := range []string{"policy-victims-table", "policy-days-table"} {
			fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const t = document.getElementById("`+id+`"); return t.getBoundingClientRect().right <= t.parentElement.getBoundingClientRect().right + 0.5; })()`))
			if err != nil || !fits {
				t.Errorf("table %s at %d px: sticks out of its box (%v)", id, width, err)
			}
		}
		cw, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("#chart-victims").getBoundingClientRect().width`))
		if err != nil || cw < 250 || cw > float64(width) {
			t.Errorf("chart width at %d px: got %v (%v), want between 250 and %d", width, cw, err, width)
		}
	}
	shot.take("reports-policy", 1366)
}
