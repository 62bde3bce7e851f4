package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The feed never holds a day derived from the date of birth: the 18th
// birthday becomes "turns 18 this month" on the month's first day, in
// every language; other deadlines keep their day.
func TestCalendarMajorityMonthOnly(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	items := []cases.DeadlineItem{
		{CaseID: "c1", Reference: "PAY-2025-0001", Kind: eligibility.DeadlineMajority, DueOn: eligibility.Date{Year: 2025, Month: time.July, Day: 23}},
		{CaseID: "c2", Reference: "PAY-2025-0002", Kind: eligibility.DeadlineReflectionEnd, DueOn: eligibility.Date{Year: 2025, Month: time.July, Day: 23}},
	}
	want := map[string]string{"en": "turns 18 this month", "fr": "atteint 18 ans ce mois-ci", "nl": "wordt deze maand 18"}
	for lang, text := range want {
		t.Run(lang, func(t *testing.T) {
			cal := buildCalendar(tr, lang, auth.Actor{Shelter: "payoke"}, items, time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC))
			var buf bytes.Buffer
			if err := cal.SerializeTo(&buf); err != nil {
				t.Fatal(err)
			}
			got := map[string][2]string{}
			for _, ev := range cal.Events() {
				start, _ := ev.GetAllDayStartAt()
				got[ev.Id()] = [2]string{start.Format(time.DateOnly), ev.GetProperty(ics.ComponentPropertySummary).Value}
			}
			if m := got["c1-"+eligibility.DeadlineMajority+"@casemgr"]; m[0] != "2025-07-01" || m[1] != "PAY-2025-0001 – "+text {
				t.Errorf("majority: got %v, want 2025-07-01 and %q", m, text)
			}
			if r := got["c2-"+eligibility.DeadlineReflectionEnd+"@casemgr"]; r[0] != "2025-07-23" {
				t.Errorf("reflection end: got %v, want its own day 2025-07-23", r)
			}
			if strings.Contains(buf.String(), "20250723\r\nDTEND;VALUE=DATE:20250724\r\nSUMMARY:PAY-2025-0001") || strings.Count(buf.String(), "20250723") != 1 {
				t.Errorf("the birthday's day appears beyond the reflection item:\n%s", buf.String())
			}
		})
	}
}
