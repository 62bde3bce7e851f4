package eligibility

import (
	"slices"
	"testing"
)

// TestFiringMatchesEvaluate checks that Firing names exactly the rules of
// Evaluate's flags, on every rule case (firing and near-miss) and the
// benchmark snapshots, on dates around each case's.
func TestFiringMatchesEvaluate(t *testing.T) {
	type input struct {
		name string
		s    Snapshot
		set  Settings
		asOf Date
	}
	var inputs []input
	for _, tt := range ruleCases() {
		s := quietSnapshot()
		tt.mod(&s)
		set := DefaultSettings()
		if tt.set != nil {
			tt.set(&set)
		}
		asOf := defaultAsOf
		if tt.asOf != "" {
			asOf = tt.asOf
		}
		d := MustParseDate(asOf)
		for _, off := range []int{-400, -30, -1, 0, 1, 7, 30, 400} {
			inputs = append(inputs, input{tt.name, s, set, d.AddDays(off)})
		}
	}
	for i, s := range benchSnapshots() {
		for _, off := range []int{-30, 0, 30} {
			inputs = append(inputs, input{"bench " + string(rune('a'+i)), s, DefaultSettings(), MustParseDate(defaultAsOf).AddDays(off)})
		}
	}
	closed := quietSnapshot()
	closed.State = StateClosed
	inputs = append(inputs, input{"closed", closed, DefaultSettings(), MustParseDate(defaultAsOf)})
	fired := 0
	for _, in := range inputs {
		var want []string
		for _, f := range Evaluate(in.s, in.asOf, in.set) {
			want = append(want, f.Rule)
		}
		slices.Sort(want)
		got := Firing(in.s, in.asOf, in.set).IDs()
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%s on %s: got %v, want %v", in.name, in.asOf, got, want)
		}
		fired += len(got)
	}
	if fired == 0 {
		t.Errorf("no rule fired in %d inputs, want the rule cases to fire", len(inputs))
	}
}

func TestRuleSet(t *testing.T) {
	r := RuleSet(1<<0 | 1<<24)
	if got := r.IDs(); !slices.Equal(got, []string{"R01", "R25"}) {
		t.Errorf("IDs: got %v, want [R01 R25]", got)
	}
	if r.Has(1) || !r.Has(24) || r.Has(25) || r.Has(-1) {
		t.Errorf("Has: got %v %v %v %v, want false true false false", r.Has(1), r.Has(24), r.Has(25), r.Has(-1))
	}
	if got := RuleSet(0).IDs(); got == nil || len(got) != 0 {
		t.Errorf("empty IDs: got %#v, want []", got)
	}
}

// BenchmarkFiring is BenchmarkEvaluate's mix with Firing: the cost of the
// rules without building the flags.
func BenchmarkFiring(b *testing.B) {
	snaps := benchSnapshots()
	asOf := d("2025-06-01")
	set := DefaultSettings()
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		if Firing(snaps[i%len(snaps)], asOf, set) != 0 {
			n++
		}
	}
	if n == 0 {
		b.Fatal("got no rule over the whole mix, want some")
	}
}
