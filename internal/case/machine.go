package cases

import (
	"context"
	"errors"
	"fmt"

	"github.com/looplab/fsm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The two state machines of a case are looplab/fsm instances built from
// the event table (table.go), and they alone accept or refuse an event:
// the transitions come from the rows' edges, and each row's guard runs as
// the machine's before-event callback, which cancels the event. A machine
// is built per change from the stored states (the database row is the
// truth) and holds only the transition of the event being fired (see
// only).

func openStates() []State {
	var out []State
	for _, s := range eligibility.States() {
		if s != closed {
			out = append(out, s)
		}
	}
	return out
}

// stateMoves resolves a row's residence-track edges into source →
// destination, for a victim who is an EU citizen or not.
func stateMoves(d *eventDef, eu bool) map[State]State {
	out := map[State]State{}
	for _, e := range d.state {
		if e.nonEU && eu {
			continue
		}
		from := e.from
		if from == nil {
			from = openStates()
		}
		for _, s := range from {
			if slicesContains(e.except, s) {
				continue
			}
			to := e.to
			if to == "" {
				to = s // kept, or (back edges) resolved per case in newMachines
			}
			out[s] = to
		}
	}
	return out
}

// proceedingsMoves resolves a row's criminal-track edges.
func proceedingsMoves(d *eventDef) map[Proceedings]Proceedings {
	out := map[Proceedings]Proceedings{}
	for _, e := range d.proceedings {
		for _, p := range e.from {
			out[p] = e.to
		}
	}
	return out
}

func slicesContains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func isOneOf(s State, set ...State) bool { return slicesContains(set, s) }

// transitions holds, for each source state, the machine's event
// descriptions leaving it and, by event, whether there is one (for
// allowed_events, which runs for every case shown and so does not build
// machines).
type transitions[K comparable] struct {
	descs   map[K][]fsm.EventDesc
	accepts map[K]map[EventType]bool
}

func newTransitions[K comparable]() transitions[K] {
	return transitions[K]{descs: map[K][]fsm.EventDesc{}, accepts: map[K]map[EventType]bool{}}
}

func (tr transitions[K]) add(t EventType, src, dst K) {
	tr.descs[src] = append(tr.descs[src], fsm.EventDesc{Name: string(t), Src: []string{fmt.Sprint(src)}, Dst: fmt.Sprint(dst)})
	if tr.accepts[src] == nil {
		tr.accepts[src] = map[EventType]bool{}
	}
	tr.accepts[src][t] = true
}

// The transitions of the table, resolved once.
var (
	stateNonEU, stateEU = buildState(false), buildState(true)
	proceedingsTr       = buildProceedings()
)

func buildState(eu bool) transitions[State] {
	tr := newTransitions[State]()
	for i := range catalogue {
		d := &catalogue[i]
		for src, dst := range stateMoves(d, eu) {
			tr.add(d.typ, src, dst)
		}
	}
	return tr
}

func buildProceedings() transitions[Proceedings] {
	tr := newTransitions[Proceedings]()
	for i := range catalogue {
		d := &catalogue[i]
		for src, dst := range proceedingsMoves(d) {
			tr.add(d.typ, src, dst)
		}
	}
	return tr
}

func stateTransitions(n *nrmCase) transitions[State] {
	if n.euCitizen() {
		return stateEU
	}
	return stateNonEU
}

// machines are the two state machines of one case.
type machines struct {
	state       *fsm.FSM
	proceedings *fsm.FSM
}

// newMachines builds the machines of a case for firing row d on the date
// on: from its stored states, with the transitions that leave them, and
// d's guard as the callback that runs before d.
func newMachines(n *nrmCase, d *eventDef, on Date, set eligibility.Settings) machines {
	var callbacks fsm.Callbacks
	if d.guard != nil {
		callbacks = fsm.Callbacks{"before_" + string(d.typ): func(_ context.Context, e *fsm.Event) {
			if why := d.guard(n, on, set); why != "" {
				e.Cancel(errors.New(why))
			}
		}}
	}
	descs := only(stateTransitions(n).descs[n.State], d.typ)
	if to := backTo(n, d); to != "" && len(descs) == 1 {
		descs[0].Dst = string(to)
	}
	return machines{
		state:       fsm.NewFSM(string(n.State), descs, callbacks),
		proceedings: fsm.NewFSM(string(n.Proceedings), only(proceedingsTr.descs[n.Proceedings], d.typ), nil),
	}
}

// only returns, in a new slice, the description of event t among descs:
// one event fires per change, and fsm.NewFSM's cost grows with every
// description it is given (about 25 µs for a state's thirty, against 2 µs
// for one). A machine without t refuses it, as the full one would.
func only(descs []fsm.EventDesc, t EventType) []fsm.EventDesc {
	for _, d := range descs {
		if d.Name == string(t) {
			return []fsm.EventDesc{d}
		}
	}
	return nil
}

// backTo returns where a back edge of row d takes the case from its
// current state, or "" when d has none from there.
func backTo(n *nrmCase, d *eventDef) State {
	for _, e := range d.state {
		if e.back != nil && slicesContains(e.from, n.State) {
			return e.back(&n.Facts)
		}
	}
	return ""
}

// fire runs an event on one machine. A transition to the same state
// (renewals, facts) is a success; any other error is the machine's
// refusal, returned as the reason to show.
func fire(ctx context.Context, m *fsm.FSM, t EventType) error {
	err := m.Event(ctx, string(t))
	var noTransition fsm.NoTransitionError
	var canceled fsm.CanceledError
	switch {
	case err == nil, errors.As(err, &noTransition) && noTransition.Err == nil:
		return nil
	case errors.As(err, &canceled) && canceled.Err != nil:
		return canceled.Err // the guard's reason
	case errors.As(err, &noTransition):
		return noTransition.Err
	default:
		return errors.New("no such transition")
	}
}

// allowedEvents lists the events accepted now, guards applied, in the
// order of the event table ([] for a closed case: no row leaves it). It
// reads the transitions the machines are built from.
func allowedEvents(n nrmCase, on Date, set eligibility.Settings) []string {
	out := []string{}
	st := stateTransitions(&n).accepts[n.State]
	pr := proceedingsTr.accepts[n.Proceedings]
	for i := range catalogue {
		d := &catalogue[i]
		if !st[d.typ] || (d.proceedings != nil && !pr[d.typ]) {
			continue
		}
		if d.guard == nil || d.guard(&n, on, set) == "" {
			out = append(out, string(d.typ))
		}
	}
	return out
}

// apply runs one event on the case: its machines accept or refuse it,
// then its row's effect updates the facts and expiry dates. A refusal is
// an InvalidTransition error listing the allowed events.
func apply(ctx context.Context, n *nrmCase, t EventType, on Date, data map[string]any, set eligibility.Settings) error {
	d, ok := lookup(t)
	if !ok {
		return apperr.FieldCode("type", apperr.CodeUnknownValue, "unknown event %q: want %s", t, describeEvents())
	}
	refuse := func(why string) error {
		if n.State == closed {
			why = "the case is closed"
		}
		return &apperr.Error{Kind: apperr.InvalidTransition,
			Message: fmt.Sprintf("%s is not allowed now (state %s, proceedings %s): %s", t, n.State, n.Proceedings, why),
			Allowed: allowedEvents(*n, on, set)}
	}
	m := newMachines(n, d, on, set)
	if err := fire(ctx, m.state, t); err != nil {
		return refuse(err.Error())
	}
	if d.proceedings != nil {
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
	if d.effect != nil {
		d.effect(&effect{n: n, f: &n.Facts, t: t, before: before, on: on, data: data, set: set})
	}
	n.LastEventOn = on
	return nil
}
