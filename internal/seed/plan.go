package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Date is a civil date in Europe/Brussels.
type Date = eligibility.Date

// Plan is one synthetic case: the input of cases.Service.Create and the
// events to record on it, in order.
type Plan struct {
	// Shelter is the shelter the case belongs to (the actor's shelter).
	Shelter string
	// Case is the case as created.
	Case cases.NewCase
	// Events are recorded in this order; their dates never decrease.
	Events []Event
}

// Event is one event of a plan.
type Event struct {
	Type cases.EventType
	On   Date
	// Data holds every field of the event's data object, defaults
	// included: the generator stores the data as cases.Draft's Apply
	// (the service's own normalisation) returned it.
	Data map[string]any
	// Note is a short free-text note ("" for none).
	Note string
}

// Options configures a Generator.
type Options struct {
	// Shelters the cases are spread over, evenly; at least one.
	Shelters []string
	// EventsPerCase is the number of events after open_case on every
	// case: each case gets EventsPerCase+1 audit records.
	EventsPerCase int
	// Today is the generator's "today": no date is later.
	Today Date
	// Years is how far back identifications go (default 5).
	Years int
	// Seed makes the sequence of plans reproducible.
	Seed uint64
	// Settings are the NRM settings of the target (the number of
	// provisional extensions decides whether extensions are generated).
	Settings eligibility.Settings
}

// Generator produces plans. It is not safe for concurrent use.
type Generator struct {
	o   Options
	rnd *rand.Rand
	n   int
}

// NewGenerator returns a generator, or an error for unusable options.
func NewGenerator(o Options) (*Generator, error) {
	if len(o.Shelters) == 0 {
		return nil, fmt.Errorf("seed: no shelters")
	}
	if o.EventsPerCase < 0 {
		return nil, fmt.Errorf("seed: events per case %d: want 0 or more", o.EventsPerCase)
	}
	if o.Today.IsZero() {
		return nil, fmt.Errorf("seed: today is not set")
	}
	if o.Years <= 0 {
		o.Years = 5
	}
	return &Generator{o: o, rnd: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))}, nil
}

func pick[T any](r *rand.Rand, list []weighted[T]) T {
	total := 0
	for _, w := range list {
		total += w.w
	}
	n := r.IntN(total)
	for _, w := range list {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return list[len(list)-1].v
}

func one[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// step is an event of a scenario and its typical delay after the previous
// event, in days (uniform in [min, max]).
type step struct {
	t        cases.EventType
	min, max int
	data     func(r *rand.Rand) map[string]any
}

func st(t cases.EventType, min, max int) step { return step{t: t, min: min, max: max} }

func withData(s step, f func(r *rand.Rand) map[string]any) step { s.data = f; return s }

func closeReason(reason string) func(*rand.Rand) map[string]any {
	return func(*rand.Rand) map[string]any { return map[string]any{"reason": reason} }
}

func charges(r *rand.Rand) map[string]any {
	return map[string]any{"retains_trafficking": r.IntN(10) < 7}
}

// scenario returns the main events of a case: the path along docs/model.md "Events" that
// the case takes, before fact events are added and dates assigned.
func (g *Generator) scenario(eu, umMinor bool, old bool) []step {
	r := g.rnd
	complaint := st(cases.FileComplaint, 5, 45)
	confirm := st(cases.ConfirmVictimStatus, 60, 90)
	fileCharges := withData(st(cases.FileCharges, 60, 300), charges)
	renewals := func(n int) []step {
		var out []step
		for i := 0; i < n; i++ {
			if r.IntN(20) == 0 {
				out = append(out, st(cases.RenewTemporaryPermit, 185, 200)) // after expiry: a gap (R25)
			} else {
				out = append(out, st(cases.RenewTemporaryPermit, 150, 178))
			}
		}
		return out
	}
	var s []step
	if eu {
		s = []step{st(cases.StartEUAssistance, 0, 5)}
		switch n := r.IntN(10); {
		case n < 5:
			s = append(s, complaint, fileCharges, st(cases.RecordConviction, 200, 700))
		case n < 8:
			s = append(s, complaint)
		}
		if old || r.IntN(3) == 0 {
			s = append(s, withData(st(cases.CloseCase, 30, 200), closeReason("victim_request")))
		}
		return s
	}
	if umMinor && r.IntN(2) == 0 {
		s = []step{st(cases.IssueProvisionalPermit, 0, 2), st(cases.NotifyGuardianship, 0, 1),
			st(cases.FileComplaint, 10, 60), confirm, fileCharges}
		s = append(s, renewals(r.IntN(3))...)
		return s
	}
	start := st(cases.StartReflection, 0, 3)
	switch n := r.IntN(100); {
	case n < 6: // still deciding
		s = []step{start}
	case n < 14: // declined to cooperate
		s = []step{start, st(cases.DeclineCooperation, 30, 45)}
		if r.IntN(2) == 0 {
			s = append(s, st(cases.ApplyHumanitarianResidence, 10, 60))
		}
	case n < 22: // provisional permit, possibly extended
		s = []step{start, complaint}
		if g.o.Settings.ProvisionalExtensions > 0 && r.IntN(2) == 0 {
			s = append(s, st(cases.ExtendProvisionalPermit, 80, 92))
		}
	case n < 45: // temporary permit, renewed while the case goes on
		s = []step{start, complaint, confirm, fileCharges}
		s = append(s, renewals(1+r.IntN(4))...)
	case n < 65: // conviction, then indefinite stay
		s = []step{start, complaint, confirm, fileCharges}
		s = append(s, renewals(1+r.IntN(2))...)
		s = append(s, st(cases.RecordConviction, 30, 200), st(cases.GrantIndefiniteStay, 10, 120))
	case n < 75: // dismissed within the window: status withdrawn
		s = []step{start, complaint, confirm, fileCharges, st(cases.DismissCase, 100, 600),
			withData(st(cases.WithdrawStatus, 5, 30), closeReason("dismissal"))}
		if r.IntN(2) == 0 {
			s = append(s, st(cases.ApplyHumanitarianResidence, 10, 60))
		}
	case n < 80: // settled before indictment
		s = []step{start, complaint, st(cases.SettleWithTrafficker, 60, 300),
			withData(st(cases.WithdrawStatus, 5, 30), closeReason("settlement"))}
	case n < 88: // lost contact
		s = []step{start, complaint, st(cases.LoseContact, 10, 200)}
	default: // went home
		s = []step{start, st(cases.ReturnHome, 10, 60),
			withData(st(cases.CloseCase, 5, 60), closeReason("returned"))}
	}
	if old && s[len(s)-1].t != cases.CloseCase && r.IntN(3) == 0 {
		reason := "no_contact"
		if s[len(s)-1].t == cases.GrantIndefiniteStay {
			reason = "indefinite_stay_settled"
		}
		s = append(s, withData(st(cases.CloseCase, 30, 365), closeReason(reason)))
	}
	return s
}

// drawFact draws a fact event for the case d: the facts it holds decide
// between an event and its opposite (contact, cooperation, guidance,
// missing).
func (g *Generator) drawFact(d *cases.Draft) (cases.EventType, map[string]any) {
	r := g.rnd
	f := d.Facts()
	switch r.IntN(16) {
	case 0:
		return cases.ProveIdentity, nil
	case 1:
		if f.ContactWithTrafficker.Value {
			return cases.EndContactWithTrafficker, nil
		}
		return cases.RecordContactWithTrafficker, nil
	case 2:
		if !f.Cooperating.Value {
			return cases.ResumeCooperating, nil
		}
		return cases.StopCooperating, nil
	case 3:
		if !f.GuidanceActive.Value {
			return cases.ResumeGuidance, nil
		}
		return cases.EndGuidance, nil
	case 4:
		if f.Missing.Value {
			return cases.ReportFound, nil
		}
		return cases.ReportMissing, nil
	case 5:
		return cases.RecordPenalization, map[string]any{"offence": one(r, offences), "linked_to_exploitation": r.IntN(3) > 0}
	case 6:
		return cases.InvokeNonPunishment, nil
	case 7:
		return cases.ClaimCompensation, map[string]any{"route": one(r, compensation), "physical_violence_documented": r.IntN(2) == 0}
	case 8:
		return cases.AwardCompensation, map[string]any{"amount_eur": one(r, amounts)}
	case 9:
		return cases.JoinAsCivilParty, nil
	case 10:
		return cases.RecordProsecutorOpinion, map[string]any{"opinion": one(r, opinions)}
	case 11:
		if d.UnaccompaniedMinor() {
			return cases.NotifyGuardianship, nil
		}
		return cases.ProveIdentity, nil
	default:
		return cases.GrantLegalAid, nil
	}
}

// factTries is how many fact events the generator draws for one date
// before it gives up: internal/case accepts every fact event in every open
// state today, so the first draw is taken unless that changes.
const factTries = 8

// factEvent draws a fact event dated on that the case d accepts: each draw
// is tried on a copy of d. It returns the event, with its normalised data,
// and the case after it; d itself is not changed.
func (g *Generator) factEvent(ctx context.Context, d *cases.Draft, on Date) (Event, *cases.Draft, error) {
	var err error
	for try := 0; try < factTries; try++ {
		t, data := g.drawFact(d)
		e := Event{Type: t, On: on, Data: data}
		c := d.Clone()
		if e.Data, err = g.apply(ctx, c, e); err == nil {
			return e, c, nil
		}
	}
	return Event{}, d, fmt.Errorf("seed: no fact event accepted on %s in state %s, proceedings %s: %w",
		on, d.State(), d.Proceedings(), err)
}

// apply records e on d as cases.Service.RecordEvent would, as of the
// generator's today, and returns the normalised data.
func (g *Generator) apply(ctx context.Context, d *cases.Draft, e Event) (map[string]any, error) {
	in := cases.EventInput{Type: string(e.Type), OccurredOn: e.On.String(), Data: e.Data}
	return d.Apply(ctx, in, g.o.Today, false, g.o.Settings)
}

// victim draws the victim of a case identified on identified.
func (g *Generator) victim(identified Date, exploitation []string) cases.VictimInput {
	r := g.rnd
	nat := pick(r, nationalityWeights)
	nm, ok := names[nat]
	if !ok { // XX: any origin
		keys := make([]string, 0, len(names))
		for k := range names {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		nm = names[keys[r.IntN(len(keys))]]
	}
	v := cases.VictimInput{GivenName: one(r, nm.given), FamilyName: one(r, nm.family), Nationality: nat}
	if r.IntN(5) == 0 {
		v.Alias = one(r, aliases)
	}
	femaleShare := 50
	switch exploitation[0] {
	case "sexual":
		femaleShare = 85
	case "labour":
		femaleShare = 30
	case "domestic_servitude":
		femaleShare = 70
	}
	switch n := r.IntN(100); {
	case n < 2:
		v.Gender = "unknown"
	case n < 3:
		v.Gender = "other"
	case n-3 < femaleShare*97/100:
		v.Gender = "female"
	default:
		v.Gender = "male"
	}
	// Age at identification: 10% minors (12-17), adults 18-55; 5% unknown.
	switch n := r.IntN(100); {
	case n < 5:
	case n < 15:
		age := 12 + r.IntN(6)
		v.DateOfBirth = identified.AddYears(-age).AddDays(-r.IntN(360)).String()
		v.UnaccompaniedMinor = nat != "BE" && r.IntN(10) < 6
	default:
		age := 18 + r.IntN(38)
		v.DateOfBirth = identified.AddYears(-age).AddDays(-r.IntN(360)).String()
	}
	return v
}

// Next returns the next plan.
func (g *Generator) Next() (Plan, error) {
	r := g.rnd
	o := g.o
	shelter := o.Shelters[g.n%len(o.Shelters)]
	g.n++
	// Identification dates: uniform over the last Years years, with a
	// quarter of the cases in the last year (case work is busiest there).
	span := o.Years * 365
	if r.IntN(4) == 0 {
		span = 365
	}
	identified := o.Today.AddDays(-r.IntN(span + 1))
	expl := []string{pick(r, exploitationWeights)}
	if r.IntN(12) == 0 {
		if second := pick(r, exploitationWeights); second != expl[0] {
			expl = append(expl, second)
		}
	}
	p := Plan{Shelter: shelter, Case: cases.NewCase{
		Victim: g.victim(identified, expl), Exploitation: expl,
		IdentifiedOn: identified.String(), IdentifiedBy: pick(r, identifiedByWeights),
	}}
	// The case as the service creates it. Whether the shelter is an
	// official NRM provider changes flags only, never the path.
	d, err := cases.NewDraft(p.Case, shelter, true, o.Today)
	if err != nil {
		return Plan{}, fmt.Errorf("seed: generated an invalid case: %w", err)
	}
	ctx := context.Background()
	old := identified.DaysUntil(o.Today) > 3*365
	// The minors' path starts with a provisional permit within two days,
	// if the case accepts one then (the list is built only for the few
	// cases marked unaccompanied minor).
	eu := eligibility.IsEUCitizen(d.Nationality())
	umMinor := d.UnaccompaniedMinor() && !eu &&
		slices.Contains(d.AllowedEvents(identified.AddDays(2), o.Settings), string(cases.IssueProvisionalPermit))
	steps := g.scenario(eu, umMinor, old)

	// Dates: each step after the previous one by its typical delay;
	// steps that would fall after today have not happened yet.
	var main []Event
	on := identified
	for _, s := range steps {
		on = on.AddDays(s.min + r.IntN(s.max-s.min+1))
		if on.After(o.Today) {
			break
		}
		var data map[string]any
		if s.data != nil {
			data = s.data(r)
		}
		main = append(main, Event{Type: s.t, On: on, Data: data})
	}
	if len(main) > o.EventsPerCase {
		main = main[:o.EventsPerCase]
	}
	// Fact events fill the plan up to EventsPerCase, on dates between
	// identification and the last main event (or today), before a closure.
	end := o.Today
	closing := len(main) > 0 && main[len(main)-1].Type == cases.CloseCase
	if len(main) > 0 {
		end = main[len(main)-1].On
	}
	extra := o.EventsPerCase - len(main)
	dates := make([]Date, extra)
	width := identified.DaysUntil(end)
	for i := range dates {
		dates[i] = identified.AddDays(r.IntN(width + 1))
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	var closeEvent *Event
	if closing {
		closeEvent = &main[len(main)-1]
		main = main[:len(main)-1]
	}
	// Merge: fact dates into the main events, in date order; on equal
	// dates the main event comes first.
	events := make([]Event, 0, o.EventsPerCase)
	i, j := 0, 0
	for i < len(main) || j < len(dates) {
		if j >= len(dates) || (i < len(main) && !dates[j].Before(main[i].On)) {
			e := main[i]
			i++
			if e.Data, err = g.apply(ctx, d, e); err != nil {
				return Plan{}, fmt.Errorf("seed: generated an invalid path: %w", err)
			}
			events = append(events, e)
			continue
		}
		var e Event
		if e, d, err = g.factEvent(ctx, d, dates[j]); err != nil {
			return Plan{}, err
		}
		j++
		events = append(events, e)
	}
	if closeEvent != nil {
		e := *closeEvent
		if e.Data, err = g.apply(ctx, d, e); err != nil {
			return Plan{}, fmt.Errorf("seed: generated an invalid closure: %w", err)
		}
		events = append(events, e)
	}
	for k := range events {
		if r.IntN(8) == 0 {
			events[k].Note = one(r, notes)
		}
	}
	p.Events = events
	return p, nil
}
