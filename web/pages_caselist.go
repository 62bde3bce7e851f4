package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The case list (docs/casework.md "Finding a case"). The filters, the
// sort and the page are a GET form and links, so a list can be
// bookmarked; the search text is a POST form, so that a victim's name
// never ends up in an address (browser history, proxy logs). While a
// search is shown, the sort headers and page links are buttons of that
// POST form, which carries the filters along.

// listParams are the list's parameters other than the search text.
var listParams = []string{"state", "proceedings", "severity", "rule", "assignee", "within", "sort", "dir", "page"}

type casesView struct {
	Form                                 *formState
	States, Proceedings, Severities      []option
	Rules, Assignees, Windows            []option
	Params                               []param // the list's parameters in force, for the search form
	Items                                []caseRow
	Columns                              []sortColumn
	Search                               bool // a search text is in force: links become buttons
	Filtered                             bool
	From, To, Total                      int
	PrevHref, NextHref, PrevVal, NextVal string
}

type param struct{ Name, Value string }

// sortColumn is a sortable header: Href (GET) or Value (the search
// form's "to" button) asks for the other direction, or for this column.
type sortColumn struct {
	Label, Href, Value string
	AriaSort           string // ascending, descending or "" (not sorted)
}

type caseRow struct {
	ID, Reference, Name   string
	State, Proceedings    string
	Severity              string
	FlagCount             int
	NextDue, NextDaysLeft string
	NextKind              string
	Changed               string
}

// casesPage answers GET and POST /cases: the cases of the user's shelter,
// filtered, searched, sorted and paged.
func (u *UI) casesPage(c echo.Context) error {
	p := u.newPage(c, "cases.title")
	ctx := c.Request().Context()
	a := stateOf(c).actor
	in := url.Values{}
	src := c.QueryParams()
	if c.Request().Method == http.MethodPost {
		src = c.Request().PostForm
		in.Set("q", src.Get("q"))
	}
	for _, k := range listParams {
		if v := src.Get(k); v != "" {
			in.Set(k, v)
		}
	}
	// A sort header or page button of the search form names its target
	// as "to": "sort:dir" or "page:n".
	if to := src.Get("to"); to != "" {
		k, v, _ := strings.Cut(to, ":")
		switch k {
		case "sort":
			col, dir, _ := strings.Cut(v, ",")
			in.Set("sort", col)
			in.Set("dir", dir)
			in.Del("page")
		case "page":
			in.Set("page", v)
		}
	}
	if _, set := src["assignee"]; !set && a.Is(auth.RoleCaseworker) {
		in.Set("assignee", "me") // a caseworker starts from their own cases
	}
	f := newForm(in)
	q := cases.SearchQuery{State: f.V("state"), Proceedings: f.V("proceedings"), Severity: f.V("severity"),
		Rule: f.V("rule"), Assignee: f.V("assignee"), Text: strings.TrimSpace(f.V("q")),
		Sort: f.V("sort"), Desc: f.V("dir") == "desc"}
	if q.Assignee == "all" {
		q.Assignee = ""
	}
	var bad []string
	if w := f.V("within"); w != "" {
		if q.Within, _ = strconv.Atoi(w); q.Within == 0 {
			q.Within = -1 // refused by Search, with its message
		}
	}
	page := 1
	if pg := f.V("page"); pg != "" {
		n, err := strconv.Atoi(pg)
		if err != nil || n < 1 {
			bad = append(bad, "page")
			n = 1
		}
		page = n
	}
	q.Offset = (page - 1) * cases.SearchLimit
	v := casesView{Form: f, Search: q.Text != "",
		States:      p.options("state", stateValues(), q.State, "filter.any"),
		Proceedings: p.options("proceedings", proceedingsValues(), q.Proceedings, "filter.any"),
		Severities:  p.options("severity", severities, q.Severity, "filter.any"),
		Rules:       selectOpts(ruleOptions(p), q.Rule, p.T("filter.any")),
		Windows:     windowOptions(p, f.V("within")),
		Filtered:    q.State != "" || q.Proceedings != "" || q.Severity != "" || q.Rule != "" || q.Within != 0 || q.Text != "",
	}
	assignees := []option{{Value: "me", Label: p.T("assignee_filter.me")}, {Value: "all", Label: p.T("assignee_filter.all")},
		{Value: "none", Label: p.T("assignee_filter.none")}}
	if u.d.Orgs != nil {
		users, err := u.d.Orgs.Caseworkers(ctx, a)
		if err != nil {
			return u.internal(c, err)
		}
		for _, n := range users {
			if n != a.Username {
				assignees = append(assignees, option{Value: n, Label: n})
			}
		}
	}
	v.Assignees = selectOpts(assignees, or(f.V("assignee"), "all"), "")
	in.Set("assignee", or(f.V("assignee"), "all"))
	for _, k := range listParams {
		if val := in.Get(k); val != "" {
			v.Params = append(v.Params, param{k, val})
		}
	}
	status := http.StatusOK
	var res cases.SearchPage
	var err error
	if len(bad) > 0 {
		err = apperr.Field("page", "want a page number from 1")
	} else {
		res, err = u.d.Cases.Search(ctx, a, q)
	}
	if err != nil {
		if !p.setError(f, err, "state", "proceedings", "severity", "rule", "assignee", "within", "sort", "page", "q") {
			return u.internal(c, err)
		}
		status = apperr.Status(err)
	}
	v.Columns = sortColumns(p, in, q)
	for _, cs := range res.Items {
		row := caseRow{ID: cs.ID, Reference: cs.Reference, Name: fullName(cs), State: p.L("state", cs.State),
			Proceedings: p.L("proceedings", cs.Proceedings), FlagCount: len(cs.Flags), Changed: p.Date(eligibility.Today(cs.UpdatedAt))}
		if len(cs.Flags) > 0 {
			row.Severity = string(cs.Flags[0].Severity)
		}
		if d, ok := nextDeadline(cs.AllDeadlines()); ok {
			row.NextDue, row.NextDaysLeft, row.NextKind = p.Date(d.DueOn), p.DaysLeft(d.DaysLeft), p.L("deadline", d.Kind)
		}
		v.Items = append(v.Items, row)
	}
	v.Total = res.Total
	if len(v.Items) > 0 {
		v.From, v.To = q.Offset+1, q.Offset+len(v.Items)
	}
	if page > 1 && err == nil {
		v.PrevHref, v.PrevVal = pageLink(in, page-1), "page:"+strconv.Itoa(page-1)
	}
	if v.To < v.Total {
		v.NextHref, v.NextVal = pageLink(in, page+1), "page:"+strconv.Itoa(page+1)
	}
	p.Data = v
	return u.render(c, status, "cases", p)
}

// listLink is the address of the list with the parameters of in (never
// the search text), changed by set ("" removes one).
func listLink(in url.Values, set map[string]string) string {
	out := url.Values{}
	for _, k := range listParams {
		if val := in.Get(k); val != "" {
			out.Set(k, val)
		}
	}
	for k, val := range set {
		if val == "" {
			out.Del(k)
		} else {
			out.Set(k, val)
		}
	}
	if len(out) == 0 {
		return "/cases"
	}
	return "/cases?" + out.Encode()
}

func pageLink(in url.Values, n int) string {
	pg := ""
	if n > 1 {
		pg = strconv.Itoa(n)
	}
	return listLink(in, map[string]string{"page": pg})
}

// sortColumns are the sortable headers. A click on the current column
// reverses it; on another, sorts by it, ascending (the reference, the
// default, newest first).
func sortColumns(p *page, in url.Values, q cases.SearchQuery) []sortColumn {
	labels := map[string]string{cases.SortReference: "case.reference", cases.SortState: "case.state",
		cases.SortDeadline: "cases.next_deadline", cases.SortChanged: "cases.col.changed"}
	cur, desc := q.Sort, q.Desc
	if cur == "" {
		cur, desc = cases.SortReference, true
	}
	var out []sortColumn
	for _, k := range cases.SortKeys {
		col := sortColumn{Label: p.T(labels[k])}
		dir := "asc"
		if k == cur {
			col.AriaSort = "ascending"
			if desc {
				col.AriaSort = "descending"
			} else {
				dir = "desc"
			}
		}
		col.Href = listLink(in, map[string]string{"sort": k, "dir": dir, "page": ""})
		col.Value = "sort:" + k + "," + dir
		out = append(out, col)
	}
	return out
}

// ruleOptions are the rules, by id and title in the user's language.
func ruleOptions(p *page) []option {
	titles := eligibility.TitleKeys()
	var out []option
	for _, r := range eligibility.Rules() {
		key := "rule." + r.ID + ".title"
		t, ok := p.tr.rules[p.Lang][key]
		if !ok {
			t = titles[key]
		}
		out = append(out, option{Value: r.ID, Label: strings.TrimSpace(r.ID + " " + t)})
	}
	return out
}

func windowOptions(p *page, selected string) []option {
	var opts []option
	for _, n := range cases.DeadlineWindows {
		opts = append(opts, option{Value: strconv.Itoa(n), Label: p.T("cases.within_days", n)})
	}
	return selectOpts(opts, selected, p.T("filter.any"))
}
