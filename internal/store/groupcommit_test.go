package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/store"
)

// TestGroupCommit sends many changes at once, some failing in different
// ways, and checks that each is answered alone and that exactly the
// changes answered with success are stored: a refused change (an error,
// a unique violation, a panic, a context already gone) is rolled back
// alone inside the transaction it shares with the others.
func TestGroupCommit(t *testing.T) {
	db := migrated(t, store.SQLite)
	ctx := context.Background()
	if err := db.Write.Exec("CREATE TABLE gc_test (k TEXT PRIMARY KEY, v INTEGER NOT NULL)").Error; err != nil {
		t.Fatal(err)
	}
	const n = 400
	groups0, changes0 := db.GroupCommits()
	refused := errors.New("refused by the change")
	gone, cancel := context.WithCancel(ctx)
	cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := ctx
			if i%50 == 7 {
				c = gone
			}
			errs[i] = db.Tx(c, func(tx *gorm.DB) error {
				k := fmt.Sprint(i)
				if i%11 == 3 {
					k = "dup" // all but the first of these violate the key
				}
				if err := tx.Exec("INSERT INTO gc_test (k, v) VALUES (?, ?)", k, i).Error; err != nil {
					return err
				}
				switch {
				case i%13 == 5:
					return refused // after writing: the write must go
				case i%97 == 42:
					panic("a bug in one change")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	var rows []struct {
		K string
		V int
	}
	if err := db.Read.Raw("SELECT k, v FROM gc_test").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	stored := map[int]bool{}
	for _, r := range rows {
		stored[r.V] = true
	}
	dups := 0
	for i := range n {
		ok := errs[i] == nil
		if ok != stored[i] {
			t.Errorf("change %d: answered %v, stored %v: want stored exactly when answered with success", i, errs[i], stored[i])
		}
		switch {
		case i%50 == 7 && !errors.Is(errs[i], context.Canceled):
			t.Errorf("change %d with its context gone: got %v, want context.Canceled", i, errs[i])
		case i%13 == 5 && i%50 != 7 && i%11 != 3 && !errors.Is(errs[i], refused):
			t.Errorf("change %d: got %v, want its own error", i, errs[i])
		case i%11 == 3 && ok:
			dups++
		}
	}
	if dups > 1 {
		t.Errorf("got %d changes storing the same key, want at most 1", dups)
	}
	groups, changes := db.GroupCommits()
	groups, changes = groups-groups0, changes-changes0
	t.Logf("%d changes in %d commits", changes, groups)
	if changes != n {
		t.Errorf("got %d changes counted, want %d", changes, n)
	}
	if groups >= changes {
		t.Errorf("got %d commits for %d changes arriving together, want fewer commits than changes", groups, changes)
	}
}

// TestGroupCommitClosed: a change asked after Close is refused, not lost
// or blocked.
func TestGroupCommitClosed(t *testing.T) {
	db := migrated(t, store.SQLite)
	db.Close()
	err := db.Tx(context.Background(), func(tx *gorm.DB) error { return nil })
	if err == nil {
		t.Fatal("got nil after Close, want an error")
	}
}

// TestTxThen sends changes at once through TxThen and checks that each
// change's then runs exactly when the change is stored, after its commit
// (a reader on another connection already sees the row) and before Tx
// returns; a refused change's then never runs. On PostgreSQL (no
// committer) the same holds after the transaction's commit.
func TestTxThen(t *testing.T) {
	for _, d := range dialects {
		t.Run(string(d), func(t *testing.T) {
			db := migrated(t, d)
			ctx := context.Background()
			if err := db.Write.Exec("CREATE TABLE then_test (k TEXT PRIMARY KEY)").Error; err != nil {
				t.Fatal(err)
			}
			const n = 200
			refused := errors.New("refused by the change")
			errs := make([]error, n)
			ran := make([]bool, n)  // then ran
			seen := make([]bool, n) // then saw the row from a reader
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					k := fmt.Sprint("k", i)
					errs[i] = db.TxThen(ctx, func(tx *gorm.DB) error {
						if err := tx.Exec("INSERT INTO then_test (k) VALUES (?)", k).Error; err != nil {
							return err
						}
						if i%7 == 3 {
							return refused
						}
						return nil
					}, func() {
						ran[i] = true
						var c int64
						if err := db.Read.Raw("SELECT count(*) FROM then_test WHERE k = ?", k).Scan(&c).Error; err == nil {
							seen[i] = c == 1
						}
					})
				}()
			}
			wg.Wait()
			for i := range n {
				switch {
				case i%7 == 3 && (!errors.Is(errs[i], refused) || ran[i]):
					t.Errorf("refused change %d: got %v, then ran %v; want the refusal and no then", i, errs[i], ran[i])
				case i%7 != 3 && (errs[i] != nil || !ran[i] || !seen[i]):
					t.Errorf("change %d: got %v, then ran %v, row visible to a reader in then %v; want nil, true, true", i, errs[i], ran[i], seen[i])
				}
			}
		})
	}
}
