package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// BackupInfo describes a finished backup.
type BackupInfo struct {
	Path  string
	Bytes int64
}

// Backup writes a consistent copy of the SQLite database to out while the
// server keeps running: VACUUM INTO, which reads one snapshot of the
// database (writers are not blocked, and changes committed after the copy
// began are not in it). The copy is written to a temporary file (mode 0600)
// in out's directory, synced to disk, then linked to out, so that out
// either does not exist or is a complete copy. Backup never overwrites: it
// fails when out exists. The key files are not part of the copy; back them
// up separately.
func (db *DB) Backup(ctx context.Context, out string) (BackupInfo, error) {
	if db.Dialect != SQLite {
		return BackupInfo{}, fmt.Errorf("store: backup: %s databases are backed up with their own tools (pg_dump)", db.Dialect)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %s already exists; choose a new file name", abs)
	} else if !errors.Is(err, os.ErrNotExist) {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	src, err := db.sqlitePath(ctx)
	if err != nil {
		return BackupInfo{}, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".*.partial")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	// A connection of its own: the read pool is query_only (which refuses
	// VACUUM INTO) and the write pool's one connection serves writers.
	conn, err := sql.Open("sqlite3", SQLiteDSN(src, 5000, false))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: open %s: %w", src, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", tmpName); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: VACUUM INTO: %w", err)
	}
	// SQLite does not sync the file VACUUM INTO writes.
	f, err := os.OpenFile(tmpName, os.O_RDWR, 0)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	fi, statErr := f.Stat()
	syncErr := f.Sync()
	f.Close()
	if statErr != nil || syncErr != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: sync %s: %w", tmpName, errors.Join(statErr, syncErr))
	}
	// Link fails if out appeared meanwhile: never overwrite.
	if err := os.Link(tmpName, abs); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	done = true
	os.Remove(tmpName)
	if d, err := os.Open(filepath.Dir(abs)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return BackupInfo{Path: abs, Bytes: fi.Size()}, nil
}

// sqlitePath returns the file of the main database.
func (db *DB) sqlitePath(ctx context.Context) (string, error) {
	var rows []struct {
		Seq  int
		Name string
		File string
	}
	if err := db.Read.WithContext(ctx).Raw("PRAGMA database_list").Scan(&rows).Error; err != nil {
		return "", fmt.Errorf("store: database file: %w", err)
	}
	for _, r := range rows {
		if r.Name == "main" && r.File != "" {
			return r.File, nil
		}
	}
	return "", errors.New("store: database file: the main database has no file (in-memory?)")
}
