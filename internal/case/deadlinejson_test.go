package cases

import (
	"encoding/json"
	"testing"

	"github.com/casemgr/casemgr/internal/eligibility"
)

func mustDate(t testing.TB, s string) Date {
	d, err := eligibility.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDeadlinePageJSON: the board's page written by hand is byte for byte
// what encoding/json's Encoder writes, escapes and empty values included.
func TestDeadlinePageJSON(t *testing.T) {
	item := DeadlineItem{CaseID: "7f0c2a9e-0000-4000-8000-000000000001", Reference: "PAY-2024-0007", Kind: "renewal_request",
		DueOn: mustDate(t, "2025-05-16"), DaysLeft: -3, Severity: "critical", State: "temporary_permit"}
	flag := item
	flag.Kind, flag.Rule = "flag", "R07"
	odd := DeadlineItem{CaseID: "a\"b\\c", Reference: "<ref> & \u2028 é \x01", Kind: "k\xff"}
	tests := []struct {
		name string
		p    DeadlinePage
	}{
		{"nil items", DeadlinePage{}},
		{"no items", DeadlinePage{AsOf: mustDate(t, "2025-01-01"), Items: []DeadlineItem{}}},
		{"items and a cursor", DeadlinePage{AsOf: mustDate(t, "2025-01-01"), Items: []DeadlineItem{item, flag}, NextCursor: "MjAyNS0wNS0xNnxQQVk"}},
		{"strings that need escaping, zero dates", DeadlinePage{Items: []DeadlineItem{odd}, NextCursor: "<&>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkDeadlinePageJSON(t, tc.p)
		})
	}
}

func checkDeadlinePageJSON(t *testing.T, p DeadlinePage) {
	t.Helper()
	want, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	got, err := p.AppendJSON([]byte("kept"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "kept"+string(want) {
		t.Errorf("AppendJSON:\n%s\nwant encoding/json's\nkept%s", got, want)
	}
}

// FuzzDeadlinePageJSON: whatever the strings and numbers, the page
// written by hand equals encoding/json's encoding.
func FuzzDeadlinePageJSON(f *testing.F) {
	f.Add("7f0c", "PAY-2024-0007", "renewal_request", "critical", "reflection", "", "cursor", 5, 3)
	f.Add("a\"b", "<x>&", "\u2028", "\x00", "é", "R07", "\xff\xfe", -7, 0)
	f.Fuzz(func(t *testing.T, id, ref, kind, sev, state, rule, cursor string, left, n int) {
		items := make([]DeadlineItem, 0, 3)
		for i := range n % 4 {
			items = append(items, DeadlineItem{CaseID: id, Reference: ref, Kind: kind, DueOn: Date{}.AddDays(i), DaysLeft: left,
				Severity: eligibility.Severity(sev), State: State(state), Rule: rule})
		}
		if n < 0 {
			items = nil
		}
		checkDeadlinePageJSON(t, DeadlinePage{Items: items, NextCursor: cursor})
	})
}
