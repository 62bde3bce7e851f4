package eligibility

// Version is the version of the rule set, written into every evaluation and
// every audit record (rules_version).
const Version = "be-nrm-2025.2"

// SourceDocument is the title of the report every rule cites.
const SourceDocument = "2025 Trafficking in Persons Report: Belgium"

// SourceSection is the section of SourceDocument that every quote comes from.
const SourceSection = "PROTECTION"

// State is a state of the residence and assistance track (docs/model.md "The state track").
type State string

// The states of the residence and assistance track, in the order of docs/model.md "The state track".
const (
	// StateIdentified is the initial state: registered as a potential victim.
	StateIdentified State = "identified"
	// StateReflection is the 45-day reflection period (annex 15).
	StateReflection State = "reflection"
	// StateProvisionalPermit is the 3-month attestation d'immatriculation.
	StateProvisionalPermit State = "provisional_permit"
	// StateTemporaryPermit is the 6-month permit after the prosecutor confirmed victim status.
	StateTemporaryPermit State = "temporary_permit"
	// StateIndefiniteStay is the indefinite stay after a conviction or charges retaining trafficking.
	StateIndefiniteStay State = "indefinite_stay"
	// StateEUAssistance is assistance for an EU citizen, without the residence ladder.
	StateEUAssistance State = "eu_assistance"
	// StateDeclined means the victim chose not to accept the conditions.
	StateDeclined State = "declined"
	// StateStatusWithdrawn means victim status and permit were withdrawn or not renewed.
	StateStatusWithdrawn State = "status_withdrawn"
	// StateHumanitarianApplication means humanitarian residence (art. 9bis) was applied for.
	StateHumanitarianApplication State = "humanitarian_application"
	// StateReturned means the victim returned to the country of origin.
	StateReturned State = "returned"
	// StateLeftProcedure means contact was lost or the victim left the shelter.
	StateLeftProcedure State = "left_procedure"
	// StateClosed means the case is closed; a closed case has no flags and no deadlines.
	StateClosed State = "closed"
)

// States returns every state in the order of docs/model.md "The state track", in a new slice.
func States() []State {
	return []State{
		StateIdentified, StateReflection, StateProvisionalPermit, StateTemporaryPermit,
		StateIndefiniteStay, StateEUAssistance, StateDeclined, StateStatusWithdrawn,
		StateHumanitarianApplication, StateReturned, StateLeftProcedure, StateClosed,
	}
}

// InPermit reports whether s is a permit state: reflection, provisional_permit
// or temporary_permit.
func (s State) InPermit() bool {
	return s == StateReflection || s == StateProvisionalPermit || s == StateTemporaryPermit
}

// Proceedings is a state of the criminal case against the trafficker.
type Proceedings string

// The states of the criminal proceedings, in the order of docs/model.md "The proceedings track".
const (
	// ProceedingsNone means no complaint has been filed.
	ProceedingsNone Proceedings = "none"
	// ProceedingsComplaintFiled means a complaint or statements were made.
	ProceedingsComplaintFiled Proceedings = "complaint_filed"
	// ProceedingsCharged means charges were filed.
	ProceedingsCharged Proceedings = "charged"
	// ProceedingsConvicted means the trafficker was convicted.
	ProceedingsConvicted Proceedings = "convicted"
	// ProceedingsAcquitted means the trafficker was acquitted.
	ProceedingsAcquitted Proceedings = "acquitted"
	// ProceedingsDismissed means the case was dismissed.
	ProceedingsDismissed Proceedings = "dismissed"
	// ProceedingsSettled means a settlement was reached with the trafficker.
	ProceedingsSettled Proceedings = "settled"
	// ProceedingsImmunity means the perpetrator has diplomatic immunity.
	ProceedingsImmunity Proceedings = "immunity"
)

// AllProceedings returns every proceedings value in the order of docs/model.md "The proceedings track", in a new slice.
func AllProceedings() []Proceedings {
	return []Proceedings{
		ProceedingsNone, ProceedingsComplaintFiled, ProceedingsCharged, ProceedingsConvicted,
		ProceedingsAcquitted, ProceedingsDismissed, ProceedingsSettled, ProceedingsImmunity,
	}
}

// IsEUCitizen reports whether nationality (an upper-case ISO 3166-1 alpha-2
// code) is one of the 27 EU member states, Belgium included. "XX" (unknown)
// and anything else, lower-case codes included, is false.
func IsEUCitizen(nationality string) bool {
	switch nationality {
	case "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
		"IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE":
		return true
	}
	return false
}

// Severity is how urgent a flag or deadline is.
type Severity string

// The severities, most urgent first.
const (
	// SeverityCritical is overdue or due within CriticalDays, or a loss now expected.
	SeverityCritical Severity = "critical"
	// SeverityHigh is due within HighDays.
	SeverityHigh Severity = "high"
	// SeverityMedium is due within MediumDays.
	SeverityMedium Severity = "medium"
	// SeverityInfo is for information.
	SeverityInfo Severity = "info"
)

// Rank orders severities: critical 0, high 1, medium 2, info 3, and 4 for an
// unknown value.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityHigh:
		return 1
	case SeverityMedium:
		return 2
	case SeverityInfo:
		return 3
	default:
		return 4
	}
}

// moreSevere returns the next more severe level (critical stays critical).
func (s Severity) moreSevere() Severity {
	switch s {
	case SeverityInfo:
		return SeverityMedium
	case SeverityMedium:
		return SeverityHigh
	default:
		return SeverityCritical
	}
}

// Kind says what a flag is about.
type Kind string

// The kinds of flag.
const (
	// KindRisk means the triggering fact happened: the loss is expected.
	KindRisk Kind = "risk"
	// KindExposure means the loss would follow if a named event happened.
	KindExposure Kind = "exposure"
	// KindDeadline means a date is coming or has passed.
	KindDeadline Kind = "deadline"
)

// Basis says where a rule comes from; the UI shows it so that nobody
// mistakes an inference for the law.
type Basis string

// The bases of a rule.
const (
	// BasisStatute is a rule written in the law.
	BasisStatute Basis = "statute"
	// BasisPractice is a rule from administrative practice.
	BasisPractice Basis = "practice"
	// BasisReport is a rule stated only in the seed report.
	BasisReport Basis = "report"
	// BasisInferred is a rule inferred by casemgr.
	BasisInferred Basis = "inferred"
)

// The values of a flag's at_risk list, in the order WouldLose reports them.
const (
	// AtRiskResidence is the residence permit.
	AtRiskResidence = "residence"
	// AtRiskServices is the assistance services.
	AtRiskServices = "services"
	// AtRiskProtection is protection from removal or penalization.
	AtRiskProtection = "protection"
	// AtRiskCompensation is compensation for the victim.
	AtRiskCompensation = "compensation"
	// AtRiskChildProtection is the protection owed to a child.
	AtRiskChildProtection = "child_protection"
)

// The deadline kinds of docs/model.md "Deadlines", in table order.
const (
	// DeadlineReflectionEnd is the last day of the reflection period.
	DeadlineReflectionEnd = "reflection_end"
	// DeadlineProvisionalPermitExpiry is the current provisional permit expiry.
	DeadlineProvisionalPermitExpiry = "provisional_permit_expiry"
	// DeadlineTemporaryPermitExpiry is the current temporary permit expiry.
	DeadlineTemporaryPermitExpiry = "temporary_permit_expiry"
	// DeadlineRenewalRequest is the current permit expiry minus RenewalWarningDays.
	DeadlineRenewalRequest = "renewal_request"
	// DeadlineDismissalWindowEnd is the charges date plus DismissalWindowYears.
	DeadlineDismissalWindowEnd = "dismissal_window_end"
	// DeadlineGuardianshipNotification is identified_on plus GuardianshipNotificationDays.
	DeadlineGuardianshipNotification = "guardianship_notification"
	// DeadlineMajority is the 18th birthday of a minor.
	DeadlineMajority = "majority"
	// DeadlineFlag is the due date a flag carries (Deadline.Rule names
	// the rule); internal/case adds them to the case's deadlines.
	DeadlineFlag = "flag"
)
