package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/orgs"
)

// TestConsentRefusalTranslated checks that a transfer or a referral that
// no active consent allows is refused (409) with a message in the user's
// language that names the needed consent in words, never its scope code.
func TestConsentRefusalTranslated(t *testing.T) {
	e := newEnv(t)
	for _, o := range []orgs.Organisation{{ID: "lawyers-bxl", Name: "Lawyers Brussels", Kind: "lawyer"},
		{ID: "police-antwerp", Name: "Police Antwerp", Kind: "police"}} {
		if _, err := e.Orgs.CreateOrganisation(t.Context(), e.actors["adm"], o); err != nil {
			t.Fatal(err)
		}
	}
	c := e.newCase(t, "ana", "Ama", "Obi", "NG")
	page := "/cases/" + c.ID + "/sharing"
	transfer := url.Values{"action": {"transfer"}, "to_shelter": {"pag-asa"}, "reason": {"safety"}}
	referral := func(org string) url.Values {
		return url.Values{"action": {"referral"}, "organisation": {org}, "service": {"legal aid"}, "referred_on": {"2025-06-05"}}
	}
	tests := []struct {
		lang, name string
		form       url.Values
		want       string
	}{
		{"en", "transfer", transfer, "No active consent allows this: first record the victim's consent “share with a shelter”, naming this recipient or no recipient."},
		{"fr", "transfer", transfer, "Aucun consentement actif ne le permet : enregistrez d'abord le consentement « partage avec un centre » de la victime, pour ce destinataire ou sans destinataire."},
		{"nl", "transfer", transfer, "Geen actieve toestemming laat dit toe: registreer eerst de toestemming ‘delen met een centrum’ van het slachtoffer, voor deze ontvanger of zonder ontvanger."},
		{"fr", "referral", referral("lawyers-bxl"), "enregistrez d'abord le consentement « partage avec une organisation partenaire » de la victime"},
		{"nl", "referral", referral("lawyers-bxl"), "registreer eerst de toestemming ‘delen met een partnerorganisatie’ van het slachtoffer"},
		{"fr", "police referral", referral("police-antwerp"), "enregistrez d'abord le consentement « partage avec la police » de la victime"},
		{"nl", "police referral", referral("police-antwerp"), "registreer eerst de toestemming ‘delen met de politie’ van het slachtoffer"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+"/"+tt.name, func(t *testing.T) {
			b := e.browser(t)
			b.header.Set("Accept-Language", tt.lang)
			b.login("ana")
			b.get(page)
			r := b.post(page, tt.form)
			if r.Code != http.StatusConflict {
				t.Fatalf("got %d, want 409", r.Code)
			}
			summary := errorSummary(t, r.Body)
			if !strings.Contains(summary, tt.want) {
				t.Errorf("the error summary does not say %q: %q", tt.want, summary)
			}
			text := summary
			if tt.lang != "en" {
				text = visibleText(t, r.Body)
			}
			for _, raw := range append(orgs.ConsentScopes, "allows sharing this case") {
				if strings.Contains(text, raw) {
					t.Errorf("the page shows %q: %s", raw, snippet(text, raw))
				}
			}
		})
	}
}

// TestConsentLapsedTranslated: a transfer requested under a consent that
// the victim then withdrew is refused when the receiving supervisor
// accepts it (409), with a message in the supervisor's language that
// names no shelter id and no English service text.
func TestConsentLapsedTranslated(t *testing.T) {
	e := newEnv(t)
	e.AddUser(t, "pia", auth.RoleSupervisor, "pag-asa")
	ana := e.actors["ana"]
	c := e.newCase(t, "ana", "Ama", "Obi", "NG")
	consent, err := e.Orgs.RecordConsent(t.Context(), ana, c.ID, orgs.NewConsent{Scope: "share_with_shelter", Recipient: "pag-asa",
		GivenOn: "2025-06-10", GivenBy: "victim", Method: "written"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := e.Orgs.RequestTransfer(t.Context(), ana, c.ID, "pag-asa", "safety")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orgs.WithdrawConsent(t.Context(), ana, c.ID, consent.ID, "2025-06-12"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ lang, want string }{
		{"en", "The victim's consent to share this case with your shelter is no longer active"},
		{"fr", "Le consentement de la victime au partage de ce dossier avec votre centre n'est plus actif"},
		{"nl", "De toestemming van het slachtoffer om dit dossier met uw centrum te delen is niet meer actief"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			b := e.browser(t)
			b.header.Set("Accept-Language", tt.lang)
			b.login("pia")
			b.get("/transfers")
			r := b.post("/transfers", url.Values{"action": {"accept"}, "id": {tr.ID}})
			if r.Code != http.StatusConflict {
				t.Fatalf("got %d, want 409", r.Code)
			}
			if summary := errorSummary(t, r.Body); !strings.Contains(summary, tt.want) {
				t.Errorf("the error summary does not say %q: %q", tt.want, summary)
			}
			if tt.lang != "en" {
				text := visibleText(t, r.Body)
				if strings.Contains(text, "no longer active") || strings.Contains(text, "consent to share the case with") {
					t.Errorf("the page shows the service's English message: %s", snippet(text, "no longer active"))
				}
			}
		})
	}
}

// errorSummary is the text of a page's form error summary, its spaces
// collapsed ("" if it has none).
func errorSummary(t *testing.T, page string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	var walk func(n *html.Node, in bool)
	walk = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode && slices.ContainsFunc(n.Attr, func(a html.Attribute) bool {
			return a.Key == "class" && slices.Contains(strings.Fields(a.Val), "error-summary")
		}) {
			in = true
		}
		if in && n.Type == html.TextNode {
			sb.WriteString(n.Data + " ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, in)
		}
	}
	walk(doc, false)
	return strings.Join(strings.Fields(sb.String()), " ")
}
