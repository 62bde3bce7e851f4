package web

import (
	"bytes"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/report"
)

// policyView is what policy.html shows: the form, the errors of its
// fields, and (once a change is chosen) the what-if's figures.
type policyView struct {
	Years    []option
	Changes  []option
	Auditor  bool
	Shelters []option // the auditor's shelter choice; nil for a supervisor
	Shelter  string
	// Errors lists the form's errors at the top of the page, each linked
	// to its field; FieldErr holds the same messages by field name.
	Errors   []policyError
	Summary  *errSummary // Errors, for the shared partial
	FieldErr map[string]string
	// Report is nil until a valid change is asked for.
	Report      *report.Policy
	Scope       string
	ChangeTitle string
	Marker      string
	Replayed    string
	Kinds       []string // the column headings: residence, services, either
	Victims     []policyRow
	Days        []policyRow
	Adjusted    bool
	VictimsChart,
	DaysChart template.HTML
	CSVURL, CSVBEURL string
	AnnualURL        string
}

// policyError is one error of the form: the field's id and label, and
// the message.
type policyError struct {
	ID, Label, Message string
}

// policyRow is one figure of the what-if across the outcomes.
type policyRow struct {
	Key, Label string
	Cells      []policyCell
}

// policyCell is one figure as published.
type policyCell struct {
	Kind, Value string
	Hidden      bool
	Adjusted    bool // an adjusted total (some cells of its column are hidden)
}

// policyQuery holds the what-if page's parameters once checked.
type policyQuery struct {
	Year    int
	Shelter string
	Change  string // "" when none was asked for: the page shows the form only
}

// The fields of the what-if form, with their element ids and label keys,
// in the order the page shows them.
var policyFields = []struct{ name, id, label string }{
	{"year", "p-year", "reports.year"},
	{"change", "p-change", "policy.change"},
	{"shelter", "p-shelter", "reports.shelter"},
}

// policyPage answers GET /reports/policy (supervisors: their shelter,
// exact figures; auditors: all shelters or one, with small-cell
// protection): the caseload what-if of a year under one change of the
// rules (docs/statistics.md "Policy what-if"), as two tables and two
// inline SVG charts, with download links pinned to its cut-off. Without
// a change it shows the form only; a bad field shows the form again (422)
// with the error at the top, linked to the field. A page that shows
// figures is recorded in the audit chain (export_policy_report, format
// html, with the digest of the page) before it is sent, as the API
// records its answers: the figures left casemgr.
func (u *UI) policyPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "policy.title")
	v := policyView{Auditor: a.Role == auth.RoleAuditor, FieldErr: map[string]string{}, Scope: p.T("reports.all_shelters")}
	q, err := u.policyParams(c, a)
	status := http.StatusOK
	var rep report.Policy
	if err == nil && q.Change != "" {
		rep, err = u.d.Reports.Policy(ctx, a, report.PolicyQuery{Year: q.Year, Shelter: q.Shelter, Change: q.Change,
			Protect: report.Leaves(a, "html", false)})
	}
	if err != nil {
		if !u.policyErrors(p, &v, err) {
			return u.reportError(c, err)
		}
		status = apperr.Status(err)
	}
	v.Shelter = q.Shelter
	for y := u.thisYear(); y >= report.FirstYear; y-- {
		s := strconv.Itoa(y)
		v.Years = append(v.Years, option{Value: s, Label: s, Selected: y == q.Year})
	}
	for _, ch := range eligibility.PolicyChanges {
		v.Changes = append(v.Changes, option{Value: ch.ID, Label: p.T("policy.change." + ch.ID), Selected: ch.ID == q.Change})
	}
	if q.Change == "" || v.FieldErr["change"] != "" { // nothing valid chosen yet
		v.Changes = append([]option{{Value: "", Label: p.T("policy.choose_change"), Selected: true}}, v.Changes...)
	}
	shelters, err := u.d.Shelters.List(ctx)
	if err != nil {
		return u.internal(c, err)
	}
	for _, sh := range shelters {
		if v.Auditor {
			v.Shelters = append(v.Shelters, option{Value: sh.ID, Label: sh.Name})
		}
		if sh.ID == rep.Shelter {
			v.Scope = sh.Name
		}
	}
	annual := url.Values{}
	annual.Set("year", strconv.Itoa(q.Year))
	if q.Shelter != "" {
		annual.Set("shelter", q.Shelter)
	}
	v.AnnualURL = "/reports/annual?" + annual.Encode()
	if status != http.StatusOK || q.Change == "" {
		p.Data = v
		return u.render(c, status, "policy", p)
	}

	v.Report = &rep
	if err := fillPolicy(p, &v, rep); err != nil {
		return u.internal(c, err)
	}
	link := cutoffLink(rep.Cutoff)
	link.Set("year", strconv.Itoa(q.Year))
	link.Set("change", q.Change)
	if q.Shelter != "" {
		link.Set("shelter", q.Shelter)
	}
	v.CSVURL = "/reports/policy.csv?" + link.Encode()
	v.CSVBEURL = "/reports/policy-be.csv?" + link.Encode()
	p.Data = v
	body, err := u.renderBytes("policy", p)
	if err != nil {
		return u.internal(c, err)
	}
	if err := u.d.Reports.RecordPolicyExport(ctx, a, rep, "html", body); err != nil {
		return u.internal(c, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, body)
}

// policyParams reads year (default: the current year), change (absent:
// none yet) and, for auditors, shelter (a known shelter, or empty for
// all), as the annual page does. Field errors come together, so that the
// page lists every one.
func (u *UI) policyParams(c echo.Context, a auth.Actor) (policyQuery, error) {
	q := policyQuery{Year: u.thisYear()}
	var f apperr.Fields
	if s := strings.TrimSpace(c.QueryParam("year")); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil || y < report.FirstYear || y > q.Year {
			f.Add("year", "want a year from %d to %d", report.FirstYear, q.Year)
		} else {
			q.Year = y
		}
	}
	if _, asked := c.QueryParams()["change"]; asked {
		q.Change = strings.TrimSpace(c.QueryParam("change"))
		if _, err := report.CheckChange(q.Change); err != nil {
			f.Add("change", "want one of %s", strings.Join(eligibility.PolicyChangeIDs(), ", "))
		}
	}
	if a.Role == auth.RoleAuditor {
		if s := strings.TrimSpace(c.QueryParam("shelter")); s != "" {
			if _, err := u.d.Shelters.Get(c.Request().Context(), s); err != nil {
				if apperr.KindOf(err) != apperr.NotFound {
					return q, err
				}
				f.Add("shelter", "no shelter %q", s)
			} else {
				q.Shelter = s
			}
		}
	}
	return q, f.Err()
}

// policyErrors puts a user error's field errors on the form and in the
// list at the top, translated; it reports false for an error the form
// cannot show (internal, or a role refused), which gets the error page.
func (u *UI) policyErrors(p *page, v *policyView, err error) bool {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid || len(e.Fields) == 0 {
		return false
	}
	for _, pf := range policyFields {
		for _, fe := range e.Fields {
			if fe.Field != pf.name || v.FieldErr[pf.name] != "" {
				continue
			}
			msg := p.fieldMessage(fe)
			switch pf.name {
			case "year":
				msg = p.T("reports.err_year", report.FirstYear, u.thisYear())
			case "change":
				msg = p.T("policy.err_change")
			case "shelter":
				msg = p.T("reports.err_shelter")
			}
			v.FieldErr[pf.name] = msg
			v.Errors = append(v.Errors, policyError{ID: pf.id, Label: p.T(pf.label), Message: msg})
		}
	}
	for _, fe := range e.Fields {
		if _, shown := v.FieldErr[fe.Field]; !shown {
			v.Errors = append(v.Errors, policyError{Message: fe.Field + ": " + p.fieldMessage(fe)})
		}
	}
	v.Summary = &errSummary{Title: p.T("policy.not_shown")}
	for _, pe := range v.Errors {
		it := errItem{ID: pe.ID, Text: pe.Message}
		if pe.ID != "" {
			it.Text = p.T("policy.err_pair", pe.Label, pe.Message)
		}
		v.Summary.Items = append(v.Summary.Items, it)
	}
	return true
}

// fillPolicy turns the what-if into the page's tables and charts: one
// column per outcome (residence, services, either). Besides the published
// cells it shows the victims at risk under each rules (kept + still at
// risk, still + newly at risk), which the charts compare; such a sum is
// hidden ("x") when one of its terms is, since it would give the hidden
// term away by subtraction.
func fillPolicy(p *page, v *policyView, rep report.Policy) error {
	if rep.Protection.Applied {
		v.Marker = "<" + strconv.Itoa(rep.Protection.Threshold)
	}
	v.ChangeTitle = p.T("policy.change." + rep.Change.ID)
	v.Replayed = rep.VictimsReplayed.Shown()
	rows := map[string]*policyRow{}
	row := func(list *[]policyRow, key string) {
		*list = append(*list, policyRow{Key: key, Label: p.T("policy.row." + key)})
	}
	for _, k := range []string{"kept", "still_at_risk", "newly_at_risk", "total", "now", "changed", "victims_fewer_days"} {
		row(&v.Victims, k)
	}
	for _, k := range []string{"days_at_risk", "days_at_risk_changed", "days_kept"} {
		row(&v.Days, k)
	}
	for i := range v.Victims {
		rows[v.Victims[i].Key] = &v.Victims[i]
	}
	for i := range v.Days {
		rows[v.Days[i].Key] = &v.Days[i]
	}
	var victims, days []chartBar
	nowLabel, altLabel := p.T("policy.series.now"), p.T("policy.series.changed")
	for _, o := range rep.Outcomes {
		kind := p.T("policy.kind." + o.AtRisk)
		v.Kinds = append(v.Kinds, kind)
		add := func(key string, n report.Count, adjusted bool) {
			r := rows[key]
			r.Cells = append(r.Cells, policyCell{Kind: o.AtRisk, Value: n.Shown(), Hidden: n.Hidden != "", Adjusted: adjusted})
		}
		cells := map[string]report.Count{}
		for _, c := range o.Victims.Cells {
			cells[c.Key] = c.Count
			add(c.Key, c.Count, false)
		}
		add("total", o.Victims.Total, o.Victims.TotalAdjusted)
		v.Adjusted = v.Adjusted || o.Victims.TotalAdjusted
		now, alt := sumCounts(cells["kept"], cells["still_at_risk"]), sumCounts(cells["still_at_risk"], cells["newly_at_risk"])
		add("now", now, false)
		add("changed", alt, false)
		add("victims_fewer_days", o.VictimsFewerDays, false)
		add("days_at_risk", o.DaysAtRisk, false)
		add("days_at_risk_changed", o.DaysAtRiskChanged, false)
		add("days_kept", o.DaysKept, false)
		victims = append(victims, chartBar{Label: p.T("policy.chart_bar", kind, nowLabel), Count: now},
			chartBar{Label: p.T("policy.chart_bar", kind, altLabel), Count: alt, Alt: true})
		days = append(days, chartBar{Label: p.T("policy.chart_bar", kind, nowLabel), Count: o.DaysAtRisk},
			chartBar{Label: p.T("policy.chart_bar", kind, altLabel), Count: o.DaysAtRiskChanged, Alt: true})
	}
	var err error
	if v.VictimsChart, err = renderChart(newBarChart("chart-victims", p.T("policy.chart_victims"), victims)); err != nil {
		return err
	}
	v.DaysChart, err = renderChart(newBarChart("chart-days", p.T("policy.chart_days"), days))
	return err
}

// sumCounts adds two published counts; the sum is hidden ("x") when
// either is, since with the other shown it would give it away.
func sumCounts(a, b report.Count) report.Count {
	if a.Hidden != "" || b.Hidden != "" {
		return report.Count{Hidden: report.HiddenComplement}
	}
	return report.Count{N: a.N + b.N}
}

// renderBytes renders a page into memory, so that its bytes can be
// recorded before they are sent.
func (u *UI) renderBytes(name string, p *page) ([]byte, error) {
	t, ok := u.pages[name]
	if !ok {
		return nil, fmt.Errorf("web: no page template %q", name)
	}
	p.Page = name
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		u.d.Log.Error("render page", slog.String("page", name), slog.String("error", err.Error()))
		return nil, fmt.Errorf("web: render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// policyDownload answers GET /reports/policy.csv and /reports/policy-be.csv
// (supervisors and auditors): the what-if as a file (csv or csv-be),
// with the page's parameters and cut-off (cutoff and as_of), so that the
// file holds what the page showed. The report service protects it when it
// leaves the shelter and records the export before it is sent.
func (u *UI) policyDownload(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := stateOf(c).actor
		q, err := u.policyParams(c, a)
		if err == nil && q.Change == "" {
			err = apperr.Field("change", "required")
		}
		if err != nil {
			return u.reportError(c, err)
		}
		seq, asOf, err := cutoffParams(c)
		if err != nil {
			return u.reportError(c, err)
		}
		x, err := u.d.Reports.ExportPolicy(c.Request().Context(), a,
			report.PolicyQuery{Year: q.Year, Shelter: q.Shelter, Change: q.Change, Cutoff: seq, AsOf: asOf}, format)
		if err != nil {
			return u.reportError(c, err)
		}
		return sendFile(c, x)
	}
}
