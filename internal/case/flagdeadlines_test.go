package cases_test

import (
	"testing"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestFlagDeadlines: the due date of a flag (R27: rights not explained
// within the settings' days) is a deadline of the case and on the board,
// with kind "flag" and its rule, and leaves both once the flag is gone.
func TestFlagDeadlines(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amina", "Diallo", "NG", "2025-06-10"))
	var due eligibility.Date
	for _, fl := range c.Flags {
		if fl.Rule == "R27" && fl.DueOn != nil {
			due = *fl.DueOn
		}
	}
	if due.IsZero() {
		t.Fatalf("flags of a new case: got %v, want R27 with a due date", ruleIDs(c.Flags))
	}
	found := false
	for _, d := range c.AllDeadlines() {
		if d.Kind == eligibility.DeadlineFlag && d.Rule == "R27" && d.DueOn == due {
			found = true
		}
	}
	if !found {
		t.Errorf("case's AllDeadlines: got %+v, want a flag deadline R27 on %s", c.AllDeadlines(), due)
	}
	for _, d := range c.Deadlines {
		if d.Kind == eligibility.DeadlineFlag {
			t.Errorf("case deadlines (the API's): got %+v, want the NRM deadlines only", d)
		}
	}
	if page, err := f.svc.Deadlines(ctx, f.cw, 60, eligibility.Date{}, 0, ""); err != nil {
		t.Fatal(err)
	} else {
		for _, it := range page.Items {
			if it.Kind == eligibility.DeadlineFlag {
				t.Errorf("Deadlines (the API's board): got %+v, want the NRM deadlines only", it)
			}
		}
	}
	onBoard := func() bool {
		page, err := f.svc.AllDeadlines(ctx, f.cw, 60, eligibility.Date{}, 0, "")
		if err != nil {
			t.Fatalf("deadlines: %v", err)
		}
		for _, it := range page.Items {
			if it.CaseID == c.ID && it.Kind == eligibility.DeadlineFlag && it.Rule == "R27" && it.DueOn == due {
				return true
			}
		}
		return false
	}
	if !onBoard() {
		t.Errorf("board: want the R27 due date %s of %s", due, c.Reference)
	}
	f.record(c.ID, ev("inform_of_rights", "2025-06-11", nil))
	if onBoard() {
		t.Errorf("board after inform_of_rights: got the R27 deadline, want it gone")
	}
}
