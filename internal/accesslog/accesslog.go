package accesslog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
)

// Entry is one read of a case file. AccessedAt is written as
// audit.FormatTime writes recorded_at (UTC, six fractional digits).
type Entry struct {
	ID         int64  `gorm:"column:id;primaryKey"`
	AccessedAt string `gorm:"column:accessed_at"`
	Actor      string `gorm:"column:actor"`
	ActorRole  string `gorm:"column:actor_role"`
	CaseID     string `gorm:"column:case_id"`
	Shelter    string `gorm:"column:shelter"`
	Action     string `gorm:"column:action"`
	// More are the other cases read by the same request (a list page):
	// stored in the same row, exported as one entry each with this
	// entry's id and fields (docs/audit.md "The read-access log").
	More []string `gorm:"-"`
}

// TableName returns access_log.
func (Entry) TableName() string { return "access_log" }

// Fields returns the export field names of an Entry, in order: the CSV
// header and the JSON keys. Each call returns a new slice.
func Fields() []string {
	return []string{"id", "accessed_at", "actor", "actor_role", "case_id", "shelter", "action"}
}

// AppendJSON appends e as a JSON object with the keys of Fields(), id an
// integer and every other field a string.
func (e Entry) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, e.ID, 10)
	for _, m := range [...]struct{ k, v string }{
		{"accessed_at", e.AccessedAt}, {"actor", e.Actor}, {"actor_role", e.ActorRole},
		{"case_id", e.CaseID}, {"shelter", e.Shelter}, {"action", e.Action},
	} {
		b = append(b, ',', '"')
		b = append(b, m.k...)
		b = append(b, '"', ':')
		b = audit.AppendJSONString(b, m.v)
	}
	return append(b, '}'), nil
}

// AppendCells appends e's cells in Fields() order, id in decimal.
func (e Entry) AppendCells(dst []string) []string {
	return append(dst, strconv.FormatInt(e.ID, 10), e.AccessedAt, e.Actor, e.ActorRole, e.CaseID, e.Shelter, e.Action)
}

// Options tunes a Recorder; zero fields take the defaults.
type Options struct {
	// Buffer is how many entries may wait to be written (default 4096).
	// When it is full, Record waits.
	Buffer int
	// BatchSize is the most entries written in one transaction (default
	// 500).
	BatchSize int
	// FlushInterval is the longest an entry waits before it is written
	// (default and maximum one second).
	FlushInterval time.Duration
	// Log receives write failures and entries lost to a cancelled request;
	// nil discards them.
	Log *slog.Logger
}

// Recorder writes entries to access_log in batches. It implements the
// case service's access recorder. It is safe for concurrent use; Close
// writes what is queued and stops it.
type Recorder struct {
	db       *gorm.DB
	now      func() time.Time
	log      *slog.Logger
	batch    int
	interval time.Duration

	in    chan Entry
	flush chan chan error
	stop  chan struct{}
	done  chan struct{}

	mu       sync.RWMutex // held shared while sending, exclusively to close
	closed   bool
	once     sync.Once
	closeErr error
}

// NewRecorder starts a Recorder that writes to db (a write handle) with
// the clock now.
func NewRecorder(db *gorm.DB, now func() time.Time, o Options) *Recorder {
	if o.Buffer <= 0 {
		o.Buffer = 4096
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.FlushInterval <= 0 || o.FlushInterval > time.Second {
		o.FlushInterval = time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{
		db: db, now: now, log: o.Log, batch: o.BatchSize, interval: o.FlushInterval,
		in: make(chan Entry, o.Buffer), flush: make(chan chan error), stop: make(chan struct{}), done: make(chan struct{}),
	}
	go r.run()
	return r
}

// Record queues one read: actor a did action on case caseID of shelter.
// It returns at once unless the queue is full; then it waits for room
// (back-pressure: a read is never dropped). If ctx ends while it waits, it
// writes the entry itself, in its own transaction, before returning; only
// a failing write loses the entry, and the loss is logged at error level.
// After Close, it writes the entry synchronously.
func (r *Recorder) Record(ctx context.Context, a auth.Actor, caseID, shelter, action string) {
	r.queue(ctx, Entry{AccessedAt: audit.FormatTime(r.now()), Actor: a.Username, ActorRole: string(a.Role),
		CaseID: caseID, Shelter: shelter, Action: action})
}

// RecordMany queues one read of several case files of one shelter by one
// request (a page of a list) as one row: a list page wrote fifty rows
// through the one writer, which bounded how many pages could be served
// (docs/performance.md "Issue 18"). The export still shows one entry per
// case. Nothing is recorded for no case.
func (r *Recorder) RecordMany(ctx context.Context, a auth.Actor, caseIDs []string, shelter, action string) {
	if len(caseIDs) == 0 {
		return
	}
	r.queue(ctx, Entry{AccessedAt: audit.FormatTime(r.now()), Actor: a.Username, ActorRole: string(a.Role),
		CaseID: caseIDs[0], More: append([]string(nil), caseIDs[1:]...), Shelter: shelter, Action: action})
}

// queue hands e to the writer, waiting for room when the queue is full.
func (r *Recorder) queue(ctx context.Context, e Entry) {
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		if err := r.write([]Entry{e}); err != nil {
			r.lost(e, err)
		}
		return
	}
	defer r.mu.RUnlock()
	select {
	case r.in <- e:
		return
	default:
	}
	r.log.Warn("access log queue full: the read waits for the writer", slog.Int("queued", cap(r.in)))
	select {
	case r.in <- e:
	case <-ctx.Done():
		// The client went away or the request timed out, but the case
		// may already have been read (and sent): write the entry with the
		// request instead of losing it. Only a failing database loses it.
		if err := r.write([]Entry{e}); err != nil {
			r.lost(e, err)
		}
	}
}

func (r *Recorder) lost(e Entry, err error) {
	r.log.Error("access log entry lost", slog.String("actor", e.Actor), slog.String("case_id", e.CaseID),
		slog.String("action", e.Action), slog.String("accessed_at", e.AccessedAt), slog.String("error", err.Error()))
}

// Flush writes every entry queued before the call and returns the first
// write error, if any. After Close it does nothing.
func (r *Recorder) Flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case r.flush <- reply:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("accesslog: flush: %w", ctx.Err())
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return fmt.Errorf("accesslog: flush: %w", ctx.Err())
	}
}

// Close writes what is queued, stops the writer and returns the error of
// that last write. Later calls return the same error; Record still works
// afterwards, writing synchronously.
func (r *Recorder) Close() error {
	r.once.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		close(r.stop)
		<-r.done
	})
	return r.closeErr
}

func (r *Recorder) run() {
	defer close(r.done)
	tick := time.NewTicker(r.interval)
	defer tick.Stop()
	pending := make([]Entry, 0, r.batch)
	var err error
	for {
		in := r.in
		if len(pending) >= r.batch {
			in = nil // a failing writer holds a full batch: let the queue push back
		}
		select {
		case e := <-in:
			pending = append(pending, e)
			if len(pending) >= r.batch {
				pending, _ = r.writeOut(pending)
			}
		case <-tick.C:
			pending, _ = r.writeOut(pending)
		case reply := <-r.flush:
			pending = r.drain(pending)
			pending, err = r.writeOut(pending)
			reply <- err
		case <-r.stop:
			pending = r.drain(pending)
			if pending, err = r.writeOut(pending); err != nil {
				r.closeErr = fmt.Errorf("accesslog: %d entries not written at close: %w", len(pending), err)
				for _, e := range pending {
					r.lost(e, err)
				}
			}
			return
		}
	}
}

// drain moves every queued entry into pending without waiting.
func (r *Recorder) drain(pending []Entry) []Entry {
	for {
		select {
		case e := <-r.in:
			pending = append(pending, e)
		default:
			return pending
		}
	}
}

// writeOut writes pending in transactions of at most BatchSize entries and
// returns what could not be written (to retry) and the error.
func (r *Recorder) writeOut(pending []Entry) ([]Entry, error) {
	for len(pending) > 0 {
		n := min(len(pending), r.batch)
		if err := r.write(pending[:n]); err != nil {
			r.log.Error("access log write failed; will retry", slog.Int("entries", len(pending)), slog.String("error", err.Error()))
			return pending, err
		}
		pending = pending[n:]
	}
	return pending[:0], nil
}

// insertRows is the most entries one INSERT statement carries.
const insertRows = 100

// write inserts entries in one transaction, with multi-row INSERTs
// written by hand: GORM's Create of a slice (reflection, and RETURNING
// the ids nobody reads) was a third of the CPU of a load of case lists,
// which record one entry per case shown (docs/performance.md "Issue 18").
func (r *Recorder) write(entries []Entry) error {
	err := r.db.Session(&gorm.Session{NewDB: true, Context: context.Background()}).Transaction(func(tx *gorm.DB) error {
		var q strings.Builder
		args := make([]any, 0, 7*min(len(entries), insertRows))
		for start := 0; start < len(entries); start += insertRows {
			part := entries[start:min(start+insertRows, len(entries))]
			q.Reset()
			args = args[:0]
			q.WriteString("INSERT INTO access_log (accessed_at, actor, actor_role, case_id, shelter, action, more_case_ids) VALUES ")
			for i, e := range part {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
				args = append(args, e.AccessedAt, e.Actor, e.ActorRole, e.CaseID, e.Shelter, e.Action, strings.Join(e.More, ","))
			}
			if err := tx.Exec(q.String(), args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("accesslog: write %d entries: %w", len(entries), err)
	}
	return nil
}

// Filter selects access-log entries for an export. The zero Filter selects
// them all.
type Filter struct {
	// From and To are dates (YYYY-MM-DD), inclusive, on the UTC date of
	// accessed_at; "" leaves that end open.
	From, To string
	// MaxID, when above 0, keeps only entries with id <= MaxID.
	MaxID int64
}

// MaxID returns the highest id in access_log, 0 when it is empty.
func MaxID(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.Session(&gorm.Session{NewDB: true, Context: ctx}).Model(&Entry{}).Select("COALESCE(MAX(id), 0)").Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("accesslog: last id: %w", err)
	}
	return n, nil
}

// Select calls fn for every entry f selects, in id order, streaming: a row
// that records several cases (RecordMany) is one entry per case, in the
// order they were read, all with the row's id. It stops at the first error
// fn returns and returns it unchanged. The entries given to fn have no
// More.
func Select(ctx context.Context, db *gorm.DB, f Filter, fn func(Entry) error) error {
	q := db.Session(&gorm.Session{NewDB: true, Context: ctx}).Model(&Entry{}).Select(append(Fields(), "more_case_ids"))
	if f.MaxID > 0 {
		q = q.Where("id <= ?", f.MaxID)
	}
	if f.From != "" {
		if _, err := dayAfter(f.From); err != nil {
			return fmt.Errorf("accesslog: select: from: %w", err)
		}
		q = q.Where("accessed_at >= ?", f.From)
	}
	if f.To != "" {
		after, err := dayAfter(f.To)
		if err != nil {
			return fmt.Errorf("accesslog: select: to: %w", err)
		}
		q = q.Where("accessed_at < ?", after)
	}
	rows, err := q.Order("id").Rows()
	if err != nil {
		return fmt.Errorf("accesslog: select: %w", err)
	}
	defer rows.Close()
	var e Entry
	var more string
	dest := []any{&e.ID, &e.AccessedAt, &e.Actor, &e.ActorRole, &e.CaseID, &e.Shelter, &e.Action, &more}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("accesslog: select: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
		for more != "" {
			var id string
			id, more, _ = strings.Cut(more, ",")
			one := e
			one.CaseID = id
			if err := fn(one); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("accesslog: select: %w", err)
	}
	return nil
}

func dayAfter(d string) (string, error) {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil || t.Format(time.DateOnly) != d {
		return "", errors.New("want a date as YYYY-MM-DD")
	}
	return t.AddDate(0, 0, 1).Format(time.DateOnly), nil
}
