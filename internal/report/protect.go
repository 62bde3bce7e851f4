package report

import "strconv"

// Protect applies small-cell protection in place to an annual report that
// leaves the shelter (auditor export, XLSX) and records it in
// a.Protection as Protection{Applied: true, Threshold: threshold}.
//
// The threshold must be at least 1; a smaller one is taken as 1. The rules
// are the contract of the published figures:
//
//  1. Primary suppression: every count below the threshold, zero included,
//     becomes Count{N: 0, Hidden: "<T"} with T the threshold ("<5"). This
//     covers Victims.Identified, every cell of every margin, the Permits
//     fields, every Proceedings and Flagged cell, Compensation.Claims,
//     Compensation.Awards and Transfers.Accepted (ProtectCount).
//  2. When Compensation.Awards is hidden, Compensation.AwardedEUR becomes
//     HiddenComplement ("x"): an amount over few awards would reveal
//     individual awards.
//  3. The margins (the Victims.By* breakdowns, Withdrawals, Services and
//     the Transfers breakdowns, partitions of Transfers.Accepted) also get
//     complementary suppression and adjusted totals (ProtectMargin), so that
//     a hidden cell cannot be recovered by subtracting the shown cells from
//     a total published elsewhere; the overlapping by_exploitation and
//     services_received only where the arithmetic can pin a hidden cell
//     (protectOverlapping).
//  4. Every hidden count has N == 0: no suppressed value stays in memory
//     for a renderer to leak.
//
// Proceedings, Flagged and Permits have no published total, so they get
// primary suppression only.
//
// Protect works on true figures only: an Annual whose Protection.Applied is
// already true is left unchanged, since its suppressed values are gone and
// cannot be protected again with another threshold.
func Protect(a *Annual, threshold int) {
	if a.Protection.Applied {
		return
	}
	threshold = normThreshold(threshold)

	ProtectCount(&a.Victims.Identified, threshold)
	for _, m := range []*Margin{
		&a.Victims.ByGender,
		&a.Victims.ByAge,
		&a.Victims.ByCitizenship,
		&a.Victims.ByRegion,
		&a.Victims.ByExploitation,
		&a.Withdrawals,
		&a.Services,
	} {
		ProtectMargin(m, threshold)
	}
	ProtectCount(&a.Transfers.Accepted, threshold)
	for _, m := range a.Transfers.Margins() {
		ProtectMargin(m.Margin, threshold)
	}

	for _, c := range []*Count{
		&a.Permits.ReflectionStarted,
		&a.Permits.ProvisionalIssued,
		&a.Permits.ProvisionalExtended,
		&a.Permits.TemporaryIssued,
		&a.Permits.TemporaryRenewed,
		&a.Permits.IndefiniteGranted,
	} {
		ProtectCount(c, threshold)
	}
	for i := range a.Proceedings {
		ProtectCount(&a.Proceedings[i].Count, threshold)
	}
	for i := range a.Flagged {
		ProtectCount(&a.Flagged[i].Count, threshold)
	}

	ProtectCount(&a.Compensation.Claims, threshold)
	ProtectCount(&a.Compensation.Awards, threshold)
	if a.Compensation.Awards.Hidden != "" {
		a.Compensation.AwardedEUR = HiddenComplement
	}

	a.Protection = Protection{Applied: true, Threshold: threshold}
}

// ProtectCount applies primary suppression to one count: a count whose N is
// below the threshold (zero and negative values included) becomes
// Count{N: 0, Hidden: "<T"}, T being the threshold; a count at or above it
// is left as it is. A count that is already hidden keeps its marker and has
// its N set to zero. A threshold below 1 is taken as 1.
func ProtectCount(c *Count, threshold int) {
	threshold = normThreshold(threshold)
	if c.Hidden != "" {
		c.N = 0
		return
	}
	if c.N < threshold {
		*c = Count{Hidden: belowMarker(threshold)}
	}
}

// ProtectMargin applies small-cell protection in place to one breakdown.
// A threshold below 1 is taken as 1.
//
// Primary suppression: every cell below the threshold is hidden as
// "<threshold", for example "<5" (ProtectCount).
//
// Complementary suppression: the attacker is assumed to know the true total
// T of the margin's population (it is published elsewhere, for example as
// victims identified), so the m hidden cells are known to sum to
// S = T - Σ shown cells, each in [0, threshold-1]. One more cell is hidden
// as HiddenComplement ("x"), the last shown cell in the breakdown's fixed
// category order, when
//   - m = 1: the hidden cell would be S;
//   - 0 < S < threshold: S could be one hidden cell's count (the others
//     being 0), so subtracting the shown cells from the total would read as
//     that count;
//   - S = m·(threshold-1): every hidden cell is at its upper bound.
//
// Otherwise S is 0 (the hidden cells are zeros, which disclose no one) or
// at least the threshold, more than any hidden cell can hold. In short: the
// hidden cells of a breakdown never add up to a small count, which would
// itself be a small cell given away by subtraction.
//
// Both the decision and the choice depend only on what is published (m, S,
// which cells are shown), never on a hidden value, so neither tells the
// attacker anything more: an "x" cell is only known to be in
// [threshold, T]. With it, no cell below the threshold can be recovered but
// a zero (for example cells 5 and 0: "x" and "<5" over a known total of 5).
// Choosing the smallest shown cell instead would leak: the "x" would then
// be known to be at most the cells still shown.
//
// With a threshold of 1, "<1" is 0 by its marker alone and no complement is
// added.
//
// An overlapping margin (by_exploitation) is protected by
// protectOverlapping: its cells do not add up to its total, so the
// subtraction above does not apply.
//
// Residual case: when no cell is left to complement (every cell below the
// threshold) the margin is left so; with threshold 5, cells 4 and 4 of a
// published total 8 are both shown as "<5", yet an attacker who knows the
// total recovers both. Protecting them needs the total itself suppressed
// where it is published.
//
// Totals: if any cell is hidden, Total becomes Count{N: Σ shown cells} and
// TotalAdjusted is true; that total then goes through primary suppression
// too, so a margin with every cell hidden shows its adjusted total (0) as
// "<threshold". If no cell is hidden, Total is kept, with primary suppression.
// Hidden counts have N == 0 afterwards.
//
// ProtectMargin expects true figures: a margin with a cell already hidden is
// taken to be protected, and only has the N of its hidden counts set to 0.
func ProtectMargin(m *Margin, threshold int) {
	threshold = normThreshold(threshold)
	for _, c := range m.Cells {
		if c.Count.Hidden != "" {
			for i := range m.Cells {
				if m.Cells[i].Count.Hidden != "" {
					m.Cells[i].Count.N = 0
				}
			}
			if m.Total.Hidden != "" {
				m.Total.N = 0
			}
			return
		}
	}

	if m.Overlapping {
		protectOverlapping(m, threshold)
		return
	}
	total := 0
	for _, c := range m.Cells {
		total += c.Count.N
	}
	for i := range m.Cells {
		ProtectCount(&m.Cells[i].Count, threshold)
	}
	hidden, shown := 0, 0
	for _, c := range m.Cells {
		if c.Count.Hidden != "" {
			hidden++
		} else {
			shown += c.Count.N
		}
	}
	s := total - shown
	if threshold > 1 && (hidden == 1 || (s > 0 && s < threshold) || (hidden >= 2 && s == hidden*(threshold-1))) {
		for i := len(m.Cells) - 1; i >= 0; i-- {
			if c := m.Cells[i]; c.Count.Hidden == "" {
				shown -= c.Count.N
				m.Cells[i].Count = Count{Hidden: HiddenComplement}
				break
			}
		}
	}
	if hidden > 0 {
		m.Total = Count{N: shown}
	}
	m.TotalAdjusted = hidden > 0
	ProtectCount(&m.Total, threshold)
}

// protectOverlapping protects a margin whose categories overlap: a person
// counts in every category they belong to (a victim with several
// exploitation types), and Total is the number of distinct people, T.
//
// What an attacker can derive: every person is in at least one category,
// so T ≤ Σ cells, and no cell exceeds T. With the shown cells subtracted,
// the hidden cells only satisfy Σ hidden ≥ L = T − Σ shown: a lower
// bound, not their sum (the overlaps are unknown). Each hidden cell h_i,
// in [0, u] with u = min(threshold−1, T), is then only known to be in
// [max(0, L − (m−1)·u), u]. That interval is a single value exactly when
// L ≥ m·u, that is when every hidden cell sits at its upper bound; in
// every other case each hidden cell keeps at least two possible values,
// so no complement is needed (unlike a partition, where a hidden cell of
// 2 alone would be read as T − Σ shown).
//
// So one complement ("x", the last shown cell in category order, as in a
// partition) is added only when L ≥ m·u with at least one hidden cell;
// the x cell, somewhere in [threshold, T], then removes the lower bound.
// The decision reads only published figures (T, the shown cells, m).
//
// The total is the number of distinct people, published anyway as the
// population (victims identified): it is kept, with primary suppression,
// and never adjusted (the cells do not add up to it whether hidden or
// not). The residual case is the partition's: with every cell hidden
// nothing is left to complement.
func protectOverlapping(m *Margin, threshold int) {
	total := m.Total.N
	for i := range m.Cells {
		ProtectCount(&m.Cells[i].Count, threshold)
	}
	hidden, shown := 0, 0
	for _, c := range m.Cells {
		if c.Count.Hidden != "" {
			hidden++
		} else {
			shown += c.Count.N
		}
	}
	upper := min(threshold-1, max(total, 0))
	if threshold > 1 && hidden > 0 && total-shown >= hidden*upper {
		for i := len(m.Cells) - 1; i >= 0; i-- {
			if m.Cells[i].Count.Hidden == "" {
				m.Cells[i].Count = Count{Hidden: HiddenComplement}
				break
			}
		}
	}
	m.TotalAdjusted = false
	ProtectCount(&m.Total, threshold)
}

// normThreshold returns the threshold, or 1 if it is below 1.
func normThreshold(threshold int) int {
	return max(threshold, 1)
}

// belowMarker returns the primary suppression marker of a threshold ("<5").
func belowMarker(threshold int) string {
	return "<" + strconv.Itoa(threshold)
}
