package eligibility

// The quotes of docs/rules.md "Quotes", copied exactly from the PROTECTION section of the
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
	quoteNonPunishment      = "Belgian law included a non-punishment provision, but GRETA and an NGO noted inconsistencies in authorities' application of the provision. For example, GRETA noted authorities rarely properly identified child victims of forced criminality and instead treated them as underage offenders."
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
