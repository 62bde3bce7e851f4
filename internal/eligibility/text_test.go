package eligibility

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestEveryFlagTextRenders checks, over every case of the rule table, that
// each flag's detail and next step come from a key of the English
// catalogue with every placeholder filled: a missing key would render as
// an empty sentence, a missing argument as a stray "{n}".
func TestEveryFlagTextRenders(t *testing.T) {
	for _, tt := range ruleCases() {
		s := quietSnapshot()
		if tt.mod != nil {
			tt.mod(&s)
		}
		asOf := defaultAsOf
		if tt.asOf != "" {
			asOf = tt.asOf
		}
		set := DefaultSettings()
		for _, fl := range Evaluate(s, d(asOf), set) {
			for what, txt := range map[string]Text{"detail": fl.Text, "next_step": fl.NextStepText} {
				if _, ok := english[txt.Key]; !ok {
					t.Errorf("%s: %s %s: key %q is not in the English catalogue", tt.name, fl.Rule, what, txt.Key)
				}
			}
			for what, got := range map[string]string{"detail": fl.Detail, "next_step": fl.NextStep, "title": fl.Title} {
				if got == "" || strings.ContainsAny(got, "{}") {
					t.Errorf("%s: %s %s = %q, want a complete sentence", tt.name, fl.Rule, what, got)
				}
			}
		}
	}
}

// TestEnglishNextStepsNameEventsInWords checks that the English next
// steps, which the API answers to caseworkers, name the events to record
// as the web UI labels them (as the French and Dutch catalogues do), never
// by their codes ("record inform_of_rights").
func TestEnglishNextStepsNameEventsInWords(t *testing.T) {
	code := regexp.MustCompile(`\b[a-z]+(_[a-z]+)+\b`)
	var keys []string
	for k := range english {
		if strings.HasSuffix(k, ".next") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) < 27 {
		t.Fatalf("got %d next-step keys, want one per rule (27)", len(keys))
	}
	for _, k := range keys {
		if c := code.FindString(english[k]); c != "" {
			t.Errorf("%s names the code %q: %q", k, c, english[k])
		}
	}
}

// frenchish is a test formatter: it knows one key and renders dates the
// Belgian way, to check that a Text renders in another language with the
// same arguments.
type frenchish struct{}

func (frenchish) Template(key string) (string, bool) {
	if key == "R13.future" {
		return "Identifié le {1}, tuteur à prévenir le {2} ({3}).", true
	}
	return "", false
}

func (frenchish) Arg(v any) string {
	switch v := v.(type) {
	case Date:
		return fmt.Sprintf("%02d/%02d/%04d", v.Day, int(v.Month), v.Year)
	case Left:
		return fmt.Sprintf("J%d", int(v))
	}
	return English.Arg(v)
}

func TestTextRender(t *testing.T) {
	txt := T("R13.future", d("2025-05-31"), d("2025-06-01"), Left(0))
	if got, want := txt.String(), "The unaccompanied minor was identified on 2025-05-31 and the Guardianship Service has not been notified: notification is due on 2025-06-01 (today)."; got != want {
		t.Errorf("English: got %q, want %q", got, want)
	}
	if got, want := txt.Render(frenchish{}), "Identifié le 31/05/2025, tuteur à prévenir le 01/06/2025 (J0)."; got != want {
		t.Errorf("other language: got %q, want %q", got, want)
	}
	// A key the language lacks falls back to English, arguments included.
	if got := T("R21", On(d("2025-05-28"))).Render(frenchish{}); got != "The minor was reported missing on 2025-05-28 and has not been found." {
		t.Errorf("fallback: got %q", got)
	}
	// A nested text renders in the same language.
	if got := T("R12", T("R12.turns_18", d("2027-01-01")), Code("reflection"), T("R12.no_proceedings")).String(); !strings.Contains(got, "(turns 18 on 2027-01-01) in reflection") {
		t.Errorf("nested: got %q", got)
	}
}
