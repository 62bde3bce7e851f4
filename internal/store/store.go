// Package store opens casemgr's database and applies its versioned schema
// migrations. It owns the connection pools and the transaction discipline:
// on SQLite, one writer connection whose transactions begin IMMEDIATE, and a
// separate read-only pool; every change runs inside one transaction.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options says which database to open and how.
type Options struct {
	Driver        Dialect
	Path          string // SQLite file
	DSN           string // PostgreSQL DSN
	BusyTimeoutMS int
	MaxReadConns  int
	// Now is the clock GORM uses for created/updated timestamps.
	Now func() time.Time
}

// DB holds the write and read handles of one database.
type DB struct {
	// Write is the handle for changes. On SQLite it has one connection and
	// its transactions begin IMMEDIATE, so writers queue instead of failing.
	Write *gorm.DB
	// Read is the handle for queries outside a change.
	Read    *gorm.DB
	Dialect Dialect
	closers []*sql.DB
}

// Open opens (creating if needed) the database described by o. It does not
// migrate; call Migrate.
func Open(o Options) (*DB, error) {
	if o.Now == nil {
		return nil, fmt.Errorf("store: Options.Now is required")
	}
	switch o.Driver {
	case SQLite, "":
		return openSQLite(o)
	default:
		return nil, fmt.Errorf("store: unsupported driver %q", o.Driver)
	}
}

func gormConfig(now func() time.Time) *gorm.Config {
	return &gorm.Config{
		NowFunc:                func() time.Time { return now().UTC() },
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
	}
}

// SQLiteDSN returns the DSN for the SQLite file at path with casemgr's
// settings: WAL, synchronous=FULL, a busy timeout, foreign keys,
// secure_delete (deleted content is overwritten), and IMMEDIATE
// transactions unless readOnly.
func SQLiteDSN(path string, busyMS int, readOnly bool) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", fmt.Sprint(busyMS))
	q.Set("_foreign_keys", "on")
	q.Set("_secure_delete", "on")
	if readOnly {
		q.Set("_query_only", "true")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(o Options) (*DB, error) {
	if o.Path == "" {
		return nil, fmt.Errorf("store: SQLite path is empty")
	}
	if dir := filepath.Dir(o.Path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: create %s: %w", dir, err)
		}
	}
	busy := o.BusyTimeoutMS
	if busy <= 0 {
		busy = 5000
	}
	w, err := gorm.Open(sqlite.Open(SQLiteDSN(o.Path, busy, false)), gormConfig(o.Now))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", o.Path, err)
	}
	wdb, err := w.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	// Force the file (and WAL mode) into existence before readers open it.
	if err := wdb.Ping(); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", o.Path, err)
	}
	if err := os.Chmod(o.Path, 0o600); err != nil && !os.IsNotExist(err) {
		wdb.Close()
		return nil, fmt.Errorf("store: chmod %s: %w", o.Path, err)
	}
	r, err := gorm.Open(sqlite.Open(SQLiteDSN(o.Path, busy, true)), gormConfig(o.Now))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", o.Path, err)
	}
	rdb, err := r.DB()
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	n := o.MaxReadConns
	if n <= 0 {
		n = 4
	}
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	return &DB{Write: w, Read: r, Dialect: SQLite, closers: []*sql.DB{wdb, rdb}}, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var first error
	for _, c := range db.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Tx runs fn in one write transaction: everything fn writes commits
// together, or nothing does when fn returns an error.
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Write.WithContext(ctx).Transaction(fn)
}

// Checkpoint moves the SQLite write-ahead log into the database file and
// truncates it (after an erasure, so that no old page survives in the
// log). It does nothing on other engines.
func (db *DB) Checkpoint(ctx context.Context) error {
	if db.Dialect != SQLite {
		return nil
	}
	return db.Write.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	s, err := db.Read.DB()
	if err != nil {
		return err
	}
	return s.PingContext(ctx)
}
