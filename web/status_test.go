package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRefusalStatusMatchesAPI checks that the UI answers a refused change
// with the status the API gives the same service error (one mapping, in
// apperr): a caseworker whose shelter has lost its reference prefix may
// not open a case, 403 on both paths (the UI used to answer 422).
func TestRefusalStatusMatchesAPI(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn(t, "ana")
	b.get("/cases/new")
	if err := e.DB.Write.Exec("UPDATE shelters SET ref_prefix = '' WHERE id = 'payoke'").Error; err != nil {
		t.Fatalf("clear prefix: %v", err)
	}
	ui := b.post("/cases/new", newCaseForm("Mary", "Doe"))

	req := httptest.NewRequest(http.MethodPost, "/api/v1/cases", strings.NewReader(`{"victim":{"given_name":"Mary",
		"family_name":"Doe","gender":"female","nationality":"NG"},"exploitation":["sexual"],
		"identified_on":"2025-06-01","identified_by":"police"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.Login(t, "ana"))
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)

	if rec.Code != http.StatusForbidden {
		t.Fatalf("API: got %d, want 403; body:\n%s", rec.Code, rec.Body)
	}
	if ui.Code != rec.Code {
		t.Fatalf("UI: got %d, want the API's %d; body:\n%s", ui.Code, rec.Code, ui.Body)
	}
	if !strings.Contains(ui.Body, "Your role does not give access") {
		t.Fatalf("UI does not show the refusal; body:\n%s", ui.Body)
	}
}
