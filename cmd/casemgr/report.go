package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/auditor"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/report"
)

const reportUsage = `usage:
  casemgr report annual --year Y [--format json|csv|xlsx] [--shelter S] [--exact] [--cutoff SEQ] [--as-of D] [--out FILE]
  casemgr report anonymized --year Y [--k N] [--format csv|ndjson] [--cutoff SEQ] [--as-of D] [--out FILE]`

// report runs the report subcommands. Both are recorded in the audit chain.
func (e env) report(args []string) error {
	if len(args) == 0 {
		return errors.New(reportUsage)
	}
	switch args[0] {
	case "annual":
		return e.reportAnnual(args[1:])
	case "anonymized":
		return e.reportAnonymized(args[1:])
	}
	return errors.New(reportUsage)
}

// reportFlags are the flags shared by the report subcommands.
type reportFlags struct {
	year   int
	format string
	cutoff int64
	asOf   string
	out    string
}

// openReport checks the shared flags and opens the app; the caller closes it.
func (e env) openReport(cmd string, c *common, r reportFlags) (*app.App, eligibility.Date, error) {
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
	a, err := e.openApp(c)
	return a, asOf, err
}

// reportAnnual writes the annual report. A report covering every shelter
// leaves the shelter, so it is small-cell protected unless --exact is
// given with --shelter (the shelter's own use); xlsx files always are.
func (e env) reportAnnual(args []string) error {
	fs, c := newFlags("report annual", e.stderr)
	var r reportFlags
	fs.IntVar(&r.year, "year", 0, "calendar year to report on (required)")
	fs.StringVar(&r.format, "format", "json", "json, csv or xlsx")
	shelter := fs.String("shelter", "", "one shelter's report (default: all shelters)")
	exact := fs.Bool("exact", false, "with --shelter and json or csv: exact counts, no small-cell protection (for the shelter's own use)")
	fs.Int64Var(&r.cutoff, "cutoff", 0, "last audit seq to read (default: the chain's head); reproduces an earlier report")
	fs.StringVar(&r.asOf, "as-of", "", "last day counted, YYYY-MM-DD (default: today, capped at the year's end)")
	fs.StringVar(&r.out, "out", "", "write to this file (mode 0600) instead of standard output")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if *exact && *shelter == "" {
		return errors.New("report annual: --exact goes with --shelter: a report on every shelter leaves the shelters and is protected")
	}
	a, asOf, err := e.openReport("report annual", c, r)
	if err != nil {
		return err
	}
	defer a.Close()
	x, err := a.Reports.ExportAnnual(e.ctx, auditor.CLI, report.AnnualQuery{
		Year: r.year, Shelter: *shelter, Cutoff: r.cutoff, AsOf: asOf, Protect: !*exact}, r.format)
	if err != nil {
		return fmt.Errorf("report annual: %w", err)
	}
	if err := e.writeOut(x.Body, r.out); err != nil {
		return fmt.Errorf("report annual: %w", err)
	}
	prot := "no small-cell protection"
	if x.Annual.Protection.Applied {
		prot = fmt.Sprintf("small-cell protection below %d", x.Annual.Protection.Threshold)
	}
	fmt.Fprintf(e.stderr, "annual report %d: %s victims identified, audit seq %d, as of %s, rules %s, %s\n",
		x.Annual.Year, x.Annual.Victims.Identified.Shown(), x.Cutoff.Seq, x.Cutoff.AsOf, x.Annual.RulesVersion, prot)
	return nil
}

// reportAnonymized writes the k-anonymous record-level export.
func (e env) reportAnonymized(args []string) error {
	fs, c := newFlags("report anonymized", e.stderr)
	var r reportFlags
	fs.IntVar(&r.year, "year", 0, "year of registration (required)")
	fs.StringVar(&r.format, "format", "csv", "csv or ndjson")
	k := fs.Int("k", 0, "k of k-anonymity, 2 to 1000 (default: reports.k, 11)")
	fs.Int64Var(&r.cutoff, "cutoff", 0, "last audit seq to read (default: the chain's head)")
	fs.StringVar(&r.asOf, "as-of", "", "date of the NRM state and proceedings, YYYY-MM-DD (default: today, capped at the year's end)")
	fs.StringVar(&r.out, "out", "", "write to this file (mode 0600) instead of standard output")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	a, asOf, err := e.openReport("report anonymized", c, r)
	if err != nil {
		return err
	}
	defer a.Close()
	x, err := a.Reports.ExportAnonymized(e.ctx, auditor.CLI, report.AnonymizedQuery{
		Year: r.year, K: *k, Cutoff: r.cutoff, AsOf: asOf}, r.format)
	if err != nil {
		return fmt.Errorf("report anonymized: %w", err)
	}
	if err := e.writeOut(x.Body, r.out); err != nil {
		return fmt.Errorf("report anonymized: %w", err)
	}
	fmt.Fprintf(e.stderr, "anonymized export %d: %d rows, %d suppressed (k=%d), audit seq %d, rules %s\n",
		x.Meta.Year, x.Meta.Rows, x.Meta.Suppressed, x.Meta.K, x.Cutoff.Seq, x.Meta.RulesVersion)
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
