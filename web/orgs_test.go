package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
)

// The pages between organisations: the case list's assignee filter, the
// sharing page's forms, the transfers page, the duplicate notice.

func TestCaseListMyCases(t *testing.T) {
	e := newEnv(t)
	mine := e.newCase(t, "ana", "Ama", "Mine", "NG")
	other := e.newCase(t, "sam", "Ola", "Unassigned", "NG") // a supervisor's case is nobody's
	b := e.loggedIn(t, "ana")
	body := b.get("/cases").Body
	if !strings.Contains(body, mine.Reference) || strings.Contains(body, other.Reference) {
		t.Fatalf("a caseworker's default list: want only %s (theirs), got:\n%s", mine.Reference, body)
	}
	if !strings.Contains(body, `<option value="me" selected>My cases</option>`) {
		t.Errorf("the assignee filter does not show \"My cases\" selected")
	}
	body = b.get("/cases?assignee=all").Body
	if !strings.Contains(body, mine.Reference) || !strings.Contains(body, other.Reference) {
		t.Errorf("all of the shelter's cases: want both references")
	}
	body = b.get("/cases?assignee=none").Body
	if strings.Contains(body, mine.Reference) || !strings.Contains(body, other.Reference) {
		t.Errorf("unassigned cases: want only %s", other.Reference)
	}
	// The supervisor's default is the whole shelter.
	if body := e.loggedIn(t, "sam").get("/cases").Body; !strings.Contains(body, mine.Reference) || !strings.Contains(body, other.Reference) {
		t.Errorf("a supervisor's default list: want both references")
	}
}

func TestSharingAndTransferPages(t *testing.T) {
	e := newEnv(t)
	e.AddUser(t, "pia", auth.RoleSupervisor, "pag-asa")
	c := e.newCase(t, "ana", "Ama", "Obi", "NG")
	page := "/cases/" + c.ID + "/sharing"
	ana := e.loggedIn(t, "ana")
	if r := ana.get(page); r.Code != http.StatusOK || !strings.Contains(r.Body, `id="consent-form"`) {
		t.Fatalf("sharing page: got %d", r.Code)
	}
	if r := e.loggedIn(t, "bob").get(page); r.Code != http.StatusNotFound {
		t.Errorf("another shelter's sharing page: got %d, want 404", r.Code)
	}
	transfer := url.Values{"action": {"transfer"}, "to_shelter": {"pag-asa"}, "reason": {"safety"}}
	r := ana.post(page, transfer)
	if r.Code != http.StatusConflict || !strings.Contains(r.Body, "first record the victim&#39;s consent “share with a shelter”") {
		t.Fatalf("transfer without consent: got %d, want 409 with the reason", r.Code)
	}
	// A caseworker does not assign.
	if !strings.Contains(ana.get(page).Body, "A supervisor assigns the case") {
		t.Errorf("the caseworker sees no explanation of the assignment")
	}
	consent := url.Values{"action": {"consent"}, "scope": {"share_with_shelter"}, "recipient": {"pag-asa"},
		"given_on": {"2025-06-02"}, "given_by": {"victim"}, "method": {"written"}}
	if r := ana.post(page, consent); r.Code != http.StatusSeeOther {
		t.Fatalf("record consent: got %d:\n%s", r.Code, r.Body)
	}
	if body := ana.get(page + "?ok=sharing_consent").Body; !strings.Contains(body, "The consent was recorded.") ||
		!strings.Contains(body, `data-status="active" data-scope="share_with_shelter"`) {
		t.Fatalf("the consent is not listed as active")
	}
	if r := ana.post(page, transfer); r.Code != http.StatusSeeOther {
		t.Fatalf("request transfer: got %d:\n%s", r.Code, r.Body)
	}

	pia := e.loggedIn(t, "pia")
	body := pia.get("/transfers").Body
	if !strings.Contains(body, c.Reference) || !strings.Contains(body, `class="primary accept"`) {
		t.Fatalf("the receiving supervisor sees no transfer to accept:\n%s", body)
	}
	if r := e.loggedIn(t, "bob").get("/transfers"); strings.Contains(r.Body, `class="primary accept"`) {
		t.Errorf("a caseworker of the receiving shelter is offered to accept")
	}
	ts, err := e.Orgs.Transfers(context.Background(), e.actors["ana"], "outgoing", "pending")
	if err != nil || len(ts) != 1 {
		t.Fatalf("pending transfers: %v, %v", ts, err)
	}
	r = pia.post("/transfers", url.Values{"action": {"accept"}, "id": {ts[0].ID}})
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/cases/"+c.ID) {
		t.Fatalf("accept: got %d to %q", r.Code, r.Header.Get("Location"))
	}
	if body := pia.get("/cases/" + c.ID + "?ok=transfer_accepted").Body; !strings.Contains(body, "the case is now your shelter") {
		t.Errorf("the accepted case page does not say so")
	}
	if r := ana.get("/cases/" + c.ID); r.Code != http.StatusNotFound {
		t.Errorf("the sending caseworker still sees the case: %d", r.Code)
	}
	if body := ana.get("/transfers").Body; !strings.Contains(body, "accepted") || !strings.Contains(body, c.Reference) {
		t.Errorf("the sender does not see the outcome")
	}
}

func TestMinorConsentForm(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn(t, "ana")
	form := newCaseForm("Lina", "Haddad")
	form.Set("victim.date_of_birth", "2010-03-01")
	form.Set("victim.unaccompanied_minor", "on")
	r := b.post("/cases/new", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create: %d", r.Code)
	}
	page := strings.Split(r.Header.Get("Location"), "?")[0] + "/sharing"
	r = b.post(page, url.Values{"action": {"consent"}, "scope": {"data_processing"}, "given_on": {"2025-06-02"},
		"given_by": {"victim"}, "method": {"written"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="c-given-by-err"`) {
		t.Fatalf("a minor's own consent: got %d, want 422 with the error next to given_by", r.Code)
	}
}

func TestDuplicateNotice(t *testing.T) {
	e := newEnv(t)
	if r := e.loggedIn(t, "bob").post("/cases/new", newCaseForm("Grace", "Okafor")); r.Code != http.StatusSeeOther {
		t.Fatalf("create in pag-asa: %d", r.Code)
	}
	ana := e.loggedIn(t, "ana")
	r := ana.post("/cases/new", newCaseForm("Grace", "Okafor"))
	if loc := r.Header.Get("Location"); !strings.HasSuffix(loc, "?ok=case_created_duplicate_other") {
		t.Fatalf("duplicate across shelters: redirected to %q", loc)
	}
	body := ana.get(r.Header.Get("Location")).Body
	if !strings.Contains(body, "A possible duplicate exists in another shelter") || strings.Contains(body, "PAG-") {
		t.Errorf("the caseworker's notice: want the warning and no other reference")
	}
	r = ana.post("/cases/new", newCaseForm("Grace", "Okafor"))
	if loc := r.Header.Get("Location"); !strings.HasSuffix(loc, "?ok=case_created_duplicate_same") {
		t.Errorf("duplicate in the same shelter: redirected to %q", loc)
	}
	sam := e.loggedIn(t, "sam")
	if body := sam.get("/transfers").Body; !strings.Contains(body, "possible duplicate in shelter pag-asa") {
		t.Errorf("the supervisor's transfers page lists no possible duplicate")
	}
}

func TestOrganisationsAdminPage(t *testing.T) {
	e := newEnv(t)
	adm := e.loggedIn(t, "adm")
	if body := adm.get("/admin/organisations").Body; !strings.Contains(body, "No organisation yet.") {
		t.Fatalf("empty directory not said")
	}
	r := adm.post("/admin/organisations", url.Values{"action": {"create"}, "id": {"Bad Id"}, "name": {"Lawyers"}, "kind": {"bank"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="no-id-err"`) || !strings.Contains(r.Body, `id="no-kind-err"`) {
		t.Fatalf("bad organisation: got %d, want 422 with errors next to id and kind", r.Code)
	}
	r = adm.post("/admin/organisations", url.Values{"action": {"create"}, "id": {"lawyers-bxl"}, "name": {"Lawyers Brussels"}, "kind": {"lawyer"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create: got %d", r.Code)
	}
	r = adm.post("/admin/organisations", url.Values{"action": {"update"}, "id": {"lawyers-bxl"}, "name": {"Lawyers of Brussels"},
		"kind": {"lawyer"}, "official_nrm": {"on"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("update: got %d", r.Code)
	}
	os, err := e.Orgs.Organisations(context.Background())
	if err != nil || len(os) != 1 || os[0].Name != "Lawyers of Brussels" || !os[0].OfficialNRM {
		t.Fatalf("directory: %+v, %v", os, err)
	}
	if r := e.loggedIn(t, "ana").get("/admin/organisations"); r.Code != http.StatusForbidden {
		t.Errorf("a caseworker on the directory page: got %d, want 403", r.Code)
	}
	// The caseworker picks it on the sharing page.
	c := e.newCase(t, "ana", "Ama", "Obi", "NG")
	if body := e.loggedIn(t, "ana").get("/cases/" + c.ID + "/sharing").Body; !strings.Contains(body, "Lawyers of Brussels (lawyer)") {
		t.Errorf("the referral form does not offer the organisation")
	}
}
