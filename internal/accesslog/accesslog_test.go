package accesslog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/store"
)

var t0 = time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)

// stepClock moves one minute per reading.
type stepClock struct{ n atomic.Int64 }

func (c *stepClock) now() time.Time { return t0.Add(time.Duration(c.n.Add(1)) * time.Minute) }

func newDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "a.db"), Now: time.Now})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func all(t *testing.T, db *gorm.DB) []Entry {
	t.Helper()
	var out []Entry
	if err := Select(t.Context(), db, Filter{}, func(e Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatalf("Select: %v", err)
	}
	return out
}

var ana = auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke"}

func TestRecorderOneRowPerRecord(t *testing.T) {
	db := newDB(t)
	var c stepClock
	r := NewRecorder(db.Write, c.now, Options{BatchSize: 64, Buffer: 128})
	const workers, each = 8, 150
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r.Record(context.Background(), ana, fmt.Sprintf("case-%d-%d", w, i), "payoke", "get")
			}
		}()
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	got := all(t, db.Read)
	if len(got) != workers*each {
		t.Fatalf("got %d rows, want %d", len(got), workers*each)
	}
	seen := map[string]bool{}
	for _, e := range got {
		seen[e.CaseID] = true
		if e.Actor != "ana" || e.ActorRole != "caseworker" || e.Shelter != "payoke" || e.Action != "get" {
			t.Fatalf("got entry %+v, want ana/caseworker/payoke/get", e)
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000000Z", e.AccessedAt); err != nil {
			t.Fatalf("accessed_at %q: %v", e.AccessedAt, err)
		}
	}
	if len(seen) != workers*each {
		t.Errorf("got %d distinct cases, want %d (one row per read)", len(seen), workers*each)
	}
}

func TestRecorderFlushesWithinInterval(t *testing.T) {
	db := newDB(t)
	var c stepClock
	r := NewRecorder(db.Write, c.now, Options{FlushInterval: 20 * time.Millisecond})
	defer r.Close()
	r.Record(t.Context(), ana, "c1", "payoke", "flags")
	deadline := time.Now().Add(5 * time.Second)
	for len(all(t, db.Read)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("got no row 5 s after Record, want it written within the flush interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.Record(t.Context(), ana, "c2", "payoke", "list")
	if err := r.Flush(t.Context()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if got := all(t, db.Read); len(got) != 2 || got[1].CaseID != "c2" || got[1].Action != "list" {
		t.Errorf("after Flush: got %+v, want c2/list as the second row", got)
	}
}

// A full queue makes Record wait, never drop: hold the single write
// connection so the writer cannot commit, fill the queue, and watch a
// further Record block until the connection is released.
func TestRecorderWaitsWhenFull(t *testing.T) {
	db := newDB(t)
	var c stepClock
	r := NewRecorder(db.Write, c.now, Options{Buffer: 1, BatchSize: 1})
	hold := db.Write.Begin()
	if hold.Error != nil {
		t.Fatalf("begin: %v", hold.Error)
	}
	r.Record(t.Context(), ana, "c1", "payoke", "get") // taken by the writer, which blocks
	waitTaken(t, r)
	r.Record(t.Context(), ana, "c2", "payoke", "get") // fills the queue
	done := make(chan struct{})
	go func() {
		r.Record(context.Background(), ana, "c3", "payoke", "get")
		close(done)
	}()
	select {
	case <-done:
		t.Fatalf("Record returned while the queue was full, want it to wait")
	case <-time.After(200 * time.Millisecond):
	}
	if err := hold.Rollback().Error; err != nil {
		t.Fatalf("rollback: %v", err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("Record still waiting 10 s after the writer was freed")
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	var ids []string
	for _, e := range all(t, db.Read) {
		ids = append(ids, e.CaseID)
	}
	if !slices.Equal(ids, []string{"c1", "c2", "c3"}) {
		t.Errorf("got cases %v, want [c1 c2 c3]", ids)
	}
}

// Under load the queue fills and requests end (client gone, timeout)
// while they wait: no entry is lost, whatever the context does.
func TestRecorderNeverDropsUnderLoad(t *testing.T) {
	db := newDB(t)
	var c stepClock
	var logs bytes.Buffer
	var mu sync.Mutex
	lw := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) })
	r := NewRecorder(db.Write, c.now, Options{Buffer: 4, BatchSize: 2, Log: slog.New(slog.NewTextHandler(lw, nil))})
	hold := db.Write.Begin() // a slow writer: the database is busy
	if hold.Error != nil {
		t.Fatalf("begin: %v", hold.Error)
	}
	const n = 60
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%3)*20*time.Millisecond)
			defer cancel()
			if i%3 == 1 {
				cancel() // the client is already gone
			}
			r.Record(ctx, ana, fmt.Sprintf("c%d", i), "payoke", "get")
		}()
	}
	time.Sleep(200 * time.Millisecond) // every context has ended by now
	if err := hold.Rollback().Error; err != nil {
		t.Fatalf("rollback: %v", err)
	}
	wg.Wait()
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	seen := map[string]bool{}
	for _, e := range all(t, db.Read) {
		seen[e.CaseID] = true
	}
	if len(seen) != n {
		t.Errorf("got %d distinct entries, want all %d", len(seen), n)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logs.String(), "access log entry lost"); n > 0 {
		t.Errorf("log: got %d entries lost, want none", n)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestRecordAfterClose(t *testing.T) {
	db := newDB(t)
	var c stepClock
	r := NewRecorder(db.Write, c.now, Options{})
	r.Record(t.Context(), ana, "c1", "payoke", "get")
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	r.Record(t.Context(), ana, "c2", "payoke", "events")
	if err := r.Flush(t.Context()); err != nil {
		t.Errorf("Flush after Close: got %v, want nil", err)
	}
	if got := all(t, db.Read); len(got) != 2 || got[1].Action != "events" {
		t.Errorf("got %+v, want the entry recorded after Close written at once", got)
	}
}

func TestAppendOnly(t *testing.T) {
	db := newDB(t)
	var c stepClock
	r := NewRecorder(db.Write, c.now, Options{})
	r.Record(t.Context(), ana, "c1", "payoke", "get")
	r.Close()
	for _, q := range []string{"UPDATE access_log SET actor = 'x'", "DELETE FROM access_log"} {
		if err := db.Write.Exec(q).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want the append-only trigger", q, err)
		}
	}
}

func TestSelectFilter(t *testing.T) {
	db := newDB(t)
	times := []string{"2026-03-01T23:59:59.999999Z", "2026-03-02T00:00:00.000000Z", "2026-03-02T23:59:59.999999Z", "2026-03-03T00:00:00.000000Z"}
	i := 0
	now := func() time.Time {
		tm, _ := time.Parse("2006-01-02T15:04:05.000000Z", times[i])
		i++
		return tm
	}
	r := NewRecorder(db.Write, now, Options{})
	for range times {
		r.Record(t.Context(), ana, "c", "payoke", "get")
	}
	r.Close()
	tests := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all", Filter{}, []int64{1, 2, 3, 4}},
		{"one day inclusive", Filter{From: "2026-03-02", To: "2026-03-02"}, []int64{2, 3}},
		{"from", Filter{From: "2026-03-03"}, []int64{4}},
		{"to", Filter{To: "2026-03-01"}, []int64{1}},
		{"max id", Filter{MaxID: 2}, []int64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			if err := Select(t.Context(), db.Read, tt.f, func(e Entry) error { got = append(got, e.ID); return nil }); err != nil {
				t.Fatalf("Select: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got ids %v, want %v", got, tt.want)
			}
		})
	}
	if n, err := MaxID(t.Context(), db.Read); n != 4 || err != nil {
		t.Errorf("MaxID: got %d, %v; want 4", n, err)
	}
}

func TestEntryExport(t *testing.T) {
	e := Entry{ID: 7, AccessedAt: "2026-03-02T10:00:00.000000Z", Actor: "-ana", ActorRole: "auditor", CaseID: "c", Shelter: "", Action: "events"}
	var csvBuf, ndBuf bytes.Buffer
	for _, x := range []struct {
		f   audit.Format
		buf *bytes.Buffer
	}{{audit.FormatCSV, &csvBuf}, {audit.FormatNDJSON, &ndBuf}} {
		w, err := audit.NewExportWriter(x.buf, x.f, Fields())
		if err != nil {
			t.Fatalf("NewExportWriter: %v", err)
		}
		if err := w.Write(e); err != nil {
			t.Fatalf("Write: %v", err)
		}
		w.Close()
	}
	if got, want := csvBuf.String(), "id,accessed_at,actor,actor_role,case_id,shelter,action\r\n7,2026-03-02T10:00:00.000000Z,'-ana,auditor,c,,events\r\n"; got != want {
		t.Errorf("CSV: got %q, want %q", got, want)
	}
	var m map[string]any
	if err := json.Unmarshal(ndBuf.Bytes(), &m); err != nil || m["id"] != 7.0 || m["actor"] != "-ana" || len(m) != 7 {
		t.Errorf("NDJSON: got %s (%v), want 7 keys with id 7 and actor -ana", ndBuf.Bytes(), err)
	}
}

// waitTaken waits until the writer has taken every queued entry (a fixed
// sleep is not enough on a loaded machine, and a full queue here would
// block the test for good).
func waitTaken(t *testing.T, r *Recorder) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.in) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the writer did not take the queued entry within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// A list page is one stored row and, in the export, one entry per case
// listed, in the order listed, each with the row's id and fields.
func TestRecordManyOneRowEntryPerCase(t *testing.T) {
	db := newDB(t)
	var c stepClock
	r := NewRecorder(db.Write, c.now, Options{})
	r.Record(t.Context(), ana, "c-1", "payoke", "get")
	r.RecordMany(t.Context(), ana, []string{"c-3", "c-2", "c-9"}, "payoke", "list")
	r.RecordMany(t.Context(), ana, nil, "payoke", "list") // nothing listed, nothing recorded
	r.Record(t.Context(), ana, "c-2", "payoke", "events")
	if err := r.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	var rows int64
	if err := db.Read.Model(&Entry{}).Count(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if rows != 3 {
		t.Errorf("stored rows = %d, want 3 (one per request)", rows)
	}
	got := all(t, db.Read)
	type seen struct {
		id             int64
		caseID, action string
	}
	var out []seen
	for _, e := range got {
		if e.Actor != "ana" || e.Shelter != "payoke" || e.More != nil {
			t.Errorf("entry %+v: want actor ana, shelter payoke, no More", e)
		}
		out = append(out, seen{e.ID, e.CaseID, e.Action})
	}
	want := []seen{{1, "c-1", "get"}, {2, "c-3", "list"}, {2, "c-2", "list"}, {2, "c-9", "list"}, {3, "c-2", "events"}}
	if !slices.Equal(out, want) {
		t.Errorf("exported entries = %v, want %v", out, want)
	}
	if got[1].AccessedAt != got[3].AccessedAt {
		t.Errorf("a page's entries carry different times: %q, %q", got[1].AccessedAt, got[3].AccessedAt)
	}
}
