package httpapi

import (
	"github.com/labstack/echo/v4"
)

// The two halves that a JSON route wraps around its service call: the
// handler keeps its own role and shelter checks and the call itself in
// view, between decode and reply.

// decode reads the JSON object body, refusing members outside allowed,
// and builds the service's input with build; every field problem (build
// may add its own through o.errs) is answered as one 422 before the
// service runs.
func decode[T any](s *Server, c echo.Context, build func(o object) T, allowed ...string) (T, error) {
	var zero T
	o, f, err := s.body(c, allowed...)
	if err != nil {
		return zero, err
	}
	in := build(o)
	if err := f.Err(); err != nil {
		return zero, err
	}
	return in, nil
}

// reply answers a service's result as JSON with status, or passes its
// error on to the problem handler.
func reply[T any](c echo.Context, status int, out T, err error) error {
	if err != nil {
		return err
	}
	return writeJSON(c, status, out)
}
