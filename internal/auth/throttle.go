package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/store"
)

// ThrottleConfig sets the limits of login attempts (docs/security.md
// "Logins"). Zero values take the defaults of DefaultThrottleConfig.
type ThrottleConfig struct {
	// PerPair is the number of attempts one address may make for one
	// account within Window before each further one waits: BaseDelay,
	// then twice as long each time, up to Window.
	PerPair int
	// PerAccount is the ceiling of attempts for one account from all
	// addresses within Window, much higher than PerPair so that guesses
	// from one address do not lock the owner out. Past it, only an attempt
	// that carries a second factor would be tried (no caller has one yet).
	PerAccount int
	// PerAddress is the ceiling of attempts from one address, for all
	// accounts, within Window (a shelter's staff may share one address).
	PerAddress int
	// Window is how long an attempt counts.
	Window time.Duration
	// BaseDelay is the first slow-down of a pair past PerPair.
	BaseDelay time.Duration
	// InFlightPerAccount and InFlightPerAddress cap the password hashes
	// running at once for one account and from one address, in this
	// process: a burst beyond them is answered 429 at once.
	InFlightPerAccount, InFlightPerAddress int
	// MaxRows caps the throttle table; the rows used longest ago go first.
	MaxRows int
}

// DefaultThrottleConfig returns the production limits.
func DefaultThrottleConfig() ThrottleConfig {
	return ThrottleConfig{PerPair: 5, PerAccount: 100, PerAddress: 50, Window: 15 * time.Minute,
		BaseDelay: time.Second, InFlightPerAccount: 2, InFlightPerAddress: 8, MaxRows: 100_000}
}

func (c ThrottleConfig) withDefaults() ThrottleConfig {
	d := DefaultThrottleConfig()
	for _, f := range []struct{ v, d *int }{{&c.PerPair, &d.PerPair}, {&c.PerAccount, &d.PerAccount},
		{&c.PerAddress, &d.PerAddress}, {&c.InFlightPerAccount, &d.InFlightPerAccount},
		{&c.InFlightPerAddress, &d.InFlightPerAddress}, {&c.MaxRows, &d.MaxRows}} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	if c.Window <= 0 {
		c.Window = d.Window
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = d.BaseDelay
	}
	return c
}

// Throttle limits login attempts per (account, address) pair, per account
// and per address. The counts live in the database (login_throttle), so
// that every server on one database enforces the same limits, and an
// attempt is counted in the same transaction that checks the limits,
// before its password is hashed: parallel guesses cannot all pass the
// check before any is counted. A successful attempt is given back. The
// number of hashes running at once per account and per address is capped
// in memory, per process.
type Throttle struct {
	db  *store.DB
	c   ThrottleConfig
	now func() time.Time

	mu       sync.Mutex
	inFlight map[string]int // only keys with running attempts: bounded by concurrency
	calls    atomic.Uint64
}

// NewThrottle returns a Throttle over db's login_throttle table.
func NewThrottle(db *store.DB, c ThrottleConfig, now func() time.Time) *Throttle {
	return &Throttle{db: db, c: c.withDefaults(), now: now, inFlight: map[string]int{}}
}

// RetryAfterError says how long a throttled caller should wait; it is the
// cause (Err) of the TooManyRequests errors of the throttle, for the HTTP
// layer's Retry-After header.
type RetryAfterError struct{ Wait time.Duration }

func (e *RetryAfterError) Error() string { return fmt.Sprintf("retry after %v", e.Wait) }

// RetryAfter returns the wait carried by a throttling error, rounded up to
// whole seconds (at least 1).
func RetryAfter(err error) (int, bool) {
	var r *RetryAfterError
	if !errors.As(err, &r) {
		return 0, false
	}
	s := int((r.Wait + time.Second - 1) / time.Second)
	return max(s, 1), true
}

func throttled(wait time.Duration) error {
	s, _ := RetryAfter(&RetryAfterError{Wait: wait})
	return &apperr.Error{Kind: apperr.TooManyRequests,
		Message: fmt.Sprintf("too many login attempts; try again in %d seconds", s),
		Err:     &RetryAfterError{Wait: wait}}
}

// throttleRow is one row of login_throttle.
type throttleRow struct {
	Key          string     `gorm:"column:throttle_key;primaryKey"`
	Failures     int        `gorm:"column:failures"`
	WindowStart  time.Time  `gorm:"column:window_start"`
	BlockedUntil *time.Time `gorm:"column:blocked_until"`
	UpdatedAt    time.Time  `gorm:"column:updated_at"`
}

func (throttleRow) TableName() string { return "login_throttle" }

func throttleKey(kind, v string) string {
	sum := sha256.Sum256([]byte(v))
	return kind + hex.EncodeToString(sum[:])
}

// attempt is a reserved login attempt. Call end once, with whether the
// credentials were right.
type attempt struct {
	t       *Throttle
	keys    [3]string // pair, account, address
	release func()
	// pastCeiling is set when the attempt carries a second factor and was
	// let past the account ceiling: the wait the ceiling imposes on
	// attempts without one. The caller then checks the code first and
	// answers throttled(pastCeiling) when it is wrong.
	pastCeiling time.Duration
}

// reserve counts an attempt for username from ip if the limits allow it,
// or returns a TooManyRequests error carrying a RetryAfterError.
// secondFactor says the attempt carries a second-factor code, which lets
// it pass the per-account ceiling (not the pair or address limits).
func (t *Throttle) reserve(ctx context.Context, username, ip string, secondFactor bool) (*attempt, error) {
	a := &attempt{t: t, keys: [3]string{
		throttleKey("p:", username+"\x00"+ip), throttleKey("u:", username), throttleKey("i:", ip)}}
	release, ok := t.enter(a.keys[1], a.keys[2])
	if !ok {
		return nil, throttled(time.Second)
	}
	a.release = release
	var wait time.Duration
	err := t.db.Tx(ctx, func(tx *gorm.DB) error {
		wait = 0
		now := t.now().UTC()
		var rows [3]throttleRow
		for i, k := range a.keys {
			if err := tx.Exec("INSERT INTO login_throttle (throttle_key, failures, window_start, updated_at) VALUES (?, 0, ?, ?) ON CONFLICT (throttle_key) DO NOTHING",
				k, now, now).Error; err != nil {
				return fmt.Errorf("auth: throttle: insert: %w", err)
			}
			if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).
				Where("throttle_key = ?", k).Take(&rows[i]).Error; err != nil {
				return fmt.Errorf("auth: throttle: load: %w", err)
			}
			if now.Sub(rows[i].WindowStart) >= t.c.Window {
				rows[i].Failures, rows[i].WindowStart, rows[i].BlockedUntil = 0, now, nil
			}
		}
		pair, account, address := &rows[0], &rows[1], &rows[2]
		if pair.BlockedUntil != nil && now.Before(*pair.BlockedUntil) {
			wait = max(wait, pair.BlockedUntil.Sub(now))
		}
		a.pastCeiling = 0
		if account.Failures >= t.c.PerAccount {
			if !secondFactor {
				wait = max(wait, account.WindowStart.Add(t.c.Window).Sub(now))
			} else {
				a.pastCeiling = max(account.WindowStart.Add(t.c.Window).Sub(now), time.Second)
			}
		}
		if address.Failures >= t.c.PerAddress {
			wait = max(wait, address.WindowStart.Add(t.c.Window).Sub(now))
		}
		if wait > 0 {
			return nil
		}
		for i := range rows {
			rows[i].Failures++
			rows[i].UpdatedAt = now
		}
		if over := pair.Failures - t.c.PerPair; over >= 0 {
			d := t.c.Window
			if over < 30 {
				d = min(t.c.BaseDelay<<over, t.c.Window)
			}
			until := now.Add(d)
			pair.BlockedUntil = &until
		}
		for _, r := range rows {
			if err := tx.Model(&throttleRow{}).Where("throttle_key = ?", r.Key).Updates(map[string]any{
				"failures": r.Failures, "window_start": r.WindowStart, "blocked_until": r.BlockedUntil, "updated_at": r.UpdatedAt,
			}).Error; err != nil {
				return fmt.Errorf("auth: throttle: count: %w", err)
			}
		}
		return nil
	})
	if err == nil && wait > 0 {
		err = throttled(wait)
	}
	if err != nil {
		release()
		return nil, err
	}
	if t.calls.Add(1)%64 == 1 {
		if err := t.sweep(ctx); err != nil {
			release()
			return nil, err
		}
	}
	return a, nil
}

// end finishes the attempt: a success is given back (and clears the
// pair's slow-down, so the owner is not slowed by his own typos), a
// failure stays counted.
func (a *attempt) end(ctx context.Context, success bool) error {
	defer a.release()
	if !success {
		return nil
	}
	return a.t.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("throttle_key = ?", a.keys[0]).Delete(&throttleRow{}).Error; err != nil {
			return fmt.Errorf("auth: throttle: clear pair: %w", err)
		}
		if err := tx.Model(&throttleRow{}).Where("throttle_key IN ? AND failures > 0", a.keys[1:]).
			Update("failures", gorm.Expr("failures - 1")).Error; err != nil {
			return fmt.Errorf("auth: throttle: give back: %w", err)
		}
		return nil
	})
}

// enter takes an in-flight slot for the account and the address, or
// reports that either is full.
func (t *Throttle) enter(account, address string) (func(), bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inFlight[account] >= t.c.InFlightPerAccount || t.inFlight[address] >= t.c.InFlightPerAddress {
		return nil, false
	}
	t.inFlight[account]++
	t.inFlight[address]++
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			for _, k := range []string{account, address} {
				if t.inFlight[k]--; t.inFlight[k] <= 0 {
					delete(t.inFlight, k)
				}
			}
		})
	}, true
}

// sweep deletes the rows unused for a window, then the oldest rows past
// MaxRows, so that guesses with ever new names or addresses cannot grow
// the table without bound.
func (t *Throttle) sweep(ctx context.Context) error {
	now := t.now().UTC()
	return t.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("updated_at < ? AND (blocked_until IS NULL OR blocked_until < ?)", now.Add(-t.c.Window), now).
			Delete(&throttleRow{}).Error; err != nil {
			return fmt.Errorf("auth: throttle: evict old rows: %w", err)
		}
		var n int64
		if err := tx.Model(&throttleRow{}).Count(&n).Error; err != nil {
			return fmt.Errorf("auth: throttle: count rows: %w", err)
		}
		if over := n - int64(t.c.MaxRows); over > 0 {
			oldest := tx.Model(&throttleRow{}).Select("throttle_key").Order("updated_at, throttle_key").Limit(int(over))
			if err := tx.Where("throttle_key IN (?)", oldest).Delete(&throttleRow{}).Error; err != nil {
				return fmt.Errorf("auth: throttle: evict past the cap: %w", err)
			}
		}
		return nil
	})
}

// Sweep runs the eviction now (it also runs every 64 attempts).
func (t *Throttle) Sweep(ctx context.Context) error { return t.sweep(ctx) }

// Rows returns the number of rows of the throttle table (for tests and
// metrics).
func (t *Throttle) Rows(ctx context.Context) (int64, error) {
	var n int64
	err := t.db.Read.WithContext(ctx).Model(&throttleRow{}).Count(&n).Error
	return n, err
}
