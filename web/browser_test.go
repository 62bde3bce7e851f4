package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
)

// chromiumPath finds the system Chromium or Chrome, or "".
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile, or skips the
// test (outside CI) when none is installed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome) and CI=true: install it (apt-get install -y chromium)")
		}
		t.Skip("no Chromium found (chromium, chromium-browser, google-chrome): install it to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate"),
		chromedp.Flag("lang", "en-GB"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// shots writes screenshots to $CASEMGR_SCREENSHOTS_DIR when it is set.
type shots struct {
	t   *testing.T
	ctx context.Context
	dir string
}

// take saves a full-page PNG at the given width.
func (s shots) take(name string, width int64) {
	s.t.Helper()
	if s.dir == "" {
		return
	}
	if err := chromedp.Do(s.ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		s.t.Fatalf("viewport: %v", err)
	}
	png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, name+".png"), png, 0o644); err != nil {
		s.t.Fatalf("write screenshot: %v", err)
	}
	if width != 1280 {
		if err := chromedp.Do(s.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
			s.t.Fatalf("viewport: %v", err)
		}
	}
}

// TestBrowserEndToEnd drives the UI in a real browser: a caseworker opens a
// case, records start_reflection and file_complaint, sees the deadline and
// a flag, and runs a what-if; a supervisor sees the deadline on the board
// and gets a calendar feed; an auditor exports the history as CSV; an
// admin sees the users.
func TestBrowserEndToEnd(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	ctx := p.ctx
	start := time.Now()

	// The caseworker.
	p.step("login page", chromedp.Navigate(p.url+"/"), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	p.shot.take("login", 1280)
	p.login("ana", "")
	if loc := p.location(); loc != p.url+"/work" {
		t.Fatalf("caseworker's home: got %s, want /work", loc)
	}
	p.step("new case",
		chromedp.Navigate(p.url+"/cases/new"),
		chromedp.WaitVisible(chromedp.CSS("#new-case-form")),
		chromedp.SendKeys(chromedp.CSS("#given_name"), "Grace"),
		chromedp.SendKeys(chromedp.CSS("#family_name"), "Okafor"),
		chromedp.SetValue(chromedp.CSS("#date_of_birth"), "1998-04-17"),
		chromedp.SetValue(chromedp.CSS("#gender"), "female"),
		chromedp.SetValue(chromedp.CSS("#nationality"), "NG"),
		chromedp.Click(chromedp.CSS("#exp-sexual")),
		chromedp.SetValue(chromedp.CSS("#identified_on"), "2025-06-01"),
		chromedp.SetValue(chromedp.CSS("#identified_by"), "police"),
		chromedp.Click(chromedp.CSS(`#new-case-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#case-ref")),
	)
	ref := p.text("#case-ref")
	if !strings.HasPrefix(ref, "PAY-2025-") {
		t.Fatalf("reference: got %q, want PAY-2025-…", ref)
	}
	caseURL, _ := chromedp.Run(ctx, chromedp.Location())
	caseURL = strings.Split(caseURL, "?")[0]
	record := func(event, on, wantState string) {
		t.Helper()
		p.step("record "+event,
			chromedp.Click(chromedp.CSS("#ev-"+event+" summary")),
			chromedp.WaitVisible(chromedp.CSS("#ev-"+event+"-on")),
			chromedp.SetValue(chromedp.CSS("#ev-"+event+"-on"), on),
			chromedp.Click(chromedp.CSS("#ev-"+event+`-form button[type="submit"]`)),
		)
		p.waitText("#case-state", wantState)
		p.waitText(".notice", "The event was recorded.")
	}
	record("start_reflection", "2025-06-02", "reflection period")
	if got := p.text(`#deadlines tr[data-kind="reflection_end"]`); !strings.Contains(got, "17/07/2025") || !strings.Contains(got, "in 32 days") {
		t.Fatalf("reflection deadline: got %q, want 17/07/2025, in 32 days", got)
	}
	record("file_complaint", "2025-06-10", "provisional permit (3 months)")
	if got := p.text(`#deadlines tr[data-kind="provisional_permit_expiry"]`); !strings.Contains(got, "10/09/2025") {
		t.Fatalf("permit deadline: got %q, want 10/09/2025", got)
	}
	if got := p.text(`#flags li[data-rule="R07"]`); !strings.Contains(got, "A dismissal would end victim status") || !strings.Contains(got, "residence") {
		t.Fatalf("flag R07: got %q", got)
	}
	p.step("what if",
		chromedp.SetValue(chromedp.CSS("#wi-type"), "dismiss_case"),
		chromedp.SetValue(chromedp.CSS("#wi-on"), "2025-09-01"),
		chromedp.Click(chromedp.CSS(`#whatif-form button[type="submit"]`)),
	)
	if got := p.waitText("#would-lose", "residence"); !strings.Contains(got, "services") {
		t.Fatalf("would lose: got %q, want residence and services", got)
	}
	p.step("case page", chromedp.Navigate(caseURL), chromedp.WaitVisible(chromedp.CSS("#case-ref")))
	p.shot.take("case", 1280)
	p.shot.take("case-360", 360)
	if p.shot.dir != "" {
		// The page must not scroll sideways at 360 px (tables scroll in their box).
		p.step("360 px", chromedp.EmulateViewport(360, 900))
		p.noSideScroll("case page", 360)
		p.step("1280 px", chromedp.EmulateViewport(1280, 900))
	}
	p.step("case list", chromedp.Navigate(p.url+"/cases"), chromedp.WaitVisible(chromedp.CSS("#case-list")))
	if got := p.text("#case-list"); !strings.Contains(got, ref) || !strings.Contains(got, "Grace Okafor") {
		t.Fatalf("case list: got %q, want %s and the name", got, ref)
	}
	p.shot.take("cases", 1280)
	p.logout()

	// The supervisor, on 2025-08-05: the renewal request (permit expiry
	// 2025-09-10 minus 30 days) is due in 6 days.
	e.Clock.Set(time.Date(2025, 8, 5, 9, 0, 0, 0, time.UTC))
	p.login("sam", "")
	if loc := p.location(); loc != p.url+"/work" {
		t.Fatalf("supervisor's home: got %s, want /work", loc)
	}
	p.step("the board", chromedp.Navigate(p.url+"/deadlines"), chromedp.WaitVisible(chromedp.CSS("#section-7")))
	if got := p.text("#section-7"); !strings.Contains(got, ref) || !strings.Contains(got, "Ask for the renewal") ||
		!strings.Contains(got, "11/08/2025") || !strings.Contains(got, "in 6 days") {
		t.Fatalf("board, within 7 days: got %q, want %s, renewal, 11/08/2025, in 6 days", got, ref)
	}
	p.step("feed", chromedp.Click(chromedp.CSS("#feed-new")), chromedp.WaitVisible(chromedp.CSS("#feed-url")))
	feed, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#feed-url")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get(feed)
	if err != nil {
		t.Fatalf("fetch the feed: %v", err)
	}
	cal, err := ics.ParseCalendar(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("feed: %v", err)
	}
	nrm := 0 // the due dates of flags (R27 here) are events too
	for _, ev := range cal.Events() {
		if p := ev.GetProperty(ics.ComponentPropertyCategories); p == nil || p.Value != "flag" {
			nrm++
		}
	}
	if nrm != 2 {
		t.Fatalf("feed: %d events other than flags' due dates; want 2 (renewal request and permit expiry)", nrm)
	}
	p.step("board", chromedp.Navigate(p.url+"/deadlines"), chromedp.WaitVisible(chromedp.CSS("#section-7")))
	p.shot.take("deadlines", 1280)
	p.logout()

	// The auditor exports the history as CSV (a download).
	p.login("aud", "")
	p.step("audit search", chromedp.Navigate(p.url+"/audit?search=1&verify=1"), chromedp.WaitVisible(chromedp.CSS("#audit-records")))
	if got := p.text("#verify-result"); !strings.Contains(got, "The chain is intact") {
		t.Fatalf("verification: got %q", got)
	}
	p.shot.take("audit", 1280)
	dir := t.TempDir()
	progress := chromedp.BrowserEvents(ctx, cdpbrowser.DownloadProgress)
	p.step("export",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			ok := true
			_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
				Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &ok})
			return err
		}),
		chromedp.SetValue(chromedp.CSS("#x-format"), "csv"),
		chromedp.SendKeys(chromedp.CSS("#x-password"), apptest.Password),
		chromedp.Click(chromedp.CSS("#export-run")),
	)
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			t.Fatalf("download canceled")
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil || len(rows) < 4 || strings.Join(rows[0], ",") != strings.Join(audit.Fields(), ",") {
		t.Fatalf("export: %v, %d rows, header %v; want the 18 fields and the records", err, len(rows), rows[0])
	}
	if !strings.Contains(string(b), ref) || strings.Contains(string(b), "Okafor") {
		t.Fatalf("export: want the reference %s and no name", ref)
	}
	p.logout()

	// The admin.
	p.login("adm", "")
	p.step("users", chromedp.Navigate(p.url+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("#users")))
	p.shot.take("admin-users", 1280)
	t.Logf("browser scenario took %v", time.Since(start).Round(time.Millisecond))
}
