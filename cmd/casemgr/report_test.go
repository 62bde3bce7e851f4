package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/report"
)

func TestReportCommands(t *testing.T) {
	dir := t.TempDir()
	if out, errOut, err := casemgr(t, "seed-data", "--data", dir, "--cases", "60", "--events-per-case", "4", "--mode", "service"); err != nil {
		t.Fatalf("seed-data: %v\n%s%s", err, out, errOut)
	}
	year := strconv.Itoa(time.Now().Year())

	// Every shelter: protected, JSON on standard output, a summary on stderr.
	out, errOut, err := casemgr(t, "report", "annual", "--data", dir, "--year", year)
	if err != nil {
		t.Fatalf("report annual: %v\n%s", err, errOut)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("report annual output: %v\n%s", err, out)
	}
	prot := raw["small_cell_protection"].(map[string]any)
	if prot["applied"] != true || prot["threshold"] != 5.0 || raw["shelter"] != "" || raw["year"] != float64(time.Now().Year()) {
		t.Errorf("report annual: got protection %v, shelter %v, year %v; want applied at 5, all shelters, %s", prot, raw["shelter"], raw["year"], year)
	}
	if !regexp.MustCompile(`^annual report \d{4}: (\d+|<5) victims identified, audit seq \d+, as of \d{4}-\d{2}-\d{2}, rules \S+, small-cell protection below 5\n$`).MatchString(errOut) {
		t.Errorf("report annual stderr: got %q, want the summary", errOut)
	}

	// One shelter, exact, as CSV.
	out, _, err = casemgr(t, "report", "annual", "--data", dir, "--year", year, "--shelter", "payoke", "--exact", "--format", "csv")
	if err != nil {
		t.Fatalf("report annual --exact: %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("report annual csv: %v", err)
	}
	found := map[string]string{}
	for _, r := range rows[1:] {
		found[r[0]+","+r[1]] = r[2]
	}
	if found["meta,shelter"] != "payoke" || strings.HasPrefix(found["victims,identified"], "<") || found["victims,identified"] == "" {
		t.Errorf("report annual --exact csv: got shelter %q identified %q, want payoke and an exact count", found["meta,shelter"], found["victims,identified"])
	}

	// XLSX to a file: mode 0600, a zip.
	path := filepath.Join(dir, "annual.xlsx")
	if _, errOut, err := casemgr(t, "report", "annual", "--data", dir, "--year", year, "--format", "xlsx", "--out", path); err != nil {
		t.Fatalf("report annual xlsx: %v %s", err, errOut)
	}
	b, err := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if err != nil || !strings.HasPrefix(string(b), "PK") || fi.Mode().Perm() != 0o600 {
		t.Errorf("xlsx file: got %v, %q…, mode %v; want a zip with mode 0600", err, b[:min(4, len(b))], fi.Mode().Perm())
	}

	// The anonymized export: the CTDC header.
	out, errOut, err = casemgr(t, "report", "anonymized", "--data", dir, "--year", year, "--k", "2")
	if err != nil {
		t.Fatalf("report anonymized: %v %s", err, errOut)
	}
	header, _, _ := strings.Cut(out, "\n")
	if !slices.Equal(strings.Split(header, ","), report.CTDCColumns) {
		t.Errorf("anonymized header: got %q, want %v", header, report.CTDCColumns)
	}
	if !regexp.MustCompile(`^anonymized export \d{4}: \d+ rows, \d+ suppressed \(k=2\), audit seq \d+, rules \S+\n` +
		`values suppressed: yearOfRegistration=\d+,gender=\d+(,\w+=\d+)+\nvalues generalised: yearOfRegistration=\d+(,\w+=\d+)+\n$`).MatchString(errOut) {
		t.Errorf("report anonymized stderr: got %q", errOut)
	}

	// The policy what-if, end to end, in the Belgian CSV variant.
	out, errOut, err = casemgr(t, "report", "policy", "--data", dir, "--year", year, "--change", "no_dismissal_window", "--format", "csv-be")
	if err != nil {
		t.Fatalf("report policy: %v %s", err, errOut)
	}
	if !strings.HasPrefix(out, "\ufeffsection;key;value\n") || !strings.Contains(out, "meta;change;no_dismissal_window\n") ||
		!strings.Contains(out, "outcome.residence;kept;") {
		t.Errorf("report policy csv-be: got %q", out[:min(200, len(out))])
	}
	if !regexp.MustCompile(`^policy what-if \d{4}, no_dismissal_window: \S+ victims replayed, \S+ kept residence or services, \S+ days kept, audit seq \d+, rules \S+\n$`).MatchString(errOut) {
		t.Errorf("report policy stderr: got %q", errOut)
	}

	// Each one is in the chain, which still verifies.
	audit := filepath.Join(dir, "audit.ndjson")
	if _, errOut, err := casemgr(t, "audit", "export", "--data", dir, "--out", audit); err != nil {
		t.Fatalf("audit export: %v %s", err, errOut)
	}
	b, _ = os.ReadFile(audit)
	if n := strings.Count(string(b), `"event":"export_annual_report"`); n != 3 {
		t.Errorf("export_annual_report records: got %d, want 3", n)
	}
	if n := strings.Count(string(b), `"event":"export_anonymized"`); n != 1 {
		t.Errorf("export_anonymized records: got %d, want 1", n)
	}
	if n := strings.Count(string(b), `"event":"export_policy_report"`); n != 1 {
		t.Errorf("export_policy_report records: got %d, want 1", n)
	}
	if out, _, err := casemgr(t, "audit", "verify", "--data", dir); err != nil {
		t.Errorf("audit verify after the reports: %v %s", err, out)
	}

	// Bad input says what to fix.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "annual", "--data", dir}, "--year is required"},
		{[]string{"report", "annual", "--data", dir, "--year", year, "--exact"}, "--exact goes with --shelter"},
		{[]string{"report", "annual", "--data", dir, "--year", "1999"}, "year"},
		{[]string{"report", "annual", "--data", dir, "--year", year, "--format", "pdf"}, "format"},
		{[]string{"report", "annual", "--data", dir, "--year", year, "--shelter", "nowhere"}, "shelter"},
		{[]string{"report", "anonymized", "--data", dir, "--year", year, "--k", "1"}, "k"},
		{[]string{"report", "anonymized", "--data", dir, "--year", year, "--as-of", "tomorrow"}, "--as-of"},
		{[]string{"report", "policy", "--data", dir, "--year", year}, "--change is required"},
		{[]string{"report", "policy", "--data", dir, "--year", year, "--change", "no_such_change"}, "change"},
		{[]string{"report", "policy", "--data", dir, "--year", "1999", "--change", "reflection_90_days"}, "year"},
		{[]string{"report"}, "usage"},
	} {
		if _, _, err := casemgr(t, tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}
