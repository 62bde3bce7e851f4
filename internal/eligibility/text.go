package eligibility

import (
	"strconv"
	"strings"
)

// Text is a sentence of a flag in a form any language can render: a key
// into a message catalogue and the values the sentence names (dates, day
// counts, codes). The API renders it in English (English); the web UI
// renders the same key and values from its French or Dutch catalogue, so
// a translated flag says exactly what the English one says
// (docs/rules.md "Texts").
type Text struct {
	Key  string
	Args []any // Date, On, Days, Years, Left, Months, Code, Codes, int or a nested Text
}

// T builds a Text.
func T(key string, args ...any) Text { return Text{Key: key, Args: args} }

// Days is a number of days, rendered "1 day" / "N days".
type Days int

// Years is a number of years, rendered "1 year" / "N years".
type Years int

// Left is the number of days until a deadline, rendered "today",
// "N days left" or, when negative, "N days ago".
type Left int

// Months is a number of whole months, rendered "less than a month",
// "1 month" or "N months".
type Months int

// Code is a value of the model's vocabulary (a state, a proceedings
// state, an exploitation type, a compensation route…): English shows the
// code itself, other languages its translated name.
type Code string

// Codes is a list of codes, rendered comma-separated.
type Codes []string

// On is an optional date, rendered " on YYYY-MM-DD", or nothing when the
// date is unknown.
type On Date

// Formatter renders the parts of a Text in one language.
type Formatter interface {
	// Template returns the sentence for key, with {1}, {2}… standing for
	// the arguments; ok is false when the language has no such key.
	Template(key string) (tmpl string, ok bool)
	// Arg renders one argument.
	Arg(v any) string
}

// Render renders t with f; a key f does not know falls back to English.
func (t Text) Render(f Formatter) string {
	tmpl, ok := f.Template(t.Key)
	if !ok {
		f = English
		tmpl = english[t.Key]
	}
	if len(t.Args) == 0 {
		return tmpl
	}
	var b strings.Builder
	b.Grow(len(tmpl) + 16*len(t.Args))
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 || i+2 >= len(tmpl) {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		n, err := strconv.Atoi(tmpl[i+1 : i+max(j, 1)])
		if j < 0 || err != nil || n < 1 || n > len(t.Args) {
			b.WriteString(tmpl[:i+1])
			tmpl = tmpl[i+1:]
			continue
		}
		b.WriteString(tmpl[:i])
		if nested, ok := t.Args[n-1].(Text); ok {
			b.WriteString(nested.Render(f))
		} else {
			b.WriteString(f.Arg(t.Args[n-1]))
		}
		tmpl = tmpl[i+j+1:]
	}
}

// String renders t in English.
func (t Text) String() string { return t.Render(English) }

// English is the formatter of the API's texts: dates as YYYY-MM-DD, codes
// as they are.
var English Formatter = englishFormatter{}

type englishFormatter struct{}

func (englishFormatter) Template(key string) (string, bool) {
	s, ok := english[key]
	return s, ok
}

func (englishFormatter) Arg(v any) string {
	switch v := v.(type) {
	case Date:
		return v.String()
	case Days:
		return count(int(v), "day", "days")
	case Years:
		return count(int(v), "year", "years")
	case Months:
		if v <= 0 {
			return "less than a month"
		}
		return count(int(v), "month", "months")
	case Left:
		switch {
		case v == 0:
			return "today"
		case v > 0:
			return count(int(v), "day", "days") + " left"
		default:
			return count(int(-v), "day", "days") + " ago"
		}
	case On:
		if Date(v).IsZero() {
			return ""
		}
		return " on " + Date(v).String()
	case Code:
		return string(v)
	case Codes:
		return strings.Join(v, ", ")
	case int:
		return strconv.Itoa(v)
	case string:
		return v
	}
	return ""
}

// count renders "1 day" or "N days".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// TextKeys returns every key of the English catalogue, for the tests that
// check other languages cover them.
func TextKeys() []string {
	out := make([]string, 0, len(english))
	for k := range english {
		out = append(out, k)
	}
	return out
}

// EnglishTemplate returns the English sentence of key, for translators and
// tests.
func EnglishTemplate(key string) (string, bool) {
	s, ok := english[key]
	return s, ok
}
