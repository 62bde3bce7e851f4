package cases

import (
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
