package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// Formats of the annual report and of the anonymized export.
var (
	AnnualFormats     = []string{"json", "csv", "csv-be", "xlsx"}
	AnonymizedFormats = []string{"csv", "ndjson"}
)

// Content types of the formats.
var contentTypes = map[string]string{
	"json":   "application/json",
	"csv":    "text/csv; charset=utf-8",
	"csv-be": "text/csv; charset=utf-8",
	"ndjson": "application/x-ndjson",
	"xlsx":   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// Export is a rendered report, ready to send, already recorded in the
// audit chain.
type Export struct {
	Body        []byte
	ContentType string
	Filename    string
	// Annual is the report rendered (annual exports).
	Annual *Annual
	// Meta describes an anonymized export.
	Meta *AnonymizedMeta
	// Policy is the what-if rendered (policy exports).
	Policy *Policy
	// Cutoff is the data cut-off of the export.
	Cutoff Cutoff
}

// Leaves reports whether an annual report for this actor and format leaves
// the shelter, so that small-cell protection applies: every auditor's
// report, every XLSX file, and whatever the caller marks as leaving.
func Leaves(a auth.Actor, format string, marked bool) bool {
	return marked || a.Role == auth.RoleAuditor || format == "xlsx"
}

// scopeName names a report's shelter scope in file names and export
// records: the shelter's id, or "all".
func scopeName(shelter string) string {
	if shelter == "" {
		return "all"
	}
	return shelter
}

// writeReport renders a report as json (v itself) or as its section, key,
// value lines in csv or csv-be: the one rendering of the annual report's
// and the policy what-if's text formats.
func writeReport(w io.Writer, format string, v any, lines [][3]string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	case "csv":
		return writeLongCSV(w, lines, ',', false)
	case "csv-be":
		return writeLongCSV(w, lines, ';', true)
	}
	return fmt.Errorf("no renderer for format %q", format)
}

func checkFormat(format string, allowed []string) error {
	for _, f := range allowed {
		if format == f {
			return nil
		}
	}
	return apperr.FieldCode("format", apperr.CodeUnknownValue, "want one of %s", strings.Join(allowed, ", "))
}

// ExportAnnual computes the annual report, protects it when it leaves the
// shelter (Leaves), renders it as json, csv or xlsx and records the export
// in the audit chain (export_annual_report, with its parameters and the
// digest of the bytes) before returning it.
func (s *Service) ExportAnnual(ctx context.Context, a auth.Actor, q AnnualQuery, format string) (Export, error) {
	if format == "" {
		format = "json"
	}
	if err := checkFormat(format, AnnualFormats); err != nil {
		return Export{}, err
	}
	q.Protect = Leaves(a, format, q.Protect)
	rep, err := s.Annual(ctx, a, q)
	if err != nil {
		return Export{}, err
	}
	var buf bytes.Buffer
	if format == "xlsx" {
		err = WriteAnnualXLSX(&buf, rep)
	} else {
		err = writeReport(&buf, format, rep, annualLines(rep))
	}
	if err != nil {
		return Export{}, fmt.Errorf("report: render annual report as %s: %w", format, err)
	}
	scope := scopeName(rep.Shelter)
	params := map[string]any{
		"year": rep.Year, "shelter": scope, "format": format, "cutoff_seq": rep.Cutoff.Seq, "as_of": rep.Cutoff.AsOf,
		"small_cell_protection": rep.Protection.Applied, "threshold": rep.Protection.Threshold,
	}
	if err := s.RecordExport(ctx, a, "export_annual_report", rep.Shelter, params, buf.Bytes()); err != nil {
		return Export{}, err
	}
	return Export{
		Body: buf.Bytes(), ContentType: contentTypes[format], Annual: &rep, Cutoff: rep.Cutoff,
		Filename: fmt.Sprintf("casemgr-annual-%d-%s.%s", rep.Year, scope, strings.TrimSuffix(format, "-be")),
	}, nil
}

// ExportAnonymized computes the k-anonymous record-level export of a year,
// renders it as csv or ndjson and records it in the audit chain
// (export_anonymized, with k, the rows kept and suppressed and the digest
// of the bytes) before returning it.
func (s *Service) ExportAnonymized(ctx context.Context, a auth.Actor, q AnonymizedQuery, format string) (Export, error) {
	if format == "" {
		format = "csv"
	}
	if err := checkFormat(format, AnonymizedFormats); err != nil {
		return Export{}, err
	}
	meta, rows, cut, err := s.Anonymized(ctx, a, q)
	if err != nil {
		return Export{}, err
	}
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = WriteAnonymizedCSV(&buf, meta, rows)
	case "ndjson":
		err = WriteAnonymizedNDJSON(&buf, meta, rows)
	}
	if err != nil {
		return Export{}, fmt.Errorf("report: render anonymized export as %s: %w", format, err)
	}
	params := map[string]any{
		"year": meta.Year, "k": meta.K, "format": format, "rows": meta.Rows, "suppressed": meta.Suppressed,
		"suppressed_values": FormatColumnCounts(meta.SuppressedValues), "generalised_values": FormatColumnCounts(meta.GeneralisedValues),
		"cutoff_seq": cut.Seq, "as_of": cut.AsOf,
	}
	if err := s.RecordExport(ctx, a, "export_anonymized", "", params, buf.Bytes()); err != nil {
		return Export{}, err
	}
	return Export{
		Body: buf.Bytes(), ContentType: contentTypes[format], Meta: &meta, Cutoff: cut,
		Filename: fmt.Sprintf("casemgr-anonymized-%d-k%d.%s", meta.Year, meta.K, format),
	}, nil
}
