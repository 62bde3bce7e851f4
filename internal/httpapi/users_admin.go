package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/auth"
)

// issuePasswordReset answers POST /api/v1/users/{username}/password-reset:
// a one-time code, shown once, that the user redeems by choosing a new
// password (docs/security.md "Administrators").
func (s *Server) issuePasswordReset(c echo.Context) error {
	a, _ := actorOf(c)
	code, err := s.Auth.IssuePasswordReset(c.Request().Context(), a, c.Param("username"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, code)
}

// redeemPasswordReset answers POST /api/v1/auth/password-reset (no token:
// the user may have none). Attempts are throttled like logins.
func (s *Server) redeemPasswordReset(c echo.Context) error {
	o, f, err := s.body(c, "username", "code", "password")
	if err != nil {
		return err
	}
	username, code, password := o.str("username"), o.str("code"), o.str("password")
	if code == "" {
		f.Add("code", "required")
	}
	if password == "" {
		f.Add("password", "required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := s.Auth.RedeemPasswordReset(c.Request().Context(), username, code, password, c.RealIP()); err != nil {
		return withRetryAfter(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// listUserChanges answers GET /api/v1/user-changes: the changes waiting
// for a second administrator.
func (s *Server) listUserChanges(c echo.Context) error {
	a, _ := actorOf(c)
	cs, err := s.Auth.PendingChanges(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": cs})
}

// approvalView is a user as approved, with the reset code of a user the
// approval created.
type approvalView struct {
	userView
	ResetCode *auth.PasswordResetCode `json:"reset_code,omitempty"`
}

// approveUserChange answers POST /api/v1/user-changes/{id}/approve: the
// user as changed or, for a creation, as created with his one-time reset
// code (shown once).
func (s *Server) approveUserChange(c echo.Context) error {
	a, _ := actorOf(c)
	ap, err := s.Auth.ApproveUserChange(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, approvalView{userView: viewUser(ap.User), ResetCode: ap.ResetCode})
}
