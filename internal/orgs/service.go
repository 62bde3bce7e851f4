package orgs

import (
	"time"
	"unicode/utf8"

	"github.com/casemgr/casemgr/internal/apperr"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/store"
)

// Service serves the work between organisations.
type Service struct {
	db    *store.DB
	cases *cases.Service
	now   func() time.Time
}

// NewService returns a Service; now is the injected clock.
func NewService(db *store.DB, cs *cases.Service, now func() time.Time) *Service {
	return &Service{db: db, cases: cs, now: now}
}

func (s *Service) today() eligibility.Date { return s.cases.Today() }

// date reads a required (or optional) date field that may not be in the
// future.
func date(f *apperr.Fields, field, v string, required bool, today eligibility.Date) eligibility.Date {
	if v == "" {
		if required {
			f.AddCode(field, apperr.CodeRequired, "required: a date as YYYY-MM-DD")
		}
		return eligibility.Date{}
	}
	d, err := eligibility.ParseDate(v)
	if err != nil {
		f.AddCode(field, apperr.CodeDate, "want a date as YYYY-MM-DD: %v", err)
		return eligibility.Date{}
	}
	if !today.IsZero() && d.After(today) {
		f.AddCode(field, apperr.CodeFuture, "%s is in the future (today is %s in Brussels)", d, today)
	}
	return d
}

// oneOf checks a required code against its accepted values.
func oneOf(f *apperr.Fields, field, v string, allowed []string) {
	if v == "" {
		f.AddCode(field, apperr.CodeRequired, "required: one of %v", allowed)
		return
	}
	for _, a := range allowed {
		if a == v {
			return
		}
	}
	f.AddCode(field, apperr.CodeUnknownValue, "unknown value %q: want one of %v", v, allowed)
}

// text checks a short free text: it stays in its table, never in the
// audit chain.
func text(f *apperr.Fields, field, v string, required bool, max int) {
	switch {
	case v == "" && required:
		f.AddCode(field, apperr.CodeRequired, "required")
	case !utf8.ValidString(v):
		f.Add(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "at most %d characters", max)
	}
}

// optStr is an optional stored value for the API (null when empty).
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
