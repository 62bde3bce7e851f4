package web_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/casemgr/casemgr/internal/apptest"
)

// TestCaseworkBrowser: in a real browser at desktop width and 390 px, a
// caseworker lands on "My work", opens a case's casework page, loses a
// note's session before saving it and finds the text again after logging
// in, saves it, and adds a task. Neither page scrolls sideways at 390 px.
func TestCaseworkBrowser(t *testing.T) {
	ctx := newBrowser(t)
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	shot := shots{t: t, ctx: ctx, dir: os.Getenv("CASEMGR_SCREENSHOTS_DIR")}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v\n%s", name, err, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	narrow := func(page string) {
		t.Helper()
		step("390 px", chromedp.EmulateViewport(390, 900))
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
		if err != nil || w > 390 {
			t.Fatalf("%s at 390 px: width %d (%v), want at most 390", page, w, err)
		}
		shot.take(page+"-390", 390)
		step("desktop", chromedp.EmulateViewport(1280, 900))
	}
	login := func() {
		t.Helper()
		step("log in",
			chromedp.WaitVisible(chromedp.CSS("#login-form")),
			chromedp.SendKeys(chromedp.CSS("#username"), "ana"),
			chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
			chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#logout")),
		)
	}
	step("open", chromedp.Navigate(srv.URL+"/login"))
	login()
	step("my work", chromedp.WaitVisible(chromedp.CSS("#work")))
	if got := text("#work"); !strings.Contains(got, c.Reference) || !strings.Contains(got, "R27") {
		t.Fatalf("my work: got %q, want %s and R27", got, c.Reference)
	}
	shot.take("work", 1280)
	narrow("work")

	page := srv.URL + "/cases/" + c.ID + "/work"
	typed := "Met Grace at the station; she wants to call her mother"
	step("casework page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#note-form")),
		chromedp.SendKeys(chromedp.CSS("#note-text"), typed))
	// The session ends (logged out elsewhere, or expired) before the note is saved.
	if err := e.DB.Write.Exec("UPDATE auth_sessions SET revoked_at = ?", time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	step("submit after the session ended", chromedp.SetValue(chromedp.CSS("#note-kind"), "meeting"),
		chromedp.Click(chromedp.CSS("#note-add")))
	login()
	step("back to the case", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#note-form")))
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#note-text")))
	if err != nil || v != typed {
		t.Fatalf("note after logging in again: got %q (%v), want what was typed", v, err)
	}
	step("save", chromedp.SetValue(chromedp.CSS("#note-kind"), "meeting"), chromedp.Click(chromedp.CSS("#note-add")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text("#notes"); !strings.Contains(got, typed) {
		t.Fatalf("notes: got %q, want the note", got)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#note-text"))); v != "" {
		t.Fatalf("note form after saving: got %q, want it empty (the draft is cleared)", v)
	}
	step("task", chromedp.SendKeys(chromedp.CSS("#task-title"), "Book an interpreter"),
		chromedp.SetValue(chromedp.CSS("#task-due"), "2025-06-18"), chromedp.Click(chromedp.CSS("#task-add")))
	// The note's notice is still on the page until the task's answer
	// replaces it: wait for the task itself, not for a notice.
	got := ""
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#tasks"))); err == nil {
			if got = s; strings.Contains(got, "Book an interpreter") {
				break
			}
		}
	}
	if !strings.Contains(got, "Book an interpreter") {
		t.Fatalf("tasks: got %q", got)
	}
	shot.take("casework", 1280)
	narrow("casework")
}
