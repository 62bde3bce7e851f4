package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestLanguage checks how the language is chosen: the remembered cookie,
// else the browser's Accept-Language, else English; and the ?lang= switch.
func TestLanguage(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name           string
		acceptLanguage string
		cookie         string
		wantLang       string
		wantTitle      string
	}{
		{"default", "", "", "en", "<h1>Log in</h1>"},
		{"belgian french", "fr-BE,fr;q=0.9,en;q=0.5", "", "fr", "<h1>Connexion</h1>"},
		{"belgian dutch", "nl-BE", "", "nl", "<h1>Aanmelden</h1>"},
		{"unsupported", "de-DE,de;q=0.9", "", "en", "<h1>Log in</h1>"},
		{"second choice", "de-DE,nl;q=0.8", "", "nl", "<h1>Aanmelden</h1>"},
		{"cookie wins", "fr-BE", "nl", "nl", "<h1>Aanmelden</h1>"},
		{"bad cookie ignored", "fr-BE", "xx", "fr", "<h1>Connexion</h1>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := e.browser(t)
			if tt.acceptLanguage != "" {
				b.header.Set("Accept-Language", tt.acceptLanguage)
			}
			if tt.cookie != "" {
				b.cookies["casemgr_lang"] = &http.Cookie{Name: "casemgr_lang", Value: tt.cookie}
			}
			r := b.get("/login")
			if !strings.Contains(r.Body, `<html lang="`+tt.wantLang+`">`) || !strings.Contains(r.Body, tt.wantTitle) {
				t.Fatalf("got a page not in %s (want %s)", tt.wantLang, tt.wantTitle)
			}
			if got := r.Header.Get("Content-Language"); got != tt.wantLang {
				t.Fatalf("Content-Language: got %q, want %q", got, tt.wantLang)
			}
		})
	}

	t.Run("switch", func(t *testing.T) {
		b := e.browser(t)
		b.header.Set("Accept-Language", "en")
		r := b.get("/login?lang=fr")
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Fatalf("got %d to %q, want 303 to /login", r.Code, r.Header.Get("Location"))
		}
		var ck *http.Cookie
		for _, c := range r.Res.Cookies() {
			if c.Name == "casemgr_lang" {
				ck = c
			}
		}
		if ck == nil || ck.Value != "fr" || ck.MaxAge < 300*24*3600 {
			t.Fatalf("casemgr_lang cookie: got %+v, want fr, kept for a year", ck)
		}
		if r := b.get("/login"); !strings.Contains(r.Body, "<h1>Connexion</h1>") {
			t.Fatalf("the choice is not remembered")
		}
		r = b.get("/login?lang=xx&ok=logged_out")
		if r.Header.Get("Location") != "/login?ok=logged_out" || b.cookies["casemgr_lang"].Value != "fr" {
			t.Fatalf("an unknown language: got %q, cookie %q; want the page again, cookie unchanged",
				r.Header.Get("Location"), b.cookies["casemgr_lang"].Value)
		}
	})

	t.Run("case page in dutch", func(t *testing.T) {
		c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], c.ID, eventInput("start_reflection", "2025-06-02")); err != nil {
			t.Fatal(err)
		}
		b := e.loggedIn(t, "ana")
		b.get("/cases?lang=nl")
		body := b.get("/cases/" + c.ID).Body
		for _, want := range []string{
			`<dd id="case-state">reflectieperiode</dd>`,
			`<th scope="row">Einde van de reflectieperiode</th><td>17/07/2025</td><td>over 32 dagen</td>`,
			`<span class="sev sev-`,
			"Een gebeurtenis registreren",
		} {
			if !strings.Contains(body, want) {
				t.Fatalf("Dutch case page does not contain %q", want)
			}
		}
		if strings.Contains(body, "⟦") {
			t.Fatalf("untranslated key: %s", snippet(body, "⟦"))
		}
	})
}
