package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAnonymizedEmpty: three people identified in 2025 and the default
// k=11: the anonymized export would keep no row, so the auditor gets a
// page, in their language, that says how many people were dropped, why
// (k-anonymity needs k people with the same quasi-identifiers) and what
// to try, with a form for a lower k; no export is recorded. The lower k
// gives the file.
func TestAnonymizedEmpty(t *testing.T) {
	e := reportsEnv(t)
	tests := []struct {
		lang string
		want []string
	}{
		{"en", []string{"All 3 people identified in 2025 were left out", "k-anonymity with k=11 keeps a person’s row only when at least 11 people",
			"A lower k, if your data-protection policy allows it", "A longer period"}},
		{"fr", []string{"Les 3 personnes identifiées en 2025 ont toutes été écartées", "Le k-anonymat avec k=11", "au moins 11 personnes",
			"Un k plus petit", "Une période plus longue"}},
		{"nl", []string{"Alle 3 personen die in 2025 werden geïdentificeerd", "k-anonimiteit met k=11", "minstens 11 personen",
			"Een kleinere k", "Een langere periode"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			b := e.loggedIn(t, "aud")
			b.get("/reports/annual?lang=" + tt.lang) // sets the language
			before := e.countRows(t, "audit_log")
			r := b.get("/reports/anonymized.csv?year=2025")
			if r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") || r.Header.Get("Content-Disposition") != "" {
				t.Fatalf("got %d %q %q, want 200 and a page, not a file", r.Code, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
			}
			for _, w := range append(tt.want, `id="anon-k-form"`, `name="k"`, `value="10"`, `<code>gender</code>`) {
				if !strings.Contains(r.Body, w) {
					t.Errorf("page does not say %q", w)
				}
			}
			if n := e.countRows(t, "audit_log"); n != before {
				t.Errorf("audit records: got %d, want %d (nothing exported)", n, before)
			}
		})
	}
	b := e.loggedIn(t, "aud")
	if r := b.get("/reports/anonymized.csv?year=2025&k=3"); r.Code != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("k=3: got %d %q, want the CSV file", r.Code, r.Header.Get("Content-Type"))
	}
	if r := b.get("/reports/anonymized.csv?year=2025&k=1"); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "k must be a whole number from 2 to 1000.") {
		t.Fatalf("k=1: got %d, want 422 and the rule of k", r.Code)
	}
}
