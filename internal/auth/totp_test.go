package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
	"github.com/casemgr/casemgr/internal/vault"
)

// TestSecondFactorPassesTheAccountCeiling: once failures from many
// addresses hold an account at its ceiling, the owner still logs in with
// a right code, while an attempt without one, with a wrong one, or for an
// account without a second factor waits (429) and hashes nothing.
func TestSecondFactorPassesTheAccountCeiling(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	owner := env.AddUser(t, "owner", auth.RoleCaseworker, "payoke")
	env.AddUser(t, "plain", auth.RoleCaseworker, "payoke")
	secret, recovery := env.EnrolTOTP(t, owner)
	svc, _ := throttledService(t, env, auth.ThrottleConfig{PerPair: 5, PerAccount: 10, PerAddress: 1000})
	keys, _, err := vault.Open(vault.Options{Dir: env.Config.KeyDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetSecondFactor(keys.TOTPKey(), nil); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"owner", "plain"} {
		for i := range 10 {
			_, err := svc.LoginWith(ctx, auth.Credentials{Username: user, Password: "wrong password " + fmt.Sprint(i)}, fmt.Sprintf("10.0.%d.1", i))
			if apperr.KindOf(err) != apperr.Unauthorized {
				t.Fatalf("guess %d for %s: got %v, want Unauthorized", i, user, err)
			}
		}
	}
	const ip = "192.0.2.7"
	right := env.TOTPCode(t, secret)
	wrong := "000000"
	if wrong == right {
		wrong = "111111"
	}
	for _, c := range []struct {
		name string
		cr   auth.Credentials
		want apperr.Kind
	}{
		{"password only", auth.Credentials{Username: "owner", Password: apptest.Password}, apperr.TooManyRequests},
		{"wrong code", auth.Credentials{Username: "owner", Password: apptest.Password, TOTPCode: wrong}, apperr.TooManyRequests},
		{"a code for an account without a second factor", auth.Credentials{Username: "plain", Password: apptest.Password, TOTPCode: right}, apperr.TooManyRequests},
		{"right code", auth.Credentials{Username: "owner", Password: apptest.Password, TOTPCode: right}, 0},
		{"recovery code", auth.Credentials{Username: "owner", Password: apptest.Password, RecoveryCode: recovery[0]}, 0},
	} {
		_, err := svc.LoginWith(ctx, c.cr, ip)
		if c.want == 0 && err != nil || c.want != 0 && apperr.KindOf(err) != c.want {
			t.Errorf("%s past the ceiling: got %v, want %v", c.name, err, c.want)
		}
	}
}

// TestSecondFactorErrors checks the service's answers that the API turns
// into totp_required and 403.
func TestSecondFactorErrors(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	a := env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	if _, err := env.Auth.ConfirmTOTP(ctx, a, "123456"); apperr.KindOf(err) != apperr.Conflict {
		t.Errorf("confirm without enrolling: got %v, want Conflict", err)
	}
	secret, _ := env.EnrolTOTP(t, a)
	if _, err := env.Auth.EnrollTOTP(ctx, a); apperr.KindOf(err) != apperr.Conflict {
		t.Errorf("enrol over a confirmed second factor: got %v, want Conflict", err)
	}
	_, err := env.Auth.Login(ctx, "ana", apptest.Password, "127.0.0.1")
	if apperr.KindOf(err) != apperr.Unauthorized || !errors.Is(err, auth.ErrSecondFactorRequired) {
		t.Errorf("login without a code: got %v, want Unauthorized with ErrSecondFactorRequired", err)
	}
	// Re-authentication of a logged-in user (bulk exports) asks the password only.
	if err := env.Auth.Reauthenticate(ctx, a, apptest.Password, "127.0.0.1"); err != nil {
		t.Errorf("reauthenticate: got %v, want nil", err)
	}
	if _, err := env.Auth.LoginWith(ctx, auth.Credentials{Username: "ana", Password: apptest.Password,
		TOTPCode: env.TOTPCode(t, secret)}, "127.0.0.1"); err != nil {
		t.Errorf("login with the code: got %v", err)
	}
}

// TestCreationOfCaseReaderNeedsASecondAdmin: an admin's new caseworker is
// a pending change with no password; a second admin's approval creates
// the user and gives a reset code, with which the user sets his password.
func TestCreationOfCaseReaderNeedsASecondAdmin(t *testing.T) {
	env := apptest.New(t, func(c *config.Config) { c.Auth.FourEyes = true })
	ctx := context.Background()
	root := env.AddUser(t, "root", auth.RoleAdmin, "")
	other := env.AddUser(t, "other", auth.RoleAdmin, "")
	up, err := env.Auth.CreateUser(ctx, root, auth.NewUser{Username: "cara", Role: auth.RoleCaseworker, Shelter: "payoke"})
	if err != nil || up.Pending == nil || up.Pending.Kind != auth.ChangeCreate {
		t.Fatalf("admin creates a caseworker: got %+v (%v), want a pending creation", up, err)
	}
	if _, err := env.Auth.GetUser(ctx, "cara"); apperr.KindOf(err) != apperr.NotFound {
		t.Fatalf("cara before the approval: got %v, want NotFound", err)
	}
	if _, err := env.Auth.ApproveUserChange(ctx, root, up.Pending.ID); apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("self-approval of a creation: got %v, want Forbidden", err)
	}
	ap, err := env.Auth.ApproveUserChange(ctx, other, up.Pending.ID)
	if err != nil || ap.User.Role != auth.RoleCaseworker || ap.ResetCode == nil {
		t.Fatalf("approval: got %+v (%v), want a caseworker and a reset code", ap, err)
	}
	if err := env.Auth.RedeemPasswordReset(ctx, "cara", ap.ResetCode.Code, "cara's own passphrase 7", "127.0.0.1"); err != nil {
		t.Fatalf("redeem: %v", err)
	}
	if _, err := env.Auth.Login(ctx, "cara", "cara's own passphrase 7", "127.0.0.1"); err != nil {
		t.Errorf("login with the chosen password: %v", err)
	}
	// The system (operator's CLI, demo loader) still creates directly.
	up, err = env.Auth.CreateUser(ctx, auth.System, auth.NewUser{Username: "dora", Password: apptest.Password, Role: auth.RoleSupervisor, Shelter: "payoke"})
	if err != nil || up.Pending != nil || up.User.Username != "dora" {
		t.Errorf("system creates a supervisor: got %+v (%v), want created", up, err)
	}
}
