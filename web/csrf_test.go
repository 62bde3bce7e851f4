package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
)

// TestCSRFRejected posts every state-changing form without the CSRF token
// and with a wrong one: each answer is the 403 page, and nothing changed.
func TestCSRFRejected(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	newCase := url.Values{"victim.given_name": {"Ama"}, "victim.family_name": {"Mensah"}, "victim.nationality": {"GH"},
		"victim.gender": {"female"}, "exploitation": {"labour"}, "identified_on": {"2025-06-01"}, "identified_by": {"police"}}
	tests := []struct {
		name  string
		user  string
		path  string
		form  url.Values
		table string // whose row count must not change
	}{
		{"new case", "ana", "/cases/new", newCase, "cases"},
		{"record event", "ana", "/cases/" + c.ID, url.Values{"action": {"event"}, "type": {"start_reflection"},
			"occurred_on": {"2025-06-02"}, "version": {"1"}}, "audit_log"},
		{"case search", "ana", "/cases", url.Values{"q": {"Grace Okafor"}}, "audit_log"},
		{"feed token", "sam", "/deadlines", url.Values{"action": {"feed_new"}}, "calendar_feeds"},
		{"create user", "adm", "/admin/users", url.Values{"action": {"create"}, "username": {"eve"},
			"password": {apptest.Password}, "role": {"auditor"}}, "users"},
		{"disable user", "adm", "/admin/users", url.Values{"action": {"disable"}, "username": {"ana"}}, "audit_log"},
		{"create shelter", "adm", "/admin/shelters", url.Values{"action": {"create"}, "id": {"mons"},
			"name": {"Mons"}}, "shelters"},
		{"audit export", "aud", "/audit", url.Values{"format": {"csv"}, "password": {apptest.Password}}, "audit_log"},
		{"logout", "ana", "/logout", url.Values{}, "audit_log"},
		{"login", "", "/login", url.Values{"username": {"ana"}, "password": {apptest.Password}}, "auth_sessions"},
	}
	for _, tt := range tests {
		for _, variant := range []string{"missing", "wrong"} {
			t.Run(tt.name+"/"+variant, func(t *testing.T) {
				b := e.browser(t)
				if tt.user != "" {
					b.login(tt.user)
				} else {
					b.get("/login")
				}
				form := cloneForm(tt.form)
				if variant == "missing" {
					form.Set("csrf", "")
				} else {
					form.Set("csrf", wrongToken(b.csrf))
				}
				before := e.countRows(t, tt.table)
				disabledBefore := userDisabled(t, e, "ana")
				r := b.post(tt.path, form)
				if r.Code != http.StatusForbidden {
					t.Fatalf("got %d, want 403", r.Code)
				}
				if !strings.Contains(r.Body, "This form has expired or was not sent by casemgr.") {
					t.Fatalf("the 403 page does not explain the refusal")
				}
				if after := e.countRows(t, tt.table); after != before {
					t.Fatalf("%s rows: got %d, want %d (unchanged)", tt.table, after, before)
				}
				if got := userDisabled(t, e, "ana"); got != disabledBefore {
					t.Fatalf("ana disabled: got %v, want %v", got, disabledBefore)
				}
				if tt.user != "" {
					// The session is still alive (logout did not happen).
					if r := b.get("/"); r.Header.Get("Location") == "/login" {
						t.Fatalf("the session ended after a refused form")
					}
				}
			})
		}
	}
}

func userDisabled(t *testing.T, e *env, username string) bool {
	t.Helper()
	u, err := e.Auth.GetUser(t.Context(), username)
	if err != nil {
		t.Fatalf("get user: %v", err)
	}
	return u.Disabled
}

// wrongToken returns a token that differs from tok in its first character
// (tok is random: prefixing a fixed letter would, now and then, give tok).
func wrongToken(tok string) string {
	if tok[0] == 'x' {
		return "y" + tok[1:]
	}
	return "x" + tok[1:]
}
