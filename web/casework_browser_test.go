package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCaseworkBrowser: in a real browser at desktop width and 390 px, a
// caseworker lands on "My work", opens a case's casework page, loses a
// note's session before saving it and finds the text again after logging
// in, saves it, and adds a task. Neither page scrolls sideways at 390 px.
func TestCaseworkBrowser(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	narrow := func(page string) {
		t.Helper()
		p.step("390 px", chromedp.EmulateViewport(390, 900))
		p.noSideScroll(page, 390)
		p.shot.take(page+"-390", 390)
		p.step("desktop", chromedp.EmulateViewport(1280, 900))
	}
	p.login("ana", "")
	p.step("my work", chromedp.WaitVisible(chromedp.CSS("#work")))
	if got := p.text("#work"); !strings.Contains(got, c.Reference) || !strings.Contains(got, "R27") {
		t.Fatalf("my work: got %q, want %s and R27", got, c.Reference)
	}
	p.shot.take("work", 1280)
	narrow("work")

	page := p.url + "/cases/" + c.ID + "/work"
	typed := "Met Grace at the station; she wants to call her mother"
	p.step("casework page", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#note-form")),
		chromedp.SendKeys(chromedp.CSS("#note-text"), typed))
	// The session ends (logged out elsewhere, or expired) before the note is saved.
	if err := e.DB.Write.Exec("UPDATE auth_sessions SET revoked_at = ?", time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	p.step("submit after the session ended", chromedp.SetValue(chromedp.CSS("#note-kind"), "meeting"),
		chromedp.Click(chromedp.CSS("#note-add")))
	p.submitLogin("ana")
	p.step("back to the case", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#note-form")))
	v, err := chromedp.Run(p.ctx, chromedp.Value(chromedp.CSS("#note-text")))
	if err != nil || v != typed {
		t.Fatalf("note after logging in again: got %q (%v), want what was typed", v, err)
	}
	p.step("save", chromedp.SetValue(chromedp.CSS("#note-kind"), "meeting"), chromedp.Click(chromedp.CSS("#note-add")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := p.text("#notes"); !strings.Contains(got, typed) {
		t.Fatalf("notes: got %q, want the note", got)
	}
	if v, _ := chromedp.Run(p.ctx, chromedp.Value(chromedp.CSS("#note-text"))); v != "" {
		t.Fatalf("note form after saving: got %q, want it empty (the draft is cleared)", v)
	}
	p.step("task", chromedp.SendKeys(chromedp.CSS("#task-title"), "Book an interpreter"),
		chromedp.SetValue(chromedp.CSS("#task-due"), "2025-06-18"), chromedp.Click(chromedp.CSS("#task-add")))
	// The note's notice is still on the page until the task's answer
	// replaces it: wait for the task itself, not for a notice.
	got := ""
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("#tasks"))); err == nil {
			if got = s; strings.Contains(got, "Book an interpreter") {
				break
			}
		}
	}
	if !strings.Contains(got, "Book an interpreter") {
		t.Fatalf("tasks: got %q", got)
	}
	p.shot.take("casework", 1280)
	narrow("casework")
}
