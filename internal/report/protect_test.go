package report_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/casemgr/casemgr/internal/report"
)

// newMargin returns a margin with cells k0, k1, … holding values and the
// true total (the sum of the values).
func newMargin(overlapping bool, values ...int) report.Margin {
	m := report.Margin{Overlapping: overlapping}
	for i, v := range values {
		m.Cells = append(m.Cells, report.Cell{Key: "k" + strconv.Itoa(i), Count: report.Count{N: v}})
		m.Total.N += v
	}
	return m
}

func shownCells(m report.Margin) []string {
	var s []string
	for _, c := range m.Cells {
		s = append(s, c.Count.Shown())
	}
	return s
}

func TestProtectCount(t *testing.T) {
	tests := []struct {
		name      string
		in        report.Count
		threshold int
		want      report.Count
	}{
		{"zero is hidden", report.Count{N: 0}, 5, report.Count{Hidden: "<5"}},
		{"one below the threshold", report.Count{N: 4}, 5, report.Count{Hidden: "<5"}},
		{"at the threshold is shown", report.Count{N: 5}, 5, report.Count{N: 5}},
		{"above the threshold is shown", report.Count{N: 214}, 5, report.Count{N: 214}},
		{"threshold 10", report.Count{N: 9}, 10, report.Count{Hidden: "<10"}},
		{"threshold 10 shows 10", report.Count{N: 10}, 10, report.Count{N: 10}},
		{"negative is hidden", report.Count{N: -1}, 5, report.Count{Hidden: "<5"}},
		{"already hidden keeps its marker, N cleared", report.Count{N: 12, Hidden: "x"}, 5, report.Count{Hidden: "x"}},
		{"threshold 0 is taken as 1", report.Count{N: 0}, 0, report.Count{Hidden: "<1"}},
		{"threshold -3 is taken as 1", report.Count{N: 1}, -3, report.Count{N: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.in
			report.ProtectCount(&c, tt.threshold)
			if c != tt.want {
				t.Errorf("got %+v, want %+v", c, tt.want)
			}
		})
	}
}

func TestProtectMargin(t *testing.T) {
	tests := []struct {
		name        string
		values      []int
		overlapping bool
		threshold   int
		total       int // the distinct people of an overlapping margin; 0 = the sum
		wantCells   []string
		wantTotal   string
		wantAdj     bool
	}{
		{
			name:   "nothing below the threshold",
			values: []int{20, 10, 7}, threshold: 5,
			wantCells: []string{"20", "10", "7"}, wantTotal: "37", wantAdj: false,
		},
		{
			// 15 - 12 = 3 would read as a small count of the others.
			name:   "hidden cells holding a small count get a complement",
			values: []int{12, 3, 0, 0}, threshold: 5,
			wantCells: []string{"x", "<5", "<5", "<5"}, wantTotal: "<5", wantAdj: true,
		},
		{
			name:   "hidden zeros need no complement",
			values: []int{15, 0, 0}, threshold: 5,
			wantCells: []string{"15", "<5", "<5"}, wantTotal: "15", wantAdj: true,
		},
		{
			name:   "two small cells, sum 5, not pinned",
			values: []int{20, 3, 2}, threshold: 5,
			wantCells: []string{"20", "<5", "<5"}, wantTotal: "20", wantAdj: true,
		},
		{
			// 33 - 30 = 3 would give the hidden cell away.
			name:   "one small cell needs a complement, total of nothing shown",
			values: []int{30, 3}, threshold: 5,
			wantCells: []string{"x", "<5"}, wantTotal: "<5", wantAdj: true,
		},
		{
			// 33 - 20 - 10 = 3: hide the last shown cell, whatever its
			// size (choosing by size would bound the hidden value).
			name:   "complement is the last shown cell in order",
			values: []int{20, 10, 3}, threshold: 5,
			wantCells: []string{"20", "x", "<5"}, wantTotal: "20", wantAdj: true,
		},
		{
			name:   "complement on a tie is the last in order",
			values: []int{10, 10, 2}, threshold: 5,
			wantCells: []string{"10", "x", "<5"}, wantTotal: "10", wantAdj: true,
		},
		{
			// One hidden cell is always complemented: its value is public
			// otherwise, even when it is 0.
			name:   "a lone zero gets a complement",
			values: []int{0, 15, 8}, threshold: 5,
			wantCells: []string{"<5", "15", "x"}, wantTotal: "15", wantAdj: true,
		},
		{
			// 28 - 20 = 8 = 4 + 4 pins both small cells; after hiding 20
			// the "x" cell is in [5, 28] and nothing is pinned.
			name:   "two small cells at their upper bound need a complement",
			values: []int{4, 4, 20}, threshold: 5,
			wantCells: []string{"<5", "<5", "x"}, wantTotal: "<5", wantAdj: true,
		},
		{
			// Documented residual case: 8 = 4 + 4 and nothing left to hide.
			name:   "residual: every cell hidden and pinned",
			values: []int{4, 4}, threshold: 5,
			wantCells: []string{"<5", "<5"}, wantTotal: "<5", wantAdj: true,
		},
		{
			// 10 - 5 = 5 = x + "<5": only x = 5 and a zero fit, which
			// discloses no one.
			name:   "a complement may reveal a zero",
			values: []int{5, 5, 0}, threshold: 5,
			wantCells: []string{"5", "x", "<5"}, wantTotal: "5", wantAdj: true,
		},
		{
			name:   "all cells small, not pinned",
			values: []int{2, 0, 1}, threshold: 5,
			wantCells: []string{"<5", "<5", "<5"}, wantTotal: "<5", wantAdj: true,
		},
		{
			name:   "threshold 10, hidden cells holding a small count",
			values: []int{12, 3, 0, 0}, threshold: 10,
			wantCells: []string{"x", "<10", "<10", "<10"}, wantTotal: "<10", wantAdj: true,
		},
		{
			name:   "threshold 10, complement",
			values: []int{25, 12, 9}, threshold: 10,
			wantCells: []string{"25", "x", "<10"}, wantTotal: "25", wantAdj: true,
		},
		{
			name:   "threshold 10, residual",
			values: []int{9, 9}, threshold: 10,
			wantCells: []string{"<10", "<10"}, wantTotal: "<10", wantAdj: true,
		},
		{
			name:   "threshold 10, cells of 5 to 9 are hidden",
			values: []int{40, 7, 5}, threshold: 10,
			wantCells: []string{"40", "<10", "<10"}, wantTotal: "40", wantAdj: true,
		},
		{
			// 24 victims, 20 in the shown cell: every victim being in a
			// category, the hidden cell holds at least 4, so exactly 4.
			name:   "overlapping margin whose hidden cell is at its bound gets a complement",
			values: []int{20, 4}, overlapping: true, threshold: 5,
			wantCells: []string{"x", "<5"}, wantTotal: "24", wantAdj: false,
		},
		{
			// The seed's 2024 figures (93 victims; labour, sexual, forced
			// criminality, forced begging, domestic servitude, unspecified,
			// other): the hidden cells need only hold 93 - 103 < 0
			// together, which says nothing; no complement.
			name:   "overlapping seed 2024 exploitation: no complement",
			values: []int{29, 61, 2, 0, 0, 13, 0}, overlapping: true, threshold: 5, total: 93,
			wantCells: []string{"29", "61", "<5", "<5", "<5", "13", "<5"}, wantTotal: "93", wantAdj: false,
		},
		{
			// 10 victims, 8 in the shown cell: the hidden cell holds 2 to
			// 4, not pinned: no complement although a partition would get one.
			name:   "overlapping margin with a lower bound below the cell's bound",
			values: []int{8, 3}, overlapping: true, threshold: 5, total: 10,
			wantCells: []string{"8", "<5"}, wantTotal: "10", wantAdj: false,
		},
		{
			// 15 victims, 7 shown: the two hidden cells hold at least 8,
			// both 4.
			name:   "overlapping margin with every hidden cell at its bound",
			values: []int{7, 4, 4}, overlapping: true, threshold: 5, total: 15,
			wantCells: []string{"x", "<5", "<5"}, wantTotal: "15", wantAdj: false,
		},
		{
			// "<1" is 0 by its marker alone: no complement can help.
			name:   "threshold 1 hides zeros without complements",
			values: []int{0, 7, 3}, threshold: 1,
			wantCells: []string{"<1", "7", "3"}, wantTotal: "10", wantAdj: true,
		},
		{
			name:   "threshold 0 is taken as 1",
			values: []int{0, 7}, threshold: 0,
			wantCells: []string{"<1", "7"}, wantTotal: "7", wantAdj: true,
		},
		{
			name:   "no cells, zero total",
			values: nil, threshold: 5,
			wantCells: nil, wantTotal: "<5", wantAdj: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMargin(tt.overlapping, tt.values...)
			if tt.total > 0 {
				m.Total.N = tt.total
			}
			report.ProtectMargin(&m, tt.threshold)
			if got := shownCells(m); !slices.Equal(got, tt.wantCells) {
				t.Errorf("cells: got %v, want %v", got, tt.wantCells)
			}
			if got := m.Total.Shown(); got != tt.wantTotal {
				t.Errorf("total: got %s, want %s", got, tt.wantTotal)
			}
			if m.TotalAdjusted != tt.wantAdj {
				t.Errorf("total adjusted: got %v, want %v", m.TotalAdjusted, tt.wantAdj)
			}
			if m.Overlapping != tt.overlapping {
				t.Errorf("overlapping: got %v, want %v", m.Overlapping, tt.overlapping)
			}
			for _, c := range append(slices.Clone(m.Cells), report.Cell{Key: "total", Count: m.Total}) {
				if c.Count.Hidden != "" && c.Count.N != 0 {
					t.Errorf("%s: got hidden N %d, want 0", c.Key, c.Count.N)
				}
			}
		})
	}
}

func TestProtectMarginAlreadyProtected(t *testing.T) {
	m := report.Margin{
		Cells: []report.Cell{
			{Key: "a", Count: report.Count{N: 20}},
			{Key: "b", Count: report.Count{N: 3, Hidden: "<5"}},
			{Key: "c", Count: report.Count{N: 11, Hidden: "x"}},
		},
		Total:         report.Count{N: 20},
		TotalAdjusted: true,
	}
	report.ProtectMargin(&m, 10)
	want := report.Margin{
		Cells: []report.Cell{
			{Key: "a", Count: report.Count{N: 20}},
			{Key: "b", Count: report.Count{Hidden: "<5"}},
			{Key: "c", Count: report.Count{Hidden: "x"}},
		},
		Total:         report.Count{N: 20},
		TotalAdjusted: true,
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %+v, want %+v", m, want)
	}
}

// feasible returns, for each hidden cell i with bounds [lb[i], ub[i]], the
// values it takes in the assignments of all hidden cells within their
// bounds that sum to s. It enumerates the assignments one by one (pruning
// only branches that cannot reach the sum) and stops early once every cell
// has two values, which is enough to show that none is recoverable.
func feasible(lb, ub []int, s int) []map[int]bool {
	return feasibleSum(lb, ub, s, s)
}

// feasibleSum is feasible for assignments whose sum is in [smin, smax].
func feasibleSum(lb, ub []int, smin, smax int) []map[int]bool {
	n := len(lb)
	seen := make([]map[int]bool, n)
	for i := range seen {
		seen[i] = map[int]bool{}
	}
	minRest, maxRest := make([]int, n+1), make([]int, n+1)
	for i := n - 1; i >= 0; i-- {
		minRest[i] = minRest[i+1] + lb[i]
		maxRest[i] = maxRest[i+1] + ub[i]
	}
	vals := make([]int, n)
	var walk func(i, rem int) bool
	walk = func(i, rem int) bool {
		if i == n {
			if rem > 0 || rem < smin-smax {
				return false
			}
			done := true
			for k, v := range vals {
				seen[k][v] = true
				done = done && len(seen[k]) >= 2
			}
			return done
		}
		for v := lb[i]; v <= ub[i]; v++ {
			r := rem - v
			if r < minRest[i+1]-(smax-smin) {
				break
			}
			if r > maxRest[i+1] {
				continue
			}
			vals[i] = v
			if walk(i+1, r) {
				return true
			}
		}
		return false
	}
	walk(0, smin)
	return seen
}

// pinned reports, by brute force, which hidden cells of m have a single
// feasible value for an attacker who knows the true total and the bounds
// of the markers ("<T" in [0, T-1], "x" in [T, total]).
func pinned(m report.Margin, total, threshold int) []int {
	s := total
	var idx, hiddenIdx []int
	var lb, ub []int
	for i, c := range m.Cells {
		switch c.Count.Hidden {
		case "":
			s -= c.Count.N
			continue
		case report.HiddenComplement:
			lb, ub = append(lb, threshold), append(ub, total)
		default:
			lb, ub = append(lb, 0), append(ub, threshold-1)
		}
		hiddenIdx = append(hiddenIdx, i)
	}
	for k, f := range feasible(lb, ub, s) {
		if len(f) == 1 {
			idx = append(idx, hiddenIdx[k])
		}
	}
	return idx
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestProtectMarginProperty checks the arithmetic of small-cell protection
// on random margins: an attacker who knows the true total and the bounds of
// the markers cannot pin any hidden cell below the threshold to a value
// other than 0, except in the documented residual case where every cell is
// hidden; shown cells are true; the adjusted total is the sum of the shown
// cells; hidden counts hold no value; and complements follow the published
// rule.
func TestProtectMarginProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(2025, 5))
	const trials = 20000
	residual, complements := 0, 0
	for _, threshold := range []int{3, 5, 10} {
		for trial := range trials {
			n := 2 + rng.IntN(5)
			values := make([]int, n)
			for i := range values {
				if rng.IntN(2) == 0 {
					values[i] = rng.IntN(min(threshold+3, 31)) // many small cells
				} else {
					values[i] = rng.IntN(31)
				}
			}
			overlapping := false // overlapping margins: TestProtectOverlappingProperty
			name := fmt.Sprintf("threshold %d trial %d %v", threshold, trial, values)
			total := 0
			for _, v := range values {
				total += v
			}
			m := newMargin(overlapping, values...)
			report.ProtectMargin(&m, threshold)

			allHidden, anyHidden, sumShown := true, false, 0
			for i, c := range m.Cells {
				v := values[i]
				switch {
				case c.Count.Hidden == "":
					allHidden = false
					sumShown += c.Count.N
					if c.Count.N != v || v < threshold {
						t.Fatalf("%s: cell %d shown as %d, want hidden or %d", name, i, c.Count.N, v)
					}
				case c.Count.N != 0:
					t.Fatalf("%s: cell %d hidden with N %d, want 0", name, i, c.Count.N)
				case c.Count.Hidden == report.HiddenComplement:
					anyHidden = true
					complements++
					if v < threshold {
						t.Fatalf("%s: cell %d (%d) is %q, want %q", name, i, v, c.Count.Hidden, "<"+strconv.Itoa(threshold))
					}
				default:
					anyHidden = true
					if want := "<" + strconv.Itoa(threshold); c.Count.Hidden != want || v >= threshold {
						t.Fatalf("%s: cell %d (%d) is %q, want %q only below the threshold", name, i, v, c.Count.Hidden, want)
					}
				}
			}

			switch {
			case !anyHidden:
				if m.TotalAdjusted || m.Total != (report.Count{N: total}) {
					t.Fatalf("%s: total %+v adjusted %v, want %d not adjusted", name, m.Total, m.TotalAdjusted, total)
				}
			case sumShown < threshold:
				if !allHidden || sumShown != 0 {
					t.Fatalf("%s: shown cells sum to %d, want 0 (every shown cell is at least %d)", name, sumShown, threshold)
				}
				want := report.Count{Hidden: "<" + strconv.Itoa(threshold)}
				if !m.TotalAdjusted || m.Total != want {
					t.Fatalf("%s: total %+v adjusted %v, want %+v adjusted", name, m.Total, m.TotalAdjusted, want)
				}
			default:
				if !m.TotalAdjusted || m.Total != (report.Count{N: sumShown}) {
					t.Fatalf("%s: total %+v adjusted %v, want %d adjusted", name, m.Total, m.TotalAdjusted, sumShown)
				}
			}

			// The true values satisfy the attacker's constraints (so the
			// enumeration below searches a set that holds the truth): the
			// marker checks above give the bounds, and the hidden cells
			// sum to the true total less the shown cells.
			sumHidden := 0
			for i, c := range m.Cells {
				if c.Count.Hidden != "" {
					sumHidden += values[i]
				}
			}
			if sumHidden != total-sumShown {
				t.Fatalf("%s: hidden cells sum to %d, want %d", name, sumHidden, total-sumShown)
			}
			// Subtracting the shown cells from the total never gives a
			// small count (unless nothing is left to hide).
			if !allHidden && sumHidden > 0 && sumHidden < threshold {
				t.Fatalf("%s: total - shown cells = %d, a count below %d, with %v shown", name, sumHidden, threshold, shownCells(m))
			}
			// An attacker who knows the total may pin a zero (which
			// discloses no one) or an "x" cell (at least the threshold,
			// publishable); any other pinned cell must be the documented
			// residual case, where nothing is left to hide.
			var bad []int
			for _, i := range pinned(m, total, threshold) {
				if m.Cells[i].Count.Hidden == report.HiddenComplement || values[i] == 0 {
					continue
				}
				bad = append(bad, i)
			}
			if len(bad) > 0 {
				if !allHidden {
					t.Fatalf("%s: got cells %v pinned to one value with %v shown, want none", name, bad, shownCells(m))
				}
				residual++
			}

			// The complement depends only on published figures: at most
			// one, the first shown cell in order, exactly when one hidden
			// cell or hidden cells at their upper bounds would give a
			// count away.
			primaries, nx, lastShown := 0, 0, -1
			for i, v := range values {
				if v < threshold {
					primaries++
				} else {
					lastShown = i
				}
			}
			for i := range values {
				if m.Cells[i].Count.Hidden == report.HiddenComplement {
					nx++
					if i != lastShown {
						t.Fatalf("%s: complement on cell %d, want the last shown cell %d", name, i, lastShown)
					}
				}
			}
			sumPrimary := 0
			for _, v := range values {
				if v < threshold {
					sumPrimary += v
				}
			}
			need := primaries == 1 || (sumPrimary > 0 && sumPrimary < threshold) ||
				(primaries >= 2 && sumPrimary == primaries*(threshold-1))
			if want := btoi(need && lastShown >= 0); nx != want {
				t.Fatalf("%s: got %d complements, want %d", name, nx, want)
			}
		}
	}
	if residual == 0 || complements == 0 {
		t.Errorf("got %d residual margins and %d complements, want the generator to reach both", residual, complements)
	}
	t.Logf("%d margins, %d residual (every cell hidden and pinned), %d complementary suppressions", 3*trials, residual, complements)
}

// annualFixture is an annual report with true figures.
func annualFixture() report.Annual {
	cells := func(kv ...any) []report.Cell {
		var cs []report.Cell
		for i := 0; i < len(kv); i += 2 {
			cs = append(cs, report.Cell{Key: kv[i].(string), Count: report.Count{N: kv[i+1].(int)}})
		}
		return cs
	}
	margin := func(total int, overlapping bool, kv ...any) report.Margin {
		return report.Margin{Cells: cells(kv...), Total: report.Count{N: total}, Overlapping: overlapping}
	}
	return report.Annual{
		Year:         2025,
		Shelter:      "",
		RulesVersion: "2025.1",
		GeneratedAt:  "2026-01-15T09:00:00Z",
		Victims: report.Victims{
			Identified:     report.Count{N: 33},
			ByGender:       margin(33, false, "female", 30, "male", 3, "other", 0, "unknown", 0),
			ByAge:          margin(33, false, "adult", 25, "minor", 8, "unknown", 0),
			ByCitizenship:  margin(33, false, "eu", 6, "non_eu", 27),
			ByRegion:       margin(33, false, "africa", 20, "americas", 2, "asia", 1, "europe", 10, "oceania", 0, "unknown", 0),
			ByExploitation: margin(33, true, "sexual", 20, "labour", 12, "forced_criminality", 4, "begging", 0),
		},
		Permits: report.Permits{
			ReflectionStarted: report.Count{N: 40},
			ProvisionalIssued: report.Count{N: 3},
			TemporaryIssued:   report.Count{N: 12},
		},
		Withdrawals: margin(2, false, "settlement", 2, "dismissal", 0, "immunity", 0),
		Proceedings: cells("complaint_filed", 9, "charged", 4, "convicted", 0),
		Compensation: report.Compensation{
			Claims:     report.Count{N: 6},
			Awards:     report.Count{N: 2},
			AwardedEUR: "15000.00",
		},
		Flagged:  cells("R01", 7, "R02", 1),
		Services: margin(12, true, "accommodation", 10, "medical", 4, "legal", 4, "other", 0),
		Transfers: report.Transfers{Accepted: report.Count{N: 9},
			ByReceivingShelter: &report.Margin{Cells: cells("a", 6, "b", 3), Total: report.Count{N: 9}},
			BySendingShelter:   &report.Margin{Cells: cells("a", 0, "b", 9), Total: report.Count{N: 9}}},
	}
}

func TestProtectAnnual(t *testing.T) {
	lt := report.Count{Hidden: "<5"}
	x := report.Count{Hidden: "x"}
	n := func(v int) report.Count { return report.Count{N: v} }
	c := func(key string, cnt report.Count) report.Cell { return report.Cell{Key: key, Count: cnt} }
	want := report.Annual{
		Year:         2025,
		RulesVersion: "2025.1",
		GeneratedAt:  "2026-01-15T09:00:00Z",
		Protection:   report.Protection{Applied: true, Threshold: 5},
		Victims: report.Victims{
			Identified: n(33),
			ByGender: report.Margin{
				// 33 - 30 = 3 would give male + other + unknown away as a
				// small count: female, the last shown cell, is hidden too.
				Cells: []report.Cell{c("female", x), c("male", lt), c("other", lt), c("unknown", lt)},
				Total: lt, TotalAdjusted: true,
			},
			ByAge: report.Margin{
				// One hidden cell (unknown, 33 - 25 - 8 = 0): the last
				// shown cell, minor, is hidden too.
				Cells: []report.Cell{c("adult", n(25)), c("minor", x), c("unknown", lt)},
				Total: n(25), TotalAdjusted: true,
			},
			ByCitizenship: report.Margin{
				Cells: []report.Cell{c("eu", n(6)), c("non_eu", n(27))},
				Total: n(33),
			},
			ByRegion: report.Margin{
				// 33 - 30 = 3: europe, the last shown cell, is hidden too.
				Cells: []report.Cell{c("africa", n(20)), c("americas", lt), c("asia", lt), c("europe", x), c("oceania", lt), c("unknown", lt)},
				Total: n(20), TotalAdjusted: true,
			},
			ByExploitation: report.Margin{
				// Overlapping: 33 victims, 32 in the shown cells, so the
				// hidden cells hold at least 1 together: neither is pinned,
				// no complement, and the total of distinct victims stays.
				Cells: []report.Cell{c("sexual", n(20)), c("labour", n(12)), c("forced_criminality", lt), c("begging", lt)},
				Total: n(33), Overlapping: true,
			},
		},
		Permits: report.Permits{
			ReflectionStarted:   n(40),
			ProvisionalIssued:   lt,
			ProvisionalExtended: lt,
			TemporaryIssued:     n(12),
			TemporaryRenewed:    lt,
			IndefiniteGranted:   lt,
		},
		Withdrawals: report.Margin{
			Cells: []report.Cell{c("settlement", lt), c("dismissal", lt), c("immunity", lt)},
			Total: lt, TotalAdjusted: true,
		},
		Proceedings: []report.Cell{c("complaint_filed", n(9)), c("charged", lt), c("convicted", lt)},
		Compensation: report.Compensation{
			Claims:     n(6),
			Awards:     lt,
			AwardedEUR: "x",
		},
		Flagged: []report.Cell{c("R01", n(7)), c("R02", lt)},
		// Overlapping: 12 victims, 10 in the shown cell, so the three
		// hidden cells hold at least 2 together: none is pinned.
		Services: report.Margin{
			Cells: []report.Cell{c("accommodation", n(10)), c("medical", lt), c("legal", lt), c("other", lt)},
			Total: n(12), Overlapping: true,
		},
		Transfers: report.Transfers{Accepted: n(9),
			// One hidden cell (b, 3 = 9 - 6): a, the last shown cell, is
			// hidden too.
			ByReceivingShelter: &report.Margin{Cells: []report.Cell{c("a", x), c("b", lt)}, Total: lt, TotalAdjusted: true},
			// A zero hidden alone: still complemented, as in any partition.
			BySendingShelter: &report.Margin{Cells: []report.Cell{c("a", lt), c("b", x)}, Total: lt, TotalAdjusted: true}},
	}

	a := annualFixture()
	report.Protect(&a, 5)
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}

	// Protecting again, even with another threshold, changes nothing.
	report.Protect(&a, 10)
	if !reflect.DeepEqual(a, want) {
		t.Errorf("after a second Protect: got %+v, want it unchanged", a)
	}
}

func TestProtectCompensation(t *testing.T) {
	tests := []struct {
		name       string
		claims     int
		awards     int
		eur        string
		threshold  int
		wantClaims string
		wantAwards string
		wantEUR    string
	}{
		{"few awards hide the amount", 9, 2, "15000.00", 5, "9", "<5", "x"},
		{"no award hides the amount", 9, 0, "0.00", 5, "9", "<5", "x"},
		{"enough awards show the amount", 9, 5, "61250.50", 5, "9", "5", "61250.50"},
		{"few claims alone keep the amount", 4, 7, "30000.00", 5, "<5", "7", "30000.00"},
		{"threshold 10", 12, 9, "45000.00", 10, "12", "<10", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := report.Annual{Compensation: report.Compensation{
				Claims: report.Count{N: tt.claims}, Awards: report.Count{N: tt.awards}, AwardedEUR: tt.eur,
			}}
			report.Protect(&a, tt.threshold)
			c := a.Compensation
			if c.Claims.Shown() != tt.wantClaims || c.Awards.Shown() != tt.wantAwards || c.AwardedEUR != tt.wantEUR {
				t.Errorf("got claims %s awards %s EUR %s, want %s %s %s",
					c.Claims.Shown(), c.Awards.Shown(), c.AwardedEUR, tt.wantClaims, tt.wantAwards, tt.wantEUR)
			}
			if a.Protection != (report.Protection{Applied: true, Threshold: tt.threshold}) {
				t.Errorf("got protection %+v, want applied with threshold %d", a.Protection, tt.threshold)
			}
		})
	}
}

func TestProtectThresholdMetadata(t *testing.T) {
	tests := []struct {
		name      string
		threshold int
		want      report.Protection
	}{
		{"default 5", 5, report.Protection{Applied: true, Threshold: 5}},
		{"10", 10, report.Protection{Applied: true, Threshold: 10}},
		{"0 is taken as 1", 0, report.Protection{Applied: true, Threshold: 1}},
		{"negative is taken as 1", -5, report.Protection{Applied: true, Threshold: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := annualFixture()
			report.Protect(&a, tt.threshold)
			if a.Protection != tt.want {
				t.Errorf("got %+v, want %+v", a.Protection, tt.want)
			}
		})
	}
}

// jsonAt walks a decoded JSON value along object keys and array indexes.
func jsonAt(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			obj, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: got %T, want an object", path, v)
			}
			v = obj[k]
		case int:
			arr, ok := v.([]any)
			if !ok || k >= len(arr) {
				t.Fatalf("at %v: got %v, want an array longer than %d", path, v, k)
			}
			v = arr[k]
		}
	}
	return v
}

func TestProtectJSON(t *testing.T) {
	a := annualFixture()
	report.Protect(&a, 5)
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatalf("marshal: got error %v, want none", err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("unmarshal: got error %v, want none", err)
	}
	tests := []struct {
		path []any
		want any
	}{
		{[]any{"small_cell_protection", "applied"}, true},
		{[]any{"small_cell_protection", "threshold"}, 5.0},
		{[]any{"victims", "identified"}, 33.0},
		{[]any{"victims", "by_gender", "cells", 0, "count"}, "x"},
		{[]any{"victims", "by_gender", "cells", 1, "key"}, "male"},
		{[]any{"victims", "by_gender", "cells", 1, "count"}, "<5"},
		{[]any{"victims", "by_gender", "total"}, "<5"},
		{[]any{"victims", "by_gender", "total_adjusted"}, true},
		{[]any{"victims", "by_age", "cells", 1, "count"}, "x"},
		{[]any{"victims", "by_age", "cells", 2, "count"}, "<5"},
		{[]any{"victims", "by_citizenship", "total"}, 33.0},
		{[]any{"victims", "by_citizenship", "total_adjusted"}, false},
		{[]any{"victims", "by_exploitation", "overlapping"}, true},
		{[]any{"victims", "by_exploitation", "cells", 2, "count"}, "<5"},
		{[]any{"permits", "provisional_issued"}, "<5"},
		{[]any{"permits", "temporary_issued"}, 12.0},
		{[]any{"status_withdrawals", "total"}, "<5"},
		{[]any{"proceedings", 1, "count"}, "<5"},
		{[]any{"flagged_by_rule", 1, "count"}, "<5"},
		{[]any{"compensation", "awards"}, "<5"},
		{[]any{"compensation", "awarded_eur"}, "x"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.path), func(t *testing.T) {
			if got := jsonAt(t, doc, tt.path...); got != tt.want {
				t.Errorf("got %v (%T), want %v (%T)", got, got, tt.want, tt.want)
			}
		})
	}
}

// TestProtectOverlappingProperty checks the protection of overlapping
// breakdowns by brute force on random populations: each person belongs to
// one or more categories, a cell counts the people of its category and
// the total counts distinct people. The attacker knows the true total T
// and the markers' bounds ("<t" in [0, min(t-1, T)], "x" in [t, T]) and
// that some population fits the figures: no cell above T and
// T ≤ Σ cells (every person in at least one category). Every hidden cell
// below the threshold must keep two possible values, or be 0, except when
// every cell is hidden (the residual case); and a complement is added
// exactly when the published figures would pin hidden cells (the rule of
// protectOverlapping), never otherwise.
func TestProtectOverlappingProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(2025, 19))
	const trials = 20000
	complements, spared := 0, 0
	for _, threshold := range []int{3, 5, 10} {
		for trial := range trials {
			cats := 2 + rng.IntN(4)
			people := rng.IntN(60)
			// Skewed category weights, so that small cells are frequent.
			weight := make([]int, cats)
			for i := range weight {
				weight[i] = []int{1, 2, 10, 40, 90}[rng.IntN(5)]
			}
			values := make([]int, cats)
			for range people {
				in := false
				for i := range cats {
					if rng.IntN(100) < weight[i] {
						values[i]++
						in = true
					}
				}
				if !in {
					values[rng.IntN(cats)]++
				}
			}
			name := fmt.Sprintf("threshold %d trial %d: %d people in %v", threshold, trial, people, values)
			m := newMargin(true, values...)
			m.Total.N = people
			report.ProtectMargin(&m, threshold)

			if m.TotalAdjusted || (people >= threshold && m.Total != (report.Count{N: people})) {
				t.Fatalf("%s: total %+v adjusted %v, want %d, not adjusted", name, m.Total, m.TotalAdjusted, people)
			}
			upper := min(threshold-1, people)
			allHidden, sumShown, primaries, lastShown, nx := true, 0, 0, -1, 0
			var lb, ub, idx []int
			for i, c := range m.Cells {
				v := values[i]
				if v < threshold {
					primaries++
				} else {
					lastShown = i
				}
				switch c.Count.Hidden {
				case "":
					allHidden = false
					sumShown += c.Count.N
					if c.Count.N != v || v < threshold {
						t.Fatalf("%s: cell %d shown as %d, want hidden or %d", name, i, c.Count.N, v)
					}
					continue
				case report.HiddenComplement:
					nx++
					if v < threshold || i != lastShown {
						t.Fatalf("%s: complement on cell %d (%d), want the last shown cell", name, i, v)
					}
					lb, ub = append(lb, threshold), append(ub, people)
				default:
					if v >= threshold || c.Count.N != 0 {
						t.Fatalf("%s: cell %d (%d) hidden as %+v", name, i, v, c.Count)
					}
					lb, ub = append(lb, 0), append(ub, upper)
				}
				idx = append(idx, i)
			}
			// The attacker's feasible values of each hidden cell.
			if len(idx) > 0 {
				for k, f := range feasibleSum(lb, ub, people-sumShown, people*cats) {
					i := idx[k]
					// (The enumeration stops at two values per cell, so only
					// a single value must be the truth.)
					if len(f) == 0 || (len(f) == 1 && !f[values[i]]) {
						t.Fatalf("%s: the true value of cell %d is not feasible: the attacker model is wrong", name, i)
					}
					if len(f) == 1 && values[i] != 0 && m.Cells[i].Count.Hidden != report.HiddenComplement && !allHidden {
						t.Fatalf("%s: cell %d pinned to %d with %v shown", name, i, values[i], shownCells(m))
					}
				}
			}
			need := primaries > 0 && lastShown >= 0 && people-(sumShownBefore(values, threshold)) >= primaries*upper
			if want := btoi(need); nx != want {
				t.Fatalf("%s: got %d complements, want %d", name, nx, want)
			}
			if nx > 0 {
				complements++
			} else if primaries > 0 && lastShown >= 0 {
				// A partition of the same cells would have had one.
				s := 0
				for _, v := range values {
					if v < threshold {
						s += v
					}
				}
				if primaries == 1 || (s > 0 && s < threshold) {
					spared++
				}
			}
		}
	}
	if complements == 0 || spared == 0 {
		t.Errorf("got %d complements and %d complements spared, want the generator to reach both", complements, spared)
	}
	t.Logf("%d overlapping margins: %d complements, %d a partition rule would have added in vain", 3*trials, complements, spared)
}

// sumShownBefore returns the sum of the cells at or above the threshold.
func sumShownBefore(values []int, threshold int) int {
	s := 0
	for _, v := range values {
		if v >= threshold {
			s += v
		}
	}
	return s
}
