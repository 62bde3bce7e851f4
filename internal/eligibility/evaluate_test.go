package eligibility

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// defaultAsOf is the evaluation date of the rule tests unless a case says otherwise.
const defaultAsOf = "2025-06-01"

// quietSnapshot returns a case that raises no flag: a non-EU adult in
// indefinite stay after a conviction, in an official shelter, with legal aid.
// Each rule test changes only what the rule reads.
func quietSnapshot() Snapshot {
	s := NewSnapshot()
	s.State, s.Proceedings = StateIndefiniteStay, ProceedingsConvicted
	s.IdentifiedOn = MustParseDate("2023-01-10")
	s.ChargesOn = MustParseDate("2023-06-01")
	s.ConvictedOn = MustParseDate("2024-05-01")
	s.DateOfBirth = MustParseDate("1995-04-17")
	s.Nationality, s.Gender = "NG", "female"
	s.Exploitation = []string{"sexual"}
	s.Shelter, s.ShelterOfficial = "payoke", true
	s.IdentityProven = Fact{Value: true, Since: MustParseDate("2023-02-01")}
	s.LegalAid = Fact{Value: true, Since: MustParseDate("2023-03-01")}
	s.InformedOfRights = Fact{Value: true, Since: MustParseDate("2023-01-11")}
	return s
}

func TestQuietSnapshotHasNoFlags(t *testing.T) {
	got := Evaluate(quietSnapshot(), MustParseDate(defaultAsOf), DefaultSettings())
	if len(got) != 0 {
		t.Errorf("got %d flags (%v), want none", len(got), ruleIDs(got))
	}
}

func d(s string) Date { return MustParseDate(s) }

func f(v bool, since string) Fact {
	if since == "" {
		return Fact{Value: v}
	}
	return Fact{Value: v, Since: d(since)}
}

type ruleCase struct {
	name   string
	asOf   string // defaultAsOf when empty
	mod    func(s *Snapshot)
	set    func(s *Settings)
	rule   string
	fires  bool
	kind   Kind
	sev    Severity
	atRisk []string
	due    string // "" means due_on must be null
	detail string // a substring the detail must contain ("" = not checked)
}

var (
	resSvc      = []string{AtRiskResidence, AtRiskServices}
	resSvcProt  = []string{AtRiskResidence, AtRiskServices, AtRiskProtection}
	svcRes      = []string{AtRiskServices, AtRiskResidence}
	resProt     = []string{AtRiskResidence, AtRiskProtection}
	res         = []string{AtRiskResidence}
	resChild    = []string{AtRiskResidence, AtRiskChildProtection}
	childRes    = []string{AtRiskChildProtection, AtRiskResidence}
	child       = []string{AtRiskChildProtection}
	prot        = []string{AtRiskProtection}
	comp        = []string{AtRiskCompensation}
	protChild   = []string{AtRiskProtection, AtRiskChildProtection}
	svc         = []string{AtRiskServices}
	inTemporary = func(s *Snapshot) {
		s.State, s.Proceedings = StateTemporaryPermit, ProceedingsCharged
		s.ConvictedOn = Date{}
		s.ChargesOn = d("2024-09-01")
		s.TemporaryExpiry = d("2025-12-01")
	}
	inProvisional = func(s *Snapshot) {
		s.State, s.Proceedings = StateProvisionalPermit, ProceedingsComplaintFiled
		s.ChargesOn, s.ConvictedOn = Date{}, Date{}
		s.ComplaintOn = d("2025-05-01")
		s.ProvisionalExpiry = d("2025-08-01")
	}
	inReflection = func(s *Snapshot) {
		s.State, s.Proceedings = StateReflection, ProceedingsNone
		s.ChargesOn, s.ConvictedOn = Date{}, Date{}
		s.ReflectionStart, s.ReflectionEnd = d("2025-05-01"), d("2025-06-15")
	}
)

func ruleCases() []ruleCase {
	return []ruleCase{
		// R01
		{name: "R01 contact ongoing in reflection", rule: "R01", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod:    func(s *Snapshot) { inReflection(s); s.ContactWithTrafficker = f(true, "2025-05-20") },
			detail: "Contact with the trafficker was recorded on 2025-05-20 and has not ended"},
		{name: "R01 near-miss: contact ended", rule: "R01",
			mod: func(s *Snapshot) { inReflection(s); s.ContactWithTrafficker = f(false, "2025-05-25") }},
		{name: "R01 near-miss: contact ongoing but not in a permit state", rule: "R01",
			mod: func(s *Snapshot) { s.State = StateIdentified; s.ContactWithTrafficker = f(true, "2025-05-20") }},
		// R02
		{name: "R02 stopped cooperating with a temporary permit", rule: "R02", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvcProt,
			mod:    func(s *Snapshot) { inTemporary(s); s.Cooperating = f(false, "2025-05-02") },
			detail: "stopped cooperating with the authorities on 2025-05-02 while holding the temporary permit"},
		{name: "R02 stopped cooperating with a provisional permit", rule: "R02", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvcProt,
			mod: func(s *Snapshot) { inProvisional(s); s.Cooperating = f(false, "2025-05-02") }},
		{name: "R02 near-miss: reflection is not a permit holder", rule: "R02",
			mod: func(s *Snapshot) { inReflection(s); s.Cooperating = f(false, "2025-05-02") }},
		{name: "R02 near-miss: still cooperating", rule: "R02",
			mod: func(s *Snapshot) { inTemporary(s); s.Cooperating = f(true, "2025-05-10") }},
		// R03
		{name: "R03 guidance ended with a provisional permit", rule: "R03", fires: true, kind: KindRisk, sev: SeverityHigh, atRisk: svcRes,
			mod:    func(s *Snapshot) { inProvisional(s); s.GuidanceActive = f(false, "2025-05-15") },
			detail: "Guidance by the recognised centre ended on 2025-05-15"},
		{name: "R03 near-miss: guidance ended in indefinite stay", rule: "R03",
			mod: func(s *Snapshot) { s.GuidanceActive = f(false, "2025-05-15") }},
		{name: "R03 near-miss: guidance resumed", rule: "R03",
			mod: func(s *Snapshot) { inProvisional(s); s.GuidanceActive = f(true, "2025-05-20") }},
		// R04
		{name: "R04 reflection ends in 14 days: high", rule: "R04", fires: true, kind: KindDeadline, sev: SeverityHigh, atRisk: resProt, due: "2025-06-15",
			mod: inReflection, detail: "The reflection period (annex 15) ends on 2025-06-15 (14 days left)."},
		{name: "R04 reflection ends in 8 days: high", asOf: "2025-06-07", rule: "R04", fires: true, kind: KindDeadline, sev: SeverityHigh, atRisk: resProt, due: "2025-06-15",
			mod: inReflection},
		{name: "R04 reflection ends in 7 days: critical", asOf: "2025-06-08", rule: "R04", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: resProt, due: "2025-06-15",
			mod: inReflection},
		{name: "R04 reflection ends today: critical, not lapsed", asOf: "2025-06-15", rule: "R04", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: resProt, due: "2025-06-15",
			mod: inReflection, detail: "ends on 2025-06-15 (today)"},
		{name: "R04 reflection ended yesterday: annex 15 lapsed", asOf: "2025-06-16", rule: "R04", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: resProt, due: "2025-06-15",
			mod:    inReflection,
			detail: "The reflection period (annex 15) ended on 2025-06-15 (1 day ago): the annex 15 has lapsed: removal exposure."},
		{name: "R04 falls back to start + 45 days", asOf: "2025-01-22", rule: "R04", fires: true, kind: KindDeadline, sev: SeverityHigh, atRisk: resProt, due: "2025-02-03",
			mod:    func(s *Snapshot) { inReflection(s); s.ReflectionStart, s.ReflectionEnd = d("2024-12-20"), Date{} },
			detail: "(12 days left)"},
		{name: "R04 near-miss: not in reflection", rule: "R04",
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.ReflectionStart, s.ReflectionEnd = d("2025-05-01"), d("2025-06-15")
			}},
		// R05
		{name: "R05 provisional expiry in 61 days, no extension: info", rule: "R05", fires: true, kind: KindDeadline, sev: SeverityInfo, atRisk: res, due: "2025-08-01",
			mod: inProvisional, detail: "The provisional permit expires on 2025-08-01 (61 days left) and the prosecutor has not confirmed victim status. Extensions used: 0 of 1."},
		{name: "R05 extension used: info becomes medium", rule: "R05", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: res, due: "2025-08-01",
			mod: func(s *Snapshot) { inProvisional(s); s.Extensions = 1 }, detail: "Extensions used: 1 of 1, none left."},
		{name: "R05 30 days left, no extension: medium", rule: "R05", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: res, due: "2025-07-01",
			mod: func(s *Snapshot) { inProvisional(s); s.ProvisionalExpiry = d("2025-07-01") }},
		{name: "R05 30 days left, extension used: high", rule: "R05", fires: true, kind: KindDeadline, sev: SeverityHigh, atRisk: res, due: "2025-07-01",
			mod: func(s *Snapshot) { inProvisional(s); s.ProvisionalExpiry, s.Extensions = d("2025-07-01"), 1 }},
		{name: "R05 14 days left, extension used: critical", rule: "R05", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: res, due: "2025-06-15",
			mod: func(s *Snapshot) { inProvisional(s); s.ProvisionalExpiry, s.Extensions = d("2025-06-15"), 1 }},
		{name: "R05 overdue, extension used: stays critical", rule: "R05", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: res, due: "2025-05-30",
			mod:    func(s *Snapshot) { inProvisional(s); s.ProvisionalExpiry, s.Extensions = d("2025-05-30"), 1 },
			detail: "The provisional permit expired on 2025-05-30 (2 days ago)"},
		{name: "R05 two extensions allowed, one used: not bumped", rule: "R05", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: res, due: "2025-07-01",
			mod: func(s *Snapshot) { inProvisional(s); s.ProvisionalExpiry, s.Extensions = d("2025-07-01"), 1 },
			set: func(s *Settings) { s.ProvisionalExtensions = 2 }},
		{name: "R05 near-miss: confirmed, now a temporary permit", rule: "R05",
			mod: func(s *Snapshot) { inTemporary(s); s.ProvisionalExpiry = d("2025-06-10") }},
		// R06
		{name: "R06 prosecutor says not a victim", rule: "R06", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.ProsecutorOpinion, s.ProsecutorOpinionOn = "not_victim", d("2025-05-20")
			},
			detail: "recorded on 2025-05-20 is that the person is not a victim"},
		{name: "R06 prosecutor says not trafficking", rule: "R06", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod: func(s *Snapshot) { inReflection(s); s.ProsecutorOpinion = "not_trafficking" }},
		{name: "R06 near-miss: opinion unclear", rule: "R06",
			mod: func(s *Snapshot) { inProvisional(s); s.ProsecutorOpinion = "unclear" }},
		{name: "R06 near-miss: negative opinion outside a permit state", rule: "R06",
			mod: func(s *Snapshot) { s.State = StateIdentified; s.ProsecutorOpinion = "not_victim" }},
		// R07
		{name: "R07 exposure when charged: due at the window end", rule: "R07", fires: true, kind: KindExposure, sev: SeverityMedium, atRisk: resSvc, due: "2026-09-01",
			mod: inTemporary, detail: "Charges were filed on 2024-09-01: a dismissal on or before 2026-09-01 would end"},
		{name: "R07 exposure on a complaint: no due date", rule: "R07", fires: true, kind: KindExposure, sev: SeverityMedium, atRisk: resSvc,
			mod: inProvisional, detail: "A complaint was filed on 2025-05-01 and no charges have been filed yet"},
		{name: "R07 exposure near-miss: EU citizen", rule: "R07",
			mod: func(s *Snapshot) { inTemporary(s); s.Nationality = "FR" }},
		{name: "R07 exposure near-miss: reflection", rule: "R07",
			mod: func(s *Snapshot) {
				inReflection(s)
				s.Proceedings, s.ComplaintOn = ProceedingsComplaintFiled, d("2025-05-10")
			}},
		{name: "R07 risk: the docs/rules.md example", rule: "R07", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.Proceedings, s.DismissedOn = ProceedingsDismissed, d("2025-06-01")
			},
			detail: "Charges were filed on 2024-09-01 and the case was dismissed on 2025-06-01 (9 months later). Victim status, the residence permit and related services are expected to be withdrawn."},
		{name: "R07 risk: dismissal on the window's last day", asOf: "2025-06-02", rule: "R07", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.ChargesOn = d("2023-06-01")
				s.Proceedings, s.DismissedOn = ProceedingsDismissed, d("2025-06-01")
			},
			detail: "(24 months later)"},
		{name: "R07 exposure on the window's last day", asOf: "2026-09-01", rule: "R07", fires: true, kind: KindExposure, sev: SeverityMedium, atRisk: resSvc, due: "2026-09-01",
			mod: inTemporary, detail: "a dismissal on or before 2026-09-01 would end victim status"},
		{name: "R07 near-miss (v2): no exposure once the window has passed", asOf: "2026-09-02", rule: "R07",
			mod: func(s *Snapshot) { inTemporary(s); s.TemporaryExpiry = d("2027-01-01") }},
		{name: "R07 near-miss: dismissal the day after the window end", asOf: "2025-06-02", rule: "R07",
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.ChargesOn = d("2023-06-01")
				s.Proceedings, s.DismissedOn = ProceedingsDismissed, d("2025-06-02")
			}},
		{name: "R07 risk: dismissed before any charges", rule: "R07", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.Proceedings, s.DismissedOn = ProceedingsDismissed, d("2025-05-20")
			},
			detail: "The case was dismissed on 2025-05-20 before any charges were filed."},
		{name: "R07 risk near-miss: status already withdrawn", rule: "R07",
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.State = StateStatusWithdrawn
				s.Proceedings, s.DismissedOn = ProceedingsDismissed, d("2025-05-20")
			}},
		// R08
		{name: "R08 exposure: complaint filed in reflection", rule: "R08", fires: true, kind: KindExposure, sev: SeverityInfo, atRisk: resSvc,
			mod: func(s *Snapshot) {
				inReflection(s)
				s.Proceedings, s.ComplaintOn = ProceedingsComplaintFiled, d("2025-05-10")
			},
			detail: "A complaint was filed on 2025-05-10 and no charges have been filed yet: a settlement"},
		{name: "R08 exposure near-miss: charged", rule: "R08",
			mod: inTemporary},
		{name: "R08 risk: settled before indictment", rule: "R08", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod:    func(s *Snapshot) { inProvisional(s); s.Proceedings, s.SettledOn = ProceedingsSettled, d("2025-05-20") },
			detail: "A settlement with the trafficker was reached on 2025-05-20 with no charges filed before it."},
		{name: "R08 risk: charges dated the same day as the settlement", rule: "R08", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.Proceedings, s.SettledOn, s.ChargesOn = ProceedingsSettled, d("2025-05-20"), d("2025-05-20")
			}},
		{name: "R08 risk near-miss: charged the day before the settlement", rule: "R08",
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.Proceedings, s.SettledOn, s.ChargesOn = ProceedingsSettled, d("2025-05-20"), d("2025-05-19")
			}},
		{name: "R08 risk near-miss: not in a permit state", rule: "R08",
			mod: func(s *Snapshot) {
				s.State = StateDeclined
				s.Proceedings, s.SettledOn = ProceedingsSettled, d("2025-05-20")
			}},
		// R09
		{name: "R09 diplomatic immunity with a provisional permit", rule: "R09", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvc,
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.Proceedings, s.ImmunityOn = ProceedingsImmunity, d("2025-05-25")
			},
			detail: "(recorded on 2025-05-25)"},
		{name: "R09 near-miss: immunity after the status was withdrawn", rule: "R09",
			mod: func(s *Snapshot) { s.State = StateStatusWithdrawn; s.Proceedings = ProceedingsImmunity }},
		// R10
		{name: "R10 provisional permit, identity not proven", rule: "R10", fires: true, kind: KindRisk, sev: SeverityMedium, atRisk: res,
			mod: func(s *Snapshot) { inProvisional(s); s.IdentityProven = Fact{} }, detail: "(expiring on 2025-08-01) and identity is not proven"},
		{name: "R10 near-miss: identity proven", rule: "R10",
			mod: inProvisional},
		{name: "R10 near-miss: temporary permit", rule: "R10",
			mod: func(s *Snapshot) { inTemporary(s); s.IdentityProven = Fact{} }},
		// R11
		{name: "R11 risk: acquitted without retained trafficking", rule: "R11", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: res,
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.Proceedings, s.AcquittedOn = ProceedingsAcquitted, d("2025-05-15")
			},
			detail: "The trafficker was acquitted on 2025-05-15"},
		{name: "R11 exposure: charged without retained trafficking", rule: "R11", fires: true, kind: KindExposure, sev: SeverityInfo, atRisk: res,
			mod: inTemporary, detail: "Charges were filed on 2024-09-01 without retaining trafficking"},
		{name: "R11 near-miss (v2): acquitted but the charges retained trafficking", rule: "R11",
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.Proceedings, s.AcquittedOn, s.RetainsTrafficking = ProceedingsAcquitted, d("2025-05-15"), true
			}},
		{name: "R11 near-miss: charged retaining trafficking", rule: "R11",
			mod: func(s *Snapshot) { inTemporary(s); s.RetainsTrafficking = true }},
		{name: "R11 near-miss: convicted", rule: "R11",
			mod: func(s *Snapshot) { inTemporary(s); s.Proceedings = ProceedingsConvicted }},
		{name: "R11 near-miss: provisional permit", rule: "R11",
			mod: inProvisional},
		// R12
		{name: "R12 non-EU minor in reflection without proceedings", rule: "R12", fires: true, kind: KindExposure, sev: SeverityHigh, atRisk: resChild,
			mod:    func(s *Snapshot) { inReflection(s); s.DateOfBirth = d("2010-01-01") },
			detail: "The non-EU victim is a minor (turns 18 on 2028-01-01) in reflection and residence rests on cooperation: no criminal proceedings have been opened."},
		{name: "R12 non-EU minor who stopped cooperating", rule: "R12", fires: true, kind: KindExposure, sev: SeverityHigh, atRisk: resChild,
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.DateOfBirth, s.Cooperating = d("2010-01-01"), f(false, "2025-05-20")
			},
			detail: "the victim stopped cooperating on 2025-05-20."},
		{name: "R12 unaccompanied minor without a date of birth", rule: "R12", fires: true, kind: KindExposure, sev: SeverityHigh, atRisk: resChild,
			mod: func(s *Snapshot) {
				s.State, s.Proceedings = StateIdentified, ProceedingsNone
				s.DateOfBirth, s.UnaccompaniedMinor = Date{}, true
			},
			detail: "(unaccompanied, date of birth unknown)"},
		{name: "R12 17, the day before the 18th birthday", rule: "R12", fires: true, kind: KindExposure, sev: SeverityHigh, atRisk: resChild,
			mod: func(s *Snapshot) { inReflection(s); s.DateOfBirth = d("2007-06-02") }},
		{name: "R12 near-miss: on the 18th birthday", rule: "R12",
			mod: func(s *Snapshot) { inReflection(s); s.DateOfBirth = d("2007-06-01") }},
		{name: "R12 near-miss: cooperating, complaint filed", rule: "R12",
			mod: func(s *Snapshot) { inProvisional(s); s.DateOfBirth = d("2010-01-01") }},
		{name: "R12 near-miss: EU minor", rule: "R12",
			mod: func(s *Snapshot) { inReflection(s); s.DateOfBirth, s.Nationality = d("2010-01-01"), "RO" }},
		// R13
		{name: "R13 guardianship not notified: overdue", rule: "R13", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: child, due: "2025-05-31",
			mod: func(s *Snapshot) {
				s.UnaccompaniedMinor, s.DateOfBirth, s.IdentifiedOn = true, d("2010-01-01"), d("2025-05-30")
			},
			detail: "The unaccompanied minor was identified on 2025-05-30 and the Guardianship Service has not been notified: notification was due on 2025-05-31 (1 day ago)."},
		{name: "R13 guardianship due tomorrow: critical", asOf: "2025-05-30", rule: "R13", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: child, due: "2025-05-31",
			mod: func(s *Snapshot) {
				s.UnaccompaniedMinor, s.DateOfBirth, s.IdentifiedOn = true, d("2010-01-01"), d("2025-05-30")
			}},
		{name: "R13 with a 20-day setting: medium", asOf: "2025-05-30", rule: "R13", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: child, due: "2025-06-19",
			mod: func(s *Snapshot) {
				s.UnaccompaniedMinor, s.DateOfBirth, s.IdentifiedOn = true, d("2010-01-01"), d("2025-05-30")
			},
			set: func(s *Settings) { s.GuardianshipNotificationDays = 20 }},
		{name: "R13 near-miss: notified", rule: "R13",
			mod: func(s *Snapshot) {
				s.UnaccompaniedMinor, s.DateOfBirth, s.IdentifiedOn = true, d("2010-01-01"), d("2025-05-30")
				s.GuardianshipNotified = f(true, "2025-05-31")
			}},
		{name: "R13 near-miss: not marked unaccompanied", rule: "R13",
			mod: func(s *Snapshot) { s.DateOfBirth, s.IdentifiedOn = d("2010-01-01"), d("2025-05-30") }},
		// R14
		{name: "R14 turns 18 in 90 days: info", rule: "R14", fires: true, kind: KindDeadline, sev: SeverityInfo, atRisk: childRes, due: "2025-08-30",
			mod: func(s *Snapshot) { inTemporary(s); s.DateOfBirth = d("2007-08-30") }, detail: "The victim turns 18 on 2025-08-30 (90 days left)"},
		{name: "R14 near-miss: turns 18 in 91 days", rule: "R14",
			mod: func(s *Snapshot) { inTemporary(s); s.DateOfBirth = d("2007-08-31") }},
		{name: "R14 turns 18 in 20 days: medium", rule: "R14", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: childRes, due: "2025-06-21",
			mod: func(s *Snapshot) { inTemporary(s); s.DateOfBirth = d("2007-06-21") }},
		{name: "R14 turns 18 tomorrow: capped at high", rule: "R14", fires: true, kind: KindDeadline, sev: SeverityHigh, atRisk: childRes, due: "2025-06-02",
			mod: func(s *Snapshot) { inTemporary(s); s.DateOfBirth = d("2007-06-02") }, detail: "(1 day left)"},
		{name: "R14 leap-day child the day before 28 Feb", asOf: "2026-02-27", rule: "R14", fires: true, kind: KindDeadline, sev: SeverityHigh, atRisk: childRes, due: "2026-02-28",
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.TemporaryExpiry = d("2026-06-01")
				s.DateOfBirth = d("2008-02-29")
			}},
		{name: "R14 near-miss: on the 18th birthday", rule: "R14",
			mod: func(s *Snapshot) { inTemporary(s); s.DateOfBirth = d("2007-06-01") }},
		{name: "R14 near-miss: indefinite stay", rule: "R14",
			mod: func(s *Snapshot) { s.DateOfBirth = d("2007-06-21") }},
		{name: "R14 near-miss: EU citizen", rule: "R14",
			mod: func(s *Snapshot) { s.State, s.Nationality, s.DateOfBirth = StateEUAssistance, "PL", d("2007-06-21") }},
		{name: "R14 near-miss: no date of birth", rule: "R14",
			mod: func(s *Snapshot) { inTemporary(s); s.DateOfBirth, s.UnaccompaniedMinor = Date{}, true }},
		// R15
		{name: "R15 risk: penalization linked to the exploitation", rule: "R15", fires: true, kind: KindRisk, sev: SeverityHigh, atRisk: prot,
			mod:    func(s *Snapshot) { s.PenalizationLinked = f(true, "2025-04-02") },
			detail: "A penalization linked to the exploitation was recorded on 2025-04-02"},
		{name: "R15 exposure: forced criminality", rule: "R15", fires: true, kind: KindExposure, sev: SeverityMedium, atRisk: prot,
			mod: func(s *Snapshot) { s.Exploitation = []string{"labour", "forced_criminality"} }},
		{name: "R15 risk beats exposure: one high flag", rule: "R15", fires: true, kind: KindRisk, sev: SeverityHigh, atRisk: prot,
			mod: func(s *Snapshot) {
				s.Exploitation = []string{"forced_criminality"}
				s.PenalizationLinked = f(true, "2025-04-02")
			}},
		{name: "R15 near-miss: non-punishment invoked", rule: "R15",
			mod: func(s *Snapshot) {
				s.Exploitation = []string{"forced_criminality"}
				s.PenalizationLinked = f(true, "2025-04-02")
				s.NonPunishmentInvoked = f(true, "2025-04-10")
			}},
		// R16
		{name: "R16 risk: claimed in court without physical violence", rule: "R16", fires: true, kind: KindRisk, sev: SeverityMedium, atRisk: comp,
			mod:    func(s *Snapshot) { s.CompensationRoute, s.CompensationClaimedOn = "court", d("2025-05-05") },
			detail: "Compensation was claimed through the court on 2025-05-05 without documented physical violence"},
		{name: "R16 risk: claimed from the fund", rule: "R16", fires: true, kind: KindRisk, sev: SeverityMedium, atRisk: comp,
			mod: func(s *Snapshot) { s.CompensationRoute = "fund" }, detail: "through the compensation fund"},
		{name: "R16 exposure: labour and forced begging, no claim", rule: "R16", fires: true, kind: KindExposure, sev: SeverityInfo, atRisk: comp,
			mod:    func(s *Snapshot) { s.Exploitation = []string{"labour", "forced_begging"} },
			detail: "The exploitation (labour, forced_begging) involved no documented physical violence"},
		{name: "R16 risk beats exposure: labour with a claim", rule: "R16", fires: true, kind: KindRisk, sev: SeverityMedium, atRisk: comp,
			mod: func(s *Snapshot) { s.Exploitation, s.CompensationRoute = []string{"domestic_servitude"}, "fund" }},
		{name: "R16 near-miss: exploitation includes sexual", rule: "R16",
			mod: func(s *Snapshot) { s.Exploitation = []string{"labour", "sexual"} }},
		{name: "R16 near-miss (v2): compensation awarded after a claim", rule: "R16",
			mod: func(s *Snapshot) {
				s.CompensationRoute, s.CompensationClaimedOn = "court", d("2025-01-10")
				s.CompensationAwarded = f(true, "2025-05-01")
			}},
		{name: "R16 near-miss (v2): labour, compensation awarded", rule: "R16",
			mod: func(s *Snapshot) { s.Exploitation = []string{"labour"}; s.CompensationAwarded = f(true, "2025-05-01") }},
		{name: "R16 near-miss: physical violence documented", rule: "R16",
			mod: func(s *Snapshot) {
				s.CompensationRoute = "court"
				s.PhysicalViolenceDocumented = f(true, "2025-05-05")
			}},
		{name: "R16 near-miss: no exploitation recorded", rule: "R16",
			mod: func(s *Snapshot) { s.Exploitation = nil }},
		// R17
		{name: "R17 unofficial shelter", rule: "R17", fires: true, kind: KindRisk, sev: SeverityHigh, atRisk: svcRes,
			mod: func(s *Snapshot) { s.Shelter, s.ShelterOfficial = "youth-home", false }, detail: `The shelter "youth-home" is not an official NRM provider`},
		{name: "R17 near-miss: official shelter", rule: "R17",
			mod: func(s *Snapshot) { s.Shelter, s.ShelterOfficial = "surya", true }},
		// R18
		{name: "R18 non-EU victim declined", rule: "R18", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resProt,
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.StateSince = StateDeclined, ProceedingsNone, d("2025-05-12")
			},
			detail: "declined the conditions on 2025-05-12"},
		{name: "R18 near-miss: EU citizen declined", rule: "R18",
			mod: func(s *Snapshot) { s.State, s.Proceedings, s.Nationality = StateDeclined, ProceedingsNone, "BE" }},
		// R19
		{name: "R19 EU citizen in EU assistance", rule: "R19", fires: true, kind: KindExposure, sev: SeverityInfo, atRisk: svc,
			mod: func(s *Snapshot) { s.State, s.Proceedings, s.Nationality = StateEUAssistance, ProceedingsNone, "BE" }, detail: "The nationality BE is an EU member state"},
		{name: "R19 near-miss: EU citizen returned", rule: "R19",
			mod: func(s *Snapshot) { s.State, s.Proceedings, s.Nationality = StateReturned, ProceedingsNone, "BE" }},
		{name: "R19 near-miss: unknown nationality", rule: "R19",
			mod: func(s *Snapshot) { s.State, s.Proceedings, s.Nationality = StateIdentified, ProceedingsNone, "XX" }},
		// R20
		{name: "R20 proceedings without legal aid or civil party", rule: "R20", fires: true, kind: KindExposure, sev: SeverityMedium, atRisk: comp,
			mod: func(s *Snapshot) { s.LegalAid = Fact{}; s.Proceedings = ProceedingsCharged }, detail: `The proceedings are "charged"`},
		{name: "R20 complaint filed without legal aid", rule: "R20", fires: true, kind: KindExposure, sev: SeverityMedium, atRisk: comp,
			mod: func(s *Snapshot) { s.LegalAid = Fact{}; s.Proceedings = ProceedingsComplaintFiled }},
		{name: "R20 near-miss (v2): proceedings finished by a conviction", rule: "R20",
			mod: func(s *Snapshot) { s.LegalAid = Fact{} }},
		{name: "R20 near-miss (v2): case dismissed", rule: "R20",
			mod: func(s *Snapshot) { s.LegalAid = Fact{}; s.Proceedings = ProceedingsDismissed }},
		{name: "R20 near-miss: civil party", rule: "R20",
			mod: func(s *Snapshot) { s.LegalAid, s.CivilParty = Fact{}, f(true, "2024-01-01") }},
		{name: "R20 near-miss: no proceedings", rule: "R20",
			mod: func(s *Snapshot) { s.LegalAid = Fact{}; s.State, s.Proceedings = StateDeclined, ProceedingsNone }},
		// R21
		{name: "R21 missing minor", rule: "R21", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: child,
			mod:    func(s *Snapshot) { s.DateOfBirth, s.Missing = d("2010-01-01"), f(true, "2025-05-28") },
			detail: "The minor was reported missing on 2025-05-28 and has not been found."},
		{name: "R21 near-miss: missing adult", rule: "R21",
			mod: func(s *Snapshot) { s.Missing = f(true, "2025-05-28") }},
		{name: "R21 near-miss: minor found", rule: "R21",
			mod: func(s *Snapshot) { s.DateOfBirth, s.Missing = d("2010-01-01"), f(false, "2025-05-30") }},
		// R22
		{name: "R22 temporary permit expiry in 31 days: info", rule: "R22", fires: true, kind: KindDeadline, sev: SeverityInfo, atRisk: res, due: "2025-07-02",
			mod:    func(s *Snapshot) { inTemporary(s); s.TemporaryExpiry = d("2025-07-02") },
			detail: "The temporary permit expires on 2025-07-02 (31 days left); renewal needs the prosecutor"},
		{name: "R22 temporary permit expiry in 30 days: medium", rule: "R22", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: res, due: "2025-07-01",
			mod: func(s *Snapshot) { inTemporary(s); s.TemporaryExpiry = d("2025-07-01") }},
		{name: "R22 near-miss: provisional permit", rule: "R22",
			mod: func(s *Snapshot) { inProvisional(s); s.TemporaryExpiry = d("2025-07-01") }},
		// R23
		{name: "R23 non-EU status withdrawn", rule: "R23", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: resSvcProt,
			mod:    func(s *Snapshot) { s.State, s.StateSince = StateStatusWithdrawn, d("2025-05-30") },
			detail: "Victim status was withdrawn on 2025-05-30"},
		{name: "R23 near-miss: humanitarian application after withdrawal", rule: "R23",
			mod: func(s *Snapshot) { s.State, s.StateSince = StateHumanitarianApplication, d("2025-05-30") }},
		// R24
		{name: "R24 adult identified 8 days ago: medium", rule: "R24", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: res, due: "2025-05-31",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn = StateIdentified, ProceedingsNone, d("2025-05-24")
			},
			detail: "The non-EU adult victim was identified on 2025-05-24, 8 days ago, and the case is still in identified"},
		{name: "R24 near-miss: identified 7 days ago (asOf is the due day)", rule: "R24",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn = StateIdentified, ProceedingsNone, d("2025-05-25")
			}},
		{name: "R24 identified 30 days ago: still medium", rule: "R24", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: res, due: "2025-05-09",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn = StateIdentified, ProceedingsNone, d("2025-05-02")
			}},
		{name: "R24 identified 31 days ago: critical", rule: "R24", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: res, due: "2025-05-08",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn = StateIdentified, ProceedingsNone, d("2025-05-01")
			}},
		{name: "R24 near-miss: minor", rule: "R24",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn, s.DateOfBirth = StateIdentified, ProceedingsNone, d("2025-05-01"), d("2010-01-01")
			}},
		{name: "R24 near-miss: EU citizen", rule: "R24",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn, s.Nationality = StateIdentified, ProceedingsNone, d("2025-05-01"), "IT"
			}},
		{name: "R24 near-miss: reflection started", rule: "R24",
			mod: func(s *Snapshot) { inReflection(s); s.IdentifiedOn = d("2025-04-01") }},
		// R26
		{name: "R26 child of forced criminality penalized, non-punishment not invoked", rule: "R26", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: protChild,
			mod: func(s *Snapshot) {
				s.DateOfBirth, s.Exploitation = d("2010-03-01"), []string{"forced_criminality"}
				s.PenalizationRecorded = f(true, "2025-05-02")
			},
			detail: "has a penalization recorded on 2025-05-02 and the non-punishment provision has not been invoked"},
		{name: "R26 non-punishment refused", rule: "R26", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: protChild,
			mod: func(s *Snapshot) {
				s.DateOfBirth, s.Exploitation = d("2010-03-01"), []string{"forced_criminality", "labour"}
				s.PenalizationRecorded = f(true, "2025-05-02")
				s.NonPunishmentInvoked, s.NonPunishmentOutcome, s.NonPunishmentOn = f(true, "2025-05-10"), "refused", d("2025-05-20")
			},
			detail: "was refused on 2025-05-20"},
		{name: "R26 invoked 31 days ago, still pending", rule: "R26", fires: true, kind: KindRisk, sev: SeverityCritical, atRisk: protChild,
			mod: func(s *Snapshot) {
				s.DateOfBirth, s.Exploitation = d("2010-03-01"), []string{"forced_criminality"}
				s.PenalizationRecorded = f(true, "2025-04-02")
				s.NonPunishmentInvoked, s.NonPunishmentOutcome, s.NonPunishmentOn = f(true, "2025-05-01"), "pending", d("2025-05-01")
			},
			detail: "invoked on 2025-05-01, 31 days ago"},
		{name: "R26 near-miss: invoked 30 days ago, pending", rule: "R26",
			mod: func(s *Snapshot) {
				s.DateOfBirth, s.Exploitation = d("2010-03-01"), []string{"forced_criminality"}
				s.PenalizationRecorded = f(true, "2025-04-02")
				s.NonPunishmentInvoked, s.NonPunishmentOutcome, s.NonPunishmentOn = f(true, "2025-05-02"), "pending", d("2025-05-02")
			}},
		{name: "R26 near-miss: non-punishment applied", rule: "R26",
			mod: func(s *Snapshot) {
				s.DateOfBirth, s.Exploitation = d("2010-03-01"), []string{"forced_criminality"}
				s.PenalizationRecorded = f(true, "2025-04-02")
				s.NonPunishmentInvoked, s.NonPunishmentOutcome, s.NonPunishmentOn = f(true, "2025-04-10"), "applied", d("2025-04-10")
			}},
		{name: "R26 near-miss: an adult", rule: "R26",
			mod: func(s *Snapshot) {
				s.Exploitation = []string{"forced_criminality"}
				s.PenalizationRecorded = f(true, "2025-05-02")
			}},
		{name: "R26 near-miss: not forced criminality", rule: "R26",
			mod: func(s *Snapshot) { s.DateOfBirth = d("2010-03-01"); s.PenalizationRecorded = f(true, "2025-05-02") }},
		// R27
		{name: "R27 identified today, not informed: medium, due in 3 days", rule: "R27", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: svc, due: "2025-06-04",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn, s.InformedOfRights = StateIdentified, ProceedingsNone, d("2025-06-01"), Fact{}
			},
			detail: "due on 2025-06-04 (3 days left)"},
		{name: "R27 overdue by 14 days: still medium", rule: "R27", fires: true, kind: KindDeadline, sev: SeverityMedium, atRisk: svc, due: "2025-05-18",
			mod: func(s *Snapshot) { inReflection(s); s.IdentifiedOn, s.InformedOfRights = d("2025-05-15"), Fact{} }},
		{name: "R27 overdue by 15 days: critical", rule: "R27", fires: true, kind: KindDeadline, sev: SeverityCritical, atRisk: svc, due: "2025-05-17",
			mod: func(s *Snapshot) { inReflection(s); s.IdentifiedOn, s.InformedOfRights = d("2025-05-14"), Fact{} }},
		{name: "R27 near-miss: informed", rule: "R27",
			mod: func(s *Snapshot) {
				s.State, s.Proceedings, s.IdentifiedOn = StateIdentified, ProceedingsNone, d("2025-05-01")
			}},
		{name: "R27 near-miss: contact lost", rule: "R27",
			mod: func(s *Snapshot) {
				s.State, s.IdentifiedOn, s.InformedOfRights = StateLeftProcedure, d("2025-05-01"), Fact{}
			}},
		// R25
		{name: "R25 gap before a temporary renewal", rule: "R25", fires: true, kind: KindRisk, sev: SeverityMedium, atRisk: res,
			mod: func(s *Snapshot) {
				inTemporary(s)
				s.LastGap = Gap{Event: "renew_temporary_permit", Expired: d("2025-03-01"), RenewedOn: d("2025-03-10")}
			},
			detail: "The temporary permit expired on 2025-03-01 and was renewed on 2025-03-10: the victim was without a valid document from 2025-03-02 to 2025-03-10."},
		{name: "R25 gap before a provisional extension", rule: "R25", fires: true, kind: KindRisk, sev: SeverityMedium, atRisk: res,
			mod: func(s *Snapshot) {
				inProvisional(s)
				s.LastGap = Gap{Event: "extend_provisional_permit", Expired: d("2025-05-31"), RenewedOn: d("2025-06-01")}
			},
			detail: "without a valid document from 2025-06-01 to 2025-06-01"},
		{name: "R25 near-miss: no gap", rule: "R25",
			mod: func(s *Snapshot) { inTemporary(s); s.Renewals = 2 }},
	}
}

func TestRules(t *testing.T) {
	fired := map[string]bool{}
	missed := map[string]bool{}
	for _, tt := range ruleCases() {
		t.Run(tt.name, func(t *testing.T) {
			s := quietSnapshot()
			tt.mod(&s)
			set := DefaultSettings()
			if tt.set != nil {
				tt.set(&set)
			}
			asOf := defaultAsOf
			if tt.asOf != "" {
				asOf = tt.asOf
			}
			flags := Evaluate(s, MustParseDate(asOf), set)
			got, ok := findFlag(flags, tt.rule)
			if !tt.fires {
				missed[tt.rule] = true
				if ok {
					t.Fatalf("got %s %s %s (%q), want no %s flag", got.Rule, got.Kind, got.Severity, got.Detail, tt.rule)
				}
				return
			}
			fired[tt.rule] = true
			if !ok {
				t.Fatalf("got flags %v, want %s", ruleIDs(flags), tt.rule)
			}
			if got.Kind != tt.kind {
				t.Errorf("kind: got %s, want %s", got.Kind, tt.kind)
			}
			if got.Severity != tt.sev {
				t.Errorf("severity: got %s, want %s", got.Severity, tt.sev)
			}
			if !reflect.DeepEqual(got.AtRisk, tt.atRisk) {
				t.Errorf("at_risk: got %v, want %v", got.AtRisk, tt.atRisk)
			}
			gotDue := ""
			if got.DueOn != nil {
				gotDue = got.DueOn.String()
			}
			if gotDue != tt.due {
				t.Errorf("due_on: got %q, want %q", gotDue, tt.due)
			}
			if tt.kind == KindDeadline && got.DueOn == nil {
				t.Errorf("due_on: got null on a deadline flag, want a date")
			}
			if tt.detail != "" && !strings.Contains(got.Detail, tt.detail) {
				t.Errorf("detail: got %q, want it to contain %q", got.Detail, tt.detail)
			}
			checkFixedParts(t, got)
		})
	}
	for _, r := range Rules() {
		if !fired[r.ID] {
			t.Errorf("coverage: got no firing case for %s, want one", r.ID)
		}
		if !missed[r.ID] {
			t.Errorf("coverage: got no near-miss case for %s, want one", r.ID)
		}
	}
}

// checkFixedParts checks the parts of a flag that come from the catalogue.
func checkFixedParts(t *testing.T, got Flag) {
	t.Helper()
	info, ok := ruleInfo(got.Rule)
	if !ok {
		t.Fatalf("rule %s: not in the catalogue", got.Rule)
	}
	if got.Name != info.Name || got.Basis != info.Basis || got.Recommendation != info.Recommendation {
		t.Errorf("got name %q basis %q rec %q, want %q %q %q", got.Name, got.Basis, got.Recommendation, info.Name, info.Basis, info.Recommendation)
	}
	wantSrc := Source{Document: SourceDocument, Section: SourceSection, Quote: info.Quote}
	if got.Source != wantSrc {
		t.Errorf("source: got %+v, want %+v", got.Source, wantSrc)
	}
	if got.Title == "" || got.Detail == "" {
		t.Errorf("got title %q detail %q, want both non-empty", got.Title, got.Detail)
	}
}

func TestRuleCatalogue(t *testing.T) {
	want := []struct {
		id, name string
		basis    Basis
	}{
		{"R01", "contact-with-trafficker", BasisPractice},
		{"R02", "stopped-cooperating", BasisPractice},
		{"R03", "guidance-ended", BasisPractice},
		{"R04", "reflection-ending", BasisStatute},
		{"R05", "provisional-permit-without-confirmation", BasisPractice},
		{"R06", "prosecutor-negative-opinion", BasisPractice},
		{"R07", "dismissal-within-window", BasisReport},
		{"R08", "settlement-before-indictment", BasisReport},
		{"R09", "diplomatic-immunity", BasisReport},
		{"R10", "identity-not-proven", BasisPractice},
		{"R11", "indefinite-stay-needs-conviction", BasisReport},
		{"R12", "child-residence-tied-to-cooperation", BasisReport},
		{"R13", "guardianship-not-notified", BasisReport},
		{"R14", "turning-18", BasisInferred},
		{"R15", "penalization-risk", BasisReport},
		{"R16", "compensation-needs-physical-violence", BasisReport},
		{"R17", "unofficial-provider", BasisReport},
		{"R18", "declined-conditions", BasisReport},
		{"R19", "eu-citizen-procedure", BasisInferred},
		{"R20", "legal-costs-barrier", BasisReport},
		{"R21", "missing-child", BasisReport},
		{"R22", "permit-renewal", BasisPractice},
		{"R23", "status-lost", BasisReport},
		{"R24", "no-decision-after-identification", BasisReport},
		{"R25", "permit-gap", BasisPractice},
		{"R26", "child-treated-as-offender", BasisReport},
		{"R27", "rights-not-explained", BasisReport},
	}
	got := Rules()
	if len(got) != len(want) {
		t.Fatalf("got %d rules, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].ID != w.id || got[i].Name != w.name || got[i].Basis != w.basis {
			t.Errorf("rule %d: got %s %s %s, want %s %s %s", i, got[i].ID, got[i].Name, got[i].Basis, w.id, w.name, w.basis)
		}
		if c := &catalogue[i]; c.Title == "" && c.ExposureTitle == "" {
			t.Errorf("%s: got no title, want one", w.id)
		}
	}
}

func TestEvaluateClosedIsEmpty(t *testing.T) {
	s := quietSnapshot()
	inTemporary(&s)
	s.Cooperating, s.ShelterOfficial = f(false, "2025-05-01"), false
	s.State = StateClosed
	got := Evaluate(s, MustParseDate(defaultAsOf), DefaultSettings())
	if got == nil || len(got) != 0 {
		t.Errorf("got %#v, want an empty non-nil slice", got)
	}
	b, _ := json.Marshal(got)
	if string(b) != "[]" {
		t.Errorf("JSON: got %s, want []", b)
	}
}

// mixedSnapshot raises flags of every severity.
func mixedSnapshot() Snapshot {
	s := quietSnapshot()
	inTemporary(&s)
	s.TemporaryExpiry = d("2025-06-10")             // R22 high (9 days left)
	s.ContactWithTrafficker = f(true, "2025-05-20") // R01 critical
	s.GuidanceActive = f(false, "2025-05-21")       // R03 high
	s.ShelterOfficial = false                       // R17 high
	s.LegalAid = Fact{}                             // R20 medium
	s.Exploitation = []string{"labour"}             // R16 info
	return s
}

func TestEvaluateOrder(t *testing.T) {
	got := Evaluate(mixedSnapshot(), MustParseDate(defaultAsOf), DefaultSettings())
	want := []string{"R01:critical", "R03:high", "R17:high", "R22:high", "R07:medium", "R20:medium", "R11:info", "R16:info"}
	var ids []string
	for _, fl := range got {
		ids = append(ids, fl.Rule+":"+string(fl.Severity))
	}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("got %v, want %v", ids, want)
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		if a.Severity.Rank() > b.Severity.Rank() || (a.Severity == b.Severity && a.Rule >= b.Rule) {
			t.Errorf("order: got %s:%s before %s:%s, want severity then rule id", a.Rule, a.Severity, b.Rule, b.Severity)
		}
	}
}

func TestEvaluateDeterministic(t *testing.T) {
	asOf := MustParseDate(defaultAsOf)
	for i, s := range benchSnapshots() {
		t.Run(fmt.Sprintf("snapshot %d", i), func(t *testing.T) {
			a := Evaluate(s, asOf, DefaultSettings())
			b := Evaluate(s, asOf, DefaultSettings())
			if !reflect.DeepEqual(a, b) {
				t.Errorf("got %+v then %+v, want identical results", a, b)
			}
		})
	}
}

// TestEvaluateResultsAreIndependent checks that a caller changing a flag's
// at_risk list or due date does not change the catalogue or other results.
func TestEvaluateResultsAreIndependent(t *testing.T) {
	asOf := MustParseDate(defaultAsOf)
	s := mixedSnapshot()
	first := Evaluate(s, asOf, DefaultSettings())
	for i := range first {
		for j := range first[i].AtRisk {
			first[i].AtRisk[j] = "changed"
		}
		first[i].AtRisk = append(first[i].AtRisk, "extra")
		if first[i].DueOn != nil {
			*first[i].DueOn = Date{}
		}
	}
	second := Evaluate(s, asOf, DefaultSettings())
	r22, _ := findFlag(second, "R22")
	if r22.DueOn == nil || r22.DueOn.String() != "2025-06-10" {
		t.Errorf("R22 due_on after mutating an earlier result: got %v, want 2025-06-10", r22.DueOn)
	}
	r01, _ := findFlag(second, "R01")
	if !reflect.DeepEqual(r01.AtRisk, resSvc) {
		t.Errorf("R01 at_risk after mutating an earlier result: got %v, want %v", r01.AtRisk, resSvc)
	}
	r03, _ := findFlag(second, "R03")
	if !reflect.DeepEqual(r03.AtRisk, svcRes) {
		t.Errorf("R03 at_risk after mutating an earlier result: got %v, want %v", r03.AtRisk, svcRes)
	}
}

func TestFlagJSON(t *testing.T) {
	s := quietSnapshot()
	inTemporary(&s)
	s.Proceedings, s.DismissedOn = ProceedingsDismissed, d("2025-06-01")
	flags := Evaluate(s, MustParseDate(defaultAsOf), DefaultSettings())
	r07, ok := findFlag(flags, "R07")
	if !ok {
		t.Fatalf("got %v, want R07", ruleIDs(flags))
	}
	b, err := json.Marshal(r07)
	if err != nil {
		t.Fatalf("marshal: got error %v, want none", err)
	}
	want := `{"rule":"R07","name":"dismissal-within-window","kind":"risk","severity":"critical",` +
		`"at_risk":["residence","services"],"title":"Case dismissed within two years of charges",` +
		`"detail":"Charges were filed on 2024-09-01 and the case was dismissed on 2025-06-01 (9 months later). Victim status, the residence permit and related services are expected to be withdrawn.",` +
		`"due_on":null,"basis":"report","source":{"document":"2025 Trafficking in Persons Report: Belgium","section":"PROTECTION",` +
		`"quote":` + mustJSON(t, quoteLoseStatus) + `},"recommendation":` + mustJSON(t, recServices) +
		`,"next_step":` + mustJSON(t, english["R07.next"]) + `}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	r22, _ := findFlag(flags, "R22")
	b, _ = json.Marshal(r22)
	if !strings.Contains(string(b), `"due_on":"2025-12-01"`) {
		t.Errorf("R22 JSON: got %s, want due_on 2025-12-01", b)
	}
}

func TestWhatIfDismissal(t *testing.T) {
	// docs/rules.md "What-if": a non-EU victim in temporary_permit, charged on 2024-09-01;
	// dismiss_case on 2025-06-01.
	before := quietSnapshot()
	inTemporary(&before)
	after := before
	after.Proceedings, after.DismissedOn = ProceedingsDismissed, d("2025-06-01")
	asOf := d("2025-06-01")
	fb := Evaluate(before, asOf, DefaultSettings())
	fa := Evaluate(after, asOf, DefaultSettings())
	if r07, ok := findFlag(fb, "R07"); !ok || r07.Kind != KindExposure || r07.Severity != SeverityMedium {
		t.Errorf("before: got R07 %+v (present %v), want a medium exposure", r07, ok)
	}
	r07, ok := findFlag(fa, "R07")
	if !ok || r07.Kind != KindRisk || r07.Severity != SeverityCritical {
		t.Errorf("after: got R07 %+v (present %v), want a critical risk", r07, ok)
	}
	if got, want := WouldLose(fb, fa), []string{"residence", "services"}; !reflect.DeepEqual(got, want) {
		t.Errorf("WouldLose: got %v, want %v", got, want)
	}
}

func TestWouldLose(t *testing.T) {
	crit := func(rule string, at ...string) Flag {
		return Flag{Rule: rule, Kind: KindRisk, Severity: SeverityCritical, AtRisk: at}
	}
	tests := []struct {
		name          string
		before, after []Flag
		want          []string
	}{
		{"nothing", nil, nil, []string{}},
		{"new critical risk, fixed order", nil,
			[]Flag{crit("R21", "child_protection"), crit("R02", "protection", "services", "residence")},
			[]string{"residence", "services", "protection", "child_protection"}},
		{"already lost before", []Flag{crit("R01", "residence", "services")},
			[]Flag{crit("R02", "residence", "services", "protection")},
			[]string{"protection"}},
		{"exposure and high risks do not count", nil,
			[]Flag{
				{Rule: "R07", Kind: KindExposure, Severity: SeverityCritical, AtRisk: []string{"residence"}},
				{Rule: "R03", Kind: KindRisk, Severity: SeverityHigh, AtRisk: []string{"services"}},
				{Rule: "R04", Kind: KindDeadline, Severity: SeverityCritical, AtRisk: []string{"protection"}},
			},
			[]string{}},
		{"lost values that disappear are not listed", []Flag{crit("R01", "residence")}, nil, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WouldLose(tt.before, tt.after)
			if got == nil {
				t.Fatalf("got nil, want a non-nil slice")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func findFlag(flags []Flag, rule string) (Flag, bool) {
	for _, fl := range flags {
		if fl.Rule == rule {
			return fl, true
		}
	}
	return Flag{}, false
}

func ruleIDs(flags []Flag) []string {
	ids := make([]string, len(flags))
	for i, fl := range flags {
		ids[i] = fl.Rule + ":" + string(fl.Kind) + ":" + string(fl.Severity)
	}
	return ids
}

func ruleInfo(id string) (RuleInfo, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return RuleInfo{}, false
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}
