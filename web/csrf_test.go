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
// Each row counts what its action would have changed (the case search
// records a read of each case listed; logging out revokes the session).
// For the rows marked control, the same form with the right token is sent
// last and must change that count, so the check can fail.
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
		table string // whose rows (matching where) the action would change
		where string
		// control: the form with the right token is accepted and changes
		// the count.
		control bool
	}{
		{name: "new case", user: "ana", path: "/cases/new", form: newCase, table: "cases"},
		{name: "record event", user: "ana", path: "/cases/" + c.ID, form: url.Values{"action": {"event"}, "type": {"start_reflection"},
			"occurred_on": {"2025-06-02"}, "version": {"1"}}, table: "audit_log"},
		{name: "case search", user: "ana", path: "/cases", form: url.Values{"q": {"Grace Okafor"}},
			table: "access_log", where: "action = 'list'", control: true},
		{name: "feed token", user: "sam", path: "/deadlines", form: url.Values{"action": {"feed_new"}}, table: "calendar_feeds"},
		{name: "create user", user: "adm", path: "/admin/users", form: url.Values{"action": {"create"}, "username": {"eve"},
			"password": {apptest.Password}, "role": {"auditor"}}, table: "users"},
		{name: "disable user", user: "adm", path: "/admin/users", form: url.Values{"action": {"disable"}, "username": {"ana"}, "confirm": {"1"}}, table: "audit_log"},
		{name: "create shelter", user: "adm", path: "/admin/shelters", form: url.Values{"action": {"create"}, "id": {"mons"},
			"name": {"Mons"}}, table: "shelters"},
		{name: "audit export", user: "aud", path: "/audit", form: url.Values{"format": {"csv"}, "password": {apptest.Password}}, table: "audit_log"},
		{name: "logout", user: "ana", path: "/logout", form: url.Values{}, table: "auth_sessions", where: "revoked_at IS NOT NULL", control: true},
		{name: "login", path: "/login", form: url.Values{"username": {"ana"}, "password": {apptest.Password}}, table: "auth_sessions"},
	}
	for _, tt := range tests {
		variants := []string{"missing", "wrong"}
		if tt.control {
			variants = append(variants, "right")
		}
		for _, variant := range variants {
			t.Run(tt.name+"/"+variant, func(t *testing.T) {
				b := e.browser(t)
				if tt.user != "" {
					b.login(tt.user)
				} else {
					b.get("/login")
				}
				form := cloneForm(tt.form)
				switch variant {
				case "missing":
					form.Set("csrf", "")
				case "wrong":
					form.Set("csrf", wrongToken(b.csrf))
				default:
					form.Set("csrf", b.csrf)
				}
				before := changed(t, e, tt.table, tt.where)
				disabledBefore := userDisabled(t, e, "ana")
				r := b.post(tt.path, form)
				if variant == "right" {
					if r.Code == http.StatusForbidden {
						t.Fatalf("got 403, want the form accepted")
					}
					if after := changed(t, e, tt.table, tt.where); after == before {
						t.Fatalf("%s rows (%s): got %d, want a change (the check could not fail)", tt.table, tt.where, after)
					}
					return
				}
				if r.Code != http.StatusForbidden {
					t.Fatalf("got %d, want 403", r.Code)
				}
				if !strings.Contains(r.Body, "This form has expired or was not sent by casemgr.") {
					t.Fatalf("the 403 page does not explain the refusal")
				}
				if after := changed(t, e, tt.table, tt.where); after != before {
					t.Fatalf("%s rows (%s): got %d, want %d (unchanged)", tt.table, tt.where, after, before)
				}
				if got := userDisabled(t, e, "ana"); got != disabledBefore {
					t.Fatalf("ana disabled: got %v, want %v", got, disabledBefore)
				}
				if tt.user != "" {
					// The session is still alive (logout did not happen).
					if r := b.get("/"); toLogin(r.Header.Get("Location")) {
						t.Fatalf("the session ended after a refused form")
					}
				}
			})
		}
	}
}

// changed counts the rows of table matching where (all when where is
// ""), after writing the queued reads of the access log.
func changed(t *testing.T, e *env, table, where string) int64 {
	t.Helper()
	if err := e.Access.Flush(t.Context()); err != nil {
		t.Fatalf("flush access log: %v", err)
	}
	q := e.DB.Read.Table(table)
	if where != "" {
		q = q.Where(where)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
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
