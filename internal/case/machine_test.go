package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The expectations in this file are written from the tables of docs/model.md, not from
// machine.go: the event order, the state edges of a non-EU adult, the
// proceedings edges, and the EU-citizen differences.

// Short names for the states and proceedings of docs/model.md "Two tracks".
const (
	sIdentified  = eligibility.StateIdentified
	sReflection  = eligibility.StateReflection
	sProvisional = eligibility.StateProvisionalPermit
	sTemporary   = eligibility.StateTemporaryPermit
	sIndefinite  = eligibility.StateIndefiniteStay
	sEU          = eligibility.StateEUAssistance
	sDeclined    = eligibility.StateDeclined
	sWithdrawn   = eligibility.StateStatusWithdrawn
	sHumanitar   = eligibility.StateHumanitarianApplication
	sReturned    = eligibility.StateReturned
	sLeft        = eligibility.StateLeftProcedure
	sClosed      = eligibility.StateClosed

	// The proceedings names (pNone …) are shared with table.go.
)

// specEvents is the event column of docs/model.md "Events", in its order (the order
// of allowed_events).
var specEvents = []EventType{
	"start_reflection", "file_complaint", "issue_provisional_permit", "extend_provisional_permit",
	"confirm_victim_status", "renew_temporary_permit", "record_prosecutor_opinion", "file_charges",
	"record_conviction", "record_acquittal", "dismiss_case", "settle_with_trafficker",
	"record_diplomatic_immunity", "grant_indefinite_stay", "start_eu_assistance", "decline_cooperation",
	"withdraw_status", "apply_humanitarian_residence", "return_home", "lose_contact", "resume_procedure",
	"close_case", "reopen_case",
	"record_contact_with_trafficker", "end_contact_with_trafficker", "stop_cooperating",
	"resume_cooperating", "end_guidance", "resume_guidance", "prove_identity", "notify_guardianship",
	"inform_of_rights", "record_penalization", "invoke_non_punishment", "claim_compensation", "award_compensation",
	"grant_legal_aid", "join_as_civil_party", "report_missing", "report_found",
}

// specStates is the state table of docs/model.md "The state track", in order.
var specStates = []State{sIdentified, sReflection, sProvisional, sTemporary, sIndefinite, sEU, sDeclined,
	sWithdrawn, sHumanitar, sReturned, sLeft, sClosed}

// specProceedings is docs/model.md "The proceedings track".
var specProceedings = []Proceedings{pNone, pComplaint, pCharged, pConvicted, pAcquitted, pDismissed, pSettled, pImmunity}

// factEvents are the "fact" rows of docs/model.md "Events": accepted in any state but
// closed, changing no state.
var factEvents = []EventType{
	"record_prosecutor_opinion", "record_contact_with_trafficker", "end_contact_with_trafficker",
	"stop_cooperating", "resume_cooperating", "end_guidance", "resume_guidance", "prove_identity",
	"notify_guardianship", "inform_of_rights", "record_penalization", "invoke_non_punishment", "claim_compensation",
	"award_compensation", "grant_legal_aid", "join_as_civil_party", "report_missing", "report_found",
}

// proceedingsOnly are the events that change only `proceedings`.
var proceedingsOnly = []EventType{"file_charges", "record_conviction", "record_acquittal", "dismiss_case",
	"settle_with_trafficker", "record_diplomatic_immunity"}

// validData is a valid data object for each event that needs one.
var validData = map[EventType]map[string]any{
	"record_prosecutor_opinion": {"opinion": "victim_confirmed"},
	"file_charges":              {"retains_trafficking": false},
	"withdraw_status":           {"reason": "stopped_cooperating"},
	"close_case":                {"reason": "victim_request"},
	"reopen_case":               {"reason": "closed_by_mistake"},
	"record_penalization":       {"offence": "theft", "linked_to_exploitation": false},
	"claim_compensation":        {"route": "court", "physical_violence_documented": false},
	"award_compensation":        {"amount_eur": "111227.00"},
}

// stateEdgesNonEU is the `state` column of docs/model.md "Events" for a non-EU adult with
// proceedings `none` and no extension used: for each state, every accepted
// event and the state it leads to. Every pair not listed is refused.
// Fact events (accepted in any state but closed, unchanged) are added by
// withFacts.
var stateEdgesNonEU = map[State]map[EventType]State{
	sIdentified: withFacts(sIdentified, map[EventType]State{
		"start_reflection": sReflection, "file_complaint": sProvisional, "decline_cooperation": sDeclined,
		"return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sReflection: withFacts(sReflection, map[EventType]State{
		"file_complaint": sProvisional, "decline_cooperation": sDeclined, "withdraw_status": sWithdrawn,
		"return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sProvisional: withFacts(sProvisional, map[EventType]State{
		"file_complaint": sProvisional, "extend_provisional_permit": sProvisional,
		"confirm_victim_status": sTemporary, "withdraw_status": sWithdrawn,
		"return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sTemporary: withFacts(sTemporary, map[EventType]State{
		"file_complaint": sTemporary, "renew_temporary_permit": sTemporary, "withdraw_status": sWithdrawn,
		"return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sIndefinite: withFacts(sIndefinite, map[EventType]State{
		"file_complaint": sIndefinite, "return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sEU: withFacts(sEU, map[EventType]State{
		"file_complaint": sEU, "return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sDeclined: withFacts(sDeclined, map[EventType]State{
		"file_complaint": sProvisional, "apply_humanitarian_residence": sHumanitar,
		"return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sWithdrawn: withFacts(sWithdrawn, map[EventType]State{
		"file_complaint": sWithdrawn, "apply_humanitarian_residence": sHumanitar,
		"return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sHumanitar: withFacts(sHumanitar, map[EventType]State{
		"file_complaint": sHumanitar, "return_home": sReturned, "lose_contact": sLeft, "close_case": sClosed,
	}),
	sReturned: withFacts(sReturned, map[EventType]State{
		"file_complaint": sReturned, "close_case": sClosed,
	}),
	sLeft: withFacts(sLeft, map[EventType]State{
		"file_complaint": sLeft, "apply_humanitarian_residence": sHumanitar,
		"return_home": sReturned, "close_case": sClosed,
	}),
	sClosed: {},
}

// stateEdgesEU is the same table for an EU citizen: no reflection, EU
// assistance from identified, a complaint changes no state, no humanitarian
// application.
var stateEdgesEU = func() map[State]map[EventType]State {
	out := map[State]map[EventType]State{}
	for s, edges := range stateEdgesNonEU {
		m := map[EventType]State{}
		for e, to := range edges {
			m[e] = to
		}
		if s != sClosed {
			m["file_complaint"] = s
		}
		delete(m, "start_reflection")
		delete(m, "apply_humanitarian_residence")
		out[s] = m
	}
	out[sIdentified]["start_eu_assistance"] = sEU
	return out
}()

// proceedingsEdges is the `proceedings` column of docs/model.md "Events": for each proceedings
// state, the accepted events and the proceedings state they lead to.
var proceedingsTable = map[Proceedings]map[EventType]Proceedings{
	pNone:      {"file_complaint": pComplaint},
	pComplaint: {"file_charges": pCharged, "dismiss_case": pDismissed, "settle_with_trafficker": pSettled, "record_diplomatic_immunity": pImmunity},
	pCharged: {"record_conviction": pConvicted, "record_acquittal": pAcquitted, "dismiss_case": pDismissed,
		"settle_with_trafficker": pSettled, "record_diplomatic_immunity": pImmunity},
	pConvicted: {}, pAcquitted: {}, pDismissed: {}, pSettled: {}, pImmunity: {},
}

func withFacts(s State, m map[EventType]State) map[EventType]State {
	for _, e := range factEvents {
		m[e] = s
	}
	return m
}

var (
	day0     = eligibility.MustParseDate("2024-03-01") // identified_on of the test cases
	eventDay = eligibility.MustParseDate("2024-06-03") // the date events happen on
	settings = eligibility.DefaultSettings()
)

// caseIn builds a case of a non-EU (NG) adult in the given state and
// proceedings, with the facts of a newly identified case.
func caseIn(s State, p Proceedings) nrmCase {
	n := nrmCase{
		State: s, Proceedings: p, Facts: newFacts(day0), IdentifiedOn: day0, LastEventOn: day0,
		Nationality: "NG", Gender: "female", DateOfBirth: eligibility.MustParseDate("1995-04-17"),
		Exploitation: []string{"sexual"}, Shelter: "payoke", ShelterOfficial: true,
	}
	switch s {
	case sReflection:
		n.Facts.ReflectionStart, n.Facts.ReflectionEnd = day0, day0.AddDays(45)
	case sProvisional:
		n.Facts.ProvisionalExpiry = day0.AddMonths(3)
	case sTemporary:
		n.Facts.TemporaryExpiry = day0.AddMonths(6)
	}
	if p != pNone {
		n.Facts.ComplaintOn = day0
	}
	return n
}

// expected is the outcome docs/model.md gives for one (case, event) pair.
type expected struct {
	ok          bool
	state       State
	proceedings Proceedings
}

// expect looks an event up in the tables above: the state edge (or "no
// state change" for proceedings-only events in any state but closed) and,
// for events on the proceedings track, the proceedings edge.
//
// The one guard that depends on proceedings, grant_indefinite_stay's, is
// applied here for caseIn's facts (retains_trafficking false): accepted in
// temporary_permit once the proceedings are convicted. caseIn records no
// state to go back to, so resume_procedure and reopen_case are refused
// (TestMachineGoingBack covers them).
func expect(edges map[State]map[EventType]State, s State, p Proceedings, e EventType) expected {
	to, ok := edges[s][e]
	if e == "grant_indefinite_stay" && s == sTemporary && p == pConvicted {
		to, ok = sIndefinite, true
	}
	if slices.Contains(proceedingsOnly, e) {
		to, ok = s, s != sClosed
	}
	if !ok {
		return expected{}
	}
	toP := p
	if e == "file_complaint" || slices.Contains(proceedingsOnly, e) {
		var okP bool
		if toP, okP = proceedingsTable[p][e]; !okP {
			return expected{}
		}
	}
	return expected{ok: true, state: to, proceedings: toP}
}

// wantAllowed lists, in the order of docs/model.md "Events", the events expect accepts.
func wantAllowed(edges map[State]map[EventType]State, s State, p Proceedings) []string {
	out := []string{}
	for _, e := range specEvents {
		if expect(edges, s, p, e).ok {
			out = append(out, string(e))
		}
	}
	return out
}

// checkApply applies e to a copy of n and compares the outcome with want.
func checkApply(t *testing.T, n nrmCase, e EventType, on Date, want expected) {
	t.Helper()
	before := n
	allowedBefore := allowedEvents(n, on, settings)
	err := apply(context.Background(), &n, e, on, validData[e], settings)
	if want.ok {
		if err != nil {
			t.Fatalf("apply %s in %s/%s: got error %v, want state %s proceedings %s",
				e, before.State, before.Proceedings, err, want.state, want.proceedings)
		}
		if n.State != want.state || n.Proceedings != want.proceedings {
			t.Fatalf("apply %s in %s/%s: got %s/%s, want %s/%s",
				e, before.State, before.Proceedings, n.State, n.Proceedings, want.state, want.proceedings)
		}
		if n.LastEventOn != on {
			t.Errorf("apply %s: got last_event_on %s, want %s", e, n.LastEventOn, on)
		}
		wantSince := before.Facts.StateSince
		if n.State != before.State {
			wantSince = on
		}
		if n.Facts.StateSince != wantSince {
			t.Errorf("apply %s: got state_since %s, want %s", e, n.Facts.StateSince, wantSince)
		}
		return
	}
	if err == nil {
		t.Fatalf("apply %s in %s/%s: got success (%s/%s), want InvalidTransition",
			e, before.State, before.Proceedings, n.State, n.Proceedings)
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.InvalidTransition {
		t.Fatalf("apply %s in %s/%s: got error %v (%T), want *apperr.Error of kind InvalidTransition",
			e, before.State, before.Proceedings, err, err)
	}
	if ae.Allowed == nil {
		t.Errorf("apply %s in %s/%s: got Allowed nil, want a (possibly empty) list", e, before.State, before.Proceedings)
	}
	if !slices.Equal(ae.Allowed, allowedBefore) {
		t.Errorf("apply %s in %s/%s: got Allowed %v, want allowedEvents %v",
			e, before.State, before.Proceedings, ae.Allowed, allowedBefore)
	}
	if n.State != before.State || n.Proceedings != before.Proceedings || n.Facts != before.Facts ||
		n.LastEventOn != before.LastEventOn {
		t.Errorf("apply %s in %s/%s: a refused event changed the case to %s/%s",
			e, before.State, before.Proceedings, n.State, n.Proceedings)
	}
}

func TestEventOrderIsNRMTable(t *testing.T) {
	got := EventTypes()
	if len(got) != 40 {
		t.Fatalf("got %d events, want 40", len(got))
	}
	if !slices.Equal(got, specEvents) {
		t.Errorf("got events %v, want the order of docs/model.md %v", got, specEvents)
	}
	if gotS := eligibility.States(); !slices.Equal(gotS, specStates) {
		t.Errorf("got states %v, want %v", gotS, specStates)
	}
	if gotP := eligibility.AllProceedings(); !slices.Equal(gotP, specProceedings) {
		t.Errorf("got proceedings %v, want %v", gotP, specProceedings)
	}
}

// TestMachineEveryStateAndEvent covers all 12 states x 37 events for a
// non-EU adult with proceedings none, and for an EU citizen.
func TestMachineEveryStateAndEvent(t *testing.T) {
	for _, c := range []struct {
		name        string
		nationality string
		edges       map[State]map[EventType]State
	}{
		{"non-EU adult", "NG", stateEdgesNonEU},
		{"unknown nationality counts as non-EU", "XX", stateEdgesNonEU},
		{"EU citizen", "FR", stateEdgesEU},
		{"Belgian is an EU citizen", "BE", stateEdgesEU},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range specStates {
				n := caseIn(s, pNone)
				n.Nationality = c.nationality
				want := wantAllowed(c.edges, s, pNone)
				if got := allowedEvents(n, eventDay, settings); !slices.Equal(got, want) {
					t.Errorf("%s: got allowed_events %v, want %v", s, got, want)
				}
				for _, e := range specEvents {
					t.Run(fmt.Sprintf("%s/%s", s, e), func(t *testing.T) {
						checkApply(t, n, e, eventDay, expect(c.edges, s, pNone, e))
					})
				}
			}
		})
	}
}

// TestMachineProceedingsTrack covers the proceedings events from every
// proceedings state, in every state of the residence track.
func TestMachineProceedingsTrack(t *testing.T) {
	events := append([]EventType{"file_complaint", "grant_indefinite_stay"}, proceedingsOnly...)
	for _, s := range specStates {
		for _, p := range specProceedings {
			n := caseIn(s, p)
			want := wantAllowed(stateEdgesNonEU, s, p)
			if got := allowedEvents(n, eventDay, settings); !slices.Equal(got, want) {
				t.Errorf("%s/%s: got allowed_events %v, want %v", s, p, got, want)
			}
			for _, e := range events {
				t.Run(fmt.Sprintf("%s/%s/%s", s, p, e), func(t *testing.T) {
					checkApply(t, n, e, eventDay, expect(stateEdgesNonEU, s, p, e))
				})
			}
		}
	}
}

func TestMachineProceedingsSpecificOutcomes(t *testing.T) {
	cases := []struct {
		name      string
		from      Proceedings
		event     EventType
		wantP     Proceedings
		wantDate  func(Facts) Date
		wantError bool
	}{
		{"complaint", pNone, "file_complaint", pComplaint, func(f Facts) Date { return f.ComplaintOn }, false},
		{"second complaint refused", pComplaint, "file_complaint", "", nil, true},
		{"complaint after dismissal refused", pDismissed, "file_complaint", "", nil, true},
		{"charges", pComplaint, "file_charges", pCharged, func(f Facts) Date { return f.ChargesOn }, false},
		{"charges twice refused", pCharged, "file_charges", "", nil, true},
		{"conviction", pCharged, "record_conviction", pConvicted, func(f Facts) Date { return f.ConvictedOn }, false},
		{"conviction without charges refused", pComplaint, "record_conviction", "", nil, true},
		{"acquittal", pCharged, "record_acquittal", pAcquitted, func(f Facts) Date { return f.AcquittedOn }, false},
		{"dismissal after complaint", pComplaint, "dismiss_case", pDismissed, func(f Facts) Date { return f.DismissedOn }, false},
		{"dismissal after charges", pCharged, "dismiss_case", pDismissed, func(f Facts) Date { return f.DismissedOn }, false},
		{"dismissal after conviction refused", pConvicted, "dismiss_case", "", nil, true},
		{"settlement", pComplaint, "settle_with_trafficker", pSettled, func(f Facts) Date { return f.SettledOn }, false},
		{"immunity", pCharged, "record_diplomatic_immunity", pImmunity, func(f Facts) Date { return f.ImmunityOn }, false},
		{"immunity after settlement refused", pSettled, "record_diplomatic_immunity", "", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := caseIn(sTemporary, c.from)
			err := apply(context.Background(), &n, c.event, eventDay, validData[c.event], settings)
			if c.wantError {
				if apperr.KindOf(err) != apperr.InvalidTransition {
					t.Fatalf("got error %v, want InvalidTransition", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want success", err)
			}
			if n.Proceedings != c.wantP || n.State != sTemporary {
				t.Errorf("got %s/%s, want %s/%s", n.State, n.Proceedings, sTemporary, c.wantP)
			}
			if got := c.wantDate(n.Facts); got != eventDay {
				t.Errorf("got the event's fact date %s, want %s", got, eventDay)
			}
		})
	}
}

func TestMachineFileChargesRetainsTrafficking(t *testing.T) {
	for _, c := range []struct {
		name string
		data map[string]any
		want bool
	}{
		{"retained", map[string]any{"retains_trafficking": true}, true},
		{"not retained", map[string]any{"retains_trafficking": false}, false},
		{"default", map[string]any{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := caseIn(sTemporary, pComplaint)
			if err := apply(context.Background(), &n, "file_charges", eventDay, c.data, settings); err != nil {
				t.Fatalf("file_charges: got error %v, want success", err)
			}
			if n.Facts.RetainsTrafficking != c.want {
				t.Errorf("got retains_trafficking %v, want %v", n.Facts.RetainsTrafficking, c.want)
			}
		})
	}
}

func TestMachineGrantIndefiniteStayGuard(t *testing.T) {
	for _, c := range []struct {
		name    string
		p       Proceedings
		retains bool
		want    bool
	}{
		{"convicted", pConvicted, false, true},
		{"convicted, trafficking retained", pConvicted, true, true},
		{"charged, trafficking retained", pCharged, true, true},
		{"charged, trafficking not retained", pCharged, false, false},
		{"complaint filed", pComplaint, false, false},
		{"no proceedings", pNone, false, false},
		{"acquitted after charges that retained trafficking (v2)", pAcquitted, true, true},
		{"acquitted, trafficking not retained", pAcquitted, false, false},
		{"dismissed after charges retaining trafficking", pDismissed, true, false},
		{"settled", pSettled, false, false},
		{"immunity", pImmunity, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := caseIn(sTemporary, c.p)
			n.Facts.RetainsTrafficking = c.retains
			allowed := allowedEvents(n, eventDay, settings)
			if got := slices.Contains(allowed, "grant_indefinite_stay"); got != c.want {
				t.Errorf("got grant_indefinite_stay allowed %v, want %v (allowed %v)", got, c.want, allowed)
			}
			want := expected{}
			if c.want {
				want = expected{ok: true, state: sIndefinite, proceedings: c.p}
			}
			checkApply(t, n, "grant_indefinite_stay", eventDay, want)
		})
	}
	t.Run("only from temporary_permit", func(t *testing.T) {
		for _, s := range specStates {
			if s == sTemporary {
				continue
			}
			n := caseIn(s, pConvicted)
			checkApply(t, n, "grant_indefinite_stay", eventDay, expected{})
		}
	})
}

func TestMachineIssueProvisionalPermitGuard(t *testing.T) {
	none := Date{}
	for _, c := range []struct {
		name         string
		nationality  string
		unaccomp     bool
		dob          Date
		state        State
		on           Date
		wantAccepted bool
	}{
		{"unaccompanied minor by date of birth", "NG", true, eligibility.MustParseDate("2010-05-01"), sIdentified, eventDay, true},
		{"unaccompanied, no date of birth: the flag decides", "NG", true, none, sIdentified, eventDay, true},
		{"unaccompanied, unknown nationality", "XX", true, none, sIdentified, eventDay, true},
		{"day before the 18th birthday", "NG", true, eligibility.MustParseDate("2006-06-04"), sIdentified, eventDay, true},
		{"on the 18th birthday: an adult", "NG", true, eligibility.MustParseDate("2006-06-03"), sIdentified, eventDay, false},
		{"born 29 February: minor on 27 February", "NG", true, eligibility.MustParseDate("2008-02-29"), sIdentified, eligibility.MustParseDate("2026-02-27"), true},
		{"born 29 February: adult on 28 February", "NG", true, eligibility.MustParseDate("2008-02-29"), sIdentified, eligibility.MustParseDate("2026-02-28"), false},
		{"flag set but adult by date of birth", "NG", true, eligibility.MustParseDate("1990-01-01"), sIdentified, eventDay, false},
		{"minor by date of birth, not unaccompanied", "NG", false, eligibility.MustParseDate("2010-05-01"), sIdentified, eventDay, false},
		{"adult, not unaccompanied", "NG", false, none, sIdentified, eventDay, false},
		{"EU unaccompanied minor", "RO", true, eligibility.MustParseDate("2010-05-01"), sIdentified, eventDay, false},
		{"unaccompanied minor in reflection", "NG", true, eligibility.MustParseDate("2010-05-01"), sReflection, eventDay, false},
		{"unaccompanied minor in declined", "NG", true, eligibility.MustParseDate("2010-05-01"), sDeclined, eventDay, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := caseIn(c.state, pNone)
			n.Nationality, n.UnaccompaniedMinor, n.DateOfBirth = c.nationality, c.unaccomp, c.dob
			allowed := allowedEvents(n, c.on, settings)
			if got := slices.Contains(allowed, "issue_provisional_permit"); got != c.wantAccepted {
				t.Errorf("got issue_provisional_permit in allowed_events %v, want %v", got, c.wantAccepted)
			}
			want := expected{}
			if c.wantAccepted {
				want = expected{ok: true, state: sProvisional, proceedings: pNone}
			}
			checkApply(t, n, "issue_provisional_permit", c.on, want)
			if c.wantAccepted {
				n2 := n
				_ = apply(context.Background(), &n2, "issue_provisional_permit", c.on, nil, settings)
				if want := c.on.AddMonths(3); n2.Facts.ProvisionalExpiry != want {
					t.Errorf("got provisional expiry %s, want %s", n2.Facts.ProvisionalExpiry, want)
				}
				if n2.Facts.PermitTrackStart != c.on {
					t.Errorf("got permit track start %s, want %s", n2.Facts.PermitTrackStart, c.on)
				}
			}
		})
	}
}

func TestMachineExtensionOnceOnly(t *testing.T) {
	ctx := context.Background()
	n := caseIn(sIdentified, pNone)
	steps := []struct {
		event    EventType
		on       string
		wantOK   bool
		wantExt  int
		wantExpr string
	}{
		{"file_complaint", "2024-03-01", true, 0, "2024-06-01"},
		{"extend_provisional_permit", "2024-05-20", true, 1, "2024-09-01"},
		{"extend_provisional_permit", "2024-08-20", false, 1, "2024-09-01"},
	}
	for i, st := range steps {
		err := apply(ctx, &n, st.event, eligibility.MustParseDate(st.on), validData[st.event], settings)
		if (err == nil) != st.wantOK {
			t.Fatalf("step %d %s: got error %v, want ok=%v", i, st.event, err, st.wantOK)
		}
		if n.Facts.Extensions != st.wantExt || n.Facts.ProvisionalExpiry.String() != st.wantExpr {
			t.Errorf("step %d %s: got extensions %d expiry %s, want %d %s",
				i, st.event, n.Facts.Extensions, n.Facts.ProvisionalExpiry, st.wantExt, st.wantExpr)
		}
		if !st.wantOK {
			ae, _ := apperr.As(err)
			if ae == nil || ae.Kind != apperr.InvalidTransition || slices.Contains(ae.Allowed, "extend_provisional_permit") {
				t.Errorf("step %d: got %v, want InvalidTransition without extend_provisional_permit in Allowed", i, err)
			}
		}
	}
	if slices.Contains(allowedEvents(n, eventDay, settings), "extend_provisional_permit") {
		t.Errorf("got extend_provisional_permit allowed after one extension, want refused")
	}
}

func TestMachineClosedRefusesEverything(t *testing.T) {
	for _, eu := range []string{"NG", "FR"} {
		for _, p := range specProceedings {
			n := caseIn(sClosed, p)
			n.Nationality = eu
			got := allowedEvents(n, eventDay, settings)
			if got == nil || len(got) != 0 {
				t.Errorf("closed %s/%s: got allowed_events %#v, want []string{}", eu, p, got)
			}
			for _, e := range specEvents {
				err := apply(context.Background(), &n, e, eventDay, validData[e], settings)
				ae, ok := apperr.As(err)
				if !ok || ae.Kind != apperr.InvalidTransition {
					t.Fatalf("closed %s/%s %s: got %v, want InvalidTransition", eu, p, e, err)
				}
				if ae.Allowed == nil || len(ae.Allowed) != 0 {
					t.Errorf("closed %s/%s %s: got Allowed %#v, want []string{}", eu, p, e, ae.Allowed)
				}
			}
		}
	}
}

func TestMachineEUCitizenVariants(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		state  State
		p      Proceedings
		event  EventType
		want   expected
		remark string
	}{
		{"start_reflection refused", sIdentified, pNone, "start_reflection", expected{}, ""},
		{"start_eu_assistance allowed", sIdentified, pNone, "start_eu_assistance", expected{true, sEU, pNone}, ""},
		{"start_eu_assistance only from identified", sReflection, pNone, "start_eu_assistance", expected{}, ""},
		{"file_complaint in identified leaves the state", sIdentified, pNone, "file_complaint", expected{true, sIdentified, pComplaint}, ""},
		{"file_complaint in eu_assistance leaves the state", sEU, pNone, "file_complaint", expected{true, sEU, pComplaint}, ""},
		{"file_complaint in declined leaves the state", sDeclined, pNone, "file_complaint", expected{true, sDeclined, pComplaint}, ""},
		{"apply_humanitarian_residence refused from declined", sDeclined, pNone, "apply_humanitarian_residence", expected{}, ""},
		{"apply_humanitarian_residence refused from left_procedure", sLeft, pNone, "apply_humanitarian_residence", expected{}, ""},
		{"issue_provisional_permit refused", sIdentified, pNone, "issue_provisional_permit", expected{}, ""},
		{"decline_cooperation allowed", sIdentified, pNone, "decline_cooperation", expected{true, sDeclined, pNone}, ""},
		{"charges in eu_assistance", sEU, pComplaint, "file_charges", expected{true, sEU, pCharged}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := caseIn(c.state, c.p)
			n.Nationality = "FR"
			n.UnaccompaniedMinor, n.DateOfBirth = true, eligibility.MustParseDate("2010-01-01")
			checkApply(t, n, c.event, eventDay, c.want)
		})
	}
	t.Run("non-EU start_eu_assistance refused", func(t *testing.T) {
		checkApply(t, caseIn(sIdentified, pNone), "start_eu_assistance", eventDay, expected{})
	})
	t.Run("complaint issues no provisional permit", func(t *testing.T) {
		n := caseIn(sIdentified, pNone)
		n.Nationality = "DE"
		if err := apply(ctx, &n, "file_complaint", eventDay, nil, settings); err != nil {
			t.Fatalf("file_complaint: got %v, want success", err)
		}
		if !n.Facts.ProvisionalExpiry.IsZero() || !n.Facts.PermitTrackStart.IsZero() {
			t.Errorf("got provisional expiry %s, permit track start %s, want none",
				n.Facts.ProvisionalExpiry, n.Facts.PermitTrackStart)
		}
		if n.Facts.ComplaintOn != eventDay {
			t.Errorf("got complaint_on %s, want %s", n.Facts.ComplaintOn, eventDay)
		}
	})
}

func TestMachineUnknownEvent(t *testing.T) {
	n := caseIn(sIdentified, pNone)
	err := apply(context.Background(), &n, "start_holiday", eventDay, nil, settings)
	if got := apperr.KindOf(err); got != apperr.Invalid {
		t.Errorf("got kind %v, want invalid", got)
	}
}

// TestAllowedEventsOrder checks a full list against the order of docs/model.md "Events", written
// out by hand.
func TestAllowedEventsOrder(t *testing.T) {
	facts := []string{"record_contact_with_trafficker", "end_contact_with_trafficker", "stop_cooperating",
		"resume_cooperating", "end_guidance", "resume_guidance", "prove_identity", "notify_guardianship",
		"inform_of_rights", "record_penalization", "invoke_non_punishment", "claim_compensation", "award_compensation",
		"grant_legal_aid", "join_as_civil_party", "report_missing", "report_found"}
	cases := []struct {
		name string
		n    nrmCase
		want []string
	}{
		{"non-EU identified", caseIn(sIdentified, pNone), append([]string{"start_reflection", "file_complaint",
			"record_prosecutor_opinion", "decline_cooperation", "return_home", "lose_contact", "close_case"}, facts...)},
		{"temporary permit, charged retaining trafficking", func() nrmCase {
			n := caseIn(sTemporary, pCharged)
			n.Facts.RetainsTrafficking = true
			return n
		}(), append([]string{"renew_temporary_permit", "record_prosecutor_opinion", "record_conviction",
			"record_acquittal", "dismiss_case", "settle_with_trafficker", "record_diplomatic_immunity",
			"grant_indefinite_stay", "withdraw_status", "return_home", "lose_contact", "close_case"}, facts...)},
		{"unaccompanied minor identified", func() nrmCase {
			n := caseIn(sIdentified, pNone)
			n.UnaccompaniedMinor, n.DateOfBirth = true, eligibility.MustParseDate("2009-01-01")
			return n
		}(), append([]string{"start_reflection", "file_complaint", "issue_provisional_permit",
			"record_prosecutor_opinion", "decline_cooperation", "return_home", "lose_contact", "close_case"}, facts...)},
		{"EU identified", func() nrmCase {
			n := caseIn(sIdentified, pNone)
			n.Nationality = "IT"
			return n
		}(), append([]string{"file_complaint", "record_prosecutor_opinion", "start_eu_assistance",
			"decline_cooperation", "return_home", "lose_contact", "close_case"}, facts...)},
		{"returned, complaint filed", caseIn(sReturned, pComplaint), append([]string{"record_prosecutor_opinion",
			"file_charges", "dismiss_case", "settle_with_trafficker", "record_diplomatic_immunity", "close_case"}, facts...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := allowedEvents(c.n, eventDay, settings); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

// TestMachineGoingBack checks resume_procedure and reopen_case (v2): back
// to the state recorded when contact was lost or the case closed, and
// refused when that state cannot be resumed or is not recorded.
func TestMachineGoingBack(t *testing.T) {
	type step struct {
		e    EventType
		data map[string]any
	}
	tests := []struct {
		name    string
		from    State
		steps   []step
		want    State    // "" = the last step is refused
		allowed []string // must be in allowed_events before the last step
		refused string   // must not be
	}{
		{name: "resume into the reflection period", from: sReflection,
			steps: []step{{"lose_contact", nil}, {"resume_procedure", nil}}, want: sReflection, allowed: []string{"resume_procedure"}},
		{name: "resume into the temporary permit", from: sTemporary,
			steps: []step{{"lose_contact", nil}, {"resume_procedure", nil}}, want: sTemporary},
		{name: "resume refused after contact lost while declined", from: sDeclined,
			steps: []step{{"lose_contact", nil}, {"resume_procedure", nil}}, refused: "resume_procedure"},
		{name: "resume refused while humanitarian application", from: sHumanitar,
			steps: []step{{"lose_contact", nil}, {"resume_procedure", nil}}, refused: "resume_procedure"},
		{name: "reopen a closed case into its state", from: sProvisional,
			steps: []step{{"close_case", map[string]any{"reason": "no_contact"}}, {"reopen_case", map[string]any{"reason": "closed_by_mistake"}}},
			want:  sProvisional, allowed: []string{"reopen_case"}},
		{name: "reopen into left_procedure, then resume", from: sReflection,
			steps: []step{{"lose_contact", nil}, {"close_case", map[string]any{"reason": "no_contact"}},
				{"reopen_case", map[string]any{"reason": "new_facts"}}, {"resume_procedure", nil}}, want: sReflection},
		{name: "reopen needs a reason", from: sIdentified,
			steps: []step{{"close_case", map[string]any{"reason": "other"}}, {"reopen_case", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := caseIn(tt.from, pNone)
			var err error
			for i, st := range tt.steps {
				last := i == len(tt.steps)-1
				if last {
					allowed := allowedEvents(n, eventDay, settings)
					for _, a := range tt.allowed {
						if !slices.Contains(allowed, a) {
							t.Errorf("allowed_events %v: want %s", allowed, a)
						}
					}
					if tt.refused != "" && slices.Contains(allowed, tt.refused) {
						t.Errorf("allowed_events %v: want no %s", allowed, tt.refused)
					}
					if n.State == sClosed && !slices.Equal(allowed, []string{"reopen_case"}) {
						t.Errorf("closed case: got allowed_events %v, want only reopen_case", allowed)
					}
				}
				data := st.data
				if st.e == "reopen_case" && data != nil {
					// normalized as the service would
					if data, err = normalizeData(&catalogue[eventIndex[st.e]], data); err != nil {
						t.Fatal(err)
					}
				}
				err = apply(context.Background(), &n, st.e, eventDay, data, settings)
				if !last && err != nil {
					t.Fatalf("step %s: %v", st.e, err)
				}
			}
			if tt.want == "" {
				if e, ok := apperr.As(err); tt.refused != "" && (!ok || e.Kind != apperr.InvalidTransition) {
					t.Errorf("got %v, want an InvalidTransition refusal", err)
				}
				if tt.refused == "" {
					_, err := normalizeData(&catalogue[eventIndex["reopen_case"]], nil)
					if e, ok := apperr.As(err); !ok || e.Kind != apperr.Invalid {
						t.Errorf("reopen_case without data: got %v, want a field error on data.reason", err)
					}
				}
				return
			}
			if err != nil || n.State != tt.want {
				t.Errorf("got %s (%v), want %s", n.State, err, tt.want)
			}
		})
	}
}

// TestMachineFacts checks what the fact events record.
func TestMachineFacts(t *testing.T) {
	type check func(f Facts) (got, want any)
	fv := func(v bool) FactValue { return FactValue{Value: v, Since: eventDay} }
	cases := []struct {
		event EventType
		data  map[string]any
		check check
	}{
		{"record_prosecutor_opinion", map[string]any{"opinion": "not_victim"}, func(f Facts) (any, any) {
			return [2]any{f.ProsecutorOpinion, f.ProsecutorOpinionOn}, [2]any{"not_victim", eventDay}
		}},
		{"record_contact_with_trafficker", nil, func(f Facts) (any, any) { return f.ContactWithTrafficker, fv(true) }},
		{"stop_cooperating", nil, func(f Facts) (any, any) { return f.Cooperating, fv(false) }},
		{"end_guidance", nil, func(f Facts) (any, any) { return f.GuidanceActive, fv(false) }},
		{"prove_identity", nil, func(f Facts) (any, any) { return f.IdentityProven, fv(true) }},
		{"notify_guardianship", nil, func(f Facts) (any, any) { return f.GuardianshipNotified, fv(true) }},
		{"record_penalization", map[string]any{"offence": "drugs", "linked_to_exploitation": true},
			func(f Facts) (any, any) { return f.PenalizationLinked, fv(true) }},
		{"invoke_non_punishment", nil, func(f Facts) (any, any) { return f.NonPunishmentInvoked, fv(true) }},
		{"claim_compensation", map[string]any{"route": "fund", "physical_violence_documented": true},
			func(f Facts) (any, any) {
				return [3]any{f.CompensationRoute, f.CompensationClaimedOn, f.PhysicalViolenceDocumented},
					[3]any{"fund", eventDay, fv(true)}
			}},
		{"award_compensation", map[string]any{"amount_eur": "10.00"}, func(f Facts) (any, any) { return f.CompensationAwarded, fv(true) }},
		{"grant_legal_aid", nil, func(f Facts) (any, any) { return f.LegalAid, fv(true) }},
		{"join_as_civil_party", nil, func(f Facts) (any, any) { return f.CivilParty, fv(true) }},
		{"report_missing", nil, func(f Facts) (any, any) { return f.Missing, fv(true) }},
		{"withdraw_status", map[string]any{"reason": "fraud"}, func(f Facts) (any, any) { return f.WithdrawalReason, "fraud" }},
		{"close_case", map[string]any{"reason": "deceased"}, func(f Facts) (any, any) { return f.ClosedReason, "deceased" }},
	}
	for _, c := range cases {
		t.Run(string(c.event), func(t *testing.T) {
			n := caseIn(sProvisional, pNone)
			if err := apply(context.Background(), &n, c.event, eventDay, c.data, settings); err != nil {
				t.Fatalf("got error %v, want success", err)
			}
			if got, want := c.check(n.Facts); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	t.Run("resume and end facts flip back", func(t *testing.T) {
		n := caseIn(sReflection, pNone)
		later := eventDay.AddDays(10)
		for _, st := range []struct {
			e  EventType
			on Date
		}{{"record_contact_with_trafficker", eventDay}, {"end_contact_with_trafficker", later},
			{"stop_cooperating", eventDay}, {"resume_cooperating", later},
			{"end_guidance", eventDay}, {"resume_guidance", later},
			{"report_missing", eventDay}, {"report_found", later}} {
			if err := apply(context.Background(), &n, st.e, st.on, nil, settings); err != nil {
				t.Fatalf("%s: got error %v", st.e, err)
			}
		}
		f := n.Facts
		for name, got := range map[string]FactValue{"contact": f.ContactWithTrafficker, "missing": f.Missing} {
			if want := (FactValue{false, later}); got != want {
				t.Errorf("%s: got %+v, want %+v", name, got, want)
			}
		}
		for name, got := range map[string]FactValue{"cooperating": f.Cooperating, "guidance": f.GuidanceActive} {
			if want := (FactValue{true, later}); got != want {
				t.Errorf("%s: got %+v, want %+v", name, got, want)
			}
		}
	})
}
