package web

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestCataloguesComplete checks that every message key exists, not empty,
// in English, French and Dutch, with the same placeholders.
func TestCataloguesComplete(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	placeholders := regexp.MustCompile(`\{[0-9n]\}`)
	all := map[string]bool{}
	for _, l := range languages {
		for k := range tr.cats[l] {
			all[k] = true
		}
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := placeholders.FindAllString(tr.cats["en"][k], -1)
		sort.Strings(want)
		for _, l := range languages {
			s, ok := tr.cats[l][k]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: key %q is missing or empty", l, k)
				continue
			}
			got := placeholders.FindAllString(s, -1)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: key %q has placeholders %v, want %v (as in English)", l, k, got, want)
			}
		}
	}
}

// TestEveryValueHasALabel checks that each value the pages show through a
// label key (states, events, deadlines, flags, enumerations, roles, event
// data) has one in each language.
func TestEveryValueHasALabel(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	add := func(prefix string, values ...string) {
		for _, v := range values {
			keys = append(keys, prefix+"."+v)
		}
	}
	add("state", stateValues()...)
	add("proceedings", proceedingsValues()...)
	for _, e := range cases.EventTypes() {
		add("event", string(e))
		for _, f := range eventFields(string(e)) {
			add("field", f.Name)
			add("opt."+f.Name, f.Values...)
		}
	}
	add("event", "open_case", "update_case")
	add("deadline", eligibility.DeadlineReflectionEnd, eligibility.DeadlineProvisionalPermitExpiry,
		eligibility.DeadlineTemporaryPermitExpiry, eligibility.DeadlineRenewalRequest, eligibility.DeadlineDismissalWindowEnd,
		eligibility.DeadlineGuardianshipNotification, eligibility.DeadlineMajority)
	add("severity", severities...)
	add("flagkind", string(eligibility.KindRisk), string(eligibility.KindExposure), string(eligibility.KindDeadline))
	add("at_risk", eligibility.AtRiskResidence, eligibility.AtRiskServices, eligibility.AtRiskProtection,
		eligibility.AtRiskCompensation, eligibility.AtRiskChildProtection)
	add("basis", string(eligibility.BasisStatute), string(eligibility.BasisPractice), string(eligibility.BasisReport),
		string(eligibility.BasisInferred))
	add("gender", cases.Genders...)
	add("exploitation", cases.ExploitationTypes...)
	add("identified_by", cases.IdentifiedBy...)
	add("role", roleValues()...)
	for _, k := range keys {
		for _, l := range languages {
			if _, ok := tr.cats[l][k]; !ok {
				t.Errorf("%s: no label %q", l, k)
			}
		}
	}
}

// TestCountryNames checks the nationality list: every accepted code, XX
// first, names in the language.
func TestCountryNames(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, code, want string
	}{
		{"en", "BE", "Belgium (BE)"},
		{"fr", "BE", "Belgique (BE)"},
		{"nl", "BE", "België (BE)"},
		{"fr", "NG", "Nigéria (NG)"},
		{"nl", "XX", "Onbekend (XX)"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.code, func(t *testing.T) {
			opts := tr.countries[tt.lang]
			if opts[0].Value != "XX" {
				t.Fatalf("first choice: got %s, want XX", opts[0].Value)
			}
			if len(opts) != len(isoCodes())+1 {
				t.Fatalf("choices: got %d, want %d", len(opts), len(isoCodes())+1)
			}
			for _, o := range opts {
				if o.Value == tt.code {
					if o.Label != tt.want {
						t.Fatalf("label: got %q, want %q", o.Label, tt.want)
					}
					return
				}
			}
			t.Fatalf("no choice %s", tt.code)
		})
	}
}

// TestPlural checks the day counts in each language.
func TestPlural(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"en", 1, "in 1 day"}, {"en", 2, "in 2 days"}, {"en", -1, "1 day overdue"}, {"en", -3, "3 days overdue"}, {"en", 0, "today"},
		{"fr", 1, "dans 1 jour"}, {"fr", 5, "dans 5 jours"}, {"fr", -2, "dépassée de 2 jours"}, {"fr", 0, "aujourd'hui"},
		{"nl", 1, "over 1 dag"}, {"nl", 30, "over 30 dagen"}, {"nl", -1, "1 dag over tijd"}, {"nl", 0, "vandaag"},
	}
	for _, tt := range tests {
		p := &page{Lang: tt.lang, tr: tr}
		if got := p.DaysLeft(tt.n); got != tt.want {
			t.Errorf("%s %d: got %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}

// TestDateFormat checks that dates are shown dd/mm/yyyy, and instants
// in Brussels time.
func TestDateFormat(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	p := &page{Lang: "en", tr: tr}
	tests := []struct {
		in   any
		want string
	}{
		{eligibility.MustParseDate("2025-07-04"), "04/07/2025"},
		{"2026-12-31", "31/12/2026"},
		{eligibility.Date{}, "—"},
		{"", "—"},
		{(*eligibility.Date)(nil), "—"},
	}
	for _, tt := range tests {
		if got := p.Date(tt.in); got != tt.want {
			t.Errorf("Date(%v): got %q, want %q", tt.in, got, tt.want)
		}
	}
	// Brussels time: UTC+2 in summer, UTC+1 in winter; the zone in the title.
	for in, want := range map[string]string{
		"2025-06-15T10:04:05.123456Z": `<time datetime="2025-06-15T10:04:05Z" title="` + p.T("time.zone") + `">15/06/2025 12:04:05</time>`,
		"2025-12-31T23:30:00Z":        `<time datetime="2025-12-31T23:30:00Z" title="` + p.T("time.zone") + `">01/01/2026 00:30:00</time>`,
	} {
		if got := string(p.Stamp(in)); got != want {
			t.Errorf("Stamp(%s): got %q, want %q", in, got, want)
		}
	}
}

// TestNormalizeAmount checks the amounts people type, as the form's
// pattern ([0-9 ]+([.,][0-9]{1,2})?) lets them through: each becomes the
// two-decimal form the service accepts.
func TestNormalizeAmount(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"decimal comma", "1250,50", "1250.50"},
		{"no cents", "1250", "1250.00"},
		{"spaces", "1 250.00", "1250.00"},
		{"one decimal", "12.5", "12.50"},
		{"one decimal after a comma", "1250,5", "1250.50"},
		{"one decimal, spaces", "1 250,5", "1250.50"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalizeAmount(tt.in); got != tt.want {
				t.Errorf("normalizeAmount(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
