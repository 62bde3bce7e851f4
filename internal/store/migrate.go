package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

//go:embed migrations
var migrationFiles embed.FS

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the migrations of a dialect in version order. File names
// are NNNN_name.sql under migrations/<dialect>/.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", d, err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration file %s: want NNNN_name.sql", name)
		}
		b, err := migrationFiles.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migrations for %s: version %d follows %d", d, m.Version, i)
		}
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`

// Migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction, and returns the versions it applied. On
// PostgreSQL each of those transactions first takes an advisory lock on
// the schema, so that servers starting at once apply every migration
// exactly once: the others wait, then find it recorded.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	// A current schema needs no write at all: commands that open a live
	// database (backup, audit verify, …) then never wait for the writer.
	if applied, _, err := db.SchemaVersion(ctx); err == nil && applied == len(ms) {
		return nil, nil
	}
	err = db.Tx(ctx, func(tx *gorm.DB) error {
		if err := db.lockMigrations(tx); err != nil {
			return err
		}
		return tx.Exec(createMigrationsTable).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: create schema_migrations: %w", err)
	}
	var applied []int
	for _, m := range ms {
		done := false
		err := db.Tx(ctx, func(tx *gorm.DB) error {
			done = false
			if err := db.lockMigrations(tx); err != nil {
				return err
			}
			var n int64
			if err := tx.Table("schema_migrations").Where("version = ?", m.Version).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				done = true
				return nil
			}
			if err := tx.Exec(m.SQL).Error; err != nil {
				return err
			}
			now := tx.Config.NowFunc().UTC().Format("2006-01-02T15:04:05.000000Z")
			return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, now).Error
		})
		if err != nil {
			return applied, fmt.Errorf("store: migration %04d_%s: %w", m.Version, m.Name, err)
		}
		if !done {
			applied = append(applied, m.Version)
		}
	}
	return applied, nil
}

// lockMigrations takes, on PostgreSQL, a transaction-scoped advisory lock
// on the migrations of the current schema (so tests in separate schemas of
// one database do not wait for each other). SQLite's IMMEDIATE
// transactions already serialize.
func (db *DB) lockMigrations(tx *gorm.DB) error {
	if db.Dialect != Postgres {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('casemgr.migrate.' || current_schema()))").Error; err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	return nil
}

// SchemaVersion returns the highest applied migration and the latest known
// one; readiness requires them to be equal.
func (db *DB) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return 0, 0, err
	}
	latest = len(ms)
	var v *int
	if err := db.Read.WithContext(ctx).Raw("SELECT MAX(version) FROM schema_migrations").Scan(&v).Error; err != nil {
		return 0, latest, fmt.Errorf("store: read schema version: %w", err)
	}
	if v != nil {
		applied = *v
	}
	return applied, latest, nil
}
