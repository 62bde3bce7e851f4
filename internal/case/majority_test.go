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
