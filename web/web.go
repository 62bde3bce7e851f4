package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/auditor"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/casework"
	"github.com/casemgr/casemgr/internal/orgs"
	"github.com/casemgr/casemgr/internal/report"
	"github.com/casemgr/casemgr/internal/shelter"
)

// assets holds the templates, the static files and the catalogues. embed
// cannot reach above this directory, which is why this file lives in web/.
//
//go:embed templates/*.html static i18n/*.json
var assets embed.FS

// Deps are the services the UI is built on: the same ones the API calls,
// and no database handle, so a page reads and changes data only through
// them.
type Deps struct {
	// Auth logs users in and out, and manages users and feed tokens.
	Auth *auth.Service
	// Cases reads and changes case files.
	Cases *cases.Service
	// Casework serves the work list, tasks, services, notes and
	// documents; nil leaves those pages out.
	Casework *casework.Service
	// Shelters lists and changes shelters.
	Shelters *shelter.Service
	// Auditor exports the audit trail and verifies the chain.
	Auditor *auditor.Service
	// Reports computes the annual report shown on /reports/annual.
	Reports *report.Service
	// Orgs serves the work between organisations (sharing and transfers
	// pages); without it those pages are not served.
	Orgs *orgs.Service
	// Log receives internal errors (never a name, a note or a token).
	Log *slog.Logger
	// Now is the injected clock.
	Now func() time.Time
	// MaxBodyBytes limits form bodies (413 above it); 0 means 1 MiB.
	MaxBodyBytes int64
}

// UI is the web user interface: parsed templates, catalogues and the
// services behind them. Build it once with New and add its routes to a
// router with Register.
type UI struct {
	d     Deps
	pages map[string]*template.Template
	tr    *translations
}

// pageNames are the page templates; each is parsed with layout.html.
var pageNames = []string{
	"login", "reset", "logout", "totp", "error", "cases", "case_new", "case", "case_victim", "case_confirm", "case_void", "anon_empty",
	"deadlines", "audit", "users", "shelters", "reports", "policy", "work", "casework", "admin_confirm", "summary",
	"sharing", "transfers", "organisations",
}

// New parses the templates and catalogues and returns the UI. An error
// means the embedded assets are broken.
func New(d Deps) (*UI, error) {
	if d.Auth == nil || d.Cases == nil || d.Shelters == nil || d.Auditor == nil || d.Reports == nil || d.Now == nil {
		return nil, errors.New("web: Deps need Auth, Cases, Shelters, Auditor, Reports and Now")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 1 << 20
	}
	tr, err := loadTranslations()
	if err != nil {
		return nil, err
	}
	u := &UI{d: d, tr: tr, pages: map[string]*template.Template{}}
	base, err := template.New("layout.html").Funcs(funcs()).ParseFS(assets, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("web: clone layout for %s: %w", name, err)
		}
		if _, err := t.ParseFS(assets, "templates/"+name+".html"); err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", name, err)
		}
		u.pages[name] = t
	}
	return u, nil
}

// The roles allowed on each group of pages.
var (
	rolesWork  = []auth.Role{auth.RoleCaseworker, auth.RoleSupervisor}
	rolesAudit = []auth.Role{auth.RoleAuditor}
	rolesAdmin = []auth.Role{auth.RoleAdmin}
	// rolesReports may read the annual report: a supervisor their
	// shelter's, an auditor any shelter's or all shelters'.
	rolesReports = []auth.Role{auth.RoleSupervisor, auth.RoleAuditor}
)

// Register adds the UI's routes to e: the pages, the static files and the
// calendar feed.
func (u *UI) Register(e *echo.Echo) {
	static, err := fs.Sub(assets, "static")
	if err != nil {
		panic(fmt.Sprintf("web: static assets: %v", err)) // the embed directive guarantees the directory
	}
	e.GET("/static/*", u.staticFiles(static))

	pub := []echo.MiddlewareFunc{u.base}
	e.GET("/", u.root, pub...)
	e.GET("/login", u.loginPage, pub...)
	e.POST("/login", u.loginSubmit, pub...)
	e.GET("/reset", u.resetPage, pub...)
	e.POST("/reset", u.resetSubmit, pub...)
	e.GET("/logout", u.logoutPage, u.base, u.auth(nil))
	e.POST("/logout", u.logoutSubmit, u.base, u.auth(nil))
	e.GET("/account/totp", u.totpPage, u.base, u.auth(nil))
	e.POST("/account/totp", u.totpSubmit, u.base, u.auth(nil))

	work := []echo.MiddlewareFunc{u.base, u.auth(rolesWork)}
	e.GET("/cases", u.casesPage, work...)
	e.POST("/cases", u.casesPage, work...)
	e.GET("/cases/new", u.newCasePage, work...)
	e.POST("/cases/new", u.newCaseSubmit, work...)
	e.GET("/cases/:id", u.casePage, work...)
	e.GET("/cases/:id/summary", u.summaryPage, work...)
	e.POST("/cases/:id", u.caseSubmit, work...)
	e.GET("/cases/:id/victim", u.victimPage, work...)
	e.POST("/cases/:id/victim", u.victimSubmit, work...)
	e.GET("/cases/:id/void/:seq", u.voidPage, work...)
	e.POST("/cases/:id/void/:seq", u.voidSubmit, work...)
	e.GET("/deadlines", u.deadlinesPage, work...)
	e.POST("/deadlines", u.deadlinesSubmit, work...)
	u.registerCasework(e, work)
	if u.d.Orgs != nil {
		e.GET("/cases/:id/sharing", u.sharingPage, work...)
		e.POST("/cases/:id/sharing", u.sharingSubmit, work...)
		e.GET("/transfers", u.transfersPage, work...)
		e.POST("/transfers", u.transfersSubmit, work...)
	}

	audit := []echo.MiddlewareFunc{u.base, u.auth(rolesAudit)}
	e.GET("/audit", u.auditPage, audit...)
	e.POST("/audit", u.auditExport, audit...)

	reports := []echo.MiddlewareFunc{u.base, u.auth(rolesReports)}
	e.GET("/reports/annual", u.annualPage, reports...)
	e.GET("/reports/annual.xlsx", u.annualDownload("xlsx"), reports...)
	e.GET("/reports/annual.csv", u.annualDownload("csv"), reports...)
	e.GET("/reports/annual-be.csv", u.annualDownload("csv-be"), reports...)
	e.GET("/reports/policy", u.policyPage, reports...)
	e.GET("/reports/policy.csv", u.policyDownload("csv"), reports...)
	e.GET("/reports/policy-be.csv", u.policyDownload("csv-be"), reports...)
	e.GET("/reports/anonymized.csv", u.anonymizedDownload, audit...)

	admin := []echo.MiddlewareFunc{u.base, u.auth(rolesAdmin)}
	e.GET("/admin/users", u.usersPage, admin...)
	e.POST("/admin/users", u.usersSubmit, admin...)
	e.GET("/admin/shelters", u.sheltersPage, admin...)
	e.POST("/admin/shelters", u.sheltersSubmit, admin...)
	if u.d.Orgs != nil {
		e.GET("/admin/organisations", u.organisationsPage, admin...)
		e.POST("/admin/organisations", u.organisationsSubmit, admin...)
	}

	e.GET("/api/v1/deadlines.ics", u.calendarFeed)

	// Any other path is the styled 404 page in the user's language; under
	// /api the router's own handler keeps answering problem+json. This
	// wraps the error handler rather than adding a catch-all route, which
	// would turn the API's 405 answers into 404s.
	api := e.HTTPErrorHandler
	if api == nil {
		api = e.DefaultHTTPErrorHandler
	}
	page := u.base(u.notFound)
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var he *echo.HTTPError
		path := c.Request().URL.Path
		if errors.As(err, &he) && he.Code == http.StatusNotFound && !c.Response().Committed &&
			path != "/api" && !strings.HasPrefix(path, "/api/") {
			if perr := page(c); perr == nil || c.Response().Committed {
				return
			}
		}
		api(err, c)
	}
}

// notFound renders the 404 page. A session, when there is one, only adds
// the navigation: an unknown page never redirects to the login form.
func (u *UI) notFound(c echo.Context) error {
	u.loadSession(c)
	return u.fail(c, http.StatusNotFound, "error.not_found")
}

// staticFiles answers GET /static/*: the embedded CSS (and nothing
// private: the directory holds only public assets). Directory listings
// are refused.
func (u *UI) staticFiles(root fs.FS) echo.HandlerFunc {
	return func(c echo.Context) error {
		name := path.Clean(c.Param("*"))
		if name == "." || strings.HasPrefix(name, "..") || strings.HasSuffix(c.Param("*"), "/") {
			return echo.ErrNotFound
		}
		b, err := fs.ReadFile(root, name)
		if err != nil {
			return echo.ErrNotFound
		}
		ct := "application/octet-stream"
		switch path.Ext(name) {
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		return c.Blob(http.StatusOK, ct, b)
	}
}

// render executes a page into a buffer first, so that a template error
// never sends half a page.
func (u *UI) render(c echo.Context, status int, name string, p *page) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("web: no page template %q", name)
	}
	p.Page = name
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		u.d.Log.Error("render page", slog.String("page", name), slog.String("error", err.Error()))
		return c.String(http.StatusInternalServerError, "internal error")
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// fail renders the error page with a status and a translated message.
func (u *UI) fail(c echo.Context, status int, msgKey string) error {
	p := u.newPage(c, "error.title")
	p.Data = errorView{Status: status, Message: p.T(msgKey)}
	return u.render(c, status, "error", p)
}

// internal logs err once and renders the generic error page.
func (u *UI) internal(c echo.Context, err error) error {
	u.d.Log.Error("web request failed", slog.String("route", c.Path()), slog.String("error", err.Error()))
	return u.fail(c, http.StatusInternalServerError, "error.internal")
}

// funcs are the template functions; everything that needs the language
// is a method of page instead.
func funcs() template.FuncMap {
	return template.FuncMap{
		// dict builds the argument map of a partial: dict "Key" value ….
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"selectOpts": selectOpts,
	}
}

// selectOpts copies options with the selected value marked, after an "any"
// choice when anyLabel is not empty.
func selectOpts(opts []option, selected, anyLabel string) []option {
	out := make([]option, 0, len(opts)+1)
	if anyLabel != "" {
		out = append(out, option{Value: "", Label: anyLabel, Selected: selected == ""})
	}
	for _, o := range opts {
		o.Selected = o.Value == selected
		out = append(out, o)
	}
	return out
}

type errorView struct {
	Status  int
	Message string
}
