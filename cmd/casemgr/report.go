package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/auditor"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/report"
)

var cmdReport = &Command{
	UsageLine: "report",
	Short:     "statistics: annual report, anonymized export, policy what-if",
	Long: `Reports read the audit chain up to a cut-off seq (its head by default), so
that the same --cutoff and --as-of reproduce an earlier report; each report
handed out is recorded in the chain with the digest of its bytes.`,
	Commands: []*Command{cmdReportAnnual, cmdReportAnonymized, cmdReportPolicy},
}

// reportFlags are the flags shared by the report subcommands.
type reportFlags struct {
	year   int
	format string
	cutoff int64
	asOf   string
	out    string
}

// reportFlags declares the flags that the report commands share, with the
// help of each command's own (year and format differ).
func (r *reportFlags) declare(fs *flag.FlagSet, year, formats, format, cutoff, asOf string) {
	fs.IntVar(&r.year, "year", 0, year)
	fs.StringVar(&r.format, "format", format, formats)
	fs.Int64Var(&r.cutoff, "cutoff", 0, cutoff)
	fs.StringVar(&r.asOf, "as-of", "", asOf)
	fs.StringVar(&r.out, "out", "", "write to this `FILE` (mode 0600) instead of standard output")
}

// openReport checks the shared flags and opens the app.
func (in *invocation) openReport(cmd string, r reportFlags) (*app.App, eligibility.Date, error) {
	if r.year == 0 {
		return nil, eligibility.Date{}, fmt.Errorf("%s: --year is required", cmd)
	}
	var asOf eligibility.Date
	if r.asOf != "" {
		var err error
		if asOf, err = eligibility.ParseDate(r.asOf); err != nil {
			return nil, asOf, fmt.Errorf("%s: --as-of: want YYYY-MM-DD: %w", cmd, err)
		}
	}
	a, err := in.App()
	return a, asOf, err
}

var cmdReportAnnual = &Command{
	UsageLine: "report annual --year Y [--format json|csv|csv-be|xlsx] [--shelter S] [--exact] [--cutoff SEQ] [--as-of D] [--out FILE]",
	Short:     "national statistics of a year (small-cell protected unless --exact with --shelter)",
	Long: `Report annual writes the national statistics of a calendar year, counted
from the audit chain and the cases' statistical attributes (never names or
dates of birth; docs/statistics.md lists the figures). A report on every
shelter leaves the shelters, so its small counts are hidden (small-cell
protection); --exact with --shelter gives one shelter exact counts for its
own use. xlsx files are always protected.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var r reportFlags
		r.declare(fs, "calendar year to report on (required)", "json, csv, csv-be or xlsx", "json",
			"last audit seq to read (default: the chain's head); reproduces an earlier report",
			"last day counted, YYYY-MM-DD (default: today, capped at the year's end)")
		shelter := fs.String("shelter", "", "one shelter's report (default: all shelters)")
		exact := fs.Bool("exact", false, "with --shelter and json or csv: exact counts, no small-cell protection (for the shelter's own use)")
		return func(in *invocation) error { return in.reportAnnual(r, *shelter, *exact) }
	},
}

// reportAnnual writes the annual report. A report covering every shelter
// leaves the shelter, so it is small-cell protected unless --exact is
// given with --shelter (the shelter's own use); xlsx files always are.
func (in *invocation) reportAnnual(r reportFlags, shelter string, exact bool) error {
	if exact && shelter == "" {
		return errors.New("report annual: --exact goes with --shelter: a report on every shelter leaves the shelters and is protected")
	}
	a, asOf, err := in.openReport("report annual", r)
	if err != nil {
		return err
	}
	x, err := a.Reports.ExportAnnual(in.ctx, auditor.CLI, report.AnnualQuery{
		Year: r.year, Shelter: shelter, Cutoff: r.cutoff, AsOf: asOf, Protect: !exact}, r.format)
	if err != nil {
		return fmt.Errorf("report annual: %w", err)
	}
	if err := in.writeOut(x.Body, r.out); err != nil {
		return fmt.Errorf("report annual: %w", err)
	}
	prot := "no small-cell protection"
	if x.Annual.Protection.Applied {
		prot = fmt.Sprintf("small-cell protection below %d", x.Annual.Protection.Threshold)
	}
	fmt.Fprintf(in.stderr, "annual report %d: %s victims identified, audit seq %d, as of %s, rules %s, %s\n",
		x.Annual.Year, x.Annual.Victims.Identified.Shown(), x.Cutoff.Seq, x.Cutoff.AsOf, x.Annual.RulesVersion, prot)
	return nil
}

var cmdReportAnonymized = &Command{
	UsageLine: "report anonymized --year Y [--k N] [--format csv|ndjson] [--cutoff SEQ] [--as-of D] [--out FILE]",
	Short:     "k-anonymous record-level export (CTDC columns); recorded in the chain",
	Long: `Report anonymized writes one row per victim registered in the year, in the
coarse columns of the Counter Trafficking Data Collaborative (CTDC),
k-anonymous over its quasi-identifiers: values of rare rows are replaced
by -99 (local suppression) or generalised (citizenship to its region, age
to a broader band); a row that no suppression can hide is dropped. The
rows dropped and the values suppressed per column are printed. Auditors get the same over HTTP.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var r reportFlags
		r.declare(fs, "year of registration (required)", "csv or ndjson", "csv",
			"last audit seq to read (default: the chain's head)",
			"date of the NRM state and proceedings, YYYY-MM-DD (default: today, capped at the year's end)")
		k := fs.Int("k", 0, "k of k-anonymity, 2 to 1000 (default: reports.k, 11)")
		return func(in *invocation) error { return in.reportAnonymized(r, *k) }
	},
}

// reportAnonymized writes the k-anonymous record-level export.
func (in *invocation) reportAnonymized(r reportFlags, k int) error {
	a, asOf, err := in.openReport("report anonymized", r)
	if err != nil {
		return err
	}
	x, err := a.Reports.ExportAnonymized(in.ctx, auditor.CLI, report.AnonymizedQuery{
		Year: r.year, K: k, Cutoff: r.cutoff, AsOf: asOf}, r.format)
	if err != nil {
		return fmt.Errorf("report anonymized: %w", err)
	}
	if err := in.writeOut(x.Body, r.out); err != nil {
		return fmt.Errorf("report anonymized: %w", err)
	}
	fmt.Fprintf(in.stderr, "anonymized export %d: %d rows, %d suppressed (k=%d), audit seq %d, rules %s\n"+
		"values suppressed: %s\nvalues generalised: %s\n",
		x.Meta.Year, x.Meta.Rows, x.Meta.Suppressed, x.Meta.K, x.Cutoff.Seq, x.Meta.RulesVersion,
		report.FormatColumnCounts(x.Meta.SuppressedValues), report.FormatColumnCounts(x.Meta.GeneralisedValues))
	return nil
}

var cmdReportPolicy = &Command{
	UsageLine: "report policy --year Y --change C [--format json|csv|csv-be] [--shelter S] [--exact] [--cutoff SEQ] [--as-of D] [--out FILE]",
	Short:     "caseload what-if: the year's cases replayed under a change of the rules",
	Long: `Report policy replays the cases of a year under the current rules and under
one change of them, and counts the victims who would have kept their status,
permits or services, and for how many more days (docs/statistics.md "Policy
what-if"). The changes: no_dismissal_window, no_settlement_condition,
no_immunity_condition, no_child_cooperation, reflection_90_days. Small-cell
protection as for report annual.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var r reportFlags
		r.declare(fs, "calendar year to replay (required)", "json, csv or csv-be", "json",
			"last audit seq to read (default: the chain's head)",
			"last day replayed, YYYY-MM-DD (default: today, capped at the year's end)")
		change := fs.String("change", "", "the change of the rules (required): "+strings.Join(eligibility.PolicyChangeIDs(), ", "))
		shelter := fs.String("shelter", "", "one shelter's cases (default: all shelters)")
		exact := fs.Bool("exact", false, "with --shelter: exact counts, no small-cell protection")
		return func(in *invocation) error { return in.reportPolicy(r, *change, *shelter, *exact) }
	},
}

// reportPolicy writes the caseload what-if of a year under one change.
func (in *invocation) reportPolicy(r reportFlags, change, shelter string, exact bool) error {
	if exact && shelter == "" {
		return errors.New("report policy: --exact goes with --shelter: a report on every shelter leaves the shelters and is protected")
	}
	if change == "" {
		return fmt.Errorf("report policy: --change is required: one of %s", strings.Join(eligibility.PolicyChangeIDs(), ", "))
	}
	a, asOf, err := in.openReport("report policy", r)
	if err != nil {
		return err
	}
	x, err := a.Reports.ExportPolicy(in.ctx, auditor.CLI, report.PolicyQuery{
		Year: r.year, Shelter: shelter, Change: change, Cutoff: r.cutoff, AsOf: asOf, Protect: !exact}, r.format)
	if err != nil {
		return fmt.Errorf("report policy: %w", err)
	}
	if err := in.writeOut(x.Body, r.out); err != nil {
		return fmt.Errorf("report policy: %w", err)
	}
	o := x.Policy.Outcomes[len(x.Policy.Outcomes)-1]
	fmt.Fprintf(in.stderr, "policy what-if %d, %s: %s victims replayed, %s kept residence or services, %s days kept, audit seq %d, rules %s\n",
		x.Policy.Year, x.Policy.Change.ID, x.Policy.VictimsReplayed.Shown(), o.Victims.Cells[0].Count.Shown(), o.DaysKept.Shown(),
		x.Cutoff.Seq, x.Policy.RulesVersion)
	return nil
}

// writeOut writes b to standard output, or to path (writeFileAtomic).
func (e env) writeOut(b []byte, path string) error {
	if path == "" {
		_, err := e.stdout.Write(b)
		return err
	}
	return writeFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
