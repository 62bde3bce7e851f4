package cases_test

import (
	"testing"

	cases "github.com/casemgr/casemgr/internal/case"
)

// BenchmarkListJSON times the API's first list page (50 cases) of a
// shelter of 1,000 cases, as GET /api/v1/cases answers it, into a reused
// buffer: "kept" with every view kept, "after_event" with one case of the
// page changed by an event before each page (the page cache of the
// readers dropped by the commit, one view built again), as under the
// 80:20 load (docs/performance.md "Fifth pass").
//
//	go test -run '^$' -bench ListJSON -benchmem ./internal/case/
func BenchmarkListJSON(b *testing.B) {
	env, cw := seededShelter(b, 1000)
	q := cases.ListQuery{Limit: 50}
	buf, err := env.Cases.AppendListJSON(ctx, nil, cw, q) // fills the view cache
	if err != nil {
		b.Fatal(err)
	}
	b.Run("kept", func(b *testing.B) {
		for b.Loop() {
			if buf, err = env.Cases.AppendListJSON(ctx, buf[:0], cw, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("after_event", func(b *testing.B) {
		first, err := env.Cases.List(ctx, cw, q)
		if err != nil {
			b.Fatal(err)
		}
		id := first.Items[0].ID
		i := 0
		for b.Loop() {
			i++
			in := cases.EventInput{Type: "report_missing", OccurredOn: "2025-06-01"}
			if i%2 == 0 {
				in.Type = "report_found"
			}
			b.StopTimer()
			if _, err := env.Cases.RecordEvent(ctx, cw, id, in); err != nil {
				b.Fatalf("event %d: %v", i, err)
			}
			b.StartTimer()
			if buf, err = env.Cases.AppendListJSON(ctx, buf[:0], cw, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
