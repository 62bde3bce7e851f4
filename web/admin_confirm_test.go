package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminDisableAsksTwice checks that disabling a user takes a second,
// confirmed submit (no JavaScript needed) and that the first changes nothing.
func TestAdminDisableAsksTwice(t *testing.T) {
	e := newEnv(t)
	adm := e.loggedIn(t, "adm")
	adm.get("/admin/users")
	before := e.countRows(t, "audit_log")
	r := adm.post("/admin/users", url.Values{"action": {"disable"}, "username": {"ana"}})
	if r.Code != http.StatusOK {
		t.Fatalf("first submit: got %d, want 200 (the confirmation)", r.Code)
	}
	for _, s := range []string{"Disable the user ana?", `name="confirm" value="1"`, `name="username" value="ana"`, `id="confirm-no"`} {
		if !strings.Contains(r.Body, s) {
			t.Errorf("confirmation lacks %q", s)
		}
	}
	if n := e.countRows(t, "audit_log"); n != before {
		t.Fatalf("the first submit changed the audit log: %d records, want %d", n, before)
	}
	if ana := e.loggedIn(t, "ana"); ana.get("/cases").Code != http.StatusOK {
		t.Fatalf("ana cannot work before the confirmation")
	}
	r = adm.post("/admin/users", url.Values{"action": {"disable"}, "username": {"ana"}, "confirm": {"1"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("confirmed submit: got %d, want 303", r.Code)
	}
	if !strings.Contains(adm.get("/admin/users").Body, `id="user-ana"`) {
		t.Fatalf("ana missing from the user list")
	}
	b := e.browser(t)
	b.get("/login")
	if r := b.post("/login", url.Values{"username": {"ana"}, "password": {"x"}}); r.Code == http.StatusSeeOther {
		t.Fatalf("ana can still log in after being disabled")
	}
}

// TestNewShelterForm checks that the new-shelter form does not claim the
// official NRM status for the admin, and explains why the id is final.
func TestNewShelterForm(t *testing.T) {
	e := newEnv(t)
	adm := e.loggedIn(t, "adm")
	for lang, hint := range map[string]string{"en": "the audit trail refer to the shelter by this id", "fr": "désignent le centre par cet identifiant"} {
		adm.header.Set("Accept-Language", lang)
		r := adm.get("/admin/shelters")
		if strings.Contains(r.Body, `id="ns-official" name="official_nrm" type="checkbox" value="on" checked`) {
			t.Errorf("%s: the official NRM provider box is pre-checked", lang)
		}
		if !strings.Contains(r.Body, `id="ns-official"`) {
			t.Errorf("%s: no official NRM provider box", lang)
		}
		if !strings.Contains(r.Body, hint) {
			t.Errorf("%s: the id's hint does not explain its permanence (%q)", lang, hint)
		}
	}
}
