package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/seed"
	"github.com/casemgr/casemgr/internal/store"
)

// serviceSeedLimit is the largest --cases that --mode auto writes through
// the case service; above it the bulk path is used.
const serviceSeedLimit = 1000

// seedData runs `casemgr seed-data`: synthetic cases for load and scale
// tests, through the case service (small runs) or the bulk path.
func (e env) seedData(args []string) error {
	fs, c := newFlags("seed-data", e.stderr)
	n := fs.Int("cases", 1000, "number of cases to create")
	perCase := fs.Int("events-per-case", 9, "events recorded on each case after open_case (audit records per case = this + 1)")
	sheltersFlag := fs.String("shelters", "", "comma-separated shelter ids (default: every shelter in the database)")
	mode := fs.String("mode", "auto", "service, bulk, or auto (service up to 1000 cases, bulk above)")
	batch := fs.Int("batch", 2000, "bulk path: cases per transaction")
	seedValue := fs.Uint64("seed", 1, "random seed; the same seed gives the same cases")
	years := fs.Int("years", 5, "identification dates go back this many years")
	cacheMiB := fs.Int("cache-mib", 512, "bulk path: SQLite page cache of the writer, in MiB")
	appendTo := fs.Bool("append", false, "allow seeding into a database that already holds cases")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if *n <= 0 || *perCase < 0 {
		return fmt.Errorf("seed-data: want --cases > 0 and --events-per-case >= 0")
	}
	if *mode != "auto" && *mode != "service" && *mode != "bulk" {
		return fmt.Errorf("seed-data: --mode %q: want service, bulk or auto", *mode)
	}
	if *mode == "auto" {
		*mode = "service"
		if *n > serviceSeedLimit {
			*mode = "bulk"
		}
	}
	a, err := e.openApp(c)
	if err != nil {
		return err
	}
	defer a.Close()
	if *mode == "bulk" && a.DB.Dialect != store.SQLite {
		return fmt.Errorf("seed-data: the bulk path writes SQLite only; use --mode service on %s", a.DB.Dialect)
	}
	var existing int64
	if err := a.DB.Read.WithContext(e.ctx).Table("cases").Count(&existing).Error; err != nil {
		return fmt.Errorf("seed-data: count cases: %w", err)
	}
	if existing > 0 && !*appendTo {
		return fmt.Errorf("seed-data: the database already holds %d cases; synthetic cases are for test databases (give --append to add to it anyway)", existing)
	}
	var shelters []string
	if *sheltersFlag != "" {
		shelters = strings.Split(*sheltersFlag, ",")
	} else {
		all, err := a.Shelters.List(e.ctx)
		if err != nil {
			return err
		}
		for _, s := range all {
			shelters = append(shelters, s.ID)
		}
	}
	g, err := seed.NewGenerator(seed.Options{Shelters: shelters, EventsPerCase: *perCase,
		Today: eligibility.Today(e.now()), Years: *years, Seed: *seedValue, Settings: a.Cases.Settings()})
	if err != nil {
		return fmt.Errorf("seed-data: %w", err)
	}
	start := e.now()
	lastReport := start
	report := func(done, records int64, final bool) {
		now := e.now()
		if !final && now.Sub(lastReport) < time.Second {
			return
		}
		lastReport = now
		el := now.Sub(start).Seconds()
		rate := float64(done) / max(el, 1e-9)
		eta := ""
		if !final && rate > 0 {
			eta = fmt.Sprintf(", ETA %s", (time.Duration(float64(int64(*n)-done)/rate) * time.Second).Round(time.Second))
		}
		fmt.Fprintf(e.stderr, "seed-data: %d/%d cases, %d audit records, %.0f cases/s, %.0f records/s%s\n",
			done, *n, records, rate, float64(records)/max(el, 1e-9), eta)
	}
	var cases, records int64
	switch *mode {
	case "service":
		sp := seed.ServicePath{Cases: a.Cases}
		for i := 0; i < *n; i++ {
			p, err := g.Next()
			if err != nil {
				return fmt.Errorf("seed-data: %w", err)
			}
			if _, err := sp.Write(e.ctx, p); err != nil {
				return fmt.Errorf("seed-data: after %d cases: %w", cases, err)
			}
			cases++
			records += int64(len(p.Events) + 1)
			report(cases, records, false)
		}
	case "bulk":
		b := &seed.Bulk{DB: a.DB, Keys: a.Keys, Settings: a.Cases.Settings(), Now: e.now,
			BatchCases: *batch, CacheMiB: *cacheMiB,
			Progress: func(s seed.Stats) { report(s.Cases, s.Records, false) }}
		st, err := b.Write(e.ctx, *n, g.Next)
		cases, records = st.Cases, st.Records
		if err != nil {
			return fmt.Errorf("seed-data: after %d cases: %w", cases, err)
		}
	}
	report(cases, records, true)
	fmt.Fprintf(e.stdout, "seeded %d cases with %d audit records (%s path, %d events per case, shelters %s) in %s\n",
		cases, records, *mode, *perCase, strings.Join(shelters, ","), e.now().Sub(start).Round(time.Millisecond))
	return nil
}
