package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/casemgr/casemgr/internal/apperr"
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
	DSN           string // PostgreSQL DSN (URL or key=value form)
	BusyTimeoutMS int    // SQLite only
	// MaxReadConns bounds the SQLite read pool; on PostgreSQL the one pool
	// holds MaxReadConns + 4 connections.
	MaxReadConns int
	// Now is the clock GORM uses for created/updated timestamps.
	Now func() time.Time
}

// DB holds the write and read handles of one database.
type DB struct {
	// Write is the handle for changes. On SQLite it has one connection and
	// its transactions begin IMMEDIATE, so writers queue instead of failing.
	// On PostgreSQL it is the same pool as Read.
	Write *gorm.DB
	// Read is the handle for queries outside a change.
	Read    *gorm.DB
	Dialect Dialect
	closers []*sql.DB
	// commits groups the changes of Tx on SQLite (groupcommit.go).
	commits *committer
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
	case Postgres:
		return openPostgres(o)
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
	// Each connection keeps its last statements prepared, by their text:
	// a change runs a dozen statements on the one writer, and preparing
	// them again was a sixth of the CPU of an event under load
	// (docs/performance.md "Issue 18").
	q.Set("_stmt_cache_size", "256")
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
	// Reads keep their statements prepared per connection: parsing and
	// planning a statement again on every call was about 15% of a GET
	// (docs/performance.md "Issue 18"). The writer does not: it gained
	// nothing there.
	rc := gormConfig(o.Now)
	rc.PrepareStmt, rc.PrepareStmtMaxSize = true, 512
	r, err := gorm.Open(sqlite.Open(SQLiteDSN(o.Path, busy, true)), rc)
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
	return &DB{Write: w, Read: r, Dialect: SQLite, closers: []*sql.DB{wdb, rdb}, commits: newCommitter(w)}, nil
}

// Close answers the changes still waiting, then closes both pools.
func (db *DB) Close() error {
	if db.commits != nil {
		db.commits.close()
	}
	var first error
	for _, c := range db.closers {
		if err := c.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// MaxTxAttempts is how many times Tx runs a transaction on PostgreSQL
// before it gives up on a serialization failure, deadlock or concurrent
// duplicate.
const MaxTxAttempts = 5

// Tx runs fn in one write transaction: everything fn writes commits
// together, or nothing does when fn returns an error.
//
// On PostgreSQL (READ COMMITTED), a transaction that fails with a
// serialization failure (40001) or a deadlock (40P01) is rolled back and
// run again, up to MaxTxAttempts times with a short jittered pause; so is
// one that fails with a unique violation (23505), which there means that a
// concurrent change inserted the same key between fn's check and its
// insert: the next attempt sees that row and fn answers as it does when
// the row was there from the start. fn must therefore only write through
// tx and set its results on success (it may run more than once). When the
// attempts are exhausted, a serialization failure or deadlock is returned
// as an apperr.Conflict wrapping the database error; a unique violation is
// returned as it is. On SQLite writers are serialized and fn runs once.
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.TxThen(ctx, fn, nil)
}

// TxThen is Tx running then once fn's change is durably committed, before
// Tx returns. On SQLite then runs on the committer, right after the
// commit that holds the change and before any later change runs, so that
// what it publishes in memory (a case's new view, kept by its version)
// is there as soon as readers can see the change, rather than once the
// caller's goroutine is scheduled again (docs/performance.md "Fifth
// pass"). then must be quick and must not write: on SQLite it runs on the
// one writer, between two changes. It does not run when the change fails
// or the commit does.
func (db *DB) TxThen(ctx context.Context, fn func(tx *gorm.DB) error, then func()) error {
	if db.commits != nil {
		return db.commits.do(ctx, fn, then)
	}
	base := db.Write.WithContext(ctx)
	for attempt := 1; ; attempt++ {
		err := base.Transaction(fn)
		if err == nil && then != nil {
			then()
		}
		if err == nil || db.Dialect != Postgres {
			return err
		}
		code := retryCode(err)
		if code == "" {
			return err
		}
		if attempt >= MaxTxAttempts {
			if code == pgUniqueViolation {
				return err
			}
			// A conflict the client may retry, never a 500.
			return &apperr.Error{Kind: apperr.Conflict,
				Message: "the data changed concurrently several times while saving; try again",
				Err:     fmt.Errorf("store: transaction failed %d times: %w", attempt, err)}
		}
		// 2, 4, 8, 16 ms, each plus up to as much again at random, so that
		// the transactions that collided do not collide again.
		step := time.Duration(1<<attempt) * time.Millisecond
		pause := step + rand.N(step)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

// Checkpoint moves the SQLite write-ahead log into the database file and
// truncates it (after an erasure, so that no old page survives in the
// log). done is false when readers still used the log (SQLite reports
// the checkpoint busy, not as an error): the old pages stay in it until a
// later checkpoint succeeds. On other engines it does nothing and done is
// true.
func (db *DB) Checkpoint(ctx context.Context) (done bool, err error) {
	if db.Dialect != SQLite {
		return true, nil
	}
	var res struct{ Busy, Log, Checkpointed int }
	if err := db.Write.WithContext(ctx).Raw("PRAGMA wal_checkpoint(TRUNCATE)").Row().Scan(&res.Busy, &res.Log, &res.Checkpointed); err != nil {
		return false, fmt.Errorf("store: checkpoint: %w", err)
	}
	return res.Busy == 0, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	s, err := db.Read.DB()
	if err != nil {
		return err
	}
	return s.PingContext(ctx)
}
