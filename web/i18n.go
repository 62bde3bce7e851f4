package web

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	cases "github.com/casemgr/casemgr/internal/case"
)

// languages are the UI languages, the first being the fallback.
var languages = []string{"en", "fr", "nl"}

// catalog maps a message key to its text in one language.
type catalog map[string]string

// translations holds the catalogues of every UI language, the
// Accept-Language matcher and the translated country lists.
type translations struct {
	cats      map[string]catalog
	matcher   language.Matcher
	countries map[string][]option
	// rules holds the flags' texts and titles by language (flagtext.go).
	rules map[string]catalog
}

// option is one choice of a <select>.
type option struct {
	Value, Label string
	Selected     bool
}

// loadTranslations reads the embedded catalogues (i18n/<lang>.json).
func loadTranslations() (*translations, error) {
	t := &translations{cats: map[string]catalog{}, countries: map[string][]option{}}
	tags := make([]language.Tag, len(languages))
	for i, l := range languages {
		b, err := assets.ReadFile("i18n/" + l + ".json")
		if err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", l, err)
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("web: catalogue %s: %w", l, err)
		}
		t.cats[l] = c
		tags[i] = language.MustParse(l)
		t.countries[l] = countryOptions(tags[i], c["nationality.unknown"])
	}
	t.matcher = language.NewMatcher(tags)
	rules, err := loadRuleTexts()
	if err != nil {
		return nil, err
	}
	t.rules = rules
	return t, nil
}

func (t *translations) has(lang string) bool {
	_, ok := t.cats[lang]
	return ok
}

// pick chooses the language: the remembered choice if valid, else the best
// match for the Accept-Language header, else English.
func (t *translations) pick(chosen, acceptLanguage string) string {
	if t.has(chosen) {
		return chosen
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return languages[0]
	}
	_, i, conf := t.matcher.Match(prefs...)
	if conf == language.No {
		return languages[0]
	}
	return languages[i]
}

// lookup returns the message key in lang, falling back to English, and
// reports whether either catalogue has the key.
func (t *translations) lookup(lang, key string) (string, bool) {
	if s, ok := t.cats[lang][key]; ok {
		return s, true
	}
	s, ok := t.cats[languages[0]][key]
	return s, ok
}

// text returns the message key in lang, falling back to English, and
// marks a key missing everywhere so that tests catch it.
func (t *translations) text(lang, key string) string {
	if s, ok := t.lookup(lang, key); ok {
		return s
	}
	return "⟦" + key + "⟧"
}

// countryOptions lists XX (unknown) and every ISO 3166-1 code that casemgr
// accepts, with the country's name in the language, sorted by that name.
func countryOptions(tag language.Tag, unknown string) []option {
	names := display.Regions(tag)
	var out []option
	for _, code := range isoCodes() {
		name := code
		if r, err := language.ParseRegion(code); err == nil {
			if n := names.Name(r); n != "" {
				name = n
			}
		}
		out = append(out, option{Value: code, Label: name + " (" + code + ")"})
	}
	col := collate.New(tag)
	sort.SliceStable(out, func(i, j int) bool { return col.CompareString(out[i].Label, out[j].Label) < 0 })
	return append([]option{{Value: "XX", Label: unknown + " (XX)"}}, out...)
}

// isoCodes returns every two-letter code ValidNationality accepts, but XX.
func isoCodes() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			code := string([]rune{a, b})
			if code != "XX" && cases.ValidNationality(code) {
				out = append(out, code)
			}
		}
	}
	return out
}

// plural picks key+".one" or key+".other" for n (the three languages need
// no more forms here) and formats n into it.
func (t *translations) plural(lang, key string, n int) string {
	form := ".other"
	if n == 1 || (lang == "fr" && n == 0) {
		form = ".one"
	}
	return strings.ReplaceAll(t.text(lang, key+form), "{n}", fmt.Sprint(n))
}
