package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
)

func webEnv(t *testing.T) *apptest.Env {
	t.Helper()
	e := apptest.New(t, func(c *config.Config) {
		c.Auth.LoginMaxFailures, c.Auth.LoginMaxFailuresIP = 3, 3
		c.Auth.RefreshTokenTTL = 2 * time.Hour
		c.Auth.FourEyes = true // these tests change users through a second admin
	})
	e.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	e.AddUser(t, "sam", auth.RoleSupervisor, "payoke")
	e.AddUser(t, "adm", auth.RoleAdmin, "")
	return e
}

func TestLoginWeb(t *testing.T) {
	e := webEnv(t)
	ctx := context.Background()
	ws, err := e.Auth.LoginWeb(ctx, "ana", apptest.Password, "10.0.0.1")
	if err != nil {
		t.Fatalf("LoginWeb: %v", err)
	}
	want := auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke", Session: ws.Actor.Session}
	if ws.Actor != want || ws.Actor.Session == "" {
		t.Fatalf("actor: got %+v, want %+v with a session", ws.Actor, want)
	}
	if len(ws.Token) != 43 || len(ws.CSRF) != 43 || ws.Token == ws.CSRF {
		t.Fatalf("token %q and CSRF %q: want two different 256-bit base64url values", ws.Token, ws.CSRF)
	}
	if got, want := ws.ExpiresAt, apptest.DefaultNow.Add(e.Config.Auth.RefreshTokenTTL); !got.Equal(want) {
		t.Fatalf("ExpiresAt: got %v, want %v", got, want)
	}
	a, csrf, err := e.Auth.AuthenticateWeb(ctx, ws.Token)
	if err != nil || a != ws.Actor || csrf != ws.CSRF {
		t.Fatalf("AuthenticateWeb: got %+v %q (%v), want %+v %q", a, csrf, err, ws.Actor, ws.CSRF)
	}
	var stored struct{ TokenHash string }
	if err := e.DB.Read.Table("web_sessions").Select("token_hash").Take(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if stored.TokenHash == ws.Token || len(stored.TokenHash) != 64 {
		t.Fatalf("stored token: got %q, want its SHA-256 in hex", stored.TokenHash)
	}

	// Failures count per account and per IP (3 allowed here); the
	// answer never says which part was wrong.
	steps := []struct {
		user, password string
		kind           apperr.Kind
	}{
		{"ana", "not the password", apperr.Unauthorized},
		{"nobody", apptest.Password, apperr.Unauthorized},
		{"ana", "not the password", apperr.Unauthorized},
		{"ana", apptest.Password, apperr.TooManyRequests},
	}
	for i, st := range steps {
		_, err := e.Auth.LoginWeb(ctx, st.user, st.password, "10.0.0.2")
		if got := apperr.KindOf(err); got != st.kind {
			t.Fatalf("attempt %d (%s): got %v (%v), want %v", i, st.user, got, err, st.kind)
		}
	}
}

// TestWebSessionEnds checks everything that ends a web session at once.
func TestWebSessionEnds(t *testing.T) {
	ctx := context.Background()
	adm := auth.Actor{Username: "adm", Role: auth.RoleAdmin}
	disabled, role, pw := true, auth.RoleSupervisor, "a different long password"
	tests := []struct {
		name string
		end  func(e *apptest.Env, token string) error
	}{
		{"logout", func(e *apptest.Env, token string) error { return e.Auth.LogoutWeb(ctx, token) }},
		{"disabled", func(e *apptest.Env, _ string) error {
			_, err := e.Auth.UpdateUser(ctx, adm, "ana", auth.UserPatch{Disabled: &disabled})
			return err
		}},
		// A role that reads case files takes a second admin's approval;
		// the sessions end when it takes effect.
		{"role changed", func(e *apptest.Env, _ string) error {
			return changeApproved(ctx, e, adm, "ana", auth.UserPatch{Role: &role})
		}},
		// An admin no longer sets a password: the user redeems a code.
		{"password changed", func(e *apptest.Env, _ string) error {
			code, err := e.Auth.IssuePasswordReset(ctx, adm, "ana")
			if err != nil {
				return err
			}
			return e.Auth.RedeemPasswordReset(ctx, "ana", code.Code, pw, "10.0.0.3")
		}},
		{"idle", func(e *apptest.Env, _ string) error {
			e.Clock.Advance(auth.WebIdleTimeout)
			return nil
		}},
		{"expired", func(e *apptest.Env, token string) error {
			// Used every 20 minutes: only the login session's expiry ends it.
			for d := time.Duration(0); d < e.Config.Auth.RefreshTokenTTL; d += 20 * time.Minute {
				e.Clock.Advance(20 * time.Minute)
				_, _, _ = e.Auth.AuthenticateWeb(ctx, token)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := webEnv(t)
			ws, err := e.Auth.LoginWeb(ctx, "ana", apptest.Password, "10.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.end(e, ws.Token); err != nil {
				t.Fatal(err)
			}
			_, _, err = e.Auth.AuthenticateWeb(ctx, ws.Token)
			if apperr.KindOf(err) != apperr.Unauthorized {
				t.Fatalf("after %s: got %v, want Unauthorized", tt.name, err)
			}
			if tt.name == "idle" {
				var revoked int64
				e.DB.Read.Table("auth_sessions").Where("id = ? AND revoked_at IS NOT NULL", ws.Actor.Session).Count(&revoked)
				if revoked != 1 {
					t.Fatalf("the idle login session is not revoked")
				}
			}
		})
	}
}

// TestWebSessionSlides checks that each use restarts the idle timeout.
func TestWebSessionSlides(t *testing.T) {
	e := webEnv(t)
	ctx := context.Background()
	ws, err := e.Auth.LoginWeb(ctx, "ana", apptest.Password, "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ { // 4 × 29 minutes = almost 2 hours
		e.Clock.Advance(29 * time.Minute)
		if _, _, err := e.Auth.AuthenticateWeb(ctx, ws.Token); err != nil {
			t.Fatalf("use %d after 29 idle minutes: %v", i+1, err)
		}
	}
	for _, bad := range []string{"", "not-a-token", ws.CSRF} {
		if _, _, err := e.Auth.AuthenticateWeb(ctx, bad); apperr.KindOf(err) != apperr.Unauthorized {
			t.Fatalf("token %q: got %v, want Unauthorized", bad, err)
		}
	}
}

func TestReauthenticate(t *testing.T) {
	e := webEnv(t)
	ctx := context.Background()
	ana := auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke"}
	tests := []struct {
		password string
		want     apperr.Kind
		ok       bool
	}{
		{apptest.Password, 0, true},
		{"wrong password 1", apperr.Unauthorized, false},
		{"wrong password 2", apperr.Unauthorized, false},
		{"wrong password 3", apperr.Unauthorized, false},
		{apptest.Password, apperr.TooManyRequests, false}, // throttled after 3 failures
	}
	for i, tt := range tests {
		err := e.Auth.Reauthenticate(ctx, ana, tt.password, "10.0.0.9")
		if (err == nil) != tt.ok || (err != nil && apperr.KindOf(err) != tt.want) {
			t.Fatalf("attempt %d: got %v, want ok=%v kind=%v", i, err, tt.ok, tt.want)
		}
	}
}

func TestFeedTokens(t *testing.T) {
	e := webEnv(t)
	ctx := context.Background()
	sam := auth.Actor{Username: "sam", Role: auth.RoleSupervisor, Shelter: "payoke"}
	if _, ok, err := e.Auth.FeedTokenCreated(ctx, sam); ok || err != nil {
		t.Fatalf("FeedTokenCreated before any: got %v (%v), want none", ok, err)
	}
	tok, err := e.Auth.NewFeedToken(ctx, sam)
	if err != nil || len(tok) != 43 {
		t.Fatalf("NewFeedToken: got %q (%v), want a 256-bit token", tok, err)
	}
	if created, ok, err := e.Auth.FeedTokenCreated(ctx, sam); !ok || err != nil || !created.Equal(apptest.DefaultNow) {
		t.Fatalf("FeedTokenCreated: got %v %v (%v), want %v", created, ok, err, apptest.DefaultNow)
	}
	a, err := e.Auth.FeedActor(ctx, tok)
	if want := (auth.Actor{Username: "sam", Role: auth.RoleSupervisor, Shelter: "payoke"}); err != nil || a != want {
		t.Fatalf("FeedActor: got %+v (%v), want %+v", a, err, want)
	}
	tok2, err := e.Auth.NewFeedToken(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	adm := auth.Actor{Username: "adm", Role: auth.RoleAdmin}
	shelter := "surya"
	tests := []struct {
		name  string
		token string
		setup func() error
	}{
		{"replaced", tok, nil},
		{"empty", "", nil},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil},
		{"shelter changed", tok2, func() error {
			return changeApproved(ctx, e, adm, "sam", auth.UserPatch{Shelter: &shelter})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				if err := tt.setup(); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.Auth.FeedActor(ctx, tt.token); apperr.KindOf(err) != apperr.Unauthorized {
				t.Fatalf("got %v, want Unauthorized", err)
			}
		})
	}
	t.Run("revoke", func(t *testing.T) {
		ana := auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke"}
		tok, err := e.Auth.NewFeedToken(ctx, ana)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Auth.RevokeFeedToken(ctx, ana); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Auth.FeedActor(ctx, tok); apperr.KindOf(err) != apperr.Unauthorized {
			t.Fatalf("revoked: got %v, want Unauthorized", err)
		}
	})
	t.Run("admins have no feed", func(t *testing.T) {
		if _, err := e.Auth.NewFeedToken(ctx, adm); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("got %v, want Forbidden", err)
		}
	})
}

// TestFeedRevokedOnNewPassword checks that a new password ends the
// user's calendar feed: the old credentials may be known to someone else.
func TestFeedRevokedOnNewPassword(t *testing.T) {
	e := webEnv(t)
	ctx := context.Background()
	sam := auth.Actor{Username: "sam", Role: auth.RoleSupervisor, Shelter: "payoke"}
	tok, err := e.Auth.NewFeedToken(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	pw := "a different long password"
	if _, err := e.Auth.UpdateUser(ctx, auth.System, "sam", auth.UserPatch{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Auth.FeedActor(ctx, tok); apperr.KindOf(err) != apperr.Unauthorized {
		t.Fatalf("feed after a new password: got %v, want Unauthorized", err)
	}
}

// changeApproved asks for a change as adm and has a second admin approve
// it.
func changeApproved(ctx context.Context, e *apptest.Env, adm auth.Actor, username string, p auth.UserPatch) error {
	up, err := e.Auth.ChangeUser(ctx, adm, username, p)
	if err != nil {
		return err
	}
	if up.Pending == nil {
		return fmt.Errorf("change of %s: no pending change", username)
	}
	_, err = e.Auth.ApproveUserChange(ctx, auth.Actor{Username: "adm2", Role: auth.RoleAdmin}, up.Pending.ID)
	return err
}
