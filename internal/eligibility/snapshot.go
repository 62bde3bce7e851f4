package eligibility

// Fact is a boolean fact about a case with the date it last changed.
type Fact struct {
	Value bool // the current value
	Since Date // the date it last changed; zero if never recorded
}

// Gap records that the last renewal or extension of a permit was recorded
// after the expiry it renewed. The zero value means there was no gap.
type Gap struct {
	Event     string // "renew_temporary_permit" or "extend_provisional_permit"
	Expired   Date   // the expiry that lapsed
	RenewedOn Date   // the date the renewal or extension was recorded
}

// IsZero reports whether g is the zero value (no gap).
func (g Gap) IsZero() bool {
	return g == Gap{}
}

// Snapshot holds the facts of one case that the rules read (docs/model.md "Facts
// the rules read"). Build it with NewSnapshot, which sets the facts whose
// default is true; a zero Snapshot{} reads as "not cooperating" and
// "guidance ended" and raises R02 and R03 in a permit state.
type Snapshot struct {
	State            State       // the residence and assistance track
	Proceedings      Proceedings // the criminal proceedings
	StateSince       Date        // the date the case entered its current state
	IdentifiedOn     Date        // identified_on
	PermitTrackStart Date        // first of start_reflection, file_complaint that issued a permit, issue_provisional_permit

	ReflectionStart   Date // start of the reflection period
	ReflectionEnd     Date // stored when start_reflection was recorded (start + ReflectionDays)
	ProvisionalExpiry Date // current provisional expiry, as stored
	Extensions        int  // extensions of the provisional permit recorded
	TemporaryExpiry   Date // current temporary expiry, as stored
	Renewals          int  // renewals of the temporary permit recorded
	LastGap           Gap  // the gap left by the last renewal or extension, if any

	ComplaintOn        Date // date of file_complaint
	ChargesOn          Date // date of file_charges
	RetainsTrafficking bool // the charges retain trafficking
	DismissedOn        Date // date of dismiss_case
	SettledOn          Date // date of settle_with_trafficker
	ImmunityOn         Date // date of record_diplomatic_immunity
	ConvictedOn        Date // date of record_conviction
	AcquittedOn        Date // date of record_acquittal

	DateOfBirth        Date     // zero = unknown
	Nationality        string   // ISO 3166-1 alpha-2, or "XX" for unknown
	Gender             string   // female, male, other, unknown
	UnaccompaniedMinor bool     // the case is marked unaccompanied minor
	Exploitation       []string // sexual, labour, forced_criminality, forced_begging, domestic_servitude, unspecified, other
	Shelter            string   // the shelter id
	ShelterOfficial    bool     // the shelter is an official NRM provider

	ContactWithTrafficker      Fact   // contact with the trafficker ongoing (default false)
	Cooperating                Fact   // cooperating with the authorities (default true)
	GuidanceActive             Fact   // guidance by a recognised centre active (default true)
	IdentityProven             Fact   // identity document provided (default false)
	GuardianshipNotified       Fact   // Guardianship Service notified (default false)
	PenalizationLinked         Fact   // a penalization linked to the exploitation is recorded
	NonPunishmentInvoked       Fact   // the non-punishment provision was invoked
	CompensationRoute          string // "", "court" or "fund"
	CompensationClaimedOn      Date   // date of claim_compensation
	PhysicalViolenceDocumented Fact   // physical violence documented for the claim
	CompensationAwarded        Fact   // compensation awarded
	LegalAid                   Fact   // legal aid granted
	CivilParty                 Fact   // joined as civil party
	Missing                    Fact   // reported missing and not found
	ProsecutorOpinion          string // "", "victim_confirmed", "unclear", "not_victim", "not_trafficking"
	ProsecutorOpinionOn        Date   // date of record_prosecutor_opinion or confirm_victim_status
	InformedOfRights           Fact   // informed of the rights to NRM services (default false)
	PenalizationRecorded       Fact   // a penalization is recorded, linked to the exploitation or not
	NonPunishmentOutcome       string // "", or the latest invoke_non_punishment's outcome: pending, applied, refused
	NonPunishmentOn            Date   // date of the latest invoke_non_punishment
	Sentence                   string // "", or the conviction's sentence: custodial, partially_suspended, fully_suspended, unknown
}

// NewSnapshot returns a snapshot with the defaults of docs/model.md "Facts the rules read": state
// identified, proceedings none, Cooperating and GuidanceActive true, every
// other fact false and every date zero.
func NewSnapshot() Snapshot {
	return Snapshot{
		State:          StateIdentified,
		Proceedings:    ProceedingsNone,
		Cooperating:    Fact{Value: true},
		GuidanceActive: Fact{Value: true},
	}
}

// EUCitizen reports whether the victim's nationality is an EU member state.
func (s Snapshot) EUCitizen() bool {
	return IsEUCitizen(s.Nationality)
}

// Minor reports whether the victim is a minor on the given date: with a date
// of birth, on is before the 18th birthday; without one, the case is marked
// unaccompanied minor.
func (s Snapshot) Minor(on Date) bool {
	if s.DateOfBirth.IsZero() {
		return s.UnaccompaniedMinor
	}
	return on.Before(Birthday18(s.DateOfBirth))
}
