package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestCaseSummary checks the printable case summary: the header, the
// confidentiality mark in the user's language, state, deadlines, flags,
// history, no navigation or form; and that only the case's shelter sees it.
func TestCaseSummary(t *testing.T) {
	e := newEnv(t)
	cs := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], cs.ID, eventInput("start_reflection", "2025-06-02")); err != nil {
		t.Fatal(err)
	}
	path := "/cases/" + cs.ID + "/summary"
	tests := []struct {
		user, lang string
		want       []string
	}{
		{"ana", "en", []string{"Confidential — case file", cs.Reference, "Payoke", "on 15/06/2025 12:00 CEST by ana",
			`id="sum-state">reflection period<`, "Start the reflection period", "Case opened", `id="sum-deadlines"`, `id="sum-flags"`}},
		{"sam", "fr", []string{"Confidentiel — dossier", "Résumé du dossier", "le 15/06/2025 12:00 CEST par sam", `id="sum-state">période de réflexion<`}},
		{"ana", "nl", []string{"Vertrouwelijk — dossier", "Samenvatting van het dossier", "op 15/06/2025 12:00 CEST door ana"}},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.lang, func(t *testing.T) {
			b := e.browser(t)
			b.header.Set("Accept-Language", tt.lang)
			b.login(tt.user)
			r := b.get(path)
			if r.Code != http.StatusOK {
				t.Fatalf("got %d, want 200", r.Code)
			}
			for _, s := range tt.want {
				if !strings.Contains(r.Body, s) {
					t.Errorf("summary lacks %q", s)
				}
			}
			for _, s := range []string{"<nav", "<form", "<button", "<select", "<input"} {
				if strings.Contains(r.Body, s) {
					t.Errorf("summary holds %q: it should have no navigation or form", s)
				}
			}
		})
	}
	for _, user := range []string{"bob"} {
		b := e.loggedIn(t, user)
		if r := b.get(path); r.Code != http.StatusNotFound || !strings.Contains(r.Body, "does not exist") || strings.Contains(r.Body, cs.Reference) {
			t.Errorf("%s (another shelter): got %d, want the 404 page without the case", user, r.Code)
		}
	}
	for _, user := range []string{"aud", "adm"} {
		if r := e.loggedIn(t, user).get(path); r.Code != http.StatusForbidden {
			t.Errorf("%s: got %d, want 403", user, r.Code)
		}
	}
	if r := e.browser(t).get(path); r.Code != http.StatusSeeOther {
		t.Errorf("anonymous: got %d, want 303 to the login page", r.Code)
	}
}

// TestPrintStylesheet checks that app.css ends with a print section that
// hides the navigation and the forms and prints black on white.
func TestPrintStylesheet(t *testing.T) {
	r := newEnv(t).browser(t).get("/static/app.css")
	i := strings.LastIndex(r.Body, "@media print")
	if i < 0 {
		t.Fatal("app.css has no print section")
	}
	print := r.Body[i:]
	for _, s := range []string{"header.top", "nav", "form", "button", "color: #000", "background: #fff", "break-inside: avoid"} {
		if !strings.Contains(print, s) {
			t.Errorf("print section lacks %q", s)
		}
	}
}
