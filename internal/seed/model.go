package seed

import (
	"fmt"
	"strings"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

type (
	// Date is a civil date in Europe/Brussels.
	Date        = eligibility.Date
	state       = eligibility.State
	proceedings = eligibility.Proceedings
)

// model replays a plan's events the way internal/case does, for the events
// the generator uses: the transitions of nrm.md's two state machines, the
// guards, and the facts each event establishes. The generator uses it to
// produce only valid paths; Bulk uses it to compute the stored state,
// facts, flags and deadlines without the service. seed_test.go checks it
// against the service.
type model struct {
	State              state
	Proceedings        proceedings
	Facts              cases.Facts
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

// newModel returns the model of a newly created case (cases.Service
// Create): identified, proceedings none, cooperating and under guidance.
func newModel(p *Plan, official bool) (model, error) {
	identified, err := eligibility.ParseDate(p.Case.IdentifiedOn)
	if err != nil {
		return model{}, fmt.Errorf("seed: identified_on: %w", err)
	}
	var dob Date
	if p.Case.Victim.DateOfBirth != "" {
		if dob, err = eligibility.ParseDate(p.Case.Victim.DateOfBirth); err != nil {
			return model{}, fmt.Errorf("seed: date_of_birth: %w", err)
		}
	}
	gender := p.Case.Victim.Gender
	if gender == "" {
		gender = "unknown"
	}
	expl := canonicalExploitation(p.Case.Exploitation)
	m := model{
		State: eligibility.StateIdentified, Proceedings: eligibility.ProceedingsNone,
		Facts: cases.Facts{
			StateSince:     identified,
			Cooperating:    cases.FactValue{Value: true},
			GuidanceActive: cases.FactValue{Value: true},
		},
		IdentifiedOn: identified, LastEventOn: identified,
		Nationality: p.Case.Victim.Nationality, Gender: gender, DateOfBirth: dob,
		UnaccompaniedMinor: p.Case.Victim.UnaccompaniedMinor,
		Exploitation:       splitExploitation(expl), Shelter: p.Shelter, ShelterOfficial: official,
	}
	return m, nil
}

// canonicalExploitation orders exploitation types as cases.ExploitationTypes
// does and joins them with commas (the stored form).
func canonicalExploitation(in []string) string {
	var out []string
	for _, t := range cases.ExploitationTypes {
		for _, v := range in {
			if v == t {
				out = append(out, t)
				break
			}
		}
	}
	return strings.Join(out, ",")
}

func splitExploitation(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func (m *model) eu() bool { return eligibility.IsEUCitizen(m.Nationality) }

func isState(s state, set ...state) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

func isProceedings(p proceedings, set ...proceedings) bool {
	for _, v := range set {
		if p == v {
			return true
		}
	}
	return false
}

// next returns the states after event t, or an error when the service would
// refuse it. It covers every event the generator emits.
func (m *model) next(t cases.EventType, on Date, set eligibility.Settings) (state, proceedings, error) {
	const (
		identified  = eligibility.StateIdentified
		reflection  = eligibility.StateReflection
		provisional = eligibility.StateProvisionalPermit
		temporary   = eligibility.StateTemporaryPermit
		declined    = eligibility.StateDeclined
		withdrawn   = eligibility.StateStatusWithdrawn
		left        = eligibility.StateLeftProcedure
		returned    = eligibility.StateReturned
	)
	s, p := m.State, m.Proceedings
	refuse := func(why string) (state, proceedings, error) {
		return s, p, fmt.Errorf("seed: %s refused in state %s, proceedings %s: %s", t, s, p, why)
	}
	if s == eligibility.StateClosed {
		return refuse("the case is closed")
	}
	openProceedings := []proceedings{eligibility.ProceedingsComplaintFiled, eligibility.ProceedingsCharged}
	switch t {
	case cases.StartReflection:
		if m.eu() || s != identified {
			return refuse("no such transition")
		}
		s = reflection
	case cases.FileComplaint:
		if p != eligibility.ProceedingsNone {
			return refuse("a complaint was already filed")
		}
		p = eligibility.ProceedingsComplaintFiled
		if !m.eu() && isState(s, identified, reflection, declined) {
			s = provisional
		}
	case cases.IssueProvisionalPermit:
		if m.eu() || s != identified || !m.UnaccompaniedMinor || !m.snapshot().Minor(on) {
			return refuse("only for unaccompanied minors in state identified")
		}
		s = provisional
	case cases.ExtendProvisionalPermit:
		if s != provisional || m.Facts.Extensions >= set.ProvisionalExtensions {
			return refuse("no extension left")
		}
	case cases.ConfirmVictimStatus:
		if s != provisional {
			return refuse("no provisional permit")
		}
		s = temporary
	case cases.RenewTemporaryPermit:
		if s != temporary {
			return refuse("no temporary permit")
		}
	case cases.GrantIndefiniteStay:
		ok := p == eligibility.ProceedingsConvicted || (p == eligibility.ProceedingsCharged && m.Facts.RetainsTrafficking)
		if s != temporary || !ok {
			return refuse("requires a temporary permit and a conviction")
		}
		s = eligibility.StateIndefiniteStay
	case cases.StartEUAssistance:
		if !m.eu() || s != identified {
			return refuse("only for EU citizens in state identified")
		}
		s = eligibility.StateEUAssistance
	case cases.DeclineCooperation:
		if !isState(s, identified, reflection) {
			return refuse("no such transition")
		}
		s = declined
	case cases.WithdrawStatus:
		if !isState(s, reflection, provisional, temporary) {
			return refuse("no such transition")
		}
		s = withdrawn
	case cases.ApplyHumanitarianResidence:
		if m.eu() || !isState(s, declined, withdrawn, left) {
			return refuse("no such transition")
		}
		s = eligibility.StateHumanitarianApplication
	case cases.ReturnHome:
		if s == returned {
			return refuse("already returned")
		}
		s = returned
	case cases.LoseContact:
		if isState(s, returned, left) {
			return refuse("no such transition")
		}
		s = left
	case cases.CloseCase:
		s = eligibility.StateClosed
	case cases.FileCharges:
		if p != eligibility.ProceedingsComplaintFiled {
			return refuse("no complaint filed")
		}
		p = eligibility.ProceedingsCharged
	case cases.RecordConviction:
		if p != eligibility.ProceedingsCharged {
			return refuse("no charges")
		}
		p = eligibility.ProceedingsConvicted
	case cases.RecordAcquittal:
		if p != eligibility.ProceedingsCharged {
			return refuse("no charges")
		}
		p = eligibility.ProceedingsAcquitted
	case cases.DismissCase:
		if !isProceedings(p, openProceedings...) {
			return refuse("no open proceedings")
		}
		p = eligibility.ProceedingsDismissed
	case cases.SettleWithTrafficker:
		if !isProceedings(p, openProceedings...) {
			return refuse("no open proceedings")
		}
		p = eligibility.ProceedingsSettled
	case cases.RecordProsecutorOpinion, cases.RecordContactWithTrafficker, cases.EndContactWithTrafficker,
		cases.StopCooperating, cases.ResumeCooperating, cases.EndGuidance, cases.ResumeGuidance,
		cases.ProveIdentity, cases.NotifyGuardianship, cases.RecordPenalization, cases.InvokeNonPunishment,
		cases.ClaimCompensation, cases.AwardCompensation, cases.GrantLegalAid, cases.JoinAsCivilParty,
		cases.ReportMissing, cases.ReportFound:
		// fact events: any open state, no change of state
	default:
		return refuse("not modelled by the seed generator")
	}
	return s, p, nil
}

// apply records event e on the model, as cases.Service.RecordEvent does.
func (m *model) apply(e Event, set eligibility.Settings) error {
	floor := m.LastEventOn
	if floor.Before(m.IdentifiedOn) {
		floor = m.IdentifiedOn
	}
	if e.On.Before(floor) {
		return fmt.Errorf("seed: %s on %s is before the latest event %s", e.Type, e.On, floor)
	}
	s, p, err := m.next(e.Type, e.On, set)
	if err != nil {
		return err
	}
	before := m.State
	m.State, m.Proceedings = s, p
	if m.State != before {
		m.Facts.StateSince = e.On
	}
	m.updateFacts(e, before, set)
	m.LastEventOn = e.On
	return nil
}

// updateFacts mirrors internal/case's updateFacts for every event.
func (m *model) updateFacts(e Event, before state, set eligibility.Settings) {
	f := &m.Facts
	on := e.On
	startPermitTrack := func() {
		if f.PermitTrackStart.IsZero() {
			f.PermitTrackStart = on
		}
	}
	issueProvisional := func() {
		startPermitTrack()
		f.ProvisionalExpiry = on.AddMonths(set.ProvisionalMonths)
		f.Extensions = 0
	}
	renew := func(current Date, months int) Date {
		if on.After(current) {
			f.GapEvent, f.GapExpired, f.GapRenewedOn = string(e.Type), current, on
			return on.AddMonths(months)
		}
		f.GapEvent, f.GapExpired, f.GapRenewedOn = "", Date{}, Date{}
		return current.AddMonths(months)
	}
	fact := func(fv *cases.FactValue, v bool) { *fv = cases.FactValue{Value: v, Since: on} }
	str := func(k string) string { s, _ := e.Data[k].(string); return s }
	boolean := func(k string) bool { b, _ := e.Data[k].(bool); return b }

	switch e.Type {
	case cases.StartReflection:
		startPermitTrack()
		f.ReflectionStart = on
		f.ReflectionEnd = on.AddDays(set.ReflectionDays)
	case cases.FileComplaint:
		f.ComplaintOn = on
		if m.State == eligibility.StateProvisionalPermit && before != eligibility.StateProvisionalPermit {
			issueProvisional()
		}
	case cases.IssueProvisionalPermit:
		issueProvisional()
	case cases.ExtendProvisionalPermit:
		f.ProvisionalExpiry = renew(f.ProvisionalExpiry, set.ProvisionalExtensionMonths)
		f.Extensions++
	case cases.ConfirmVictimStatus:
		f.TemporaryExpiry = on.AddMonths(set.TemporaryMonths)
		f.Renewals = 0
	case cases.RenewTemporaryPermit:
		f.TemporaryExpiry = renew(f.TemporaryExpiry, set.TemporaryMonths)
		f.Renewals++
	case cases.RecordProsecutorOpinion:
		f.ProsecutorOpinion, f.ProsecutorOpinionOn = str("opinion"), on
	case cases.FileCharges:
		f.ChargesOn, f.RetainsTrafficking = on, boolean("retains_trafficking")
	case cases.RecordConviction:
		f.ConvictedOn = on
	case cases.RecordAcquittal:
		f.AcquittedOn = on
	case cases.DismissCase:
		f.DismissedOn = on
	case cases.SettleWithTrafficker:
		f.SettledOn = on
	case cases.WithdrawStatus:
		f.WithdrawalReason = str("reason")
	case cases.CloseCase:
		f.ClosedReason = str("reason")
	case cases.RecordContactWithTrafficker:
		fact(&f.ContactWithTrafficker, true)
	case cases.EndContactWithTrafficker:
		fact(&f.ContactWithTrafficker, false)
	case cases.StopCooperating:
		fact(&f.Cooperating, false)
	case cases.ResumeCooperating:
		fact(&f.Cooperating, true)
	case cases.EndGuidance:
		fact(&f.GuidanceActive, false)
	case cases.ResumeGuidance:
		fact(&f.GuidanceActive, true)
	case cases.ProveIdentity:
		fact(&f.IdentityProven, true)
	case cases.NotifyGuardianship:
		fact(&f.GuardianshipNotified, true)
	case cases.RecordPenalization:
		if boolean("linked_to_exploitation") {
			fact(&f.PenalizationLinked, true)
		}
	case cases.InvokeNonPunishment:
		fact(&f.NonPunishmentInvoked, true)
	case cases.ClaimCompensation:
		f.CompensationRoute, f.CompensationClaimedOn = str("route"), on
		if boolean("physical_violence_documented") {
			fact(&f.PhysicalViolenceDocumented, true)
		}
	case cases.AwardCompensation:
		fact(&f.CompensationAwarded, true)
	case cases.GrantLegalAid:
		fact(&f.LegalAid, true)
	case cases.JoinAsCivilParty:
		fact(&f.CivilParty, true)
	case cases.ReportMissing:
		fact(&f.Missing, true)
	case cases.ReportFound:
		fact(&f.Missing, false)
	}
}

// snapshot converts the model into the rules' input, as internal/case does.
func (m *model) snapshot() eligibility.Snapshot {
	f := m.Facts
	fact := func(v cases.FactValue) eligibility.Fact { return eligibility.Fact{Value: v.Value, Since: v.Since} }
	s := eligibility.NewSnapshot()
	s.State, s.Proceedings = m.State, m.Proceedings
	s.StateSince, s.IdentifiedOn, s.PermitTrackStart = f.StateSince, m.IdentifiedOn, f.PermitTrackStart
	s.ReflectionStart, s.ReflectionEnd = f.ReflectionStart, f.ReflectionEnd
	s.ProvisionalExpiry, s.Extensions = f.ProvisionalExpiry, f.Extensions
	s.TemporaryExpiry, s.Renewals = f.TemporaryExpiry, f.Renewals
	if f.GapEvent != "" {
		s.LastGap = eligibility.Gap{Event: f.GapEvent, Expired: f.GapExpired, RenewedOn: f.GapRenewedOn}
	}
	s.ComplaintOn, s.ChargesOn, s.RetainsTrafficking = f.ComplaintOn, f.ChargesOn, f.RetainsTrafficking
	s.DismissedOn, s.SettledOn, s.ImmunityOn = f.DismissedOn, f.SettledOn, f.ImmunityOn
	s.ConvictedOn, s.AcquittedOn = f.ConvictedOn, f.AcquittedOn
	s.DateOfBirth, s.Nationality, s.Gender = m.DateOfBirth, m.Nationality, m.Gender
	s.UnaccompaniedMinor, s.Exploitation = m.UnaccompaniedMinor, m.Exploitation
	s.Shelter, s.ShelterOfficial = m.Shelter, m.ShelterOfficial
	s.ContactWithTrafficker = fact(f.ContactWithTrafficker)
	s.Cooperating = fact(f.Cooperating)
	s.GuidanceActive = fact(f.GuidanceActive)
	s.IdentityProven = fact(f.IdentityProven)
	s.GuardianshipNotified = fact(f.GuardianshipNotified)
	s.PenalizationLinked = fact(f.PenalizationLinked)
	s.NonPunishmentInvoked = fact(f.NonPunishmentInvoked)
	s.CompensationRoute, s.CompensationClaimedOn = f.CompensationRoute, f.CompensationClaimedOn
	s.PhysicalViolenceDocumented = fact(f.PhysicalViolenceDocumented)
	s.CompensationAwarded = fact(f.CompensationAwarded)
	s.LegalAid = fact(f.LegalAid)
	s.CivilParty = fact(f.CivilParty)
	s.Missing = fact(f.Missing)
	s.ProsecutorOpinion, s.ProsecutorOpinionOn = f.ProsecutorOpinion, f.ProsecutorOpinionOn
	return s
}

// ageBand is the victim's age band on the identification date, as
// internal/case stores it.
func ageBand(dob, identified Date) string {
	if dob.IsZero() {
		return "unknown"
	}
	age := identified.Year - dob.Year
	if identified.Before(dob.AddYears(age)) {
		age--
	}
	switch {
	case age < 14:
		return "0-13"
	case age < 18:
		return "14-17"
	case age < 25:
		return "18-24"
	case age < 35:
		return "25-34"
	case age < 50:
		return "35-49"
	default:
		return "50+"
	}
}
