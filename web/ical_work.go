package web

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casework"
)

// defaultAlarms are the days before each item of the calendar feed at
// which calendar apps remind (docs/casework.md "Reminders").
var defaultAlarms = []int{7, 1}

// feedAlarms reads the alarms parameter of the feed: "" for the default
// (7 and 1 days before), "none" for no alarm, or up to 4 numbers of days
// from 0 to 60 separated by commas ("14,3,0").
func feedAlarms(q string) ([]int, error) {
	switch q {
	case "":
		return defaultAlarms, nil
	case "none":
		return nil, nil
	}
	parts := strings.Split(q, ",")
	bad := apperr.Field("alarms", "want none, or up to 4 numbers of days before the item from 0 to 60, separated by commas")
	if len(parts) > 4 {
		return nil, bad
	}
	var out []int
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 60 {
			return nil, bad
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out, nil
}

// addAlarms gives every event of the calendar one DISPLAY alarm per
// number of days, at 09:00 (the event starts at midnight, so the trigger
// is the days less 9 hours); its text is the event's summary (a
// reference and a kind, never a name).
func addAlarms(cal *ics.Calendar, tr *translations, lang string, days []int) {
	for _, ev := range cal.Events() {
		summary := ""
		if p := ev.GetProperty(ics.ComponentPropertySummary); p != nil {
			summary = p.Value
		}
		for _, d := range days {
			al := ev.AddAlarm()
			al.SetAction(ics.ActionDisplay)
			al.SetTrigger(alarmTrigger(d))
			al.SetProperty(ics.ComponentPropertyDescription, fmt.Sprintf("%s (%s)", summary, tr.text(lang, "feed.reminder")))
		}
	}
}

// alarmTrigger is the RFC 5545 duration before the start of an all-day
// event for a reminder d days before, at 09:00.
func alarmTrigger(d int) string {
	if d == 0 {
		return "PT9H"
	}
	return fmt.Sprintf("-P%dDT15H", d-1)
}

// addWorkEvents adds to the feed the tasks and document expiries of the
// work list (the deadlines and flags are there already): one all-day event
// each, "<reference> – <kind>", never a task's title.
func (u *UI) addWorkEvents(ctx context.Context, cal *ics.Calendar, lang string, a auth.Actor) error {
	if u.d.Casework == nil {
		return nil
	}
	list, err := u.d.Casework.Work(ctx, a, feedWithin)
	if err != nil {
		return fmt.Errorf("web: calendar feed: work list: %w", err)
	}
	stamp := u.d.Now().UTC()
	for _, it := range list.Items {
		var uid string
		switch it.Kind {
		case casework.ItemTask:
			uid = "task-" + it.TaskID
		case casework.ItemDocumentExpiry:
			uid = "document-" + it.DocumentID
		default:
			continue
		}
		ev := cal.AddEvent(uid + "@casemgr")
		ev.SetDtStampTime(stamp)
		due := time.Date(it.DueOn.Year, it.DueOn.Month, it.DueOn.Day, 0, 0, 0, 0, time.UTC)
		ev.SetAllDayStartAt(due)
		ev.SetAllDayEndAt(due.AddDate(0, 0, 1))
		ev.SetSummary(it.Reference + " – " + u.tr.text(lang, "work.kind."+it.Kind))
		ev.SetProperty(ics.ComponentPropertyCategories, it.Kind)
		ev.SetTimeTransparency(ics.TransparencyTransparent)
	}
	return nil
}
