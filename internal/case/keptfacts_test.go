package cases

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestKeptFactsAreTheStoredFacts: an event starts from the facts kept
// with the last change's row instead of parsing the stored JSON again
// (eventprep.go), which is only right if the facts an event computes read
// back from their JSON exactly as they were. Random walks through the
// allowed events, from every state, check it after each step.
func TestKeptFactsAreTheStoredFacts(t *testing.T) {
	set := eligibility.DefaultSettings()
	rnd := rand.New(rand.NewPCG(1, 2))
	applied := map[EventType]bool{}
	for _, start := range specStates {
		for walk := range 20 {
			n := caseIn(start, pNone)
			on := day0
			for step := range 30 {
				allowed := allowedEvents(n, on, set)
				if len(allowed) == 0 {
					break
				}
				e := EventType(allowed[rnd.IntN(len(allowed))])
				on = on.AddDays(1 + rnd.IntN(40))
				after := n
				if err := apply(context.Background(), &after, e, on, validData[e], set); err != nil {
					continue // a guard refused it on this date: try another
				}
				stored, err := marshalFacts(after.Facts)
				if err != nil {
					t.Fatal(err)
				}
				var back Facts
				if err := json.Unmarshal([]byte(stored), &back); err != nil {
					t.Fatal(err)
				}
				if back != after.Facts {
					t.Fatalf("from %s, walk %d, step %d (%s): facts %+v read back as %+v", start, walk, step, e, after.Facts, back)
				}
				applied[e] = true
				n = after
			}
		}
	}
	if len(applied) < len(specEvents)*3/4 {
		t.Errorf("the walks applied %d kinds of event of %d: too few to say anything", len(applied), len(specEvents))
	}
}
