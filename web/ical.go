package web

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// feedWithin is the horizon of the calendar feed in days (overdue items
// are included as well), as on GET /api/v1/deadlines?within=90.
const feedWithin = 90

// calendarFeed answers GET /api/v1/deadlines.ics?token=…: the personal
// iCalendar feed of a caseworker or supervisor. The token is the
// credential (no bearer token: calendar apps cannot send one); an unknown
// or revoked token is a 401 problem. Each deadline is an all-day event
// whose SUMMARY holds the case reference and the kind of deadline, never a
// name; its UID is stable per case and kind so that calendar apps update
// events instead of duplicating them.
func (u *UI) calendarFeed(c echo.Context) error {
	ctx := c.Request().Context()
	a, err := u.d.Auth.FeedActor(ctx, c.QueryParam("token"))
	if err != nil {
		return err // the API's error handler answers with a problem
	}
	lang := languages[0]
	if l := c.QueryParam("lang"); u.tr.has(l) {
		lang = l
	}
	var items []cases.DeadlineItem
	cursor := ""
	for {
		page, err := u.d.Cases.AllDeadlines(ctx, a, feedWithin, eligibility.Date{}, cases.MaxLimit, cursor)
		if err != nil {
			return fmt.Errorf("web: calendar feed: %w", err)
		}
		items = append(items, page.Items...)
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	alarms, err := feedAlarms(c.QueryParam("alarms"))
	if err != nil {
		return err
	}
	cal := buildCalendar(u.tr, lang, a, items, u.d.Now())
	if err := u.addWorkEvents(ctx, cal, lang, a); err != nil {
		return err
	}
	addAlarms(cal, u.tr, lang, alarms)
	var buf bytes.Buffer
	if err := cal.SerializeTo(&buf, ics.WithNewLine("\r\n")); err != nil { // RFC 5545 lines end in CRLF
		return fmt.Errorf("web: calendar feed: serialize: %w", err)
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `inline; filename="casemgr-deadlines.ics"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", buf.Bytes())
}

// buildCalendar turns deadline items into an RFC 5545 calendar: one
// all-day VEVENT per item (DTSTART and DTEND as DATE values), SUMMARY
// "<reference> – <kind>", UID "<case id>-<kind>@casemgr". The majority
// item never carries the birthday: it is "turns 18 this month" on the
// first day of that month.
func buildCalendar(tr *translations, lang string, a auth.Actor, items []cases.DeadlineItem, now time.Time) *ics.Calendar {
	cal := ics.NewCalendarFor("casemgr")
	cal.SetMethod(ics.MethodPublish)
	name := tr.text(lang, "feed.name") + " – " + a.Shelter
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	stamp := now.UTC()
	for _, it := range items {
		kind := it.Kind
		if it.Kind == eligibility.DeadlineFlag {
			kind = it.Rule // one event per flag of the case
		}
		ev := cal.AddEvent(it.CaseID + "-" + kind + "@casemgr")
		ev.SetDtStampTime(stamp)
		due := time.Date(it.DueOn.Year, it.DueOn.Month, it.DueOn.Day, 0, 0, 0, 0, time.UTC)
		summary := tr.text(lang, "deadline."+it.Kind)
		if it.Kind == eligibility.DeadlineMajority {
			// The 18th birthday is the date of birth: a feed leaves the
			// server for calendar apps and their clouds, so it shows the
			// month only, on its first day.
			due = time.Date(it.DueOn.Year, it.DueOn.Month, 1, 0, 0, 0, 0, time.UTC)
			summary = tr.text(lang, "feed.majority_month")
		}
		if it.Kind == eligibility.DeadlineFlag {
			summary += " " + it.Rule
		}
		ev.SetAllDayStartAt(due)
		ev.SetAllDayEndAt(due.AddDate(0, 0, 1))
		ev.SetSummary(it.Reference + " – " + summary)
		ev.SetDescription(fmt.Sprintf("%s: %s\n%s: %s\n%s: %s", tr.text(lang, "feed.kind"), kind,
			tr.text(lang, "feed.state"), tr.text(lang, "state."+string(it.State)),
			tr.text(lang, "feed.severity"), tr.text(lang, "severity."+string(it.Severity))))
		ev.SetProperty(ics.ComponentPropertyCategories, it.Kind)
		ev.SetTimeTransparency(ics.TransparencyTransparent)
	}
	return cal
}
