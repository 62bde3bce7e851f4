package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

var feedURLPattern = regexp.MustCompile(`id="feed-url" type="text" readonly value="([^"]+)"`)

// feedPath makes a feed token from the board and returns the feed's path
// and query.
func feedPath(t *testing.T, b *browser) string {
	t.Helper()
	b.get("/deadlines")
	r := b.post("/deadlines", url.Values{"action": {"feed_new"}})
	if strings.Contains(r.Body, `id="confirm-form"`) { // replacing an active feed
		r = b.post("/deadlines", url.Values{"action": {"feed_new"}, "confirm": {"1"}})
	}
	m := feedURLPattern.FindStringSubmatch(r.Body)
	if r.Code != http.StatusOK || m == nil {
		t.Fatalf("feed_new: got %d, and no feed URL on the page", r.Code)
	}
	u, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/api/v1/deadlines.ics" || len(u.Query().Get("token")) < 22 {
		t.Fatalf("feed URL %s: want /api/v1/deadlines.ics?token=<at least 128 bits>", m[1])
	}
	return u.RequestURI()
}

type feedEvent struct {
	uid, summary, start, end string
}

func parseFeed(t *testing.T, body string) []feedEvent {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse the feed: %v", err)
	}
	var out []feedEvent
	for _, ev := range cal.Events() {
		start, err := ev.GetAllDayStartAt()
		if err != nil {
			t.Fatalf("DTSTART: %v", err)
		}
		end, err := ev.GetAllDayEndAt()
		if err != nil {
			t.Fatalf("DTEND: %v", err)
		}
		if p := ev.GetProperty(ics.ComponentPropertyDtStart); p.ICalParameters["VALUE"][0] != "DATE" {
			t.Fatalf("DTSTART is not a DATE value: %v", p.ICalParameters)
		}
		if ev.GetProperty(ics.ComponentPropertyDtstamp) == nil {
			t.Fatalf("event %s has no DTSTAMP (RFC 5545 requires one)", ev.Id())
		}
		out = append(out, feedEvent{uid: ev.Id(), summary: ev.GetProperty(ics.ComponentPropertySummary).Value,
			start: start.Format(time.DateOnly), end: end.Format(time.DateOnly)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start+out[i].uid < out[j].start+out[j].uid })
	return out
}

// TestCalendarFeed makes a feed on the supervisor's board, reads it with
// golang-ical's parser and checks the events; then regenerates and revokes
// it.
func TestCalendarFeed(t *testing.T) {
	e := newEnv(t)
	a := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	z := e.newCase(t, "ana", "Zoé", "Dubois", "CM")
	x := e.newCase(t, "bob", "Ama", "Mensah", "GH") // another shelter
	for _, ev := range []struct{ user, id, typ, on string }{
		{"ana", a.ID, "start_reflection", "2025-06-02"},
		{"ana", z.ID, "file_complaint", "2025-06-10"},
		{"ana", z.ID, "confirm_victim_status", "2025-06-12"},
		{"bob", x.ID, "start_reflection", "2025-06-02"},
	} {
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors[ev.user], ev.id, eventInput(ev.typ, ev.on)); err != nil {
			t.Fatal(err)
		}
	}
	sam := e.loggedIn(t, "sam")
	path := feedPath(t, sam)
	if !strings.Contains(sam.get("/deadlines").Body, "A feed is active since 15/06/2025.") {
		t.Fatalf("the board does not say that the feed is active")
	}
	visitor := e.browser(t) // calendar apps have no session
	r := visitor.get(path)
	if r.Code != http.StatusOK || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("feed: got %d %q, want 200 text/calendar", r.Code, r.Header.Get("Content-Type"))
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control: got %q, want no-store", r.Header.Get("Cache-Control"))
	}
	if strings.Contains(strings.ReplaceAll(r.Body, "\r\n", ""), "\n") || !strings.HasSuffix(r.Body, "END:VCALENDAR\r\n") {
		t.Fatalf("feed lines must end in CRLF (RFC 5545 3.1)")
	}
	for _, l := range strings.Split(r.Body, "\r\n") {
		if len(l) > 75 {
			t.Fatalf("line of %d octets, want at most 75 (RFC 5545 3.1): %q", len(l), l)
		}
	}
	got := parseFeed(t, r.Body)
	// Within 90 days of 2025-06-15, overdue included: a's reflection end
	// (2025-06-02 + 45 days) and z's renewal request (temporary expiry
	// 2025-12-12 - 30 days = 2025-11-12) is beyond 90 days, like the expiry.
	// And the due date of flag R27 (rights not explained within 3 days of
	// identification on 2025-06-01) of both cases.
	want := []feedEvent{
		{uid: a.ID + "-R27@casemgr", summary: a.Reference + " – Due date of a flag R27", start: "2025-06-04", end: "2025-06-05"},
		{uid: z.ID + "-R27@casemgr", summary: z.Reference + " – Due date of a flag R27", start: "2025-06-04", end: "2025-06-05"},
		{uid: a.ID + "-reflection_end@casemgr", summary: a.Reference + " – End of the reflection period",
			start: "2025-07-17", end: "2025-07-18"},
	}
	sort.Slice(want, func(i, j int) bool { return want[i].start+want[i].uid < want[j].start+want[j].uid })
	if len(got) != len(want) {
		t.Fatalf("events: got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, n := range names {
		if strings.Contains(r.Body, n) {
			t.Fatalf("the feed holds the name %q", n)
		}
	}
	if strings.Contains(r.Body, x.Reference) {
		t.Fatalf("the feed holds %s, a case of another shelter", x.Reference)
	}
	// The same UID on every fetch, so calendar apps update the event.
	if again := parseFeed(t, visitor.get(path).Body); again[0].uid != got[0].uid {
		t.Fatalf("UID changed between fetches: %s then %s", got[0].uid, again[0].uid)
	}

	t.Run("french", func(t *testing.T) {
		fr := strings.Replace(path, "lang=en", "lang=fr", 1)
		evs := parseFeed(t, visitor.get(fr).Body)
		if len(evs) != 3 || evs[2].summary != a.Reference+" – Fin de la période de réflexion" {
			t.Fatalf("French feed: got %+v", evs)
		}
	})
	t.Run("alarms", func(t *testing.T) {
		body := visitor.get(path).Body
		if n := strings.Count(body, "BEGIN:VALARM"); n != 2*len(want) {
			t.Errorf("default alarms: got %d VALARM, want 2 per event (7 and 1 days before)", n)
		}
		for _, trig := range []string{"TRIGGER:-P6DT15H", "TRIGGER:-P0DT15H"} {
			if !strings.Contains(body, trig) {
				t.Errorf("default alarms: want %s (09:00, 7 and 1 days before)", trig)
			}
		}
		if strings.Contains(body, "Grace") || strings.Contains(body, "Okafor") {
			t.Errorf("feed holds a name")
		}
		if n := strings.Count(visitor.get(path+"&alarms=none").Body, "BEGIN:VALARM"); n != 0 {
			t.Errorf("alarms=none: got %d VALARM, want 0", n)
		}
		three := visitor.get(path + "&alarms=14,3,0").Body
		if n := strings.Count(three, "BEGIN:VALARM"); n != 3*len(want) || !strings.Contains(three, "TRIGGER:PT9H") {
			t.Errorf("alarms=14,3,0: got %d VALARM, want %d and one on the day at 09:00", n, 3*len(want))
		}
		if r := visitor.get(path + "&alarms=99"); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("alarms=99: got %d, want 422", r.Code)
		}
	})
	t.Run("regenerate", func(t *testing.T) {
		// Replacing an active address is confirmed first, and the old
		// address works until it is.
		sam.get("/deadlines")
		r := sam.post("/deadlines", url.Values{"action": {"feed_new"}})
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="confirm-form"`) || !strings.Contains(r.Body, "stop updating") ||
			feedURLPattern.MatchString(r.Body) {
			t.Fatalf("replace: got %d, want the confirmation page and no new address:\n%s", r.Code, r.Body)
		}
		if r := visitor.get(path); r.Code != http.StatusOK {
			t.Fatalf("before confirming the replacement: got %d, want the feed still served", r.Code)
		}
		newPath := feedPath(t, sam)
		if r := visitor.get(path); r.Code != http.StatusUnauthorized || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("old token: got %d %q, want 401 problem", r.Code, r.Header.Get("Content-Type"))
		}
		if r := visitor.get(newPath); r.Code != http.StatusOK {
			t.Fatalf("new token: got %d, want 200", r.Code)
		}
		path = newPath
	})
	t.Run("revoke", func(t *testing.T) {
		sam.get("/deadlines")
		// First a confirmation that says what revoking does; the feed
		// still works until it is confirmed.
		r := sam.post("/deadlines", url.Values{"action": {"feed_revoke"}})
		if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="confirm-form"`) ||
			!strings.Contains(r.Body, "stop updating") || !strings.Contains(r.Body, `name="confirm" value="1"`) {
			t.Fatalf("revoke: got %d, want the confirmation page saying calendars stop updating:\n%s", r.Code, r.Body)
		}
		if r := visitor.get(path); r.Code != http.StatusOK {
			t.Fatalf("before confirming: got %d, want the feed still served", r.Code)
		}
		r = sam.post("/deadlines", url.Values{"action": {"feed_revoke"}, "confirm": {"1"}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("confirmed revoke: got %d, want 303", r.Code)
		}
		if r := visitor.get(path); r.Code != http.StatusUnauthorized {
			t.Fatalf("revoked token: got %d, want 401", r.Code)
		}
		if !strings.Contains(sam.get("/deadlines").Body, "You have no feed.") {
			t.Fatalf("the board still shows a feed")
		}
	})
	t.Run("bad tokens", func(t *testing.T) {
		for _, q := range []string{"", "?token=", "?token=abc", "?token=" + strings.Repeat("A", 43)} {
			if r := visitor.get("/api/v1/deadlines.ics" + q); r.Code != http.StatusUnauthorized {
				t.Fatalf("token %q: got %d, want 401", q, r.Code)
			}
		}
	})
	t.Run("disabled user", func(t *testing.T) {
		p := feedPath(t, sam)
		adm := e.loggedIn(t, "adm")
		adm.post("/admin/users", url.Values{"action": {"disable"}, "username": {"sam"}, "confirm": {"1"}})
		if r := visitor.get(p); r.Code != http.StatusUnauthorized {
			t.Fatalf("feed of a disabled user: got %d, want 401", r.Code)
		}
	})
}

// TestBoard checks the supervisor's board: sections by days left and the
// cases with critical flags.
func TestBoard(t *testing.T) {
	e := newEnv(t)
	a := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	z := e.newCase(t, "ana", "Zoé", "Dubois", "CM")
	// Reflection periods end on 2025-07-17 (a) and 2025-07-16 (z).
	for _, ev := range []struct{ id, on string }{{a.ID, "2025-06-02"}, {z.ID, "2025-06-01"}} {
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], ev.id, eventInput("start_reflection", ev.on)); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Set(time.Date(2025, 7, 17, 10, 0, 0, 0, time.UTC)) // a: due today; z: 1 day overdue
	if _, err := e.Cases.RefreshFlags(t.Context()); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn(t, "sam")
	body := b.get("/deadlines").Body
	sections := regexp.MustCompile(`(?s)<section class="board-section board-(\w+)".*?</section>`).FindAllStringSubmatch(body, -1)
	if len(sections) != 4 {
		t.Fatalf("sections: got %d, want 4", len(sections))
	}
	wantIn := map[string][]string{"overdue": {z.Reference, "1 day overdue"}, "7": {a.Reference, "today"}}
	for _, s := range sections {
		for _, w := range wantIn[s[1]] {
			if !strings.Contains(s[0], w) {
				t.Fatalf("section %s does not show %q", s[1], w)
			}
		}
		if s[1] != "overdue" && strings.Contains(s[0], z.Reference) {
			t.Fatalf("section %s shows the overdue case", s[1])
		}
	}
	crit := regexp.MustCompile(`(?s)<section aria-labelledby="crit-h".*?</section>`).FindString(body)
	for _, w := range []string{z.Reference, a.Reference, "<strong>R04</strong>"} {
		if !strings.Contains(crit, w) {
			t.Fatalf("critical flags do not show %q", w)
		}
	}
	for _, n := range names {
		if strings.Contains(body, n) {
			t.Fatalf("the board shows the name %q", n)
		}
	}
}
