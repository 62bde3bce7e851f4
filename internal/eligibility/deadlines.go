package eligibility

// Deadline is one dated deadline of a case (docs/model.md "Deadlines").
type Deadline struct {
	Kind     string   `json:"kind"`      // one of the Deadline* constants
	DueOn    Date     `json:"due_on"`    // the last day of the period
	DaysLeft int      `json:"days_left"` // DueOn - asOf: 0 on the day itself, negative when overdue
	Severity Severity `json:"severity"`  // Settings.SeverityFor(DaysLeft)
	// Rule is the flag's rule for a deadline of kind DeadlineFlag (the due
	// date a flag carries), "" (left out of JSON) for the others.
	Rule string `json:"rule,omitempty"`
}

// Deadlines returns every deadline of the case listed on asOf, in the order
// of the table of docs/model.md "Deadlines" (reflection_end, provisional_permit_expiry,
// temporary_permit_expiry, renewal_request, dismissal_window_end,
// guardianship_notification, majority). A closed case has none. A deadline
// whose date is unknown (a zero date in the snapshot) is left out. The result
// is never nil.
func Deadlines(s Snapshot, asOf Date, set Settings) []Deadline {
	out := []Deadline{}
	if s.State == StateClosed {
		return out
	}
	add := func(kind string, due Date) {
		if due.IsZero() {
			return
		}
		left := asOf.DaysUntil(due)
		out = append(out, Deadline{Kind: kind, DueOn: due, DaysLeft: left, Severity: set.SeverityFor(left)})
	}
	if s.State == StateReflection {
		add(DeadlineReflectionEnd, reflectionEnd(&s, set))
	}
	if s.State == StateProvisionalPermit {
		add(DeadlineProvisionalPermitExpiry, s.ProvisionalExpiry)
	}
	if s.State == StateTemporaryPermit {
		add(DeadlineTemporaryPermitExpiry, s.TemporaryExpiry)
	}
	if expiry := currentExpiry(&s); !expiry.IsZero() {
		add(DeadlineRenewalRequest, expiry.AddDays(-set.RenewalWarningDays))
	}
	if s.Proceedings == ProceedingsCharged && !s.ChargesOn.IsZero() {
		// Once passed, a dismissal no longer ends status: the deadline is
		// gone rather than overdue.
		if end := s.ChargesOn.AddYears(set.DismissalWindowYears); !asOf.After(end) {
			add(DeadlineDismissalWindowEnd, end)
		}
	}
	if s.UnaccompaniedMinor && !s.GuardianshipNotified.Value {
		add(DeadlineGuardianshipNotification, s.IdentifiedOn.AddDays(set.GuardianshipNotificationDays))
	}
	if !s.DateOfBirth.IsZero() && s.Minor(asOf) {
		add(DeadlineMajority, Birthday18(s.DateOfBirth))
	}
	return out
}

// reflectionEnd returns the stored end of the reflection period, or the
// start plus ReflectionDays when none was stored.
func reflectionEnd(s *Snapshot, set Settings) Date {
	if !s.ReflectionEnd.IsZero() {
		return s.ReflectionEnd
	}
	return s.ReflectionStart.AddDays(set.ReflectionDays)
}

// currentExpiry returns the expiry of the permit the case holds now: the
// provisional expiry in provisional_permit, the temporary expiry in
// temporary_permit, and the zero date otherwise.
func currentExpiry(s *Snapshot) Date {
	switch s.State {
	case StateProvisionalPermit:
		return s.ProvisionalExpiry
	case StateTemporaryPermit:
		return s.TemporaryExpiry
	default:
		return Date{}
	}
}
