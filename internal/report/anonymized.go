package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	cases "github.com/casemgr/casemgr/internal/case"
)

// CTDCDefaultK is the default k of the anonymized export: every published
// row is shared by at least this many victims, as in the Counter
// Trafficking Data Collaborative's global victim dataset.
const CTDCDefaultK = 11

// ctdcUnknown is CTDC's code for a missing or unknown value.
const ctdcUnknown = "-99"

// CTDCColumns is the header of the anonymized record-level export, in
// order: the columns of CTDC's global victim dataset that casemgr can fill,
// then casemgr's two local columns (nrmState, nrmProceedings).
var CTDCColumns = []string{
	"yearOfRegistration",
	"Datasource",
	"gender",
	"ageBroad",
	"majorityStatus",
	"citizenship",
	"isForcedLabour",
	"isSexualExploit",
	"isOtherExploit",
	"typeOfLabourBegging",
	"typeOfLabourDomesticWork",
	"typeOfLabourIllicitActivities",
	"nrmState",
	"nrmProceedings",
}

// CTDCRow returns the export row of one person, one cell per CTDCColumns
// entry. The mapping is:
//
//   - yearOfRegistration: Person.Year; a year below 1 gives "-99".
//   - Datasource: always "Case Management".
//   - gender: female → "Female", male → "Male", other →
//     "Trans/Transgender/NonConforming", anything else (unknown) → "-99".
//   - ageBroad: the band in CTDC's spelling ("0--8", "9--17", "18--20",
//     "21--23", "24--26", "27--29", "30--38", "39--47", "48+"); unknown or
//     any other value → "-99".
//   - majorityStatus: adult → "Adult", minor → "Minor", else "-99".
//   - citizenship: the ISO 3166-1 alpha-2 code in upper case; XX, or a
//     value that is not two ASCII letters, → "-99".
//   - the exploitation flags are "1" or "0": isForcedLabour is set by labour,
//     domestic_servitude, forced_begging or forced_criminality;
//     isSexualExploit by sexual; isOtherExploit by other;
//     typeOfLabourBegging by forced_begging; typeOfLabourDomesticWork by
//     domestic_servitude; typeOfLabourIllicitActivities by
//     forced_criminality. "unspecified" sets no flag; when the person has no
//     exploitation type other than "unspecified" (or none at all) every flag
//     is "-99".
//   - nrmState, nrmProceedings: Person.State and Person.Proceedings as is.
func CTDCRow(p Person) []string {
	year := ctdcUnknown
	if p.Year > 0 {
		year = strconv.Itoa(p.Year)
	}
	row := make([]string, 0, len(CTDCColumns))
	row = append(row,
		year,
		"Case Management",
		ctdcGender(p.Gender),
		ctdcAge(p.AgeBand),
		ctdcMajority(p.Majority),
		ctdcCitizenship(p.Citizenship),
	)
	row = append(row, ctdcFlags(p.Exploitation)...)
	return append(row, p.State, p.Proceedings)
}

// ctdcGender returns CTDC's spelling of casemgr's gender.
func ctdcGender(g string) string {
	switch g {
	case "female":
		return "Female"
	case "male":
		return "Male"
	case "other":
		return "Trans/Transgender/NonConforming"
	}
	return ctdcUnknown
}

// ctdcAge returns CTDC's ageBroad spelling of casemgr's age band.
func ctdcAge(band string) string {
	if band == "unknown" || !slices.Contains(cases.CTDCAgeBands, band) {
		return ctdcUnknown
	}
	return strings.Replace(band, "-", "--", 1) // "48+" has none
}

// ctdcMajority returns CTDC's spelling of the majority at identification.
func ctdcMajority(m string) string {
	switch m {
	case "adult":
		return "Adult"
	case "minor":
		return "Minor"
	}
	return ctdcUnknown
}

// ctdcCitizenship returns the upper-cased ISO code, or "-99" for XX and for
// anything that is not two ASCII letters.
func ctdcCitizenship(code string) string {
	if len(code) != 2 {
		return ctdcUnknown
	}
	var up [2]byte
	for i := range 2 {
		c := code[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			return ctdcUnknown
		}
		up[i] = c
	}
	if up == [2]byte{'X', 'X'} {
		return ctdcUnknown
	}
	return string(up[:])
}

// ctdcFlags returns the six exploitation flags in column order.
func ctdcFlags(types []string) []string {
	var forced, sexual, other, begging, domestic, illicit, known bool
	for _, t := range types {
		switch t {
		case "labour":
			forced = true
		case "domestic_servitude":
			forced, domestic = true, true
		case "forced_begging":
			forced, begging = true, true
		case "forced_criminality":
			forced, illicit = true, true
		case "sexual":
			sexual = true
		case "other":
			other = true
		default: // unspecified, or a value the export does not know
			continue
		}
		known = true
	}
	if !known {
		return []string{ctdcUnknown, ctdcUnknown, ctdcUnknown, ctdcUnknown, ctdcUnknown, ctdcUnknown}
	}
	return []string{ctdcFlag(forced), ctdcFlag(sexual), ctdcFlag(other), ctdcFlag(begging), ctdcFlag(domestic), ctdcFlag(illicit)}
}

// ctdcFlag returns CTDC's "1" or "0".
func ctdcFlag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// AnonymizedMeta describes one anonymized export: the k it enforces, the
// rows kept, the rows suppressed, the rules version and year it was built
// for, and its columns.
type AnonymizedMeta struct {
	K            int      `json:"k"`
	Rows         int      `json:"rows"`
	Suppressed   int      `json:"suppressed"`
	RulesVersion string   `json:"rules_version"`
	Year         int      `json:"year"` // 0 = all years
	Columns      []string `json:"columns"`
	// AuditSeq and AsOf are the data cut-off (Cutoff.Seq and Cutoff.AsOf):
	// the same pair reproduces the export.
	AuditSeq int64  `json:"audit_seq"`
	AsOf     string `json:"as_of"`
	// The information lost to k-anonymity: RowsDropped is Suppressed
	// (the people with no row) under a clearer name; SuppressedValues and
	// GeneralisedValues count, by column, the values replaced by -99 or
	// by a broader one in the rows kept (Anonymization).
	RowsDropped       int            `json:"rows_dropped"`
	SuppressedValues  map[string]int `json:"suppressed_values,omitempty"`
	GeneralisedValues map[string]int `json:"generalised_values,omitempty"`
	// QuasiIdentifiers are the columns over which every class has k rows.
	QuasiIdentifiers []string `json:"quasi_identifiers,omitempty"`
}

// Anonymize returns the rows of AnonymizeDetailed and the number of
// people dropped.
//
// A k below 2 is the caller's error (k = 1 would publish unique rows); it
// is treated as 2, so callers must validate k themselves and record the k
// they actually asked for (at least 2) in AnonymizedMeta.
func Anonymize(people []Person, k int) (rows [][]string, suppressed int) {
	a := AnonymizeDetailed(people, k)
	return a.Rows, a.Dropped
}

// checkAnonymized verifies that meta and rows describe a k-anonymous
// export: k at least 2, the declared columns (if any) equal to CTDCColumns,
// meta.Rows equal to the number of rows, every row as wide as the header
// and every equivalence class at least k rows. The writers call it so that
// rows which did not go through Anonymize cannot be published by mistake.
func checkAnonymized(meta AnonymizedMeta, rows [][]string) error {
	if meta.K < 2 {
		return fmt.Errorf("anonymized export: k = %d, want at least 2", meta.K)
	}
	if meta.Columns != nil && !slices.Equal(meta.Columns, CTDCColumns) {
		return fmt.Errorf("anonymized export: meta columns %v differ from CTDCColumns", meta.Columns)
	}
	if meta.Rows != len(rows) {
		return fmt.Errorf("anonymized export: meta says %d rows, got %d", meta.Rows, len(rows))
	}
	for i, r := range rows {
		if len(r) != len(CTDCColumns) {
			return fmt.Errorf("anonymized export: row %d has %d cells, want %d", i, len(r), len(CTDCColumns))
		}
	}
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, slices.Compare[[]string])
	for start := 0; start < len(sorted); {
		end := start + 1
		for end < len(sorted) && slices.Equal(sorted[end], sorted[start]) {
			end++
		}
		if end-start < meta.K {
			return fmt.Errorf("anonymized export: an equivalence class has %d rows, want at least k = %d", end-start, meta.K)
		}
		start = end
	}
	return nil
}

// WriteAnonymizedCSV writes the header (CTDCColumns) and rows as CSV. It
// writes no metadata: comment lines are not CSV, so the caller sends meta
// in HTTP headers or a sidecar file. It refuses (with an error, before
// writing anything) rows that do not match meta or are not k-anonymous for
// meta.K.
//
// Cells are neutralised against spreadsheet formula injection (OWASP):
// a cell that is not a plain number and starts with =, +, -, @, a tab or a
// carriage return is written with a leading apostrophe. Plain numbers such
// as "-99" (CTDC's unknown) or "2024" are written as is.
func WriteAnonymizedCSV(w io.Writer, meta AnonymizedMeta, rows [][]string) error {
	if err := checkAnonymized(meta, rows); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CTDCColumns); err != nil {
		return fmt.Errorf("write anonymized csv header: %w", err)
	}
	line := make([]string, len(CTDCColumns))
	for i, r := range rows {
		for j, c := range r {
			line[j] = csvNeutralise(c)
		}
		if err := cw.Write(line); err != nil {
			return fmt.Errorf("write anonymized csv row %d: %w", i, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write anonymized csv: %w", err)
	}
	return nil
}

// WriteAnonymizedNDJSON writes the export as newline-delimited JSON: first
// {"meta":{…}} (meta.Columns defaults to CTDCColumns when nil), then one
// object per row whose keys are CTDCColumns in column order and whose
// values are the cells as JSON strings. It refuses (with an error, before
// writing anything) rows that do not match meta or are not k-anonymous for
// meta.K.
func WriteAnonymizedNDJSON(w io.Writer, meta AnonymizedMeta, rows [][]string) error {
	if err := checkAnonymized(meta, rows); err != nil {
		return err
	}
	if meta.Columns == nil {
		meta.Columns = CTDCColumns
	}
	m, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("encode anonymized meta: %w", err)
	}
	keys := make([][]byte, len(CTDCColumns))
	for i, c := range CTDCColumns {
		if keys[i], err = json.Marshal(c); err != nil {
			return fmt.Errorf("encode column name %q: %w", c, err)
		}
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"meta":`)
	bw.Write(m)
	bw.WriteString("}\n")
	var buf []byte
	for i, r := range rows {
		buf = append(buf[:0], '{')
		for j, c := range r {
			if j > 0 {
				buf = append(buf, ',')
			}
			v, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("encode anonymized row %d: %w", i, err)
			}
			buf = append(buf, keys[j]...)
			buf = append(buf, ':')
			buf = append(buf, v...)
		}
		buf = append(buf, '}', '\n')
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write anonymized ndjson: %w", err)
	}
	return nil
}

// csvNeutralise neutralises a cell against formula injection: a cell that is not
// a plain number and starts with =, +, -, @, tab or carriage return gets a
// leading apostrophe.
func csvNeutralise(s string) string {
	if s == "" || csvPlainNumber(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// csvPlainNumber reports whether s is an optionally signed decimal number
// (digits, with at most one decimal point between digits), such as "-99",
// "2024" or "1234.50". Exponents, hex, "Inf" and "NaN" are not plain.
func csvPlainNumber(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if !csvAllDigits(intPart) {
		return false
	}
	return !hasDot || csvAllDigits(frac)
}

// csvAllDigits reports whether s is non-empty and made of ASCII digits only.
func csvAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
