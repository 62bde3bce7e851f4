package eligibility

import "slices"

// Source is the passage of the seed report a flag rests on.
type Source struct {
	Document string `json:"document"` // always SourceDocument
	Section  string `json:"section"`  // always SourceSection
	Quote    string `json:"quote"`    // copied exactly from the report
}

// Flag is the outcome of one rule for one case on one date (docs/rules.md "Flags").
type Flag struct {
	Rule           string   `json:"rule"`           // R01 … R25
	Name           string   `json:"name"`           // the rule's name
	Kind           Kind     `json:"kind"`           // risk, exposure or deadline
	Severity       Severity `json:"severity"`       // critical, high, medium or info
	AtRisk         []string `json:"at_risk"`        // AtRisk* values, in the rule's order; never nil
	Title          string   `json:"title"`          // a short English sentence
	Detail         string   `json:"detail"`         // the dates and facts that triggered the flag
	Text           Text     `json:"-"`              // Detail before rendering, for other languages
	DueOn          *Date    `json:"due_on"`         // the deadline, or nil (JSON null) when none
	Basis          Basis    `json:"basis"`          // statute, practice, report or inferred
	Source         Source   `json:"source"`         // the citation into the seed report
	Recommendation string   `json:"recommendation"` // the seed's recommendation, "" when none
	NextStep       string   `json:"next_step"`      // what the caseworker can do now
	NextStepText   Text     `json:"-"`              // NextStep before rendering, for other languages
}

// RuleInfo describes one rule of the rule set.
type RuleInfo struct {
	ID             string // R01 … R25
	Name           string // e.g. "dismissal-within-window"
	Basis          Basis  // statute, practice, report or inferred
	Quote          string // the passage of the seed report the rule rests on
	Recommendation string // the report's prioritized recommendation addressing the condition, "" when none
}

// Rules returns the rule set in rule id order, in a new slice.
func Rules() []RuleInfo {
	out := make([]RuleInfo, len(catalogue))
	for i := range catalogue {
		r := &catalogue[i]
		out[i] = RuleInfo{ID: r.ID, Name: r.Name, Basis: r.Basis, Quote: r.Quote, Recommendation: r.Recommendation}
	}
	return out
}

// Evaluate applies the rule set (docs/rules.md) to the snapshot on the
// date asOf with the given settings. It is pure: the same inputs always
// give the same flags. At most one flag per rule (a rule's Fires returns
// its risk form when both forms hold); flags are ordered by severity, then
// rule id. A closed case gives an empty, non-nil slice. Settings are used
// as given: validate them once when they are loaded (Settings.Validate).
func Evaluate(s Snapshot, asOf Date, set Settings) []Flag {
	if s.State == StateClosed {
		return []Flag{}
	}
	c := newCtx(&s, asOf, &set)
	// Find first, then build the flags in three allocations (flags, at_risk
	// lists, due dates): Evaluate runs for every case shown.
	var found [len(catalogue)]struct {
		rule int
		f    Finding
	}
	n, nAtRisk, nDue := 0, 0, 0
	for i := range catalogue {
		f, ok := catalogue[i].Fires(&c)
		if !ok {
			continue
		}
		found[n].rule, found[n].f = i, f
		nAtRisk += len(catalogue[i].AtRisk)
		if !f.Due.IsZero() {
			nDue++
		}
		n++
	}
	flags := make([]Flag, n)
	atRisk := make([]string, nAtRisk)
	dues := make([]Date, nDue)
	for i, fd := range found[:n] {
		r, f := &catalogue[fd.rule], fd.f
		k := copy(atRisk, r.AtRisk)
		flags[i] = Flag{
			Rule:           r.ID,
			Name:           r.Name,
			Kind:           f.Kind,
			Severity:       f.Severity,
			AtRisk:         atRisk[:k:k],
			Title:          r.Title,
			Text:           r.Detail(&c, f),
			Basis:          r.Basis,
			Source:         Source{Document: SourceDocument, Section: SourceSection, Quote: r.Quote},
			Recommendation: r.Recommendation,
		}
		atRisk = atRisk[k:]
		flags[i].Title = r.title(f)
		flags[i].Detail = flags[i].Text.String()
		flags[i].NextStepText = r.nextStep(&c, f)
		flags[i].NextStep = flags[i].NextStepText.String()
		if !f.Due.IsZero() {
			dues[0] = f.Due
			flags[i].DueOn = &dues[0]
			dues = dues[1:]
		}
	}
	// Stable by severity: the flags are already in rule id order.
	slices.SortStableFunc(flags, func(a, b Flag) int { return a.Severity.Rank() - b.Severity.Rank() })
	return flags
}

// WouldLose lists the at_risk values that appear in critical risk flags of
// after but in no critical risk flag of before (docs/rules.md "What-if"), in the
// order residence, services, protection, compensation, child_protection.
// The result is never nil.
func WouldLose(before, after []Flag) []string {
	order := [...]string{AtRiskResidence, AtRiskServices, AtRiskProtection, AtRiskCompensation, AtRiskChildProtection}
	had := criticalRiskSet(before, &order)
	has := criticalRiskSet(after, &order)
	out := []string{}
	for i, v := range order {
		if has&(1<<i) != 0 && had&(1<<i) == 0 {
			out = append(out, v)
		}
	}
	return out
}

// criticalRiskSet returns a bit set (bit i = order[i]) of the at_risk values
// in the critical risk flags.
func criticalRiskSet(flags []Flag, order *[5]string) uint {
	var set uint
	for i := range flags {
		f := &flags[i]
		if f.Kind != KindRisk || f.Severity != SeverityCritical {
			continue
		}
		for _, v := range f.AtRisk {
			for j, o := range order {
				if v == o {
					set |= 1 << j
				}
			}
		}
	}
	return set
}

// hasExploitation reports whether list contains kind.
func hasExploitation(list []string, kind string) bool {
	for _, e := range list {
		if e == kind {
			return true
		}
	}
	return false
}
