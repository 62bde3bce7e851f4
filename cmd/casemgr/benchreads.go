package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/loadgen"
	"github.com/casemgr/casemgr/internal/store"
)

var cmdBenchReads = &Command{
	UsageLine: "bench-reads [--samples N] [--warmup N] [--reads LIST] [--within DAYS] [--sqlite3 PATH] [--sql-runs N]",
	Short:     "latency of GET case, list and deadlines on this database, in process",
	Group:     groupTesting,
	Long: `Bench-reads measures the latency of the main reads (one case, the first
page of the case list, the deadline board) through the case service on
this SQLite database, one call at a time, and times the deadline board's SQL
through the sqlite3 command-line shell for comparison. It only reads (the
read-access log records the reads, as in production). docs/performance.md
gives the method and the measured figures.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var o benchReadsFlags
		fs.IntVar(&o.samples, "samples", 2000, "measured calls of each read")
		fs.IntVar(&o.warmup, "warmup", 100, "unmeasured calls of each read first")
		fs.IntVar(&o.within, "within", 30, "deadline board horizon in `DAYS`")
		fs.StringVar(&o.shell, "sqlite3", "sqlite3", "the sqlite3 shell for the raw-SQL comparison (\"\" to skip)")
		fs.StringVar(&o.which, "reads", "get_case,list,deadlines", "the reads to measure, comma-separated")
		fs.IntVar(&o.runs, "sql-runs", 200, "at most this many runs of the raw SQL per sqlite3 invocation (fewer when a run is slow)")
		return func(in *invocation) error { return in.benchReads(o) }
	},
}

// benchReadsFlags are the flags of bench-reads.
type benchReadsFlags struct {
	samples, warmup, within, runs int
	shell, which                  string
}

// benchReads measures the main reads of the case service, then the
// deadline board against its raw SQL in the sqlite3 shell.
func (in *invocation) benchReads(o benchReadsFlags) error {
	a, err := in.App()
	if err != nil {
		return err
	}
	if a.DB.Dialect != store.SQLite {
		return fmt.Errorf("bench-reads: measures SQLite databases (this one is %s)", a.DB.Dialect)
	}
	ctx := in.ctx
	var nCases, maxRow int64
	if err := a.DB.Read.WithContext(ctx).Raw("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM cases").Row().Scan(&nCases, &maxRow); err != nil {
		return fmt.Errorf("bench-reads: %w", err)
	}
	if nCases == 0 {
		return fmt.Errorf("bench-reads: the database has no cases; seed it first (casemgr seed-data)")
	}
	var shelters []string
	if err := a.DB.Read.WithContext(ctx).Raw("SELECT DISTINCT shelter_id FROM cases ORDER BY shelter_id").Scan(&shelters).Error; err != nil {
		return fmt.Errorf("bench-reads: %w", err)
	}
	headSeq, err := headSeq(ctx, a)
	if err != nil {
		return err
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	actor := func(shelter string) auth.Actor {
		return auth.Actor{Username: "bench." + shelter, Role: auth.RoleCaseworker, Shelter: shelter}
	}
	randomCase := func() (string, string, error) {
		for {
			var row struct{ ID, ShelterID string }
			err := a.DB.Read.WithContext(ctx).Raw("SELECT id, shelter_id FROM cases WHERE rowid = ?", 1+rnd.Int64N(maxRow)).Scan(&row).Error
			if err != nil {
				return "", "", err
			}
			if row.ID != "" {
				return row.ID, row.ShelterID, nil
			}
		}
	}
	today := eligibility.Today(in.now())
	ops := []struct {
		key, name string
		call      func() error
	}{
		{"get_case", "get_case", func() error {
			id, sh, err := randomCase()
			if err != nil {
				return err
			}
			_, err = a.Cases.Get(ctx, actor(sh), id, today)
			return err
		}},
		{"list", "list (first page)", func() error {
			_, err := a.Cases.List(ctx, actor(shelters[rnd.IntN(len(shelters))]), cases.ListQuery{AsOf: today})
			return err
		}},
		{"deadlines", fmt.Sprintf("deadlines (within %d)", o.within), func() error {
			_, err := a.Cases.Deadlines(ctx, actor(shelters[rnd.IntN(len(shelters))]), o.within, today, 0, "")
			return err
		}},
	}
	fmt.Fprintf(in.stdout, "bench-reads: %d cases, %d audit records, shelters %s; %d calls of each read after %d warm-up, one at a time, as of %s\n",
		nCases, headSeq, strings.Join(shelters, ","), o.samples, o.warmup, today)
	fmt.Fprintf(in.stdout, "  %-24s %8s %9s %9s %9s %9s\n", "read", "calls", "p50 ms", "p95 ms", "p99 ms", "mean ms")
	selected := map[string]bool{}
	for _, k := range strings.Split(o.which, ",") {
		selected[strings.TrimSpace(k)] = true
	}
	for _, op := range ops {
		if !selected[op.key] {
			continue
		}
		for i := 0; i < o.warmup; i++ {
			if err := op.call(); err != nil {
				return fmt.Errorf("bench-reads: %s: %w", op.name, err)
			}
		}
		lat := make([]time.Duration, 0, o.samples)
		for i := 0; i < o.samples; i++ {
			// The random case is drawn inside call; its lookup by rowid
			// is part of the measure (a few microseconds).
			t0 := time.Now()
			if err := op.call(); err != nil {
				return fmt.Errorf("bench-reads: %s: %w", op.name, err)
			}
			lat = append(lat, time.Since(t0))
		}
		printLatencies(in.env, op.name, lat)
	}
	if o.shell == "" || !selected["deadlines"] {
		return nil
	}
	return in.compareBoardWithShell(ctx, a, o.shell, shelters[0], today, o.within, o.samples, o.runs)
}

func headSeq(ctx context.Context, a *app.App) (int64, error) {
	var seq int64
	if err := a.DB.Read.WithContext(ctx).Raw("SELECT seq FROM audit_head WHERE id = 1").Scan(&seq).Error; err != nil {
		return 0, fmt.Errorf("bench-reads: %w", err)
	}
	return seq, nil
}

func printLatencies(e env, name string, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	f := func(d time.Duration) float64 { return float64(d) / 1e6 }
	st := loadgen.Stats{Latencies: lat} // sorted above
	fmt.Fprintf(e.stdout, "  %-24s %8d %9.3f %9.3f %9.3f %9.3f\n", name, len(lat),
		f(st.Percentile(50)), f(st.Percentile(95)), f(st.Percentile(99)), f(sum/time.Duration(max(len(lat), 1))))
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// compareBoardWithShell times the deadline board of one shelter through
// the service and its two SQL queries (the stored deadlines' page and the
// minors whose 18th birthday the service computes) through the sqlite3
// shell: the time of an invocation running them n times, less the time of
// one running a trivial statement n times (start-up and parsing), over n.
func (e env) compareBoardWithShell(ctx context.Context, a *app.App, shell, shelter string, today eligibility.Date, within, samples, n int) error {
	path, err := exec.LookPath(shell)
	if err != nil {
		fmt.Fprintf(e.stdout, "deadline board vs raw SQL: %s not found, skipped (apt-get install sqlite3)\n", shell)
		return nil
	}
	var file string
	if err := a.DB.Read.WithContext(ctx).Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file).Error; err != nil {
		return fmt.Errorf("bench-reads: %w", err)
	}
	version, _ := exec.CommandContext(ctx, path, "--version").Output()
	act := auth.Actor{Username: "bench." + shelter, Role: auth.RoleCaseworker, Shelter: shelter}
	calls := min(samples, 200)
	lat := make([]time.Duration, 0, calls)
	var items int
	for i := 0; i < calls; i++ {
		t0 := time.Now()
		p, err := a.Cases.Deadlines(ctx, act, within, today, 0, "")
		if err != nil {
			return fmt.Errorf("bench-reads: deadlines: %w", err)
		}
		lat = append(lat, time.Since(t0))
		items = len(p.Items)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	until := today.AddDays(within).String()
	board := fmt.Sprintf(`SELECT d.case_id, c.reference, d.kind, d.due_on, c.state FROM case_deadlines AS d JOIN cases c ON c.id = d.case_id WHERE d.shelter_id = %s AND d.due_on <= %s ORDER BY d.due_on, c.reference, d.kind LIMIT %d;`,
		sqlQuote(shelter), sqlQuote(until), cases.DefaultLimit+1)
	// The minors of the months the board shows, by their month tags
	// (cases.Service's majorityDeadlines, internal/case/majority.go).
	end := today.AddDays(within)
	var tags []string
	for m := (eligibility.Date{Year: today.Year, Month: today.Month, Day: 1}); !end.Before(m); m = m.AddMonths(1) {
		tags = append(tags, sqlQuote(a.Keys.MonthTag(fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)))))
	}
	where := fmt.Sprintf(`shelter_id = %s AND majority_month <> '' AND majority_month IN (%s) AND data_key IS NOT NULL AND state <> 'closed'`,
		sqlQuote(shelter), strings.Join(tags, ", "))
	minors := "SELECT id, reference, version, state FROM cases WHERE " + where + ";\n"
	var nMinors int64
	if err := a.DB.Read.WithContext(ctx).Raw("SELECT COUNT(*) FROM cases WHERE " + where).Scan(&nMinors).Error; err != nil {
		return fmt.Errorf("bench-reads: %w", err)
	}
	timeScript := func(stmt string, n int) (time.Duration, error) {
		script := ".output /dev/null\n" + strings.Repeat(stmt+"\n", n)
		best := time.Duration(0)
		for k := 0; k < 3; k++ {
			cmd := exec.CommandContext(ctx, path, "-readonly", "-batch", file)
			cmd.Stdin = strings.NewReader(script)
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				return 0, fmt.Errorf("%s: %v: %s", path, err, out)
			}
			if d := time.Since(t0); best == 0 || d < best {
				best = d
			}
		}
		return best, nil
	}
	// Estimate one run, then repeat enough runs to last about two seconds
	// (at most n), so that start-up noise stays small against the queries.
	one, err := timeScript(board+"\n"+minors, 1)
	if err != nil {
		return fmt.Errorf("bench-reads: %w", err)
	}
	n = min(n, max(5, int(2*time.Second/max(one, time.Millisecond))))
	base, err := timeScript("SELECT 1;", n)
	if err != nil {
		return fmt.Errorf("bench-reads: %w", err)
	}
	both, err := timeScript(board+"\n"+minors, n)
	if err != nil {
		return fmt.Errorf("bench-reads: %w", err)
	}
	raw := (both - base) / time.Duration(n)
	p50 := (&loadgen.Stats{Latencies: lat}).Percentile(50) // lat is sorted above
	ratio := float64(p50) / float64(max(raw, time.Microsecond))
	verdict := "meets"
	if ratio > 2 {
		verdict = "ABOVE"
	}
	fmt.Fprintf(e.stdout, "deadline board of %s (%d items, %d minors' birthdays checked): service p50 %.3f ms; "+
		"the same two queries through %s (%s): %.3f ms per run (%d runs); ratio %.2f (goal <= 2: %s)\n",
		shelter, items, nMinors, float64(p50)/1e6, shell, strings.TrimSpace(strings.SplitN(string(version), " ", 2)[0]),
		float64(raw)/1e6, n, ratio, verdict)
	return nil
}
