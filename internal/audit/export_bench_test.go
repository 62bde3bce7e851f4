package audit

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// BenchmarkExport streams a generated audit log of 1,000,000 records (set
// CASEMGR_BENCH_EXPORT_ROWS for another size) through the export path of
// GET /api/v1/audit/events and `casemgr audit export` (Select feeding an
// ExportWriter) to io.Discard, and reports throughput and memory:
//
//	rows/s       records exported per second
//	heap-MiB     peak HeapInuse sampled every 5 ms during the exports
//	alloc-B/row  bytes allocated per record (TotalAlloc)
//	rss-MiB      peak resident set of the process (VmHWM, reset after setup)
//	sqlite3-rows/s, ratio  the sqlite3 CLI's own CSV dump of the same
//	             table (`sqlite3 -csv -header` to /dev/null), run once after
//	             each of our exports so both see the same machine load, and
//	             our rows/s over it; only when the sqlite3 command is
//	             installed
//
// Run it with
//
//	go test -run '^$' -bench BenchmarkExport -benchtime 3x ./internal/audit/
//
// docs/performance.md ("Audit export") records the numbers.
func BenchmarkExport(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("CASEMGR_BENCH_EXPORT_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("CASEMGR_BENCH_EXPORT_ROWS=%q: want a positive integer", s)
		}
		rows = n
	}
	db := newTestDB(b, 1)
	start := time.Now()
	bulkChain(b, db.write, rows)
	b.Logf("setup: %d records generated and inserted in %s", rows, time.Since(start).Round(time.Millisecond))
	cli := newSQLiteCLI(b, db.path)

	for _, f := range []Format{FormatCSV, FormatNDJSON} {
		b.Run(string(f), func(b *testing.B) {
			debug.FreeOSMemory()
			resetPeakRSS()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			peak := sampleHeap()
			var n int64
			var cliTime time.Duration
			cliRuns := 0
			for b.Loop() {
				w, err := NewExportWriter(io.Discard, f, Fields())
				if err != nil {
					b.Fatal(err)
				}
				err = Select(context.Background(), db.write, Filter{MaxSeq: int64(rows)}, func(r Record) error { return w.Write(r) })
				if err == nil {
					err = w.Close()
				}
				if err != nil || w.Rows() != int64(rows) {
					b.Fatalf("export: %d rows, %v; want %d", w.Rows(), err, rows)
				}
				n += w.Rows()
				if cli != nil {
					b.StopTimer()
					cliTime += cli.run(b)
					cliRuns++
					b.StartTimer()
				}
			}
			heap := peak()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			rate := float64(n) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "alloc-B/row")
			if rss := peakRSS(); rss > 0 {
				b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
			}
			if cli != nil {
				cliRate := float64(rows*cliRuns) / cliTime.Seconds()
				b.ReportMetric(cliRate, "sqlite3-rows/s")
				b.ReportMetric(rate/cliRate, "ratio")
			}
			b.ReportMetric(0, "ns/op") // one op is a whole export: rows/s says more
		})
	}
}

// bulkChain writes an intact chain of n realistic records (cases of three
// shelters, events with data and notes, administrative acts) straight
// into audit_log in transactions of 20,000 rows, computing the hashes in
// Go, and moves audit_head to the end: Append's work without its
// per-record transaction.
func bulkChain(tb testing.TB, gdb *gorm.DB, n int) {
	tb.Helper()
	sqlDB, err := gdb.DB()
	if err != nil {
		tb.Fatal(err)
	}
	cols := strings.Join(Fields(), ", ")
	query := "INSERT INTO audit_log (" + cols + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", 18), ", ") + ")"
	base := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	shelters := []string{"payoke", "pag-asa", "surya"}
	events := []struct{ event, from, to, fromP, toP, data string }{
		{"open_case", "", "identified", "", "none", `{"exploitation":["sexual"],"identified_by":"police"}`},
		{"start_reflection", "identified", "reflection", "none", "none", `{}`},
		{"file_complaint", "reflection", "provisional_permit", "none", "complaint_filed", `{}`},
		{"claim_compensation", "provisional_permit", "provisional_permit", "complaint_filed", "complaint_filed", `{"physical_violence_documented":true,"route":"fund"}`},
		{"update_case", "provisional_permit", "provisional_permit", "complaint_filed", "complaint_filed", `{"fields":["family_name","gender"]}`},
		{"file_charges", "provisional_permit", "temporary_permit", "complaint_filed", "charged", `{"retains_trafficking":true}`},
		{"award_compensation", "temporary_permit", "temporary_permit", "charged", "charged", `{"amount_eur":"111227.00"}`},
		{"create_user", "", "", "", "", `{"role":"caseworker","shelter":"payoke","username":"u-17"}`},
	}
	prev := ZeroHash
	var tx *sql.Tx
	var stmt *sql.Stmt
	for i := 1; i <= n; i++ {
		if (i-1)%20000 == 0 {
			if tx != nil {
				if err := tx.Commit(); err != nil {
					tb.Fatal(err)
				}
			}
			if tx, err = sqlDB.Begin(); err != nil {
				tb.Fatal(err)
			}
			if stmt, err = tx.Prepare(query); err != nil {
				tb.Fatal(err)
			}
		}
		ev := events[i%len(events)]
		at := base.Add(time.Duration(i) * 3 * time.Second)
		c := i / 7
		r := Record{
			Seq: int64(i), RecordedAt: FormatTime(at.Add(time.Duration(i%1000) * time.Microsecond)), OccurredOn: at.Format(time.DateOnly),
			CaseID:  fmt.Sprintf("%08x-3f7b-4c1e-9b52-%012x", c, c*7919),
			CaseRef: fmt.Sprintf("PAY-%d-%04d", at.Year(), c%10000), Shelter: shelters[c%3],
			Actor: fmt.Sprintf("caseworker-%d", c%40), ActorRole: "caseworker", Event: ev.event,
			FromState: ev.from, ToState: ev.to, FromProceedings: ev.fromP, ToProceedings: ev.toP,
			Data: ev.data, RulesVersion: "be-nrm-2025.1", PrevHash: prev,
		}
		if ev.event == "create_user" {
			r.OccurredOn, r.CaseID, r.CaseRef, r.Shelter, r.Actor, r.ActorRole = "", "", "", "", "admin", "admin"
		}
		if i%3 == 0 {
			r.NoteDigest = NoteDigest([]byte("bench"), strconv.Itoa(i))
		}
		if r.Hash, err = ComputeHash(r); err != nil {
			tb.Fatal(err)
		}
		prev = r.Hash
		if _, err := stmt.Exec(r.scanValues()...); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := sqlDB.Exec("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", n, prev); err != nil {
		tb.Fatal(err)
	}
	if _, err := sqlDB.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		tb.Fatal(err)
	}
}

// scanValues returns r's fields in Fields() order, for an INSERT.
func (r *Record) scanValues() []any {
	return []any{r.Seq, r.RecordedAt, r.OccurredOn, r.CaseID, r.CaseRef, r.Shelter, r.Actor, r.ActorRole, r.Event,
		r.FromState, r.ToState, r.FromProceedings, r.ToProceedings, r.Data, r.NoteDigest, r.RulesVersion, r.PrevHash, r.Hash}
}

// sqliteCLI runs the sqlite3 command's CSV dump of audit_log.
type sqliteCLI struct {
	bin, path string
}

// newSQLiteCLI returns the dump command, or nil (logged) when sqlite3 is
// not installed.
func newSQLiteCLI(b *testing.B, path string) *sqliteCLI {
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		b.Logf("sqlite3 not installed: no comparison (apt-get install sqlite3)")
		return nil
	}
	return &sqliteCLI{bin: bin, path: path}
}

// run dumps the table as CSV to /dev/null and returns how long it took.
func (c *sqliteCLI) run(b *testing.B) time.Duration {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	query := "SELECT " + strings.Join(Fields(), ", ") + " FROM audit_log ORDER BY seq"
	cmd := exec.Command(c.bin, "-readonly", "-csv", "-header", c.path, query)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = null, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("sqlite3: %v: %s", err, stderr.String())
	}
	return time.Since(start)
}

// sampleHeap samples HeapInuse every 5 ms until the returned function is
// called, which returns the peak.
func sampleHeap() func() uint64 {
	var (
		mu   sync.Mutex
		peak uint64
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			mu.Lock()
			peak = max(peak, m.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// resetPeakRSS resets VmHWM to the current RSS (Linux: write 5 to
// /proc/self/clear_refs); elsewhere it does nothing.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM in bytes, or 0 where /proc is missing.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// The bulk path writes the chain Append would: it verifies, and matches
// an independent recomputation.
func TestBulkChainVerifies(t *testing.T) {
	db := newTestDB(t, 1)
	bulkChain(t, db.write, 50)
	res, err := VerifyDB(t.Context(), db.write)
	if err != nil || !res.OK || res.Records != 50 {
		t.Fatalf("VerifyDB: got %+v, %v; want ok with 50 records", res, err)
	}
	if bad := independentVerify(readAll(t, db.write)); bad != 0 {
		t.Errorf("independent verification: got first bad seq %d, want 0", bad)
	}
}
