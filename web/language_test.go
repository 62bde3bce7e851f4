package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	cases "github.com/casemgr/casemgr/internal/case"
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
		if r.Code != http.StatusSeeOther || !toLogin(r.Header.Get("Location")) {
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
		body := noLabels(b.get("/cases/" + c.ID).Body)
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

	t.Run("flags in french", func(t *testing.T) {
		c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
		for _, ev := range []cases.EventInput{eventInput("start_reflection", "2025-06-02"), eventInput("file_complaint", "2025-06-05"),
			eventInput("stop_cooperating", "2025-06-06"), eventInput("end_guidance", "2025-06-07")} {
			if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], c.ID, ev); err != nil {
				t.Fatalf("%s: %v", ev.Type, err)
			}
		}
		got, err := e.Cases.Get(t.Context(), e.actors["ana"], c.ID, c.AsOf)
		if err != nil || len(got.Flags) < 4 {
			t.Fatalf("flags: got %d (%v), want at least 4", len(got.Flags), err)
		}
		b := e.loggedIn(t, "ana")
		b.get("/cases?lang=fr")
		body := b.get("/cases/" + c.ID).Body
		for _, f := range got.Flags {
			for _, en := range []string{f.Title, f.Detail, f.NextStep} {
				if strings.Contains(body, html.EscapeString(en)) {
					t.Errorf("French case page shows the English %q (flag %s)", en, f.Rule)
				}
			}
		}
		for _, want := range []string{
			"<strong>Prochaine étape</strong>",
			"<p class=\"flag-title\"><strong>L&#39;accompagnement par le centre agréé a pris fin</strong></p>",
			"<p class=\"flag-detail\">L&#39;accompagnement par le centre agréé a pris fin le 07/06/2025 alors que le dossier est au stade « attestation provisoire (3 mois) ».",
			"<p class=\"flag-detail\">La victime a cessé de coopérer avec les autorités le 06/06/2025 alors qu&#39;elle est sous attestation provisoire.",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("French case page does not contain %q", want)
			}
		}
		// What stays in English is the report's words: the quotes and the
		// recommendations, marked as English.
		for _, m := range regexp.MustCompile(`<([a-z]+)( class="[^"]*")? lang="en"`).FindAllStringSubmatch(body, -1) {
			if m[1] != "blockquote" && m[1] != "span" {
				t.Errorf("French case page marks a %s as English: %s", m[1], m[0])
			}
		}
		n := strings.Count(body, `lang="en"`) - strings.Count(body, `<option value="en" lang="en"`) // the language menu's "English"
		if q := strings.Count(body, "<blockquote lang=\"en\">"); q == 0 || n > 2*q {
			t.Errorf("lang=en: got %d marks for %d quotes, want a quote and at most a recommendation per flag", n, q)
		}
		if strings.Contains(body, "⟦") {
			t.Fatalf("untranslated key: %s", snippet(body, "⟦"))
		}
		// The what-if's flags after the event, and the confirmation.
		r := b.post("/cases/"+c.ID, url.Values{"action": {"simulate"}, "type": {"dismiss_case"}, "occurred_on": {"2025-06-12"}})
		if r.Code != http.StatusOK || !strings.Contains(r.Body, "<strong>R07</strong> Affaire classée sans suite avant toute poursuite") {
			t.Fatalf("French what-if: got %d, want R07's French title", r.Code)
		}
	})
}
