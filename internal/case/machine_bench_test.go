package cases

import (
	"context"
	"testing"
)

// BenchmarkAllowedEvents measures allowed_events for a case in
// temporary_permit (one FSM pair built, 37 events checked); it runs in
// every case view and every refused event.
func BenchmarkAllowedEvents(b *testing.B) {
	n := caseIn(sTemporary, pCharged)
	for b.Loop() {
		if got := allowedEvents(n, eventDay, settings); len(got) == 0 {
			b.Fatal("got no allowed events")
		}
	}
}

// BenchmarkApply measures apply of a fact event (one FSM pair built).
func BenchmarkApply(b *testing.B) {
	n := caseIn(sTemporary, pCharged)
	ctx := context.Background()
	for b.Loop() {
		m := n
		if err := apply(ctx, &m, "prove_identity", eventDay, nil, settings); err != nil {
			b.Fatal(err)
		}
	}
}
