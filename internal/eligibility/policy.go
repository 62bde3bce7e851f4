package eligibility

import "slices"

// Loss is what the rules put at critical risk for a case on one day, as a
// set: LossResidence (victim status and the residence permits) and
// LossServices (assistance and services).
type Loss uint8

// The values of Loss.
const (
	LossResidence Loss = 1 << iota
	LossServices
)

// PolicyChange is one change of the rules for the caseload what-if
// (docs/statistics.md "Policy what-if"): the real cases are replayed under
// the current rules and under the changed ones, and the days each puts
// status, permits or services at critical risk are compared. A change is
// data, one row of PolicyChanges: new settings, rules whose findings no
// longer count, and withdrawals that would no longer have happened, for
// every case or only for the cases Applies accepts.
type PolicyChange struct {
	ID    string // the change's name in the API and CLI, e.g. no_dismissal_window
	Title string // one English sentence
	// Settings changes the settings (nil: kept); the replay derives the
	// periods (reflection end, expiries) again with them.
	Settings func(*Settings)
	// Rules are the rules whose findings no longer count.
	Rules []string
	// Withdrawals are the reasons of withdraw_status that would no longer
	// have happened: R23 (status withdrawn) no longer counts after a
	// withdrawal for one of them.
	Withdrawals []string
	// Applies restricts the change to some cases on the day (nil: every
	// case); it reads the same context as the rules.
	Applies func(c *Ctx) bool
}

// PolicyChanges are the changes the what-if knows, one row each.
var PolicyChanges = []PolicyChange{
	{ID: "no_dismissal_window", Title: "A dismissal never ends victim status",
		Rules: []string{"R07"}, Withdrawals: []string{"dismissal"}},
	{ID: "no_settlement_condition", Title: "A settlement with the trafficker never ends victim status",
		Rules: []string{"R08"}, Withdrawals: []string{"settlement"}},
	{ID: "no_immunity_condition", Title: "The perpetrator's diplomatic immunity never ends victim status",
		Rules: []string{"R09"}, Withdrawals: []string{"diplomatic_immunity"}},
	{ID: "no_child_cooperation", Title: "A child's residence is not tied to cooperation with the authorities",
		Rules: []string{"R02", "R12"}, Withdrawals: []string{"stopped_cooperating"},
		Applies: func(c *Ctx) bool { return c.Minor }},
	{ID: "reflection_90_days", Title: "The reflection period lasts 90 days instead of 45",
		Settings: func(s *Settings) { s.ReflectionDays = 90 }},
}

// PolicyChangeIDs returns the ids of PolicyChanges, in table order.
func PolicyChangeIDs() []string {
	out := make([]string, len(PolicyChanges))
	for i, p := range PolicyChanges {
		out[i] = p.ID
	}
	return out
}

// PolicyChangeByID returns the change of that id.
func PolicyChangeByID(id string) (PolicyChange, bool) {
	for _, p := range PolicyChanges {
		if p.ID == id {
			return p, true
		}
	}
	return PolicyChange{}, false
}

// Apply returns the settings under the change.
func (p *PolicyChange) Apply(set Settings) Settings {
	if p.Settings != nil {
		p.Settings(&set)
	}
	return set
}

// Losses returns what the rules put at critical risk for the case on asOf:
// residence and services, for each finding of critical severity (a risk or
// a deadline) whose rule lists it at risk. Under a change (ch non-nil; nil
// is the current rules) the findings of ch.Rules do not count, nor R23's
// when withdrawal, the reason of the case's last withdraw_status, is one
// of ch.Withdrawals, on the days ch.Applies accepts the case. A closed
// case loses nothing. It calls only the rules' Fires, as Firing does.
func Losses(s Snapshot, asOf Date, set Settings, ch *PolicyChange, withdrawal string) Loss {
	if s.State == StateClosed {
		return 0
	}
	c := newCtx(&s, asOf, &set)
	changed := ch != nil && (ch.Applies == nil || ch.Applies(&c))
	var out Loss
	for i := range catalogue {
		r := &catalogue[i]
		if changed && (slices.Contains(ch.Rules, r.ID) || (r.ID == "R23" && slices.Contains(ch.Withdrawals, withdrawal))) {
			continue
		}
		f, ok := r.Fires(&c)
		if !ok || f.Severity != SeverityCritical || f.Kind == KindExposure {
			continue
		}
		for _, v := range r.AtRisk {
			switch v {
			case AtRiskResidence:
				out |= LossResidence
			case AtRiskServices:
				out |= LossServices
			}
		}
	}
	return out
}
