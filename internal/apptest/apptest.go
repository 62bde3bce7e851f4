// Package apptest builds a complete casemgr for tests: a fresh database,
// generated keys in a temporary directory, cheap password hashing, and a
// settable clock. The database is a SQLite file in that directory, or,
// when CASEMGR_TEST_POSTGRES_DSN is set, a fresh schema of that
// PostgreSQL database, dropped when the test ends; the same tests run on
// both. It is imported only by tests.
package apptest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// Clock is a settable clock for tests; safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// DefaultNow is the default test time: noon in Brussels on 2025-06-15.
var DefaultNow = time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)

// Config returns a configuration for tests in dir: cheap argon2 parameters
// (allow_weak_hashing), the SQLite default, quiet logs. New switches it to
// PostgreSQL when CASEMGR_TEST_POSTGRES_DSN is set.
func Config(dir string) config.Config {
	cfg := config.Default()
	cfg.Server.DataDir = dir
	cfg.Auth.AllowWeakHashing = true
	cfg.Auth.Argon2Time = 1
	cfg.Auth.Argon2MemoryKiB = 64
	cfg.Auth.LoginMaxFailures = 1000
	cfg.Auth.LoginMaxFailuresIP = 1000
	cfg.Auth.LoginMaxFailuresAccount = 1000
	// Most tests log admins and auditors in with a password only; the
	// tests of the second factor set the roles back.
	cfg.Auth.TOTPRequiredRoles = []string{}
	cfg.Metrics.Token = MetricsToken
	return cfg
}

// MetricsToken is the metrics.token of a test casemgr: GET /metrics needs
// "Authorization: Bearer " + MetricsToken.
const MetricsToken = "test-metrics-token-0123456789"

// Env is an assembled casemgr under test.
type Env struct {
	*app.App
	Clock *Clock
	Dir   string
	// Handler is the HTTP router of the API.
	Handler http.Handler
}

// New builds a casemgr in a new temporary directory with the clock at
// DefaultNow. mutate, if not nil, may change the configuration first.
func New(t testing.TB, mutate func(*config.Config)) *Env {
	t.Helper()
	return NewLogged(t, io.Discard, mutate)
}

// NewLogged is New with the application's JSON logs written to w.
func NewLogged(t testing.TB, w io.Writer, mutate func(*config.Config)) *Env {
	t.Helper()
	dir := t.TempDir()
	cfg := Config(dir)
	if Postgres() {
		cfg.Database.Driver = string(store.Postgres)
		cfg.Database.DSN = storetest.Schema(t)
	}
	if mutate != nil {
		mutate(&cfg)
	}
	clock := NewClock(DefaultNow)
	a, err := app.Open(context.Background(), cfg, clock.Now, slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return &Env{App: a, Clock: clock, Dir: dir, Handler: a.Router().Handler()}
}

// Postgres reports whether the tests run on PostgreSQL
// (CASEMGR_TEST_POSTGRES_DSN is set) rather than SQLite.
func Postgres() bool { return storetest.PostgresDSN() != "" }

// SkipOnPostgres skips a test that checks something only SQLite has (the
// bytes of the database file, PRAGMAs), saying why, when the suite runs on
// PostgreSQL.
func SkipOnPostgres(t testing.TB, why string) {
	t.Helper()
	if Postgres() {
		t.Skipf("SQLite only (%s): skipped on PostgreSQL", why)
	}
}

// AllowTampering lifts the database's protection of the audit log, so that
// a test can rewrite or cut the chain as someone with write access to the
// database could, and check that verification notices: the triggers that
// refuse UPDATE and DELETE of audit_log are dropped, and so are foreign
// keys into it (SQLite: foreign_keys=OFF on the write connection;
// PostgreSQL: the constraints that reference audit_log).
func (e *Env) AllowTampering(t testing.TB) {
	t.Helper()
	db := e.DB.Write
	stmts := []string{"DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete", "PRAGMA foreign_keys = OFF"}
	if e.DB.Dialect == store.Postgres {
		stmts = []string{"ALTER TABLE audit_log DISABLE TRIGGER USER"}
		var fks []struct{ Table, Name string }
		err := db.Raw(`SELECT c.conrelid::regclass::text AS "table", c.conname AS name FROM pg_constraint c
			WHERE c.contype = 'f' AND c.confrelid = 'audit_log'::regclass`).Scan(&fks).Error
		if err != nil {
			t.Fatalf("allow tampering: foreign keys into audit_log: %v", err)
		}
		for _, fk := range fks {
			stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %q", fk.Table, fk.Name))
		}
	}
	for _, q := range stmts {
		if err := db.Exec(q).Error; err != nil {
			t.Fatalf("allow tampering: %s: %v", q, err)
		}
	}
}

// Password is the password of every user made by AddUser.
const Password = "correct horse battery staple"

// AddUser creates a user with Password.
func (e *Env) AddUser(t testing.TB, username string, role auth.Role, shelter string) auth.Actor {
	t.Helper()
	_, err := e.Auth.CreateUser(context.Background(), auth.System,
		auth.NewUser{Username: username, Password: Password, Role: role, Shelter: shelter})
	if err != nil {
		t.Fatalf("add user %s: %v", username, err)
	}
	return auth.Actor{Username: username, Role: role, Shelter: shelter}
}

// Login logs a user in and returns the access token.
func (e *Env) Login(t testing.TB, username string) string {
	t.Helper()
	p, err := e.Auth.Login(context.Background(), username, Password, "127.0.0.1")
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return p.AccessToken
}

// EnrolTOTP enrols and confirms a second factor for a, and returns its
// secret (compute codes with TOTPCode) and recovery codes. It advances the
// clock by one time step, so that the next code differs from the one used
// to confirm.
func (e *Env) EnrolTOTP(t testing.TB, a auth.Actor) (secret string, recovery []string) {
	t.Helper()
	en, err := e.Auth.EnrollTOTP(context.Background(), a)
	if err != nil {
		t.Fatalf("enrol TOTP of %s: %v", a.Username, err)
	}
	recovery, err = e.Auth.ConfirmTOTP(context.Background(), a, e.TOTPCode(t, en.Secret))
	if err != nil {
		t.Fatalf("confirm TOTP of %s: %v", a.Username, err)
	}
	e.Clock.Advance(30 * time.Second)
	return en.Secret, recovery
}

// TOTPCode returns the code of secret at the clock's time.
func (e *Env) TOTPCode(t testing.TB, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, e.Clock.Now())
	if err != nil {
		t.Fatalf("TOTP code: %v", err)
	}
	return code
}
