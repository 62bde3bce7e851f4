package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/store"
)

// parseFrom returns the SQLite file of --from sqlite:PATH.
func parseFrom(v string) (string, error) {
	path, ok := strings.CutPrefix(v, "sqlite:")
	if !ok || path == "" {
		return "", fmt.Errorf("migrate-data: --from: want sqlite:PATH (the casemgr.db of the deployment), got %q", v)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("migrate-data: --from: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("migrate-data: --from: %s is not a file", path)
	}
	return path, nil
}

// parseTo returns the DSN of --to postgres:DSN; a bare postgres:// URL is
// accepted too. The DSN is never echoed: it may hold a password.
func parseTo(v string) (string, error) {
	if strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://") {
		return v, nil
	}
	dsn, ok := strings.CutPrefix(v, "postgres:")
	if !ok || strings.TrimSpace(dsn) == "" {
		return "", errors.New("migrate-data: --to: want postgres:DSN, such as postgres:postgres://casemgr@db:5432/casemgr?sslmode=verify-full")
	}
	return dsn, nil
}

var cmdMigrateData = &Command{
	UsageLine: "migrate-data --from sqlite:PATH --to postgres:DSN [--batch N]",
	Short:     "copy a SQLite deployment into an empty PostgreSQL database and verify it",
	NoConfig:  true,
	Long: `Migrate-data copies a SQLite deployment into an empty PostgreSQL database
(migrating it first), then checks the row count of every table and the
audit chain on the target before committing. The source is only read; stop
the server first so that nothing is written meanwhile. The key files stay
where they are: the PostgreSQL servers need the same key directory.

--to takes postgres:DSN or a bare postgres:// URL; the DSN is never echoed.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		from := fs.String("from", "", "source: sqlite:`PATH` of the database file")
		to := fs.String("to", "", "target: postgres:`DSN` of an empty database (tables are created)")
		batch := fs.Int("batch", 500, "rows per INSERT")
		return func(in *invocation) error { return in.migrateData(*from, *to, *batch) }
	},
}

// migrateData copies a SQLite deployment into an empty PostgreSQL
// database and verifies the copy before committing it.
func (in *invocation) migrateData(from, to string, batch int) error {
	if from == "" || to == "" {
		return errors.New(in.cmd.usage())
	}
	if batch < 1 {
		return errors.New("migrate-data: --batch must be at least 1")
	}
	path, err := parseFrom(from)
	if err != nil {
		return err
	}
	dsn, err := parseTo(to)
	if err != nil {
		return err
	}
	src, err := store.Open(store.Options{Driver: store.SQLite, Path: path, Now: in.now})
	if err != nil {
		return fmt.Errorf("migrate-data: source: %w", err)
	}
	defer src.Close()
	res, err := audit.VerifyDB(in.ctx, src.Read)
	if err != nil {
		return fmt.Errorf("migrate-data: source: %w", err)
	}
	if !res.OK {
		return fmt.Errorf("migrate-data: the source's audit chain is broken at seq %d (%s): nothing copied", res.FirstBadSeq, res.Reason)
	}
	dst, err := store.Open(store.Options{Driver: store.Postgres, DSN: dsn, Now: in.now})
	if err != nil {
		return fmt.Errorf("migrate-data: target: %w", err)
	}
	defer dst.Close()
	rep, err := store.Copy(in.ctx, src, dst, store.CopyOptions{BatchRows: batch,
		Verify: func(ctx context.Context, tx *gorm.DB) error { return sameChain(ctx, tx, res) }})
	if err != nil {
		return fmt.Errorf("migrate-data: %w", err)
	}
	after, err := audit.VerifyDB(in.ctx, dst.Read)
	if err != nil {
		return fmt.Errorf("migrate-data: verify the target after the copy: %w", err)
	}
	if !after.OK || after.HeadHash != res.HeadHash {
		return fmt.Errorf("migrate-data: the committed target's chain is not the source's: %+v", after)
	}
	fmt.Fprintf(in.stdout, "target schema at version %d (applied now: %s)\n", rep.SchemaVersion, versions(rep.Migrated))
	fmt.Fprintf(in.stdout, "%-22s %10s %10s\n", "table", "source", "target")
	var total int64
	for _, t := range rep.Tables {
		fmt.Fprintf(in.stdout, "%-22s %10d %10d\n", t.Table, t.Source, t.Target)
		total += t.Target
	}
	fmt.Fprintf(in.stdout, "row counts match in all %d tables (%d rows)\n", len(rep.Tables), total)
	fmt.Fprintf(in.stdout, "audit chain intact on the target: %d records, head seq %d, head hash %s (as in the source)\n",
		after.Records, after.HeadSeq, after.HeadHash)
	fmt.Fprintln(in.stdout, "Next: give every server the same key directory (security.key_dir) as the SQLite deployment, and set database.driver: postgres and database.dsn.")
	return nil
}

// sameChain checks, inside the copy's transaction, that the target's chain
// verifies and ends where the source's does.
func sameChain(ctx context.Context, tx *gorm.DB, source audit.Result) error {
	res, err := audit.VerifyDB(ctx, tx)
	if err != nil {
		return err
	}
	if !res.OK {
		return fmt.Errorf("audit chain broken on the target at seq %d: %s", res.FirstBadSeq, res.Reason)
	}
	if res.HeadSeq != source.HeadSeq || res.HeadHash != source.HeadHash || res.Records != source.Records {
		return fmt.Errorf("audit chain: the target has %d records ending at seq %d (%s), the source %d ending at seq %d (%s)",
			res.Records, res.HeadSeq, res.HeadHash, source.Records, source.HeadSeq, source.HeadHash)
	}
	return nil
}

func versions(v []int) string {
	if len(v) == 0 {
		return "none"
	}
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
