package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/report"
)

// reportQuery reads the parameters shared by the report routes: year
// (required), cutoff (an audit seq) and as_of (a date).
func reportQuery(c echo.Context, f *apperr.Fields) (year int, cutoff int64, asOf report.Date) {
	if c.QueryParam("year") == "" {
		f.Add("year", "required: the calendar year to report on, e.g. year=2024")
	} else {
		year = queryInt(c, "year", 0, f)
	}
	if v := c.QueryParam("cutoff"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			f.Add("cutoff", "want an audit seq (a positive integer)")
		}
		cutoff = n
	}
	asOf = queryDate(c, "as_of", f)
	return year, cutoff, asOf
}

// annualReport answers GET /api/v1/reports/annual: the year's national
// statistics, for a supervisor's shelter or (auditors) one or all
// shelters, as json, csv or xlsx. Auditors' reports and XLSX files leave
// the shelter and get small-cell protection. Every answer is recorded in
// the audit chain.
func (s *Server) annualReport(c echo.Context) error {
	a, _ := actorOf(c)
	var f apperr.Fields
	year, cutoff, asOf := reportQuery(c, &f)
	shelterID := c.QueryParam("shelter")
	if a.Role == auth.RoleSupervisor && shelterID != "" && shelterID != a.Shelter {
		f.Add("shelter", "supervisors report on their own shelter only; leave shelter out")
	}
	if err := f.Err(); err != nil {
		return err
	}
	x, err := s.Reports.ExportAnnual(c.Request().Context(), a,
		report.AnnualQuery{Year: year, Shelter: shelterID, Cutoff: cutoff, AsOf: asOf}, c.QueryParam("format"))
	if err != nil {
		return err
	}
	return sendExport(c, x, x.ContentType != "application/json")
}

// policyReport answers GET /api/v1/reports/policy: the caseload what-if
// of a year under one change of the rules (eligibility.PolicyChanges), for
// a supervisor's shelter or (auditors) one or all shelters, as json, csv
// or csv-be, with the annual report's small-cell protection. Every answer
// is recorded in the audit chain (export_policy_report).
func (s *Server) policyReport(c echo.Context) error {
	a, _ := actorOf(c)
	var f apperr.Fields
	year, cutoff, asOf := reportQuery(c, &f)
	shelterID := c.QueryParam("shelter")
	if a.Role == auth.RoleSupervisor && shelterID != "" && shelterID != a.Shelter {
		f.Add("shelter", "supervisors report on their own shelter only; leave shelter out")
	}
	change := c.QueryParam("change")
	if change == "" {
		f.Add("change", "required: one of %s", strings.Join(eligibility.PolicyChangeIDs(), ", "))
	}
	if err := f.Err(); err != nil {
		return err
	}
	x, err := s.Reports.ExportPolicy(c.Request().Context(), a,
		report.PolicyQuery{Year: year, Shelter: shelterID, Change: change, Cutoff: cutoff, AsOf: asOf}, c.QueryParam("format"))
	if err != nil {
		return err
	}
	return sendExport(c, x, x.ContentType != "application/json")
}

// anonymizedExport answers GET /api/v1/reports/anonymized (auditors): the
// CTDC-compatible k-anonymous record-level export of a year, as csv (the
// metadata in X-Casemgr-* headers) or ndjson (the metadata on the first
// line). It is recorded in the audit chain.
func (s *Server) anonymizedExport(c echo.Context) error {
	a, _ := actorOf(c)
	var f apperr.Fields
	year, cutoff, asOf := reportQuery(c, &f)
	parsed := len(f)
	k := queryInt(c, "k", 0, &f)
	if len(f) == parsed && c.QueryParam("k") != "" { // one error per bad k
		if msg := s.Reports.CheckK(k); msg != "" {
			f.Add("k", "%s", msg)
		}
	}
	if c.QueryParam("shelter") != "" {
		f.Add("shelter", "the anonymized export covers every shelter; leave shelter out")
	}
	if err := f.Err(); err != nil {
		return err
	}
	x, err := s.Reports.ExportAnonymized(c.Request().Context(), a,
		report.AnonymizedQuery{Year: year, K: k, Cutoff: cutoff, AsOf: asOf}, c.QueryParam("format"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("X-Casemgr-K", strconv.Itoa(x.Meta.K))
	h.Set("X-Casemgr-Rows", strconv.Itoa(x.Meta.Rows))
	h.Set("X-Casemgr-Suppressed", strconv.Itoa(x.Meta.Suppressed))
	h.Set("X-Casemgr-Rows-Dropped", strconv.Itoa(x.Meta.RowsDropped))
	h.Set("X-Casemgr-Suppressed-Values", report.FormatColumnCounts(x.Meta.SuppressedValues))
	h.Set("X-Casemgr-Generalised-Values", report.FormatColumnCounts(x.Meta.GeneralisedValues))
	h.Set("X-Casemgr-Rules-Version", x.Meta.RulesVersion)
	h.Set("X-Casemgr-Audit-Seq", strconv.FormatInt(x.Cutoff.Seq, 10))
	h.Set("X-Casemgr-As-Of", x.Cutoff.AsOf)
	return sendExport(c, x, true)
}

// sendExport writes a rendered export, as an attachment when asked.
func sendExport(c echo.Context, x report.Export, attachment bool) error {
	h := c.Response().Header()
	if attachment {
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": x.Filename}))
	}
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, x.ContentType, x.Body)
}
