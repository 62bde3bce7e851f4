package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// renderN is a shown count.
func renderN(v int) Count { return Count{N: v} }

// renderHidden is a hidden count with its marker.
func renderHidden(marker string) Count { return Count{Hidden: marker} }

// renderSampleAnnual is a protected annual report with hidden cells.
func renderSampleAnnual() Annual {
	return Annual{
		Year:         2024,
		Shelter:      "",
		RulesVersion: "be-nrm-2025.1",
		Cutoff:       Cutoff{Seq: 4812, Hash: "9f2c", RecordedAt: "2025-01-31T10:00:00Z", AsOf: "2024-12-31"},
		GeneratedAt:  "2025-02-03T08:30:00Z",
		Protection:   Protection{Applied: true, Threshold: 5},
		Victims: Victims{
			Identified: renderN(37),
			ByGender: Margin{
				Cells:         []Cell{{"female", renderN(12)}, {"male", renderHidden("x")}, {"other", renderHidden("<5")}, {"unknown", renderN(0)}},
				Total:         renderN(12),
				TotalAdjusted: true,
			},
			ByAge: Margin{
				Cells: []Cell{{"adult", renderN(30)}, {"minor", renderN(7)}, {"unknown", renderN(0)}},
				Total: renderN(37),
			},
			ByCitizenship: Margin{Cells: []Cell{{"eu", renderN(9)}, {"non_eu", renderN(28)}}, Total: renderN(37)},
			ByRegion:      Margin{Cells: []Cell{{"Western Africa", renderN(20)}, {"Eastern Europe", renderN(17)}}, Total: renderN(37)},
			ByExploitation: Margin{
				Cells:       []Cell{{"sexual", renderN(21)}, {"labour", renderN(15)}, {"forced_begging", renderHidden("<5")}},
				Total:       renderN(37),
				Overlapping: true,
			},
		},
		Permits: Permits{
			ReflectionStarted:   renderN(30),
			ProvisionalIssued:   renderN(22),
			ProvisionalExtended: renderHidden("<5"),
			TemporaryIssued:     renderN(8),
			TemporaryRenewed:    renderN(6),
			IndefiniteGranted:   renderN(0),
		},
		Withdrawals: Margin{
			Cells: []Cell{{"contact_with_trafficker", renderHidden("<5")}, {"stopped_cooperating", renderHidden("x")}, {"dismissal", renderN(6)}},
			Total: renderN(6), TotalAdjusted: true,
		},
		Proceedings:    []Cell{{"complaint_filed", renderN(19)}, {"charged", renderN(9)}, {"convicted", renderHidden("<5")}},
		Compensation:   Compensation{Claims: renderN(7), Awards: renderN(5), AwardedEUR: "12500.50"},
		Flagged:        []Cell{{"R01", renderN(11)}, {"R07", renderHidden("<5")}, {"R23", renderN(0)}},
		ReplayFailures: 1,
		Services: Margin{Cells: []Cell{{"accommodation", renderN(14)}, {"legal", renderHidden("<5")}}, Total: renderN(15),
			Overlapping: true},
		Transfers: Transfers{Accepted: renderN(8),
			ByReceivingShelter: &Margin{Cells: []Cell{{"pag-asa", renderN(8)}, {"sürya", renderHidden("<5")}}, Total: renderN(8)},
			BySendingShelter:   &Margin{Cells: []Cell{{"pag-asa", renderHidden("<5")}, {"sürya", renderN(8)}}, Total: renderN(8)}},
	}
}

func TestWriteAnnualCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAnnualCSV(&buf, renderSampleAnnual()); err != nil {
		t.Fatalf("WriteAnnualCSV: got error %v, want nil", err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("parse csv: got error %v, want nil", err)
	}
	if want := []string{"section", "key", "value"}; !slices.Equal(records[0], want) {
		t.Fatalf("header: got %q, want %q", records[0], want)
	}
	got := make(map[string]string)
	var order []string
	for i, r := range records[1:] {
		if len(r) != 3 {
			t.Fatalf("row %d: got %d fields, want 3", i+1, len(r))
		}
		k := r[0] + "," + r[1]
		if _, dup := got[k]; dup {
			t.Errorf("row %d: got duplicate %s, want each section,key once", i+1, k)
		}
		got[k] = r[2]
		order = append(order, k)
	}
	tests := []struct{ key, want string }{
		{"meta,year", "2024"},
		{"meta,shelter", ""},
		{"meta,rules_version", "be-nrm-2025.1"},
		{"meta,audit_seq", "4812"},
		{"meta,audit_hash", "9f2c"},
		{"meta,audit_recorded_at", "2025-01-31T10:00:00Z"},
		{"meta,as_of", "2024-12-31"},
		{"meta,generated_at", "2025-02-03T08:30:00Z"},
		{"meta,replay_failures", "1"},
		{"meta,small_cell_threshold", "5"},
		{"victims,identified", "37"},
		{"victims.by_gender,female", "12"},
		{"victims.by_gender,male", "x"},
		{"victims.by_gender,other", "<5"},
		{"victims.by_gender,unknown", "0"},
		{"victims.by_gender,total", "12"},
		{"victims.by_gender,total_adjusted", "true"},
		{"victims.by_gender,overlapping", "false"},
		{"victims.by_age,total_adjusted", "false"},
		{"victims.by_region,Western Africa", "20"},
		{"victims.by_exploitation,forced_begging", "<5"},
		{"victims.by_exploitation,overlapping", "true"},
		{"permits,reflection_started", "30"},
		{"permits,provisional_extended", "<5"},
		{"permits,indefinite_granted", "0"},
		{"status_withdrawals,contact_with_trafficker", "<5"},
		{"status_withdrawals,stopped_cooperating", "x"},
		{"status_withdrawals,total", "6"},
		{"proceedings,convicted", "<5"},
		{"compensation,claims", "7"},
		{"compensation,awards", "5"},
		{"compensation,awarded_eur", "12500.50"},
		{"flagged_by_rule,R01", "11"},
		{"flagged_by_rule,R07", "<5"},
		{"services_received,accommodation", "14"},
		{"services_received,legal", "<5"},
		{"services_received,total", "15"},
		{"services_received,overlapping", "true"},
		{"transfers,accepted", "8"},
		{"transfers.by_receiving_shelter,pag-asa", "8"},
		{"transfers.by_sending_shelter,pag-asa", "<5"},
		{"transfers.by_sending_shelter,total", "8"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			v, ok := got[tt.key]
			if !ok {
				t.Fatalf("%s: got no row, want %q", tt.key, tt.want)
			}
			if v != tt.want {
				t.Errorf("%s: got %q, want %q", tt.key, v, tt.want)
			}
		})
	}
	if _, ok := got["meta,small_cell_protection"]; ok {
		t.Errorf("meta,small_cell_protection: got a row, want none when protection is applied")
	}
	if first, last := order[0], order[len(order)-1]; first != "meta,year" || last != "transfers.by_sending_shelter,overlapping" {
		t.Errorf("order: got first %s and last %s, want meta,year and transfers.by_sending_shelter,overlapping", first, last)
	}
}

func TestWriteAnnualCSVUnprotected(t *testing.T) {
	a := renderSampleAnnual()
	a.Protection = Protection{}
	a.Shelter = "=cmd"
	var buf bytes.Buffer
	if err := WriteAnnualCSV(&buf, a); err != nil {
		t.Fatalf("WriteAnnualCSV: got error %v, want nil", err)
	}
	tests := []struct {
		name, line string
		want       bool
	}{
		{"protection none", "meta,small_cell_protection,none\n", true},
		{"no threshold", "meta,small_cell_threshold,", false},
		{"shelter neutralised", "meta,shelter,'=cmd\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(buf.String(), tt.line); got != tt.want {
				t.Errorf("contains %q: got %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

// openAnnualXLSX writes a as XLSX and opens the bytes again.
func openAnnualXLSX(t *testing.T, a Annual) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteAnnualXLSX(&buf, a); err != nil {
		t.Fatalf("WriteAnnualXLSX: got error %v, want nil", err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("OpenReader: got error %v, want nil", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// xlsxFindRow returns the 1-based row whose column A is label, starting the
// search after row from (0 for the top).
func xlsxFindRow(t *testing.T, f *excelize.File, sheet, label string, from int) int {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("GetRows(%s): got error %v, want nil", sheet, err)
	}
	for i := from; i < len(rows); i++ {
		if len(rows[i]) > 0 && rows[i][0] == label {
			return i + 1
		}
	}
	t.Fatalf("%s: got no row labelled %q, want one", sheet, label)
	return 0
}

func TestWriteAnnualXLSXSheets(t *testing.T) {
	f := openAnnualXLSX(t, renderSampleAnnual())
	want := []string{"Summary", "Victims", "Permits", "Proceedings", "Withdrawals", "Compensation", "Flags", "Services", "Transfers"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets: got %q, want %q", got, want)
	}
}

func TestWriteAnnualXLSXCells(t *testing.T) {
	f := openAnnualXLSX(t, renderSampleAnnual())
	const (
		number = "number"
		text   = "text"
	)
	tests := []struct {
		name     string
		sheet    string
		label    string
		after    string // find label after the row labelled after ("" = from the top)
		want     string
		wantKind string
	}{
		{"year", "Summary", "Year", "", "2024", number},
		{"shelter all", "Summary", "Shelter", "", "all shelters", text},
		{"audit seq", "Summary", "Data cut-off: audit seq", "", "4812", number},
		{"rules version", "Summary", "Rules version", "", "be-nrm-2025.1", text},
		{"as of", "Summary", "Rules evaluated as of", "", "2024-12-31", text},
		{"replay failures", "Summary", "Cases not replayed (left out of Flags)", "", "1", number},
		{"identified headline", "Summary", "Victims identified", "", "37", number},
		{"legend small", "Summary", "<5", "Legend", "Hidden: fewer than 5 (small-cell protection).", text},
		{"legend complement", "Summary", "x", "Legend", "Hidden so that a small figure in the same table cannot be recovered by subtraction.", text},
		{"identified", "Victims", "Victims identified", "", "37", number},
		{"female", "Victims", "female", "By gender", "12", number},
		{"male hidden", "Victims", "male", "By gender", "x", text},
		{"other small", "Victims", "other", "By gender", "<5", text},
		{"gender total", "Victims", "Total", "By gender", "12", number},
		{"gender adjusted", "Victims", "adjusted", "By gender", "The total is the sum of the figures shown; hidden figures are left out.", text},
		{"minor", "Victims", "minor", "By age at identification", "7", number},
		{"begging small", "Victims", "forced_begging", "By exploitation type", "<5", text},
		{"reflection", "Permits", "reflection_started", "", "30", number},
		{"provisional extended", "Permits", "provisional_extended", "", "<5", text},
		{"charged", "Proceedings", "charged", "", "9", number},
		{"convicted", "Proceedings", "convicted", "", "<5", text},
		{"withdrawal small", "Withdrawals", "contact_with_trafficker", "", "<5", text},
		{"withdrawal total", "Withdrawals", "Total", "", "6", number},
		{"claims", "Compensation", "Claims", "", "7", number},
		{"awarded", "Compensation", "Awarded (EUR)", "", "12500.5", number},
		{"R01", "Flags", "R01", "", "11", number},
		{"R07", "Flags", "R07", "", "<5", text},
		{"R23", "Flags", "R23", "", "0", number},
		{"served headline", "Summary", "Victims who received a service", "", "15", number},
		{"transfers headline", "Summary", "Transfers accepted", "", "8", number},
		{"accommodation", "Services", "accommodation", "", "14", number},
		{"legal small", "Services", "legal", "", "<5", text},
		{"services total", "Services", "Total", "", "15", number},
		{"transfers", "Transfers", "Transfers accepted", "", "8", number},
		{"received by", "Transfers", "pag-asa", "By receiving shelter", "8", number},
		{"sent by small", "Transfers", "pag-asa", "By sending shelter", "<5", text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := 0
			if tt.after != "" {
				from = xlsxFindRow(t, f, tt.sheet, tt.after, 0)
			}
			ref := "B" + strconv.Itoa(xlsxFindRow(t, f, tt.sheet, tt.label, from))
			got, err := f.GetCellValue(tt.sheet, ref, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatalf("GetCellValue(%s!%s): got error %v, want nil", tt.sheet, ref, err)
			}
			if got != tt.want {
				t.Errorf("%s!%s: got %q, want %q", tt.sheet, ref, got, tt.want)
			}
			typ, err := f.GetCellType(tt.sheet, ref)
			if err != nil {
				t.Fatalf("GetCellType(%s!%s): got error %v, want nil", tt.sheet, ref, err)
			}
			kind := text
			if typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber {
				kind = number
			}
			if kind != tt.wantKind {
				t.Errorf("%s!%s type: got %s (%v), want %s", tt.sheet, ref, kind, typ, tt.wantKind)
			}
		})
	}
}

func TestWriteAnnualXLSXFormatsEuro(t *testing.T) {
	f := openAnnualXLSX(t, renderSampleAnnual())
	ref := "B" + strconv.Itoa(xlsxFindRow(t, f, "Compensation", "Awarded (EUR)", 0))
	got, err := f.GetCellValue("Compensation", ref)
	if err != nil {
		t.Fatalf("GetCellValue: got error %v, want nil", err)
	}
	if got != "12,500.50" {
		t.Errorf("Compensation!%s formatted: got %q, want %q", ref, got, "12,500.50")
	}
}

func TestWriteAnnualXLSXUnprotected(t *testing.T) {
	a := renderSampleAnnual()
	a.Protection = Protection{}
	a.Shelter = "PAY"
	a.Compensation.AwardedEUR = "x"
	f := openAnnualXLSX(t, a)
	tests := []struct {
		name, sheet, label, want string
	}{
		{"protection none", "Summary", "Small-cell protection", "none"},
		{"shelter id", "Summary", "Shelter", "PAY"},
		{"hidden amount", "Compensation", "Awarded (EUR)", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := "B" + strconv.Itoa(xlsxFindRow(t, f, tt.sheet, tt.label, 0))
			got, err := f.GetCellValue(tt.sheet, ref)
			if err != nil {
				t.Fatalf("GetCellValue: got error %v, want nil", err)
			}
			if got != tt.want {
				t.Errorf("%s!%s: got %q, want %q", tt.sheet, ref, got, tt.want)
			}
		})
	}
}
