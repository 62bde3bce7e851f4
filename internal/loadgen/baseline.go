package loadgen

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/store"
)

// Baseline is the outcome of a baseline run.
type Baseline struct {
	Op      Op
	Clients int
	Elapsed time.Duration
	Stats   *Stats
	Errors  int64
}

// Throughput returns the baseline's requests (or commits) per second.
func (b *Baseline) Throughput() float64 { return b.Stats.Rate(b.Elapsed) }

// closedLoop runs clients loops of fn until duration or maxRequests, and
// collects the latencies.
func closedLoop(ctx context.Context, clients int, duration time.Duration, maxRequests int64, fn func(ctx context.Context, worker int) error) (*Stats, time.Duration, int64) {
	var budget atomic.Int64
	budget.Store(maxRequests)
	var errs atomic.Int64
	stats := make([]*Stats, clients)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(duration)
	for i := 0; i < clients; i++ {
		stats[i] = &Stats{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) && budget.Add(-1) >= 0 {
				t0 := time.Now()
				err := fn(ctx, i)
				stats[i].add(time.Since(t0), err == nil)
				if err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := &Stats{}
	for _, s := range stats {
		all.merge(s)
	}
	all.finish()
	return all, elapsed, errs.Load()
}

// BaselineReads serves a bare echo handler (a small JSON object) on
// 127.0.0.1:0 in this process and drives it with clients closed-loop
// clients using the same HTTP client as Run.
func BaselineReads(ctx context.Context, clients int, duration time.Duration, maxRequests int64) (*Baseline, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/echo", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loadgen: baseline reads: %w", err)
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	hc := newHTTPClient(clients, 30*time.Second)
	defer hc.CloseIdleConnections()
	url := "http://" + ln.Addr().String() + "/echo"
	st, elapsed, errs := closedLoop(ctx, clients, duration, maxRequests, func(ctx context.Context, _ int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer baseline") // same header weight as the real reads
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	})
	return &Baseline{Op: OpEcho, Clients: clients, Elapsed: elapsed, Stats: st, Errors: errs}, nil
}

// BaselineHealthz drives GET /healthz of the server under test at
// baseURL, the cheapest answer that server gives, with clients closed-loop
// clients using the same HTTP client as Run: the baseline of the reads
// measured against the same server and client.
func BaselineHealthz(ctx context.Context, baseURL string, clients int, duration time.Duration, maxRequests int64) (*Baseline, error) {
	hc := newHTTPClient(clients, 30*time.Second)
	defer hc.CloseIdleConnections()
	url := strings.TrimRight(baseURL, "/") + "/healthz"
	st, elapsed, errs := closedLoop(ctx, clients, duration, maxRequests, func(ctx context.Context, _ int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer baseline") // same header weight as the real reads
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	})
	if st.OK == 0 {
		return nil, fmt.Errorf("loadgen: baseline %s: no answer 200 (%d errors)", url, errs)
	}
	return &Baseline{Op: OpHealthz, Clients: clients, Elapsed: elapsed, Stats: st, Errors: errs}, nil
}

// BaselineWrites makes one-row durable commits on a new SQLite file in dir
// with casemgr's settings (store.SQLiteDSN: WAL, synchronous=FULL,
// IMMEDIATE transactions, busy timeout; one writer connection) from
// clients goroutines, and removes the file afterwards.
func BaselineWrites(ctx context.Context, dir string, clients int, duration time.Duration, maxRequests int64) (*Baseline, error) {
	tmp, err := os.MkdirTemp(dir, "casemgr-baseline-")
	if err != nil {
		return nil, fmt.Errorf("loadgen: baseline writes: %w", err)
	}
	defer os.RemoveAll(tmp)
	db, err := sql.Open("sqlite3", store.SQLiteDSN(filepath.Join(tmp, "baseline.db"), 5000, false))
	if err != nil {
		return nil, fmt.Errorf("loadgen: baseline writes: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, client INTEGER NOT NULL, at TEXT NOT NULL)"); err != nil {
		return nil, fmt.Errorf("loadgen: baseline writes: %w", err)
	}
	st, elapsed, errs := closedLoop(ctx, clients, duration, maxRequests, func(ctx context.Context, worker int) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO t (client, at) VALUES (?, ?)", worker, "2025-01-01T00:00:00Z"); err != nil {
			return errors.Join(err, tx.Rollback())
		}
		return tx.Commit()
	})
	var rows int64
	if err := db.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM t").Scan(&rows); err != nil {
		return nil, fmt.Errorf("loadgen: baseline writes: %w", err)
	}
	if rows != st.OK {
		return nil, fmt.Errorf("loadgen: baseline writes: %d commits acknowledged but %d rows stored", st.OK, rows)
	}
	return &Baseline{Op: OpCommit, Clients: clients, Elapsed: elapsed, Stats: st, Errors: errs}, nil
}

// Goals of the issues: the fraction of the baselines casemgr reaches.
// ReadGoal is all reads of a mixed run against the bare echo handler;
// the others are one kind of read against /healthz of the same server
// (docs/performance.md "HTTP load").
const (
	ReadGoal    = 0.2
	WriteGoal   = 0.6
	GetCaseGoal = 0.5
	ListGoal    = 0.1
)

// Summary is a run with its baselines.
type Summary struct {
	Run        *Report
	ReadsBase  *Baseline // nil when the run had no reads
	WritesBase *Baseline // nil when the run had no writes
	// ServerBase is GET /healthz of the server under test (nil when not
	// measured).
	ServerBase *Baseline
}

// OpRatio returns the capacity of one kind of read over the /healthz
// baseline, or 0 when either is missing.
func (s *Summary) OpRatio(op Op) float64 {
	st := s.Run.Ops[op]
	if st == nil {
		return 0
	}
	return ratio(st, s.Run.Options.Clients, s.ServerBase)
}

// ReadRatio returns the reads' capacity over the read baseline (see the
// package comment), or 0 without reads.
func (s *Summary) ReadRatio() float64 {
	return ratio(s.Run.Reads(), s.Run.Options.Clients, s.ReadsBase)
}

// WriteRatio returns the writes' capacity over the write baseline, or 0
// without writes.
func (s *Summary) WriteRatio() float64 {
	return ratio(s.Run.Writes(), s.Run.Options.Clients, s.WritesBase)
}

func ratio(st *Stats, clients int, b *Baseline) float64 {
	if b == nil || st.Count == 0 || b.Throughput() == 0 {
		return 0
	}
	capacity := float64(clients) / st.Mean().Seconds()
	return capacity / b.Throughput()
}

// WriteText prints the summary: per kind of request the count, rate and
// latencies; errors by status; acknowledged writes; the baselines and the
// ratios against the goals.
func (s *Summary) WriteText(w io.Writer) {
	r := s.Run
	o := r.Options
	fmt.Fprintf(w, "loadtest: %s, %d clients, %d users, mix %s (reads:writes), %s measured (setup %s: %d cases opened)\n",
		o.BaseURL, o.Clients, len(o.Users), o.Mix, r.Elapsed.Round(time.Millisecond), r.Setup.Round(time.Millisecond), len(r.Versions))
	writeHeader(w)
	for _, op := range []Op{OpGetCase, OpList, OpDeadlines, OpEvent} {
		if st := r.Ops[op]; st != nil && st.Count > 0 {
			writeRow(w, string(op), st, r.Elapsed)
		}
	}
	reads, writes := r.Reads(), r.Writes()
	writeRow(w, "all reads", reads, r.Elapsed)
	writeRow(w, "all writes", writes, r.Elapsed)
	fmt.Fprintf(w, "  acknowledged writes (200): %d of %d sent\n", r.Acked, writes.Count)
	if len(r.Status) == 0 {
		fmt.Fprintln(w, "  errors: none")
	} else {
		codes := make([]int, 0, len(r.Status))
		for c := range r.Status {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		fmt.Fprint(w, "  errors by status:")
		for _, c := range codes {
			name := fmt.Sprint(c)
			if c == 0 {
				name = "no answer"
			}
			fmt.Fprintf(w, " %s: %d;", name, r.Status[c])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "baselines (same run, same machine):")
	writeHeader(w)
	for _, b := range []*Baseline{s.ServerBase, s.ReadsBase, s.WritesBase} {
		if b == nil {
			continue
		}
		name := "bare echo handler"
		switch b.Op {
		case OpCommit:
			name = "durable 1-row commit"
		case OpHealthz:
			name = "server GET /healthz"
		}
		writeRow(w, name, b.Stats, b.Elapsed)
		if b.Errors > 0 {
			fmt.Fprintf(w, "  %s errors: %d\n", name, b.Errors)
		}
	}
	verdict := func(x, goal float64) string {
		if x >= goal {
			return "meets"
		}
		return "BELOW"
	}
	if s.ReadsBase != nil && reads.Count > 0 {
		x := s.ReadRatio()
		fmt.Fprintf(w, "ratio reads:  %.3f (goal >= %.2f: %s) = %d clients / %s ms mean read latency / %.0f echo req/s\n",
			x, ReadGoal, verdict(x, ReadGoal), o.Clients, ms(reads.Mean()), s.ReadsBase.Throughput())
	}
	if s.ServerBase != nil {
		for _, g := range []struct {
			op   Op
			goal float64
		}{{OpGetCase, GetCaseGoal}, {OpList, ListGoal}, {OpDeadlines, 0}} {
			st := r.Ops[g.op]
			if st == nil || st.Count == 0 {
				continue
			}
			x := s.OpRatio(g.op)
			goal := "no goal"
			if g.goal > 0 {
				goal = fmt.Sprintf("goal >= %.2f: %s", g.goal, verdict(x, g.goal))
			}
			fmt.Fprintf(w, "ratio %s / healthz: %.3f (%s) = %d clients / %s ms mean / %.0f healthz req/s\n",
				g.op, x, goal, o.Clients, ms(st.Mean()), s.ServerBase.Throughput())
		}
	}
	if s.WritesBase != nil && writes.Count > 0 {
		x := s.WriteRatio()
		fmt.Fprintf(w, "ratio writes: %.3f (goal >= %.2f: %s) = %d clients / %s ms mean write latency / %.0f commits/s\n",
			x, WriteGoal, verdict(x, WriteGoal), o.Clients, ms(writes.Mean()), s.WritesBase.Throughput())
	}
}

// WriteRounds prints, for runs repeated as rounds (each with its own
// baselines, measured just before it), every ratio of each round and
// their median. On a shared machine a single run's ratio moves by about a
// tenth from one run to the next (docs/performance.md "Issue 18"); the
// median of rounds interleaved with their baselines is the figure to
// compare with a goal.
func WriteRounds(w io.Writer, rounds []*Summary) {
	if len(rounds) < 2 {
		return
	}
	type line struct {
		name string
		goal float64
		get  func(*Summary) float64
	}
	// A ratio is 0 when its baseline or its requests were not measured.
	lines := []line{
		{"reads / echo", ReadGoal, (*Summary).ReadRatio},
		{"get_case / healthz", GetCaseGoal, func(s *Summary) float64 { return s.OpRatio(OpGetCase) }},
		{"list / healthz", ListGoal, func(s *Summary) float64 { return s.OpRatio(OpList) }},
		{"deadlines / healthz", 0, func(s *Summary) float64 { return s.OpRatio(OpDeadlines) }},
		{"writes / commits", WriteGoal, (*Summary).WriteRatio},
	}
	fmt.Fprintf(w, "rounds: %d, each with its own baselines; median and every round's ratio:\n", len(rounds))
	for _, l := range lines {
		xs := make([]float64, 0, len(rounds))
		for _, s := range rounds {
			if x := l.get(s); x > 0 {
				xs = append(xs, x)
			}
		}
		if len(xs) != len(rounds) {
			continue // not measured in every round
		}
		each := make([]string, len(xs))
		for i, x := range xs {
			each[i] = strconv.FormatFloat(x, 'f', 3, 64)
		}
		m := Median(xs)
		goal := "no goal"
		if l.goal > 0 {
			goal = fmt.Sprintf("goal >= %.2f: ", l.goal)
			if m >= l.goal {
				goal += "meets"
			} else {
				goal += "BELOW"
			}
		}
		fmt.Fprintf(w, "  median %-20s %.3f (%s) rounds: %s\n", l.name, m, goal, strings.Join(each, ", "))
	}
}

// Median returns the median of xs (the mean of the middle two for an even
// count), without reordering xs; 0 for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
