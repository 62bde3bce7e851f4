package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auditor"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/casework"
	"github.com/casemgr/casemgr/internal/metrics"
	"github.com/casemgr/casemgr/internal/orgs"
	"github.com/casemgr/casemgr/internal/report"
	"github.com/casemgr/casemgr/internal/shelter"
	"github.com/casemgr/casemgr/internal/store"
)

// Deps are the services the HTTP layer serves.
type Deps struct {
	DB       *store.DB
	Auth     *auth.Service
	Cases    *cases.Service
	Shelters *shelter.Service
	// Casework serves the work list, tasks, services, notes and
	// documents (docs/casework.md); nil leaves those routes out.
	Casework *casework.Service
	// Auditor serves the audit exports, verification and checkpoints.
	Auditor *auditor.Service
	// Reports serves the national statistics and anonymized exports.
	Reports *report.Service
	// Orgs serves the work between organisations (docs/organisations.md).
	Orgs *orgs.Service
	Log  *slog.Logger
	// MaxBodyBytes limits request bodies (413 above it).
	MaxBodyBytes int64
	// RequestTimeout bounds each request's context.
	RequestTimeout time.Duration
	// TrustedProxies are CIDR ranges whose X-Forwarded-For is believed.
	TrustedProxies []string
	// TLS says whether the server is served over TLS (enables HSTS).
	TLS bool
	// Metrics, when set, observes every request and is served at
	// GET /metrics to requests that carry MetricsToken as a bearer token;
	// without a token /metrics is not served (404).
	Metrics      RequestMetrics
	MetricsToken string
}

// RequestMetrics observes requests (by route template, never the raw
// path) and serves the metrics in the Prometheus text format.
type RequestMetrics interface {
	StartRequest(method, route string) (end func(status int))
	Handler() http.Handler
}

// Server holds the router and its dependencies.
type Server struct {
	Deps
	e   *echo.Echo
	log *slog.Logger
}

// New builds the router with every route of docs/api.md "Routes".
func New(d Deps) *Server {
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 1 << 20
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = 30 * time.Second
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{Deps: d, e: e, log: d.Log}
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(d.TrustedProxies)
	e.Use(s.requestContext, s.securityHeaders, s.recoverPanics)
	s.routes()
	return s
}

// Handler returns the http.Handler of the router.
func (s *Server) Handler() http.Handler { return s.e }

// Echo returns the router, so that the web UI can add its pages.
func (s *Server) Echo() *echo.Echo { return s.e }

func (s *Server) routes() {
	e := s.e
	e.GET("/healthz", s.livez)
	e.GET("/livez", s.livez)
	e.GET("/readyz", s.readyz)
	// GET /api/v1/openapi.yaml, /api/docs and /api/docs/docs.css (docs.go): public.
	s.registerDocs(e)
	if s.Metrics != nil && s.MetricsToken != "" {
		// Only with a token: the flag counts span every shelter.
		e.GET("/metrics", echo.WrapHandler(metrics.RequireToken(s.MetricsToken, s.Metrics.Handler())))
	}

	const v1 = "/api/v1"
	e.POST(v1+"/auth/login", s.login)
	e.POST(v1+"/auth/refresh", s.refresh)
	e.POST(v1+"/auth/password-reset", s.redeemPasswordReset)

	// Every other route: authenticate (401), then the role (403). Route
	// middleware rather than groups, so that an unknown path is a plain 404.
	anyone := []auth.Role{auth.RoleCaseworker, auth.RoleSupervisor, auth.RoleAuditor, auth.RoleAdmin}
	work := []auth.Role{auth.RoleCaseworker, auth.RoleSupervisor}
	admin := []auth.Role{auth.RoleAdmin}
	route := func(method, path string, h echo.HandlerFunc, roles []auth.Role) {
		e.Add(method, v1+path, h, s.authenticate, requireRoles(roles...), requireSecondFactor)
	}
	// Open to a user who must still enrol a second factor.
	enrolling := func(method, path string, h echo.HandlerFunc) {
		e.Add(method, v1+path, h, s.authenticate, requireRoles(anyone...))
	}
	enrolling(http.MethodPost, "/auth/logout", s.logout)
	enrolling(http.MethodGet, "/me", s.me)
	enrolling(http.MethodGet, "/auth/totp", s.totpState)
	enrolling(http.MethodPost, "/auth/totp/enroll", s.totpEnroll)
	enrolling(http.MethodPost, "/auth/totp/confirm", s.totpConfirm)
	enrolling(http.MethodPost, "/auth/totp/disable", s.totpDisable)

	route(http.MethodGet, "/users", s.listUsers, admin)
	route(http.MethodPost, "/users", s.createUser, admin)
	route(http.MethodPatch, "/users/:username", s.updateUser, admin)
	route(http.MethodPost, "/users/:username/password-reset", s.issuePasswordReset, admin)
	route(http.MethodGet, "/user-changes", s.listUserChanges, admin)
	route(http.MethodPost, "/user-changes/:id/approve", s.approveUserChange, admin)
	route(http.MethodGet, "/shelters", s.listShelters, anyone)
	route(http.MethodPost, "/shelters", s.createShelter, admin)
	route(http.MethodPatch, "/shelters/:id", s.updateShelter, admin)

	route(http.MethodPost, "/cases", s.createCase, work)
	route(http.MethodGet, "/cases", s.listCases, work)
	route(http.MethodGet, "/cases/:id", s.getCase, work)
	route(http.MethodPatch, "/cases/:id", s.updateCase, work)
	route(http.MethodPost, "/cases/:id/events", s.recordEvent, work)
	route(http.MethodGet, "/cases/:id/events", s.caseHistory, append(work, auth.RoleAuditor))
	route(http.MethodPost, "/cases/:id/events/:seq/void", s.voidEvent, work)
	route(http.MethodGet, "/cases/:id/flags", s.caseFlags, work)
	route(http.MethodPost, "/cases/:id/simulate", s.simulate, work)
	route(http.MethodGet, "/deadlines", s.deadlines, work)
	route(http.MethodPost, "/cases/:id/erase", s.eraseCase, admin)
	s.caseworkRoutes(route, work)
	s.orgRoutes(route)

	auditors := []auth.Role{auth.RoleAuditor}
	route(http.MethodGet, "/audit/verify", s.auditVerifyFull, []auth.Role{auth.RoleAuditor, auth.RoleAdmin})
	route(http.MethodGet, "/audit/events", s.auditEvents, auditors)
	route(http.MethodGet, "/audit/access", s.auditAccess, auditors)
	route(http.MethodGet, "/audit/checkpoints", s.auditCheckpoints, []auth.Role{auth.RoleAuditor, auth.RoleAdmin})
	route(http.MethodGet, "/audit/checkpoints/latest", s.auditLatestCheckpoint, []auth.Role{auth.RoleAuditor, auth.RoleAdmin})
	route(http.MethodPost, "/audit/checkpoints", s.auditCheckpoint, []auth.Role{auth.RoleAuditor, auth.RoleAdmin})

	route(http.MethodGet, "/reports/annual", s.annualReport, []auth.Role{auth.RoleSupervisor, auth.RoleAuditor})
	route(http.MethodGet, "/reports/anonymized", s.anonymizedExport, auditors)
	route(http.MethodGet, "/reports/policy", s.policyReport, []auth.Role{auth.RoleSupervisor, auth.RoleAuditor})
}

// ipExtractor trusts forwarded headers only from configured proxies.
func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	var opts []echo.TrustOption
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	for _, cidr := range trusted {
		if _, n, err := net.ParseCIDR(cidr); err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

const (
	keyRequestID = "request_id"
	keyActor     = "actor"
)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func requestID(c echo.Context) string {
	id, _ := c.Get(keyRequestID).(string)
	return id
}

func actorOf(c echo.Context) (auth.Actor, bool) {
	a, ok := c.Get(keyActor).(auth.Actor)
	return a, ok
}

// requestContext gives each request an id and a deadline, and logs it when
// done: method, route template, status, duration, actor. Never the query
// string, the body, a name or a token. The request is observed and logged
// even when the handler aborts it with panic(http.ErrAbortHandler) (a
// streamed export that failed half-way), with status 499, and the panic
// then goes on to net/http.
func (s *Server) requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := newRequestID()
		c.Set(keyRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		start := time.Now()
		var end func(int)
		if s.Metrics != nil {
			end = s.Metrics.StartRequest(c.Request().Method, c.Path())
		}
		defer func() {
			r := recover()
			status := c.Response().Status
			if r != nil {
				status = statusClientClosedRequest
			}
			if end != nil {
				end(status)
			}
			if s.log != nil {
				s.logRequest(c, id, status, start)
			}
			if r != nil {
				panic(r)
			}
		}()
		if err := next(c); err != nil {
			c.Error(err)
		}
		return nil
	}
}

// logRequest writes the request's log line. The record is handed to the
// handler directly, without the caller's program counter that Logger.Info
// looks up for every line (no handler here prints the source), and with
// its attributes typed, not boxed.
func (s *Server) logRequest(c echo.Context, id string, status int, start time.Time) {
	ctx := c.Request().Context()
	h := s.log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	a, _ := actorOf(c)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("request_id", id), slog.String("method", c.Request().Method),
		slog.String("route", c.Path()), slog.Int("status", status),
		slog.Duration("duration", time.Since(start)), slog.String("actor", a.Username))
	_ = h.Handle(ctx, r) // as Logger.Info does: a failing log write is not the request's
}

// statusClientClosedRequest is the status logged and counted for a request
// whose handler aborted the answer (nginx's 499): the client got a broken
// transfer, whatever status line went out before.
const statusClientClosedRequest = 499

// securityHeaders sets the headers every answer carries (docs/api.md
// "Conventions"); API answers are never cached.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.TLS {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			h.Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", slog.String("request_id", requestID(c)), slog.Any("panic", r))
				err = apperr.New(apperr.Internal, "internal error")
			}
		}()
		return next(c)
	}
}

// authenticate turns the bearer token into the request's actor (401 when
// missing or invalid).
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		token := ""
		if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			token = rest
		}
		a, err := s.Auth.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="casemgr"`)
			return err
		}
		c.Set(keyActor, a)
		return next(c)
	}
}

// requireRoles answers 403 unless the actor has one of the roles.
func requireRoles(roles ...auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a, ok := actorOf(c)
			if !ok || !a.Is(roles...) {
				return apperr.Forbiddenf("your role may not do this")
			}
			return next(c)
		}
	}
}
