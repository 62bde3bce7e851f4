package cases_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/audit"
	cases "github.com/casemgr/casemgr/internal/case"
)

// TestConcurrentSameVersion: two writers with the same version at the same
// time; exactly one wins, the other gets a conflict.
func TestConcurrentSameVersion(t *testing.T) {
	for _, c := range []struct {
		name   string
		events [2]string
	}{
		{"two fact events", [2]string{"prove_identity", "grant_legal_aid"}},
		{"two transitions", [2]string{"start_reflection", "decline_cooperation"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t)
			cs := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
			start := make(chan struct{})
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					v := 1
					<-start
					_, errs[i] = f.svc.RecordEvent(ctx, f.cw, cs.ID,
						cases.EventInput{Type: c.events[i], OccurredOn: "2025-02-01", Version: &v})
				}()
			}
			close(start)
			wg.Wait()
			ok, conflicts := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case apperr.KindOf(err) == apperr.Conflict:
					conflicts++
				default:
					t.Errorf("got error %v, want success or conflict", err)
				}
			}
			if ok != 1 || conflicts != 1 {
				t.Errorf("got %d successes %d conflicts, want 1 and 1", ok, conflicts)
			}
			if got := f.get(cs.ID); got.Version != 2 {
				t.Errorf("got version %d, want 2", got.Version)
			}
			if got := len(f.auditRows(cs.ID)); got != 2 {
				t.Errorf("got %d audit records for the case, want 2", got)
			}
		})
	}
}

// TestConcurrentFactEvents: 8 writers x 10 fact events without a version
// all succeed, each a version, and the audit chain stays intact.
func TestConcurrentFactEvents(t *testing.T) {
	const writers, each = 8, 10
	f := setup(t)
	cs := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	facts := []string{"prove_identity", "grant_legal_aid", "join_as_civil_party", "report_missing", "report_found",
		"record_contact_with_trafficker", "end_contact_with_trafficker", "invoke_non_punishment"}
	start := make(chan struct{})
	errs := make(chan error, writers*each)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range each {
				_, err := f.svc.RecordEvent(ctx, f.cw, cs.ID, cases.EventInput{Type: facts[w], OccurredOn: "2025-02-01"})
				errs <- err
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			t.Errorf("got error %v, want success", err)
		}
	}
	if failed > 0 {
		t.Fatalf("got %d failed writes, want 0", failed)
	}
	if got := f.get(cs.ID); got.Version != 1+writers*each {
		t.Errorf("got version %d, want %d", got.Version, 1+writers*each)
	}
	recs := f.auditRows(cs.ID)
	if len(recs) != 1+writers*each {
		t.Errorf("got %d audit records for the case, want %d", len(recs), 1+writers*each)
	}
	res, err := audit.VerifyDB(ctx, f.env.DB.Read)
	if err != nil || !res.OK {
		t.Fatalf("verify: got %+v %v, want ok", res, err)
	}
	if last := recs[len(recs)-1].Seq; res.HeadSeq != last {
		t.Errorf("got head seq %d, want %d", res.HeadSeq, last)
	}
	// No gaps in seq.
	all := f.auditRows("")
	for i, r := range all {
		if r.Seq != int64(i+1) {
			t.Fatalf("got seq %d at position %d, want %d", r.Seq, i, i+1)
		}
	}
}

// TestConcurrentCreateReferences: simultaneous creations in one shelter
// and year take distinct, gapless references.
func TestConcurrentCreateReferences(t *testing.T) {
	const n = 8
	f := setup(t)
	start := make(chan struct{})
	got := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c, err := f.svc.Create(ctx, f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
			got[i], errs[i] = c.Reference, err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("create %d: got error %v", i, err)
		}
	}
	slices.Sort(got)
	want := []string{"PAY-2025-0001", "PAY-2025-0002", "PAY-2025-0003", "PAY-2025-0004",
		"PAY-2025-0005", "PAY-2025-0006", "PAY-2025-0007", "PAY-2025-0008"}
	if !slices.Equal(got, want) {
		t.Errorf("got references %v, want %v", got, want)
	}
}
