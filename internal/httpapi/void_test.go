package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// seqOf returns the audit seq of the last history item with the event.
func (w *world) seqOf(user, id, event string) int {
	w.t.Helper()
	r := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: w.tok[user]}, http.StatusOK)
	seq := 0
	for _, it := range r.arr(w.t, "items") {
		m := it.(map[string]any)
		if m["event"] == event {
			seq = num(m["seq"])
		}
	}
	if seq == 0 {
		w.t.Fatalf("case %s has no %s in its history", id, event)
	}
	return seq
}

// num reads a JSON number as the test decoder gives it.
func num(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	}
	return 0
}

func voidPath(id string, seq int) string {
	return fmt.Sprintf("/api/v1/cases/%s/events/%d/void", id, seq)
}

// TestVoidEvent walks a correction through HTTP: a void blocked by a later
// event that depends on the voided one (nothing changes), the later event
// voided first, then the first; the history marking both, and a corrected
// event recorded after a void on an earlier date.
func TestVoidEvent(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Grace", "Eze", "2025-05-01")
	w.event(uPayoke, id, "start_reflection", "2025-05-02", nil)
	w.event(uPayoke, id, "file_complaint", "2025-05-20", nil)
	r := w.event(uPayoke, id, "confirm_victim_status", "2025-06-01", nil)
	eq("state", "temporary_permit")(t, r)
	eq("version", 4)(t, r)
	complaint := w.seqOf(uPayoke, id, "file_complaint")
	confirm := w.seqOf(uPayoke, id, "confirm_victim_status")
	records := w.auditCount()

	post := func(user string, seq int, body any) req {
		return req{method: http.MethodPost, path: voidPath(id, seq), token: w.tok[user], body: body}
	}
	w.run(t, []scenario{
		{name: "the complaint is needed by the confirmation: 409 with blocking_seqs", req: post(uPayoke, complaint,
			map[string]any{"reason": "wrong_event", "version": 4}), status: http.StatusConflict,
			checks: []check{problemType("urn:casemgr:problem:conflict"), eq("blocking_seqs", []int{confirm}),
				absent("allowed_events")}},
	})
	if got := w.auditCount(); got != records {
		t.Fatalf("a refused void wrote %d audit records, want none", got-records)
	}
	eq("version", 4)(t, w.getCase(uPayoke, id))

	// The confirmation first (a supervisor may void too), then the complaint.
	r = w.must(post(uPayoke2, confirm, map[string]any{"reason": "wrong_date", "version": 4}), http.StatusOK)
	eq("state", "provisional_permit")(t, r)
	eq("proceedings", "complaint_filed")(t, r)
	eq("version", 5)(t, r)
	eq("last_event_on", "2025-05-20")(t, r)
	// The provisional permit as the complaint set it: 2025-05-20 + 3 months.
	eqNRMDeadlines([]map[string]any{
		{"kind": "provisional_permit_expiry", "due_on": "2025-08-20", "days_left": 66, "severity": "info"},
		{"kind": "renewal_request", "due_on": "2025-07-21", "days_left": 36, "severity": "info"},
	})(t, r)
	r = w.must(post(uPayoke, complaint, map[string]any{"reason": "wrong_event"}), http.StatusOK)
	eq("state", "reflection")(t, r)
	eq("proceedings", "none")(t, r)
	eq("last_event_on", "2025-05-02")(t, r)
	eqNRMDeadlines([]map[string]any{
		{"kind": "reflection_end", "due_on": "2025-06-16", "days_left": 1, "severity": "critical"}})(t, r)

	// The history keeps everything and marks what was voided, by which record.
	h := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke]}, http.StatusOK)
	voidOf := map[int]int{}
	for _, it := range h.arr(t, "items") {
		m := it.(map[string]any)
		seq := num(m["seq"])
		if m["event"] == "void_event" {
			d := m["data"].(map[string]any)
			voidOf[num(d["voided_seq"])] = seq
		}
	}
	for _, it := range h.arr(t, "items") {
		m := it.(map[string]any)
		seq := num(m["seq"])
		by, want := voidOf[seq]
		if m["voided"] != want {
			t.Errorf("seq %d (%s): got voided %v, want %v", seq, m["event"], m["voided"], want)
		}
		if want && num(m["voided_by_seq"]) != by {
			t.Errorf("seq %d: got voided_by_seq %v, want %d", seq, m["voided_by_seq"], by)
		}
		if !want && m["voided_by_seq"] != nil {
			t.Errorf("seq %d: got voided_by_seq %v, want null", seq, m["voided_by_seq"])
		}
	}
	if len(voidOf) != 2 || voidOf[complaint] == 0 || voidOf[confirm] == 0 {
		t.Fatalf("got void records %v, want one for seq %d and one for seq %d", voidOf, complaint, confirm)
	}
	if got := w.auditCount(); got != records+2 {
		t.Errorf("got %d new audit records, want 2 void_event records", got-records)
	}

	// The corrected event: the complaint on its real date, earlier than
	// the voided one (the date floor is the latest event that remains).
	r = w.event(uPayoke, id, "file_complaint", "2025-05-10", nil)
	eq("state", "provisional_permit")(t, r)
	eqNRMDeadlines([]map[string]any{
		{"kind": "provisional_permit_expiry", "due_on": "2025-08-10", "days_left": 56, "severity": "info"},
		{"kind": "renewal_request", "due_on": "2025-07-11", "days_left": 26, "severity": "medium"},
	})(t, r)
}

// TestVoidEventRefusals checks who may void what, and each refusal's status.
func TestVoidEventRefusals(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Grace", "Eze", "2025-05-01")
	other := w.newCase(uPayoke, "Other", "Case", "2025-05-01")
	w.event(uPayoke, id, "start_reflection", "2025-05-02", nil)
	w.event(uPayoke, other, "prove_identity", "2025-05-03", nil)
	refl := w.seqOf(uPayoke, id, "start_reflection")
	open := w.seqOf(uPayoke, id, "open_case")
	otherSeq := w.seqOf(uPayoke, other, "prove_identity")
	body := map[string]any{"reason": "duplicate"}
	post := func(user string, path string, body any) req {
		return req{method: http.MethodPost, path: path, token: w.tok[user], body: body}
	}
	w.run(t, []scenario{
		{name: "no token", req: req{method: http.MethodPost, path: voidPath(id, refl), body: body}, status: http.StatusUnauthorized},
		{name: "auditor", req: post(uAuditor, voidPath(id, refl), body), status: http.StatusForbidden},
		{name: "admin", req: post(uAdmin, voidPath(id, refl), body), status: http.StatusForbidden},
		{name: "another shelter's caseworker", req: post(uPagAsa, voidPath(id, refl), body), status: http.StatusNotFound},
		{name: "unknown seq", req: post(uPayoke, voidPath(id, 99999), body), status: http.StatusNotFound},
		{name: "seq not a number", req: post(uPayoke, "/api/v1/cases/"+id+"/events/x1/void", body), status: http.StatusNotFound},
		{name: "seq of another case", req: post(uPayoke, voidPath(id, otherSeq), body), status: http.StatusNotFound},
		{name: "seq of the case's opening", req: post(uPayoke, voidPath(id, open), body), status: http.StatusNotFound},
		{name: "no reason", req: post(uPayoke, voidPath(id, refl), map[string]any{}), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("reason")}},
		{name: "unknown reason", req: post(uPayoke, voidPath(id, refl), map[string]any{"reason": "typo"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("reason")}},
		{name: "unknown member", req: post(uPayoke, voidPath(id, refl), map[string]any{"reason": "other", "why": "x"}),
			status: http.StatusUnprocessableEntity, checks: []check{fieldErr("why")}},
		{name: "stale version", req: post(uPayoke, voidPath(id, refl), map[string]any{"reason": "other", "version": 1}),
			status: http.StatusConflict, checks: []check{absent("blocking_seqs")}},
		{name: "voided", req: post(uPayoke, voidPath(id, refl), map[string]any{"reason": "other", "version": 2}),
			status: http.StatusOK, checks: []check{eq("state", "identified"), eq("version", 3)}},
		{name: "already voided", req: post(uPayoke, voidPath(id, refl), body), status: http.StatusConflict,
			checks: []check{detailContains("already voided")}},
	})
}

// TestReopenAndResume walks the two ways back into the path.
func TestReopenAndResume(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Grace", "Eze", "2025-05-01")
	w.event(uPayoke, id, "start_reflection", "2025-05-02", nil)
	r := w.event(uPayoke, id, "lose_contact", "2025-05-10", nil)
	eq("state", "left_procedure")(t, r)
	r = w.event(uPayoke, id, "close_case", "2025-05-20", map[string]any{"data": map[string]any{"reason": "no_contact"}})
	eq("allowed_events", []string{"reopen_case"})(t, r)
	w.run(t, []scenario{
		{name: "reopen needs a reason", req: req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events",
			token: w.tok[uPayoke], body: map[string]any{"type": "reopen_case", "occurred_on": "2025-06-01"}},
			status: http.StatusUnprocessableEntity, checks: []check{fieldErr("data.reason")}},
	})
	r = w.event(uPayoke, id, "reopen_case", "2025-06-01", map[string]any{"data": map[string]any{"reason": "new_facts"}})
	eq("state", "left_procedure")(t, r)
	r = w.event(uPayoke, id, "resume_procedure", "2025-06-02", nil)
	eq("state", "reflection")(t, r)
	// The reflection period's end is what was stored: overdue since 2025-06-16? no: 2025-05-02 + 45 days.
	eqNRMDeadlines([]map[string]any{
		{"kind": "reflection_end", "due_on": "2025-06-16", "days_left": 1, "severity": "critical"}})(t, r)
}

// TestIdentityConsistency: an unaccompanied minor must be a minor on the
// identification day, at creation and on correction.
func TestIdentityConsistency(t *testing.T) {
	w := newWorld(t)
	adult := caseBody("Ioana", "Pop", "NG", "2000-01-01", "2025-05-01")
	adult["victim"].(map[string]any)["unaccompanied_minor"] = true
	minor := caseBody("Ioana", "Pop", "NG", "2008-05-02", "2025-05-01") // 18 on 2026-05-02
	minor["victim"].(map[string]any)["unaccompanied_minor"] = true
	turned18 := caseBody("Ioana", "Pop", "NG", "2007-05-01", "2025-05-01") // 18 on the identification day
	turned18["victim"].(map[string]any)["unaccompanied_minor"] = true
	bidi := caseBody("Ioa\u202Ena", "Pop", "NG", "", "2025-05-01")
	create := func(body any) req {
		return req{method: http.MethodPost, path: "/api/v1/cases", token: w.tok[uPayoke], body: body}
	}
	w.run(t, []scenario{
		{name: "adult marked unaccompanied minor", req: create(adult), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("victim.unaccompanied_minor"), detailContains("adult")}},
		{name: "18 on the identification day", req: create(turned18), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("victim.unaccompanied_minor")}},
		{name: "a minor", req: create(minor), status: http.StatusCreated},
		{name: "a name with a text-direction override", req: create(bidi), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("victim.given_name")}},
	})
	id := w.newCase(uPayoke, "Ioana", "Pop", "2025-05-01") // born 1995
	w.run(t, []scenario{
		{name: "PATCH marks an adult unaccompanied minor", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id,
			token: w.tok[uPayoke], body: map[string]any{"victim": map[string]any{"unaccompanied_minor": true}}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("victim.unaccompanied_minor")}},
		{name: "PATCH corrects both together", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id,
			token: w.tok[uPayoke], body: map[string]any{"victim": map[string]any{"unaccompanied_minor": true, "date_of_birth": "2010-01-01"}}},
			status: http.StatusOK, checks: []check{eq("victim.unaccompanied_minor", true)}},
	})
	// Invalid UTF-8 is refused, not replaced.
	raw := []byte(`{"victim":{"given_name":"Io` + "\xff" + `na","family_name":"Pop","nationality":"NG"},"exploitation":["sexual"],"identified_on":"2025-05-01","identified_by":"police"}`)
	r := w.do(req{method: http.MethodPost, path: "/api/v1/cases", token: w.tok[uPayoke], body: raw})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid UTF-8 name: got %d, want 422; %s", r.status, r)
	}
	onlyFieldErrs("victim.given_name")(t, r)
}
