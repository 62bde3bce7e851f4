package eligibility

// RuleSet is a set of rules: bit i stands for the i-th rule of Rules()
// (R01 is bit 0, R25 bit 24).
type RuleSet uint32

// Has reports whether the set holds the i-th rule of Rules().
func (r RuleSet) Has(i int) bool { return i >= 0 && i < len(catalogue) && r&(1<<i) != 0 }

// IDs returns the ids of the rules in the set, in rule order.
func (r RuleSet) IDs() []string {
	out := []string{}
	for i := range catalogue {
		if r.Has(i) {
			out = append(out, catalogue[i].id)
		}
	}
	return out
}

// Firing returns the rules that Evaluate would flag, without building the
// flags: for counting many evaluations (statistics replay every case day
// by day). Same inputs, same rules as Evaluate.
func Firing(s Snapshot, asOf Date, set Settings) RuleSet {
	if s.State == StateClosed {
		return 0
	}
	c := evalCtx{s: &s, asOf: asOf, set: &set, eu: s.EUCitizen(), minor: s.Minor(asOf)}
	var h hit
	var out RuleSet
	for i := range catalogue {
		if check(i, &c, &h) {
			out |= 1 << i
		}
	}
	return out
}
