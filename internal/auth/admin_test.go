package auth_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
)

func auditEvents(t *testing.T, env *apptest.Env) []string {
	t.Helper()
	var evs []string
	if err := env.DB.Read.Table("audit_log").Order("seq").Pluck("event", &evs).Error; err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestAdminCannotReadCases is issue 20's fourth finding: an admin set a
// caseworker's password, or made himself a caseworker, and read case
// files.
func TestAdminCannotReadCases(t *testing.T) {
	env := apptest.New(t, func(c *config.Config) { c.Auth.FourEyes = true })
	ctx := context.Background()
	root := env.AddUser(t, "root", auth.RoleAdmin, "")
	other := env.AddUser(t, "eve", auth.RoleAdmin, "")
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	env.AddUser(t, "aud", auth.RoleAuditor, "")

	pw := "a password the admin knows"
	_, err := env.Auth.UpdateUser(ctx, root, "ana", auth.UserPatch{Password: &pw})
	if apperr.KindOf(err) != apperr.Invalid {
		t.Fatalf("admin sets a password: got %v, want Invalid", err)
	}
	if _, err := env.Auth.Login(ctx, "ana", pw, "10.0.0.1"); apperr.KindOf(err) != apperr.Unauthorized {
		t.Fatalf("login with the admin's password: got %v, want Unauthorized", err)
	}

	cw, sh := auth.RoleCaseworker, "payoke"
	if _, err := env.Auth.UpdateUser(ctx, root, "root", auth.UserPatch{Role: &cw, Shelter: &sh}); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("admin changes his own role: got %v, want Forbidden", err)
	}

	// The auditor made a caseworker: pending until a second admin approves.
	up, err := env.Auth.ChangeUser(ctx, root, "aud", auth.UserPatch{Role: &cw, Shelter: &sh})
	if err != nil || up.Pending == nil || up.User.Role != auth.RoleAuditor {
		t.Fatalf("request: got %+v (%v), want the auditor unchanged and a pending change", up, err)
	}
	if u, _ := env.Auth.GetUser(ctx, "aud"); u.Role != auth.RoleAuditor {
		t.Fatalf("before approval: role %s, want auditor", u.Role)
	}
	if _, err := env.Auth.ApproveUserChange(ctx, root, up.Pending.ID); apperr.KindOf(err) != apperr.Forbidden {
		t.Fatalf("self-approval: got %v, want Forbidden", err)
	}
	list, err := env.Auth.PendingChanges(ctx, other)
	if err != nil || len(list) != 1 || list[0].ID != up.Pending.ID {
		t.Fatalf("pending changes: got %+v (%v), want the one asked", list, err)
	}
	ap, err := env.Auth.ApproveUserChange(ctx, other, up.Pending.ID)
	u := ap.User
	if err != nil || u.Role != auth.RoleCaseworker || u.Shelter() != "payoke" {
		t.Fatalf("approval by a second admin: got %+v (%v), want a caseworker of payoke", u, err)
	}
	if _, err := env.Auth.ApproveUserChange(ctx, other, up.Pending.ID); apperr.KindOf(err) != apperr.Conflict {
		t.Fatalf("second approval: got %v, want Conflict", err)
	}
	// A change that gives no access to case files applies at once.
	aud := auth.RoleAuditor
	if up, err := env.Auth.ChangeUser(ctx, root, "aud", auth.UserPatch{Role: &aud}); err != nil || up.Pending != nil || up.User.Role != auth.RoleAuditor {
		t.Fatalf("back to auditor: got %+v (%v), want applied at once", up, err)
	}
	// The system (operator's CLI) changes directly.
	if up, err := env.Auth.ChangeUser(ctx, auth.System, "aud", auth.UserPatch{Role: &cw, Shelter: &sh}); err != nil || up.Pending != nil {
		t.Fatalf("system change: got %+v (%v), want applied at once", up, err)
	}
	evs := auditEvents(t, env)
	for _, want := range []string{"request_user_change", "approve_user_change"} {
		if !slices.Contains(evs, want) {
			t.Errorf("audit chain %v: no %s", evs, want)
		}
	}
}

// TestPasswordReset checks the one-time reset code: single use, expiring,
// throttled, and audited; the admin never sets the password.
func TestPasswordReset(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	root := env.AddUser(t, "root", auth.RoleAdmin, "")
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	code, err := env.Auth.IssuePasswordReset(ctx, root, "ana")
	if err != nil || len(code.Code) != 32 || !code.ExpiresAt.Equal(apptest.DefaultNow.Add(auth.PasswordResetTTL)) {
		t.Fatalf("issue: got %+v (%v), want a 32-character code valid 24 h", code, err)
	}
	const newPW = "my very own passphrase"
	steps := []struct {
		name, code, pw string
		want           apperr.Kind
	}{
		{"wrong code", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", newPW, apperr.Unauthorized},
		{"weak password", code.Code, "password1234", apperr.Invalid},
		{"right code", code.Code, newPW, 0},
		{"used twice", code.Code, "yet another passphrase", apperr.Unauthorized},
	}
	for _, st := range steps {
		err := env.Auth.RedeemPasswordReset(ctx, "ana", st.code, st.pw, "10.0.0.1")
		if (st.want == 0) != (err == nil) || (err != nil && apperr.KindOf(err) != st.want) {
			t.Fatalf("%s: got %v, want %v", st.name, err, st.want)
		}
	}
	if _, err := env.Auth.Login(ctx, "ana", newPW, "10.0.0.1"); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if _, err := env.Auth.Login(ctx, "ana", apptest.Password, "10.0.0.1"); apperr.KindOf(err) != apperr.Unauthorized {
		t.Fatalf("login with the old password: got %v, want Unauthorized", err)
	}
	old, _ := env.Auth.IssuePasswordReset(ctx, root, "ana")
	late, _ := env.Auth.IssuePasswordReset(ctx, root, "ana")
	if err := env.Auth.RedeemPasswordReset(ctx, "ana", old.Code, newPW+" 2", "10.0.0.1"); apperr.KindOf(err) != apperr.Unauthorized {
		t.Fatalf("a code replaced by a newer one: got %v, want Unauthorized", err)
	}
	env.Clock.Advance(auth.PasswordResetTTL + time.Second)
	if err := env.Auth.RedeemPasswordReset(ctx, "ana", late.Code, newPW+" 3", "10.0.0.1"); apperr.KindOf(err) != apperr.Unauthorized {
		t.Fatalf("an expired code: got %v, want Unauthorized", err)
	}
	evs := auditEvents(t, env)
	for _, want := range []string{"issue_password_reset", "redeem_password_reset"} {
		if !slices.Contains(evs, want) {
			t.Errorf("audit chain %v: no %s", evs, want)
		}
	}
}
