package web_test

import (
	"strings"
	"testing"
)

// TestCasePageGroupsEvents checks what a caseworker sees on the case page:
// an in-page navigation to every section, and the event forms grouped by
// track, the steps forward of a track before the events that leave the
// path.
func TestCasePageGroupsEvents(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	body := e.loggedIn(t, "ana").get("/cases/" + c.ID).Body

	nav := between(t, body, `<nav class="toc"`, `</nav>`)
	for _, id := range []string{"s-summary", "s-casework", "s-deadlines", "s-flags", "s-events", "whatif", "s-history"} {
		if !strings.Contains(nav, `href="#`+id+`"`) {
			t.Errorf("in-page navigation: no link to #%s", id)
		}
		if !strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("no section with id %s for the navigation to reach", id)
		}
	}

	status := between(t, body, `id="track-status"`, `</section>`)
	proc := strings.Index(body, `id="track-proceedings"`)
	facts := strings.Index(body, `id="track-facts"`)
	if st := strings.Index(body, `id="track-status"`); !(st < proc || proc < 0) || !(st < facts) {
		t.Errorf("tracks out of order: status %d, proceedings %d, facts %d", st, proc, facts)
	}
	// identified: start_reflection and file_complaint carry the case on;
	// decline, return home, lose contact and close take it off the path.
	for _, fw := range []string{"ev-start_reflection", "ev-file_complaint"} {
		for _, exit := range []string{"ev-decline_cooperation", "ev-return_home", "ev-lose_contact", "ev-close_case"} {
			i, j := strings.Index(status, `id="`+fw+`"`), strings.Index(status, `id="`+exit+`"`)
			if i < 0 || j < 0 || i > j {
				t.Errorf("status track: %s at %d, %s at %d; want both, the step forward first", fw, i, exit, j)
			}
		}
	}
	if !strings.Contains(status, "Leaving the path or correcting it") {
		t.Error("status track: the events that leave the path have no heading")
	}
	for _, ev := range []string{"ev-inform_of_rights", "ev-prove_identity"} {
		if !strings.Contains(between(t, body, `id="track-facts"`, `</section>`), `id="`+ev+`"`) {
			t.Errorf("%s is not in the facts group", ev)
		}
	}
	if strings.Contains(status, `id="ev-inform_of_rights"`) {
		t.Error("a fact is listed in the status track")
	}
	if strings.Contains(body, "<script") {
		t.Error("the case page has a script: the navigation must work without JavaScript")
	}
}

// between returns the text of s from the first start to the next end.
func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("page has no %q", start)
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}
