package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// tourPage is one page of the UI as one user sees it.
type tourPage struct {
	// Name names the page's screenshot (docs/screenshots/<name>.png).
	Name, User, Path string
	// Lists is whether the page is one of those whose tables become cards
	// on a phone; the case list has a layout of its own.
	Lists bool
}

// tour fills a casemgr with a little of everything (a case on both
// tracks, a note, a task, a service, a consent, a referral, a transfer,
// a calendar feed) and lists every page, for the tests that look at all of
// them: the phone layout, the translations, and the screenshots.
func tour(t *testing.T, e *env) []tourPage {
	t.Helper()
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	e.newCase(t, "ana", "Ama", "Mensah", "GH")
	for _, ev := range []struct{ typ, on string }{{"start_reflection", "2025-06-02"}, {"file_complaint", "2025-06-10"}} {
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], c.ID, eventInput(ev.typ, ev.on)); err != nil {
			t.Fatalf("record %s: %v", ev.typ, err)
		}
	}
	adm := e.loggedIn(t, "adm")
	adm.get("/admin/organisations")
	if r := adm.post("/admin/organisations", url.Values{"action": {"create"}, "id": {"lawyers-ghent"}, "name": {"Lawyers Ghent"},
		"kind": {"lawyer"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("organisation: got %d:\n%s", r.Code, r.Body)
	}
	ana := e.loggedIn(t, "ana")
	work, sharing := "/cases/"+c.ID+"/work", "/cases/"+c.ID+"/sharing"
	ana.get(work)
	for _, f := range []url.Values{
		{"action": {"note"}, "occurred_on": {"2025-06-14"}, "kind": {"meeting"}, "text": {"Met at the station; wants to call her mother."}},
		{"action": {"task"}, "title": {"Book the interpreter"}, "due_on": {"2025-06-20"}},
		{"action": {"service"}, "service": {"legal"}, "provider": {"shelter"}, "started_on": {"2025-06-10"}},
	} {
		if r := ana.post(work, f); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: got %d:\n%s", f.Get("action"), r.Code, r.Body)
		}
	}
	ana.get(sharing)
	for _, f := range []url.Values{
		{"action": {"consent"}, "scope": {"share_with_shelter"}, "recipient": {"pag-asa"}, "given_on": {"2025-06-02"},
			"given_by": {"victim"}, "method": {"written"}},
		{"action": {"transfer"}, "to_shelter": {"pag-asa"}, "reason": {"safety"}},
	} {
		if r := ana.post(sharing, f); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: got %d:\n%s", f.Get("action"), r.Code, r.Body)
		}
	}
	ana.get("/deadlines")
	ana.post("/deadlines", url.Values{"action": {"feed_new"}})
	void := regexp.MustCompile(`href="(/cases/[^"]+/void/[0-9]+)"`).FindStringSubmatch(ana.get("/cases/" + c.ID).Body)
	if void == nil {
		t.Fatal("the case page has no void link")
	}
	return []tourPage{
		{Name: "login", Path: "/login"},
		{Name: "work", User: "ana", Path: "/work?within=90", Lists: true},
		{Name: "cases", User: "ana", Path: "/cases", Lists: true},
		{Name: "case-new", User: "ana", Path: "/cases/new", Lists: true},
		{Name: "case", User: "ana", Path: "/cases/" + c.ID, Lists: true},
		{Name: "case-victim", User: "ana", Path: "/cases/" + c.ID + "/victim", Lists: true},
		{Name: "case-void", User: "ana", Path: void[1], Lists: true},
		{Name: "casework", User: "ana", Path: work, Lists: true},
		{Name: "sharing", User: "ana", Path: sharing, Lists: true},
		{Name: "summary", User: "ana", Path: "/cases/" + c.ID + "/summary", Lists: true},
		{Name: "deadlines", User: "ana", Path: "/deadlines", Lists: true},
		{Name: "transfers", User: "bob", Path: "/transfers", Lists: true},
		{Name: "totp", User: "ana", Path: "/account/totp", Lists: true},
		{Name: "reports-annual", User: "sam", Path: "/reports/annual?year=2025", Lists: true},
		{Name: "reports-policy", User: "sam", Path: "/reports/policy?year=2025&change=no_dismissal_window", Lists: true},
		{Name: "anonymized-empty", User: "aud", Path: "/reports/anonymized.csv?year=2025", Lists: true},
		{Name: "audit", User: "aud", Path: "/audit?search=1", Lists: true},
		{Name: "admin-users", User: "adm", Path: "/admin/users", Lists: true},
		{Name: "admin-shelters", User: "adm", Path: "/admin/shelters", Lists: true},
		{Name: "admin-organisations", User: "adm", Path: "/admin/organisations", Lists: true},
	}
}

// TestTourPages checks that every page of the tour answers 200 to its
// user, so that the tests built on it look at real pages.
func TestTourPages(t *testing.T) {
	e := newEnv(t)
	for _, p := range tour(t, e) {
		b := e.browser(t)
		if p.User != "" {
			b = e.loggedIn(t, p.User)
		}
		if r := b.get(p.Path); r.Code != http.StatusOK {
			t.Errorf("%s (%s as %q): got %d, want 200", p.Name, p.Path, p.User, r.Code)
		}
	}
}
