package cases

import (
	"context"
	"slices"
	"testing"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// step is one event applied in a deadline scenario, with what the facts
// must say afterwards ("" = not checked, "-" = must be zero).
type step struct {
	event       EventType
	on          string
	provisional string // Facts.ProvisionalExpiry
	temporary   string // Facts.TemporaryExpiry
	gapExpired  string // Facts.GapExpired ("-": no gap)
	gapRenewed  string // Facts.GapRenewedOn
}

func checkDate(t *testing.T, what string, got Date, want string) {
	t.Helper()
	switch want {
	case "":
	case "-":
		if !got.IsZero() {
			t.Errorf("%s: got %s, want none", what, got)
		}
	default:
		if got.String() != want {
			t.Errorf("%s: got %s, want %s", what, got, want)
		}
	}
}

func TestDeadlinesThroughApply(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		id    string // identified_on
		steps []step
		// Optional final checks.
		wantGapEvent string
		wantR25      bool
		wantExt      int
		wantRenewals int
	}{
		{name: "provisional from 31 January clamps to 30 April", id: "2024-01-20", steps: []step{
			{event: "file_complaint", on: "2024-01-31", provisional: "2024-04-30", gapExpired: "-"},
		}},
		{name: "provisional from 30 November ends on leap day; extension adds to the expiry", id: "2023-11-01", steps: []step{
			{event: "file_complaint", on: "2023-11-30", provisional: "2024-02-29"},
			{event: "extend_provisional_permit", on: "2024-02-10", provisional: "2024-05-29", gapExpired: "-", gapRenewed: "-"},
		}, wantExt: 1},
		{name: "extension on the expiry day is on time", id: "2023-11-01", steps: []step{
			{event: "file_complaint", on: "2023-11-30", provisional: "2024-02-29"},
			{event: "extend_provisional_permit", on: "2024-02-29", provisional: "2024-05-29", gapExpired: "-"},
		}, wantExt: 1},
		{name: "extension recorded after the expiry: occurred_on + 3 months and a gap", id: "2023-11-01", steps: []step{
			{event: "file_complaint", on: "2023-11-30", provisional: "2024-02-29"},
			{event: "extend_provisional_permit", on: "2024-03-05", provisional: "2024-06-05",
				gapExpired: "2024-02-29", gapRenewed: "2024-03-05"},
		}, wantGapEvent: "extend_provisional_permit", wantR25: true, wantExt: 1},
		{name: "a later on-time renewal clears the gap", id: "2023-11-01", steps: []step{
			{event: "file_complaint", on: "2023-11-30", provisional: "2024-02-29"},
			{event: "extend_provisional_permit", on: "2024-03-05", provisional: "2024-06-05",
				gapExpired: "2024-02-29", gapRenewed: "2024-03-05"},
			{event: "confirm_victim_status", on: "2024-04-01", temporary: "2024-10-01",
				gapExpired: "2024-02-29", gapRenewed: "2024-03-05"},
			{event: "renew_temporary_permit", on: "2024-09-20", temporary: "2025-04-01", gapExpired: "-", gapRenewed: "-"},
		}, wantExt: 1, wantRenewals: 1},
		{name: "temporary from 31 August ends 28 February; renewal before the expiry adds to it", id: "2024-08-01", steps: []step{
			{event: "file_complaint", on: "2024-08-01", provisional: "2024-11-01"},
			{event: "confirm_victim_status", on: "2024-08-31", temporary: "2025-02-28"},
			{event: "renew_temporary_permit", on: "2025-02-01", temporary: "2025-08-28", gapExpired: "-"},
		}, wantRenewals: 1},
		{name: "temporary renewal after the expiry adds to occurred_on and flags the gap", id: "2024-08-01", steps: []step{
			{event: "file_complaint", on: "2024-08-01"},
			{event: "confirm_victim_status", on: "2024-08-31", temporary: "2025-02-28"},
			{event: "renew_temporary_permit", on: "2025-03-10", temporary: "2025-09-10",
				gapExpired: "2025-02-28", gapRenewed: "2025-03-10"},
		}, wantGapEvent: "renew_temporary_permit", wantR25: true, wantRenewals: 1},
		{name: "leap day: 2024-02-29 + 6 months, then + 6 + 6 chained on the expiry", id: "2024-01-15", steps: []step{
			{event: "file_complaint", on: "2024-01-15", provisional: "2024-04-15"},
			{event: "confirm_victim_status", on: "2024-02-29", temporary: "2024-08-29"},
			{event: "renew_temporary_permit", on: "2024-08-01", temporary: "2025-02-28"},
			// Chained on the current expiry (2025-02-28), never on the
			// first issue date (which would give 2025-08-29).
			{event: "renew_temporary_permit", on: "2025-02-01", temporary: "2025-08-28"},
		}, wantRenewals: 2},
		{name: "reflection then complaint: the provisional permit starts on the complaint", id: "2024-12-01", steps: []step{
			{event: "start_reflection", on: "2024-12-20"},
			{event: "file_complaint", on: "2025-01-15", provisional: "2025-04-15"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := caseIn(sIdentified, pNone)
			n.IdentifiedOn = eligibility.MustParseDate(c.id)
			n.LastEventOn, n.Facts = n.IdentifiedOn, newFacts(n.IdentifiedOn)
			var last Date
			for _, st := range c.steps {
				last = eligibility.MustParseDate(st.on)
				if err := apply(ctx, &n, st.event, last, validData[st.event], settings); err != nil {
					t.Fatalf("%s on %s: got error %v, want success", st.event, st.on, err)
				}
				checkDate(t, string(st.event)+" provisional expiry", n.Facts.ProvisionalExpiry, st.provisional)
				checkDate(t, string(st.event)+" temporary expiry", n.Facts.TemporaryExpiry, st.temporary)
				checkDate(t, string(st.event)+" gap expired", n.Facts.GapExpired, st.gapExpired)
				checkDate(t, string(st.event)+" gap renewed on", n.Facts.GapRenewedOn, st.gapRenewed)
			}
			if n.Facts.GapEvent != c.wantGapEvent {
				t.Errorf("got gap event %q, want %q", n.Facts.GapEvent, c.wantGapEvent)
			}
			if n.Facts.Extensions != c.wantExt || n.Facts.Renewals != c.wantRenewals {
				t.Errorf("got %d extensions %d renewals, want %d %d", n.Facts.Extensions, n.Facts.Renewals, c.wantExt, c.wantRenewals)
			}
			hasR25 := false
			for _, f := range eligibility.Evaluate(n.snapshot(), last, settings) {
				hasR25 = hasR25 || f.Rule == "R25"
			}
			if hasR25 != c.wantR25 {
				t.Errorf("got R25 flagged %v, want %v", hasR25, c.wantR25)
			}
		})
	}
}

// TestDeadlinesListedForCase checks the deadlines the rules module lists
// for a case whose dates were set by apply.
func TestDeadlinesListedForCase(t *testing.T) {
	ctx := context.Background()
	d := eligibility.MustParseDate
	type dl struct {
		kind string
		due  string
		left int
		sev  eligibility.Severity
	}
	cases := []struct {
		name   string
		events []step
		asOf   string
		want   []dl
	}{
		{"reflection 2024-12-20 ends 2025-02-03", []step{{event: "start_reflection", on: "2024-12-20"}}, "2025-01-27",
			[]dl{{"reflection_end", "2025-02-03", 7, "critical"}}},
		{"reflection end is the last valid day", []step{{event: "start_reflection", on: "2024-12-20"}}, "2025-02-03",
			[]dl{{"reflection_end", "2025-02-03", 0, "critical"}}},
		{"provisional permit and renewal request", []step{{event: "file_complaint", on: "2024-12-20"}}, "2025-01-20",
			[]dl{{"provisional_permit_expiry", "2025-03-20", 59, "info"}, {"renewal_request", "2025-02-18", 29, "medium"}}},
		{"charged: dismissal window two years after the charges", []step{
			{event: "file_complaint", on: "2024-12-20"}, {event: "file_charges", on: "2025-01-10"},
			{event: "confirm_victim_status", on: "2025-01-15"}}, "2025-01-20",
			[]dl{{"temporary_permit_expiry", "2025-07-15", 176, "info"}, {"renewal_request", "2025-06-15", 146, "info"},
				{"dismissal_window_end", "2027-01-10", 720, "info"}}},
		{"overdue renewal request", []step{{event: "file_complaint", on: "2024-12-20"}}, "2025-02-25",
			[]dl{{"provisional_permit_expiry", "2025-03-20", 23, "medium"}, {"renewal_request", "2025-02-18", -7, "critical"}}},
		{"closed case has none", []step{{event: "start_reflection", on: "2024-12-20"}, {event: "close_case", on: "2024-12-21"}},
			"2025-01-01", []dl{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := caseIn(sIdentified, pNone)
			n.IdentifiedOn = d("2024-12-01")
			n.LastEventOn, n.Facts = n.IdentifiedOn, newFacts(n.IdentifiedOn)
			for _, st := range c.events {
				if err := apply(ctx, &n, st.event, d(st.on), validData[st.event], settings); err != nil {
					t.Fatalf("%s: got error %v", st.event, err)
				}
			}
			var got []dl
			for _, x := range eligibility.Deadlines(n.snapshot(), d(c.asOf), settings) {
				got = append(got, dl{x.Kind, x.DueOn.String(), x.DaysLeft, x.Severity})
			}
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestReflectionEndStored(t *testing.T) {
	for _, c := range []struct{ start, want string }{
		{"2024-12-20", "2025-02-03"},
		{"2024-01-15", "2024-02-29"},
		{"2023-01-15", "2023-03-01"},
	} {
		t.Run(c.start, func(t *testing.T) {
			n := caseIn(sIdentified, pNone)
			on := eligibility.MustParseDate(c.start)
			if err := apply(context.Background(), &n, "start_reflection", on, nil, settings); err != nil {
				t.Fatalf("start_reflection: got error %v", err)
			}
			if got := n.Facts.ReflectionEnd.String(); got != c.want {
				t.Errorf("got reflection_end %s, want %s", got, c.want)
			}
			if n.Facts.ReflectionStart != on || n.Facts.PermitTrackStart != on {
				t.Errorf("got reflection start %s, permit track start %s, want %s",
					n.Facts.ReflectionStart, n.Facts.PermitTrackStart, on)
			}
		})
	}
}
