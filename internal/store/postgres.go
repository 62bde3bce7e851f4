package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
)

// PostgreSQL error codes (SQLSTATE) that Tx retries.
const (
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgUniqueViolation      = "23505"
)

// PostgreSQL error codes of text it cannot store.
const (
	pgCharacterNotInRepertoire = "22021" // invalid UTF-8, NUL
	pgUntranslatableCharacter  = "22P05"
)

// retryCode returns the SQLSTATE of err when Tx should run the
// transaction again, or "".
func retryCode(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	switch pe.Code {
	case pgSerializationFailure, pgDeadlockDetected, pgUniqueViolation:
		return pe.Code
	}
	return ""
}

// openPostgres opens one pool for reads and writes. Timestamps are scanned
// in UTC, as on SQLite, whatever the server's or the process's time zone.
func openPostgres(o Options) (*DB, error) {
	if o.DSN == "" {
		return nil, fmt.Errorf("store: PostgreSQL DSN is empty (set database.dsn)")
	}
	pc, err := pgx.ParseConfig(o.DSN)
	if err != nil {
		// pgx's message may quote the DSN, password included.
		return nil, fmt.Errorf("store: PostgreSQL DSN cannot be parsed; want postgres://user:password@host:5432/db?sslmode=... or host=... dbname=... form")
	}
	sqlDB := stdlib.OpenDB(*pc, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}))
	n := o.MaxReadConns
	if n <= 0 {
		n = 4
	}
	sqlDB.SetMaxOpenConns(n + 4)
	sqlDB.SetMaxIdleConns(n + 4)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	gc := gormConfig(o.Now)
	gc.DisableAutomaticPing = true // pinged below, with a timeout
	g, err := gorm.Open(pgDialector{&postgres.Dialector{Config: &postgres.Config{Conn: sqlDB}}}, gc)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open PostgreSQL %s: %w", describeDSN(pc), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: connect to PostgreSQL %s: %w", describeDSN(pc), err)
	}
	return &DB{Write: g, Read: g, Dialect: Postgres, closers: []*sql.DB{sqlDB}}, nil
}

// pgDialector is gorm's PostgreSQL dialect with one more translated
// error: text that is not UTF-8 or holds a NUL character, which SQLite
// stores but PostgreSQL refuses, is invalid input (422), not an internal
// error, wherever it reaches a query (a login name, a search term).
type pgDialector struct{ *postgres.Dialector }

// Translate maps PostgreSQL errors to gorm's and casemgr's errors.
func (d pgDialector) Translate(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == pgCharacterNotInRepertoire || pe.Code == pgUntranslatableCharacter) {
		return &apperr.Error{Kind: apperr.Invalid, Message: "text must be UTF-8 without NUL characters", Err: err}
	}
	return d.Dialector.Translate(err)
}

// describeDSN names the server and database of a DSN without its password.
func describeDSN(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

var (
	schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	paramName  = regexp.MustCompile(`^[a-z_][a-z0-9_.]{0,62}$`)
	paramValue = regexp.MustCompile(`^[A-Za-z0-9_.,:+-]{1,200}$`)
)

// WithSearchPath returns dsn with its search_path set to schema, so that
// every connection of the pool works in that schema. dsn may be a URL
// (postgres://…) or key=value pairs. The schema name must be a lower-case
// SQL identifier.
func WithSearchPath(dsn, schema string) (string, error) {
	if !schemaName.MatchString(schema) {
		return "", fmt.Errorf("store: schema name %q: want lower-case letters, digits and _", schema)
	}
	return WithParam(dsn, "search_path", schema)
}

// WithParam returns dsn with the run-time parameter name set to value for
// every connection (for example synchronous_commit=off for tests). dsn may
// be a URL (postgres://…) or key=value pairs; name and value must be plain
// words, which keeps quoting out of the DSN.
func WithParam(dsn, name, value string) (string, error) {
	if !paramName.MatchString(name) || !paramValue.MatchString(value) {
		return "", fmt.Errorf("store: DSN parameter %s=%q: want a plain name and value", name, value)
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("store: PostgreSQL DSN is not a valid URL")
		}
		q := u.Query()
		q.Set(name, value)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return strings.TrimSpace(dsn) + " " + name + "=" + value, nil
}
