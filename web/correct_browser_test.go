package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	cases "github.com/casemgr/casemgr/internal/case"
)

// TestBrowserCorrections drives, in a real browser at 1366 and 390 px
// wide, the confirmation of close_case in French, the correction of the
// person's data refused in Dutch, and the void of an event, which is then
// struck through in the history. No page scrolls sideways.
func TestBrowserCorrections(t *testing.T) {
	p, e := newBrowserPage(t, newEnv)
	eval := func(expr string) string {
		t.Helper()
		s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return s
	}
	p.login("ana", "")
	// take saves a screenshot and keeps the width (shots.take goes back
	// to 1280 px).
	take := func(name string, width int64) {
		t.Helper()
		p.shot.take(name, width)
		p.step("viewport", chromedp.EmulateViewport(width, 900))
	}
	ana := e.actors["ana"]
	record := func(c cases.Case, events ...string) {
		t.Helper()
		for i, ev := range events {
			if _, err := e.Cases.RecordEvent(t.Context(), ana, c.ID, eventInput(ev, fmt.Sprintf("2025-06-%02d", 2+i))); err != nil {
				t.Fatalf("%s: %v", ev, err)
			}
		}
	}

	for _, width := range []int64{1366, 390} {
		p.step(fmt.Sprint(width, " px"), chromedp.EmulateViewport(width, 900))

		// close_case in French: a confirmation first, then the event.
		c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
		record(c, "start_reflection")
		p.step("french case page",
			chromedp.Navigate(p.url+"/cases?lang=fr"),
			chromedp.Navigate(p.url+"/cases/"+c.ID),
			chromedp.WaitVisible(chromedp.CSS("#case-ref")),
			chromedp.Click(chromedp.CSS("#ev-close_case summary")),
			chromedp.WaitVisible(chromedp.CSS("#ev-close_case-on")),
			chromedp.SetValue(chromedp.CSS("#ev-close_case-on"), "2025-06-10"),
			chromedp.SetValue(chromedp.CSS("#ev-close_case-reason"), "moved_shelter"),
			chromedp.Click(chromedp.CSS(`#ev-close_case-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#confirm-form")),
		)
		p.waitText("#confirm-meaning", "Clôturer le dossier y met fin")
		if got := p.waitText("#confirm-h", "Clôturer le dossier"); !strings.Contains(got, "Enregistrer") {
			t.Fatalf("confirmation heading: got %q", got)
		}
		if got := e.caseNow(t, c.ID); got.State != "reflection" {
			t.Fatalf("before confirming: state %s, want reflection (nothing recorded)", got.State)
		}
		p.noSideScroll("confirmation", width)
		take(fmt.Sprint("confirm-close-fr-", width), width)
		p.step("confirm", chromedp.Click(chromedp.CSS("#confirm-yes")), chromedp.WaitVisible(chromedp.CSS("#case-ref")))
		p.waitText("#case-state", "clôturé")
		p.waitText(".notice", "L'événement a été enregistré.")

		// The person's data, refused in Dutch: the error at the top, linked
		// to the field, and what was typed kept.
		c = e.newCase(t, "ana", "Grace", "Okafor", "NG")
		p.step("dutch correction",
			chromedp.Navigate(p.url+"/cases?lang=nl"),
			chromedp.Navigate(p.url+"/cases/"+c.ID),
			chromedp.WaitVisible(chromedp.CSS("#victim-edit")),
			chromedp.Click(chromedp.CSS("#victim-edit")),
			chromedp.WaitVisible(chromedp.CSS("#victim-form")),
			chromedp.SetValue(chromedp.CSS("#alias"), "Gee"),
			chromedp.SetValue(chromedp.CSS("#date_of_birth"), "1990-03-04"),
			chromedp.Click(chromedp.CSS("#unaccompanied_minor")),
			chromedp.Click(chromedp.CSS(`#victim-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#error-summary")),
		)
		if got := p.waitText(`#error-summary a[href="#unaccompanied_minor"]`, "Niet-begeleide minderjarige: Met geboortedatum 04/03/1990 werd de persoon 18 op 04/03/2008"); !strings.Contains(got, "(01/06/2025)") {
			t.Fatalf("error summary: got %q", got)
		}
		if role := eval(`document.querySelector("#error-summary").getAttribute("role")`); role != "alert" {
			t.Fatalf("error summary role: got %q, want alert", role)
		}
		if got := eval(`document.querySelector("#unaccompanied_minor").getAttribute("aria-describedby")`); got != "unaccompanied_minor-err" {
			t.Fatalf("checkbox aria-describedby: got %q", got)
		}
		if got := eval(`document.querySelector("#date_of_birth").value + "|" + document.querySelector("#alias").value + "|" + document.querySelector("#unaccompanied_minor").checked`); got != "1990-03-04|Gee|true" {
			t.Fatalf("typed values: got %q, want them kept", got)
		}
		p.noSideScroll("victim form", width)
		take(fmt.Sprint("victim-error-nl-", width), width)
		p.step("follow the error link", chromedp.Click(chromedp.CSS(`#error-summary a[href="#unaccompanied_minor"]`)))
		if got := eval(`location.hash`); got != "#unaccompanied_minor" {
			t.Fatalf("error link: got %q, want #unaccompanied_minor", got)
		}
		if got := e.caseNow(t, c.ID); got.Victim.Alias != "" || got.Version != 1 {
			t.Fatalf("a refused correction changed the case: alias %q, version %d", got.Victim.Alias, got.Version)
		}

		// A void, in English: the event is struck through, "voided by #N".
		c = e.newCase(t, "ana", "Grace", "Okafor", "NG")
		record(c, "start_reflection", "file_complaint")
		seq := itoa(e.seqOf(t, c.ID, "file_complaint"))
		p.step("void",
			chromedp.Navigate(p.url+"/cases?lang=en"),
			chromedp.Navigate(p.url+"/cases/"+c.ID),
			chromedp.WaitVisible(chromedp.CSS("#case-ref")),
			chromedp.Click(chromedp.CSS("#void-"+seq)),
			chromedp.WaitVisible(chromedp.CSS("#void-form")),
		)
		p.noSideScroll("void page", width)
		take(fmt.Sprint("void-", width), width)
		p.step("void reason",
			chromedp.SetValue(chromedp.CSS("#void-reason"), "duplicate"),
			chromedp.Click(chromedp.CSS("#void-yes")),
			chromedp.WaitVisible(chromedp.CSS("tr#h-"+seq+".voided")),
		)
		p.waitText(".notice", "The event was voided")
		p.waitText("#case-state", "reflection period")
		if got := p.waitText("tr#h-"+seq+" .voided-by", "voided by #"); got == "" {
			t.Fatal("no voided-by")
		}
		if got := eval(`getComputedStyle(document.querySelector("tr#h-` + seq + ` s.struck")).textDecorationLine`); got != "line-through" {
			t.Fatalf("voided event: text-decoration %q, want line-through", got)
		}
		if got := eval(`location.hash`); got != "#h-"+seq {
			t.Fatalf("after the void: at %q, want the row #h-%s", got, seq)
		}
		p.noSideScroll("case page", width)
		take(fmt.Sprint("voided-", width), width)
	}
}
