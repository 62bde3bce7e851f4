package casework

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/casemgr/casemgr/internal/apperr"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// Date is a civil date.
type Date = eligibility.Date

// Service is the casework store.
type Service struct {
	cases     *cases.Service
	now       func() time.Time
	followUps FollowUps // referral follow-ups of the work list; nil for none
}

// NewService returns a Service over the case service; now is the injected
// clock.
func NewService(c *cases.Service, now func() time.Time) *Service {
	return &Service{cases: c, now: now}
}

func (s *Service) today() Date { return eligibility.Today(s.now()) }

// maxText is the longest free text (a note, a task title, an outcome).
const maxText = 10000

// checkText validates a free text: required unless optional, UTF-8
// without NUL, at most max characters.
func checkText(f *apperr.Fields, field, v string, max int, optional bool) {
	switch {
	case strings.TrimSpace(v) == "" && !optional:
		f.AddCode(field, apperr.CodeRequired, "required")
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		f.Add(field, "want UTF-8 text without NUL characters")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "at most %d characters", max)
	}
}

// checkDate parses a date field; "" is allowed when optional (zero Date).
func checkDate(f *apperr.Fields, field, v string, optional bool) Date {
	if v == "" {
		if !optional {
			f.AddCode(field, apperr.CodeRequired, "required: a date as YYYY-MM-DD")
		}
		return Date{}
	}
	d, err := eligibility.ParseDate(v)
	if err != nil {
		f.AddCode(field, apperr.CodeDate, "want a date as YYYY-MM-DD: %v", err)
		return Date{}
	}
	return d
}

func oneOf(f *apperr.Fields, field, v string, allowed []string) {
	if v == "" {
		f.AddCode(field, apperr.CodeRequired, "required: one of %s", strings.Join(allowed, ", "))
		return
	}
	for _, a := range allowed {
		if a == v {
			return
		}
	}
	f.AddCode(field, apperr.CodeUnknownValue, "unknown value %q: want one of %s", v, strings.Join(allowed, ", "))
}

// datePtr returns nil for the zero date (JSON null).
func datePtr(d Date) *Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

func parseStored(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	d, err := eligibility.ParseDate(s)
	if err != nil {
		return Date{}, fmt.Errorf("casework: stored date %q: %w", s, err)
	}
	return d, nil
}

func dateText(d Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// open decrypts a sealed field; an erased case's (zero key or nil
// ciphertext) is "".
func open(cf cases.CaseFile, field string, ct []byte) (string, error) {
	if cf.Erased || len(ct) == 0 {
		return "", nil
	}
	pt, err := cf.Key.Open(cf.ID, field, ct)
	if err != nil {
		return "", fmt.Errorf("casework: decrypt %s: %w", field, err)
	}
	return string(pt), nil
}

func seal(cf cases.CaseFile, field, text string) ([]byte, error) {
	if text == "" {
		return nil, nil
	}
	ct, err := cf.Key.Seal(cf.ID, field, []byte(text))
	if err != nil {
		return nil, fmt.Errorf("casework: encrypt %s: %w", field, err)
	}
	return ct, nil
}

var errErased = apperr.Conflictf("the identity data of this case was erased: free text and files can no longer be stored")
