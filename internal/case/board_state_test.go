package cases_test

import (
	"testing"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestBoardStateFollowsCase walks a case along its path and, after every
// event (those that change the state, and fact events that do not),
// reads both boards: each of the case's items must show the case's state
// as a fresh read gives it. The board's rows carry the state
// (migration 0018); every change compares it with the case's, so even a
// row whose state is wrong (written here by hand before a fact event) is
// mended by the next change.
func TestBoardStateFollowsCase(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	steps := []cases.EventInput{
		ev("start_reflection", "2025-06-02", nil),
		ev("file_complaint", "2025-06-03", nil),
		ev("prove_identity", "2025-06-04", nil),
		ev("lose_contact", "2025-06-05", nil),
		ev("resume_procedure", "2025-06-06", nil),
		ev("end_contact_with_trafficker", "2025-06-07", nil),
	}
	for _, in := range steps {
		if in.Type == "end_contact_with_trafficker" {
			if err := f.env.DB.Write.Exec("UPDATE case_deadlines SET state = 'stale' WHERE case_id = ?", c.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		got := f.record(c.ID, in)
		fresh := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
		want, err := fresh.Get(ctx, f.cw, c.ID, eligibility.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if got.State != want.State {
			t.Fatalf("after %s: answer says %s, a fresh read %s", in.Type, got.State, want.State)
		}
		seen := 0
		for _, all := range []bool{false, true} {
			read := f.svc.Deadlines
			if all {
				read = f.svc.AllDeadlines
			}
			page, err := read(ctx, f.cw, 3660, eligibility.Date{}, 500, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				if it.CaseID != c.ID {
					continue
				}
				seen++
				if it.State != want.State {
					t.Errorf("after %s: board item %s shows state %s, want %s", in.Type, it.Kind, it.State, want.State)
				}
			}
		}
		if seen == 0 && len(want.Deadlines) > 0 {
			t.Errorf("after %s: the case has %d deadlines but none is on the boards", in.Type, len(want.Deadlines))
		}
	}
}
