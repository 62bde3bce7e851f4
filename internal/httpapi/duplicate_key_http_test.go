package httpapi_test

import (
	"net/http"
	"testing"
)

// TestDuplicateKeysAfterNestedObject sends event bodies whose members
// follow a nested object: a repeated member is refused with 422 naming it,
// as duplicate members elsewhere are, and a body without one is accepted.
func TestDuplicateKeysAfterNestedObject(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Ada", "Okafor", "2025-06-01")
	path := "/api/v1/cases/" + id + "/simulate"
	sim := func(body string) req {
		return req{method: http.MethodPost, path: path, token: w.tok[uPayoke], body: body}
	}
	w.run(t, []scenario{
		{name: "type repeated after data",
			req:    sim(`{"type":"start_reflection","data":{},"occurred_on":"2025-06-02","type":"prove_identity"}`),
			status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("type"), detailContains("more than once")}},
		{name: "repeated inside an object in an array in data",
			req:    sim(`{"type":"start_reflection","data":{"x":[{"k":1},{"k":2,"k":3}]},"occurred_on":"2025-06-02"}`),
			status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("data.x.k")}},
		{name: "note repeated after an array of objects",
			req:    sim(`{"type":"start_reflection","data":{"x":[{"a":{}},{"a":[]}]},"note":"n","occurred_on":"2025-06-02","note":"m"}`),
			status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("note")}},
		{name: "valid: members after an empty object",
			req:    sim(`{"type":"start_reflection","data":{},"occurred_on":"2025-06-02","note":"2025-06-02"}`),
			status: http.StatusOK,
			checks: []check{eq("state_before", "identified"), eq("state_after", "reflection"), eq("as_of", "2025-06-02")}},
		{name: "valid: a value equal to a member name after an empty object",
			req:    sim(`{"data":{},"note":"type","type":"start_reflection","occurred_on":"2025-06-03","version":1}`),
			status: http.StatusOK,
			checks: []check{eq("state_after", "reflection"), eq("as_of", "2025-06-03")}},
	})
	if got := w.historyLen(uPayoke, id); got != 1 {
		t.Errorf("history after simulating: got %d records, want 1 (simulation records nothing)", got)
	}
}
