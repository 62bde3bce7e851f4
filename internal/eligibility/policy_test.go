package eligibility

import (
	"slices"
	"testing"
)

// TestPolicyChangesRows checks the table: unique ids, known rules, and a
// change in each row.
func TestPolicyChangesRows(t *testing.T) {
	seen := map[string]bool{}
	var ids []string
	for _, r := range Rules() {
		ids = append(ids, r.ID)
	}
	for _, p := range PolicyChanges {
		if seen[p.ID] || p.ID == "" || p.Title == "" {
			t.Errorf("%q: want a unique id and a title", p.ID)
		}
		seen[p.ID] = true
		for _, r := range p.Rules {
			if !slices.Contains(ids, r) {
				t.Errorf("%s: unknown rule %s", p.ID, r)
			}
		}
		if p.Settings == nil && len(p.Rules) == 0 && len(p.Withdrawals) == 0 {
			t.Errorf("%s: changes nothing", p.ID)
		}
		if got, ok := PolicyChangeByID(p.ID); !ok || got.ID != p.ID {
			t.Errorf("PolicyChangeByID(%s): got %q, %v", p.ID, got.ID, ok)
		}
	}
	if _, ok := PolicyChangeByID("no_such_change"); ok {
		t.Error("PolicyChangeByID(no_such_change): got ok, want not found")
	}
}

// TestLosses checks what each change removes on typical cases.
func TestLosses(t *testing.T) {
	day := NewDate(2024, 6, 10)
	base := func() Snapshot {
		s := NewSnapshot()
		s.Nationality, s.ShelterOfficial, s.IdentifiedOn = "NG", true, NewDate(2024, 1, 10)
		s.InformedOfRights = Fact{Value: true}
		return s
	}
	dismissed := base()
	dismissed.State, dismissed.Proceedings = StateTemporaryPermit, ProceedingsDismissed
	dismissed.ChargesOn, dismissed.DismissedOn = NewDate(2024, 3, 1), NewDate(2024, 6, 1)
	withdrawn := base()
	withdrawn.State = StateStatusWithdrawn
	child := base()
	child.State, child.UnaccompaniedMinor = StateProvisionalPermit, true
	child.Proceedings = ProceedingsComplaintFiled
	child.Cooperating = Fact{Value: false, Since: NewDate(2024, 5, 1)}
	adult := child
	adult.UnaccompaniedMinor = false
	reflecting := base()
	reflecting.State, reflecting.ReflectionStart = StateReflection, NewDate(2024, 5, 1)
	both := LossResidence | LossServices
	tests := []struct {
		name       string
		s          Snapshot
		withdrawal string
		change     string
		now, after Loss
	}{
		{"dismissal within the window", dismissed, "", "no_dismissal_window", both, 0},
		{"dismissal, another change", dismissed, "", "no_settlement_condition", both, both},
		{"withdrawn after a dismissal", withdrawn, "dismissal", "no_dismissal_window", both, 0},
		{"withdrawn for contact", withdrawn, "contact_with_trafficker", "no_dismissal_window", both, both},
		{"withdrawn after a settlement", withdrawn, "settlement", "no_settlement_condition", both, 0},
		{"child stopped cooperating", child, "", "no_child_cooperation", both, 0},
		{"adult stopped cooperating", adult, "", "no_child_cooperation", both, both},
		// 45 days from 1 May end on 15 June: 5 days left on 10 June.
		{"reflection ending", reflecting, "", "reflection_90_days", LossResidence, 0},
	}
	set := DefaultSettings()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, _ := PolicyChangeByID(tt.change)
			if got := Losses(tt.s, day, set, nil, tt.withdrawal); got != tt.now {
				t.Errorf("current rules: got %b, want %b", got, tt.now)
			}
			if got := Losses(tt.s, day, ch.Apply(set), &ch, tt.withdrawal); got != tt.after {
				t.Errorf("under %s: got %b, want %b", tt.change, got, tt.after)
			}
		})
	}
	closed := dismissed
	closed.State = StateClosed
	if got := Losses(closed, day, set, nil, ""); got != 0 {
		t.Errorf("closed case: got %b, want 0", got)
	}
}
