package web

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestRuleTextsComplete checks that every sentence of the rule set and
// every rule title has a French and a Dutch translation with the same
// placeholders, and that the translations hold no key the rule set lacks.
func TestRuleTextsComplete(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	english := map[string]string{}
	for _, k := range eligibility.TextKeys() {
		english[k], _ = eligibility.EnglishTemplate(k)
	}
	for k, v := range eligibility.TitleKeys() {
		english[k] = v
	}
	placeholders := regexp.MustCompile(`\{[0-9]+\}`)
	sorted := func(s string) string {
		p := placeholders.FindAllString(s, -1)
		slices.Sort(p)
		return strings.Join(p, ",")
	}
	for _, l := range languages[1:] {
		cat := tr.rules[l]
		for k, en := range english {
			s, ok := cat[k]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("%s: rule text %q is missing or empty (English: %q)", l, k, en)
				continue
			}
			if got, want := sorted(s), sorted(en); got != want {
				t.Errorf("%s: rule text %q has placeholders %s, want %s (as in English)", l, k, got, want)
			}
			if s == en {
				t.Errorf("%s: rule text %q is the English sentence", l, k)
			}
		}
		for k := range cat {
			if _, ok := english[k]; !ok {
				t.Errorf("%s: rule text %q is not a key of the rule set", l, k)
			}
		}
	}
}

// TestFlagFormatter renders texts the way the flags use them, in each
// language: dates as dd/mm/yyyy, codes by their labels, counts with their
// plural, optional dates left out when unknown.
func TestFlagFormatter(t *testing.T) {
	tr, err := loadTranslations()
	if err != nil {
		t.Fatal(err)
	}
	d := eligibility.Date{Year: 2025, Month: 7, Day: 17}
	tests := []struct {
		lang string
		text eligibility.Text
		want string
	}{
		{"fr", eligibility.T("R04.future", d, eligibility.Left(32)),
			"La période de réflexion (annexe 15) se termine le 17/07/2025 (dans 32 jours)."},
		{"nl", eligibility.T("R04.past", d, eligibility.Left(-1)),
			"De reflectieperiode (bijlage 15) eindigde op 17/07/2025 (1 dag geleden): de bijlage 15 is verlopen, de persoon riskeert verwijdering."},
		{"en", eligibility.T("R04.future", d, eligibility.Left(0)),
			"The reflection period (annex 15) ends on 17/07/2025 (today). The victim must decide by then whether to take part in the criminal proceedings."},
		{"fr", eligibility.T("R03", eligibility.On(d), eligibility.Code("provisional_permit")),
			"L'accompagnement par le centre agréé a pris fin le 17/07/2025 alors que le dossier est au stade « attestation provisoire (3 mois) »."},
		{"nl", eligibility.T("R21", eligibility.On{}), "De minderjarige werd als vermist opgegeven en is niet teruggevonden."},
		{"fr", eligibility.T("R16.exposure", eligibility.Codes{"labour", "forced_begging"}),
			"L'exploitation (économique (travail), mendicité forcée) n'a comporté"},
		{"nl", eligibility.T("R07.risk_charged", d, d, eligibility.Months(0)), "(minder dan een maand later)"},
		{"fr", eligibility.T("R07.exposure_charged_undated", eligibility.Years(2)), "dans les 2 ans suivant"},
		{"fr", eligibility.T("R24", d, eligibility.Days(1), d), "il y a 1 jour"},
		{"nl", eligibility.T("R16.risk", eligibility.T("route.fund"), eligibility.On(d)),
			"Er werd schadevergoeding gevorderd bij het Fonds voor hulp aan slachtoffers op 17/07/2025 zonder"},
		{"fr", eligibility.T("R05.future", d, eligibility.Left(2), 1, 2), "Prolongations utilisées : 1 sur 2."},
		{"en", eligibility.T("R11.exposure", eligibility.Code("complaint_filed")), `The proceedings are "complaint filed"`},
	}
	for _, tt := range tests {
		p := &page{Lang: tt.lang, tr: tr}
		got := tt.text.Render(flagFormatter{p})
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s %s: got %q, want it to contain %q", tt.lang, tt.text.Key, got, tt.want)
		}
	}
}
