package cases

import (
	"context"
	"errors"
	"fmt"

	"github.com/looplab/fsm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The state machines are built from nrm.md's event table. looplab/fsm
// decides whether a (state, event) pair is a transition; the guards that
// depend on facts (EU citizenship, minority, extensions used, the outcome
// of the proceedings) are checked in plain code before the event fires, as
// pitfalls.md advises. A new FSM is built for every change, from the stored
// state: the database row is the truth.

var (
	permitSources = []State{eligibility.StateIdentified, eligibility.StateReflection, eligibility.StateDeclined}
)

func openStates() []State {
	var out []State
	for _, s := range eligibility.States() {
		if s != eligibility.StateClosed {
			out = append(out, s)
		}
	}
	return out
}

func isOneOf(s State, set ...State) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// stateEdges returns the residence-track transitions of an event, source to
// destination. eu selects the table for EU citizens, for whom a complaint
// changes no state.
func stateEdges(t EventType, eu bool) map[State]State {
	e := map[State]State{}
	self := func(except ...State) {
		for _, s := range openStates() {
			if !isOneOf(s, except...) {
				e[s] = s
			}
		}
	}
	to := func(dst State, srcs ...State) {
		for _, s := range srcs {
			e[s] = dst
		}
	}
	switch t {
	case StartReflection:
		to(eligibility.StateReflection, eligibility.StateIdentified)
	case FileComplaint:
		self()
		if !eu {
			to(eligibility.StateProvisionalPermit, permitSources...)
		}
	case IssueProvisionalPermit:
		to(eligibility.StateProvisionalPermit, eligibility.StateIdentified)
	case ExtendProvisionalPermit:
		to(eligibility.StateProvisionalPermit, eligibility.StateProvisionalPermit)
	case ConfirmVictimStatus:
		to(eligibility.StateTemporaryPermit, eligibility.StateProvisionalPermit)
	case RenewTemporaryPermit:
		to(eligibility.StateTemporaryPermit, eligibility.StateTemporaryPermit)
	case GrantIndefiniteStay:
		to(eligibility.StateIndefiniteStay, eligibility.StateTemporaryPermit)
	case StartEUAssistance:
		to(eligibility.StateEUAssistance, eligibility.StateIdentified)
	case DeclineCooperation:
		to(eligibility.StateDeclined, eligibility.StateIdentified, eligibility.StateReflection)
	case WithdrawStatus:
		to(eligibility.StateStatusWithdrawn, eligibility.StateReflection, eligibility.StateProvisionalPermit,
			eligibility.StateTemporaryPermit)
	case ApplyHumanitarianResidence:
		to(eligibility.StateHumanitarianApplication, eligibility.StateDeclined, eligibility.StateStatusWithdrawn,
			eligibility.StateLeftProcedure)
	case ReturnHome:
		for _, s := range openStates() {
			if s != eligibility.StateReturned {
				e[s] = eligibility.StateReturned
			}
		}
	case LoseContact:
		for _, s := range openStates() {
			if !isOneOf(s, eligibility.StateReturned, eligibility.StateLeftProcedure) {
				e[s] = eligibility.StateLeftProcedure
			}
		}
	case CloseCase:
		for _, s := range openStates() {
			e[s] = eligibility.StateClosed
		}
	default:
		// Proceedings and fact events: accepted in any state but closed,
		// and change no state.
		self()
	}
	return e
}

// proceedingsEdges returns the transitions of the criminal track.
func proceedingsEdges(t EventType) map[Proceedings]Proceedings {
	open := []Proceedings{eligibility.ProceedingsComplaintFiled, eligibility.ProceedingsCharged}
	e := map[Proceedings]Proceedings{}
	switch t {
	case FileComplaint:
		e[eligibility.ProceedingsNone] = eligibility.ProceedingsComplaintFiled
	case FileCharges:
		e[eligibility.ProceedingsComplaintFiled] = eligibility.ProceedingsCharged
	case RecordConviction:
		e[eligibility.ProceedingsCharged] = eligibility.ProceedingsConvicted
	case RecordAcquittal:
		e[eligibility.ProceedingsCharged] = eligibility.ProceedingsAcquitted
	case DismissCase:
		for _, p := range open {
			e[p] = eligibility.ProceedingsDismissed
		}
	case SettleWithTrafficker:
		for _, p := range open {
			e[p] = eligibility.ProceedingsSettled
		}
	case RecordDiplomaticImmunity:
		for _, p := range open {
			e[p] = eligibility.ProceedingsImmunity
		}
	}
	return e
}

// buildStateEvents returns, for each state, the residence-track
// transitions that leave it (eu selects the table for EU citizens).
func buildStateEvents(eu bool) map[State][]fsm.EventDesc {
	out := map[State][]fsm.EventDesc{}
	for _, d := range catalogue {
		for src, dst := range stateEdges(d.typ, eu) {
			out[src] = append(out[src], fsm.EventDesc{Name: string(d.typ), Src: []string{string(src)}, Dst: string(dst)})
		}
	}
	return out
}

// buildProceedingsEvents returns, for each proceedings state, the
// transitions that leave it.
func buildProceedingsEvents() map[Proceedings][]fsm.EventDesc {
	out := map[Proceedings][]fsm.EventDesc{}
	for _, d := range catalogue {
		if d.tracks&trackProceedings == 0 {
			continue
		}
		for src, dst := range proceedingsEdges(d.typ) {
			out[src] = append(out[src], fsm.EventDesc{Name: string(d.typ), Src: []string{string(src)}, Dst: string(dst)})
		}
	}
	return out
}

// The event tables are built once. A machine is built per change from the
// stored state with only the transitions that leave that state: one event
// fires per change, and fsm.NewFSM copies every description it is given,
// so the full table (about 300 transitions) would cost ~60 µs per change
// for nothing.
var (
	stateEventsNonEU  = buildStateEvents(false)
	stateEventsEU     = buildStateEvents(true)
	proceedingsEvents = buildProceedingsEvents()

	// The same tables as sets, for allowedEvents.
	stateAcceptsNonEU  = eventSets(stateEventsNonEU)
	stateAcceptsEU     = eventSets(stateEventsEU)
	proceedingsAccepts = eventSets(proceedingsEvents)
)

func eventSets[K comparable](m map[K][]fsm.EventDesc) map[K]map[EventType]bool {
	out := make(map[K]map[EventType]bool, len(m))
	for k, descs := range m {
		set := make(map[EventType]bool, len(descs))
		for _, d := range descs {
			set[EventType(d.Name)] = true
		}
		out[k] = set
	}
	return out
}

// machines are the two state machines of one case, built from its stored
// state.
type machines struct {
	state       *fsm.FSM
	proceedings *fsm.FSM
}

// newMachines builds the two machines of a case for firing event t: from
// its stored states, with the transitions of t that leave them.
func newMachines(n nrmCase, t EventType) machines {
	events := stateEventsNonEU
	if n.euCitizen() {
		events = stateEventsEU
	}
	return machines{
		state:       fsm.NewFSM(string(n.State), only(events[n.State], t), nil),
		proceedings: fsm.NewFSM(string(n.Proceedings), only(proceedingsEvents[n.Proceedings], t), nil),
	}
}

func only(descs []fsm.EventDesc, t EventType) []fsm.EventDesc {
	for _, d := range descs {
		if d.Name == string(t) {
			return []fsm.EventDesc{d}
		}
	}
	return nil
}

// fire runs an event on one machine; a transition to the same state
// (renewals, facts) is a success, not a refusal.
func fire(ctx context.Context, m *fsm.FSM, t EventType) error {
	err := m.Event(ctx, string(t))
	var noTransition fsm.NoTransitionError
	if err == nil || errors.As(err, &noTransition) {
		return nil
	}
	return err
}

// guard checks the conditions of nrm.md that depend on facts rather than on
// the state alone. on is the date the event would happen.
func guard(n nrmCase, t EventType, on Date, set eligibility.Settings) string {
	eu := n.euCitizen()
	switch t {
	case StartReflection, ApplyHumanitarianResidence:
		if eu {
			return "not open to EU citizens"
		}
	case IssueProvisionalPermit:
		if eu {
			return "not open to EU citizens"
		}
		if !n.UnaccompaniedMinor || !n.snapshot().Minor(on) {
			return "only for unaccompanied minors"
		}
	case StartEUAssistance:
		if !eu {
			return "only for EU citizens"
		}
	case ExtendProvisionalPermit:
		if n.Facts.Extensions >= set.ProvisionalExtensions {
			return fmt.Sprintf("the provisional permit can be extended %d time(s) only", set.ProvisionalExtensions)
		}
	case GrantIndefiniteStay:
		p := n.Proceedings
		if p != eligibility.ProceedingsConvicted && !(p == eligibility.ProceedingsCharged && n.Facts.RetainsTrafficking) {
			return "requires a conviction, or charges that retain trafficking"
		}
	}
	return ""
}

// allowedEvents lists the events accepted now, guards applied, in the order
// of nrm.md's table; [] for a closed case. It reads the same transition
// tables the machines are built from (one source of truth) without
// building machines: it runs for every case shown.
func allowedEvents(n nrmCase, on Date, set eligibility.Settings) []string {
	out := []string{}
	if n.State == eligibility.StateClosed {
		return out
	}
	for _, d := range catalogue {
		if accepts(n, d) && guard(n, d.typ, on, set) == "" {
			out = append(out, string(d.typ))
		}
	}
	return out
}

// accepts reports whether both tracks have a transition for the event from
// the case's current states.
func accepts(n nrmCase, d eventDef) bool {
	sets := stateAcceptsNonEU
	if n.euCitizen() {
		sets = stateAcceptsEU
	}
	if !sets[n.State][d.typ] {
		return false
	}
	return d.tracks&trackProceedings == 0 || proceedingsAccepts[n.Proceedings][d.typ]
}

// apply runs one event on the case: the state machines check the
// transition, then the facts and expiry dates are updated. It returns an
// InvalidTransition error listing the allowed events when refused.
func apply(ctx context.Context, n *nrmCase, t EventType, on Date, data map[string]any, set eligibility.Settings) error {
	d, ok := lookup(t)
	if !ok {
		return apperr.Field("type", "unknown event %q: want %s", t, describeEvents())
	}
	refuse := func(why string) error {
		return &apperr.Error{Kind: apperr.InvalidTransition,
			Message: fmt.Sprintf("%s is not allowed now (state %s, proceedings %s): %s", t, n.State, n.Proceedings, why),
			Allowed: allowedEvents(*n, on, set)}
	}
	if n.State == eligibility.StateClosed {
		return refuse("the case is closed")
	}
	if !accepts(*n, d) {
		return refuse("no such transition")
	}
	if why := guard(*n, t, on, set); why != "" {
		return refuse(why)
	}
	m := newMachines(*n, t)
	if err := fire(ctx, m.state, t); err != nil {
		return refuse(err.Error())
	}
	if d.tracks&trackProceedings != 0 {
		if err := fire(ctx, m.proceedings, t); err != nil {
			return refuse(err.Error())
		}
	}
	before := n.State
	n.State = State(m.state.Current())
	n.Proceedings = Proceedings(m.proceedings.Current())
	if n.State != before {
		n.Facts.StateSince = on
	}
	updateFacts(n, t, before, on, data, set)
	n.LastEventOn = on
	return nil
}

// updateFacts records what the event established (nrm.md "Events" and
// "Deadlines").
func updateFacts(n *nrmCase, t EventType, before State, on Date, data map[string]any, set eligibility.Settings) {
	f := &n.Facts
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
			f.GapEvent, f.GapExpired, f.GapRenewedOn = string(t), current, on
			return on.AddMonths(months)
		}
		f.GapEvent, f.GapExpired, f.GapRenewedOn = "", Date{}, Date{}
		return current.AddMonths(months)
	}
	set2 := func(fv *FactValue, v bool) { *fv = FactValue{Value: v, Since: on} }
	str := func(k string) string { s, _ := data[k].(string); return s }
	boolean := func(k string) bool { b, _ := data[k].(bool); return b }

	switch t {
	case StartReflection:
		startPermitTrack()
		f.ReflectionStart = on
		f.ReflectionEnd = on.AddDays(set.ReflectionDays)
	case FileComplaint:
		f.ComplaintOn = on
		if n.State == eligibility.StateProvisionalPermit && before != eligibility.StateProvisionalPermit {
			issueProvisional()
		}
	case IssueProvisionalPermit:
		issueProvisional()
	case ExtendProvisionalPermit:
		f.ProvisionalExpiry = renew(f.ProvisionalExpiry, set.ProvisionalExtensionMonths)
		f.Extensions++
	case ConfirmVictimStatus:
		f.TemporaryExpiry = on.AddMonths(set.TemporaryMonths)
		f.Renewals = 0
	case RenewTemporaryPermit:
		f.TemporaryExpiry = renew(f.TemporaryExpiry, set.TemporaryMonths)
		f.Renewals++
	case RecordProsecutorOpinion:
		f.ProsecutorOpinion, f.ProsecutorOpinionOn = str("opinion"), on
	case FileCharges:
		f.ChargesOn, f.RetainsTrafficking = on, boolean("retains_trafficking")
	case RecordConviction:
		f.ConvictedOn = on
	case RecordAcquittal:
		f.AcquittedOn = on
	case DismissCase:
		f.DismissedOn = on
	case SettleWithTrafficker:
		f.SettledOn = on
	case RecordDiplomaticImmunity:
		f.ImmunityOn = on
	case WithdrawStatus:
		f.WithdrawalReason = str("reason")
	case CloseCase:
		f.ClosedReason = str("reason")
	case RecordContactWithTrafficker:
		set2(&f.ContactWithTrafficker, true)
	case EndContactWithTrafficker:
		set2(&f.ContactWithTrafficker, false)
	case StopCooperating:
		set2(&f.Cooperating, false)
	case ResumeCooperating:
		set2(&f.Cooperating, true)
	case EndGuidance:
		set2(&f.GuidanceActive, false)
	case ResumeGuidance:
		set2(&f.GuidanceActive, true)
	case ProveIdentity:
		set2(&f.IdentityProven, true)
	case NotifyGuardianship:
		set2(&f.GuardianshipNotified, true)
	case RecordPenalization:
		if boolean("linked_to_exploitation") {
			set2(&f.PenalizationLinked, true)
		}
	case InvokeNonPunishment:
		set2(&f.NonPunishmentInvoked, true)
	case ClaimCompensation:
		f.CompensationRoute, f.CompensationClaimedOn = str("route"), on
		if boolean("physical_violence_documented") {
			set2(&f.PhysicalViolenceDocumented, true)
		}
	case AwardCompensation:
		set2(&f.CompensationAwarded, true)
	case GrantLegalAid:
		set2(&f.LegalAid, true)
	case JoinAsCivilParty:
		set2(&f.CivilParty, true)
	case ReportMissing:
		set2(&f.Missing, true)
	case ReportFound:
		set2(&f.Missing, false)
	}
}
