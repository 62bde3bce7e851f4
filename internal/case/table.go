package cases

import (
	"fmt"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// The event table (docs/model.md "Events"): one row per event, in the
// order of allowed_events. A row holds everything about its event: how it
// moves the residence track (`state`) and the criminal track
// (`proceedings`), its guard, the data it takes and what it establishes in
// the facts. The state machines are built from these rows and nothing
// else; adding an event is adding a row and its tests.

// eventDef is one row of the event table.
type eventDef struct {
	typ EventType
	// state lists the residence-track moves, applied in order (a later
	// edge replaces an earlier one from the same source).
	state []edge
	// proceedings lists the criminal-track moves; nil for an event that
	// leaves the proceedings alone (accepted whatever they are).
	proceedings []pedge
	// guard returns why the event cannot happen now for a reason other
	// than the states ("" when it can). It runs inside the state machine,
	// as its before-event callback.
	guard func(n *nrmCase, on Date, set eligibility.Settings) string
	data  []field
	// effect records in the facts what the event established.
	effect func(x *effect)
}

// edge is a residence-track move: from each of from (every open state
// when from is nil, but those in except) to `to`; to == "" keeps the
// state. nonEU edges apply only to victims who are not EU citizens.
type edge struct {
	from   []State
	except []State
	to     State
	nonEU  bool
	// back, when set, gives the destination from the case's facts: the
	// state recorded when the case left the path (resume_procedure,
	// reopen_case). The machine is built with it for each change.
	back func(f *Facts) State
}

// pedge is a criminal-track move.
type pedge struct {
	from []Proceedings
	to   Proceedings
}

// move is from → to; stay keeps any open state but except; anyTo moves
// every open state but except.
func move(to State, from ...State) edge               { return edge{from: from, to: to} }
func stay(except ...State) edge                       { return edge{except: except} }
func anyTo(to State, except ...State) edge            { return edge{except: except, to: to} }
func nonEU(e edge) edge                               { e.nonEU = true; return e }
func pmove(to Proceedings, from ...Proceedings) pedge { return pedge{from: from, to: to} }

// Shorter names for the rows.
const (
	identified  = eligibility.StateIdentified
	reflection  = eligibility.StateReflection
	provisional = eligibility.StateProvisionalPermit
	temporary   = eligibility.StateTemporaryPermit
	indefinite  = eligibility.StateIndefiniteStay
	euAssist    = eligibility.StateEUAssistance
	declined    = eligibility.StateDeclined
	withdrawn   = eligibility.StateStatusWithdrawn
	humanitar   = eligibility.StateHumanitarianApplication
	returned    = eligibility.StateReturned
	leftProc    = eligibility.StateLeftProcedure
	closed      = eligibility.StateClosed

	pNone      = eligibility.ProceedingsNone
	pComplaint = eligibility.ProceedingsComplaintFiled
	pCharged   = eligibility.ProceedingsCharged
	pConvicted = eligibility.ProceedingsConvicted
	pAcquitted = eligibility.ProceedingsAcquitted
	pDismissed = eligibility.ProceedingsDismissed
	pSettled   = eligibility.ProceedingsSettled
	pImmunity  = eligibility.ProceedingsImmunity
)

var (
	withdrawReasons = []string{"contact_with_trafficker", "stopped_cooperating", "prosecutor_opinion", "dismissal",
		"settlement", "diplomatic_immunity", "acquittal", "public_order", "fraud", "other"}
	closeReasons = []string{"victim_request", "returned", "moved_shelter", "indefinite_stay_settled", "no_contact",
		"deceased", "other"}
	opinions      = []string{"victim_confirmed", "unclear", "not_victim", "not_trafficking"}
	offences      = []string{"theft", "drugs", "document_fraud", "immigration", "prostitution_related", "begging", "other"}
	routes        = []string{"court", "fund"}
	reopenReasons = []string{"victim_request", "closed_by_mistake", "new_facts", "other"}
	sentences     = []string{"custodial", "partially_suspended", "fully_suspended", "unknown"}
	outcomes      = []string{"pending", "applied", "refused"}
	// resumable are the states a victim who lost contact can come back to.
	resumable = []State{identified, reflection, provisional, temporary, euAssist}
)

// Guards shared by several rows.
func notEU(n *nrmCase, _ Date, _ eligibility.Settings) string {
	if n.euCitizen() {
		return "not open to EU citizens"
	}
	return ""
}

// fact is the row of an event that changes facts only: accepted in any
// open state, whatever the proceedings.
func fact(t EventType, effect func(x *effect), data ...field) eventDef {
	return eventDef{typ: t, state: []edge{stay()}, data: data, effect: effect}
}

// criminal is the row of an event that moves the proceedings only.
func criminal(t EventType, p []pedge, effect func(x *effect), data ...field) eventDef {
	return eventDef{typ: t, state: []edge{stay()}, proceedings: p, data: data, effect: effect}
}

func enum(name string, values []string, required bool) field {
	return field{name: name, kind: "enum", values: values, required: required}
}

// optional is an optional enumeration with its default value.
func optional(name string, values []string, def string) field {
	return field{name: name, kind: "enum", values: values, def: def}
}

func boolean(name string) field { return field{name: name, kind: "bool"} }

var catalogue = []eventDef{
	{typ: StartReflection, state: []edge{move(reflection, identified)}, guard: notEU,
		effect: func(x *effect) {
			x.startPermitTrack()
			x.f.ReflectionStart = x.on
			x.f.ReflectionEnd = x.on.AddDays(x.set.ReflectionDays)
		}},
	{typ: FileComplaint,
		state:       []edge{stay(), nonEU(move(provisional, identified, reflection, declined))},
		proceedings: []pedge{pmove(pComplaint, pNone)},
		effect: func(x *effect) {
			x.f.ComplaintOn = x.on
			if x.n.State == provisional && x.before != provisional {
				x.issueProvisional()
			}
		}},
	{typ: IssueProvisionalPermit, state: []edge{move(provisional, identified)},
		guard: func(n *nrmCase, on Date, set eligibility.Settings) string {
			if why := notEU(n, on, set); why != "" {
				return why
			}
			if !n.UnaccompaniedMinor || !n.snapshot().Minor(on) {
				return "only for unaccompanied minors"
			}
			return ""
		},
		effect: func(x *effect) { x.issueProvisional() }},
	{typ: ExtendProvisionalPermit, state: []edge{move(provisional, provisional)},
		guard: func(n *nrmCase, _ Date, set eligibility.Settings) string {
			if n.Facts.Extensions >= set.ProvisionalExtensions {
				return fmt.Sprintf("the provisional permit can be extended %d time(s) only", set.ProvisionalExtensions)
			}
			return ""
		},
		effect: func(x *effect) {
			x.f.ProvisionalExpiry = x.renew(x.f.ProvisionalExpiry, x.set.ProvisionalExtensionMonths)
			x.f.Extensions++
		}},
	{typ: ConfirmVictimStatus, state: []edge{move(temporary, provisional)},
		effect: func(x *effect) {
			x.f.TemporaryExpiry = x.on.AddMonths(x.set.TemporaryMonths)
			x.f.Renewals = 0
			// The prosecutor confirmed: an earlier negative opinion no longer holds.
			x.f.ProsecutorOpinion, x.f.ProsecutorOpinionOn = "victim_confirmed", x.on
		}},
	{typ: RenewTemporaryPermit, state: []edge{move(temporary, temporary)},
		effect: func(x *effect) {
			x.f.TemporaryExpiry = x.renew(x.f.TemporaryExpiry, x.set.TemporaryMonths)
			x.f.Renewals++
		}},
	fact(RecordProsecutorOpinion, func(x *effect) {
		x.f.ProsecutorOpinion, x.f.ProsecutorOpinionOn = x.str("opinion"), x.on
	}, enum("opinion", opinions, true)),
	criminal(FileCharges, []pedge{pmove(pCharged, pComplaint)}, func(x *effect) {
		x.f.ChargesOn, x.f.RetainsTrafficking = x.on, x.boolean("retains_trafficking")
	}, boolean("retains_trafficking")),
	criminal(RecordConviction, []pedge{pmove(pConvicted, pCharged)}, func(x *effect) {
		x.f.ConvictedOn, x.f.Sentence = x.on, x.str("sentence")
	}, optional("sentence", sentences, "unknown")),
	criminal(RecordAcquittal, []pedge{pmove(pAcquitted, pCharged)}, func(x *effect) { x.f.AcquittedOn = x.on }),
	criminal(DismissCase, []pedge{pmove(pDismissed, pComplaint, pCharged)}, func(x *effect) { x.f.DismissedOn = x.on }),
	criminal(SettleWithTrafficker, []pedge{pmove(pSettled, pComplaint, pCharged)}, func(x *effect) { x.f.SettledOn = x.on }),
	criminal(RecordDiplomaticImmunity, []pedge{pmove(pImmunity, pComplaint, pCharged)}, func(x *effect) { x.f.ImmunityOn = x.on }),
	{typ: GrantIndefiniteStay, state: []edge{move(indefinite, temporary)},
		guard: func(n *nrmCase, _ Date, _ eligibility.Settings) string {
			if !eligibility.IndefiniteStayOpen(&eligibility.Snapshot{Proceedings: n.Proceedings, RetainsTrafficking: n.Facts.RetainsTrafficking}) {
				return "requires a conviction, or charges that retain trafficking"
			}
			return ""
		}},
	{typ: StartEUAssistance, state: []edge{move(euAssist, identified)},
		guard: func(n *nrmCase, _ Date, _ eligibility.Settings) string {
			if !n.euCitizen() {
				return "only for EU citizens"
			}
			return ""
		}},
	{typ: DeclineCooperation, state: []edge{move(declined, identified, reflection)}},
	{typ: WithdrawStatus, state: []edge{move(withdrawn, reflection, provisional, temporary)},
		data:   []field{enum("reason", withdrawReasons, true)},
		effect: func(x *effect) { x.f.WithdrawalReason = x.str("reason") }},
	{typ: ApplyHumanitarianResidence, state: []edge{move(humanitar, declined, withdrawn, leftProc)}, guard: notEU},
	{typ: ReturnHome, state: []edge{anyTo(returned, returned)}},
	{typ: LoseContact, state: []edge{anyTo(leftProc, returned, leftProc)},
		effect: func(x *effect) { x.f.LeftFrom = x.before }},
	{typ: ResumeProcedure, state: []edge{backFrom(leftProc, func(f *Facts) State { return f.LeftFrom })},
		guard: func(n *nrmCase, _ Date, _ eligibility.Settings) string {
			switch {
			case n.Facts.LeftFrom == "":
				return "the state the case left from is not recorded"
			case !slicesContains(resumable, n.Facts.LeftFrom):
				return fmt.Sprintf("contact was lost in %s, a state the path cannot resume", n.Facts.LeftFrom)
			}
			return ""
		},
		effect: func(x *effect) { x.f.LeftFrom = "" }},
	{typ: CloseCase, state: []edge{anyTo(closed)},
		data:   []field{enum("reason", closeReasons, true)},
		effect: func(x *effect) { x.f.ClosedReason, x.f.ClosedFrom = x.str("reason"), x.before }},
	{typ: ReopenCase, state: []edge{backFrom(closed, func(f *Facts) State { return f.ClosedFrom })},
		data: []field{enum("reason", reopenReasons, true)},
		guard: func(n *nrmCase, _ Date, _ eligibility.Settings) string {
			if n.Facts.ClosedFrom == "" {
				return "the state the case was closed in is not recorded"
			}
			return ""
		},
		effect: func(x *effect) { x.f.ClosedReason, x.f.ClosedFrom = "", "" }},
	fact(RecordContactWithTrafficker, func(x *effect) { x.set2(&x.f.ContactWithTrafficker, true) }),
	fact(EndContactWithTrafficker, func(x *effect) { x.set2(&x.f.ContactWithTrafficker, false) }),
	fact(StopCooperating, func(x *effect) { x.set2(&x.f.Cooperating, false) }),
	fact(ResumeCooperating, func(x *effect) { x.set2(&x.f.Cooperating, true) }),
	fact(EndGuidance, func(x *effect) { x.set2(&x.f.GuidanceActive, false) }),
	fact(ResumeGuidance, func(x *effect) { x.set2(&x.f.GuidanceActive, true) }),
	fact(ProveIdentity, func(x *effect) { x.set2(&x.f.IdentityProven, true) }),
	fact(NotifyGuardianship, func(x *effect) { x.set2(&x.f.GuardianshipNotified, true) }),
	fact(InformOfRights, func(x *effect) { x.set2(&x.f.InformedOfRights, true) }),
	fact(RecordPenalization, func(x *effect) {
		x.set2(&x.f.PenalizationRecorded, true)
		if x.boolean("linked_to_exploitation") {
			x.set2(&x.f.PenalizationLinked, true)
		}
	}, enum("offence", offences, true), boolean("linked_to_exploitation")),
	fact(InvokeNonPunishment, func(x *effect) {
		// The latest invocation decides (rule R26).
		x.set2(&x.f.NonPunishmentInvoked, true)
		x.f.NonPunishmentOutcome, x.f.NonPunishmentOn = x.str("outcome"), x.on
	}, optional("outcome", outcomes, "pending")),
	fact(ClaimCompensation, func(x *effect) {
		x.f.CompensationRoute, x.f.CompensationClaimedOn = x.str("route"), x.on
		if x.boolean("physical_violence_documented") {
			x.set2(&x.f.PhysicalViolenceDocumented, true)
		}
	}, enum("route", routes, true), boolean("physical_violence_documented")),
	fact(AwardCompensation, func(x *effect) { x.set2(&x.f.CompensationAwarded, true) },
		field{name: "amount_eur", kind: "amount", required: true}),
	fact(GrantLegalAid, func(x *effect) { x.set2(&x.f.LegalAid, true) }),
	fact(JoinAsCivilParty, func(x *effect) { x.set2(&x.f.CivilParty, true) }),
	fact(ReportMissing, func(x *effect) { x.set2(&x.f.Missing, true) }),
	fact(ReportFound, func(x *effect) { x.set2(&x.f.Missing, false) }),
}

// effect is what an event's effect function works with: the case after
// its states moved, the state it was in before, the event's date and
// normalized data, and the settings that fix the periods.
type effect struct {
	n      *nrmCase
	f      *Facts
	t      EventType
	before State
	on     Date
	data   map[string]any
	set    eligibility.Settings
}

func (x *effect) str(k string) string   { s, _ := x.data[k].(string); return s }
func (x *effect) boolean(k string) bool { b, _ := x.data[k].(bool); return b }

// set2 records a boolean fact and the day it changed.
func (x *effect) set2(fv *FactValue, v bool) { *fv = FactValue{Value: v, Since: x.on} }

// startPermitTrack records the first day of the permit track.
func (x *effect) startPermitTrack() {
	if x.f.PermitTrackStart.IsZero() {
		x.f.PermitTrackStart = x.on
	}
}

// issueProvisional records a new provisional permit from the event's day.
func (x *effect) issueProvisional() {
	x.startPermitTrack()
	x.f.ProvisionalExpiry = x.on.AddMonths(x.set.ProvisionalMonths)
	x.f.Extensions = 0
}

// renew returns the expiry after a renewal or extension by months: added
// to the current expiry, or to the event's day when it is recorded after
// the expiry (the gap that rule R25 flags).
func (x *effect) renew(current Date, months int) Date {
	f := x.f
	if x.on.After(current) {
		f.GapEvent, f.GapExpired, f.GapRenewedOn = string(x.t), current, x.on
		return x.on.AddMonths(months)
	}
	f.GapEvent, f.GapExpired, f.GapRenewedOn = "", Date{}, Date{}
	return current.AddMonths(months)
}

// backFrom moves src back to the state the case's facts recorded when it
// left the path.
func backFrom(src State, back func(f *Facts) State) edge {
	return edge{from: []State{src}, back: back}
}
