package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCaseListSearch checks the search form of the case list: a part of a
// name, an alias or a reference finds the case, and another shelter's
// case never shows, whatever is typed.
func TestCaseListSearch(t *testing.T) {
	e := newEnv(t)
	grace := e.newCase(t, "sam", "Grace", "Okafor", "NG")
	zoe := e.newCase(t, "sam", "Zoé", "Dubois", "CM")
	other := e.newCase(t, "bob", "Grace", "Okoro", "NG")
	b := e.loggedIn(t, "sam")
	for _, tt := range []struct {
		q       string
		in, out []string
	}{
		{"oka", []string{grace.Reference, "Grace Okafor"}, []string{zoe.Reference}},
		{"ZOE DU", []string{zoe.Reference}, []string{grace.Reference}},
		{zoe.Reference[len(zoe.Reference)-3:], []string{zoe.Reference}, []string{grace.Reference}},
		{"okoro", []string{"No case matches."}, []string{other.Reference, "Okoro"}},
		{"grace", []string{grace.Reference, "1–1 of 1"}, []string{other.Reference, "Okoro"}},
	} {
		t.Run(tt.q, func(t *testing.T) {
			b.get("/cases")
			r := b.post("/cases", url.Values{"q": {tt.q}, "assignee": {"all"}})
			if r.Code != http.StatusOK {
				t.Fatalf("got %d, want 200", r.Code)
			}
			for _, s := range tt.in {
				if !strings.Contains(r.Body, s) {
					t.Fatalf("the list does not show %q", s)
				}
			}
			for _, s := range tt.out {
				if strings.Contains(r.Body, s) {
					t.Fatalf("the list shows %q", s)
				}
			}
		})
	}
}

// TestCaseListFilterSortPage checks the GET form's filters, the sortable
// headers and the page links, which keep the filters.
func TestCaseListFilterSortPage(t *testing.T) {
	e := newEnv(t)
	first := e.newCase(t, "sam", "Amara", "Obi", "NG")
	var last string
	for i := 0; i < 51; i++ {
		last = e.newCase(t, "sam", "Victim", "Number", "CM").Reference
	}
	if _, err := e.Cases.RecordEvent(t.Context(), e.actors["sam"], first.ID, eventInput("start_reflection", "2025-06-02")); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn(t, "sam")
	order := func(body string, refs ...string) bool {
		at := -1
		for _, r := range refs {
			i := strings.Index(body, ">"+r+"<")
			if i < at || i < 0 {
				return false
			}
			at = i
		}
		return true
	}

	r := b.get("/cases?state=reflection")
	if !strings.Contains(r.Body, first.Reference) || strings.Contains(r.Body, last) || !strings.Contains(r.Body, "1–1 of 1") {
		t.Fatalf("state filter: want only %s", first.Reference)
	}
	r = b.get("/cases?state=identified&rule=R99")
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown rule: got %d, want 422", r.Code)
	}

	r = b.get("/cases")
	if !order(r.Body, last) || strings.Contains(r.Body, ">"+first.Reference+"<") {
		t.Fatalf("default: want the newest reference first and the oldest on page 2")
	}
	if !strings.Contains(r.Body, `<th scope="col" aria-sort="descending"><a href="/cases?assignee=all&amp;dir=asc&amp;sort=reference">Reference</a>`) {
		t.Fatalf("default: the reference header is not marked as sorted, newest first")
	}
	r = b.get("/cases?sort=reference&dir=asc")
	if !order(r.Body, first.Reference) || strings.Contains(r.Body, ">"+last+"<") {
		t.Fatalf("sort by reference, ascending: want the oldest first")
	}
	if !strings.Contains(r.Body, `aria-sort="ascending"`) {
		t.Fatalf("ascending sort is not marked")
	}
	r = b.get("/cases?sort=state&dir=desc&assignee=all&state=identified")
	next := `href="/cases?assignee=all&amp;dir=desc&amp;page=2&amp;sort=state&amp;state=identified"`
	if !strings.Contains(r.Body, "1–50 of 51") || !strings.Contains(r.Body, next) {
		t.Fatalf("page 1: want 1–50 of 51 and a next link keeping the filters and the sort")
	}
	r = b.get(html.UnescapeString(strings.TrimSuffix(strings.TrimPrefix(next, `href="`), `"`)))
	if !strings.Contains(r.Body, "51–51 of 51") || !strings.Contains(r.Body, `href="/cases?assignee=all&amp;dir=desc&amp;sort=state&amp;state=identified" rel="prev"`) {
		t.Fatalf("page 2: want 51–51 of 51 and a previous link keeping the filters")
	}

	// A search pages with buttons of its POST form: the name stays out
	// of every address.
	b.get("/cases")
	r = b.post("/cases", url.Values{"q": {"number"}, "assignee": {"all"}, "state": {"identified"}})
	if !strings.Contains(r.Body, "1–50 of 51") || !strings.Contains(r.Body, `form="search-form" name="to" value="page:2"`) ||
		strings.Contains(r.Body, "q=number") {
		t.Fatalf("search page 1: want 1–50 of 51, a next button of the search form and no name in a link")
	}
	r = b.post("/cases", url.Values{"q": {"number"}, "assignee": {"all"}, "state": {"identified"}, "to": {"page:2"}})
	if !strings.Contains(r.Body, "51–51 of 51") {
		t.Fatalf("search page 2: want 51–51 of 51")
	}
}

// TestCaseListLanguages checks the new labels in French and Dutch.
func TestCaseListLanguages(t *testing.T) {
	e := newEnv(t)
	e.newCase(t, "sam", "Grace", "Okafor", "NG")
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Last change", "Due within 30 days", "Search", "1–1 of 1"}},
		{"fr", []string{"Dernière modification", "Dans les 30 jours", "Rechercher", "1–1 sur 1", "Alerte (règle)"}},
		{"nl", []string{"Laatste wijziging", "Binnen 30 dagen", "Zoeken", "1–1 van 1", "Signaal (regel)"}},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			b := e.loggedIn(t, "sam")
			b.get("/cases?lang=" + tt.lang)
			r := b.get("/cases")
			for _, s := range tt.want {
				if !strings.Contains(r.Body, s) {
					t.Fatalf("the list does not say %q", s)
				}
			}
		})
	}
}
