package web_test

import (
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/casework"
	"github.com/casemgr/casemgr/internal/orgs"
)

// TestReportsServicesAndTransfers checks the services and transfers
// tables of the annual report page: a supervisor sees their shelter's
// transfers by direction, exactly, in their language; an auditor sees
// them by shelter (named), protected.
func TestReportsServicesAndTransfers(t *testing.T) {
	e := newEnv(t)
	pia := e.AddUser(t, "pia", auth.RoleSupervisor, "pag-asa")
	ana := e.actors["ana"]
	a := openCase(t, e, "ana", "Grace", "1998-04-17", "sexual")
	b := openCase(t, e, "ana", "Zoé", "", "labour")
	typ, on := "accommodation", "2025-06-05"
	if _, err := e.Casework.AddService(t.Context(), ana, a.ID, casework.ServiceInput{Service: &typ, PlannedOn: &on, StartedOn: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orgs.RecordConsent(t.Context(), ana, b.ID, orgs.NewConsent{Scope: "share_with_shelter", Recipient: "pag-asa",
		GivenOn: "2025-06-10", GivenBy: "victim", Method: "written"}); err != nil {
		t.Fatal(err)
	}
	tr, err := e.Orgs.RequestTransfer(t.Context(), ana, b.ID, "pag-asa", "safety")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orgs.AcceptTransfer(t.Context(), pia, tr.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, path string
		in, out          []string
	}{
		{"supervisor", "sam", "/reports/annual", []string{
			`<table class="list report" id="services">`, cell("accommodation", "Accommodation", "1"), cell("medical", "Medical care", "0"),
			`<h2 id="transfers-h">Transfers accepted: <span id="transfers-accepted">1</span></h2>`,
			`<table class="list report" id="transfers-by-direction">`,
			cell("received", "received by this shelter", "0"), cell("sent", "sent by this shelter", "1"),
			"A victim who received several types of service counts in each",
		}, []string{`id="transfers-by-receiving-shelter"`}},
		{"auditor", "aud", "/reports/annual", []string{
			cell("accommodation", "Accommodation", "&lt;5"), `<span id="transfers-accepted">&lt;5</span>`,
			`<table class="list report" id="transfers-by-receiving-shelter">`, cell("pag-asa", "PAG-ASA", "&lt;5"),
			`<table class="list report" id="transfers-by-sending-shelter">`,
		}, []string{`id="transfers-by-direction"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.loggedIn(t, tt.user).get(tt.path)
			for _, s := range tt.in {
				if !strings.Contains(r.Body, s) {
					t.Errorf("page does not show %s", s)
				}
			}
			for _, s := range tt.out {
				if strings.Contains(r.Body, s) {
					t.Errorf("page shows %s", s)
				}
			}
			// The services table has its own note, not exploitation's.
			_, sec, _ := strings.Cut(r.Body, `id="services-section"`)
			sec, _, _ = strings.Cut(sec, "</section>")
			if strings.Contains(sec, "exploitation") {
				t.Errorf("services section speaks of exploitation types: %s", sec)
			}
		})
	}
	br := e.loggedIn(t, "sam")
	br.get("/reports/annual?lang=fr")
	r := br.get("/reports/annual")
	for _, s := range []string{cell("accommodation", "Hébergement", "1"), cell("sent", "envoyés par ce centre", "1"), "Transferts acceptés"} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("French page does not show %s", s)
		}
	}
}
