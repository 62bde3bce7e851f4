package cases

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// readStmts keeps the hottest reads (a kept view's stamp, a list page's
// stamps) as statements prepared on the read pool, by their text, and
// runs them without GORM: its statement building and reflection cost more
// than the queries themselves there (docs/performance.md "Issue 18"). The
// texts use ? placeholders, rewritten as $n on PostgreSQL. Only a bounded
// number of texts is kept: list filters give a few dozen.
type readStmts struct {
	once sync.Once
	db   *sql.DB
	pg   bool
	err  error

	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// maxReadStmts bounds the statements kept; past it, queries are prepared
// for each call.
const maxReadStmts = 128

func (r *readStmts) init(db *gorm.DB) {
	r.once.Do(func() {
		r.db, r.err = db.DB()
		if r.err != nil {
			r.err = fmt.Errorf("cases: read statements: %w", r.err)
		}
		r.pg = db.Dialector.Name() == "postgres"
		r.m = map[string]*sql.Stmt{}
	})
}

// stmt returns the prepared statement of q, preparing it the first time;
// kept is false when the cache is full and the caller must close it.
func (r *readStmts) stmt(ctx context.Context, q string) (st *sql.Stmt, kept bool, err error) {
	r.mu.Lock()
	st = r.m[q]
	r.mu.Unlock()
	if st != nil {
		return st, true, nil
	}
	text := q
	if r.pg {
		text = dollarPlaceholders(q)
	}
	if st, err = r.db.PrepareContext(ctx, text); err != nil {
		return nil, false, fmt.Errorf("cases: prepare: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.m[q]; old != nil { // prepared meanwhile by another request
		st.Close()
		return old, true, nil
	}
	if len(r.m) >= maxReadStmts {
		return st, false, nil
	}
	r.m[q] = st
	return st, true, nil
}

// query runs q with args and calls scan for each row.
func (r *readStmts) query(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	if r.err != nil {
		return r.err
	}
	st, kept, err := r.stmt(ctx, q)
	if err != nil {
		return err
	}
	if !kept {
		defer st.Close()
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// planStable returns how a hot read compares its key column with its
// parameter: "+?" on SQLite, "?" on PostgreSQL (where unary plus on text is
// an error). SQLite plans `shelter_id = ?` by comparing the parameter with
// the constants of the partial indexes' WHERE clauses, and so marks the
// statement to be planned again whenever a value is bound: every list page
// and board was parsed and planned again on every call, a third of the
// list's stamp query (docs/performance.md "Fifth pass"). The unary plus
// leaves the value and the index choice as they were.
func (r *readStmts) planStable() string {
	if r.pg {
		return "?"
	}
	return "+?"
}

// limitClause is " LIMIT n" with n written into the text: a bound LIMIT
// also makes SQLite plan the statement again at each call. n is a
// validated page size (checkLimit), so the texts stay few.
func limitClause(n int) string { return " LIMIT " + strconv.Itoa(n) }

// dollarPlaceholders rewrites the ? placeholders of q as $1, $2, …; the
// texts given to readStmts hold no ? inside string literals.
func dollarPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
