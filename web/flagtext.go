package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// The flags in the user's language (docs/rules.md "Texts"). A flag's
// detail and next step are eligibility.Texts: a key and typed values.
// English templates come from the rule set itself; French and Dutch ones
// from i18n/rules.<lang>.json, which also holds the rule titles
// (eligibility.TitleKeys). The values are rendered as the rest of the UI
// renders them: dates dd/mm/yyyy, codes by their labels, counts with
// their plural.

// loadRuleTexts reads i18n/rules.<lang>.json for the languages that have
// one (English needs none: its templates are the rule set's).
func loadRuleTexts() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, l := range languages {
		b, err := assets.ReadFile("i18n/rules." + l + ".json")
		if err != nil {
			if l == languages[0] && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("web: rule texts %s: %w", l, err)
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("web: rule texts %s: %w", l, err)
		}
		out[l] = c
	}
	return out, nil
}

// flagFormatter renders eligibility.Texts for one page.
type flagFormatter struct{ p *page }

// Template returns the sentence of key in the page's language; English,
// and a key a translation would lack, take the rule set's sentence (the
// catalogue tests require every key in every language).
func (f flagFormatter) Template(key string) (string, bool) {
	if s, ok := f.p.tr.rules[f.p.Lang][key]; ok {
		return s, true
	}
	return eligibility.EnglishTemplate(key)
}

// Arg renders one value of a Text.
func (f flagFormatter) Arg(v any) string {
	p := f.p
	switch v := v.(type) {
	case eligibility.Date:
		return p.Date(v)
	case eligibility.On:
		if eligibility.Date(v).IsZero() {
			return ""
		}
		return p.T("fmt.on", p.Date(eligibility.Date(v)))
	case eligibility.Days:
		return p.tr.plural(p.Lang, "fmt.days", int(v))
	case eligibility.Years:
		return p.tr.plural(p.Lang, "fmt.years", int(v))
	case eligibility.Months:
		if v <= 0 {
			return p.T("fmt.months.none")
		}
		return p.tr.plural(p.Lang, "fmt.months", int(v))
	case eligibility.Left:
		switch {
		case v == 0:
			return p.T("days.today")
		case v > 0:
			return p.tr.plural(p.Lang, "fmt.left", int(v))
		default:
			return p.tr.plural(p.Lang, "fmt.ago", int(-v))
		}
	case eligibility.Code:
		return p.codeLabel(string(v))
	case eligibility.Codes:
		parts := make([]string, len(v))
		for i, c := range v {
			parts[i] = p.codeLabel(c)
		}
		return strings.Join(parts, ", ")
	case int:
		return strconv.Itoa(v)
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// codeLabels are the label prefixes a Code may belong to: the states,
// the proceedings and the exploitation types have no value in common.
var codeLabels = []string{"state", "proceedings", "exploitation"}

// codeLabel shows a code of the model by its label in the user's
// language, or as it is when no label names it.
func (p *page) codeLabel(code string) string {
	for _, prefix := range codeLabels {
		if s, ok := p.tr.lookup(p.Lang, prefix+"."+code); ok {
			return s
		}
	}
	return code
}

// FlagTitle is a flag's title in the user's language.
func (p *page) FlagTitle(f eligibility.Flag) string {
	if k := eligibility.TitleKey(f); k != "" {
		if s, ok := p.tr.rules[p.Lang][k]; ok {
			return s
		}
	}
	return f.Title
}

// FlagDetail is why a flag fired, in the user's language.
func (p *page) FlagDetail(f eligibility.Flag) string {
	if f.Text.Key == "" {
		return f.Detail
	}
	return f.Text.Render(flagFormatter{p})
}

// FlagNext is a flag's next step, in the user's language.
func (p *page) FlagNext(f eligibility.Flag) string {
	if f.NextStepText.Key == "" {
		return f.NextStep
	}
	return f.NextStepText.Render(flagFormatter{p})
}
