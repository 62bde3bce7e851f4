package cases_test

import (
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestMajorityMonthTag checks what a minor's case stores for the deadline
// board (the keyed tag of the month of the 18th birthday, never the month
// or the day), that the board follows a corrected date of birth at once
// (a birthday kept in memory is kept for a case version), and that
// erasure clears the tag.
func TestMajorityMonthTag(t *testing.T) {
	f := setup(t)
	in := victim("Samir", "Haidari", "AF", "2025-06-10")
	in.Victim.DateOfBirth = "2007-07-01"
	c := f.create(f.cw, in)
	adult := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	stored := func(id string) string {
		t.Helper()
		var tag string
		if err := f.env.DB.Read.Raw("SELECT majority_month FROM cases WHERE id = ?", id).Scan(&tag).Error; err != nil {
			t.Fatal(err)
		}
		return tag
	}
	tag := stored(c.ID)
	if tag != f.env.Keys.MonthTag("2025-07") || len(tag) != 64 {
		t.Errorf("stored tag %q, want the keyed tag of 2025-07", tag)
	}
	for _, plain := range []string{"2025-07", "2007-07", "2025-07-01", "2007-07-01"} {
		if strings.Contains(tag, plain) {
			t.Errorf("stored tag %q holds %q in plaintext", tag, plain)
		}
	}
	if got := stored(adult.ID); got != "" {
		t.Errorf("an adult's case stores the tag %q, want none", got)
	}
	board := func(within int) []string {
		t.Helper()
		p, err := f.svc.Deadlines(ctx, f.cw, within, eligibility.Date{}, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range p.Items {
			if it.Kind == eligibility.DeadlineMajority {
				out = append(out, it.CaseID+" "+it.DueOn.String())
			}
		}
		return out
	}
	if got := board(30); len(got) != 1 || got[0] != c.ID+" 2025-07-01" {
		t.Errorf("board within 30: %q, want the 18th birthday on 2025-07-01", got)
	}
	dob := "2007-08-20"
	if _, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{DateOfBirth: &dob}); err != nil {
		t.Fatal(err)
	}
	if got := stored(c.ID); got != f.env.Keys.MonthTag("2025-08") {
		t.Errorf("after the correction the tag is %q, want the tag of 2025-08", got)
	}
	if got := board(30); len(got) != 0 {
		t.Errorf("board within 30 after the correction: %q, want none (18 on 2025-08-20)", got)
	}
	if got := board(90); len(got) != 1 || got[0] != c.ID+" 2025-08-20" {
		t.Errorf("board within 90 after the correction: %q, want 2025-08-20", got)
	}
	if _, err := f.svc.Erase(ctx, auth.System, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := stored(c.ID); got != "" {
		t.Errorf("after erasure the tag is %q, want none", got)
	}
	if got := board(90); len(got) != 0 {
		t.Errorf("board after erasure: %q, want none", got)
	}
}

// TestBoardPagesWithBirthdays walks the deadline board page by page for
// every page size and checks that the pages together are the whole board:
// the 18th birthdays, which are not stored as dates, are read only up to
// the last stored deadline a page needs, and must still land on the right
// page, before and after stored deadlines of the same day.
func TestBoardPagesWithBirthdays(t *testing.T) {
	f := setup(t)
	minor := victim("Samir", "Haidari", "AF", "2025-05-01")
	minor.Victim.DateOfBirth = "2007-07-01" // 18 on 2025-07-01
	f.create(f.cw, minor)
	// Reflection periods ending 2025-06-04 (overdue), 06-24, 06-29,
	// 07-01 (the birthday's day), 07-04 and 07-09.
	for i, on := range []string{"2025-04-20", "2025-05-10", "2025-05-15", "2025-05-17", "2025-05-20", "2025-05-25"} {
		c := f.create(f.cw, victim("Adult", string(rune('A'+i)), "NG", "2025-04-01"))
		if _, err := f.svc.RecordEvent(ctx, f.cw, c.ID, ev("start_reflection", on, nil)); err != nil {
			t.Fatal(err)
		}
	}
	key := func(it cases.DeadlineItem) string { return it.DueOn.String() + " " + it.Reference + " " + it.Kind }
	whole, err := f.svc.Deadlines(ctx, f.cw, 60, eligibility.Date{}, cases.MaxLimit, "")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	birthdays := 0
	for _, it := range whole.Items {
		want = append(want, key(it))
		if it.Kind == eligibility.DeadlineMajority {
			birthdays++
		}
	}
	if birthdays != 1 || len(want) < 7 {
		t.Fatalf("whole board %q: want the birthday and the six reflection ends", want)
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("limit %d: the cursor does not end", limit)
			}
			p, err := f.svc.Deadlines(ctx, f.cw, 60, eligibility.Date{}, limit, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Items {
				got = append(got, key(it))
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("limit %d: pages give\n%s\nwant the whole board\n%s", limit, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
