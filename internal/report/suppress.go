package report

import (
	"slices"
	"strconv"
	"strings"
)

// Column positions in CTDCColumns.
const (
	colYear = iota
	colDatasource
	colGender
	colAge
	colMajority
	colCitizenship
	colForcedLabour
	colSexual
	colOther
	colBegging
	colDomestic
	colIllicit
	colState
	colProceedings
)

// QuasiIdentifiers are the columns of the anonymized export an attacker may
// know from elsewhere (a press article, a neighbour, a court record) and
// link to a row: every column but Datasource, which is the same in every
// row. They are listed in the order they are kept: the first is suppressed
// last. Every equivalence class over them has at least k rows in an
// export (docs/statistics.md "Anonymized record-level export").
var QuasiIdentifiers = []string{
	"yearOfRegistration",
	"gender",
	"isSexualExploit",
	"isForcedLabour",
	"majorityStatus",
	"ageBroad",
	"citizenship",
	"isOtherExploit",
	"typeOfLabourBegging",
	"typeOfLabourDomesticWork",
	"typeOfLabourIllicitActivities",
	"nrmProceedings",
	"nrmState",
}

// suppressionOrder is QuasiIdentifiers as column positions, the column
// suppressed first coming first (the reverse of the keeping order).
var suppressionOrder = func() []int {
	out := make([]int, 0, len(QuasiIdentifiers))
	for i := len(QuasiIdentifiers) - 1; i >= 0; i-- {
		out = append(out, slices.Index(CTDCColumns, QuasiIdentifiers[i]))
	}
	return out
}()

// ctdcRegion spells the UN M49 regions of the generalised citizenship
// column; they cannot be mistaken for ISO codes (two letters).
var ctdcRegion = map[string]string{
	regionAfrica: "Africa", regionAmericas: "Americas", regionAsia: "Asia", regionEurope: "Europe", regionOceania: "Oceania",
}

// generaliseCitizenship returns the region of an exported citizenship, or
// the unknown code when it has none.
func generaliseCitizenship(v string) string {
	if r, ok := ctdcRegion[Region(v)]; ok {
		return r
	}
	return ctdcUnknown
}

// generaliseAge returns the broader band of an exported CTDC age band:
// 0--17, 18--29, 30--47, 48+.
func generaliseAge(v string) string {
	switch v {
	case "0--8", "9--17":
		return "0--17"
	case "18--20", "21--23", "24--26", "27--29":
		return "18--29"
	case "30--38", "39--47":
		return "30--47"
	}
	return v // 48+ and -99 have no broader form
}

// recoding says which values of a generalisable column are replaced by
// their broader form: none, the rare ones (fewer than k rows), or all.
type recoding int

const (
	recodeNone recoding = iota
	recodeRare
	recodeAll
)

// Anonymization is the outcome of Anonymize: the rows kept, sorted, and the
// information lost to reach k-anonymity.
type Anonymization struct {
	Rows [][]string
	// Dropped is the number of people with no row: those that no
	// suppression could place in a class of k.
	Dropped int
	// Suppressed counts, by column name, the values replaced by -99 in
	// the rows kept (values that were unknown already are not counted).
	Suppressed map[string]int
	// Generalised counts, by column name, the values replaced by a broader
	// one in the rows kept: citizenship by its region, ageBroad by a
	// broader band.
	Generalised map[string]int
}

// AnonymizeDetailed builds the export rows of people and makes them
// k-anonymous over QuasiIdentifiers, keeping as much as it can:
//
//  1. Generalisation: citizenship may be replaced by its UN M49 region
//     and ageBroad by a broader band (0--17, 18--29, 30--47, 48+), for the
//     values held by fewer than k people or for every value; each of the
//     nine combinations (none, rare, all, for each column) is tried.
//  2. Local suppression: the rows in classes of fewer than k have their
//     least important quasi-identifier (the last of QuasiIdentifiers not
//     yet suppressed) replaced by -99, column after column, until their
//     classes reach k; rows still below k when every column is suppressed
//     are dropped.
//  3. A dropped row joins a kept class whose values it has (its own, their
//     broader form or -99), with the fewest values suppressed.
//  4. Each suppressed value is given back, most important column first,
//     when the row's class and the class it moves to both keep k rows.
//
// The combination losing least is kept: a dropped row costs as many
// values as there are quasi-identifiers, a suppressed value one and a
// generalised value one half. -99 is matched only by -99 when classes are
// formed (as if it were one more value): an attacker who reads -99 as "any
// value" finds at least as many candidate rows, never fewer.
//
// The result does not depend on the order of people. A k below 2 is
// treated as 2 (see Anonymize).
func AnonymizeDetailed(people []Person, k int) Anonymization {
	k = max(k, 2)
	orig := make([][]string, len(people))
	for i, p := range people {
		orig[i] = CTDCRow(p)
	}
	slices.SortFunc(orig, slices.Compare[[]string])
	var best Anonymization
	bestLoss := -1.0
	for _, cit := range []recoding{recodeNone, recodeRare, recodeAll} {
		for _, age := range []recoding{recodeNone, recodeRare, recodeAll} {
			a := anonymizeWith(orig, k, cit, age)
			loss := float64(a.Dropped*len(QuasiIdentifiers)) + float64(sumCounts(a.Suppressed)) + float64(sumCounts(a.Generalised))/2
			if bestLoss < 0 || loss < bestLoss {
				best, bestLoss = a, loss
			}
		}
	}
	return best
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// rowKey is a row as a map key.
func rowKey(r []string) string { return strings.Join(r, "\x1f") }

// anonymizeWith runs generalisation (as asked) and local suppression on
// the sorted rows orig.
func anonymizeWith(orig [][]string, k int, cit, age recoding) Anonymization {
	gen := func(col int) func(string) string {
		switch col {
		case colCitizenship:
			return generaliseCitizenship
		case colAge:
			return generaliseAge
		}
		return nil
	}
	// 1. Generalisation.
	rows := make([][]string, len(orig))
	for i := range orig {
		rows[i] = slices.Clone(orig[i])
	}
	for _, g := range []struct {
		col int
		how recoding
	}{{colCitizenship, cit}, {colAge, age}} {
		if g.how == recodeNone {
			continue
		}
		freq := map[string]int{}
		for _, r := range orig {
			freq[r[g.col]]++
		}
		for _, r := range rows {
			if g.how == recodeAll || freq[r[g.col]] < k {
				r[g.col] = gen(g.col)(r[g.col])
			}
		}
	}
	// 2. Local suppression, column after column, in the unsafe rows only.
	count := func() map[string]int {
		n := make(map[string]int, len(rows))
		for _, r := range rows {
			n[rowKey(r)]++
		}
		return n
	}
	sizes := count()
	for _, col := range suppressionOrder {
		unsafe := false
		for _, r := range rows {
			if sizes[rowKey(r)] < k {
				r[col], unsafe = ctdcUnknown, true
			}
		}
		if !unsafe {
			break
		}
		sizes = count()
	}
	kept := make([]int, 0, len(rows))
	var dropped []int
	for i, r := range rows {
		if sizes[rowKey(r)] >= k {
			kept = append(kept, i)
		} else {
			dropped = append(dropped, i)
		}
	}
	// 3. A dropped row may join a kept class it is compatible with.
	classes := map[string][]string{}
	for _, i := range kept {
		classes[rowKey(rows[i])] = rows[i]
	}
	keys := make([]string, 0, len(classes))
	for key := range classes {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	var lost []int
	for _, i := range dropped {
		bestKey, bestCost := "", -1
		for _, key := range keys {
			cost, ok := joinCost(orig[i], classes[key], gen)
			if ok && (bestCost < 0 || cost < bestCost) {
				bestKey, bestCost = key, cost
			}
		}
		if bestCost < 0 {
			lost = append(lost, i)
			continue
		}
		rows[i] = slices.Clone(classes[bestKey])
		kept = append(kept, i)
		sizes[bestKey]++
	}
	slices.Sort(kept)
	sizes = make(map[string]int, len(kept))
	for _, i := range kept {
		sizes[rowKey(rows[i])]++
	}
	// 4. Give suppressed or generalised values back, most important
	// column first, where the row's class and the class it moves to both
	// keep k rows (or its class empties).
	for _, name := range QuasiIdentifiers {
		col := slices.Index(CTDCColumns, name)
		for _, i := range kept {
			r, was := rows[i], orig[i][col]
			if r[col] == was {
				continue
			}
			candidates := []string{was}
			if g := gen(col); g != nil && r[col] == ctdcUnknown && g(was) != was {
				candidates = append(candidates, g(was))
			}
			from, now := rowKey(r), r[col]
			for _, v := range candidates {
				r[col] = v
				to := rowKey(r)
				if sizes[to] >= k-1 && (sizes[from]-1 >= k || sizes[from] == 1) {
					sizes[from]--
					sizes[to]++
					now = v
					break
				}
			}
			r[col] = now
		}
	}
	out := Anonymization{Dropped: len(lost), Suppressed: map[string]int{}, Generalised: map[string]int{}}
	out.Rows = make([][]string, 0, len(kept))
	for _, i := range kept {
		r := rows[i]
		for _, name := range QuasiIdentifiers {
			col := slices.Index(CTDCColumns, name)
			switch {
			case r[col] == orig[i][col]:
			case r[col] == ctdcUnknown:
				out.Suppressed[name]++
			default:
				out.Generalised[name]++
			}
		}
		out.Rows = append(out.Rows, r)
	}
	slices.SortFunc(out.Rows, slices.Compare[[]string])
	return out
}

// joinCost reports whether a row whose original values are orig may be
// shown as class (each value equal to its own, its broader form or -99),
// and how many values that suppresses.
func joinCost(orig, class []string, gen func(int) func(string) string) (int, bool) {
	cost := 0
	for c := range orig {
		switch {
		case class[c] == orig[c]:
		case class[c] == ctdcUnknown:
			cost++
		case gen(c) != nil && class[c] == gen(c)(orig[c]):
		default:
			return 0, false
		}
	}
	return cost, true
}

// FormatColumnCounts writes counts as "col=n,…" over QuasiIdentifiers in
// CTDCColumns order (zeros included), for the X-Casemgr-* headers.
func FormatColumnCounts(m map[string]int) string {
	var b strings.Builder
	for _, c := range CTDCColumns {
		if !slices.Contains(QuasiIdentifiers, c) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(m[c]))
	}
	return b.String()
}
