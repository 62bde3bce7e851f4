package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// annualRow is one line of the long format: section, key, value.
type annualRow struct {
	section, key, value string
}

// annualRows flattens a into the long format written by WriteAnnualCSV.
func annualRows(a Annual) []annualRow {
	var rows []annualRow
	add := func(section, key, value string) {
		rows = append(rows, annualRow{section, key, value})
	}
	margin := func(section string, m Margin) {
		for _, c := range m.Cells {
			add(section, c.Key, c.Count.Shown())
		}
		add(section, "total", m.Total.Shown())
		add(section, "total_adjusted", strconv.FormatBool(m.TotalAdjusted))
		add(section, "overlapping", strconv.FormatBool(m.Overlapping))
	}

	add("meta", "year", strconv.Itoa(a.Year))
	add("meta", "shelter", a.Shelter)
	add("meta", "rules_version", a.RulesVersion)
	add("meta", "audit_seq", strconv.FormatInt(a.Cutoff.Seq, 10))
	add("meta", "audit_hash", a.Cutoff.Hash)
	add("meta", "audit_recorded_at", a.Cutoff.RecordedAt)
	add("meta", "as_of", a.Cutoff.AsOf)
	add("meta", "generated_at", a.GeneratedAt)
	if a.Protection.Applied {
		add("meta", "small_cell_threshold", strconv.Itoa(a.Protection.Threshold))
	} else {
		add("meta", "small_cell_protection", "none")
	}
	add("meta", "replay_failures", strconv.Itoa(a.ReplayFailures))

	add("victims", "identified", a.Victims.Identified.Shown())
	margin("victims.by_gender", a.Victims.ByGender)
	margin("victims.by_age", a.Victims.ByAge)
	margin("victims.by_citizenship", a.Victims.ByCitizenship)
	margin("victims.by_region", a.Victims.ByRegion)
	margin("victims.by_exploitation", a.Victims.ByExploitation)

	for _, p := range permitItems(a.Permits) {
		add("permits", p.Key, p.Count.Shown())
	}
	margin("status_withdrawals", a.Withdrawals)
	for _, c := range a.Proceedings {
		add("proceedings", c.Key, c.Count.Shown())
	}
	add("compensation", "claims", a.Compensation.Claims.Shown())
	add("compensation", "awards", a.Compensation.Awards.Shown())
	add("compensation", "awarded_eur", a.Compensation.AwardedEUR)
	for _, c := range a.Flagged {
		add("flagged_by_rule", c.Key, c.Count.Shown())
	}
	margin("services_received", a.Services)
	add("transfers", "accepted", a.Transfers.Accepted.Shown())
	for _, m := range a.Transfers.Margins() {
		margin("transfers."+m.Name, *m.Margin)
	}
	return rows
}

// permitItems lists the permit counts in their JSON order, keyed by their
// JSON names.
func permitItems(p Permits) []Cell {
	return []Cell{
		{Key: "reflection_started", Count: p.ReflectionStarted},
		{Key: "provisional_issued", Count: p.ProvisionalIssued},
		{Key: "provisional_extended", Count: p.ProvisionalExtended},
		{Key: "temporary_issued", Count: p.TemporaryIssued},
		{Key: "temporary_renewed", Count: p.TemporaryRenewed},
		{Key: "indefinite_granted", Count: p.IndefiniteGranted},
	}
}

// WriteAnnualCSV writes a as long-format CSV with the header
// section,key,value. Sections, in order: meta (year; shelter, empty for all
// shelters; rules_version; audit_seq, audit_hash, audit_recorded_at and
// as_of of the data cut-off; generated_at; small_cell_threshold, or
// small_cell_protection "none"; replay_failures), victims (identified), one section per
// victims margin (victims.by_gender, victims.by_age,
// victims.by_citizenship, victims.by_region, victims.by_exploitation),
// permits, status_withdrawals, proceedings, compensation (claims, awards,
// awarded_eur), flagged_by_rule, services_received (a margin) and
// transfers (accepted), then transfers.by_direction for one shelter or
// transfers.by_receiving_shelter and transfers.by_sending_shelter for all
// shelters (margins keyed by shelter id). A margin's section lists its cells,
// then total, total_adjusted and overlapping (true or false). Counts are
// written as Count.Shown, so hidden figures appear as "<5" or "x". Cells
// that are not plain numbers and start with =, +, -, @, tab or carriage
// return get a leading apostrophe (formula injection).
func WriteAnnualCSV(w io.Writer, a Annual) error {
	return writeLongCSV(w, annualLines(a), ',', false)
}

// WriteAnnualCSVBE writes the same lines as WriteAnnualCSV for
// spreadsheets set up for Belgium (format csv-be): a UTF-8 byte order
// mark, semicolons between fields and a decimal comma (awarded_eur
// "1000,50").
func WriteAnnualCSVBE(w io.Writer, a Annual) error {
	return writeLongCSV(w, annualLines(a), ';', true)
}

func annualLines(a Annual) [][3]string {
	rows := annualRows(a)
	out := make([][3]string, len(rows))
	for i, r := range rows {
		out[i] = [3]string{r.section, r.key, r.value}
	}
	return out
}

// writeLongCSV writes section,key,value lines with the given separator,
// neutralising formula injection. be selects the Belgian spreadsheet
// variant: a UTF-8 byte order mark first, and a decimal comma in plain
// decimal numbers.
func writeLongCSV(w io.Writer, lines [][3]string, sep rune, be bool) error {
	if be {
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return fmt.Errorf("write csv byte order mark: %w", err)
		}
	}
	if be {
		return writeSemicolonCSV(w, lines)
	}
	cw := csv.NewWriter(w)
	cw.Comma = sep
	if err := cw.Write([]string{"section", "key", "value"}); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	for _, l := range lines {
		rec := []string{csvNeutralise(l[0]), csvNeutralise(l[1]), csvNeutralise(l[2])}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write csv row %s,%s: %w", l[0], l[1], err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// writeSemicolonCSV writes the csv-be lines after the byte order mark:
// fields separated by semicolons, a decimal comma in plain decimal numbers,
// and every field holding a semicolon, a comma, a quote or a line break
// quoted (so that a decimal comma reads as one field whatever separator a
// reader assumes).
func writeSemicolonCSV(w io.Writer, lines [][3]string) error {
	var b strings.Builder
	field := func(f string, last bool) {
		if strings.ContainsAny(f, ";,\"\r\n") {
			f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
		}
		b.WriteString(f)
		if last {
			b.WriteByte('\n')
		} else {
			b.WriteByte(';')
		}
	}
	field("section", false)
	field("key", false)
	field("value", true)
	for _, l := range lines {
		v := l[2]
		if csvPlainNumber(v) {
			v = strings.Replace(v, ".", ",", 1)
		}
		field(csvNeutralise(l[0]), false)
		field(csvNeutralise(l[1]), false)
		field(csvNeutralise(v), true)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write csv-be: %w", err)
	}
	return nil
}

// Sheet names of the annual report workbook, in order.
const (
	sheetSummary      = "Summary"
	sheetVictims      = "Victims"
	sheetPermits      = "Permits"
	sheetProceedings  = "Proceedings"
	sheetWithdrawals  = "Withdrawals"
	sheetCompensation = "Compensation"
	sheetFlags        = "Flags"
	sheetServices     = "Services"
	sheetTransfers    = "Transfers"
)

// sheetWriter appends rows to one worksheet and keeps the first error, so
// that building a sheet reads as a list of rows.
type sheetWriter struct {
	f     *excelize.File
	sheet string
	row   int
	bold  int
	eur   int
	err   error
}

// cell writes one value at column col (1-based) of the current row: an int
// or int64 as a number, a Count as a number or its hidden marker (a
// string), anything else as a string.
func (s *sheetWriter) cell(col int, v any) {
	if s.err != nil {
		return
	}
	ref, err := excelize.CoordinatesToCellName(col, s.row)
	if err != nil {
		s.err = fmt.Errorf("sheet %s: %w", s.sheet, err)
		return
	}
	switch v := v.(type) {
	case Count:
		if v.Hidden != "" {
			err = s.f.SetCellStr(s.sheet, ref, v.Hidden)
		} else {
			err = s.f.SetCellInt(s.sheet, ref, int64(v.N))
		}
	case int:
		err = s.f.SetCellInt(s.sheet, ref, int64(v))
	case int64:
		err = s.f.SetCellInt(s.sheet, ref, v)
	case string:
		err = s.f.SetCellStr(s.sheet, ref, v)
	default:
		err = fmt.Errorf("unsupported cell value %T", v)
	}
	if err != nil {
		s.err = fmt.Errorf("sheet %s cell %s: %w", s.sheet, ref, err)
	}
}

// line writes values to the next row, from column A.
func (s *sheetWriter) line(values ...any) {
	s.row++
	for i, v := range values {
		s.cell(i+1, v)
	}
}

// heading writes values to the next row in bold.
func (s *sheetWriter) heading(values ...any) {
	s.line(values...)
	if s.err != nil || len(values) == 0 {
		return
	}
	end, err := excelize.CoordinatesToCellName(len(values), s.row)
	if err == nil {
		err = s.f.SetCellStyle(s.sheet, "A"+strconv.Itoa(s.row), end, s.bold)
	}
	if err != nil {
		s.err = fmt.Errorf("sheet %s row %d style: %w", s.sheet, s.row, err)
	}
}

// blank skips one row.
func (s *sheetWriter) blank() { s.row++ }

// euro writes an amount in euros at column col of the current row: a
// number formatted with two decimals when amount is a plain number, the
// text as is otherwise (a hidden marker).
func (s *sheetWriter) euro(col int, amount string) {
	if s.err != nil {
		return
	}
	v, perr := strconv.ParseFloat(amount, 64)
	if !csvPlainNumber(amount) || perr != nil {
		s.cell(col, amount)
		return
	}
	ref, err := excelize.CoordinatesToCellName(col, s.row)
	if err == nil {
		err = s.f.SetCellFloat(s.sheet, ref, v, -1, 64)
	}
	if err == nil {
		err = s.f.SetCellStyle(s.sheet, ref, ref, s.eur)
	}
	if err != nil {
		s.err = fmt.Errorf("sheet %s euro cell: %w", s.sheet, err)
	}
}

// margin writes m as a small table: a bold title, a Category / Count
// header, one row per cell, the total and the notes that apply.
func (s *sheetWriter) margin(title string, m Margin) {
	s.heading(title)
	s.heading("Category", "Count")
	for _, c := range m.Cells {
		s.line(c.Key, c.Count)
	}
	s.heading("Total", m.Total)
	if m.TotalAdjusted {
		s.line("adjusted", "The total is the sum of the figures shown; hidden figures are left out.")
	}
	if m.Overlapping {
		s.line("overlapping", "A victim may count in several categories; the total counts each victim once.")
	}
	s.blank()
}

// WriteAnnualXLSX writes a as an XLSX workbook with the sheets Summary
// (metadata, headline figures and a legend of the hidden markers), Victims
// (each margin as a Category / Count table with its total), Permits,
// Proceedings, Withdrawals, Compensation, Flags (rule id, count), Services
// (victims by service type received) and Transfers (accepted, and their
// breakdowns).
// Figures are numeric cells; hidden figures ("<5", "x") are text cells.
func WriteAnnualXLSX(w io.Writer, a Annual) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close annual xlsx: %w", cerr)
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), sheetSummary); err != nil {
		return fmt.Errorf("annual xlsx: rename first sheet: %w", err)
	}
	for _, name := range []string{sheetVictims, sheetPermits, sheetProceedings, sheetWithdrawals, sheetCompensation, sheetFlags,
		sheetServices, sheetTransfers} {
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("annual xlsx: add sheet %s: %w", name, err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("annual xlsx: bold style: %w", err)
	}
	eur, err := f.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
	if err != nil {
		return fmt.Errorf("annual xlsx: euro style: %w", err)
	}
	sheet := func(name string) *sheetWriter {
		return &sheetWriter{f: f, sheet: name, bold: bold, eur: eur}
	}

	writers := []*sheetWriter{
		summarySheet(sheet(sheetSummary), a),
		victimsSheet(sheet(sheetVictims), a.Victims),
		permitsSheet(sheet(sheetPermits), a.Permits),
		cellsSheet(sheet(sheetProceedings), "Outcome", a.Proceedings,
			"A case may count in several outcomes in the same year."),
		withdrawalsSheet(sheet(sheetWithdrawals), a.Withdrawals),
		compensationSheet(sheet(sheetCompensation), a.Compensation),
		cellsSheet(sheet(sheetFlags), "Rule", a.Flagged,
			"Victims the rule flagged on at least one day of the year."),
		servicesSheet(sheet(sheetServices), a.Services),
		transfersSheet(sheet(sheetTransfers), a.Transfers),
	}
	for _, s := range writers {
		if s.err != nil {
			return fmt.Errorf("annual xlsx: %w", s.err)
		}
		if err := f.SetColWidth(s.sheet, "A", "A", 28); err != nil {
			return fmt.Errorf("annual xlsx: column width of %s: %w", s.sheet, err)
		}
		if err := f.SetColWidth(s.sheet, "B", "B", 16); err != nil {
			return fmt.Errorf("annual xlsx: column width of %s: %w", s.sheet, err)
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write annual xlsx: %w", err)
	}
	return nil
}

// summarySheet writes the metadata, the headline figures and the legend.
func summarySheet(s *sheetWriter, a Annual) *sheetWriter {
	shelter := a.Shelter
	if shelter == "" {
		shelter = "all shelters"
	}
	protection := "none"
	threshold := 5
	if a.Protection.Applied {
		threshold = a.Protection.Threshold
		protection = "counts below " + strconv.Itoa(threshold) + " are hidden"
	}
	s.heading("Annual report", a.Year)
	s.line("Year", a.Year)
	s.line("Shelter", shelter)
	s.line("Rules version", a.RulesVersion)
	s.line("Data cut-off: audit seq", a.Cutoff.Seq)
	s.line("Data cut-off: audit hash", a.Cutoff.Hash)
	s.line("Data cut-off: recorded at", a.Cutoff.RecordedAt)
	s.line("Rules evaluated as of", a.Cutoff.AsOf)
	s.line("Generated at", a.GeneratedAt)
	s.line("Small-cell protection", protection)
	s.line("Cases not replayed (left out of Flags)", a.ReplayFailures)
	s.blank()
	s.heading("Headline figures", "Count")
	s.line("Victims identified", a.Victims.Identified)
	s.line("Reflection periods started", a.Permits.ReflectionStarted)
	s.line("Status withdrawals", a.Withdrawals.Total)
	s.line("Compensation claims", a.Compensation.Claims)
	s.line("Compensation awards", a.Compensation.Awards)
	s.line("Awarded (EUR)")
	s.euro(2, a.Compensation.AwardedEUR)
	s.line("Victims who received a service", a.Services.Total)
	s.line("Transfers accepted", a.Transfers.Accepted)
	s.blank()
	s.heading("Legend", "Meaning")
	s.line("<"+strconv.Itoa(threshold), "Hidden: fewer than "+strconv.Itoa(threshold)+" (small-cell protection).")
	s.line(HiddenComplement, "Hidden so that a small figure in the same table cannot be recovered by subtraction.")
	s.line("adjusted", "The total is the sum of the figures shown; hidden figures are left out.")
	return s
}

// victimsSheet writes the victims identified and each margin as a table.
func victimsSheet(s *sheetWriter, v Victims) *sheetWriter {
	s.heading("Victims identified", v.Identified)
	s.blank()
	s.margin("By gender", v.ByGender)
	s.margin("By age at identification", v.ByAge)
	s.margin("By citizenship", v.ByCitizenship)
	s.margin("By region of nationality", v.ByRegion)
	s.margin("By exploitation type", v.ByExploitation)
	return s
}

// permitsSheet writes the residence documents of the year.
func permitsSheet(s *sheetWriter, p Permits) *sheetWriter {
	s.heading("Permit", "Count")
	for _, c := range permitItems(p) {
		s.line(c.Key, c.Count)
	}
	return s
}

// withdrawalsSheet writes the status withdrawals by reason.
func withdrawalsSheet(s *sheetWriter, m Margin) *sheetWriter {
	s.heading("Reason", "Count")
	for _, c := range m.Cells {
		s.line(c.Key, c.Count)
	}
	s.heading("Total", m.Total)
	if m.TotalAdjusted {
		s.line("adjusted", "The total is the sum of the figures shown; hidden figures are left out.")
	}
	return s
}

// compensationSheet writes the claims, awards and amount awarded.
func compensationSheet(s *sheetWriter, c Compensation) *sheetWriter {
	s.heading("Item", "Value")
	s.line("Claims", c.Claims)
	s.line("Awards", c.Awards)
	s.line("Awarded (EUR)")
	s.euro(2, c.AwardedEUR)
	return s
}

// cellsSheet writes a two-column table of cells under a header and a note.
func cellsSheet(s *sheetWriter, keyTitle string, cells []Cell, note string) *sheetWriter {
	s.heading(keyTitle, "Count")
	for _, c := range cells {
		s.line(c.Key, c.Count)
	}
	s.blank()
	s.line(note)
	return s
}

// servicesSheet writes the victims who received each service type.
func servicesSheet(s *sheetWriter, m Margin) *sheetWriter {
	s.margin("Victims who received a service, by service type", m)
	s.line("A service counts in the year when it started on or before the last day counted and did not end before 1 January.")
	return s
}

// transfersSheet writes the transfers accepted in the year and their
// breakdowns (by direction for one shelter, by shelter for all).
func transfersSheet(s *sheetWriter, tr Transfers) *sheetWriter {
	s.heading("Transfers accepted", tr.Accepted)
	s.blank()
	titles := map[string]string{"by_direction": "By direction", "by_receiving_shelter": "By receiving shelter",
		"by_sending_shelter": "By sending shelter"}
	for _, m := range tr.Margins() {
		s.margin(titles[m.Name], *m.Margin)
	}
	return s
}
