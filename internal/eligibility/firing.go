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
			out = append(out, catalogue[i].ID)
		}
	}
	return out
}

// Firing returns the rules that Evaluate would flag, without building the
// flags: for counting many evaluations (the statistics replay every case
// day by day). It calls only each rule's Fires.
func Firing(s Snapshot, asOf Date, set Settings) RuleSet {
	if s.State == StateClosed {
		return 0
	}
	c := newCtx(&s, asOf, &set)
	var out RuleSet
	for i := range catalogue {
		if _, ok := catalogue[i].Fires(&c); ok {
			out |= 1 << i
		}
	}
	return out
}
