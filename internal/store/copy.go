package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// seededTables are tables whose rows a fresh migration creates: on the
// target of a copy they are emptied and refilled from the source instead
// of having to be empty. audit_head holds the chain head, seq 0 when new.
var seededTables = map[string]string{
	"audit_head": "seq <> 0",
}

// CopyOptions tunes Copy.
type CopyOptions struct {
	// BatchRows is how many rows one INSERT carries (default 500, fewer for
	// wide tables so that a statement has at most 65535 parameters).
	BatchRows int
	// Verify, if not nil, runs inside the target's transaction after the
	// rows are copied and counted; an error rolls the whole copy back.
	Verify func(ctx context.Context, tx *gorm.DB) error
}

// TableCopy says how many rows of one table were copied.
type TableCopy struct {
	Table  string
	Source int64 // rows in the source
	Target int64 // rows in the target after the copy
}

// CopyReport summarises a Copy.
type CopyReport struct {
	// Migrated lists the migrations applied to the target first.
	Migrated []int
	// SchemaVersion is the schema version of both databases.
	SchemaVersion int
	// Tables lists every copied table in the order it was copied (parents
	// before the tables that reference them).
	Tables []TableCopy
}

// Copy copies every table of src, a SQLite database, into dst, a
// PostgreSQL database, for `casemgr migrate-data`. It first migrates dst
// to the latest version, refuses a target that holds any data, then
// copies, in one transaction on dst and from one read snapshot of src,
// every table in foreign-key order (audit_log in seq order), in batches.
// Nothing is bypassed: the append-only triggers refuse only UPDATE and
// DELETE, and the rows go in as they are. It then checks that every table
// holds as many rows as in the source and runs opts.Verify; any failure
// rolls the copy back and leaves dst empty (but migrated). src must be at
// the latest schema version (run `casemgr migrate` on it first); it is
// only read.
func Copy(ctx context.Context, src, dst *DB, opts CopyOptions) (CopyReport, error) {
	var rep CopyReport
	if src.Dialect != SQLite || dst.Dialect != Postgres {
		return rep, fmt.Errorf("store: copy: want a SQLite source and a PostgreSQL target, got %s and %s", src.Dialect, dst.Dialect)
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = 500
	}
	applied, latest, err := src.SchemaVersion(ctx)
	if err != nil {
		return rep, fmt.Errorf("store: copy: source: %w", err)
	}
	if applied != latest {
		return rep, fmt.Errorf("store: copy: the source database is at schema version %d, this casemgr's latest is %d: run `casemgr migrate` on it first", applied, latest)
	}
	rep.SchemaVersion = latest
	if err := precheckEmpty(ctx, dst); err != nil {
		return rep, fmt.Errorf("store: copy: %w", err)
	}
	if rep.Migrated, err = dst.Migrate(ctx); err != nil {
		return rep, fmt.Errorf("store: copy: migrate the target: %w", err)
	}
	err = dst.Write.WithContext(ctx).Transaction(func(dtx *gorm.DB) error {
		return src.Read.WithContext(ctx).Transaction(func(stx *gorm.DB) error {
			tables, err := copyPlan(ctx, stx, dtx)
			if err != nil {
				return err
			}
			if err := checkEmpty(ctx, dtx, tables); err != nil {
				return err
			}
			for _, t := range tables {
				tc, err := copyRows(ctx, stx, dtx, t, opts.BatchRows)
				if err != nil {
					return err
				}
				rep.Tables = append(rep.Tables, tc)
			}
			if err := resetSequences(ctx, dtx, tables); err != nil {
				return err
			}
			if opts.Verify != nil {
				if err := opts.Verify(ctx, dtx); err != nil {
					return fmt.Errorf("verify the target: %w", err)
				}
			}
			return nil
		})
	})
	if err != nil {
		return CopyReport{Migrated: rep.Migrated, SchemaVersion: rep.SchemaVersion}, fmt.Errorf("store: copy: %w", err)
	}
	return rep, nil
}

// copyColumn is one column of a copied table, with its PostgreSQL type.
type copyColumn struct {
	name   string
	pgType string // information_schema data_type
}

// tablePlan is a table to copy: its columns in the target's order and the
// source's primary key (the read order).
type tablePlan struct {
	name    string
	columns []copyColumn
	key     []string
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// queryRows runs a query on db's connection and returns its rows as
// strings (NULL as "").
func queryRows(ctx context.Context, db *gorm.DB, query string, args ...any) ([][]string, error) {
	rows, err := db.Statement.ConnPool.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// copyPlan lists the tables of both databases, checks they have the same
// tables and columns, and orders them parents first.
func copyPlan(ctx context.Context, stx, dtx *gorm.DB) ([]tablePlan, error) {
	srcRows, err := queryRows(ctx, stx, `SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list source tables: %w", err)
	}
	dstRows, err := queryRows(ctx, dtx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`)
	if err != nil {
		return nil, fmt.Errorf("list target tables: %w", err)
	}
	srcNames, dstNames := column(srcRows, 0), column(dstRows, 0)
	if !slices.Equal(srcNames, dstNames) {
		return nil, fmt.Errorf("the source has the tables %v but the target %v", srcNames, dstNames)
	}
	byName := map[string]tablePlan{}
	for _, name := range srcNames {
		t := tablePlan{name: name}
		info, err := queryRows(ctx, stx, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, fmt.Errorf("columns of source table %s: %w", name, err)
		}
		var srcCols []string
		type pkCol struct {
			name string
			pos  int
		}
		var pks []pkCol
		for _, r := range info {
			srcCols = append(srcCols, r[0])
			if p, _ := strconv.Atoi(r[1]); p > 0 {
				pks = append(pks, pkCol{r[0], p})
			}
		}
		sort.Slice(pks, func(i, j int) bool { return pks[i].pos < pks[j].pos })
		for _, p := range pks {
			t.key = append(t.key, p.name)
		}
		cols, err := queryRows(ctx, dtx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, name)
		if err != nil {
			return nil, fmt.Errorf("columns of target table %s: %w", name, err)
		}
		var dstCols []string
		for _, c := range cols {
			t.columns = append(t.columns, copyColumn{name: c[0], pgType: c[1]})
			dstCols = append(dstCols, c[0])
		}
		if a, b := sorted(srcCols), sorted(dstCols); !slices.Equal(a, b) {
			return nil, fmt.Errorf("table %s has the columns %v in the source but %v in the target", name, a, b)
		}
		byName[name] = t
	}
	edges, err := queryRows(ctx, dtx, `SELECT child.relname, parent.relname
		FROM pg_constraint c
		JOIN pg_class child ON child.oid = c.conrelid
		JOIN pg_class parent ON parent.oid = c.confrelid
		WHERE c.contype = 'f' AND c.connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`)
	if err != nil {
		return nil, fmt.Errorf("foreign keys of the target: %w", err)
	}
	order, err := parentsFirst(srcNames, edges)
	if err != nil {
		return nil, err
	}
	out := make([]tablePlan, len(order))
	for i, name := range order {
		out[i] = byName[name]
	}
	return out, nil
}

func column(rows [][]string, i int) []string {
	out := make([]string, len(rows))
	for j, r := range rows {
		out[j] = r[i]
	}
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// parentsFirst orders tables so that every table comes after the tables
// its foreign keys reference (edges are child, parent pairs); ties are
// broken by name.
func parentsFirst(tables []string, edges [][]string) ([]string, error) {
	parents := map[string]map[string]bool{}
	for _, t := range tables {
		parents[t] = map[string]bool{}
	}
	for _, e := range edges {
		if e[0] != e[1] {
			if _, ok := parents[e[0]]; ok {
				parents[e[0]][e[1]] = true
			}
		}
	}
	done := map[string]bool{}
	var out []string
	for len(out) < len(tables) {
		progress := false
		for _, t := range tables {
			if done[t] {
				continue
			}
			ready := true
			for p := range parents[t] {
				if !done[p] {
					ready = false
				}
			}
			if ready {
				done[t] = true
				out = append(out, t)
				progress = true
			}
		}
		if !progress {
			return nil, fmt.Errorf("the foreign keys between the tables form a cycle; cannot order the copy")
		}
	}
	return out, nil
}

// checkEmpty refuses a target that holds data: every table must be empty
// but for the rows the migrations create.
func checkEmpty(ctx context.Context, dtx *gorm.DB, tables []tablePlan) error {
	var full []string
	for _, t := range tables {
		q := "SELECT COUNT(*) FROM " + quoteIdent(t.name)
		if cond, ok := seededTables[t.name]; ok {
			q += " WHERE " + cond
		}
		n, err := count(ctx, dtx, q)
		if err != nil {
			return fmt.Errorf("count target table %s: %w", t.name, err)
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s (%d rows)", t.name, n))
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("the target database is not empty: %s; copy only into a new database", strings.Join(full, ", "))
	}
	return nil
}

// precheckEmpty refuses, before anything is migrated, a target whose
// existing tables hold data (checkEmpty checks again inside the copy).
func precheckEmpty(ctx context.Context, dst *DB) error {
	return dst.Read.WithContext(ctx).Connection(func(db *gorm.DB) error {
		rows, err := queryRows(ctx, db, `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name`)
		if err != nil {
			return fmt.Errorf("list target tables: %w", err)
		}
		tables := make([]tablePlan, len(rows))
		for i, r := range rows {
			tables[i] = tablePlan{name: r[0]}
		}
		return checkEmpty(ctx, db, tables)
	})
}

func count(ctx context.Context, db *gorm.DB, query string) (int64, error) {
	var n int64
	err := db.Statement.ConnPool.QueryRowContext(ctx, query).Scan(&n)
	return n, err
}

// copyRows streams one table from the source into the target in batches
// of multi-row INSERTs and returns both row counts.
func copyRows(ctx context.Context, stx, dtx *gorm.DB, t tablePlan, batchRows int) (TableCopy, error) {
	tc := TableCopy{Table: t.name}
	if _, ok := seededTables[t.name]; ok {
		if _, err := dtx.Statement.ConnPool.ExecContext(ctx, "DELETE FROM "+quoteIdent(t.name)); err != nil {
			return tc, fmt.Errorf("clear target table %s: %w", t.name, err)
		}
	}
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = quoteIdent(c.name)
	}
	sel := "SELECT " + strings.Join(names, ", ") + " FROM " + quoteIdent(t.name)
	if len(t.key) > 0 {
		keys := make([]string, len(t.key))
		for i, k := range t.key {
			keys[i] = quoteIdent(k)
		}
		sel += " ORDER BY " + strings.Join(keys, ", ")
	}
	rows, err := stx.Statement.ConnPool.QueryContext(ctx, sel)
	if err != nil {
		return tc, fmt.Errorf("read source table %s: %w", t.name, err)
	}
	defer rows.Close()
	perBatch := min(batchRows, 65535/len(t.columns))
	insert := "INSERT INTO " + quoteIdent(t.name) + " (" + strings.Join(names, ", ") + ") VALUES "
	var args []any
	var tuples []string
	flush := func() error {
		if len(tuples) == 0 {
			return nil
		}
		if _, err := dtx.Statement.ConnPool.ExecContext(ctx, insert+strings.Join(tuples, ", "), args...); err != nil {
			return fmt.Errorf("insert into %s: %w", t.name, err)
		}
		args, tuples = args[:0], tuples[:0]
		return nil
	}
	vals := make([]any, len(t.columns))
	ptrs := make([]any, len(t.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return tc, fmt.Errorf("read source table %s: %w", t.name, err)
		}
		ph := make([]string, len(t.columns))
		for i, c := range t.columns {
			v, err := convertValue(vals[i], c.pgType)
			if err != nil {
				return tc, fmt.Errorf("table %s, column %s, row %d: %w", t.name, c.name, tc.Source+1, err)
			}
			args = append(args, v)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		tuples = append(tuples, "("+strings.Join(ph, ", ")+")")
		tc.Source++
		if len(tuples) >= perBatch {
			if err := flush(); err != nil {
				return tc, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return tc, fmt.Errorf("read source table %s: %w", t.name, err)
	}
	if err := flush(); err != nil {
		return tc, err
	}
	srcN, err := count(ctx, stx, "SELECT COUNT(*) FROM "+quoteIdent(t.name))
	if err != nil {
		return tc, fmt.Errorf("count source table %s: %w", t.name, err)
	}
	if tc.Target, err = count(ctx, dtx, "SELECT COUNT(*) FROM "+quoteIdent(t.name)); err != nil {
		return tc, fmt.Errorf("count target table %s: %w", t.name, err)
	}
	if srcN != tc.Source || tc.Target != tc.Source {
		return tc, fmt.Errorf("table %s: the source has %d rows, %d were read, the target has %d", t.name, srcN, tc.Source, tc.Target)
	}
	return tc, nil
}

// resetSequences moves every identity or serial column's sequence past the
// largest copied value, so the next insert does not collide.
func resetSequences(ctx context.Context, dtx *gorm.DB, tables []tablePlan) error {
	for _, t := range tables {
		for _, c := range t.columns {
			rows, err := queryRows(ctx, dtx, "SELECT pg_get_serial_sequence($1, $2)", quoteIdent(t.name), c.name)
			if err != nil {
				return fmt.Errorf("sequence of %s.%s: %w", t.name, c.name, err)
			}
			if len(rows) == 0 || rows[0][0] == "" {
				continue
			}
			q := fmt.Sprintf("SELECT setval($1, COALESCE(MAX(%s), 0) + 1, false) FROM %s", quoteIdent(c.name), quoteIdent(t.name))
			if _, err := dtx.Statement.ConnPool.ExecContext(ctx, q, rows[0][0]); err != nil {
				return fmt.Errorf("move sequence of %s.%s: %w", t.name, c.name, err)
			}
		}
	}
	return nil
}

// sqliteTimeLayouts are the forms SQLite databases hold instants in.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// convertValue turns a value read from SQLite into one for a PostgreSQL
// column of type pgType, refusing anything that would change its meaning.
func convertValue(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) { return nil, fmt.Errorf("cannot copy a %T (%v) into a %s column", v, v, pgType) }
	switch pgType {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
		return bad()
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			if n, err := strconv.ParseInt(x, 10, 64); err == nil {
				return n, nil
			}
		case float64:
			if x == float64(int64(x)) {
				return int64(x), nil
			}
		}
		return bad()
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return bad()
	case "timestamp with time zone", "timestamp without time zone":
		switch x := v.(type) {
		case time.Time:
			return x.UTC(), nil
		case string:
			for _, l := range sqliteTimeLayouts {
				if t, err := time.Parse(l, strings.TrimSuffix(x, "Z")); err == nil {
					return t.UTC(), nil
				}
			}
		}
		return bad()
	case "text", "character varying":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		}
		return bad()
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64, int64:
			return x, nil
		}
		return bad()
	}
	return nil, fmt.Errorf("no conversion into a %s column", pgType)
}
