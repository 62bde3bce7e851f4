package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// page is what every template receives: the language, the user, the CSRF
// token for forms, the navigation, and the page's own Data.
type page struct {
	Lang     string
	Title    string
	Page     string
	Path     string
	Actor    auth.Actor
	LoggedIn bool
	CSRF     string
	Notice   string
	Alert    string
	Langs    []option
	Nav      []navItem
	Data     any
	tr       *translations
}

type navItem struct {
	Href, Label string
	Current     bool
}

// newPage starts the page of a request with its title key.
func (u *UI) newPage(c echo.Context, titleKey string) *page {
	st := stateOf(c)
	p := &page{Lang: st.lang, Path: c.Request().URL.Path, Actor: st.actor, LoggedIn: st.loggedIn,
		CSRF: st.csrf, tr: u.tr}
	p.Title = p.T(titleKey)
	for _, l := range languages {
		p.Langs = append(p.Langs, option{Value: l, Label: u.tr.text(l, "lang.name"), Selected: l == st.lang})
	}
	if st.loggedIn {
		for _, n := range append(navFor(st.actor.Role), [2]string{"/account/totp", "nav.second_factor"}) {
			p.Nav = append(p.Nav, navItem{Href: n[0], Label: p.T(n[1]),
				Current: p.Path == n[0] || (n[0] == "/cases" && strings.HasPrefix(p.Path, "/cases/") && p.Path != "/cases/new")})
		}
	}
	if ok := c.QueryParam("ok"); ok != "" {
		if s, found := u.tr.lookup(st.lang, "notice."+ok); found && s != "" {
			p.Notice = s
		}
	}
	return p
}

// navFor lists the pages of a role: path and label key.
func navFor(r auth.Role) [][2]string {
	switch r {
	case auth.RoleCaseworker:
		return [][2]string{{"/work", "nav.work"}, {"/cases", "nav.cases"}, {"/cases/new", "nav.new_case"}, {"/deadlines", "nav.deadlines"},
			{"/transfers", "nav.transfers"}}
	case auth.RoleSupervisor:
		return [][2]string{{"/work", "nav.work"}, {"/cases", "nav.cases"}, {"/cases/new", "nav.new_case"}, {"/deadlines", "nav.deadlines"},
			{"/transfers", "nav.transfers"}, {"/reports/annual", "nav.reports"}, {"/reports/policy", "nav.policy"}}
	case auth.RoleAuditor:
		return [][2]string{{"/audit", "nav.audit"}, {"/reports/annual", "nav.reports"}, {"/reports/policy", "nav.policy"}}
	case auth.RoleAdmin:
		return [][2]string{{"/admin/users", "nav.users"}, {"/admin/shelters", "nav.shelters"}, {"/admin/organisations", "nav.organisations"}}
	}
	return nil
}

// T translates a message key; args replace {0}, {1}, … in order.
func (p *page) T(key string, args ...any) string {
	s := p.tr.text(p.Lang, key)
	for i, a := range args {
		s = strings.ReplaceAll(s, fmt.Sprintf("{%d}", i), fmt.Sprint(a))
	}
	return s
}

// L translates an enumeration value: the key is prefix.value.
func (p *page) L(prefix string, v any) string {
	s := fmt.Sprint(v)
	if s == "" {
		return "—"
	}
	return p.T(prefix + "." + s)
}

// Date shows a civil date as dd/mm/yyyy ("—" for none).
func (p *page) Date(v any) string {
	switch d := v.(type) {
	case eligibility.Date:
		if d.IsZero() {
			return "—"
		}
		return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
	case *eligibility.Date:
		if d == nil {
			return "—"
		}
		return p.Date(*d)
	case string:
		if d == "" {
			return "—"
		}
		if dd, err := eligibility.ParseDate(d); err == nil {
			return p.Date(dd)
		}
		return d
	case time.Time:
		if d.IsZero() {
			return "—"
		}
		return p.Date(eligibility.Today(d))
	}
	return fmt.Sprint(v)
}

// Stamp shows an instant (an RFC 3339 string or a time.Time) in
// Europe/Brussels, where the shelters are, as dd/mm/yyyy hh:mm:ss in a
// <time> element: its datetime attribute keeps the instant in UTC, its
// title names the zone in the user's language (the page states the zone
// once this way, on every timestamp, without a line of its own).
func (p *page) Stamp(v any) template.HTML {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "—"
		}
		t = *x
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, x); err != nil {
			return template.HTML(template.HTMLEscapeString(x))
		}
	default:
		return template.HTML(template.HTMLEscapeString(fmt.Sprint(v)))
	}
	if t.IsZero() {
		return "—"
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s" title="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), template.HTMLEscapeString(p.T("time.zone")), p.StampText(t)))
}

// StampText is the text of Stamp: the instant in Brussels, without markup
// (for a title or a printed line).
func (p *page) StampText(t time.Time) string {
	return t.In(brussels()).Format("02/01/2006 15:04:05")
}

// DaysLeft says how far a deadline is: "in 3 days", "today", "2 days overdue".
func (p *page) DaysLeft(n int) string {
	switch {
	case n == 0:
		return p.T("days.today")
	case n < 0:
		return p.tr.plural(p.Lang, "days.overdue", -n)
	default:
		return p.tr.plural(p.Lang, "days.left", n)
	}
}

// formState is a submitted (or empty) form: what was typed, and the
// translated error of each field.
type formState struct {
	Values url.Values
	Errors map[string]string
	// Error is a message for the whole form.
	Error string
}

func newForm(v url.Values) *formState {
	if v == nil {
		v = url.Values{}
	}
	return &formState{Values: v, Errors: map[string]string{}}
}

// V returns the typed value of a field.
func (f *formState) V(name string) string { return f.Values.Get(name) }

// Has reports whether a checkbox or multi-choice field holds value.
func (f *formState) Has(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Err returns the error shown next to a field.
func (f *formState) Err(name string) string { return f.Errors[name] }

// HasErrors reports whether any error is set.
func (f *formState) HasErrors() bool { return len(f.Errors) > 0 || f.Error != "" }

// setError fills the form's errors from a service error: field errors next
// to their field (common messages translated), anything else for the whole
// form. known lists the fields the form shows; errors of other fields go to
// the form as a whole. It reports whether err was a user error (an
// apperr other than Internal).
func (p *page) setError(f *formState, err error, known ...string) bool {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		return false
	}
	shown := map[string]bool{}
	for _, k := range known {
		shown[k] = true
	}
	for _, fe := range e.Fields {
		msg := p.fieldMessage(fe)
		if shown[fe.Field] {
			if f.Errors[fe.Field] == "" {
				f.Errors[fe.Field] = msg
			}
			continue
		}
		if f.Error != "" {
			f.Error += " "
		}
		f.Error += fe.Field + ": " + msg
	}
	if len(e.Fields) == 0 {
		f.Error = p.kindMessage(e)
	}
	return true
}

// fieldMessage shows a service's field error in the user's language: by
// its code when it has one (catalogue key "err." + code), else as the
// service wrote it.
func (p *page) fieldMessage(fe apperr.FieldError) string {
	if fe.Code != "" {
		return p.T("err." + fe.Code)
	}
	return fe.Message
}

// kindMessage is the message of an error without field errors: by its
// code when it has one, else by its kind, else as the service wrote it.
func (p *page) kindMessage(e *apperr.Error) string {
	switch e.Code {
	case apperr.CodeConsentMissing:
		return p.T("err.consent_missing", p.L("scope", e.Params["scope"]))
	case apperr.CodeConsentLapsed:
		// Only the receiving shelter accepts: "your shelter" names it.
		return p.T("err.consent_lapsed")
	}
	switch e.Kind {
	case apperr.Unauthorized:
		return p.T("err.unauthorized")
	case apperr.Forbidden:
		return p.T("error.forbidden")
	case apperr.NotFound:
		return p.T("error.not_found")
	case apperr.TooManyRequests:
		return p.T("err.throttled")
	case apperr.InvalidTransition:
		return p.T("err.not_allowed_now")
	}
	return e.Message
}
