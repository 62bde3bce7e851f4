// Package storetest gives tests a PostgreSQL database of their own: when
// CASEMGR_TEST_POSTGRES_DSN is set, a fresh schema in that database,
// dropped when the test ends. It is imported only by tests.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/store"
)

// EnvDSN names the environment variable that holds the DSN of a PostgreSQL
// database for tests, for example
// postgres://casemgr:casemgr@127.0.0.1:5432/casemgr_test?sslmode=disable.
// The role needs CREATE on the database (each test makes its own schema).
const EnvDSN = "CASEMGR_TEST_POSTGRES_DSN"

// PostgresDSN returns the DSN of CASEMGR_TEST_POSTGRES_DSN, or "" when the
// variable is unset.
func PostgresDSN() string { return os.Getenv(EnvDSN) }

// SkipWithoutPostgres skips the test, saying how to run it, when
// CASEMGR_TEST_POSTGRES_DSN is unset.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if PostgresDSN() == "" {
		t.Skip("PostgreSQL suite skipped: set " + EnvDSN + " (see docs/deploy.md)")
	}
}

// Schema creates a new, empty schema t_<random> in the test database and
// returns a DSN whose search_path is that schema (and whose commits do not
// wait for the disk); the schema and
// everything in it is dropped when the test ends (register it before
// anything that must be closed first, since cleanups run last-in
// first-out). It skips the test when CASEMGR_TEST_POSTGRES_DSN is unset.
func Schema(t testing.TB) string {
	t.Helper()
	SkipWithoutPostgres(t)
	base := PostgresDSN()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random schema name: %v", err)
	}
	name := "t_" + hex.EncodeToString(b)
	admin, err := store.Open(store.Options{Driver: store.Postgres, DSN: base, MaxReadConns: 1,
		Now: func() time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatalf("open %s: %v", EnvDSN, err)
	}
	if err := admin.Write.Exec("CREATE SCHEMA " + name).Error; err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin.Write.WithContext(ctx).Exec("DROP SCHEMA " + name + " CASCADE").Error; err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
		admin.Close()
	})
	dsn, err := store.WithSearchPath(base, name)
	if err == nil {
		// Tests need no durability; commits without waiting for the disk
		// halve the time to build an application.
		dsn, err = store.WithParam(dsn, "synchronous_commit", "off")
	}
	if err != nil {
		t.Fatalf("%s: %v", EnvDSN, err)
	}
	return dsn
}
