package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/boombuler/barcode/qr"
	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// totpView is the second-factor page: the state, and what one answer
// shows once (the new secret, or the recovery codes).
type totpView struct {
	State    auth.TOTPState
	Required bool
	Secret   string
	URI      string
	QR       template.HTML
	Recovery []string
	Form     *formState
}

// totpPage answers GET /account/totp: enrol, confirm or disable the
// user's second factor (docs/security.md "Second factor").
func (u *UI) totpPage(c echo.Context) error {
	return u.showTOTP(c, http.StatusOK, totpView{Form: newForm(nil)})
}

func (u *UI) showTOTP(c echo.Context, status int, v totpView) error {
	a := stateOf(c).actor
	st, err := u.d.Auth.SecondFactorState(c.Request().Context(), a.Username)
	if err != nil {
		return u.internal(c, err)
	}
	v.State, v.Required = st, u.d.Auth.TOTPRequired(a.Role)
	p := u.newPage(c, "totp.title")
	p.Data = v
	return u.render(c, status, "totp", p)
}

// totpSubmit answers POST /account/totp: action=enroll shows a new
// secret (as text and as a QR code), confirm turns it on with a first
// code and shows the recovery codes once, disable removes it with a code.
func (u *UI) totpSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	f := newForm(c.Request().PostForm)
	p := u.newPage(c, "totp.title")
	switch f.V("action") {
	case "enroll":
		en, err := u.d.Auth.EnrollTOTP(ctx, a)
		if err != nil {
			if apperr.KindOf(err) == apperr.Conflict {
				f.Error = err.Error()
				return u.showTOTP(c, http.StatusConflict, totpView{Form: f})
			}
			return u.internal(c, err)
		}
		return u.showTOTP(c, http.StatusOK, totpView{Form: newForm(nil), Secret: en.Secret, URI: en.URI, QR: qrSVG(en.URI)})
	case "confirm":
		codes, err := u.d.Auth.ConfirmTOTP(ctx, a, strings.TrimSpace(f.V("code")))
		if err != nil {
			return u.totpError(c, p, f, err)
		}
		return u.showTOTP(c, http.StatusOK, totpView{Form: newForm(nil), Recovery: codes})
	case "disable":
		if err := u.d.Auth.DisableTOTP(ctx, a, strings.TrimSpace(f.V("code")), c.RealIP()); err != nil {
			return u.totpError(c, p, f, err)
		}
		return c.Redirect(http.StatusSeeOther, withNotice("/account/totp", "totp_disabled"))
	}
	return u.fail(c, http.StatusBadRequest, "error.bad_form")
}

func (u *UI) totpError(c echo.Context, p *page, f *formState, err error) error {
	switch apperr.KindOf(err) {
	case apperr.Invalid:
		if !p.setError(f, err, "code") {
			return u.internal(c, err)
		}
	case apperr.Conflict, apperr.Forbidden:
		f.Error = err.Error()
	case apperr.TooManyRequests:
		f.Error = p.T("err.throttled")
	default:
		return u.internal(c, err)
	}
	f.Values.Del("code")
	return u.showTOTP(c, apperr.Status(err), totpView{Form: f})
}

// qrSVG draws the otpauth URI as an inline SVG QR code (an inline
// element, so the CSP's default-src 'self' does not block it); "" when
// the URI does not fit a QR code. Only numbers are written into it.
func qrSVG(uri string) template.HTML {
	code, err := qr.Encode(uri, qr.M, qr.Auto)
	if err != nil {
		return ""
	}
	b := code.Bounds()
	const quiet = 4
	w, h := b.Dx()+2*quiet, b.Dy()+2*quiet
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="qr-title" shape-rendering="crispEdges"><title id="qr-title">QR</title><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`,
		w, h, w*4, h*4, w, h)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r < 0x8000 {
				fmt.Fprintf(&sb, "M%d %dh1v1h-1z", x-b.Min.X+quiet, y-b.Min.Y+quiet)
			}
		}
	}
	sb.WriteString(`"/></svg>`)
	return template.HTML(sb.String()) // #nosec G203: built above from integers only
}
