package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
)

// resetPage answers GET /reset: the form where a user redeems the reset
// code an admin gave him by choosing a new password.
func (u *UI) resetPage(c echo.Context) error {
	return u.renderReset(c, http.StatusOK, newForm(nil))
}

func (u *UI) renderReset(c echo.Context, status int, f *formState) error {
	p := u.newPage(c, "reset.title")
	p.CSRF = u.loginCSRF(c)
	f.Values.Del("password")
	f.Values.Del("code")
	p.Data = loginView{Form: f}
	return u.render(c, status, "reset", p)
}

// resetSubmit answers POST /reset through auth.Service.RedeemPasswordReset
// (throttled like a login); success leads to the login page.
func (u *UI) resetSubmit(c echo.Context) error {
	req := c.Request()
	if err := req.ParseForm(); err != nil {
		return u.formTooLarge(c, err)
	}
	ck, err := c.Cookie(cookieLoginCSRF)
	if err != nil || !sameToken(req.PostForm.Get(csrfField), ck.Value) {
		return u.fail(c, http.StatusForbidden, "error.csrf")
	}
	f := newForm(req.PostForm)
	p := u.newPage(c, "reset.title")
	for _, k := range []string{"username", "code", "password"} {
		if f.V(k) == "" {
			f.Errors[k] = p.T("err.required")
		}
	}
	if f.HasErrors() {
		return u.renderReset(c, http.StatusUnprocessableEntity, f)
	}
	err = u.d.Auth.RedeemPasswordReset(req.Context(), f.V("username"), f.V("code"), f.V("password"), c.RealIP())
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.Unauthorized:
			f.Error = p.T("reset.failed")
			return u.renderReset(c, http.StatusUnauthorized, f)
		case apperr.TooManyRequests:
			f.Error = p.T("err.throttled")
			return u.renderReset(c, http.StatusTooManyRequests, f)
		case apperr.Invalid:
			if !p.setError(f, err, "username", "code", "password") {
				return u.internal(c, err)
			}
			return u.renderReset(c, http.StatusUnprocessableEntity, f)
		}
		return u.internal(c, err)
	}
	return c.Redirect(http.StatusSeeOther, withNotice("/login", "password_set"))
}
