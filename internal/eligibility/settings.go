package eligibility

import (
	"fmt"
	"strings"
)

// Settings holds the periods and thresholds of the NRM path
// (docs/model.md "Settings"). DefaultSettings gives the documented
// defaults; a deployment changes them in the `nrm` section of its
// configuration, which embeds this struct (the yaml tags are only
// metadata: this package imports no YAML library). Periods already
// computed and stored with a case are not recomputed.
type Settings struct {
	ReflectionDays               int `yaml:"reflection_days"`                // length of the reflection period in days (45)
	ProvisionalMonths            int `yaml:"provisional_months"`             // length of the provisional permit in months (3)
	ProvisionalExtensions        int `yaml:"provisional_extensions"`         // how many extensions of the provisional permit are allowed (1)
	ProvisionalExtensionMonths   int `yaml:"provisional_extension_months"`   // length of one extension in months (3)
	TemporaryMonths              int `yaml:"temporary_months"`               // length of the temporary permit and of each renewal in months (6)
	RenewalWarningDays           int `yaml:"renewal_warning_days"`           // renewal_request is due this many days before the permit expiry (30)
	DismissalWindowYears         int `yaml:"dismissal_window_years"`         // a dismissal within this many years of charges ends status (2)
	CriticalDays                 int `yaml:"severity_critical_days"`         // days left at or below which a deadline is critical (7)
	HighDays                     int `yaml:"severity_high_days"`             // days left at or below which a deadline is high (14)
	MediumDays                   int `yaml:"severity_medium_days"`           // days left at or below which a deadline is medium (30)
	IdentificationWarningDays    int `yaml:"identification_warning_days"`    // R24: days after identification without decision before a medium flag (7)
	IdentificationCriticalDays   int `yaml:"identification_critical_days"`   // R24: days after identification without decision before a critical flag (30)
	MajorityHorizonDays          int `yaml:"majority_horizon_days"`          // R14: days before the 18th birthday from which it is flagged (90)
	GuardianshipNotificationDays int `yaml:"guardianship_notification_days"` // R13: days after identification by which the Guardianship Service is notified (1)
	RightsInformationDays        int `yaml:"rights_information_days"`        // R27: days after identification by which the victim is informed of their rights (3)
	RightsCriticalOverdueDays    int `yaml:"rights_critical_overdue_days"`   // R27: days overdue after which it is critical (14)
	NonPunishmentPendingDays     int `yaml:"non_punishment_pending_days"`    // R26: days a non-punishment request may stay pending (30)
	ReferralFollowUpDays         int `yaml:"referral_follow_up_days"`        // days a referral to a partner organisation may stay unanswered before its follow-up is due (14; docs/organisations.md)
}

// DefaultSettings returns the documented defaults.
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
		RightsInformationDays:        3,
		RightsCriticalOverdueDays:    14,
		NonPunishmentPendingDays:     30,
		ReferralFollowUpDays:         14,
	}
}

// Problem is one invalid setting: Key is its configuration key (the yaml
// tag), Message what is wrong and what is accepted.
type Problem struct {
	Key, Message string
}

// Problems checks the settings, the one validation of them: the
// reflection period, the permit lengths and the dismissal window must be
// positive, every other value zero or more, the severity thresholds
// ordered critical <= high <= medium, and the R24 warning no later than
// its critical step. It returns nil when the settings can be used.
func (s Settings) Problems() []Problem {
	var out []Problem
	for _, f := range []struct {
		key string
		v   int
	}{
		{"reflection_days", s.ReflectionDays},
		{"provisional_months", s.ProvisionalMonths},
		{"provisional_extension_months", s.ProvisionalExtensionMonths},
		{"temporary_months", s.TemporaryMonths},
		{"dismissal_window_years", s.DismissalWindowYears},
		{"referral_follow_up_days", s.ReferralFollowUpDays},
	} {
		if f.v <= 0 {
			out = append(out, Problem{f.key, fmt.Sprintf("must be positive, got %d", f.v)})
		}
	}
	for _, f := range []struct {
		key string
		v   int
	}{
		{"provisional_extensions", s.ProvisionalExtensions},
		{"renewal_warning_days", s.RenewalWarningDays},
		{"severity_critical_days", s.CriticalDays},
		{"identification_warning_days", s.IdentificationWarningDays},
		{"majority_horizon_days", s.MajorityHorizonDays},
		{"guardianship_notification_days", s.GuardianshipNotificationDays},
		{"rights_information_days", s.RightsInformationDays},
		{"rights_critical_overdue_days", s.RightsCriticalOverdueDays},
		{"non_punishment_pending_days", s.NonPunishmentPendingDays},
	} {
		if f.v < 0 {
			out = append(out, Problem{f.key, fmt.Sprintf("must not be negative, got %d", f.v)})
		}
	}
	if s.HighDays < s.CriticalDays {
		out = append(out, Problem{"severity_high_days", fmt.Sprintf("must be at least severity_critical_days (%d), got %d", s.CriticalDays, s.HighDays)})
	}
	if s.MediumDays < s.HighDays {
		out = append(out, Problem{"severity_medium_days", fmt.Sprintf("must be at least severity_high_days (%d), got %d", s.HighDays, s.MediumDays)})
	}
	if s.IdentificationCriticalDays < s.IdentificationWarningDays {
		out = append(out, Problem{"identification_critical_days",
			fmt.Sprintf("must be at least identification_warning_days (%d), got %d", s.IdentificationWarningDays, s.IdentificationCriticalDays)})
	}
	return out
}

// Validate returns the problems of the settings as one error, or nil.
func (s Settings) Validate() error {
	problems := s.Problems()
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, len(problems))
	for i, p := range problems {
		msgs[i] = p.Key + " " + p.Message
	}
	return fmt.Errorf("invalid eligibility settings: %s", strings.Join(msgs, "; "))
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
