package cases_test

import (
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/seed"
)

// searchBenchCases is the size of a large shelter (docs/performance.md
// "Case list search").
const searchBenchCases = 10000

// BenchmarkSearch10k times the web list at 10,000 cases of one shelter:
// the plain first page (the baseline), a filtered and sorted page, and a
// partial name search, which decrypts the names of every candidate case.
// The seeding (about ten seconds) is not timed.
//
//	go test -run '^$' -bench Search10k -benchtime 2s ./internal/case/
func BenchmarkSearch10k(b *testing.B) {
	env, cw := seededShelter(b, searchBenchCases)
	for _, bc := range []struct {
		name string
		q    cases.SearchQuery
	}{
		{"list_page", cases.SearchQuery{}},
		{"filter_sort_deadline", cases.SearchQuery{Within: 30, Sort: cases.SortDeadline}},
		{"name_fragment", cases.SearchQuery{Text: "ama"}},
		{"name_fragment_no_match", cases.SearchQuery{Text: "zzqx"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// The first call fills the view cache, as any page view would.
			if _, err := env.Cases.Search(ctx, cw, bc.q); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := env.Cases.Search(ctx, cw, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seededShelter is a SQLite environment whose shelter "payoke" holds n
// generated cases (two events each), and a caseworker of it; the
// benchmarks' untimed setup.
func seededShelter(b *testing.B, n int) (*apptest.Env, auth.Actor) {
	b.Helper()
	apptest.SkipOnPostgres(b, "the bulk seed path writes SQLite")
	env := apptest.New(b, nil)
	cw := env.AddUser(b, "cw", auth.RoleCaseworker, "payoke")
	g, err := seed.NewGenerator(seed.Options{Shelters: []string{"payoke"}, EventsPerCase: 2,
		Today: eligibility.Today(env.Clock.Now()), Seed: 17, Settings: env.Cases.Settings()})
	if err != nil {
		b.Fatal(err)
	}
	bulk := &seed.Bulk{DB: env.DB, Keys: env.Keys, Settings: env.Cases.Settings(), Now: env.Clock.Now, BatchCases: 2000}
	if _, err := bulk.Write(ctx, n, g.Next); err != nil {
		b.Fatal(err)
	}
	return env, cw
}
