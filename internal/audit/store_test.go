package audit

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// schema is the DDL of the lead's migration for the two audit tables.
const schema = `
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  recorded_at TEXT NOT NULL, occurred_on TEXT NOT NULL, case_id TEXT NOT NULL, case_ref TEXT NOT NULL,
  shelter TEXT NOT NULL, actor TEXT NOT NULL, actor_role TEXT NOT NULL, event TEXT NOT NULL,
  from_state TEXT NOT NULL, to_state TEXT NOT NULL, from_proceedings TEXT NOT NULL, to_proceedings TEXT NOT NULL,
  data TEXT NOT NULL, note_digest TEXT NOT NULL, rules_version TEXT NOT NULL,
  prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX audit_log_case ON audit_log(case_id, seq);
CREATE INDEX audit_log_recorded ON audit_log(recorded_at);
CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`

var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// testDB is a fresh SQLite database with the audit tables: a write pool of
// writeConns connections and a separate read pool.
type testDB struct {
	path  string
	write *gorm.DB
}

func dsn(path string) string {
	return "file:" + path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_txlock=immediate&_foreign_keys=on"
}

func openPool(t testing.TB, path string, conns int) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(sqlite.Open(dsn(path)), &gorm.Config{
		TranslateError: true,
		NowFunc:        func() time.Time { return testNow },
		Logger:         logger.Discard,
	})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatalf("sql.DB: %v", err)
	}
	sqlDB.SetMaxOpenConns(conns)
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

func newTestDB(t testing.TB, writeConns int) *testDB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.db")
	w := openPool(t, path, writeConns)
	if err := w.Exec(schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	return &testDB{path: path, write: w}
}

// clock is a fake clock that moves 1.5 ms per reading.
type clock struct{ n atomic.Int64 }

func (c *clock) now() time.Time {
	return testNow.Add(time.Duration(c.n.Add(1)) * 1500 * time.Microsecond)
}

// testRecord returns the i-th record of a test chain: three cases, a few
// administrative acts, and strings that exercise JSON escaping.
func testRecord(t testing.TB, i int, c *clock) Record {
	t.Helper()
	r := Record{
		RecordedAt: FormatTime(c.now()), OccurredOn: "2026-03-02",
		CaseID:  fmt.Sprintf("case-%d", i%3),
		CaseRef: fmt.Sprintf("PAY-2026-%04d", i%3),
		Shelter: "Sürya \"Marseille\"\t\\ 😀", Actor: fmt.Sprintf("u-%d", i%4), ActorRole: "caseworker",
		Event: "prove_identity", FromState: "reflection", ToState: "reflection",
		FromProceedings: "none", ToProceedings: "complaint_filed", RulesVersion: "2026.1",
	}
	var data map[string]any
	switch i % 5 {
	case 0:
		data = map[string]any{"changed": []string{"nationality", "gender"}}
		r.Event = "update_case"
	case 1:
		data = map[string]any{"retains_trafficking": true, "n": i}
		r.Event = "file_charges"
	case 2:
		data = map[string]any{"amount_eur": "111227.00", "€": "\x01</script>"}
		r.Event = "award_compensation"
		r.NoteDigest = NoteDigest([]byte("test key"), fmt.Sprintf("note %d", i))
	case 3:
		r.CaseID, r.CaseRef, r.Shelter, r.OccurredOn = "", "", "", ""
		r.Event, r.ActorRole = "create_user", "admin"
	}
	d, err := DataOf(data)
	if err != nil {
		t.Fatalf("DataOf: %v", err)
	}
	r.Data = d
	return r
}

// appendN appends n test records, each in its own transaction, and returns
// them as Append completed them.
func appendN(t testing.TB, db *gorm.DB, n int, c *clock) []Record {
	t.Helper()
	recs := make([]Record, 0, n)
	for i := 1; i <= n; i++ {
		r := testRecord(t, i, c)
		if err := db.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) }); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func readAll(t *testing.T, db *gorm.DB) []Record {
	t.Helper()
	var recs []Record
	if err := Each(t.Context(), db, func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatalf("Each: %v", err)
	}
	return recs
}

func TestAppendChain(t *testing.T) {
	db := newTestDB(t, 1)
	var c clock
	recs := appendN(t, db.write, 50, &c)

	prev := ZeroHash
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Errorf("record %d: got seq %d, want %d", i, r.Seq, i+1)
		}
		if r.PrevHash != prev {
			t.Errorf("seq %d: got prev_hash %s, want %s", r.Seq, r.PrevHash, prev)
		}
		if want := independentHash(r); r.Hash != want {
			t.Errorf("seq %d: got hash %s, independent verifier wants %s", r.Seq, r.Hash, want)
		}
		prev = r.Hash
	}

	stored := readAll(t, db.write)
	if !slices.Equal(stored, recs) {
		t.Fatalf("Each: got %d records differing from the %d appended", len(stored), len(recs))
	}
	if bad := independentVerify(stored); bad != 0 {
		t.Errorf("independent verifier on the stored chain: got first bad seq %d, want 0", bad)
	}

	seq, hash, err := Head(db.write)
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	if seq != 50 || hash != recs[49].Hash {
		t.Errorf("Head: got (%d, %s), want (50, %s)", seq, hash, recs[49].Hash)
	}

	res, err := VerifyDB(t.Context(), db.write)
	if err != nil {
		t.Fatalf("VerifyDB: %v", err)
	}
	want := Result{OK: true, Records: 50, HeadSeq: 50, HeadHash: recs[49].Hash}
	if res != want {
		t.Errorf("VerifyDB: got %+v, want %+v", res, want)
	}
}

func TestForCase(t *testing.T) {
	db := newTestDB(t, 1)
	var c clock
	recs := appendN(t, db.write, 12, &c)
	tests := []struct {
		name    string
		caseID  string
		wantSeq []int64
	}{
		{name: "case-1", caseID: "case-1", wantSeq: []int64{1, 4, 7, 10}},
		{name: "case-2 without its administrative records", caseID: "case-2", wantSeq: []int64{2, 5, 11}},
		{name: "unknown case", caseID: "case-9", wantSeq: []int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ForCase(db.write, tc.caseID)
			if err != nil {
				t.Fatalf("ForCase: %v", err)
			}
			if got == nil {
				t.Fatalf("ForCase: got nil, want a non-nil slice")
			}
			seqs := []int64{}
			for _, r := range got {
				seqs = append(seqs, r.Seq)
				if r != recs[r.Seq-1] {
					t.Errorf("ForCase seq %d: got %+v, want %+v", r.Seq, r, recs[r.Seq-1])
				}
			}
			if !slices.Equal(seqs, tc.wantSeq) {
				t.Errorf("ForCase(%s): got seqs %v, want %v", tc.caseID, seqs, tc.wantSeq)
			}
		})
	}
	if got, err := ForCase(db.write, ""); err == nil {
		t.Errorf("ForCase(\"\"): got %d records, want an error", len(got))
	}
}

func TestAppendRejects(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(r *Record)
		wantErr string
	}{
		{name: "recorded_at without micros", edit: func(r *Record) { r.RecordedAt = "2026-03-02T09:00:00Z" }, wantErr: "recorded_at"},
		{name: "recorded_at with offset", edit: func(r *Record) { r.RecordedAt = "2026-03-02T10:00:00.000000+01:00" }, wantErr: "recorded_at"},
		{name: "recorded_at empty", edit: func(r *Record) { r.RecordedAt = "" }, wantErr: "recorded_at"},
		{name: "occurred_on with time", edit: func(r *Record) { r.OccurredOn = "2026-03-02T00:00:00Z" }, wantErr: "occurred_on"},
		{name: "occurred_on impossible date", edit: func(r *Record) { r.OccurredOn = "2026-02-30" }, wantErr: "occurred_on"},
		{name: "event empty", edit: func(r *Record) { r.Event = "" }, wantErr: "event is empty"},
		{name: "data not canonical", edit: func(r *Record) { r.Data = `{"b":1, "a":2}` }, wantErr: "not canonical"},
		{name: "data null", edit: func(r *Record) { r.Data = "null" }, wantErr: "want a JSON object"},
		{name: "data with float", edit: func(r *Record) { r.Data = `{"a":0.5}` }, wantErr: "only integers"},
		{name: "invalid UTF-8 in actor", edit: func(r *Record) { r.Actor = "\xff" }, wantErr: "UTF-8"},
	}
	db := newTestDB(t, 1)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c clock
			r := testRecord(t, 1, &c)
			tc.edit(&r)
			before := r
			err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) })
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Append: got error %v, want one containing %q", err, tc.wantErr)
			}
			if r != before {
				t.Errorf("Append on error: got record %+v, want it unchanged %+v", r, before)
			}
			seq, hash, err := Head(db.write)
			if err != nil || seq != 0 || hash != ZeroHash {
				t.Errorf("Head after refused append: got (%d, %s, %v), want (0, ZeroHash, nil)", seq, hash, err)
			}
		})
	}
	if err := Append(db.write, nil); err == nil {
		t.Errorf("Append(nil record): got nil error, want one")
	}
}

func TestAppendEmptyDataAndRollback(t *testing.T) {
	db := newTestDB(t, 1)
	var c clock

	// A change that fails after its audit record rolls the record back, and
	// the next append reuses the seq: no gap.
	r := testRecord(t, 1, &c)
	boom := errors.New("the case update failed")
	err := db.write.Transaction(func(tx *gorm.DB) error {
		if err := Append(tx, &r); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transaction: got %v, want %v", err, boom)
	}
	if seq, hash, _ := Head(db.write); seq != 0 || hash != ZeroHash {
		t.Errorf("Head after rollback: got (%d, %s), want (0, ZeroHash)", seq, hash)
	}

	r = testRecord(t, 3, &c)
	r.Data = ""
	if err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) }); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if r.Seq != 1 || r.Data != "{}" {
		t.Errorf("Append after rollback with empty data: got seq %d data %q, want seq 1 data {}", r.Seq, r.Data)
	}
	got := readAll(t, db.write)
	if len(got) != 1 || got[0].Data != "{}" || got[0] != r {
		t.Errorf("stored: got %+v, want [%+v]", got, r)
	}
}

func TestTriggersRefuseChanges(t *testing.T) {
	db := newTestDB(t, 1)
	var c clock
	recs := appendN(t, db.write, 3, &c)
	tests := []struct {
		name string
		sql  string
	}{
		{name: "update", sql: "UPDATE audit_log SET to_state = 'closed' WHERE seq = 2"},
		{name: "update seq", sql: "UPDATE audit_log SET seq = 9 WHERE seq = 3"},
		{name: "delete one", sql: "DELETE FROM audit_log WHERE seq = 2"},
		{name: "delete all", sql: "DELETE FROM audit_log"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := db.write.Exec(tc.sql).Error
			if err == nil || !strings.Contains(err.Error(), "audit_log is append-only") {
				t.Errorf("%s: got error %v, want audit_log is append-only", tc.sql, err)
			}
			if got := readAll(t, db.write); !slices.Equal(got, recs) {
				t.Errorf("after refused %s: got %d records, want the 3 unchanged", tc.name, len(got))
			}
		})
	}
}

func TestVerifyDBDetectsTampering(t *testing.T) {
	tests := []struct {
		name       string
		tamper     []string // SQL run after the triggers are dropped
		rewrite    int64    // seq of a record to change and re-hash as a forger would
		wantOK     bool
		wantBad    int64
		wantCount  int64
		wantReason string
	}{
		{name: "untouched", wantOK: true, wantCount: 50},
		{
			name:    "update one row's to_state",
			tamper:  []string{"UPDATE audit_log SET to_state = 'closed' WHERE seq = 17"},
			wantBad: 17, wantCount: 16, wantReason: "seq 17: hash",
		},
		{
			name:    "delete one row",
			tamper:  []string{"DELETE FROM audit_log WHERE seq = 23"},
			wantBad: 23, wantCount: 22, wantReason: "seq 23: found seq 24",
		},
		{
			name: "swap two rows' seq",
			tamper: []string{
				"UPDATE audit_log SET seq = -1 WHERE seq = 10",
				"UPDATE audit_log SET seq = 10 WHERE seq = 20",
				"UPDATE audit_log SET seq = 20 WHERE seq = -1",
			},
			wantBad: 10, wantCount: 9, wantReason: "seq 10: prev_hash",
		},
		{
			name:    "truncate the tail, keep the head",
			tamper:  []string{"DELETE FROM audit_log WHERE seq = 50"},
			wantBad: 50, wantCount: 49, wantReason: "truncated",
		},
		{
			name:    "truncate the tail and move the head back without its hash",
			tamper:  []string{"DELETE FROM audit_log WHERE seq >= 45", "UPDATE audit_head SET seq = 44"},
			wantBad: 44, wantCount: 44, wantReason: "audit_head hash",
		},
		{
			name:    "re-space one row's data",
			tamper:  []string{`UPDATE audit_log SET data = '{ "n": 31, "retains_trafficking": true }' WHERE seq = 31`},
			wantBad: 31, wantCount: 30, wantReason: "seq 31: data is not in canonical",
		},
		{
			name:    "rewrite a middle row with a recomputed hash",
			rewrite: 40,
			wantBad: 41, wantCount: 40, wantReason: "seq 41: prev_hash",
		},
		{
			name:    "rewrite the last row with a recomputed hash",
			rewrite: 50,
			wantBad: 50, wantCount: 50, wantReason: "seq 50: audit_head hash",
		},
		{
			name:    "hide the last row by moving the head back",
			tamper:  []string{"UPDATE audit_head SET seq = 49, hash = (SELECT hash FROM audit_log WHERE seq = 49)"},
			wantBad: 50, wantCount: 49, wantReason: "records up to seq 50 beyond audit_head seq 49",
		},
		{
			name: "insert a row beyond the head",
			tamper: []string{`INSERT INTO audit_log SELECT 51, recorded_at, occurred_on, case_id, case_ref, shelter, actor,
				actor_role, event, from_state, to_state, from_proceedings, to_proceedings, data, note_digest, rules_version,
				hash, hash FROM audit_log WHERE seq = 50`},
			wantBad: 51, wantCount: 50, wantReason: "beyond audit_head seq 50",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newTestDB(t, 1)
			var c clock
			recs := appendN(t, db.write, 50, &c)
			for _, q := range append([]string{
				"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete",
			}, tc.tamper...) {
				if err := db.write.Exec(q).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if tc.rewrite > 0 {
				r := recs[tc.rewrite-1]
				r.Actor = "forger"
				rehash(t, &r)
				if err := db.write.Exec("UPDATE audit_log SET actor = ?, hash = ? WHERE seq = ?", r.Actor, r.Hash, r.Seq).Error; err != nil {
					t.Fatalf("rewrite: %v", err)
				}
			}

			got, err := VerifyDB(t.Context(), db.write)
			if err != nil {
				t.Fatalf("VerifyDB: %v", err)
			}
			if got.OK != tc.wantOK {
				t.Fatalf("VerifyDB OK: got %v (%s), want %v", got.OK, got.Reason, tc.wantOK)
			}
			if got.FirstBadSeq != tc.wantBad {
				t.Errorf("VerifyDB FirstBadSeq: got %d (%s), want %d", got.FirstBadSeq, got.Reason, tc.wantBad)
			}
			if got.Records != tc.wantCount || got.HeadSeq != tc.wantCount {
				t.Errorf("VerifyDB Records, HeadSeq: got %d, %d, want %d, %d", got.Records, got.HeadSeq, tc.wantCount, tc.wantCount)
			}
			if !strings.Contains(got.Reason, tc.wantReason) {
				t.Errorf("VerifyDB Reason: got %q, want it to contain %q", got.Reason, tc.wantReason)
			}
		})
	}
}

func TestVerifyDBEmpty(t *testing.T) {
	db := newTestDB(t, 1)
	got, err := VerifyDB(t.Context(), db.write)
	if err != nil {
		t.Fatalf("VerifyDB: %v", err)
	}
	if want := (Result{OK: true, HeadHash: ZeroHash}); got != want {
		t.Errorf("VerifyDB on an empty log: got %+v, want %+v", got, want)
	}
}

func TestAppendConcurrent(t *testing.T) {
	tests := []struct {
		name  string
		conns int
	}{
		{name: "one-connection write pool", conns: 1},
		{name: "four connections queued by IMMEDIATE transactions", conns: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const workers, each = 8, 25
			db := newTestDB(t, tc.conns)
			var c clock
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for w := range workers {
				wg.Go(func() {
					for i := range each {
						r := testRecord(t, i, &c)
						r.Actor = fmt.Sprintf("worker-%d", w)
						if err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) }); err != nil {
							errs <- fmt.Errorf("worker %d append %d: %w", w, i, err)
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}

			recs := readAll(t, db.write)
			perWorker := map[string]int{}
			for i, r := range recs {
				if r.Seq != int64(i+1) {
					t.Fatalf("position %d: got seq %d, want %d (gapless)", i, r.Seq, i+1)
				}
				perWorker[r.Actor]++
			}
			if len(recs) != workers*each {
				t.Errorf("records: got %d, want %d", len(recs), workers*each)
			}
			for w := range workers {
				if n := perWorker[fmt.Sprintf("worker-%d", w)]; n != each {
					t.Errorf("worker-%d: got %d records, want %d", w, n, each)
				}
			}
			res, err := VerifyDB(t.Context(), db.write)
			if err != nil {
				t.Fatalf("VerifyDB: %v", err)
			}
			if !res.OK || res.Records != 200 || res.HeadSeq != 200 || res.HeadHash != recs[199].Hash {
				t.Errorf("VerifyDB: got %+v, want ok with 200 records and head %s", res, recs[199].Hash)
			}
			if bad := independentVerify(recs); bad != 0 {
				t.Errorf("independent verifier: got first bad seq %d, want 0", bad)
			}
		})
	}
}

func TestVerifyDBWhileAppending(t *testing.T) {
	// VerifyDB on a read pool while a writer appends must never report a
	// broken chain: it verifies up to the head it read first.
	db := newTestDB(t, 1)
	read := openPool(t, db.path, 2)
	var c clock
	appendN(t, db.write, 20, &c)

	done := make(chan struct{})
	var appendErr error
	go func() {
		defer close(done)
		for i := range 150 {
			r := testRecord(t, i, &c)
			if err := db.write.Transaction(func(tx *gorm.DB) error { return Append(tx, &r) }); err != nil {
				appendErr = err
				return
			}
		}
	}()
	runs := 0
	for finished := false; !finished; runs++ {
		select {
		case <-done:
			finished = true
		default:
		}
		res, err := VerifyDB(t.Context(), read)
		if err != nil {
			t.Fatalf("VerifyDB run %d: %v", runs, err)
		}
		if !res.OK || res.Records < 20 {
			t.Fatalf("VerifyDB run %d during appends: got %+v, want ok with at least 20 records", runs, res)
		}
	}
	if appendErr != nil {
		t.Fatalf("append: %v", appendErr)
	}
	res, err := VerifyDB(t.Context(), read)
	if err != nil || !res.OK || res.Records != 170 {
		t.Errorf("VerifyDB after the appends: got %+v, %v, want ok with 170 records", res, err)
	}
	t.Logf("%d verifications ran during the appends", runs)
}

func TestEach(t *testing.T) {
	db := newTestDB(t, 1)
	var c clock
	appendN(t, db.write, 10, &c)

	stop := errors.New("enough")
	var seen []int64
	err := Each(t.Context(), db.write, func(r Record) error {
		seen = append(seen, r.Seq)
		if r.Seq == 4 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("Each with fn failing at seq 4: got error %v, want %v unchanged", err, stop)
	}
	if want := []int64{1, 2, 3, 4}; !slices.Equal(seen, want) {
		t.Errorf("Each with fn failing at seq 4: got seqs %v, want %v", seen, want)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := 0
	err = Each(ctx, db.write, func(Record) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Each with a cancelled context: got error %v after %d calls, want context.Canceled", err, calls)
	}

	// Conditions chained on the handle by a caller do not leak into Each.
	n := 0
	if err := Each(t.Context(), db.write.Where("seq = ?", 3), func(Record) error { n++; return nil }); err != nil {
		t.Fatalf("Each: %v", err)
	}
	if n != 10 {
		t.Errorf("Each on a handle with a Where: got %d records, want all 10", n)
	}
}
