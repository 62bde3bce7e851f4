package web_test

import (
	"github.com/casemgr/casemgr/internal/config"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
)

// TestAdminUsers creates, disables, enables and resets users through the
// admin page.
func TestAdminUsers(t *testing.T) {
	e := newEnvWith(t, func(c *config.Config) { c.Auth.FourEyes = true }) // separation of duties
	b := e.loggedIn(t, "adm")
	tests := []struct {
		name     string
		form     url.Values
		status   int
		want     string
		check    func(t *testing.T)
		keptUser string
	}{
		// Issue 20: a case-reading user waits for a second admin, and the
		// creating admin gives no password.
		{"create", url.Values{"action": {"create"}, "username": {"eve"}, "password": {""},
			"role": {"supervisor"}, "shelter": {"surya"}}, http.StatusSeeOther, "",
			func(t *testing.T) {
				if _, err := e.Auth.GetUser(t.Context(), "eve"); err == nil {
					t.Fatalf("eve exists before a second admin approved")
				}
				cs, err := e.Auth.PendingChanges(t.Context(), e.actors["adm"])
				if err != nil || len(cs) != 1 || cs[0].Username != "eve" || cs[0].Kind != auth.ChangeCreate {
					t.Fatalf("pending changes: got %+v (%v), want the creation of eve", cs, err)
				}
			}, ""},
		{"create with a password", url.Values{"action": {"create"}, "username": {"eva"}, "password": {"a long enough password"},
			"role": {"caseworker"}, "shelter": {"surya"}}, http.StatusUnprocessableEntity,
			`<p class="field-error" id="nu-password-err">leave it out`, nil, "eva"},
		{"short password", url.Values{"action": {"create"}, "username": {"fay"}, "password": {"short"},
			"role": {"auditor"}}, http.StatusUnprocessableEntity,
			`<p class="field-error" id="nu-password-err">Too short: use at least 12 characters.</p>`, nil, "fay"},
		{"shelter for an auditor", url.Values{"action": {"create"}, "username": {"gus"}, "password": {"a long enough password"},
			"role": {"auditor"}, "shelter": {"payoke"}}, http.StatusUnprocessableEntity,
			`<p class="field-error" id="nu-shelter-err">must be empty for the role auditor`, nil, "gus"},
		{"taken", url.Values{"action": {"create"}, "username": {"ana"}, "password": {"a long enough password"},
			"role": {"auditor"}}, http.StatusConflict,
			`<p class="field-error" id="nu-username-err">Already in use: choose another.</p>`, nil, "ana"},
		{"disable", url.Values{"action": {"disable"}, "username": {"ana"}, "confirm": {"1"}}, http.StatusSeeOther, "",
			func(t *testing.T) {
				if !userDisabled(t, e, "ana") {
					t.Fatalf("ana is not disabled")
				}
			}, ""},
		{"enable", url.Values{"action": {"enable"}, "username": {"ana"}}, http.StatusSeeOther, "",
			func(t *testing.T) {
				if userDisabled(t, e, "ana") {
					t.Fatalf("ana is still disabled")
				}
			}, ""},
		// Issue 20: the admin issues a one-time code, shown once; he never
		// sets the password.
		{"reset password", url.Values{"action": {"reset"}, "username": {"ana"}},
			http.StatusOK, `<div class="notice" role="status" id="reset-code">`, nil, ""},
		{"password field ignored", url.Values{"action": {"password"}, "username": {"sam"}, "password": {"an admin's choice 42"}},
			http.StatusBadRequest, "", nil, ""},
		{"disable self", url.Values{"action": {"disable"}, "username": {"adm"}, "confirm": {"1"}}, http.StatusUnprocessableEntity,
			"adm: you cannot disable your own account", nil, ""},
		{"unknown user", url.Values{"action": {"disable"}, "username": {"zed"}, "confirm": {"1"}}, http.StatusNotFound, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get("/admin/users")
			r := b.post("/admin/users", tt.form)
			if r.Code != tt.status {
				t.Fatalf("got %d, want %d; body:\n%s", r.Code, tt.status, r.Body)
			}
			if tt.want != "" && !strings.Contains(r.Body, tt.want) {
				t.Fatalf("page does not contain %q", tt.want)
			}
			if tt.keptUser != "" && !strings.Contains(r.Body, `name="username" type="text" value="`+tt.keptUser+`"`) {
				t.Fatalf("the username typed is not kept")
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}
	// A second admin approves the creation of eve and is shown her reset code once.
	e.AddUser(t, "adm2", auth.RoleAdmin, "")
	b2 := e.loggedIn(t, "adm2")
	cs, err := e.Auth.PendingChanges(t.Context(), e.actors["adm"])
	if err != nil || len(cs) != 1 {
		t.Fatalf("pending changes: got %+v (%v), want one", cs, err)
	}
	b2.get("/admin/users")
	r := b2.post("/admin/users", url.Values{"action": {"approve"}, "change": {cs[0].ID}})
	if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="reset-code"`) || !strings.Contains(r.Body, "<strong>eve</strong>") {
		t.Fatalf("approval of eve: got %d, want 200 with her reset code; body:\n%s", r.Code, r.Body)
	}
	if u, err := e.Auth.GetUser(t.Context(), "eve"); err != nil || u.Role != auth.RoleSupervisor || u.Shelter() != "surya" {
		t.Fatalf("eve: got %+v (%v), want a supervisor of surya", u, err)
	}
	if body := b.get("/admin/users").Body; strings.Contains(body, `name="username" value="adm">`+"\n            "+`<input type="hidden" name="action" value="disable">`) {
		t.Fatalf("the admin is offered to disable their own account")
	}
}

// TestAdminShelters creates and edits shelters through the admin page.
func TestAdminShelters(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn(t, "adm")
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
		check  func(t *testing.T)
	}{
		{"create", url.Values{"action": {"create"}, "id": {"sisters"}, "name": {"Sisters"}, "city": {"Mons"}},
			http.StatusSeeOther, "", func(t *testing.T) {
				sh, err := e.Shelters.Get(t.Context(), "sisters")
				if err != nil || sh.Name != "Sisters" || sh.City != "Mons" || sh.OfficialNRM || sh.Prefix != "SIS" {
					t.Fatalf("sisters: got %+v (%v), want Sisters, Mons, not official, SIS", sh, err)
				}
			}},
		{"bad id", url.Values{"action": {"create"}, "id": {"Bad Id"}, "name": {"X"}}, http.StatusUnprocessableEntity,
			`<p class="field-error" id="ns-id-err">use 2 to 32 characters`, nil},
		{"edit", url.Values{"action": {"update"}, "id": {"payoke"}, "name": {"Payoke vzw"}, "city": {"Antwerpen"}},
			http.StatusSeeOther, "", func(t *testing.T) {
				sh, err := e.Shelters.Get(t.Context(), "payoke")
				if err != nil || sh.Name != "Payoke vzw" || sh.City != "Antwerpen" || sh.OfficialNRM {
					t.Fatalf("payoke: got %+v (%v), want Payoke vzw, Antwerpen, not official (box unticked)", sh, err)
				}
			}},
		{"official again", url.Values{"action": {"update"}, "id": {"payoke"}, "name": {"Payoke"}, "city": {"Antwerp"},
			"official_nrm": {"on"}}, http.StatusSeeOther, "", func(t *testing.T) {
			sh, _ := e.Shelters.Get(t.Context(), "payoke")
			if !sh.OfficialNRM {
				t.Fatalf("payoke is not official")
			}
		}},
		{"blank name", url.Values{"action": {"update"}, "id": {"surya"}, "name": {" "}, "city": {"Liège"}},
			http.StatusUnprocessableEntity, `<p class="field-error" id="sh-surya-name-err">Required.</p>`, nil},
		{"unknown", url.Values{"action": {"update"}, "id": {"nowhere"}, "name": {"X"}}, http.StatusNotFound, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.get("/admin/shelters")
			r := b.post("/admin/shelters", tt.form)
			if r.Code != tt.status {
				t.Fatalf("got %d, want %d; body:\n%s", r.Code, tt.status, r.Body)
			}
			if tt.want != "" && !strings.Contains(r.Body, tt.want) {
				t.Fatalf("page does not contain %q", tt.want)
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}
}

// TestPasswordResetPages checks the reset code from the admin page to the
// user's /reset form and the login with the new password.
func TestPasswordResetPages(t *testing.T) {
	e := newEnv(t)
	adm := e.loggedIn(t, "adm")
	adm.get("/admin/users")
	r := adm.post("/admin/users", url.Values{"action": {"reset"}, "username": {"ana"}})
	m := regexp.MustCompile(`<code>([A-Z2-7]{32})</code>`).FindStringSubmatch(r.Body)
	if r.Code != http.StatusOK || m == nil {
		t.Fatalf("issue: got %d without a code; body:\n%s", r.Code, r.Body)
	}
	b := e.browser(t)
	b.get("/reset")
	tests := []struct {
		code, pw string
		status   int
		want     string
	}{
		{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "my own new passphrase", http.StatusUnauthorized, "The code is wrong, used or expired."},
		{m[1], "password1234", http.StatusUnprocessableEntity, "too common"},
		{m[1], "my own new passphrase", http.StatusSeeOther, ""},
	}
	for i, tt := range tests {
		r := b.post("/reset", url.Values{"username": {"ana"}, "code": {tt.code}, "password": {tt.pw}})
		if r.Code != tt.status || !strings.Contains(r.Body, tt.want) {
			t.Fatalf("attempt %d: got %d, want %d with %q; body:\n%s", i, r.Code, tt.status, tt.want, r.Body)
		}
		if strings.Contains(r.Body, tt.pw) || (tt.code != "" && strings.Contains(r.Body, tt.code)) {
			t.Fatalf("attempt %d: the page shows the code or password typed", i)
		}
	}
	if _, err := e.Auth.Login(t.Context(), "ana", "my own new passphrase", "10.0.0.1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
}
