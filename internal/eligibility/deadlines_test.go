package eligibility

import (
	"fmt"
	"reflect"
	"testing"
)

// dl builds a Deadline for the expectations below.
func dl(kind, due string, left int, sev Severity) Deadline {
	return Deadline{Kind: kind, DueOn: MustParseDate(due), DaysLeft: left, Severity: sev}
}

func TestDeadlines(t *testing.T) {
	tests := []struct {
		name string
		asOf string
		mod  func(s *Snapshot)
		set  func(s *Settings)
		want []Deadline
	}{
		{
			name: "docs/api.md example: temporary permit, charged",
			asOf: "2025-01-01",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateTemporaryPermit, ProceedingsCharged
				s.TemporaryExpiry = MustParseDate("2025-06-15")
				s.ChargesOn = MustParseDate("2024-09-01")
			},
			want: []Deadline{
				dl(DeadlineTemporaryPermitExpiry, "2025-06-15", 165, SeverityInfo),
				dl(DeadlineRenewalRequest, "2025-05-16", 135, SeverityInfo),
				dl(DeadlineDismissalWindowEnd, "2026-09-01", 608, SeverityInfo),
			},
		},
		{
			name: "reflection end as stored",
			asOf: "2025-01-22",
			mod: func(s *Snapshot) {
				s.State = StateReflection
				s.ReflectionStart, s.ReflectionEnd = MustParseDate("2024-12-20"), MustParseDate("2025-02-03")
			},
			want: []Deadline{dl(DeadlineReflectionEnd, "2025-02-03", 12, SeverityHigh)},
		},
		{
			name: "stored reflection end wins over the current setting",
			asOf: "2025-01-22",
			mod: func(s *Snapshot) {
				s.State = StateReflection
				s.ReflectionStart, s.ReflectionEnd = MustParseDate("2024-12-20"), MustParseDate("2025-02-03")
			},
			set:  func(s *Settings) { s.ReflectionDays = 60 },
			want: []Deadline{dl(DeadlineReflectionEnd, "2025-02-03", 12, SeverityHigh)},
		},
		{
			name: "reflection end falls back to start + ReflectionDays",
			asOf: "2025-02-06",
			mod: func(s *Snapshot) {
				s.State = StateReflection
				s.ReflectionStart = MustParseDate("2024-12-20")
			},
			want: []Deadline{dl(DeadlineReflectionEnd, "2025-02-03", -3, SeverityCritical)},
		},
		{
			name: "provisional permit expiry and renewal request (passed, still listed)",
			asOf: "2025-03-01",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateProvisionalPermit, ProceedingsComplaintFiled
				s.ProvisionalExpiry = MustParseDate("2025-03-20")
			},
			want: []Deadline{
				dl(DeadlineProvisionalPermitExpiry, "2025-03-20", 19, SeverityMedium),
				dl(DeadlineRenewalRequest, "2025-02-18", -11, SeverityCritical),
			},
		},
		{
			name: "renewal warning is a setting",
			asOf: "2025-03-01",
			mod: func(s *Snapshot) {
				s.State = StateProvisionalPermit
				s.ProvisionalExpiry = MustParseDate("2025-03-20")
			},
			set: func(s *Settings) { s.RenewalWarningDays = 10 },
			want: []Deadline{
				dl(DeadlineProvisionalPermitExpiry, "2025-03-20", 19, SeverityMedium),
				dl(DeadlineRenewalRequest, "2025-03-10", 9, SeverityHigh),
			},
		},
		{
			name: "dismissal window in a state outside the permit track",
			asOf: "2025-06-01",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateDeclined, ProceedingsCharged
				s.ChargesOn = MustParseDate("2024-02-29")
			},
			want: []Deadline{dl(DeadlineDismissalWindowEnd, "2026-02-28", 272, SeverityInfo)},
		},
		{
			name: "dismissal window is a setting",
			asOf: "2025-06-01",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateDeclined, ProceedingsCharged
				s.ChargesOn = MustParseDate("2024-09-01")
			},
			set:  func(s *Settings) { s.DismissalWindowYears = 1 },
			want: []Deadline{dl(DeadlineDismissalWindowEnd, "2025-09-01", 92, SeverityInfo)},
		},
		{
			name: "no dismissal window once dismissed",
			asOf: "2025-06-01",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateDeclined, ProceedingsDismissed
				s.ChargesOn, s.DismissedOn = MustParseDate("2024-09-01"), MustParseDate("2025-05-01")
			},
			want: []Deadline{},
		},
		{
			name: "guardianship notification and majority for an unaccompanied minor",
			asOf: "2025-06-01",
			mod: func(s *Snapshot) {
				s.UnaccompaniedMinor = true
				s.DateOfBirth = MustParseDate("2009-03-10")
				s.IdentifiedOn = MustParseDate("2025-05-30")
			},
			want: []Deadline{
				dl(DeadlineGuardianshipNotification, "2025-05-31", -1, SeverityCritical),
				dl(DeadlineMajority, "2027-03-10", 647, SeverityInfo),
			},
		},
		{
			name: "guardianship notified: no notification deadline",
			asOf: "2025-06-01",
			mod: func(s *Snapshot) {
				s.UnaccompaniedMinor = true
				s.GuardianshipNotified = Fact{Value: true, Since: MustParseDate("2025-05-31")}
				s.IdentifiedOn = MustParseDate("2025-05-30")
			},
			want: []Deadline{},
		},
		{
			name: "majority of a leap-day child the day before",
			asOf: "2026-02-27",
			mod:  func(s *Snapshot) { s.DateOfBirth = MustParseDate("2008-02-29") },
			want: []Deadline{dl(DeadlineMajority, "2026-02-28", 1, SeverityCritical)},
		},
		{
			name: "no majority deadline on the 18th birthday",
			asOf: "2026-02-28",
			mod:  func(s *Snapshot) { s.DateOfBirth = MustParseDate("2008-02-29") },
			want: []Deadline{},
		},
		{
			name: "no majority deadline without a date of birth",
			asOf: "2025-06-01",
			mod:  func(s *Snapshot) { s.UnaccompaniedMinor, s.GuardianshipNotified.Value = true, true },
			want: []Deadline{},
		},
		{
			name: "all kinds at once, in table order (temporary permit)",
			asOf: "2025-06-01",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateTemporaryPermit, ProceedingsCharged
				s.TemporaryExpiry = MustParseDate("2025-07-01")
				s.ChargesOn = MustParseDate("2025-01-15")
				s.UnaccompaniedMinor = true
				s.IdentifiedOn = MustParseDate("2025-01-02")
				s.DateOfBirth = MustParseDate("2008-01-01")
			},
			want: []Deadline{
				dl(DeadlineTemporaryPermitExpiry, "2025-07-01", 30, SeverityMedium),
				dl(DeadlineRenewalRequest, "2025-06-01", 0, SeverityCritical),
				dl(DeadlineDismissalWindowEnd, "2027-01-15", 593, SeverityInfo),
				dl(DeadlineGuardianshipNotification, "2025-01-03", -149, SeverityCritical),
				dl(DeadlineMajority, "2026-01-01", 214, SeverityInfo),
			},
		},
		{
			name: "closed: none",
			asOf: "2025-06-01",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateClosed, ProceedingsCharged
				s.ChargesOn = MustParseDate("2025-01-15")
				s.UnaccompaniedMinor = true
				s.IdentifiedOn = MustParseDate("2025-01-02")
				s.DateOfBirth = MustParseDate("2010-01-01")
			},
			want: []Deadline{},
		},
		{
			name: "temporary permit without a stored expiry lists nothing",
			asOf: "2025-06-01",
			mod:  func(s *Snapshot) { s.State = StateTemporaryPermit },
			want: []Deadline{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSnapshot()
			s.Nationality = "NG"
			tt.mod(&s)
			set := DefaultSettings()
			if tt.set != nil {
				tt.set(&set)
			}
			got := Deadlines(s, MustParseDate(tt.asOf), set)
			if got == nil {
				t.Fatalf("got nil, want a non-nil slice")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestDeadlineSeverityBoundaries walks the temporary permit expiry across
// the thresholds 7/14/30.
func TestDeadlineSeverityBoundaries(t *testing.T) {
	expiry := MustParseDate("2025-07-01")
	tests := []struct {
		left int
		want Severity
	}{
		{31, SeverityInfo}, {30, SeverityMedium}, {15, SeverityMedium}, {14, SeverityHigh},
		{8, SeverityHigh}, {7, SeverityCritical}, {0, SeverityCritical}, {-1, SeverityCritical},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d days left", tt.left), func(t *testing.T) {
			s := NewSnapshot()
			s.State, s.TemporaryExpiry = StateTemporaryPermit, expiry
			asOf := expiry.AddDays(-tt.left)
			got := Deadlines(s, asOf, DefaultSettings())
			if len(got) != 2 || got[0].Kind != DeadlineTemporaryPermitExpiry {
				t.Fatalf("got %+v, want temporary_permit_expiry then renewal_request", got)
			}
			if got[0].DaysLeft != tt.left || got[0].Severity != tt.want {
				t.Errorf("got days_left %d severity %s, want %d %s", got[0].DaysLeft, got[0].Severity, tt.left, tt.want)
			}
		})
	}
}
