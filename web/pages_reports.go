package web

import (
	"html/template"
	"mime"
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

// reportsView is what reports.html shows.
type reportsView struct {
	Years    []option
	Auditor  bool
	Shelters []option // the auditor's shelter choice; nil for a supervisor
	Shelter  string   // the shelter chosen ("" for all)
	Scope    string   // the shelter's name, or "all shelters"
	Report   report.Annual
	// Marker is the below-threshold marker ("<5") when protection applies.
	Marker     string
	Identified string
	Victims    []breakdownView
	Exploit    breakdownView // the last of Victims, also charted
	Permits    breakdownView
	Withdraw   breakdownView
	Proceed    breakdownView
	Comp       breakdownView
	Flagged    breakdownView
	// Services are the victims served by service type; Transfers the
	// accepted transfers' breakdowns (by direction for one shelter, by
	// shelter for all), TransfersAccepted their number.
	Services          breakdownView
	Transfers         []breakdownView
	TransfersAccepted string
	// shelterNames names the shelters of the transfers' breakdowns.
	shelterNames map[string]string
	// ExploitationChart and PermitsChart are the inline SVG bar charts.
	ExploitationChart template.HTML
	PermitsChart      template.HTML
	XLSXURL           string
	CSVURL            string
	CSVBEURL          string // csv-be: semicolons, BOM, decimal comma
	PolicyURL         string // the what-if page for the same year and shelter
	AnonymizedURL     string // auditors only
}

// breakdownView is one table of the report: a category per row, with an
// optional total.
type breakdownView struct {
	ID          string
	Title       string
	Rows        []reportRow
	HasTotal    bool
	Total       string
	Adjusted    bool
	Overlapping bool
}

// reportRow is one category and its count as published.
type reportRow struct {
	Key, Label, Value string
	Hidden            bool
	Count             report.Count
}

// annualParams are the parameters of the annual report pages.
type annualParams struct {
	Year    int
	Shelter string // auditors only; "" for all shelters
}

// annualPage answers GET /reports/annual (supervisors: their shelter,
// exact figures; auditors: all shelters or one, with small-cell
// protection): the year's figures as tables, two inline SVG bar charts
// (victims by exploitation type, permits by stage), the report's data
// cut-off and the download links.
func (u *UI) annualPage(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "reports.title")
	q, err := u.annualParams(c, a)
	if err != nil {
		return u.reportError(c, err)
	}
	rep, err := u.d.Reports.Annual(ctx, a, report.AnnualQuery{Year: q.Year, Shelter: q.Shelter,
		Protect: report.Leaves(a, "html", false)})
	if err != nil {
		return u.reportError(c, err)
	}
	v := reportsView{Auditor: a.Role == auth.RoleAuditor, Shelter: q.Shelter, Report: rep, Scope: p.T("reports.all_shelters")}
	for y := u.thisYear(); y >= report.FirstYear; y-- {
		s := strconv.Itoa(y)
		v.Years = append(v.Years, option{Value: s, Label: s, Selected: y == q.Year})
	}
	shelters, err := u.d.Shelters.List(ctx)
	if err != nil {
		return u.internal(c, err)
	}
	v.shelterNames = map[string]string{}
	for _, sh := range shelters {
		v.shelterNames[sh.ID] = sh.Name
		if v.Auditor {
			v.Shelters = append(v.Shelters, option{Value: sh.ID, Label: sh.Name})
		}
		if sh.ID == rep.Shelter {
			v.Scope = sh.Name
		}
	}
	if rep.Protection.Applied {
		v.Marker = "<" + strconv.Itoa(rep.Protection.Threshold)
	}
	u.fillReport(p, &v, rep)
	if v.ExploitationChart, err = renderChart(newBarChart("chart-exploitation", p.T("reports.chart_exploitation"),
		chartBars(v.Exploit.Rows))); err != nil {
		return u.internal(c, err)
	}
	if v.PermitsChart, err = renderChart(newBarChart("chart-permits", p.T("reports.chart_permits"),
		chartBars(v.Permits.Rows))); err != nil {
		return u.internal(c, err)
	}
	// The links carry the page's cut-off, so that a file holds the data
	// the page shows, however the chain grew since (each export adds a
	// record).
	link := cutoffLink(rep.Cutoff)
	link.Set("year", strconv.Itoa(q.Year))
	if v.Auditor {
		v.AnonymizedURL = "/reports/anonymized.csv?" + link.Encode()
	}
	if q.Shelter != "" {
		link.Set("shelter", q.Shelter)
	}
	v.XLSXURL = "/reports/annual.xlsx?" + link.Encode()
	v.CSVURL = "/reports/annual.csv?" + link.Encode()
	v.CSVBEURL = "/reports/annual-be.csv?" + link.Encode()
	pol := url.Values{"year": {strconv.Itoa(q.Year)}}
	if q.Shelter != "" {
		pol.Set("shelter", q.Shelter)
	}
	v.PolicyURL = "/reports/policy?" + pol.Encode()
	p.Data = v
	return u.render(c, http.StatusOK, "reports", p)
}

// fillReport turns the report's sections into tables with translated
// category labels (rule ids stay as they are).
func (u *UI) fillReport(p *page, v *reportsView, rep report.Annual) {
	vic := rep.Victims
	v.Identified = rep.Victims.Identified.Shown()
	v.Exploit = marginView(p, "by-exploitation", "reports.by_exploitation", "exploitation", vic.ByExploitation)
	v.Victims = []breakdownView{
		marginView(p, "by-gender", "reports.by_gender", "gender", vic.ByGender),
		marginView(p, "by-age", "reports.by_age", "reports.age", vic.ByAge),
		marginView(p, "by-citizenship", "reports.by_citizenship", "reports.citizenship", vic.ByCitizenship),
		marginView(p, "by-region", "reports.by_region", "reports.region", vic.ByRegion),
		v.Exploit,
	}
	v.Permits = cellsView(p, "permits", "reports.permits", "reports.permit", permitCells(rep.Permits))
	v.Withdraw = marginView(p, "withdrawals", "reports.withdrawals", "opt.reason", rep.Withdrawals)
	v.Proceed = cellsView(p, "proceedings", "reports.proceedings", "proceedings", rep.Proceedings)
	v.Comp = breakdownView{ID: "compensation", Title: p.T("reports.compensation"), Rows: []reportRow{
		countRow(p, "claims", "reports.comp", rep.Compensation.Claims),
		countRow(p, "awards", "reports.comp", rep.Compensation.Awards),
		{Key: "awarded_eur", Label: p.T("reports.comp.awarded_eur"), Value: rep.Compensation.AwardedEUR,
			Hidden: rep.Compensation.AwardedEUR == report.HiddenComplement},
	}}
	v.Flagged = cellsView(p, "flagged", "reports.flagged", "", rep.Flagged)
	// The services' note replaces the overlapping note of the template,
	// which speaks of exploitation types.
	v.Services = marginView(p, "services", "reports.services_by_type", "service.type", rep.Services)
	v.Services.Overlapping = false
	v.TransfersAccepted = rep.Transfers.Accepted.Shown()
	titles := map[string]string{"by_direction": "reports.transfers_by_direction",
		"by_receiving_shelter": "reports.transfers_by_receiving", "by_sending_shelter": "reports.transfers_by_sending"}
	for _, m := range rep.Transfers.Margins() {
		b := marginView(p, "transfers-"+strings.ReplaceAll(m.Name, "_", "-"), titles[m.Name], "reports.transfer_dir", *m.Margin)
		if m.Name != "by_direction" {
			for i := range b.Rows {
				if name, ok := v.shelterNames[b.Rows[i].Key]; ok {
					b.Rows[i].Label = name
				}
			}
		}
		v.Transfers = append(v.Transfers, b)
	}
}

// permitCells lists the permit counts in the report's order, keyed by
// their JSON names.
func permitCells(pm report.Permits) []report.Cell {
	return []report.Cell{
		{Key: "reflection_started", Count: pm.ReflectionStarted},
		{Key: "provisional_issued", Count: pm.ProvisionalIssued},
		{Key: "provisional_extended", Count: pm.ProvisionalExtended},
		{Key: "temporary_issued", Count: pm.TemporaryIssued},
		{Key: "temporary_renewed", Count: pm.TemporaryRenewed},
		{Key: "indefinite_granted", Count: pm.IndefiniteGranted},
	}
}

// marginView is the table of a breakdown with its total.
func marginView(p *page, id, titleKey, prefix string, m report.Margin) breakdownView {
	b := cellsView(p, id, titleKey, prefix, m.Cells)
	b.HasTotal, b.Total, b.Adjusted, b.Overlapping = true, m.Total.Shown(), m.TotalAdjusted, m.Overlapping
	return b
}

// cellsView is the table of a list of cells, without a total.
func cellsView(p *page, id, titleKey, prefix string, cells []report.Cell) breakdownView {
	b := breakdownView{ID: id, Title: p.T(titleKey)}
	for _, c := range cells {
		b.Rows = append(b.Rows, countRow(p, c.Key, prefix, c.Count))
	}
	return b
}

// countRow is one row; its label is the translation of prefix.key, or the
// key itself when there is no prefix (rule ids) or no translation.
func countRow(p *page, key, prefix string, n report.Count) reportRow {
	label := key
	if prefix != "" {
		if s, ok := p.tr.lookup(p.Lang, prefix+"."+key); ok {
			label = s
		}
	}
	return reportRow{Key: key, Label: label, Value: n.Shown(), Hidden: n.Hidden != "", Count: n}
}

// chartBars turns table rows into bars, so that a chart shows exactly
// what its table shows.
func chartBars(rows []reportRow) []chartBar {
	out := make([]chartBar, 0, len(rows))
	for _, r := range rows {
		out = append(out, chartBar{Label: r.Label, Count: r.Count})
	}
	return out
}

// cutoffLink holds the parameters of a download link that pin its data
// cut-off to a report's: cutoff (the last audit seq read) and as_of (the
// last day counted). An empty chain (seq 0) gives no cutoff, which the
// service would refuse.
func cutoffLink(cut report.Cutoff) url.Values {
	out := url.Values{}
	if cut.Seq > 0 {
		out.Set("cutoff", strconv.FormatInt(cut.Seq, 10))
	}
	if cut.AsOf != "" {
		out.Set("as_of", cut.AsOf)
	}
	return out
}

// cutoffParams reads the cutoff (a positive audit seq) and as_of
// (YYYY-MM-DD) of a download link; an absent one means the chain's head,
// or today. A malformed one is a field error.
func cutoffParams(c echo.Context) (int64, report.Date, error) {
	var seq int64
	var asOf report.Date
	if s := strings.TrimSpace(c.QueryParam("cutoff")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return 0, report.Date{}, apperr.Field("cutoff", "want a positive integer (an audit seq)")
		}
		seq = n
	}
	if s := strings.TrimSpace(c.QueryParam("as_of")); s != "" {
		d, err := eligibility.ParseDate(s)
		if err != nil {
			return 0, report.Date{}, apperr.FieldCode("as_of", apperr.CodeDate, "want a date YYYY-MM-DD")
		}
		asOf = d
	}
	return seq, asOf, nil
}

// thisYear is the current year in Brussels.
func (u *UI) thisYear() int { return eligibility.Today(u.d.Now()).Year }

// annualParams reads year (default: the current year) and, for auditors,
// shelter (a known shelter, or empty for all). A supervisor's report is
// always their own shelter's, so their shelter parameter is ignored.
func (u *UI) annualParams(c echo.Context, a auth.Actor) (annualParams, error) {
	q := annualParams{Year: u.thisYear()}
	if s := strings.TrimSpace(c.QueryParam("year")); s != "" {
		y, err := strconv.Atoi(s)
		if err != nil {
			return q, apperr.Field("year", "want a year from %d to %d", report.FirstYear, q.Year)
		}
		q.Year = y
	}
	if a.Role != auth.RoleAuditor {
		return q, nil
	}
	if s := strings.TrimSpace(c.QueryParam("shelter")); s != "" {
		if _, err := u.d.Shelters.Get(c.Request().Context(), s); err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return q, apperr.Field("shelter", "no shelter %q", s)
			}
			return q, err
		}
		q.Shelter = s
	}
	return q, nil
}

// reportError shows the error page for a report that could not be made:
// the message of a user error, with the status the API gives its kind
// (apperr.Status: 422 for a bad parameter, 403 when the role may not see
// it), or the generic internal error.
func (u *UI) reportError(c echo.Context, err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		return u.internal(c, err)
	}
	p := u.newPage(c, "error.title")
	var msgs []string
	for _, fe := range e.Fields {
		switch fe.Field {
		case "year":
			msgs = append(msgs, p.T("reports.err_year", report.FirstYear, u.thisYear()))
		case "shelter":
			msgs = append(msgs, p.T("reports.err_shelter"))
		case "change":
			msgs = append(msgs, p.T("policy.err_change"))
		case "cutoff", "as_of":
			msgs = append(msgs, p.T("reports.err_cutoff"))
		case "k":
			msgs = append(msgs, p.T("anon.err_k", report.MaxK))
		default:
			msgs = append(msgs, fe.Field+": "+p.fieldMessage(fe))
		}
	}
	if len(msgs) == 0 {
		msgs = append(msgs, p.kindMessage(e))
	}
	status := apperr.Status(err)
	p.Data = errorView{Status: status, Message: strings.Join(msgs, " ")}
	return u.render(c, status, "error", p)
}

// annualDownload answers GET /reports/annual.xlsx, /reports/annual.csv and
// /reports/annual-be.csv (csv-be; supervisors and auditors): the annual report as a file, with the same
// parameters as the page plus the page's cut-off (cutoff and as_of), so
// that the file holds what the page showed. The report service protects
// it when it leaves the shelter (every XLSX file, every auditor's file)
// and records the export in the audit chain before it is sent.
func (u *UI) annualDownload(format string) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := stateOf(c).actor
		q, err := u.annualParams(c, a)
		if err != nil {
			return u.reportError(c, err)
		}
		seq, asOf, err := cutoffParams(c)
		if err != nil {
			return u.reportError(c, err)
		}
		x, err := u.d.Reports.ExportAnnual(c.Request().Context(), a,
			report.AnnualQuery{Year: q.Year, Shelter: q.Shelter, Cutoff: seq, AsOf: asOf}, format)
		if err != nil {
			return u.reportError(c, err)
		}
		return sendFile(c, x)
	}
}

// anonymizedDownload answers GET /reports/anonymized.csv (auditors): the
// k-anonymous record-level export of the victims identified in a year
// (all shelters; k from the query, else the default) at the page's
// cut-off (cutoff and as_of), recorded in the audit chain before it is
// sent. An export that would keep no row is not made: the page says why
// instead (anonymizedEmpty), since an empty file explains nothing.
func (u *UI) anonymizedDownload(c echo.Context) error {
	a := stateOf(c).actor
	q, err := u.annualParams(c, a)
	if err != nil {
		return u.reportError(c, err)
	}
	seq, asOf, err := cutoffParams(c)
	if err != nil {
		return u.reportError(c, err)
	}
	k := 0
	if s := strings.TrimSpace(c.QueryParam("k")); s != "" {
		if k, err = strconv.Atoi(s); err != nil || u.d.Reports.CheckK(k) != "" {
			return u.reportError(c, apperr.Field("k", "%s", u.d.Reports.CheckK(-1)))
		}
	}
	aq := report.AnonymizedQuery{Year: q.Year, K: k, Cutoff: seq, AsOf: asOf}
	meta, _, _, err := u.d.Reports.Anonymized(c.Request().Context(), a, aq)
	if err != nil {
		return u.reportError(c, err)
	}
	if meta.Rows == 0 {
		return u.anonymizedEmpty(c, meta, seq, asOf)
	}
	x, err := u.d.Reports.ExportAnonymized(c.Request().Context(), a, aq, "csv")
	if err != nil {
		return u.reportError(c, err)
	}
	return sendFile(c, x)
}

// anonEmptyView explains an anonymized export that would keep no row.
type anonEmptyView struct {
	Meta report.AnonymizedMeta
	// Year, Cutoff and AsOf are carried by the form that tries a lower k.
	Year, Cutoff, AsOf string
	// LowerK is the largest k below the one used (0 when k is already
	// the smallest).
	LowerK     int
	ReportsURL string
}

func (u *UI) anonymizedEmpty(c echo.Context, meta report.AnonymizedMeta, seq int64, asOf report.Date) error {
	p := u.newPage(c, "anon.title")
	v := anonEmptyView{Meta: meta, Year: strconv.Itoa(meta.Year),
		ReportsURL: "/reports/annual?year=" + strconv.Itoa(meta.Year)}
	if seq > 0 {
		v.Cutoff = strconv.FormatInt(seq, 10)
	}
	if !asOf.IsZero() {
		v.AsOf = asOf.String()
	}
	if meta.K > 2 {
		v.LowerK = meta.K - 1
	}
	p.Data = v
	return u.render(c, http.StatusOK, "anon_empty", p)
}

// sendFile sends an export as a download.
func sendFile(c echo.Context, x report.Export) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": x.Filename}))
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, x.ContentType, x.Body)
}
