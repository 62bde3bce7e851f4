package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// Cookie names. The __Host- prefix makes browsers require Secure, Path=/
// and no Domain, so no other host or path can set or read them.
const (
	cookieSession   = "__Host-casemgr_session"
	cookieLoginCSRF = "__Host-casemgr_csrf"
	cookieLang      = "casemgr_lang"
	// csrfField is the hidden form field that carries the CSRF token.
	csrfField = "csrf"
	// langCookieAge keeps the language choice for a year.
	langCookieAge = 365 * 24 * time.Hour
)

// Keys of the echo context.
const (
	keyState = "web.state"
	// keyActor is the key under which the API's request log reads the
	// actor (internal/httpapi), so UI requests are logged with their user.
	keyActor = "actor"
)

// reqState is what the middleware learns about a UI request.
type reqState struct {
	lang     string
	actor    auth.Actor
	csrf     string
	loggedIn bool
}

func stateOf(c echo.Context) *reqState {
	if st, ok := c.Get(keyState).(*reqState); ok {
		return st
	}
	return &reqState{lang: "en"}
}

// base runs on every page: it picks the language (a ?lang= switch sets the
// cookie and reloads the page without it), forbids caching, and bounds the
// body of a form.
func (u *UI) base(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if l := c.QueryParam("lang"); l != "" && req.Method == http.MethodGet {
			if u.tr.has(l) {
				u.setLangCookie(c, l)
			}
			q := req.URL.Query()
			q.Del("lang")
			target := "/" + strings.TrimLeft(req.URL.Path, "/") // never //host: no open redirect
			if len(q) > 0 {
				target += "?" + q.Encode()
			}
			return c.Redirect(http.StatusSeeOther, target)
		}
		lang := ""
		if ck, err := c.Cookie(cookieLang); err == nil {
			lang = ck.Value
		}
		c.Set(keyState, &reqState{lang: u.tr.pick(lang, req.Header.Get("Accept-Language"))})
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Language", stateOf(c).lang)
		h.Add("Vary", "Accept-Language, Cookie")
		req.Body = http.MaxBytesReader(c.Response(), req.Body, u.d.MaxBodyBytes)
		return next(c)
	}
}

func (u *UI) setLangCookie(c echo.Context, lang string) {
	c.SetCookie(&http.Cookie{Name: cookieLang, Value: lang, Path: "/", MaxAge: int(langCookieAge / time.Second),
		Expires: u.d.Now().Add(langCookieAge), Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// auth requires a valid web session cookie (else: a redirect to /login)
// and one of roles (else: the 403 page; nil allows every role). On a POST
// it then checks the form's CSRF token against the session's, in constant
// time (missing or wrong: the 403 page, and nothing changes).
func (u *UI) auth(roles []auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			st := stateOf(c)
			if !u.loadSession(c) {
				u.clearCookie(c, cookieSession)
				// Back to this page after the login (a GET only: a form
				// posted with an expired session keeps its draft in the
				// page, docs/casework.md).
				if c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
				}
				return c.Redirect(http.StatusSeeOther, "/login")
			}
			if st.actor.MustEnrol && c.Path() != "/account/totp" && c.Path() != "/logout" {
				// Until he enrols a second factor his role requires,
				// the user may only do that (docs/security.md "Second factor").
				return c.Redirect(http.StatusSeeOther, withNotice("/account/totp", "enrol_first"))
			}
			if roles != nil && !st.actor.Is(roles...) {
				return u.fail(c, http.StatusForbidden, "error.forbidden")
			}
			if c.Request().Method == http.MethodPost {
				if err := c.Request().ParseForm(); err != nil {
					return u.formTooLarge(c, err)
				}
				if !sameToken(c.Request().PostForm.Get(csrfField), st.csrf) {
					return u.fail(c, http.StatusForbidden, "error.csrf")
				}
			}
			return next(c)
		}
	}
}

// loadSession fills the request state from the session cookie and reports
// whether it names a live session.
func (u *UI) loadSession(c echo.Context) bool {
	st := stateOf(c)
	ck, err := c.Cookie(cookieSession)
	if err != nil || ck.Value == "" {
		return false
	}
	a, csrf, err := u.d.Auth.AuthenticateWeb(c.Request().Context(), ck.Value)
	if err != nil {
		if apperr.KindOf(err) != apperr.Unauthorized {
			u.d.Log.Error("web session lookup failed", "error", err.Error())
		}
		return false
	}
	st.actor, st.csrf, st.loggedIn = a, csrf, true
	c.Set(keyActor, a)
	return true
}

func (u *UI) formTooLarge(c echo.Context, err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return u.fail(c, http.StatusRequestEntityTooLarge, "error.too_large")
	}
	return u.fail(c, http.StatusBadRequest, "error.bad_form")
}

// sameToken compares a submitted token with the expected one in constant
// time; an empty token never matches.
func sameToken(got, want string) bool {
	if got == "" || want == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (u *UI) setSessionCookie(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{Name: cookieSession, Value: token, Path: "/", Expires: expires,
		MaxAge: int(expires.Sub(u.d.Now()) / time.Second), Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (u *UI) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// loginCSRF returns the double-submit token of the login form, setting the
// cookie when the browser has none yet.
func (u *UI) loginCSRF(c echo.Context) string {
	if ck, err := c.Cookie(cookieLoginCSRF); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: crypto/rand failed: " + err.Error())
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	c.SetCookie(&http.Cookie{Name: cookieLoginCSRF, Value: tok, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	return tok
}

// homeOf is the first page of a role.
func homeOf(r auth.Role) string {
	switch r {
	case auth.RoleCaseworker, auth.RoleSupervisor:
		return "/work" // docs/casework.md "My work"
	case auth.RoleAuditor:
		return "/audit"
	case auth.RoleAdmin:
		return "/admin/users"
	}
	return "/login"
}

// withNotice adds ?ok=key to a path, for the notice shown after a redirect.
func withNotice(p, key string) string {
	return p + "?ok=" + url.QueryEscape(key)
}
