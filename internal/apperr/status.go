package apperr

import "net/http"

// kindStatus is the one table from kinds to HTTP status codes: the API's
// problem answers and the web UI's pages both read it, so a refused
// request gets the same status whichever way it came in.
var kindStatus = [...]int{
	Internal:          http.StatusInternalServerError,
	Unauthorized:      http.StatusUnauthorized,
	Forbidden:         http.StatusForbidden,
	NotFound:          http.StatusNotFound,
	TooLarge:          http.StatusRequestEntityTooLarge,
	Malformed:         http.StatusBadRequest,
	Invalid:           http.StatusUnprocessableEntity,
	Conflict:          http.StatusConflict,
	InvalidTransition: http.StatusConflict,
	TooManyRequests:   http.StatusTooManyRequests,
}

// HTTPStatus returns the HTTP status code of the kind; an unknown kind is
// internal (500).
func (k Kind) HTTPStatus() int {
	if k < 0 || int(k) >= len(kindStatus) {
		return http.StatusInternalServerError
	}
	return kindStatus[k]
}

// Status returns the HTTP status code of err: that of its kind (KindOf),
// so 500 for an error that is not an *Error.
func Status(err error) int { return KindOf(err).HTTPStatus() }
