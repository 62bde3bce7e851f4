package web_test

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// codePrefixes are the catalogue's families of codes shown to users
// (key prefix.code): every code of them must be shown translated.
var codePrefixes = []string{"event.", "state.", "proceedings.", "role.", "service.type.", "document.kind.", "scope.",
	"note.kind.", "task.status.", "referral_status.", "consent_status.", "method.", "given_by.", "transfer.reason.",
	"transfer_status.", "work.kind.", "deadline.", "severity.", "at_risk.", "basis.", "flagkind.", "opt.", "organisation.kind.",
	"exploitation.", "identified_by.", "gender."}

// rawCodes lists the codes users must never read as such: those of the
// event table and the state lists, and those the English catalogue
// translates under codePrefixes. Only codes that cannot be a word of
// French or Dutch text are kept: those with an underscore, and the
// English words of the domain lists.
func rawCodes(t *testing.T) map[string]bool {
	t.Helper()
	codes := map[string]bool{}
	add := func(c string) {
		if strings.Contains(c, "_") || len(c) > 5 {
			codes[c] = true
		}
	}
	for _, ev := range cases.EventTypes() {
		add(string(ev))
	}
	for _, s := range eligibility.States() {
		add(string(s))
	}
	for _, p := range eligibility.AllProceedings() {
		add(string(p))
	}
	b, err := os.ReadFile("i18n/en.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]string
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	for k := range cat {
		for _, p := range codePrefixes {
			if strings.HasPrefix(k, p) {
				add(k[strings.LastIndex(k, ".")+1:])
			}
		}
	}
	return codes
}

// visibleText is the text a reader sees: without scripts, styles, code
// elements (codes shown on purpose, such as column names of an export),
// and passages marked as English (lang="en": quotes of the law).
func visibleText(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "code", "head":
				return
			}
			for _, a := range n.Attr {
				if a.Key == "lang" && a.Val == "en" && n.Data != "option" {
					return
				}
			}
		}
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
			sb.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return sb.String()
}

var wordPattern = regexp.MustCompile(`[a-z][a-z0-9_]*[a-z0-9]`)

// TestNoRawCodes renders every page of the tour in French and Dutch and
// fails if a code (an event, a state, a proceedings state, a role, a
// service, a document kind, a consent purpose…) appears as visible text
// outside a code element: users must read it in their language.
func TestNoRawCodes(t *testing.T) {
	e := newEnv(t)
	pages := tour(t, e)
	codes := rawCodes(t)
	for _, lang := range []string{"fr", "nl"} {
		words := catalogueWords(t, lang)
		for _, p := range pages {
			t.Run(lang+"/"+p.Name, func(t *testing.T) {
				b := e.browser(t)
				b.header.Set("Accept-Language", lang)
				if p.User != "" {
					b.login(p.User)
				}
				r := b.get(p.Path)
				if r.Code != 200 {
					t.Fatalf("got %d", r.Code)
				}
				found := map[string]bool{}
				text := visibleText(t, r.Body)
				for _, w := range wordPattern.FindAllString(text, -1) {
					if codes[w] && !words[w] {
						found[w] = true
					}
				}
				if len(found) > 0 {
					var list []string
					for w := range found {
						list = append(list, w+" ("+strings.Join(strings.Fields(snippet(text, w)), " ")+")")
					}
					sort.Strings(list)
					t.Errorf("raw codes shown:\n%s", strings.Join(list, "\n"))
				}
			})
		}
	}
}

// catalogueWords are the words of a language's catalogue: a code that is
// also a word of the language ("police", "services" in French) proves
// nothing when it is read.
func catalogueWords(t *testing.T, lang string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("i18n/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]string
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, v := range cat {
		for _, w := range wordPattern.FindAllString(strings.ToLower(v), -1) {
			if !strings.Contains(w, "_") {
				words[w] = true
			}
		}
	}
	return words
}
