package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
)

func TestPurgeSessions(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	count := func(table string) int64 {
		var n int64
		if err := env.DB.Read.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Three sessions: one logged out, one web session left to expire, one live.
	p, err := env.Auth.Login(ctx, "ana", apptest.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	a, err := env.Auth.Authenticate(ctx, p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Auth.Logout(ctx, a, p.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Auth.LoginWeb(ctx, "ana", apptest.Password, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if got := count("auth_sessions"); got != 2 {
		t.Fatalf("got %d sessions, want 2", got)
	}
	// Nothing ended before the cutoff: nothing is purged.
	n, err := env.Auth.PurgeSessions(ctx, env.Clock.Now().Add(-time.Minute))
	if err != nil || n != 0 {
		t.Fatalf("purge before anything ended: got %d, %v; want 0", n, err)
	}
	// A week and an hour later the web session has expired too
	// (refresh_token_ttl, 7 days); a new login is live.
	env.Clock.Advance(7*24*time.Hour + time.Hour)
	live, err := env.Auth.Login(ctx, "ana", apptest.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	n, err = env.Auth.PurgeSessions(ctx, env.Clock.Now().Add(-time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("purge: got %d, %v; want 2 (the logged-out and the expired web session)", n, err)
	}
	if got := count("auth_sessions"); got != 1 {
		t.Errorf("got %d sessions left, want the live one", got)
	}
	if got := count("web_sessions"); got != 0 {
		t.Errorf("got %d web sessions left, want 0", got)
	}
	if _, err := env.Auth.Authenticate(ctx, live.AccessToken); err != nil {
		t.Errorf("the live session after the purge: %v", err)
	}
}
