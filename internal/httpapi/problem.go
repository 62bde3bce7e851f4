package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"syscall"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Errors []apperr.FieldError `json:"errors"`
	// AllowedEvents is present (possibly empty) exactly on a refused
	// transition.
	AllowedEvents *[]string `json:"allowed_events,omitempty"`
	// BlockingSeqs is present on a refused void: the later events that
	// need the voided one.
	BlockingSeqs []int64 `json:"blocking_seqs,omitempty"`
	// TOTPRequired is true on the 401 of a login whose password was
	// right but that carried no second-factor code.
	TOTPRequired bool   `json:"totp_required,omitempty"`
	RequestID    string `json:"request_id,omitempty"`
}

var kindType = map[apperr.Kind]string{
	apperr.Unauthorized:      "unauthorized",
	apperr.Forbidden:         "forbidden",
	apperr.NotFound:          "not-found",
	apperr.TooLarge:          "body-too-large",
	apperr.Malformed:         "malformed-body",
	apperr.Invalid:           "invalid-input",
	apperr.Conflict:          "conflict",
	apperr.InvalidTransition: "invalid-transition",
	apperr.TooManyRequests:   "too-many-requests",
	apperr.Internal:          "internal-error",
}

// problemFor converts any error into a problem; internal errors keep their
// details out of the answer.
func problemFor(err error) Problem {
	var he *echo.HTTPError
	if errors.As(err, &he) && !isAppErr(err) {
		p := Problem{Type: "about:blank", Status: he.Code, Title: http.StatusText(he.Code), Errors: []apperr.FieldError{}}
		switch he.Code {
		case http.StatusNotFound:
			p.Detail = "no such resource"
		case http.StatusMethodNotAllowed:
			p.Detail = "method not allowed on this resource"
		case http.StatusRequestEntityTooLarge:
			p.Detail = "request body too large"
		case http.StatusServiceUnavailable:
			p.Detail = "the server is busy; try again"
		default:
			if he.Code >= 500 {
				p.Detail = "internal error"
			} else if m, ok := he.Message.(string); ok {
				p.Detail = m
			}
		}
		return p
	}
	kind := apperr.KindOf(err)
	status := kind.HTTPStatus()
	p := Problem{Type: "urn:casemgr:problem:" + kindType[kind], Title: http.StatusText(status), Status: status,
		Errors: []apperr.FieldError{}}
	if e, ok := apperr.As(err); ok && kind != apperr.Internal {
		p.Detail = e.Message
		if e.Fields != nil {
			p.Errors = e.Fields
		}
		if kind == apperr.InvalidTransition {
			allowed := e.Allowed
			if allowed == nil {
				allowed = []string{}
			}
			p.AllowedEvents = &allowed
		}
		p.BlockingSeqs = e.BlockingSeqs
		p.TOTPRequired = errors.Is(err, auth.ErrSecondFactorRequired)
		if kind == apperr.Invalid && len(e.Fields) > 0 {
			p.Detail = e.Error()
		}
	} else {
		p.Detail = "internal error"
	}
	return p
}

func isAppErr(err error) bool {
	_, ok := apperr.As(err)
	return ok
}

// clientGone reports whether err comes from the client going away: the
// request's context was canceled (not timed out: that is the server's
// doing) or the connection broke while the answer was written.
func clientGone(c echo.Context, err error) bool {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	return errors.Is(err, context.Canceled) && errors.Is(c.Request().Context().Err(), context.Canceled)
}

// errorHandler is echo's HTTPErrorHandler: every error becomes
// problem+json; internal errors are logged once, with the request id.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if clientGone(c, err) {
		// Not a server error: nothing to answer, no error logged; the
		// request is logged (at info) and counted with status 499.
		c.Response().Status = statusClientClosedRequest
		return
	}
	p := problemFor(err)
	p.RequestID = requestID(c)
	if p.Status >= 500 {
		s.log.Error("request failed", slog.String("request_id", p.RequestID),
			slog.String("route", c.Path()), slog.String("error", err.Error()))
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	if werr := jsonEncode(c.Response(), p); werr != nil {
		s.log.Warn("write problem", slog.String("request_id", p.RequestID), slog.String("error", werr.Error()))
	}
}
