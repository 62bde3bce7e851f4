package cases

import (
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Date is a civil date (Europe/Brussels), "YYYY-MM-DD" in JSON.
type Date = eligibility.Date

// State is the residence and assistance track of a case.
type State = eligibility.State

// Proceedings is the criminal case against the trafficker.
type Proceedings = eligibility.Proceedings

// FactValue is a boolean fact and the date it last changed.
type FactValue struct {
	Value bool `json:"value"`
	Since Date `json:"since"`
}

func (f FactValue) fact() eligibility.Fact { return eligibility.Fact{Value: f.Value, Since: f.Since} }

// Facts are what the events of a case established: periods, expiries,
// proceedings dates and the fact flags that the rules read. They are
// stored with the case as JSON; they hold no identity and no free text.
type Facts struct {
	StateSince       Date `json:"state_since"`
	PermitTrackStart Date `json:"permit_track_start"`

	ReflectionStart   Date `json:"reflection_start"`
	ReflectionEnd     Date `json:"reflection_end"`
	ProvisionalExpiry Date `json:"provisional_expiry"`
	Extensions        int  `json:"extensions"`
	TemporaryExpiry   Date `json:"temporary_expiry"`
	Renewals          int  `json:"renewals"`
	// The last renewal or extension, when it was recorded after the
	// expiry it renewed (rule R25).
	GapEvent     string `json:"gap_event,omitempty"`
	GapExpired   Date   `json:"gap_expired"`
	GapRenewedOn Date   `json:"gap_renewed_on"`

	ComplaintOn        Date `json:"complaint_on"`
	ChargesOn          Date `json:"charges_on"`
	RetainsTrafficking bool `json:"retains_trafficking"`
	DismissedOn        Date `json:"dismissed_on"`
	SettledOn          Date `json:"settled_on"`
	ImmunityOn         Date `json:"immunity_on"`
	ConvictedOn        Date `json:"convicted_on"`
	AcquittedOn        Date `json:"acquitted_on"`

	ContactWithTrafficker      FactValue `json:"contact_with_trafficker"`
	Cooperating                FactValue `json:"cooperating"`
	GuidanceActive             FactValue `json:"guidance_active"`
	IdentityProven             FactValue `json:"identity_proven"`
	GuardianshipNotified       FactValue `json:"guardianship_notified"`
	PenalizationLinked         FactValue `json:"penalization_linked"`
	NonPunishmentInvoked       FactValue `json:"non_punishment_invoked"`
	PhysicalViolenceDocumented FactValue `json:"physical_violence_documented"`
	CompensationAwarded        FactValue `json:"compensation_awarded"`
	LegalAid                   FactValue `json:"legal_aid"`
	CivilParty                 FactValue `json:"civil_party"`
	Missing                    FactValue `json:"missing"`
	CompensationRoute          string    `json:"compensation_route,omitempty"`
	CompensationClaimedOn      Date      `json:"compensation_claimed_on"`
	ProsecutorOpinion          string    `json:"prosecutor_opinion,omitempty"`
	ProsecutorOpinionOn        Date      `json:"prosecutor_opinion_on"`
	WithdrawalReason           string    `json:"withdrawal_reason,omitempty"`
	ClosedReason               string    `json:"closed_reason,omitempty"`

	// The state a case was in when contact was lost or when it was closed:
	// resume_procedure and reopen_case return to it.
	LeftFrom   State `json:"left_from,omitempty"`
	ClosedFrom State `json:"closed_from,omitempty"`

	InformedOfRights     FactValue `json:"informed_of_rights"`
	PenalizationRecorded FactValue `json:"penalization_recorded"`
	NonPunishmentOutcome string    `json:"non_punishment_outcome,omitempty"`
	NonPunishmentOn      Date      `json:"non_punishment_on"`
	Sentence             string    `json:"sentence,omitempty"`
}

// newFacts returns the facts of a newly identified case: cooperating and
// under guidance (the defaults of docs/model.md "Facts the rules read"), in its state since identifiedOn.
func newFacts(identifiedOn Date) Facts {
	return Facts{
		StateSince:     identifiedOn,
		Cooperating:    FactValue{Value: true},
		GuidanceActive: FactValue{Value: true},
	}
}

// nrmCase is the part of a case that the state machine and the rules read:
// both tracks, the facts, and the victim's attributes that decide the path.
type nrmCase struct {
	State              State
	Proceedings        Proceedings
	Facts              Facts
	IdentifiedOn       Date
	LastEventOn        Date
	Nationality        string
	Gender             string
	DateOfBirth        Date
	UnaccompaniedMinor bool
	Exploitation       []string
	Shelter            string
	ShelterOfficial    bool
}

func (n nrmCase) euCitizen() bool { return eligibility.IsEUCitizen(n.Nationality) }

// snapshot converts the case into the rules' input.
func (n nrmCase) snapshot() eligibility.Snapshot {
	f := n.Facts
	s := eligibility.NewSnapshot()
	s.State, s.Proceedings = n.State, n.Proceedings
	s.StateSince, s.IdentifiedOn, s.PermitTrackStart = f.StateSince, n.IdentifiedOn, f.PermitTrackStart
	s.ReflectionStart, s.ReflectionEnd = f.ReflectionStart, f.ReflectionEnd
	s.ProvisionalExpiry, s.Extensions = f.ProvisionalExpiry, f.Extensions
	s.TemporaryExpiry, s.Renewals = f.TemporaryExpiry, f.Renewals
	if f.GapEvent != "" {
		s.LastGap = eligibility.Gap{Event: f.GapEvent, Expired: f.GapExpired, RenewedOn: f.GapRenewedOn}
	}
	s.ComplaintOn, s.ChargesOn, s.RetainsTrafficking = f.ComplaintOn, f.ChargesOn, f.RetainsTrafficking
	s.DismissedOn, s.SettledOn, s.ImmunityOn = f.DismissedOn, f.SettledOn, f.ImmunityOn
	s.ConvictedOn, s.AcquittedOn = f.ConvictedOn, f.AcquittedOn
	s.DateOfBirth, s.Nationality, s.Gender = n.DateOfBirth, n.Nationality, n.Gender
	s.UnaccompaniedMinor, s.Exploitation = n.UnaccompaniedMinor, n.Exploitation
	s.Shelter, s.ShelterOfficial = n.Shelter, n.ShelterOfficial
	s.ContactWithTrafficker = f.ContactWithTrafficker.fact()
	s.Cooperating = f.Cooperating.fact()
	s.GuidanceActive = f.GuidanceActive.fact()
	s.IdentityProven = f.IdentityProven.fact()
	s.GuardianshipNotified = f.GuardianshipNotified.fact()
	s.PenalizationLinked = f.PenalizationLinked.fact()
	s.NonPunishmentInvoked = f.NonPunishmentInvoked.fact()
	s.CompensationRoute, s.CompensationClaimedOn = f.CompensationRoute, f.CompensationClaimedOn
	s.PhysicalViolenceDocumented = f.PhysicalViolenceDocumented.fact()
	s.CompensationAwarded = f.CompensationAwarded.fact()
	s.LegalAid = f.LegalAid.fact()
	s.CivilParty = f.CivilParty.fact()
	s.Missing = f.Missing.fact()
	s.ProsecutorOpinion, s.ProsecutorOpinionOn = f.ProsecutorOpinion, f.ProsecutorOpinionOn
	s.InformedOfRights = f.InformedOfRights.fact()
	s.PenalizationRecorded = f.PenalizationRecorded.fact()
	s.NonPunishmentOutcome, s.NonPunishmentOn = f.NonPunishmentOutcome, f.NonPunishmentOn
	s.Sentence = f.Sentence
	return s
}
