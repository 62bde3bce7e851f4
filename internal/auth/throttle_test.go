package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
)

// throttledService returns a Service over env's database with the given
// throttle limits, cheap hashing and env's clock.
func throttledService(t *testing.T, env *apptest.Env, c auth.ThrottleConfig) (*auth.Service, *auth.Throttle) {
	t.Helper()
	tokens, err := auth.NewTokens(auth.TokenConfig{Key: []byte("casemgr-test-key-0123456789abcdef"), Issuer: "casemgr",
		Audience: "casemgr-api", TTL: 15 * time.Minute}, env.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	th := auth.NewThrottle(env.DB, c, env.Clock.Now)
	return auth.NewService(env.DB, auth.NewHasher(auth.HashParams{Time: 1, MemoryKiB: 64, Threads: 1}, 4), tokens, th, time.Hour, env.Clock.Now), th
}

// TestThrottleSlowsPairsNotAccounts checks that failures slow down the
// address that made them (for that account) with a growing delay, while
// the owner logs in from another address, and that an address and an
// account have ceilings of their own.
func TestThrottleSlowsPairsNotAccounts(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	svc, _ := throttledService(t, env, auth.ThrottleConfig{PerPair: 3, PerAccount: 8, PerAddress: 6,
		Window: 15 * time.Minute, BaseDelay: time.Second})
	ctx := context.Background()
	login := func(user, pw, ip string) error {
		_, err := svc.Login(ctx, user, pw, ip)
		return err
	}
	retry := func(err error) int {
		s, _ := auth.RetryAfter(err)
		return s
	}
	const attacker, owner = "203.0.113.9", "192.0.2.1"
	for i := range 3 {
		if err := login("ana", "wrong password!!", attacker); apperr.KindOf(err) != apperr.Unauthorized {
			t.Fatalf("failure %d: got %v, want Unauthorized", i+1, err)
		}
	}
	// The third failure slowed the pair down by 1 s, then 2 s, 4 s.
	for _, wait := range []int{1, 2, 4} {
		err := login("ana", apptest.Password, attacker)
		if apperr.KindOf(err) != apperr.TooManyRequests || retry(err) != wait {
			t.Fatalf("attempt while slowed down: got %v (retry %d s), want TooManyRequests with %d s", err, retry(err), wait)
		}
		env.Clock.Advance(time.Duration(wait) * time.Second)
		if err := login("ana", "wrong password!!", attacker); apperr.KindOf(err) != apperr.Unauthorized {
			t.Fatalf("attempt after waiting %d s: got %v, want Unauthorized", wait, err)
		}
	}
	// The owner, from his own address, is not locked out.
	if err := login("ana", apptest.Password, owner); err != nil {
		t.Fatalf("owner from another address: got %v, want a login", err)
	}
	// The address ceiling (6): the attacker tries other accounts.
	if err := login("bob", "wrong password!!", attacker); apperr.KindOf(err) != apperr.TooManyRequests {
		t.Fatalf("seventh attempt from one address: got %v, want TooManyRequests", err)
	}
	// The account ceiling (8): two addresses more reach it; then even the
	// owner waits until the window ends.
	for _, ip := range []string{"198.51.100.1", "198.51.100.2"} {
		if err := login("ana", "wrong password!!", ip); apperr.KindOf(err) != apperr.Unauthorized {
			t.Fatalf("failure from %s: got %v, want Unauthorized", ip, err)
		}
	}
	if err := login("ana", apptest.Password, owner); apperr.KindOf(err) != apperr.TooManyRequests {
		t.Fatalf("owner past the account ceiling: got %v, want TooManyRequests", err)
	}
	env.Clock.Advance(15 * time.Minute)
	for _, ip := range []string{owner, attacker} {
		if err := login("ana", apptest.Password, ip); err != nil {
			t.Fatalf("after the window, from %s: got %v, want a login", ip, err)
		}
	}
}

// TestThrottleSuccessIsGivenBack checks that successful logins do not use
// up the limits: the attempt is counted before the hash and given back.
func TestThrottleSuccessIsGivenBack(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	svc, _ := throttledService(t, env, auth.ThrottleConfig{PerPair: 2, PerAccount: 2, PerAddress: 2, Window: time.Hour})
	for i := range 10 {
		if _, err := svc.Login(context.Background(), "ana", apptest.Password, "192.0.2.1"); err != nil {
			t.Fatalf("login %d: got %v, want a login", i+1, err)
		}
	}
}

// TestThrottleTableBounded checks that guesses with ever new usernames
// cannot grow the throttle table past its cap, that rows unused for a
// window go, and that oversized credentials are refused before they reach
// the throttle at all.
func TestThrottleTableBounded(t *testing.T) {
	env := apptest.New(t, nil)
	const maxRows = 40
	svc, th := throttledService(t, env, auth.ThrottleConfig{PerPair: 5, PerAccount: 5, PerAddress: 1000,
		Window: 15 * time.Minute, MaxRows: maxRows})
	ctx := context.Background()
	for i := range 300 {
		_, err := svc.Login(ctx, fmt.Sprintf("guess-%03d", i), "wrong password!!", "203.0.113.9")
		if apperr.KindOf(err) != apperr.Unauthorized {
			t.Fatalf("guess %d: got %v, want Unauthorized", i, err)
		}
		n, err := th.Rows(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Swept every 64 attempts; each adds at most two rows.
		if n > maxRows+2*64 {
			t.Fatalf("after %d guesses: %d rows, want at most %d", i+1, n, maxRows+2*64)
		}
	}
	if err := th.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := th.Rows(ctx); n > maxRows {
		t.Fatalf("after a sweep: %d rows, want at most %d", n, maxRows)
	}
	env.Clock.Advance(15*time.Minute + time.Second)
	if err := th.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := th.Rows(ctx); n != 0 {
		t.Fatalf("a window later: %d rows, want 0", n)
	}

	for _, tt := range []struct {
		name, user, pw, field string
	}{
		{"long username", strings.Repeat("u", auth.UsernameMaxBytes+1), "wrong password!!", "username"},
		{"megabyte username", strings.Repeat("u", 1<<20), "wrong password!!", "username"},
		{"long password", "ana", strings.Repeat("p", auth.LoginPasswordMaxBytes+1), "password"},
	} {
		_, err := svc.Login(ctx, tt.user, tt.pw, "203.0.113.9")
		var ae *apperr.Error
		if apperr.KindOf(err) != apperr.Invalid || !asApp(err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != tt.field {
			t.Errorf("%s: got %v, want Invalid on field %s", tt.name, err, tt.field)
		}
	}
	if n, _ := th.Rows(ctx); n != 0 {
		t.Fatalf("after refused oversized logins: %d rows, want 0", n)
	}
}

func asApp(err error, target **apperr.Error) bool { return errors.As(err, target) }
