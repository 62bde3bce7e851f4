package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"
)

// Group commit on SQLite (docs/performance.md "Group commit"). One durable
// commit per change caps writes at the disk's fsync rate, while SQLite runs
// one writer at a time anyway. So Tx hands each change to one committer
// goroutine, which takes the changes waiting together, opens one
// transaction, runs each inside its own savepoint (a change that fails is
// rolled back alone and answered alone), commits once, and only then
// answers every change that the commit holds. The order of the changes in
// the transaction is the order they were taken in, so the audit chain's
// order is the acknowledgement order; a crash before the commit loses
// only changes that were never acknowledged.

// maxGroup bounds the changes that share one commit, so that one commit
// never holds the writer for long.
const maxGroup = 64

// change is one Tx call waiting for its commit.
type change struct {
	ctx  context.Context
	fn   func(tx *gorm.DB) error
	then func() // run once committed, before the answer (DB.TxThen); may be nil
	err  error
	done chan struct{}
}

// committer runs the changes of one SQLite database in groups.
type committer struct {
	write *gorm.DB
	queue chan *change

	groups, changes atomic.Int64 // commits made, changes they held

	mu     sync.RWMutex // held for reading to send, for writing to close
	closed bool
	exited chan struct{}
}

func newCommitter(write *gorm.DB) *committer {
	c := &committer{write: write, queue: make(chan *change, 4*maxGroup), exited: make(chan struct{})}
	go c.loop()
	return c
}

// errClosed answers a change asked of a closed database.
var errClosed = errors.New("store: the database is closed")

// do runs fn in a transaction shared with the changes waiting with it, and
// returns once that transaction committed or fn's part was rolled back.
// It always waits for the answer: a change that was taken may commit even
// if ctx ends meanwhile, and the caller must not believe otherwise.
func (c *committer) do(ctx context.Context, fn func(tx *gorm.DB) error, then func()) error {
	ch := &change{ctx: ctx, fn: fn, then: then, done: make(chan struct{})}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return errClosed
	}
	c.queue <- ch
	c.mu.RUnlock()
	<-ch.done
	return ch.err
}

// close answers the changes still queued, then stops the committer.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.exited
}

func (c *committer) loop() {
	defer close(c.exited)
	for first := range c.queue {
		group := []*change{first}
	take:
		for len(group) < maxGroup {
			select {
			case ch, ok := <-c.queue:
				if !ok {
					break take
				}
				group = append(group, ch)
			default:
				break take
			}
		}
		c.commit(group)
		c.groups.Add(1)
		c.changes.Add(int64(len(group)))
	}
}

// commit runs a group in one transaction and answers each change.
func (c *committer) commit(group []*change) {
	ran := make([]bool, len(group))
	err := c.write.WithContext(context.Background()).Transaction(func(tx *gorm.DB) error {
		if len(group) == 1 {
			// Alone: the change is the transaction, as without grouping.
			ch := group[0]
			if ch.err = ch.ctx.Err(); ch.err != nil {
				return ch.err
			}
			ch.err = run(ch, tx)
			ran[0] = ch.err == nil
			return ch.err
		}
		for i, ch := range group {
			if ch.err = ch.ctx.Err(); ch.err != nil {
				continue // gone before its turn: never run
			}
			if err := tx.Exec("SAVEPOINT group_change").Error; err != nil {
				return fmt.Errorf("store: savepoint: %w", err)
			}
			if ch.err = run(ch, tx); ch.err != nil {
				if err := tx.Exec("ROLLBACK TO SAVEPOINT group_change").Error; err != nil {
					return fmt.Errorf("store: roll back one change: %w", err)
				}
			}
			if err := tx.Exec("RELEASE SAVEPOINT group_change").Error; err != nil {
				return fmt.Errorf("store: release savepoint: %w", err)
			}
			ran[i] = ch.err == nil
		}
		return nil
	})
	for i, ch := range group {
		switch {
		case ran[i] && err == nil && ch.then != nil:
			ch.err = runThen(ch.then)
		case ran[i] && err != nil:
			ch.err = err // the commit failed: nothing of the group is stored
		case !ran[i] && ch.err == nil && err != nil:
			// Not reached: an earlier change broke the transaction.
			ch.err = fmt.Errorf("store: the shared transaction failed before this change ran: %w", err)
		}
		close(ch.done)
	}
}

// run runs one change's function, a panic becoming its error so that the
// other changes of the group are still answered.
func run(ch *change, tx *gorm.DB) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: panic in a transaction: %v", p)
		}
	}()
	return ch.fn(tx.WithContext(ch.ctx))
}

// runThen runs a committed change's then, a panic becoming the change's
// error (the change itself is stored) so that the group is still answered.
func runThen(then func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: panic after the commit: %v", p)
		}
	}()
	then()
	return nil
}

// GroupCommits returns how many commits the write path made and how many
// changes they held (zero on engines without group commit): their ratio is
// the mean group size, reported by casemgr loadtest.
func (db *DB) GroupCommits() (groups, changes int64) {
	if db.commits == nil {
		return 0, 0
	}
	return db.commits.groups.Load(), db.commits.changes.Load()
}
