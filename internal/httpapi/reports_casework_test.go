package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestReportAnnualServicesAndTransfers: through the API, a supervisor's
// annual report gives their shelter's transfers by direction and no other
// shelter's, an auditor's gives them by shelter, protected; both count the
// victims served by service type. Every answer is checked against
// openapi.yaml afterwards.
func TestReportAnnualServicesAndTransfers(t *testing.T) {
	w := newWorld(t)
	a := w.newCase(uPayoke, "Grace", "Okafor", "2025-06-01")
	b := w.newCase(uPayoke, "Ama", "Mensah", "2025-06-01")
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/services", token: w.tok[uPayoke],
		body: map[string]any{"service": "legal", "started_on": "2025-06-02"}}, http.StatusCreated)
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + a + "/services", token: w.tok[uPayoke],
		body: map[string]any{"service": "medical", "planned_on": "2025-07-02"}}, http.StatusCreated) // never started
	w.consent(uPayoke, b, "share_with_shelter", "pag-asa")
	tid := w.post(uPayoke, "/cases/"+b+"/transfers", map[string]any{"to_shelter": "pag-asa", "reason": "safety"}, http.StatusCreated).str(t, "id")
	w.post(uPagSup, "/transfers/"+tid+"/accept", nil, http.StatusOK)

	annual := func(user, query string) *response {
		return w.must(req{method: http.MethodGet, path: "/api/v1/reports/annual?year=2025" + query, token: w.tok[user]}, http.StatusOK)
	}
	sup := annual(uPayoke2, "")
	for path, want := range map[string]float64{
		"services_received.total": 1, "services_received.cells.3.count": 1, "services_received.cells.2.count": 0,
		"transfers.accepted": 1, "transfers.by_direction.cells.0.count": 0, "transfers.by_direction.cells.1.count": 1,
	} {
		if got := sup.num(t, path); got != int(want) {
			t.Errorf("supervisor %s: got %d, want %v", path, got, want)
		}
	}
	eq("services_received.cells.3.key", "legal")(t, sup)
	eq("transfers.by_direction.cells.1.key", "sent")(t, sup)
	if _, ok := sup.get("transfers.by_receiving_shelter"); ok {
		t.Errorf("supervisor's report names other shelters: %s", sup)
	}
	aud := annual(uAuditor, "")
	eq("transfers.accepted", "<5")(t, aud)
	eq("services_received.total", "<5")(t, aud)
	if _, ok := aud.get("transfers.by_direction"); ok {
		t.Errorf("auditor's report of all shelters has by_direction: %s", aud)
	}
	for _, m := range []string{"by_receiving_shelter", "by_sending_shelter"} {
		if keys := aud.arr(t, "transfers."+m+".cells"); len(keys) == 0 {
			t.Errorf("auditor's %s: got no cells", m)
		}
	}
	csv := w.must(req{method: http.MethodGet, path: "/api/v1/reports/annual?year=2025&format=csv", token: w.tok[uPayoke2]}, http.StatusOK)
	for _, line := range []string{"services_received,legal,1\n", "transfers,accepted,1\n", "transfers.by_direction,sent,1\n"} {
		if !strings.Contains(string(csv.raw), line) {
			t.Errorf("csv: no line %q", line)
		}
	}
}
