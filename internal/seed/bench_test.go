package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/seed"
)

// BenchmarkBulk seeds b.N cases of 10 audit records each through the bulk
// path into a fresh database and reports cases and records per second.
//
//	go test -run '^$' -bench Bulk -benchtime 20000x ./internal/seed/
func BenchmarkBulk(b *testing.B) {
	env := newEnvB(b)
	g := generatorB(b, env, 9, 1)
	bulk := &seed.Bulk{DB: env.DB, Keys: env.Keys, Settings: env.Cases.Settings(), Now: env.Clock.Now, BatchCases: 2000, CacheMiB: 256}
	b.ResetTimer()
	st, err := bulk.Write(context.Background(), b.N, g.Next)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Cases)/b.Elapsed().Seconds(), "cases/s")
	b.ReportMetric(float64(st.Records)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkStartupBackfills measures the start-up backfills of
// internal/app on a database upgraded at b.N cases: a bulk seed (4 audit
// records a case) whose fingerprints, CTDC age bands and majority month
// tags are then cleared, as stored before those columns existed (not
// timed). It reports each backfill's time per case on that database, and
// the time of all four on the next start, when nothing is left to do.
//
//	go test -run '^$' -bench StartupBackfills -benchtime 20000x ./internal/seed/
func BenchmarkStartupBackfills(b *testing.B) {
	env := newEnvB(b)
	ctx := context.Background()
	g := generatorB(b, env, 3, 1)
	bulk := &seed.Bulk{DB: env.DB, Keys: env.Keys, Settings: env.Cases.Settings(), Now: env.Clock.Now, BatchCases: 2000, CacheMiB: 256}
	if _, err := bulk.Write(ctx, b.N, g.Next); err != nil {
		b.Fatal(err)
	}
	if err := env.DB.Write.Exec("UPDATE cases SET identity_fingerprint = '', ctdc_age_band = '', majority_month = ''").Error; err != nil {
		b.Fatal(err)
	}
	// A database not backfilled since (the start of env recorded that it was).
	if err := env.DB.Write.Exec("DELETE FROM backfills").Error; err != nil {
		b.Fatal(err)
	}
	backfills := []struct {
		name string
		run  func(context.Context) (int, error)
	}{
		{"statistics", env.Cases.BackfillStatistics},
		{"fingerprints", env.Cases.BackfillFingerprints},
		{"majority", env.Cases.BackfillMajorityMonths},
		{"returns", env.Cases.BackfillReturnStates},
	}
	b.ResetTimer()
	for _, bf := range backfills {
		start := time.Now()
		if _, err := bf.run(ctx); err != nil {
			b.Fatalf("%s backfill: %v", bf.name, err)
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N), bf.name+"-µs/case")
	}
	start := time.Now()
	for _, bf := range backfills {
		if n, err := bf.run(ctx); err != nil || n != 0 {
			b.Fatalf("%s backfill, next start: got %d, %v, want 0, nil", bf.name, n, err)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "next-start-ms")
}
