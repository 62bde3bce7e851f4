package main

import (
	"flag"
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

var cmdSeedData = &Command{
	UsageLine: "seed-data --cases N --events-per-case M [--shelters a,b] [--mode auto|service|bulk]",
	Short:     "synthetic cases for load and scale tests (test databases only)",
	Group:     groupTesting,
	Long: `Seed-data creates synthetic cases, each with its events and audit records,
for load and scale tests: through the case service (--mode service, as the
API would) or a bulk path that writes the rows the service would, hash
chain included, in large SQLite transactions (--mode bulk, for large
databases). It refuses a database that already
holds cases unless --append is given. The same --seed gives the same cases.
docs/performance.md gives the measured figures.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var o seedFlags
		fs.IntVar(&o.cases, "cases", 1000, "number of cases to create")
		fs.IntVar(&o.perCase, "events-per-case", 9, "events recorded on each case after open_case (audit records per case = this + 1)")
		fs.StringVar(&o.shelters, "shelters", "", "comma-separated shelter ids (default: every shelter in the database)")
		fs.StringVar(&o.mode, "mode", "auto", "service, bulk, or auto (service up to 1000 cases, bulk above)")
		fs.IntVar(&o.batch, "batch", 2000, "bulk path: cases per transaction")
		fs.Uint64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same cases")
		fs.IntVar(&o.years, "years", 5, "identification dates go back this many years")
		fs.IntVar(&o.cacheMiB, "cache-mib", 512, "bulk path: SQLite page cache of the writer, in MiB")
		fs.BoolVar(&o.appendTo, "append", false, "allow seeding into a database that already holds cases")
		return func(in *invocation) error { return in.seedData(o) }
	},
}

// seedFlags are the flags of seed-data.
type seedFlags struct {
	cases, perCase, batch, years, cacheMiB int
	shelters, mode                         string
	seed                                   uint64
	appendTo                               bool
}

// seedData writes synthetic cases through the case service (small runs)
// or the bulk path.
func (in *invocation) seedData(o seedFlags) error {
	if o.cases <= 0 || o.perCase < 0 {
		return fmt.Errorf("seed-data: want --cases > 0 and --events-per-case >= 0")
	}
	if o.mode != "auto" && o.mode != "service" && o.mode != "bulk" {
		return fmt.Errorf("seed-data: --mode %q: want service, bulk or auto", o.mode)
	}
	if o.mode == "auto" {
		o.mode = "service"
		if o.cases > serviceSeedLimit {
			o.mode = "bulk"
		}
	}
	a, err := in.App()
	if err != nil {
		return err
	}
	if o.mode == "bulk" && a.DB.Dialect != store.SQLite {
		return fmt.Errorf("seed-data: the bulk path writes SQLite only; use --mode service on %s", a.DB.Dialect)
	}
	var existing int64
	if err := a.DB.Read.WithContext(in.ctx).Table("cases").Count(&existing).Error; err != nil {
		return fmt.Errorf("seed-data: count cases: %w", err)
	}
	if existing > 0 && !o.appendTo {
		return fmt.Errorf("seed-data: the database already holds %d cases; synthetic cases are for test databases (give --append to add to it anyway)", existing)
	}
	var shelters []string
	if o.shelters != "" {
		shelters = strings.Split(o.shelters, ",")
	} else {
		all, err := a.Shelters.List(in.ctx)
		if err != nil {
			return err
		}
		for _, s := range all {
			shelters = append(shelters, s.ID)
		}
	}
	g, err := seed.NewGenerator(seed.Options{Shelters: shelters, EventsPerCase: o.perCase,
		Today: eligibility.Today(in.now()), Years: o.years, Seed: o.seed, Settings: a.Cases.Settings()})
	if err != nil {
		return fmt.Errorf("seed-data: %w", err)
	}
	start := in.now()
	lastReport := start
	report := func(done, records int64, final bool) {
		now := in.now()
		if !final && now.Sub(lastReport) < time.Second {
			return
		}
		lastReport = now
		el := now.Sub(start).Seconds()
		rate := float64(done) / max(el, 1e-9)
		eta := ""
		if !final && rate > 0 {
			eta = fmt.Sprintf(", ETA %s", (time.Duration(float64(int64(o.cases)-done)/rate) * time.Second).Round(time.Second))
		}
		fmt.Fprintf(in.stderr, "seed-data: %d/%d cases, %d audit records, %.0f cases/s, %.0f records/s%s\n",
			done, o.cases, records, rate, float64(records)/max(el, 1e-9), eta)
	}
	var cases, records int64
	switch o.mode {
	case "service":
		sp := seed.ServicePath{Cases: a.Cases}
		for i := 0; i < o.cases; i++ {
			p, err := g.Next()
			if err != nil {
				return fmt.Errorf("seed-data: %w", err)
			}
			if _, err := sp.Write(in.ctx, p); err != nil {
				return fmt.Errorf("seed-data: after %d cases: %w", cases, err)
			}
			cases++
			records += int64(len(p.Events) + 1)
			report(cases, records, false)
		}
	case "bulk":
		b := &seed.Bulk{DB: a.DB, Keys: a.Keys, Settings: a.Cases.Settings(), Now: in.now,
			BatchCases: o.batch, CacheMiB: o.cacheMiB,
			Progress: func(s seed.Stats) { report(s.Cases, s.Records, false) }}
		st, err := b.Write(in.ctx, o.cases, g.Next)
		cases, records = st.Cases, st.Records
		if err != nil {
			return fmt.Errorf("seed-data: after %d cases: %w", cases, err)
		}
	}
	report(cases, records, true)
	fmt.Fprintf(in.stdout, "seeded %d cases with %d audit records (%s path, %d events per case, shelters %s) in %s\n",
		cases, records, o.mode, o.perCase, strings.Join(shelters, ","), in.now().Sub(start).Round(time.Millisecond))
	return nil
}
