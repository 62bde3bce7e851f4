package eligibility

// The quotes of rules.md, copied exactly from the PROTECTION section of the
// seed report (a test checks each against docs/sources/tip-2025-belgium.md).
const (
	quoteConditions         = "The government conditioned its victim assistance services on three criteria: victims had to end contact with the trafficker, agree to counseling at a shelter, and assist in the prosecution of the trafficker."
	quoteDeportation        = "In addition, foreign victims were only granted relief from deportation if they participated in criminal justice proceedings."
	quoteReflection         = "Identified victims were eligible for a 45-day reflection period to decide whether to participate in criminal justice proceedings; the government repatriated foreign victims who chose not to do so to their country of origin."
	quoteSixMonthPermit     = "If a public prosecutor confirmed the individual was a trafficking victim, they could receive a six-month residence and work permit, renewable until the end of the criminal case; victims who were not citizens of EU member states could obtain permanent residency only upon the successful conviction of traffickers."
	quoteLoseStatus         = "victims could lose their official victim status – along with residence permits and related services – if a settlement was reached with the trafficker prior to indictment, the case was dismissed within two years of charges being filed, or the alleged perpetrator had diplomatic immunity."
	quoteDifficult          = "Nonetheless, observers noted the conditions the government attached to victim assistance were difficult for many victims to meet, especially for child victims."
	quoteIndefinite         = "In the absence of a conviction, authorities could grant residence permits indefinitely to non-EU victims if authorities were able to bring formal charges against the trafficker."
	quoteChildResidence     = "Few child victims received residence permits, and GRETA expressed concern residency for non-EU child victims was contingent upon cooperation with law enforcement instead of the best interest of the child."
	quoteNotify             = "Authorities sometimes failed to properly notify child protective services when they identified an unaccompanied child victim."
	quotePenalization       = "Gaps in identification efforts made victims, especially victims of forced criminality, vulnerable to inappropriate penalization solely for unlawful acts committed as a direct result of being trafficked."
	quoteCompensation       = "Victims could claim compensation in local courts but often had to prove their case involved physical violence to receive compensation. Victims could also seek compensation through a compensation fund for victims of violence; GRETA noted the requirements for victims to claim compensation from this fund were often difficult to meet."
	quoteOfficialShelters   = "The three NGO-run shelters were formally recognized as part of the government's official anti-trafficking response; other organizations, including those accommodating child victims, were not considered official victim service providers under the NRM."
	quoteDeclined           = "Victims who chose not to accept the conditions were eligible for other types of assistance, including access to temporary housing and psycho-social care, and non-EU victims could apply for humanitarian residency."
	quotePermanentResidency = "victims who were not citizens of EU member states could obtain permanent residency only upon the successful conviction of traffickers."
	quoteLegalCosts         = "The high costs of legal representation often discouraged victims from choosing to participate in criminal and civil proceedings and prevented many from seeking compensation."
	quoteMissing            = "Shelters for asylum seekers, including unaccompanied children, faced significant strain, and many children reportedly went missing from shelters each year; these children were vulnerable to trafficking."
	quoteShelterCapacity    = "GRETA previously noted, however, that the limited capacity of the official specialized shelters hindered potential victims' access to services; victims were not often fully informed of their right to such services unless they had contact with the shelters."
)

// The seed's PRIORITIZED RECOMMENDATIONS used by the rules, verbatim.
const (
	recServices      = "Ensure victims have access to the full range of services regardless of the outcome of the case against the trafficker or whether they choose to participate in criminal justice proceedings."
	recIdentify      = "Train officials on the use of procedures for the proactive identification of trafficking victims among vulnerable populations, including victims of forced criminality and child victims, and for the referral of victims to care."
	recVictimWitness = "Implement a systemic victim-witness assistance program to increase protective services for victims participating in criminal justice proceedings."
	recPenalization  = "Ensure victims are not inappropriately penalized solely for unlawful acts committed as a direct result of being trafficked."
	recRestitution   = "Improve victims' ability to access court-ordered restitution in criminal cases and ensure victims exploited by means other than physical violence have full access to victim compensation."
)

// RuleInfo describes one rule of the catalogue.
type RuleInfo struct {
	ID             string // R01 … R25
	Name           string // e.g. "dismissal-within-window"
	Basis          Basis  // statute, practice, report or inferred
	Quote          string // the passage of the seed report the rule rests on
	Recommendation string // the seed's prioritized recommendation addressing the condition, "" when none
}

// ruleDef is one entry of the catalogue: the fixed parts of the rule's flag.
type ruleDef struct {
	id, name      string
	basis         Basis
	atRisk        []string // in the order of the rules.md table
	quote         string
	rec           string
	title         string // title of the risk or deadline form (or the only form)
	exposureTitle string // title of the exposure form, when the rule has one
}

// catalogue is the rule set of rules.md, in rule id order. It is read-only:
// Rules copies it and Evaluate copies the at_risk lists into each flag.
var catalogue = [...]ruleDef{
	{id: "R01", name: "contact-with-trafficker", basis: BasisPractice,
		atRisk: []string{AtRiskResidence, AtRiskServices}, quote: quoteConditions, rec: recServices,
		title: "Contact with the trafficker is ongoing"},
	{id: "R02", name: "stopped-cooperating", basis: BasisPractice,
		atRisk: []string{AtRiskResidence, AtRiskServices, AtRiskProtection}, quote: quoteDeportation, rec: recServices,
		title: "The victim stopped cooperating with the authorities"},
	{id: "R03", name: "guidance-ended", basis: BasisPractice,
		atRisk: []string{AtRiskServices, AtRiskResidence}, quote: quoteConditions, rec: recServices,
		title: "Guidance by the recognised centre ended"},
	{id: "R04", name: "reflection-ending", basis: BasisStatute,
		atRisk: []string{AtRiskResidence, AtRiskProtection}, quote: quoteReflection, rec: recServices,
		title: "The reflection period is ending"},
	{id: "R05", name: "provisional-permit-without-confirmation", basis: BasisPractice,
		atRisk: []string{AtRiskResidence}, quote: quoteSixMonthPermit, rec: recServices,
		title: "The provisional permit expires without confirmed victim status"},
	{id: "R06", name: "prosecutor-negative-opinion", basis: BasisPractice,
		atRisk: []string{AtRiskResidence, AtRiskServices}, quote: quoteSixMonthPermit, rec: recServices,
		title: "The prosecutor gave a negative opinion"},
	{id: "R07", name: "dismissal-within-window", basis: BasisReport,
		atRisk: []string{AtRiskResidence, AtRiskServices}, quote: quoteLoseStatus, rec: recServices,
		title:         "Case dismissed within two years of charges",
		exposureTitle: "A dismissal would end victim status"},
	{id: "R08", name: "settlement-before-indictment", basis: BasisReport,
		atRisk: []string{AtRiskResidence, AtRiskServices}, quote: quoteLoseStatus, rec: recServices,
		title:         "Case settled with the trafficker before indictment",
		exposureTitle: "A settlement before indictment would end victim status"},
	{id: "R09", name: "diplomatic-immunity", basis: BasisReport,
		atRisk: []string{AtRiskResidence, AtRiskServices}, quote: quoteLoseStatus, rec: recServices,
		title: "The alleged perpetrator has diplomatic immunity"},
	{id: "R10", name: "identity-not-proven", basis: BasisPractice,
		atRisk: []string{AtRiskResidence}, quote: quoteDifficult, rec: recServices,
		title: "Identity is not proven for the next permit"},
	{id: "R11", name: "indefinite-stay-needs-conviction", basis: BasisReport,
		atRisk: []string{AtRiskResidence}, quote: quoteIndefinite, rec: recServices,
		title:         "Acquittal: indefinite stay is out of reach",
		exposureTitle: "Indefinite stay needs a conviction or charges retaining trafficking"},
	{id: "R12", name: "child-residence-tied-to-cooperation", basis: BasisReport,
		atRisk: []string{AtRiskResidence, AtRiskChildProtection}, quote: quoteChildResidence, rec: recServices,
		exposureTitle: "The child's residence depends on cooperation"},
	{id: "R13", name: "guardianship-not-notified", basis: BasisReport,
		atRisk: []string{AtRiskChildProtection}, quote: quoteNotify, rec: recIdentify,
		title: "The Guardianship Service has not been notified"},
	{id: "R14", name: "turning-18", basis: BasisInferred,
		atRisk: []string{AtRiskChildProtection, AtRiskResidence}, quote: quoteChildResidence, rec: recServices,
		title: "The victim turns 18 soon"},
	{id: "R15", name: "penalization-risk", basis: BasisReport,
		atRisk: []string{AtRiskProtection}, quote: quotePenalization, rec: recPenalization,
		title:         "A penalization linked to the exploitation is recorded",
		exposureTitle: "Forced criminality exposes the victim to penalization"},
	{id: "R16", name: "compensation-needs-physical-violence", basis: BasisReport,
		atRisk: []string{AtRiskCompensation}, quote: quoteCompensation, rec: recRestitution,
		title:         "Compensation claimed without documented physical violence",
		exposureTitle: "Compensation would need proof of physical violence"},
	{id: "R17", name: "unofficial-provider", basis: BasisReport,
		atRisk: []string{AtRiskServices, AtRiskResidence}, quote: quoteOfficialShelters, rec: recIdentify,
		title: "The shelter is not an official NRM provider"},
	{id: "R18", name: "declined-conditions", basis: BasisReport,
		atRisk: []string{AtRiskResidence, AtRiskProtection}, quote: quoteDeclined, rec: recServices,
		title: "Conditions declined: no residence permit"},
	{id: "R19", name: "eu-citizen-procedure", basis: BasisInferred,
		atRisk: []string{AtRiskServices}, quote: quotePermanentResidency, rec: recServices,
		exposureTitle: "EU citizen: the residence ladder does not apply"},
	{id: "R20", name: "legal-costs-barrier", basis: BasisReport,
		atRisk: []string{AtRiskCompensation}, quote: quoteLegalCosts, rec: recVictimWitness,
		exposureTitle: "Legal costs may block participation and compensation"},
	{id: "R21", name: "missing-child", basis: BasisReport,
		atRisk: []string{AtRiskChildProtection}, quote: quoteMissing, rec: recIdentify,
		title: "A child is missing"},
	{id: "R22", name: "permit-renewal", basis: BasisPractice,
		atRisk: []string{AtRiskResidence}, quote: quoteSixMonthPermit, rec: recServices,
		title: "The temporary permit must be renewed"},
	{id: "R23", name: "status-lost", basis: BasisReport,
		atRisk: []string{AtRiskResidence, AtRiskServices, AtRiskProtection}, quote: quoteLoseStatus, rec: recServices,
		title: "Victim status was withdrawn"},
	{id: "R24", name: "no-decision-after-identification", basis: BasisReport,
		atRisk: []string{AtRiskResidence}, quote: quoteShelterCapacity, rec: recIdentify,
		title: "No decision since identification"},
	{id: "R25", name: "permit-gap", basis: BasisPractice,
		atRisk: []string{AtRiskResidence}, quote: quoteSixMonthPermit, rec: recServices,
		title: "The victim was left without a valid permit"},
}

// Rules returns the catalogue R01 … R25 in rule id order, in a new slice.
func Rules() []RuleInfo {
	out := make([]RuleInfo, len(catalogue))
	for i := range catalogue {
		r := &catalogue[i]
		out[i] = RuleInfo{ID: r.id, Name: r.name, Basis: r.basis, Quote: r.quote, Recommendation: r.rec}
	}
	return out
}
