package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/shelter"
)

// Between organisations (docs/organisations.md): assignment, consents,
// transfers, duplicate warnings and referrals, through HTTP.

func (w *world) post(user, path string, body any, want int) *response {
	w.t.Helper()
	return w.must(req{method: http.MethodPost, path: "/api/v1" + path, token: w.tok[user], body: body}, want)
}

func (w *world) get(user, path string, want int) *response {
	w.t.Helper()
	return w.must(req{method: http.MethodGet, path: "/api/v1" + path, token: w.tok[user]}, want)
}

// consent records an active consent of the victim on a case.
func (w *world) consent(user, id, scope, recipient string) string {
	w.t.Helper()
	body := map[string]any{"scope": scope, "given_on": "2025-06-01", "given_by": "victim", "method": "written"}
	if recipient != "" {
		body["recipient"] = recipient
	}
	return w.post(user, "/cases/"+id+"/consents", body, http.StatusCreated).str(w.t, "id")
}

func refs(t *testing.T, r *response) []string {
	t.Helper()
	var out []string
	for _, it := range r.arr(t, "items") {
		out = append(out, it.(map[string]any)["reference"].(string))
	}
	return out
}

func TestAssignment(t *testing.T) {
	w := newWorld(t)
	w.env.AddUser(t, "ada", auth.RoleCaseworker, "payoke")
	w.tok["ada"] = w.env.Login(t, "ada")
	c := w.createCase(uPayoke, caseBody("Amara", "Obi", "NG", "1995-01-01", "2025-06-01"))
	id, ref := c.str(t, "id"), c.str(t, "reference")
	if got := c.str(t, "assignee"); got != uPayoke {
		t.Fatalf("assignee of a new case: got %q, want the creator %q", got, uPayoke)
	}
	other := w.createCase(uPayoke2, caseBody("Bola", "Ade", "NG", "1990-01-01", "2025-06-01"))
	if v, _ := other.get("assignee"); v != nil {
		t.Errorf("a case a supervisor opens: assignee %v, want null", v)
	}
	otherRef := other.str(t, "reference")

	// The list filters.
	if got := refs(t, w.get(uPayoke, "/cases?assignee=me", http.StatusOK)); !slices.Equal(got, []string{ref}) {
		t.Errorf("assignee=me: got %v, want [%s]", got, ref)
	}
	if got := refs(t, w.get(uPayoke2, "/cases?assignee=none", http.StatusOK)); !slices.Equal(got, []string{otherRef}) {
		t.Errorf("assignee=none: got %v, want [%s]", got, otherRef)
	}

	// Only a supervisor assigns, to a caseworker of the case's shelter.
	w.post(uPayoke, "/cases/"+id+"/assign", map[string]any{"assignee": "ada"}, http.StatusForbidden)
	r := w.post(uPayoke2, "/cases/"+id+"/assign", map[string]any{"assignee": uPagAsa}, http.StatusUnprocessableEntity)
	fieldErr("assignee")(t, r)
	w.post(uPagSup, "/cases/"+id+"/assign", map[string]any{"assignee": uPagAsa}, http.StatusNotFound)
	r = w.post(uPayoke2, "/cases/"+id+"/assign", map[string]any{"assignee": "ada"}, http.StatusOK)
	if got := r.str(t, "assignee"); got != "ada" {
		t.Errorf("after assign: got %q, want ada", got)
	}
	if got := refs(t, w.get("ada", "/cases?assignee=me", http.StatusOK)); !slices.Equal(got, []string{ref}) {
		t.Errorf("ada's cases: got %v, want [%s]", got, ref)
	}
	if got := refs(t, w.get(uPayoke2, "/cases?assignee=ada", http.StatusOK)); !slices.Equal(got, []string{ref}) {
		t.Errorf("assignee=ada: got %v, want [%s]", got, ref)
	}
	h := w.get(uPayoke2, "/cases/"+id+"/events", http.StatusOK)
	last := h.arr(t, "items")[len(h.arr(t, "items"))-1].(map[string]any)
	if last["event"] != "assign_case" || !jsonEq(last["data"], map[string]any{"from": uPayoke, "to": "ada"}) {
		t.Errorf("last history entry: got %v, want assign_case from ana to ada", short(last))
	}

	// Ada moves to another shelter: the case reads as unassigned.
	if err := w.env.DB.Write.Exec("UPDATE users SET shelter_id = 'surya' WHERE username = 'ada'").Error; err != nil {
		t.Fatal(err)
	}
	if v, _ := w.getCase(uPayoke2, id).get("assignee"); v != nil {
		t.Errorf("assignee who left the shelter: got %v, want null", v)
	}
	if got := refs(t, w.get(uPayoke2, "/cases?assignee=none", http.StatusOK)); !slices.Equal(got, []string{otherRef, ref}) {
		t.Errorf("assignee=none after ada left: got %v, want [%s %s]", got, otherRef, ref)
	}
	// Unassigning: null.
	w.post(uPayoke2, "/cases/"+id+"/assign", map[string]any{"assignee": uPayoke}, http.StatusOK)
	if err := w.env.DB.Write.Exec("UPDATE users SET disabled = ? WHERE username = ?", true, uPayoke).Error; err != nil {
		t.Fatal(err)
	}
	if v, _ := w.getCase(uPayoke2, id).get("assignee"); v != nil {
		t.Errorf("disabled assignee: got %v, want null", v)
	}
}

func TestConsents(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Amara", "Obi", "2025-06-01")
	base := "/cases/" + id + "/consents"
	r := w.post(uPayoke, base, map[string]any{"scope": "share_with_shelter", "recipient": "pag-asa",
		"given_on": "2025-06-02", "given_by": "victim", "method": "oral_interpreted"}, http.StatusCreated)
	cid := r.str(t, "id")
	for _, c := range []check{eq("status", "active"), eq("recipient", "pag-asa"), eq("expires_on", nil), eq("withdrawn_on", nil)} {
		c(t, r)
	}
	w.post(uPayoke, base, map[string]any{"scope": "data_processing", "given_on": "2025-01-02", "given_by": "victim",
		"method": "written", "expires_on": "2025-06-14"}, http.StatusCreated)

	bad := w.post(uPayoke, base, map[string]any{"scope": "share_with_friends", "given_on": "2025-07-01",
		"given_by": "aunt", "method": "written", "recipient": "nowhere"}, http.StatusUnprocessableEntity)
	onlyFieldErrs("scope", "given_on", "given_by")(t, bad)
	bad = w.post(uPayoke, base, map[string]any{"scope": "share_with_shelter", "recipient": "nowhere",
		"given_on": "2025-06-02", "given_by": "victim", "method": "written"}, http.StatusUnprocessableEntity)
	onlyFieldErrs("recipient")(t, bad)

	list := w.get(uPayoke, base, http.StatusOK)
	var statuses []string
	for _, it := range list.arr(t, "items") {
		statuses = append(statuses, it.(map[string]any)["status"].(string))
	}
	if !slices.Equal(statuses, []string{"expired", "active"}) {
		t.Errorf("statuses: got %v, want [expired active]", statuses)
	}

	// Another shelter sees none of it.
	w.get(uPagAsa, base, http.StatusNotFound)
	w.post(uPagAsa, base, map[string]any{"scope": "data_processing", "given_on": "2025-06-02", "given_by": "victim", "method": "written"}, http.StatusNotFound)
	w.post(uPagAsa, base+"/"+cid+"/withdraw", map[string]any{"withdrawn_on": "2025-06-10"}, http.StatusNotFound)

	r = w.post(uPayoke, base+"/"+cid+"/withdraw", map[string]any{"withdrawn_on": "2025-06-10"}, http.StatusOK)
	eq("status", "withdrawn")(t, r)
	eq("withdrawn_on", "2025-06-10")(t, r)
	w.post(uPayoke, base+"/"+cid+"/withdraw", map[string]any{"withdrawn_on": "2025-06-11"}, http.StatusConflict)

	// An unaccompanied minor's consent is the guardian's.
	minor := caseBody("Lina", "Haddad", "SY", "2010-03-01", "2025-06-01")
	minor["victim"].(map[string]any)["unaccompanied_minor"] = true
	mid := w.createCase(uPayoke, minor).str(t, "id")
	body := map[string]any{"scope": "share_with_partner", "given_on": "2025-06-02", "given_by": "victim", "method": "written"}
	r = w.post(uPayoke, "/cases/"+mid+"/consents", body, http.StatusUnprocessableEntity)
	onlyFieldErrs("given_by")(t, r)
	body["given_by"] = "guardian"
	w.post(uPayoke, "/cases/"+mid+"/consents", body, http.StatusCreated)

	recs := w.get(uAuditor, "/cases/"+id+"/events", http.StatusOK)
	var events []string
	for _, it := range recs.arr(t, "items") {
		events = append(events, it.(map[string]any)["event"].(string))
	}
	if !slices.Equal(events, []string{"open_case", "record_consent", "record_consent", "withdraw_consent"}) {
		t.Errorf("audit records: got %v", events)
	}
	if strings.Contains(string(recs.raw), "Amara") {
		t.Errorf("the audit records carry the victim's name: %s", recs)
	}
}

func TestTransfers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := w.env.Shelters.Create(ctx, auth.System, shelter.Shelter{ID: "lighthouse", Name: "Lighthouse", Prefix: "LIG"}); err != nil {
		t.Fatal(err)
	}
	w.env.AddUser(t, "lux", auth.RoleSupervisor, "lighthouse")
	w.tok["lux"] = w.env.Login(t, "lux")

	id := w.newCase(uPayoke, "Amara", "Obi", "2025-06-01")
	w.event(uPayoke, id, "start_reflection", "2025-06-02", nil)
	w.post(uPayoke, "/cases/"+id+"/tasks", map[string]any{"title": "Call the lawyer", "due_on": "2025-06-18"}, http.StatusCreated)
	before := w.historyLen(uPayoke, id)
	move := map[string]any{"to_shelter": "pag-asa", "reason": "safety"}

	// No consent, then one for another shelter: 409. The problem names
	// the scope's code (the web UI translates it from the error's code).
	r := w.post(uPayoke, "/cases/"+id+"/transfers", move, http.StatusConflict)
	eq("type", "urn:casemgr:problem:conflict")(t, r)
	eq("detail", "no active share_with_shelter consent allows sharing this case with pag-asa: record the victim's consent first")(t, r)
	eq("errors", []any{})(t, r)
	w.consent(uPayoke, id, "share_with_shelter", "surya")
	w.post(uPayoke, "/cases/"+id+"/transfers", move, http.StatusConflict)
	r = w.post(uPayoke, "/cases/"+id+"/transfers", map[string]any{"to_shelter": "payoke", "reason": "teleport"}, http.StatusUnprocessableEntity)
	onlyFieldErrs("to_shelter", "reason")(t, r)
	w.post(uPagAsa, "/cases/"+id+"/transfers", move, http.StatusNotFound)

	w.consent(uPayoke, id, "share_with_shelter", "pag-asa")
	tr := w.post(uPayoke, "/cases/"+id+"/transfers", move, http.StatusCreated)
	tid := tr.str(t, "id")
	eq("status", "pending")(t, tr)
	w.post(uPayoke, "/cases/"+id+"/transfers", move, http.StatusConflict) // one pending per case

	in := w.get(uPagAsa, "/transfers?direction=incoming", http.StatusOK)
	if findByKey(t, in, "items", "id", tid) == nil {
		t.Errorf("the receiving shelter does not see the transfer: %s", in)
	}
	if out := w.get(uPagAsa, "/transfers?direction=outgoing", http.StatusOK); len(out.arr(t, "items")) != 0 {
		t.Errorf("outgoing of the receiving shelter: %s", out)
	}
	if out := w.get(uPayoke, "/transfers?direction=outgoing", http.StatusOK); findByKey(t, out, "items", "id", tid) == nil {
		t.Errorf("outgoing of the sending shelter: %s", out)
	}
	w.get(uPagAsa, "/cases/"+id, http.StatusNotFound) // not before it is accepted
	w.get(uSurya, "/transfers/"+tid, http.StatusNotFound)
	w.post(uSurya, "/transfers/"+tid+"/accept", nil, http.StatusNotFound)
	w.post(uSurya, "/transfers/"+tid+"/decline", map[string]any{"reason": "no"}, http.StatusNotFound)
	w.post(uSurya, "/transfers/"+tid+"/cancel", nil, http.StatusNotFound)
	if in := w.get(uSurya, "/transfers", http.StatusOK); len(in.arr(t, "items")) != 0 {
		t.Errorf("a third shelter lists the transfer: %s", in)
	}
	w.post(uPagAsa, "/transfers/"+tid+"/accept", nil, http.StatusForbidden)  // a caseworker
	w.post(uPayoke2, "/transfers/"+tid+"/accept", nil, http.StatusForbidden) // the sender

	r = w.post(uPagSup, "/transfers/"+tid+"/accept", nil, http.StatusOK)
	eq("status", "accepted")(t, r)
	eq("decided_by", uPagSup)(t, r)
	w.post(uPagSup, "/transfers/"+tid+"/accept", nil, http.StatusConflict)

	// The sender loses the case, keeps the transfer's outcome.
	w.get(uPayoke, "/cases/"+id, http.StatusNotFound)
	w.get(uPayoke, "/cases/"+id+"/consents", http.StatusNotFound)
	eq("status", "accepted")(t, w.get(uPayoke, "/transfers/"+tid, http.StatusOK))
	c := w.getCase(uPagAsa, id)
	eq("shelter", "pag-asa")(t, c)
	eq("assignee", nil)(t, c)
	eq("state", "reflection")(t, c)
	if !strings.HasPrefix(c.str(t, "reference"), "PAY-") {
		t.Errorf("reference after transfer: got %s, want the PAY- one kept", c.str(t, "reference"))
	}
	if got := w.historyLen(uPagAsa, id); got != before+4 { // two consents, request, accept
		t.Errorf("history after transfer: got %d entries, want %d", got, before+4)
	}
	if got := len(w.get(uPagAsa, "/cases/"+id+"/consents", http.StatusOK).arr(t, "items")); got != 2 {
		t.Errorf("consents after transfer: got %d, want 2", got)
	}
	dl := w.get(uPagAsa, "/deadlines?within=100", http.StatusOK)
	if findByKey(t, dl, "items", "case_id", id) == nil {
		t.Errorf("the receiving shelter's deadline board misses the case: %s", dl)
	}
	if dl := w.get(uPayoke, "/deadlines?within=100", http.StatusOK); findByKey(t, dl, "items", "case_id", id) != nil {
		t.Errorf("the sending shelter's deadline board still shows the case: %s", dl)
	}
	// The case's tasks follow it to the new shelter's work list.
	if wl := w.get(uPagAsa, "/work?within=30", http.StatusOK); findByKey(t, wl, "items", "kind", "task") == nil {
		t.Errorf("the receiving shelter's work list misses the case's task: %s", wl)
	}
	if wl := w.get(uPayoke, "/work?within=30", http.StatusOK); findByKey(t, wl, "items", "case_id", id) != nil {
		t.Errorf("the sending shelter's work list still shows the case: %s", wl)
	}
	recs := w.get(uAuditor, "/cases/"+id+"/events", http.StatusOK)
	items := recs.arr(t, "items")
	acc := items[len(items)-1].(map[string]any)
	data := acc["data"].(map[string]any)
	if acc["event"] != "accept_transfer" || data["from_shelter"] != "payoke" || data["to_shelter"] != "pag-asa" {
		t.Errorf("last audit record: got %s, want accept_transfer from payoke to pag-asa", short(acc))
	}

	// Declined: the case stays.
	id2 := w.newCase(uPayoke, "Bola", "Ade", "2025-06-01")
	w.consent(uPayoke, id2, "share_with_shelter", "")
	t2 := w.post(uPayoke, "/cases/"+id2+"/transfers", move, http.StatusCreated).str(t, "id")
	w.post(uPagSup, "/transfers/"+t2+"/decline", map[string]any{}, http.StatusUnprocessableEntity)
	r = w.post(uPagSup, "/transfers/"+t2+"/decline", map[string]any{"reason": "no room"}, http.StatusOK)
	eq("status", "declined")(t, r)
	eq("decline_reason", "no room")(t, r)
	eq("shelter", "payoke")(t, w.getCase(uPayoke, id2))
	w.get(uPagAsa, "/cases/"+id2, http.StatusNotFound)

	// Cancelled by the sender; then a withdrawn consent stops a new one.
	t3 := w.post(uPayoke, "/cases/"+id2+"/transfers", move, http.StatusCreated).str(t, "id")
	w.post(uPagAsa, "/transfers/"+t3+"/cancel", nil, http.StatusForbidden)
	eq("status", "cancelled")(t, w.post(uPayoke, "/transfers/"+t3+"/cancel", nil, http.StatusOK))
	w.post(uPagSup, "/transfers/"+t3+"/accept", nil, http.StatusConflict)
	cons := w.get(uPayoke, "/cases/"+id2+"/consents", http.StatusOK).str(t, "items.0.id")
	w.post(uPayoke, "/cases/"+id2+"/consents/"+cons+"/withdraw", map[string]any{"withdrawn_on": "2025-06-15"}, http.StatusOK)
	w.post(uPayoke, "/cases/"+id2+"/transfers", move, http.StatusConflict)

	// To a shelter that is not an official NRM provider: R17.
	w.consent(uPagAsa, id, "share_with_shelter", "lighthouse")
	t4 := w.post(uPagAsa, "/cases/"+id+"/transfers", map[string]any{"to_shelter": "lighthouse", "reason": "specialisation"}, http.StatusCreated).str(t, "id")
	w.post(uPayoke2, "/transfers/"+t4+"/accept", nil, http.StatusNotFound) // payoke no longer has the case nor this transfer
	w.post("lux", "/transfers/"+t4+"/accept", nil, http.StatusOK)
	if findByKey(t, w.getCase("lux", id), "flags", "rule", "R17") == nil {
		t.Errorf("R17 not raised after the move to an unofficial shelter")
	}
	if findByKey(t, w.get("lux", "/cases?rule=R17", http.StatusOK), "items", "id", id) == nil {
		t.Errorf("the stored flags were not evaluated again after the move")
	}
}

func TestDuplicateWarning(t *testing.T) {
	w := newWorld(t)
	first := w.createCase(uPayoke, caseBody("Amara", "Obi", "NG", "1995-01-01", "2025-06-01"))
	ref1 := first.str(t, "reference")
	if !jsonEq(first.body.(map[string]any)["duplicates"], map[string]any{"same_shelter": []any{}, "other_shelter": false}) {
		t.Errorf("duplicates of a first case: %s", first)
	}
	// Same shelter: the caseworker gets the reference (accents, case and
	// order of the names do not matter).
	again := w.createCase(uPayoke, caseBody("OBI", "Amára", "NG", "1995-01-01", "2025-06-05"))
	eq("duplicates", map[string]any{"same_shelter": []any{ref1}, "other_shelter": false})(t, again)
	// Another shelter: only that a duplicate exists elsewhere.
	other := w.createCase(uPagAsa, caseBody("Amara", "Obi", "NG", "1995-01-01", "2025-06-10"))
	eq("duplicates", map[string]any{"same_shelter": []any{}, "other_shelter": true})(t, other)
	if strings.Contains(string(other.raw), "PAY-") {
		t.Errorf("the other shelter's answer names a Payoke reference: %s", other)
	}
	otherRef := other.str(t, "reference")
	if h := w.get(uPagAsa, "/cases/"+other.str(t, "id")+"/events", http.StatusOK); strings.Contains(string(h.raw), "payoke") ||
		!strings.Contains(string(h.raw), "possible_duplicate") {
		t.Errorf("the caseworker's history names the other shelter: %s", h)
	}
	if h := w.get(uPagSup, "/cases/"+other.str(t, "id")+"/events", http.StatusOK); !strings.Contains(string(h.raw), "payoke") {
		t.Errorf("the supervisor's history does not name the other shelter: %s", h)
	}
	// Different date of birth: no match.
	eq("duplicates.other_shelter", false)(t, w.createCase(uSurya, caseBody("Amara", "Obi", "NG", "1995-01-02", "2025-06-10")))

	// Both supervisors are told, each about their own case only.
	n := w.get(uPagSup, "/notifications", http.StatusOK)
	if got := n.arr(t, "items"); len(got) != 1 || !jsonEq(got[0].(map[string]any)["reference"], otherRef) ||
		got[0].(map[string]any)["other_shelter"] != "payoke" {
		t.Errorf("pag-asa's notifications: %s", n)
	}
	n = w.get(uPayoke2, "/notifications", http.StatusOK)
	got := refs(t, n)
	slices.Sort(got)
	if want := []string{ref1, again.str(t, "reference")}; !slices.Equal(got, want) {
		t.Errorf("payoke's notifications: got %v, want %v", got, want)
	}
	if strings.Contains(string(n.raw), otherRef) {
		t.Errorf("payoke's notifications name pag-asa's case: %s", n)
	}
	w.get(uPayoke, "/notifications", http.StatusForbidden)

	// An identity correction is compared too.
	id := w.createCase(uSurya, caseBody("Zed", "Kay", "NG", "1995-01-01", "2025-06-10")).str(t, "id")
	r := w.must(req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uSurya],
		body: map[string]any{"victim": map[string]any{"given_name": "Amara", "family_name": "Obi"}}}, http.StatusOK)
	eq("duplicates", map[string]any{"same_shelter": []any{}, "other_shelter": true})(t, r)

	// Erased cases never match.
	gone := w.createCase(uPayoke, caseBody("Lina", "Haddad", "SY", "1999-03-01", "2025-06-01")).str(t, "id")
	w.post(uAdmin, "/cases/"+gone+"/erase", nil, http.StatusOK)
	eq("duplicates.other_shelter", false)(t, w.createCase(uPagAsa, caseBody("Lina", "Haddad", "SY", "1999-03-01", "2025-06-01")))
}

func TestReferrals(t *testing.T) {
	w := newWorld(t)
	w.post(uAdmin, "/organisations", map[string]any{"id": "lawyers-bxl", "name": "Lawyers Brussels", "kind": "lawyer"}, http.StatusCreated)
	w.post(uAdmin, "/organisations", map[string]any{"id": "police-antwerp", "name": "Police Antwerp", "kind": "police", "official_nrm": true}, http.StatusCreated)
	w.post(uAdmin, "/organisations", map[string]any{"id": "lawyers-bxl", "name": "Again", "kind": "lawyer"}, http.StatusConflict)
	fieldErr("kind")(t, w.post(uAdmin, "/organisations", map[string]any{"id": "x1", "name": "X", "kind": "bank"}, http.StatusUnprocessableEntity))
	w.post(uPayoke, "/organisations", map[string]any{"id": "x1", "name": "X", "kind": "other"}, http.StatusForbidden)
	r := w.must(req{method: http.MethodPatch, path: "/api/v1/organisations/lawyers-bxl", token: w.tok[uAdmin],
		body: map[string]any{"official_nrm": true}}, http.StatusOK)
	eq("official_nrm", true)(t, r)
	if got := len(w.get(uPayoke, "/organisations", http.StatusOK).arr(t, "items")); got != 2 {
		t.Errorf("directory: got %d organisations, want 2", got)
	}

	id := w.newCase(uPayoke, "Amara", "Obi", "2025-06-01")
	ref := map[string]any{"organisation": "lawyers-bxl", "service": "legal aid", "referred_on": "2025-06-05"}
	w.post(uPayoke, "/cases/"+id+"/referrals", ref, http.StatusConflict)
	w.consent(uPayoke, id, "share_with_partner", "")
	w.post(uPagAsa, "/cases/"+id+"/referrals", ref, http.StatusNotFound)
	r = w.post(uPayoke, "/cases/"+id+"/referrals", ref, http.StatusCreated)
	rid := r.str(t, "id")
	eq("follow_up", map[string]any{"kind": "referral_follow_up", "due_on": "2025-06-19", "days_left": 4, "severity": "critical"})(t, r)
	// The work list shows the follow-up.
	wl := w.get(uPayoke, "/work?within=7", http.StatusOK)
	if it := findByKey(t, wl, "items", "kind", "referral"); it == nil || it["due_on"] != "2025-06-19" || it["case_id"] != id {
		t.Errorf("work list: want the referral follow-up due 2025-06-19: %s", wl)
	}
	if wl := w.get(uPagAsa, "/work?within=30", http.StatusOK); findByKey(t, wl, "items", "kind", "referral") != nil {
		t.Errorf("another shelter's work list shows the referral: %s", wl)
	}
	// The police need their own consent.
	w.post(uPayoke, "/cases/"+id+"/referrals", map[string]any{"organisation": "police-antwerp", "service": "complaint", "referred_on": "2025-06-05"}, http.StatusConflict)

	w.get(uPagAsa, "/cases/"+id+"/referrals", http.StatusNotFound)
	patch := func(user string, body map[string]any, want int) *response {
		return w.must(req{method: http.MethodPatch, path: "/api/v1/referrals/" + rid, token: w.tok[user], body: body}, want)
	}
	patch(uPagAsa, map[string]any{"status": "accepted", "date": "2025-06-10"}, http.StatusNotFound)
	r = patch(uPayoke, map[string]any{"status": "accepted", "date": "2025-06-10"}, http.StatusOK)
	eq("follow_up", nil)(t, r)
	if wl := w.get(uPayoke, "/work?within=30", http.StatusOK); findByKey(t, wl, "items", "kind", "referral") != nil {
		t.Errorf("an answered referral stays on the work list: %s", wl)
	}
	eq("answered_on", "2025-06-10")(t, r)
	patch(uPayoke, map[string]any{"status": "refused", "date": "2025-06-11"}, http.StatusConflict)
	eq("completed_on", "2025-06-12")(t, patch(uPayoke, map[string]any{"status": "completed", "date": "2025-06-12"}, http.StatusOK))
	if got := len(w.get(uPayoke, "/cases/"+id+"/referrals", http.StatusOK).arr(t, "items")); got != 1 {
		t.Errorf("referrals: got %d, want 1", got)
	}
}
