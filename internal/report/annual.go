package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/casemgr/casemgr/internal/audit"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/casework"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The categories of the annual report's breakdowns, in report order.
var (
	genders           = []string{"female", "male", "other", "unknown"}
	majorities        = []string{"adult", "minor", "unknown"}
	citizenships      = []string{"eu", "non_eu"}
	proceedingsOrder  = []string{"complaint_filed", "charged", "convicted", "acquitted", "dismissed", "settled", "immunity"}
	exploitationOrder = cases.ExploitationTypes
)

// tally accumulates the annual figures as exact integers.
type tally struct {
	year          int
	first, last   Date // the year's first day and the last day evaluated (as-of)
	set           eligibility.Settings
	identified    int
	gender        map[string]int
	majority      map[string]int
	citizenship   map[string]int
	region        map[string]int
	exploitation  map[string]int
	reflection    int
	provIssued    int
	provExtended  int
	tempIssued    int
	tempRenewed   int
	indefinite    int
	withdrawals   map[string]int
	proceedings   map[string]int
	claims        int
	awards        int
	awardedCents  int64
	flagged       [32]int // victims flagged, by rule index (eligibility.RuleSet bits)
	replayFailing int
	// services counts the victims who received each service type during
	// the year, served those who received any (casework.go).
	services map[string]int
	served   int
	// transfers counts the transfers accepted during the year: by
	// receiving and sending shelter (all shelters; shelters lists every
	// shelter with a case record) or by direction (one shelter). They are
	// counted once, before the workers, and not merged.
	transfers                             int
	transferTo, transferFrom, transferDir map[string]int
	shelters                              map[string]bool
	// shelter is the report's scope ("" for all) and departures, in one
	// shelter's report, the transfers that took each case out of it
	// (read-only, shared by the workers).
	shelter    string
	departures map[string][]acceptedTransfer
	// caseServices are the services of each case at the cut-off
	// (read-only, shared by the workers; nil in the anonymized export and
	// the policy what-if).
	caseServices map[string]caseServices
	// anonymized: the tally is for the anonymized export, which needs the
	// people identified in the year with their state at the end, not the
	// rules.
	anonymized bool
	// people are the victims identified in the year (anonymized only).
	people []Person
	// policy is the change of the rules of a policy what-if; the tally
	// then counts only pol (policy.go).
	policy *eligibility.PolicyChange
	pol    policyTally
}

// Date is a civil date (Europe/Brussels).
type Date = eligibility.Date

func newTally(year int, asOf Date, set eligibility.Settings) *tally {
	return &tally{
		year: year, first: eligibility.NewDate(year, 1, 1), last: asOf, set: set,
		gender: map[string]int{}, majority: map[string]int{}, citizenship: map[string]int{},
		region: map[string]int{}, exploitation: map[string]int{}, withdrawals: map[string]int{},
		proceedings: map[string]int{}, services: map[string]int{},
		transferTo: map[string]int{}, transferFrom: map[string]int{}, transferDir: map[string]int{},
		shelters: map[string]bool{},
	}
}

// part returns an empty tally of the same year and settings, for a worker.
func (t *tally) part() *tally {
	p := newTally(t.year, t.last, t.set)
	p.anonymized, p.policy = t.anonymized, t.policy
	p.shelter, p.departures, p.caseServices = t.shelter, t.departures, t.caseServices
	return p
}

// merge adds the counts of a worker's tally.
func (t *tally) merge(o *tally) {
	add := func(dst, src map[string]int) {
		for k, v := range src {
			dst[k] += v
		}
	}
	t.identified += o.identified
	add(t.gender, o.gender)
	add(t.majority, o.majority)
	add(t.citizenship, o.citizenship)
	add(t.region, o.region)
	add(t.exploitation, o.exploitation)
	t.reflection += o.reflection
	t.provIssued += o.provIssued
	t.provExtended += o.provExtended
	t.tempIssued += o.tempIssued
	t.tempRenewed += o.tempRenewed
	t.indefinite += o.indefinite
	add(t.withdrawals, o.withdrawals)
	add(t.proceedings, o.proceedings)
	t.claims += o.claims
	t.awards += o.awards
	t.awardedCents += o.awardedCents
	for i, n := range o.flagged {
		t.flagged[i] += n
	}
	t.replayFailing += o.replayFailing
	add(t.services, o.services)
	t.served += o.served
	t.people = append(t.people, o.people...)
	t.pol.merge(&o.pol)
}

// event is one record of a case with its parsed occurred_on.
type event struct {
	rec audit.Record
	on  Date
}

// addCase counts one case from its statistical attributes and its records
// (seq order, occurred_on up to the as-of date).
func (t *tally) addCase(c cases.StatCase, recs []audit.Record) error {
	// Voided events are left out: counted nowhere, replayed never (a void
	// recorded after the cut-off does not count, so a report stays
	// reproducible).
	if voided := cases.VoidedSeqs(recs); len(voided) > 0 {
		kept := make([]audit.Record, 0, len(recs))
		for _, r := range recs {
			if _, gone := voided[r.Seq]; !gone {
				kept = append(kept, r)
			}
		}
		recs = kept
	}
	evs := make([]event, len(recs))
	for i, r := range recs {
		on, err := eligibility.ParseDate(r.OccurredOn)
		if err != nil {
			return fmt.Errorf("report: record %d: occurred_on: %w", r.Seq, err)
		}
		evs[i] = event{rec: r, on: on}
		if t.policy != nil || on.Before(t.first) || on.After(t.last) {
			continue // counted in another year
		}
		if err := t.addRecord(c, r); err != nil {
			return err
		}
	}
	end := t.last
	if len(recs) > 0 {
		end = t.caseEnd(recs)
	}
	if t.policy != nil {
		t.addPolicy(c, evs, end)
		return nil
	}
	t.addServices(c.ID)
	flagged, state, proceedings, err := t.replay(c, evs, end)
	if err != nil {
		t.replayFailing++
	} else {
		for i := range t.flagged {
			if flagged.Has(i) {
				t.flagged[i]++
			}
		}
	}
	if t.anonymized && c.IdentifiedOn.Year == t.year && !c.IdentifiedOn.After(t.last) {
		t.people = append(t.people, Person{
			Year: c.IdentifiedOn.Year, Gender: c.Gender, AgeBand: c.CTDCAgeBand, Majority: c.Majority(),
			Citizenship: c.Nationality, Exploitation: c.Exploitation, State: string(state), Proceedings: string(proceedings),
		})
	}
	return nil
}

// addRecord counts the event of one record dated in the year.
func (t *tally) addRecord(c cases.StatCase, r audit.Record) error {
	switch r.Event {
	case "open_case":
		t.identified++
		t.gender[c.Gender]++
		t.majority[c.Majority()]++
		if eligibility.IsEUCitizen(c.Nationality) {
			t.citizenship["eu"]++
		} else {
			t.citizenship["non_eu"]++
		}
		t.region[Region(c.Nationality)]++
		for _, e := range c.Exploitation {
			t.exploitation[e]++
		}
	case "start_reflection":
		t.reflection++
	case "extend_provisional_permit":
		t.provExtended++
	case "confirm_victim_status":
		t.tempIssued++
	case "renew_temporary_permit":
		t.tempRenewed++
	case "grant_indefinite_stay":
		t.indefinite++
	case "withdraw_status":
		reason, err := dataString(r, "reason")
		if err != nil {
			return err
		}
		t.withdrawals[reason]++
	case "claim_compensation":
		t.claims++
	case "award_compensation":
		amount, err := dataString(r, "amount_eur")
		if err != nil {
			return err
		}
		cents, err := parseCents(amount)
		if err != nil {
			return fmt.Errorf("report: record %d: amount_eur: %w", r.Seq, err)
		}
		t.awards++
		t.awardedCents += cents
	}
	if r.ToState == string(eligibility.StateProvisionalPermit) && r.FromState != r.ToState {
		t.provIssued++
	}
	if r.ToProceedings != r.FromProceedings && r.Event != "open_case" {
		t.proceedings[r.ToProceedings]++
	}
	return nil
}

// replay rebuilds the case from its events and returns its state and
// proceedings on the as-of date and, unless the tally is for the anonymized
// export, the rules that flagged it on at least one day of the year up to
// that date or end, whichever is first (evaluated day by day; a closed
// case is not flagged).
func (t *tally) replay(c cases.StatCase, evs []event, end Date) (eligibility.RuleSet, cases.State, cases.Proceedings, error) {
	rp := cases.NewReplay(c, t.set)
	i := 0
	// applyUntil applies the events dated up to d and reports whether any was.
	applyUntil := func(d Date) (bool, error) {
		n := i
		for ; i < len(evs) && !evs[i].on.After(d); i++ {
			if err := rp.Apply(evs[i].rec.Event, evs[i].on, evs[i].rec.Data, evs[i].rec.ToState, evs[i].rec.ToProceedings); err != nil {
				return false, err
			}
		}
		return i > n, nil
	}
	var flagged eligibility.RuleSet
	if !t.anonymized {
		start := t.first
		if c.IdentifiedOn.After(start) {
			start = c.IdentifiedOn
		}
		var snap eligibility.Snapshot
		for d := start; !d.After(end); d = d.AddDays(1) {
			changed, err := applyUntil(d)
			if err != nil {
				return 0, "", "", err
			}
			if rp.State() == eligibility.StateClosed {
				break
			}
			if changed || d == start {
				snap = rp.Snapshot()
			}
			flagged |= eligibility.Firing(snap, d, t.set)
		}
	}
	if _, err := applyUntil(t.last); err != nil {
		return 0, "", "", err
	}
	return flagged, rp.State(), rp.Proceedings(), nil
}

// dataString reads a string member of a record's data object.
func dataString(r audit.Record, key string) (string, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Data), &m); err != nil {
		return "", fmt.Errorf("report: record %d: data: %w", r.Seq, err)
	}
	s, ok := m[key].(string)
	if !ok {
		return "", fmt.Errorf("report: record %d: data.%s is not a string", r.Seq, key)
	}
	return s, nil
}

// parseCents parses a positive decimal string with at most two places.
func parseCents(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a decimal with two places", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 1e12 {
		return 0, fmt.Errorf("%q is not a decimal with two places", s)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a decimal with two places", s)
	}
	return w*100 + f, nil
}

// formatCents writes cents as a decimal string with two places.
func formatCents(c int64) string {
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}

// margin builds a breakdown of total in the given category order.
func margin(counts map[string]int, order []string, total int, overlapping bool) Margin {
	return Margin{Cells: cells(counts, order), Total: Count{N: total}, Overlapping: overlapping}
}

// cells lists counts in the given order (the vocabularies are validated
// when events are recorded, so no key falls outside it).
func cells(counts map[string]int, order []string) []Cell {
	out := make([]Cell, 0, len(order))
	for _, k := range order {
		out = append(out, Cell{Key: k, Count: Count{N: counts[k]}})
	}
	return out
}

// annual turns the tally into the report's exact figures.
func (t *tally) annual() Annual {
	var rules []string
	flagged := map[string]int{}
	for i, r := range eligibility.Rules() {
		rules = append(rules, r.ID)
		flagged[r.ID] = t.flagged[i]
	}
	withdrawn := 0
	for _, n := range t.withdrawals {
		withdrawn += n
	}
	reasons := cases.WithdrawReasons()
	return Annual{
		Year: t.year, RulesVersion: eligibility.Version,
		Victims: Victims{
			Identified:     Count{N: t.identified},
			ByGender:       margin(t.gender, genders, t.identified, false),
			ByAge:          margin(t.majority, majorities, t.identified, false),
			ByCitizenship:  margin(t.citizenship, citizenships, t.identified, false),
			ByRegion:       margin(t.region, Regions, t.identified, false),
			ByExploitation: margin(t.exploitation, exploitationOrder, t.identified, true),
		},
		Permits: Permits{
			ReflectionStarted: Count{N: t.reflection}, ProvisionalIssued: Count{N: t.provIssued},
			ProvisionalExtended: Count{N: t.provExtended}, TemporaryIssued: Count{N: t.tempIssued},
			TemporaryRenewed: Count{N: t.tempRenewed}, IndefiniteGranted: Count{N: t.indefinite},
		},
		Withdrawals:    margin(t.withdrawals, reasons, withdrawn, false),
		Proceedings:    cells(t.proceedings, proceedingsOrder),
		Compensation:   Compensation{Claims: Count{N: t.claims}, Awards: Count{N: t.awards}, AwardedEUR: formatCents(t.awardedCents)},
		Flagged:        cells(flagged, rules),
		ReplayFailures: t.replayFailing,
		Services:       margin(t.services, casework.ServiceTypes, t.served, true),
		Transfers:      t.transfersFigures(),
	}
}
