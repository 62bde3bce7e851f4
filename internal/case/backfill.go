package cases

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// Helpers of the start-up backfills (BackfillFingerprints,
// BackfillStatistics, BackfillMajorityMonths, BackfillReturnStates): they
// run before the server serves, on databases of up to a million cases
// (docs/performance.md "Start-up backfills").

// Two backfills repair only what versions before schema 13 and rules
// version 2 wrote (every change since writes their fields), yet their scan
// walks the whole cases table by primary key: BackfillMajorityMonths and
// BackfillReturnStates (6 to 7 s of each start at 1M cases). Each records
// in the table backfills (migration 0020) that it ran to completion on
// this database, and skips its scan when that row is there
// (docs/performance.md "Start-up backfills"). The two others walk partial
// indexes that are empty once they are done, and need no row.
//
// The row is written right after the scan found nothing left, in a
// transaction of its own: a crash before it only means that the next
// start scans once more, which is idempotent (each write is conditional
// on the field being still unset). A row means only that the data written
// before it was repaired: a case stored the old way since (by hand, or by
// a server of a version before the field, which /readyz reports not ready
// on the newer schema) stays as it is. Two servers starting at once on
// PostgreSQL both scan and both insert the row, the second one without
// effect (ON CONFLICT DO NOTHING).
const (
	backfillMajorityMonths = "majority_months"
	backfillReturnStates   = "return_states"
)

// onceBackfill runs backfill, unless the row of name says it already ran
// to completion on this database, and then writes that row. It returns
// what backfill returns: the number of cases it filled in.
func (s *Service) onceBackfill(ctx context.Context, name string, backfill func(context.Context) (int, error)) (int, error) {
	var done int64
	if err := s.db.Read.WithContext(ctx).Table("backfills").Where("name = ?", name).Count(&done).Error; err != nil {
		return 0, fmt.Errorf("cases: backfill %s: read whether done: %w", name, err)
	}
	if done > 0 {
		return 0, nil
	}
	n, err := backfill(ctx)
	if err != nil {
		return n, err
	}
	at := s.now().UTC()
	if err := s.db.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Exec("INSERT INTO backfills (name, done_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name, at).Error
	}); err != nil {
		return n, fmt.Errorf("cases: backfill %s: record it done: %w", name, err)
	}
	return n, nil
}

// backfillBatch is the number of cases a backfill reads and writes at a
// time: one transaction each, short enough not to hold the writer long.
const backfillBatch = 1000

// parallel runs fn(0) to fn(n-1) on every CPU and returns the first error.
// The backfills decrypt each case's identity under its own data key: CPU
// work that does not need the database.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.NumCPU(), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// setWhereEmpty sets column col of case ids[i] to vals[i] where it is
// still empty (a change on another server wins), with one UPDATE statement
// per updateChunk cases, and returns how many it set. The statement is
// plain SQL for both SQLite and PostgreSQL.
func setWhereEmpty(tx *gorm.DB, col string, ids, vals []string) (int, error) {
	n := 0
	for start := 0; start < len(ids); start += updateChunk {
		end := min(start+updateChunk, len(ids))
		k, err := setChunkWhereEmpty(tx, col, ids[start:end], vals[start:end])
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// updateChunk is the number of cases of one UPDATE statement: far below
// either database's limit of bound parameters, and short enough a CASE
// (each row looks its id up in it).
const updateChunk = 250

func setChunkWhereEmpty(tx *gorm.DB, col string, ids, vals []string) (int, error) {
	var sb strings.Builder
	args := make([]any, 0, 3*len(ids))
	sb.WriteString("UPDATE cases SET " + col + " = CASE id")
	for i := range ids {
		sb.WriteString(" WHEN ? THEN ?")
		args = append(args, ids[i], vals[i])
	}
	sb.WriteString(" END WHERE " + col + " = '' AND id IN (")
	for i := range ids {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("?")
		args = append(args, ids[i])
	}
	sb.WriteString(")")
	res := tx.Exec(sb.String(), args...)
	if res.Error != nil {
		return 0, fmt.Errorf("set %s of %d cases: %w", col, len(ids), res.Error)
	}
	return int(res.RowsAffected), nil
}
