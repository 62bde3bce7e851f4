package web

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auditor"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// auditPageSize is how many records the search shows at once.
const auditPageSize = 200

type auditView struct {
	Form     *formState
	Export   *formState
	Shelters []option
	Events   []option
	Formats  []option
	Fields   []string
	Records  []audit.Record
	NextURL  string
	Searched bool
	// Verified says whether the chain was verified for this page: it reads
	// the whole history, so it runs when asked (verify=1), not on every
	// load.
	Verified bool
	Verify   auditor.Report
}

// errStopSearch ends a search once a page is full.
var errStopSearch = errors.New("web: audit page full")

// auditPage answers GET /audit: the status-history search (filters from,
// to, shelter and case; the 18 fields of each record, which hold no
// identity), the export form and, when asked (verify=1), the result of
// verifying the chain.
func (u *UI) auditPage(c echo.Context) error {
	return u.showAudit(c, http.StatusOK, nil)
}

func (u *UI) showAudit(c echo.Context, status int, export *formState) error {
	ctx := c.Request().Context()
	p := u.newPage(c, "audit.title")
	q := c.QueryParams()
	f := newForm(url.Values{})
	for _, k := range []string{"from", "to", "shelter", "case", "event", "actor"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			f.Values.Set(k, v)
		}
	}
	if export == nil {
		export = newForm(url.Values{"format": {"csv"}})
		for k, v := range f.Values {
			export.Values[k] = v
		}
	}
	v := auditView{Form: f, Export: export, Fields: audit.Fields(), Searched: len(f.Values) > 0 || q.Get("search") != ""}
	shelters, err := u.d.Shelters.List(ctx)
	if err != nil {
		return u.internal(c, err)
	}
	for _, sh := range shelters {
		v.Shelters = append(v.Shelters, option{Value: sh.ID, Label: sh.Name})
	}
	for _, e := range auditEvents() {
		v.Events = append(v.Events, option{Value: e, Label: p.EventName(e)})
	}
	v.Formats = []option{{Value: "csv", Label: "CSV"}, {Value: "ndjson", Label: "NDJSON"}}
	if v.Searched {
		filter, ok, err := u.auditFilter(c, p, f)
		if err != nil {
			return u.internal(c, err)
		}
		if ok {
			// The next page starts after the last record shown: the query
			// reads from there, not every earlier record.
			filter.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
			var last int64
			err := u.d.Auditor.Search(ctx, stateOf(c).actor, filter, func(r audit.Record) error {
				if len(v.Records) == auditPageSize {
					next := url.Values{}
					for k, vals := range f.Values {
						next[k] = vals
					}
					next.Set("search", "1")
					next.Set("after", strconv.FormatInt(last, 10))
					v.NextURL = "/audit?" + next.Encode()
					return errStopSearch
				}
				v.Records = append(v.Records, r)
				last = r.Seq
				return nil
			})
			if err != nil && !errors.Is(err, errStopSearch) {
				return u.internal(c, err)
			}
		} else {
			status = http.StatusUnprocessableEntity
		}
	}
	if q.Get("verify") != "" {
		if v.Verify, err = u.d.Auditor.Verify(ctx); err != nil {
			return u.internal(c, err)
		}
		v.Verified = true
	}
	p.Data = v
	return u.render(c, status, "audit", p)
}

// auditFilter checks the search fields (dates, a known shelter, a case id
// or reference) and returns the filter and whether it is valid; the user's
// errors are set on f. An error returned is an internal one (the shelter
// or the case could not be looked up), for the caller to log.
func (u *UI) auditFilter(c echo.Context, p *page, f *formState) (audit.Filter, bool, error) {
	var out audit.Filter
	for _, k := range []string{"from", "to"} {
		if s := f.V(k); s != "" {
			if _, err := eligibility.ParseDate(s); err != nil {
				f.Errors[k] = p.T("err.date")
			}
		}
	}
	out.From, out.To = f.V("from"), f.V("to")
	if sh := f.V("shelter"); sh != "" {
		if _, err := u.d.Shelters.Get(c.Request().Context(), sh); err != nil {
			if apperr.KindOf(err) != apperr.NotFound {
				return out, false, fmt.Errorf("web: audit filter: shelter %q: %w", sh, err)
			}
			f.Errors["shelter"] = p.T("err.unknown_value")
		}
		out.Shelter = sh
	}
	if cs := f.V("case"); cs != "" {
		id, err := u.d.Cases.AuditCaseID(c.Request().Context(), stateOf(c).actor, cs)
		if err != nil {
			return out, false, fmt.Errorf("web: audit filter: %w", err)
		}
		if id == "" {
			f.Errors["case"] = p.T("audit.no_case")
		} else {
			out.CaseID = id
		}
	}
	if ev := f.V("event"); ev != "" {
		if !slices.Contains(auditEvents(), ev) {
			f.Errors["event"] = p.T("err.unknown_value")
		}
		out.Event = ev
	}
	out.Actor = f.V("actor")
	return out, !f.HasErrors(), nil
}

// auditActs are the records of the chain that are not an event of the
// case table: a case's life outside it, and the administrative acts.
var auditActs = []string{
	"open_case", "update_case", "void_event", "erase_case", "rotate_keys",
	"create_user", "update_user", "request_user_change", "approve_user_change",
	"issue_password_reset", "redeem_password_reset",
	"enrol_second_factor", "disable_second_factor", "use_recovery_code",
	"create_shelter", "update_shelter",
	"export", "export_annual_report", "export_policy_report", "export_anonymized",
}

// auditEvents lists what the event filter offers: the case table's events
// in its order, then the other acts.
func auditEvents() []string {
	var out []string
	for _, e := range cases.EventTypes() {
		out = append(out, string(e))
	}
	return append(out, auditActs...)
}

// EventName is the translated name of an audit record's event; one the
// catalogues do not know (a newer act) shows as recorded.
func (p *page) EventName(event string) string {
	if s, ok := p.tr.lookup(p.Lang, "event."+event); ok && s != "" {
		return s
	}
	return event
}

// ShortHash is the start of a hex digest, enough to tell records apart
// on screen; the page keeps the whole value next to it.
func (p *page) ShortHash(h string) string {
	if len(h) <= 12 {
		return h
	}
	return h[:12] + "…"
}

// auditExport answers POST /audit: the bulk export of the status history
// (CSV or NDJSON, the 18 record fields), after the auditor typed their
// password again (re-authentication, ASVS level 3). auditor.Service
// records the export in the audit chain, then it streams: memory stays
// flat however many rows.
func (u *UI) auditExport(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "audit.title")
	form := c.Request().PostForm
	f := newForm(url.Values{})
	for _, k := range []string{"format", "from", "to", "shelter", "case"} {
		if v := strings.TrimSpace(form.Get(k)); v != "" {
			f.Values.Set(k, v)
		}
	}
	format, err := audit.ParseFormat(f.V("format"))
	if err != nil || format == audit.FormatJSON {
		f.Errors["format"] = p.T("err.unknown_value")
	}
	filter, ok, err := u.auditFilter(c, p, f)
	if err != nil {
		return u.internal(c, err)
	}
	if form.Get("password") == "" {
		f.Errors["password"] = p.T("err.required")
	}
	if !ok || f.HasErrors() {
		return u.showAudit(c, http.StatusUnprocessableEntity, f)
	}
	if err := u.d.Auth.Reauthenticate(ctx, a, form.Get("password"), c.RealIP()); err != nil {
		switch apperr.KindOf(err) {
		case apperr.Unauthorized:
			f.Errors["password"] = p.T("err.wrong_password")
			return u.showAudit(c, http.StatusUnauthorized, f)
		case apperr.TooManyRequests:
			f.Errors["password"] = p.T("err.throttled")
			return u.showAudit(c, http.StatusTooManyRequests, f)
		}
		return u.internal(c, err)
	}
	x, err := u.d.Auditor.StartEvents(ctx, a, auditor.Query{Format: string(format), From: filter.From, To: filter.To,
		Shelter: filter.Shelter, Case: filter.CaseID})
	if err != nil {
		if !p.setError(f, err, "format", "from", "to", "shelter", "case") {
			return u.internal(c, err)
		}
		return u.showAudit(c, apperr.Status(err), f)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, x.ContentType())
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": x.Filename}))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	if n, err := x.Stream(ctx, c.Response()); err != nil {
		// The status line is sent: cut the connection, so the browser
		// reports a failed download instead of keeping a truncated file.
		u.d.Log.Error("audit export failed while streaming", "route", c.Path(), "rows", n, "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	return nil
}
