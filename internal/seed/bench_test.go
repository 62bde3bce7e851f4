package seed_test

import (
	"context"
	"testing"

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
