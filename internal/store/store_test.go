package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

var testNow = time.Date(2025, 6, 15, 10, 0, 0, 0, time.UTC)

func now() time.Time { return testNow }

// open returns a new, empty database of dialect d (PostgreSQL: a fresh
// schema; skipped without CASEMGR_TEST_POSTGRES_DSN).
func open(t *testing.T, d store.Dialect) *store.DB {
	t.Helper()
	o := store.Options{Driver: d, Now: now}
	switch d {
	case store.SQLite:
		o.Path = filepath.Join(t.TempDir(), "casemgr.db")
	case store.Postgres:
		o.DSN = storetest.Schema(t)
	}
	db, err := store.Open(o)
	if err != nil {
		t.Fatalf("open %s: %v", d, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func migrated(t *testing.T, d store.Dialect) *store.DB {
	t.Helper()
	db := open(t, d)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

var dialects = []store.Dialect{store.SQLite, store.Postgres}

// TestPostgresConfigured says, by skipping, when the PostgreSQL half of the
// suite does not run.
func TestPostgresConfigured(t *testing.T) {
	storetest.SkipWithoutPostgres(t)
	db := open(t, store.Postgres)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("ping %s: got %v, want nil", storetest.EnvDSN, err)
	}
}

// TestMigrationsMatchAcrossDialects fails when a migration exists for one
// engine and not the other: every dialect must have the same versions and
// names.
func TestMigrationsMatchAcrossDialects(t *testing.T) {
	want, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatalf("sqlite migrations: %v", err)
	}
	if len(want) == 0 {
		t.Fatal("got no sqlite migrations, want at least one")
	}
	for _, d := range dialects[1:] {
		got, err := store.Migrations(d)
		if err != nil {
			t.Fatalf("%s migrations: %v", d, err)
		}
		if names(got) != names(want) {
			t.Errorf("%s migrations: got %s, want %s (as in sqlite)", d, names(got), names(want))
		}
	}
}

func names(ms []store.Migration) string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%04d_%s", m.Version, m.Name))
	}
	return strings.Join(out, " ")
}

// TestMigrateEmptyToLatest migrates an empty database of each engine to
// the latest version and checks what schema_migrations records.
func TestMigrateEmptyToLatest(t *testing.T) {
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := open(t, d)
			ms, err := store.Migrations(d)
			if err != nil {
				t.Fatal(err)
			}
			applied, err := db.Migrate(ctx)
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			var want []int
			for _, m := range ms {
				want = append(want, m.Version)
			}
			if !slices.Equal(applied, want) {
				t.Errorf("applied: got %v, want %v", applied, want)
			}
			var rows []struct {
				Version   int
				Name      string
				AppliedAt string
			}
			if err := db.Read.Raw("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").Scan(&rows).Error; err != nil {
				t.Fatalf("read schema_migrations: %v", err)
			}
			if len(rows) != len(ms) {
				t.Fatalf("schema_migrations: got %d rows, want %d", len(rows), len(ms))
			}
			for i, r := range rows {
				if r.Version != ms[i].Version || r.Name != ms[i].Name || r.AppliedAt != "2025-06-15T10:00:00.000000Z" {
					t.Errorf("schema_migrations row %d: got %d %s %s, want %d %s 2025-06-15T10:00:00.000000Z",
						i, r.Version, r.Name, r.AppliedAt, ms[i].Version, ms[i].Name)
				}
			}
			got, latest, err := db.SchemaVersion(ctx)
			if err != nil || got != len(ms) || latest != len(ms) {
				t.Errorf("SchemaVersion: got %d, %d, %v, want %d, %d, nil", got, latest, err, len(ms), len(ms))
			}
			again, err := db.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Errorf("second Migrate: got %v, %v, want [] and nil", again, err)
			}
			var head struct {
				Seq  int64
				Hash string
			}
			if err := db.Read.Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
				t.Fatalf("read audit_head: %v", err)
			}
			if head.Seq != 0 || head.Hash != strings.Repeat("0", 64) {
				t.Errorf("audit_head: got %d %q, want 0 and 64 zeros", head.Seq, head.Hash)
			}
		})
	}
}

// columnsOf lists table.column of every table, sorted.
func columnsOf(t *testing.T, db *store.DB) []string {
	t.Helper()
	var cols []string
	var q string
	switch db.Dialect {
	case store.SQLite:
		q = `SELECT m.name || '.' || p.name FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%'`
	case store.Postgres:
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns
			WHERE table_schema = current_schema()`
	}
	if err := db.Read.Raw(q).Scan(&cols).Error; err != nil {
		t.Fatalf("list columns: %v", err)
	}
	sort.Strings(cols)
	return cols
}

// indexesOf lists table.index of the indexes the migrations name (not
// those the engine makes for primary keys and UNIQUE), and the triggers,
// sorted.
func indexesOf(t *testing.T, db *store.DB) []string {
	t.Helper()
	var out []string
	var q string
	switch db.Dialect {
	case store.SQLite:
		q = `SELECT type || ' ' || tbl_name || '.' || name FROM sqlite_master
			WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_autoindex%'`
	case store.Postgres:
		q = `SELECT 'index ' || tablename || '.' || indexname FROM pg_indexes i
			WHERE schemaname = current_schema() AND NOT EXISTS (
				SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
			UNION ALL
			SELECT 'trigger ' || event_object_table || '.' || trigger_name FROM information_schema.triggers
			WHERE trigger_schema = current_schema() AND event_manipulation IN ('UPDATE', 'DELETE')
			GROUP BY event_object_table, trigger_name`
	}
	if err := db.Read.Raw(q).Scan(&out).Error; err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	sort.Strings(out)
	return out
}

// TestDialectsHaveSameSchema checks that the PostgreSQL migrations create
// the same tables, columns, named indexes and append-only triggers as the
// SQLite ones (PostgreSQL has TRUNCATE triggers on top).
func TestDialectsHaveSameSchema(t *testing.T) {
	pg := migrated(t, store.Postgres)
	lite := migrated(t, store.SQLite)
	got, want := columnsOf(t, pg), columnsOf(t, lite)
	if !slices.Equal(got, want) {
		t.Errorf("postgres columns:\ngot  %v\nwant %v", got, want)
	}
	got, want = indexesOf(t, pg), indexesOf(t, lite)
	if !slices.Equal(got, want) {
		t.Errorf("postgres indexes and triggers:\ngot  %v\nwant %v", got, want)
	}
}

// TestMigrateConcurrently starts two servers' migrations on one empty
// PostgreSQL schema at once: each migration is applied exactly once.
func TestMigrateConcurrently(t *testing.T) {
	dsn := storetest.Schema(t)
	ms, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	var dbs []*store.DB
	for range 3 {
		db, err := store.Open(store.Options{Driver: store.Postgres, DSN: dsn, Now: now})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	var wg sync.WaitGroup
	applied := make([][]int, len(dbs))
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Go(func() { applied[i], errs[i] = db.Migrate(context.Background()) })
	}
	wg.Wait()
	var all []int
	for i := range dbs {
		if errs[i] != nil {
			t.Errorf("server %d: Migrate: got %v, want nil", i, errs[i])
		}
		all = append(all, applied[i]...)
	}
	sort.Ints(all)
	var want []int
	for _, m := range ms {
		want = append(want, m.Version)
	}
	if !slices.Equal(all, want) {
		t.Errorf("versions applied by all servers together: got %v, want each of %v once", all, want)
	}
	var n int64
	dbs[0].Read.Raw("SELECT COUNT(*) FROM schema_migrations").Scan(&n)
	if n != int64(len(ms)) {
		t.Errorf("schema_migrations: got %d rows, want %d", n, len(ms))
	}
}

// TestAppendOnlyTables checks the triggers of both engines: rows of the
// audit log, the checkpoints and the access log can be added, never
// changed or removed.
func TestAppendOnlyTables(t *testing.T) {
	tables := []struct {
		table, insert, col, want string
	}{
		{"audit_log", `INSERT INTO audit_log (seq, recorded_at, occurred_on, case_id, case_ref, shelter, actor, actor_role,
			event, from_state, to_state, from_proceedings, to_proceedings, data, note_digest, rules_version, prev_hash, hash)
			VALUES (1, '2025-06-15T10:00:00.000000Z', '', '', '', '', 'system', 'system', 'create_user', '', '', '', '', '{}', '', 'r', 'p', 'h')`,
			"actor", "system"},
		{"audit_checkpoints", `INSERT INTO audit_checkpoints (seq, hash, signed_at, signature, key_id)
			VALUES (1, 'h', '2025-06-15T10:00:00.000000Z', 'sig', 'k')`, "key_id", "k"},
		{"access_log", `INSERT INTO access_log (accessed_at, actor, actor_role, case_id, shelter, action)
			VALUES ('2025-06-15T10:00:00.000000Z', 'cw', 'caseworker', 'c', 'payoke', 'read')`, "actor", "cw"},
	}
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			db := migrated(t, d)
			for _, tb := range tables {
				if err := db.Write.Exec(tb.insert).Error; err != nil {
					t.Fatalf("%s: insert: got %v, want nil", tb.table, err)
				}
				changes := []string{
					"UPDATE " + tb.table + " SET " + tb.col + " = 'mallory'",
					"DELETE FROM " + tb.table,
				}
				if d == store.Postgres {
					changes = append(changes, "TRUNCATE "+tb.table+" CASCADE")
				}
				for _, c := range changes {
					err := db.Write.Exec(c).Error
					if err == nil || !strings.Contains(err.Error(), tb.table+" is append-only") {
						t.Errorf("%s: got %v, want %q", c, err, tb.table+" is append-only")
					}
				}
				var got []string
				db.Read.Raw("SELECT " + tb.col + " FROM " + tb.table).Scan(&got)
				if !slices.Equal(got, []string{tb.want}) {
					t.Errorf("%s after the refused changes: got %v, want [%s]", tb.table, got, tb.want)
				}
			}
		})
	}
}

func pgErr(code string) error {
	return fmt.Errorf("cases: save: %w", &pgconn.PgError{Code: code, Message: "test " + code})
}

// TestTxRetries checks which failures Tx retries on PostgreSQL, how often,
// and what it returns when it gives up. The logic runs over a SQLite
// connection that claims to be PostgreSQL.
func TestTxRetries(t *testing.T) {
	domain := apperr.Conflictf("stale")
	tests := []struct {
		name      string
		dialect   store.Dialect
		errs      []error // what fn returns on each call; nil after the list
		wantCalls int
		wantKind  apperr.Kind
		wantCode  string // SQLSTATE in the returned error
		wantNil   bool
	}{
		{"serialization failure twice, then success", store.Postgres, []error{pgErr("40001"), pgErr("40001")}, 3, 0, "", true},
		{"deadlock once, then success", store.Postgres, []error{pgErr("40P01")}, 2, 0, "", true},
		{"concurrent duplicate, then the check sees it", store.Postgres, []error{pgErr("23505"), domain}, 2, apperr.Conflict, "", false},
		{"serialization failure every time becomes a conflict", store.Postgres, repeat(pgErr("40001"), 9), store.MaxTxAttempts, apperr.Conflict, "40001", false},
		{"deadlock every time becomes a conflict", store.Postgres, repeat(pgErr("40P01"), 9), store.MaxTxAttempts, apperr.Conflict, "40P01", false},
		{"duplicate every time is returned as it is", store.Postgres, repeat(pgErr("23505"), 9), store.MaxTxAttempts, apperr.Internal, "23505", false},
		{"foreign key violation is not retried", store.Postgres, []error{pgErr("23503")}, 1, apperr.Internal, "23503", false},
		{"domain error is not retried", store.Postgres, []error{domain}, 1, apperr.Conflict, "", false},
		{"SQLite never retries", store.SQLite, []error{pgErr("40001")}, 1, apperr.Internal, "40001", false},
	}
	base := migrated(t, store.SQLite)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := base.AsDialect(tt.dialect)
			calls := 0
			err := db.Tx(context.Background(), func(tx *gorm.DB) error {
				calls++
				if err := tx.Exec("UPDATE audit_head SET hash = hash WHERE id = 1").Error; err != nil {
					return err
				}
				if calls <= len(tt.errs) {
					return tt.errs[calls-1]
				}
				return nil
			})
			if calls != tt.wantCalls {
				t.Errorf("calls: got %d, want %d", calls, tt.wantCalls)
			}
			if tt.wantNil {
				if err != nil {
					t.Errorf("error: got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("error: got nil, want one")
			}
			if k := apperr.KindOf(err); k != tt.wantKind {
				t.Errorf("kind: got %v, want %v (%v)", k, tt.wantKind, err)
			}
			var pe *pgconn.PgError
			code := ""
			if errors.As(err, &pe) {
				code = pe.Code
			}
			if code != tt.wantCode {
				t.Errorf("SQLSTATE in the error: got %q, want %q", code, tt.wantCode)
			}
		})
	}
}

func repeat(err error, n int) []error {
	out := make([]error, n)
	for i := range out {
		out[i] = err
	}
	return out
}

// TestTxRetriesRealDeadlock makes two transactions lock two rows in
// opposite orders on PostgreSQL: the server aborts one with deadlock_detected
// and Tx runs it again, so both succeed, each counted once.
//
// How many attempts that takes depends on timing: after the first victim
// is rolled back, its retry (a few ms later) can update the freed row
// before the woken survivor does (PostgreSQL gives a free row to whoever
// comes first), and then the two deadlock again. So the test asserts
// what is guaranteed: at least one deadlock, every failed attempt a
// deadlock, exactly one successful attempt per transaction, and each
// transaction's writes counted once.
func TestTxRetriesRealDeadlock(t *testing.T) {
	db := open(t, store.Postgres)
	ctx := context.Background()
	if err := db.Write.Exec("CREATE TABLE pair (id BIGINT PRIMARY KEY, n BIGINT NOT NULL); INSERT INTO pair VALUES (1, 0), (2, 0)").Error; err != nil {
		t.Fatal(err)
	}
	var attempts, deadlocks atomic.Int32
	var mu sync.Mutex
	var others []error // failed attempts other than deadlocks
	var locked sync.WaitGroup
	locked.Add(2)
	run := func(first, second int) error {
		try := 0
		return db.Tx(ctx, func(tx *gorm.DB) error {
			try++
			attempts.Add(1)
			err := tx.Exec("UPDATE pair SET n = n + 1 WHERE id = ?", first).Error
			if err == nil {
				if try == 1 {
					// Both first updates are made before either second
					// one: the two must deadlock.
					locked.Done()
					locked.Wait()
				}
				err = tx.Exec("UPDATE pair SET n = n + 1 WHERE id = ?", second).Error
			}
			var pe *pgconn.PgError
			switch {
			case err == nil:
			case errors.As(err, &pe) && pe.Code == "40P01":
				deadlocks.Add(1)
			default:
				mu.Lock()
				others = append(others, err)
				mu.Unlock()
			}
			return err
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = run(1, 2) })
	wg.Go(func() { errs[1] = run(2, 1) })
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: got %v, want nil after a retry", i, err)
		}
	}
	if len(others) > 0 {
		t.Errorf("attempts failed other than by a deadlock: %v", others)
	}
	n, d := attempts.Load(), deadlocks.Load()
	t.Logf("%d attempts, %d deadlocks", n, d)
	if d < 1 {
		t.Errorf("deadlocks: got %d, want at least 1 (the rows were locked in opposite orders)", d)
	}
	if n != 2+d {
		t.Errorf("attempts: got %d with %d deadlocks, want %d (each deadlock retried once, each success run once)", n, d, 2+d)
	}
	var ns []int64
	if err := db.Read.Raw("SELECT n FROM pair ORDER BY id").Scan(&ns).Error; err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ns, []int64{2, 2}) {
		t.Errorf("counters: got %v, want [2 2] (each transaction counted once)", ns)
	}
}

// TestTimestampsAreUTC checks that instants written in UTC (as every
// service writes them) come back in UTC on both engines, whatever the
// session's or the process's time zone.
func TestTimestampsAreUTC(t *testing.T) {
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			db := migrated(t, d)
			at := time.Date(2025, 6, 15, 12, 30, 1, 123456000, time.FixedZone("CEST", 2*3600))
			if err := db.Write.Exec(`INSERT INTO shelters (id, name, city, official_nrm, ref_prefix, created_at, updated_at)
				VALUES ('x', 'X', '', ?, 'XX', ?, ?)`, true, at.UTC(), at.UTC()).Error; err != nil {
				t.Fatal(err)
			}
			var got struct {
				CreatedAt   time.Time
				OfficialNRM bool
			}
			if err := db.Read.Raw("SELECT created_at, official_nrm FROM shelters WHERE id = 'x'").Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			if !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC || !got.OfficialNRM {
				t.Errorf("got %v (%v) official %v, want %v in UTC and true", got.CreatedAt, got.CreatedAt.Location(), got.OfficialNRM, at.UTC())
			}
		})
	}
}

func TestWithSearchPath(t *testing.T) {
	tests := []struct {
		name, dsn, schema, want string
		wantErr                 bool
	}{
		{"url", "postgres://u:p@db:5432/casemgr?sslmode=disable", "t_1", "postgres://u:p@db:5432/casemgr?search_path=t_1&sslmode=disable", false},
		{"url replaces", "postgresql://u@db/c?search_path=public", "t_2", "postgresql://u@db/c?search_path=t_2", false},
		{"key value", "host=db user=u dbname=casemgr", "t_3", "host=db user=u dbname=casemgr search_path=t_3", false},
		{"schema with a quote", "host=db", `t"; DROP`, "", true},
		{"upper case schema", "host=db", "T_1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.WithSearchPath(tt.dsn, tt.schema)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %q, %v, want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestOpenPostgresErrors(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"empty DSN", "", "DSN is empty"},
		{"unparsable DSN keeps the password out", "postgres://u:s3cret@[::1", "cannot be parsed"},
		{"no server", "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=2", "connect to PostgreSQL u@127.0.0.1:1/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(store.Options{Driver: store.Postgres, DSN: tt.dsn, Now: now})
			if err == nil {
				db.Close()
				t.Fatalf("got nil error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("got %q, want it to contain %q and no password", err, tt.want)
			}
		})
	}
}

// TestPostgresRefusesBadTextAsInvalid checks that text PostgreSQL cannot
// hold (a NUL character, bytes that are not UTF-8) is invalid input, not
// an internal error.
func TestPostgresRefusesBadTextAsInvalid(t *testing.T) {
	db := migrated(t, store.Postgres)
	tests := []struct{ name, value string }{
		{"NUL character", "adm\x00in"},
		{"not UTF-8", "adm\xffin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n int64
			err := db.Read.Table("users").Where("username = ?", tt.value).Count(&n).Error
			if k := apperr.KindOf(err); k != apperr.Invalid {
				t.Errorf("got %v (kind %v), want kind %v", err, k, apperr.Invalid)
			}
			err = db.Tx(context.Background(), func(tx *gorm.DB) error {
				return tx.Exec("INSERT INTO shelters (id, name, city, official_nrm, ref_prefix, created_at, updated_at) VALUES ('x', ?, '', false, 'XX', ?, ?)",
					tt.value, testNow, testNow).Error
			})
			if k := apperr.KindOf(err); k != apperr.Invalid {
				t.Errorf("insert: got %v (kind %v), want kind %v", err, k, apperr.Invalid)
			}
		})
	}
}

// TestTxRetriesConcurrentDuplicate runs two check-then-insert transactions
// for one key at once on PostgreSQL: both see no row, one inserts, the
// other hits the unique key, runs again, sees the row and answers with the
// domain conflict, as it would have on SQLite.
func TestTxRetriesConcurrentDuplicate(t *testing.T) {
	db := migrated(t, store.Postgres)
	ctx := context.Background()
	var checked sync.WaitGroup
	checked.Add(2)
	var attempts atomic.Int32
	create := func() error {
		try := 0
		return db.Tx(ctx, func(tx *gorm.DB) error {
			try++
			attempts.Add(1)
			var n int64
			if err := tx.Table("shelters").Where("id = ?", "dup").Count(&n).Error; err != nil {
				return err
			}
			if try == 1 {
				checked.Done()
				checked.Wait()
			}
			if n > 0 {
				return apperr.Conflictf("a shelter with this id exists")
			}
			return tx.Exec(`INSERT INTO shelters (id, name, city, official_nrm, ref_prefix, created_at, updated_at)
				VALUES ('dup', 'Dup', '', false, 'DUP', ?, ?)`, testNow, testNow).Error
		})
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = create() })
	wg.Go(func() { errs[1] = create() })
	wg.Wait()
	kinds := []apperr.Kind{apperr.KindOf(errs[0]), apperr.KindOf(errs[1])}
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	if ok != 1 || !slices.Contains(kinds, apperr.Conflict) {
		t.Errorf("got errors %v, want one success and one Conflict", errs)
	}
	if n := attempts.Load(); n != 3 {
		t.Errorf("attempts: got %d, want 3 (the loser ran twice)", n)
	}
}
