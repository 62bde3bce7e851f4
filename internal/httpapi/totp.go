package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// requireSecondFactor answers 403 to a user whose role needs a second
// factor and who has not confirmed one (docs/security.md "Second
// factor"): only the routes registered with `enrolling` are open to him.
func requireSecondFactor(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a, _ := actorOf(c); a.MustEnrol {
			return apperr.Forbiddenf(auth.MustEnrolMessage)
		}
		return next(c)
	}
}

// totpState answers GET /api/v1/auth/totp: whether the caller has a
// second factor, and whether his role needs one.
func (s *Server) totpState(c echo.Context) error {
	a, _ := actorOf(c)
	st, err := s.Auth.SecondFactorState(c.Request().Context(), a.Username)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"enrolled": st.Enrolled, "pending": st.Pending,
		"recovery_codes_left": st.RecoveryCodes, "required": s.Auth.TOTPRequired(a.Role)})
}

// totpEnroll answers POST /api/v1/auth/totp/enroll: a new secret, pending
// until confirmed with a code.
func (s *Server) totpEnroll(c echo.Context) error {
	a, _ := actorOf(c)
	en, err := s.Auth.EnrollTOTP(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, en)
}

// totpConfirm answers POST /api/v1/auth/totp/confirm with {code}: the
// second factor is on, and the ten recovery codes are shown once.
func (s *Server) totpConfirm(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "code")
	if err != nil {
		return err
	}
	code := o.str("code")
	if code == "" {
		f.Add("code", "required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	codes, err := s.Auth.ConfirmTOTP(c.Request().Context(), a, code)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"recovery_codes": codes})
}

// totpDisable answers POST /api/v1/auth/totp/disable with {code} (a
// current code or a recovery code); throttled like logins.
func (s *Server) totpDisable(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "code")
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := s.Auth.DisableTOTP(c.Request().Context(), a, o.str("code"), c.RealIP()); err != nil {
		return withRetryAfter(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}
