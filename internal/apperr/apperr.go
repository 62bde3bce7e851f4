// Package apperr defines the few kinds of application error that casemgr's
// services return, each with a message that is safe to show to a user.
//
// Services never import the HTTP layer: they return an *Error of one of these
// kinds, and Kind.HTTPStatus maps each kind to a status code in one place,
// for the API and the web UI alike.
// Errors of any other type are internal: they are logged once, with the
// request id, and shown as "internal error".
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an application error.
type Kind int

// The kinds of application error, in the order the API checks them.
const (
	// Internal is an unexpected failure; its details are never shown.
	Internal Kind = iota
	// Unauthorized means no valid credentials were presented.
	Unauthorized
	// Forbidden means the caller's role may not do this.
	Forbidden
	// NotFound means the thing does not exist or is not visible to the caller.
	NotFound
	// TooLarge means the request body is over the limit.
	TooLarge
	// Malformed means the request body is not well-formed JSON.
	Malformed
	// Invalid means well-formed input with invalid values; see FieldErrors.
	Invalid
	// Conflict means the change collides with the stored state (stale version, duplicate).
	Conflict
	// InvalidTransition means the state machine refused the event; see Allowed.
	InvalidTransition
	// TooManyRequests means the caller is throttled.
	TooManyRequests
)

// String returns a short lower-case name of the kind, used in logs.
func (k Kind) String() string {
	switch k {
	case Unauthorized:
		return "unauthorized"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not_found"
	case TooLarge:
		return "too_large"
	case Malformed:
		return "malformed"
	case Invalid:
		return "invalid"
	case Conflict:
		return "conflict"
	case InvalidTransition:
		return "invalid_transition"
	case TooManyRequests:
		return "too_many_requests"
	default:
		return "internal"
	}
}

// FieldError says what is wrong with one input field and how to fix it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	// Code names the kind of problem (one of the Code constants) for a
	// user interface that shows it in the user's language instead of
	// Message; "" when Message is to be shown as it is. The API's
	// answers carry Message only.
	Code string `json:"-"`
}

// The codes of common field problems. They are stable: the web UI's
// catalogues translate them (key "err." + code).
const (
	CodeRequired      = "required"       // the field is missing or blank
	CodeDate          = "date"           // not a date YYYY-MM-DD
	CodeFuture        = "future"         // a date after today
	CodeBeforeLatest  = "before_latest"  // an event date before the case's latest event
	CodeChooseOne     = "choose_one"     // a list that needs one or more values is empty
	CodeUnknownValue  = "unknown_value"  // a value outside the accepted ones
	CodeTaken         = "taken"          // a name or id already in use
	CodePasswordShort = "password_short" // a new password under the minimum length
	CodeAmount        = "amount"         // not a positive amount in euros
	// CodeAdultAtIdentification: an unaccompanied minor whose date of
	// birth makes them 18 or older on the identification day.
	CodeAdultAtIdentification = "adult_at_identification"
	// CodeAfterIdentification: a date of birth after the identification day.
	CodeAfterIdentification = "after_identification"
	// CodeConsentMissing: a Conflict because no active consent of the
	// victim allows the sharing; Params["scope"] names the consent scope
	// that is needed.
	CodeConsentMissing = "consent_missing"
	// CodeConsentLapsed: a Conflict because the consent a pending transfer
	// rested on is no longer active when the receiving shelter accepts it;
	// Params["shelter"] names the receiving shelter.
	CodeConsentLapsed = "consent_lapsed"
)

// Error is an application error with a message safe to show to users.
type Error struct {
	Kind    Kind
	Message string
	// Fields lists field-level problems of an Invalid error.
	Fields []FieldError
	// Allowed lists the events accepted now, for an InvalidTransition error.
	Allowed []string
	// BlockingSeqs lists the later events to void first, for a Conflict
	// refusing to void an event they depend on.
	BlockingSeqs []int64
	// Code names the problem of an error without field errors (one of the
	// Code constants) for a user interface that shows it in the user's
	// language, with Params, instead of Message; "" when Message is to be
	// shown as it is. Like FieldError.Code, the API's answers carry
	// Message only.
	Code string
	// Params are the values the translated message names, by name.
	Params map[string]string
	// Err is the underlying cause, for logs only.
	Err error
}

// Error returns the safe message, with the field errors appended.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind with a formatted safe message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a NotFound error.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Conflictf returns a Conflict error.
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// ConflictCode is Conflictf with a Code and its Params.
func ConflictCode(code string, params map[string]string, format string, args ...any) *Error {
	e := Conflictf(format, args...)
	e.Code, e.Params = code, params
	return e
}

// Forbiddenf returns a Forbidden error.
func Forbiddenf(format string, args ...any) *Error { return New(Forbidden, format, args...) }

// Field returns an Invalid error for a single field.
func Field(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Message: "invalid input",
		Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// FieldCode is Field with a Code.
func FieldCode(field, code, format string, args ...any) *Error {
	e := Field(field, format, args...)
	e.Fields[0].Code = code
	return e
}

// Fields collects field errors; its Err method returns nil while it is empty.
type Fields []FieldError

// Add records that field is invalid.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// AddCode records that field is invalid, with the Code of the problem.
func (f *Fields) AddCode(field, code, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...), Code: code})
}

// Err returns an Invalid error with the collected fields, or nil if none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "invalid input", Fields: f}
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
