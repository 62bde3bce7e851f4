package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// adminConfirmView is the second step of an action that cannot be taken back
// by mistake: the same form again, with confirm=1, so that it works
// without JavaScript.
type adminConfirmView struct {
	Question, Detail, Yes string
	// Action is where the form posts; Cancel where "cancel" leads.
	Action, Cancel string
	// Fields are the hidden fields to post again: Value is the name,
	// Label the value.
	Fields []option
}

// askConfirm renders the confirmation page of a POST that lacked confirm=1.
func (u *UI) askConfirm(c echo.Context, titleKey string, v adminConfirmView) error {
	p := u.newPage(c, titleKey)
	p.Data = v
	return u.render(c, http.StatusOK, "admin_confirm", p)
}

// adminConfirmed reports whether a POST is the confirmed second step.
func adminConfirmed(c echo.Context) bool { return c.Request().PostForm.Get("confirm") == "1" }
