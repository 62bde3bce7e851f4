package web_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSkips are the axe rule ids a page is known to break and this test
// does not fail on, each with the reason; empty while every page passes.
var axeSkips = map[string]map[string]string{}

// axeViolation is one failed axe rule on a page.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// TestAccessibilityAxe runs axe-core (web/testdata/axe.min.js, vendored
// from npm, MPL-2.0) on the pages each role reaches and fails on any
// violation of impact "serious" or "critical".
func TestAccessibilityAxe(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	ctx := p.ctx
	axe, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	cs := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], cs.ID, eventInput("start_reflection", "2025-06-02")); err != nil {
		t.Fatal(err)
	}

	run := func(path string) []axeViolation {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			t.Fatalf("%s: inject axe: %v", path, err)
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
			JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
				nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: run axe: %v", path, err)
		}
		var vs []axeViolation
		if err := json.Unmarshal([]byte(out), &vs); err != nil {
			t.Fatalf("%s: axe result: %v", path, err)
		}
		return vs
	}
	check := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(p.url+path), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		vs := run(path)
		t.Logf("%s: %d axe violations of any impact: %s", path, len(vs), fmtIDs(vs))
		page := path
		if i := strings.IndexAny(page, "?"); i >= 0 {
			page = page[:i]
		}
		for _, v := range vs {
			if v.Impact != "serious" && v.Impact != "critical" {
				continue
			}
			if why, ok := axeSkips[page][v.ID]; ok {
				t.Logf("%s: %s skipped: %s", path, v.ID, why)
				continue
			}
			t.Errorf("%s: %s (%s): %s at %v", path, v.ID, v.Impact, v.Help, v.Nodes)
		}
	}
	// The harness can fail: an image without a text alternative on the
	// login page is a critical violation.
	if err := chromedp.Do(ctx, chromedp.Navigate(p.url+"/login"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("main").append(document.createElement("img")); true`)); err != nil {
		t.Fatal(err)
	}
	if vs := run("/login with an img"); !strings.Contains(fmtIDs(vs), "image-alt") {
		t.Fatalf("axe did not report an image without alt: %v", vs)
	}

	check("/login")
	check("/nope")
	for _, r := range []struct {
		user  string
		pages []string
	}{
		{"ana", []string{"/work", "/cases", "/cases/" + cs.ID, "/cases/" + cs.ID + "/summary", "/deadlines"}},
		{"sam", []string{"/reports/annual"}},
		{"aud", []string{"/audit?search=1", "/reports/annual"}},
		{"adm", []string{"/admin/users", "/admin/shelters"}},
	} {
		p.login(r.user, "")
		for _, path := range r.pages {
			check(path)
		}
		p.logout()
	}
}

func fmtIDs(vs []axeViolation) string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID+"/"+v.Impact)
	}
	return strings.Join(ids, " ")
}
