package auth_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
)

// otherInstance returns a second auth.Service over env's database, key and
// clock: another server process, as on PostgreSQL, with a memory of its own.
func otherInstance(t *testing.T, env *apptest.Env) *auth.Service {
	t.Helper()
	c := env.Config.Auth
	tokens, err := auth.NewTokens(auth.TokenConfig{Key: env.Keys.JWTKey(), Issuer: c.Issuer, Audience: c.Audience,
		TTL: c.AccessTokenTTL, Leeway: 30 * time.Second}, env.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	return auth.NewService(env.DB, auth.NewHasher(auth.HashParams{Time: 1, MemoryKiB: 64, Threads: 1}, 4), tokens,
		nil, c.RefreshTokenTTL, env.Clock.Now)
}

// TestRevokedSessionStopsAtOnceHere checks that the memory of verified
// sessions never outlives a revocation made on the same instance: after a
// logout, a disabled account or a role change, the next request with the
// same token is refused, though the session was verified a moment before.
func TestRevokedSessionStopsAtOnceHere(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		revoke func(env *apptest.Env, token string) error
	}{
		{"logout", func(env *apptest.Env, token string) error {
			a, err := env.Auth.Authenticate(ctx, token)
			if err != nil {
				return err
			}
			return env.Auth.Logout(ctx, a, "")
		}},
		{"user disabled", func(env *apptest.Env, _ string) error {
			yes := true
			_, err := env.Auth.UpdateUser(ctx, auth.System, "ana", auth.UserPatch{Disabled: &yes})
			return err
		}},
		{"role changed", func(env *apptest.Env, _ string) error {
			role := auth.RoleSupervisor
			_, err := env.Auth.UpdateUser(ctx, auth.System, "ana", auth.UserPatch{Role: &role})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := apptest.New(t, nil)
			env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
			token := env.Login(t, "ana")
			for range 3 { // verified in the database, then from memory
				if _, err := env.Auth.Authenticate(ctx, token); err != nil {
					t.Fatalf("authenticate before: %v", err)
				}
			}
			if err := tc.revoke(env, token); err != nil {
				t.Fatalf("revoke: %v", err)
			}
			if a, err := env.Auth.Authenticate(ctx, token); err == nil {
				t.Fatalf("authenticate after %s: accepted as %+v, want refused at once", tc.name, a)
			}
		})
	}
}

// TestRevokedSessionStopsElsewhereWithinStaleness checks the bound on
// another instance: a logout made through another server process is
// honoured here once SessionCacheTTL has passed since the session was
// last verified here, and at once for a session not verified here yet.
func TestRevokedSessionStopsElsewhereWithinStaleness(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	token := env.Login(t, "ana")
	other := otherInstance(t, env)
	a, err := env.Auth.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	// The logout goes through the other instance; it never verified the
	// session before, so it refuses it at once.
	if err := other.Logout(ctx, a, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate(ctx, token); err == nil {
		t.Fatal("the instance that logged out still accepts the token")
	}
	// Here the session was verified at most SessionCacheTTL ago.
	env.Clock.Advance(auth.SessionCacheTTL)
	if got, err := env.Auth.Authenticate(ctx, token); err == nil {
		t.Fatalf("accepted as %+v %v after the logout elsewhere, want refused", got, auth.SessionCacheTTL)
	}
}

// TestSessionRevocationRace runs requests while the session is logged
// out on the same instance: no request that starts after Logout returned
// is accepted (run with -race).
func TestSessionRevocationRace(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	token := env.Login(t, "ana")
	a, err := env.Auth.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	var revoked atomic.Bool
	var late atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load()
				if _, err := env.Auth.Authenticate(ctx, token); err == nil && after {
					late.Add(1)
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := env.Auth.Logout(ctx, a, ""); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := late.Load(); n > 0 {
		t.Errorf("%d requests started after the logout returned were accepted", n)
	}
}

// TestVerifiedTokenExpires checks that a token verified before (and kept
// by its text) is refused once it expires, and that a token differing in
// one character is never taken for it.
func TestVerifiedTokenExpires(t *testing.T) {
	ctx := context.Background()
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	token := env.Login(t, "ana")
	for range 2 {
		if _, err := env.Auth.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
	}
	last := token[len(token)-1]
	forged := token[:len(token)-1] + string(map[bool]byte{true: 'A', false: 'B'}[last != 'A'])
	if _, err := env.Auth.Authenticate(ctx, forged); err == nil {
		t.Error("a token altered in its signature was accepted")
	}
	env.Clock.Advance(env.Config.Auth.AccessTokenTTL + time.Minute) // beyond any leeway
	if a, err := env.Auth.Authenticate(ctx, token); err == nil {
		t.Errorf("accepted as %+v at its expiry, want refused", a)
	}
}
