package eligibility

import (
	"fmt"
	"strings"
)

// Settings holds the periods and thresholds of nrm.md. DefaultSettings gives
// the documented defaults; a deployment may change them in its configuration.
// Periods already computed and stored with a case are not recomputed.
type Settings struct {
	ReflectionDays               int // length of the reflection period in days (45)
	ProvisionalMonths            int // length of the provisional permit in months (3)
	ProvisionalExtensions        int // how many extensions of the provisional permit are allowed (1)
	ProvisionalExtensionMonths   int // length of one extension in months (3)
	TemporaryMonths              int // length of the temporary permit and of each renewal in months (6)
	RenewalWarningDays           int // renewal_request is due this many days before the permit expiry (30)
	DismissalWindowYears         int // a dismissal within this many years of charges ends status (2)
	CriticalDays                 int // days left at or below which a deadline is critical (7)
	HighDays                     int // days left at or below which a deadline is high (14)
	MediumDays                   int // days left at or below which a deadline is medium (30)
	IdentificationWarningDays    int // R24: days after identification without decision before a medium flag (7)
	IdentificationCriticalDays   int // R24: days after identification without decision before a critical flag (30)
	MajorityHorizonDays          int // R14: days before the 18th birthday from which it is flagged (90)
	GuardianshipNotificationDays int // R13: days after identification by which the Guardianship Service is notified (1)
}

// DefaultSettings returns the defaults of nrm.md.
func DefaultSettings() Settings {
	return Settings{
		ReflectionDays:               45,
		ProvisionalMonths:            3,
		ProvisionalExtensions:        1,
		ProvisionalExtensionMonths:   3,
		TemporaryMonths:              6,
		RenewalWarningDays:           30,
		DismissalWindowYears:         2,
		CriticalDays:                 7,
		HighDays:                     14,
		MediumDays:                   30,
		IdentificationWarningDays:    7,
		IdentificationCriticalDays:   30,
		MajorityHorizonDays:          90,
		GuardianshipNotificationDays: 1,
	}
}

// Validate checks the settings: the reflection period and the permit lengths
// in months must be positive, every other value zero or more, the severity
// thresholds ordered CriticalDays <= HighDays <= MediumDays, and
// IdentificationWarningDays <= IdentificationCriticalDays. The error names
// every offending field (by its Go name).
func (s Settings) Validate() error {
	var problems []string
	positive := []struct {
		name string
		v    int
	}{
		{"ReflectionDays", s.ReflectionDays},
		{"ProvisionalMonths", s.ProvisionalMonths},
		{"ProvisionalExtensionMonths", s.ProvisionalExtensionMonths},
		{"TemporaryMonths", s.TemporaryMonths},
	}
	for _, f := range positive {
		if f.v <= 0 {
			problems = append(problems, fmt.Sprintf("%s must be greater than 0 (got %d)", f.name, f.v))
		}
	}
	nonNegative := []struct {
		name string
		v    int
	}{
		{"ProvisionalExtensions", s.ProvisionalExtensions},
		{"RenewalWarningDays", s.RenewalWarningDays},
		{"DismissalWindowYears", s.DismissalWindowYears},
		{"CriticalDays", s.CriticalDays},
		{"HighDays", s.HighDays},
		{"MediumDays", s.MediumDays},
		{"IdentificationWarningDays", s.IdentificationWarningDays},
		{"IdentificationCriticalDays", s.IdentificationCriticalDays},
		{"MajorityHorizonDays", s.MajorityHorizonDays},
		{"GuardianshipNotificationDays", s.GuardianshipNotificationDays},
	}
	for _, f := range nonNegative {
		if f.v < 0 {
			problems = append(problems, fmt.Sprintf("%s must be 0 or more (got %d)", f.name, f.v))
		}
	}
	if s.CriticalDays > s.HighDays {
		problems = append(problems, fmt.Sprintf("CriticalDays (%d) must not exceed HighDays (%d)", s.CriticalDays, s.HighDays))
	}
	if s.HighDays > s.MediumDays {
		problems = append(problems, fmt.Sprintf("HighDays (%d) must not exceed MediumDays (%d)", s.HighDays, s.MediumDays))
	}
	if s.IdentificationWarningDays > s.IdentificationCriticalDays {
		problems = append(problems, fmt.Sprintf("IdentificationWarningDays (%d) must not exceed IdentificationCriticalDays (%d)",
			s.IdentificationWarningDays, s.IdentificationCriticalDays))
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid eligibility settings: %s", strings.Join(problems, "; "))
	}
	return nil
}

// SeverityFor returns the severity of a deadline with daysLeft days left:
// critical when overdue or at most CriticalDays, high at most HighDays,
// medium at most MediumDays, info otherwise.
func (s Settings) SeverityFor(daysLeft int) Severity {
	switch {
	case daysLeft < 0 || daysLeft <= s.CriticalDays:
		return SeverityCritical
	case daysLeft <= s.HighDays:
		return SeverityHigh
	case daysLeft <= s.MediumDays:
		return SeverityMedium
	default:
		return SeverityInfo
	}
}
