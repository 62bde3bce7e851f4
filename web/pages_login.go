package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// root answers GET /: the home page of the logged-in user's role, or the
// login page.
func (u *UI) root(c echo.Context) error {
	if u.loadSession(c) {
		return c.Redirect(http.StatusSeeOther, homeOf(stateOf(c).actor.Role))
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

type loginView struct {
	Form *formState
	// NeedCode is set once the password was right for an account with a
	// second factor: the page asks for the code, carrying the username
	// and password in hidden fields (the page is never cached).
	NeedCode bool
}

// loginPage answers GET /login. A user who is logged in already goes to
// their home page.
func (u *UI) loginPage(c echo.Context) error {
	if u.loadSession(c) {
		return c.Redirect(http.StatusSeeOther, homeOf(stateOf(c).actor.Role))
	}
	f := newForm(nil)
	if next := safeNext(c.QueryParam("next")); next != "" {
		f.Values.Set("next", next)
	}
	return u.renderLogin(c, http.StatusOK, f)
}

// safeNext returns next when it is a path of this site to go back to
// after the login, or "": never another site ("//host", "/\\host", a
// scheme), nor the login pages themselves.
func safeNext(next string) string {
	if len(next) > 2000 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") ||
		next == "/login" || strings.HasPrefix(next, "/login?") || strings.HasPrefix(next, "/logout") {
		return ""
	}
	return next
}

func (u *UI) renderLogin(c echo.Context, status int, f *formState) error {
	return u.renderLoginStep(c, status, f, false)
}

func (u *UI) renderLoginStep(c echo.Context, status int, f *formState, needCode bool) error {
	p := u.newPage(c, "login.title")
	p.CSRF = u.loginCSRF(c)
	if !needCode {
		f.Values.Del("password")
	}
	f.Values.Del("code")
	p.Data = loginView{Form: f, NeedCode: needCode}
	return u.render(c, status, "login", p)
}

// loginSubmit answers POST /login. The form carries the double-submit
// token of the __Host-casemgr_csrf cookie (there is no session yet). The
// password check is auth.Service.LoginWeb: the same throttling and the same
// generic error as the API.
func (u *UI) loginSubmit(c echo.Context) error {
	req := c.Request()
	if err := req.ParseForm(); err != nil {
		return u.formTooLarge(c, err)
	}
	ck, err := c.Cookie(cookieLoginCSRF)
	if err != nil || !sameToken(req.PostForm.Get(csrfField), ck.Value) {
		return u.fail(c, http.StatusForbidden, "error.csrf")
	}
	f := newForm(req.PostForm)
	p := u.newPage(c, "login.title")
	username, password := f.V("username"), f.V("password")
	if username == "" {
		f.Errors["username"] = p.T("err.required")
	}
	if password == "" {
		f.Errors["password"] = p.T("err.required")
	}
	if f.HasErrors() {
		return u.renderLogin(c, http.StatusUnprocessableEntity, f)
	}
	cr := auth.Credentials{Username: username, Password: password}
	code := strings.TrimSpace(f.V("code"))
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		cr.TOTPCode = code
	} else {
		cr.RecoveryCode = code
	}
	ws, err := u.d.Auth.LoginWebWith(req.Context(), cr, c.RealIP())
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.Unauthorized:
			if errors.Is(err, auth.ErrSecondFactorRequired) {
				return u.renderLoginStep(c, http.StatusUnauthorized, f, true)
			}
			if code != "" {
				f.Error = p.T("login.code_failed")
				return u.renderLoginStep(c, http.StatusUnauthorized, f, true)
			}
			f.Error = p.T("login.failed")
			return u.renderLogin(c, http.StatusUnauthorized, f)
		case apperr.TooManyRequests:
			f.Error = p.T("err.throttled")
			return u.renderLogin(c, http.StatusTooManyRequests, f)
		}
		return u.internal(c, err)
	}
	u.setSessionCookie(c, ws.Token, ws.ExpiresAt)
	u.clearCookie(c, cookieLoginCSRF)
	if ws.Actor.MustEnrol {
		return c.Redirect(http.StatusSeeOther, withNotice("/account/totp", "enrol_first"))
	}
	if next := safeNext(f.V("next")); next != "" {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return c.Redirect(http.StatusSeeOther, homeOf(ws.Actor.Role))
}

// logoutPage answers GET /logout with a page holding the logout form
// (logging out is a POST, like every change).
func (u *UI) logoutPage(c echo.Context) error {
	return u.render(c, http.StatusOK, "logout", u.newPage(c, "logout.title"))
}

// logoutSubmit answers POST /logout: it ends the web session and its login
// session, clears the cookie and shows the login page.
func (u *UI) logoutSubmit(c echo.Context) error {
	if ck, err := c.Cookie(cookieSession); err == nil {
		if err := u.d.Auth.LogoutWeb(c.Request().Context(), ck.Value); err != nil {
			return u.internal(c, err)
		}
	}
	u.clearCookie(c, cookieSession)
	return c.Redirect(http.StatusSeeOther, withNotice("/login", "logged_out"))
}
