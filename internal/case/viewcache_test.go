package cases_test

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestViewCacheNeverServesStale changes a case through another Service
// over the same database (another server process, with a memory of its
// own) after this one has read it, and checks that this one then answers
// exactly what a Service that never read the case answers: the version
// moved, so the view kept here is not served again.
func TestViewCacheNeverServesStale(t *testing.T) {
	newName := "Renamed"
	tests := []struct {
		name   string
		change func(f *fixture, other *cases.Service, id string) error
		check  func(t *testing.T, c cases.Case)
	}{
		{"event", func(f *fixture, other *cases.Service, id string) error {
			_, err := other.RecordEvent(ctx, f.cw, id, ev("start_reflection", "2025-06-02", nil))
			return err
		}, func(t *testing.T, c cases.Case) {
			if c.State != eligibility.StateReflection {
				t.Errorf("state %s, want reflection", c.State)
			}
		}},
		{"identity corrected", func(f *fixture, other *cases.Service, id string) error {
			_, err := other.Update(ctx, f.cw, id, cases.CasePatch{GivenName: &newName})
			return err
		}, func(t *testing.T, c cases.Case) {
			if c.Victim.GivenName != newName {
				t.Errorf("given name %q, want %q", c.Victim.GivenName, newName)
			}
		}},
		{"erased", func(f *fixture, other *cases.Service, id string) error {
			_, err := other.Erase(ctx, auth.System, id)
			return err
		}, func(t *testing.T, c cases.Case) {
			if !c.Erased || c.Victim.GivenName != "" {
				t.Errorf("erased %v, given name %q: want erased with no name", c.Erased, c.Victim.GivenName)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			other := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
			c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
			before := f.get(c.ID)
			f.get(c.ID)   // served from memory now
			for range 2 { // encoded once, then the encoding is kept
				b, err := f.svc.GetJSON(ctx, f.cw, c.ID, eligibility.Date{})
				if err != nil {
					t.Fatal(err)
				}
				if want := mustJSON(t, before) + "\n"; string(b) != want {
					t.Fatalf("GetJSON:\n%s\nwant Get's view encoded:\n%s", b, want)
				}
			}
			if _, err := f.svc.List(ctx, f.cw, cases.ListQuery{}); err != nil {
				t.Fatal(err)
			}
			if err := tc.change(f, other, c.ID); err != nil {
				t.Fatalf("change: %v", err)
			}
			got := f.get(c.ID)
			if got.Version != before.Version+1 {
				t.Errorf("version %d after the change, want %d", got.Version, before.Version+1)
			}
			tc.check(t, got)
			fresh := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
			want, err := fresh.Get(ctx, f.cw, c.ID, eligibility.Date{})
			if err != nil {
				t.Fatal(err)
			}
			if a, b := mustJSON(t, got), mustJSON(t, want); a != b {
				t.Errorf("Get after the change:\n%s\nwant (as a service that never read it):\n%s", a, b)
			}
			if b, err := f.svc.GetJSON(ctx, f.cw, c.ID, eligibility.Date{}); err != nil || string(b) != mustJSON(t, want)+"\n" {
				t.Errorf("GetJSON after the change: %s (%v)\nwant:\n%s", b, err, mustJSON(t, want))
			}
			page, err := f.svc.List(ctx, f.cw, cases.ListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 || mustJSON(t, page.Items[0]) != mustJSON(t, want) {
				t.Errorf("List after the change:\n%s\nwant its one item:\n%s", mustJSON(t, page.Items), mustJSON(t, want))
			}
			if b, err := f.svc.ListJSON(ctx, f.cw, cases.ListQuery{}); err != nil || string(b) != mustJSON(t, page)+"\n" {
				t.Errorf("ListJSON after the change: %s (%v)\nwant List's page encoded:\n%s", b, err, mustJSON(t, page))
			}
		})
	}
}

// TestViewCacheConcurrentWrites reads a case on this Service while another
// records events on it: a read that starts after an event was
// acknowledged never shows an older version (run with -race).
func TestViewCacheConcurrentWrites(t *testing.T) {
	f := setup(t)
	other := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
	c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	var acked atomic.Int64
	acked.Store(int64(c.Version))
	var stale atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				floor := acked.Load()
				got, err := f.svc.Get(ctx, f.cw, c.ID, eligibility.Date{})
				if err != nil {
					t.Error(err)
					return
				}
				if int64(got.Version) < floor {
					stale.Add(1)
				}
			}
		}()
	}
	facts := []string{"prove_identity", "grant_legal_aid", "report_missing", "report_found"}
	for i := range 20 {
		out, err := other.RecordEvent(ctx, f.cw, c.ID, ev(facts[i%len(facts)], "2025-06-02", nil))
		if err != nil {
			t.Fatal(err)
		}
		acked.Store(int64(out.Version))
	}
	close(stop)
	wg.Wait()
	if n := stale.Load(); n > 0 {
		t.Errorf("%d reads started after an acknowledged event showed an older version", n)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestViewCacheFollowsAssignee checks the one part of a view that changes
// without the case's version: the effective assignee, who stops being
// shown once his account is disabled.
func TestViewCacheFollowsAssignee(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	for range 2 {
		if got := f.get(c.ID); got.Assignee == nil || *got.Assignee != f.cw.Username {
			t.Fatalf("assignee %v, want %s (the creator)", got.Assignee, f.cw.Username)
		}
	}
	yes := true
	if _, err := f.env.Auth.UpdateUser(ctx, auth.System, f.cw.Username, auth.UserPatch{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if got := f.get(c.ID); got.Assignee != nil {
		t.Errorf("assignee %q after his account was disabled, want none", *got.Assignee)
	}
	page, err := f.svc.List(ctx, f.cw, cases.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].Assignee != nil {
		t.Errorf("list after the assignee was disabled: %s, want one case without assignee", mustJSON(t, page.Items))
	}
}

// TestListJSONIsListEncoded checks that the list answered from the kept
// encodings is byte for byte List's page as encoding/json writes it, for
// pages mixing kept and new views, with and without a next cursor, and
// for an empty page.
func TestListJSONIsListEncoded(t *testing.T) {
	f := setup(t)
	for i, name := range []string{"Ana", "Béa <b>", "Chloé & co", "Dara"} {
		c := f.create(f.cw, victim(name, "Petrova", "NG", "2025-06-01"))
		if i%2 == 0 {
			f.get(c.ID) // kept, and encoded by GetJSON
			if _, err := f.svc.GetJSON(ctx, f.cw, c.ID, eligibility.Date{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []cases.ListQuery{{}, {Limit: 3}, {Limit: 1}, {State: "closed"}, {Q: "Dara Petrova"}} {
		for round := range 2 { // the second round finds every view kept
			page, err := f.svc.List(ctx, f.cw, q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.svc.ListJSON(ctx, f.cw, q)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustJSON(t, page) + "\n"; string(b) != want {
				t.Errorf("query %+v round %d: ListJSON\n%s\nwant List's page encoded:\n%s", q, round, b, want)
			}
			var back cases.Page[cases.Case]
			if err := json.Unmarshal(b, &back); err != nil || len(back.Items) != len(page.Items) {
				t.Errorf("query %+v: ListJSON does not decode to %d items: %v", q, len(page.Items), err)
			}
		}
	}
	if _, err := f.svc.ListJSON(ctx, f.cw, cases.ListQuery{State: "nonsense"}); err == nil {
		t.Error("ListJSON accepted an unknown state")
	}
}

// TestListByEveryRule filters the list by each rule of the catalogue: the
// rules added after R25 are filters like the others (R27 flags a case
// whose victim was not yet informed of their rights), and an unknown id
// is refused.
func TestListByEveryRule(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	for _, r := range eligibility.Rules() {
		if _, err := f.svc.List(ctx, f.cw, cases.ListQuery{Rule: r.ID}); err != nil {
			t.Errorf("rule %s: %v", r.ID, err)
		}
	}
	page, err := f.svc.List(ctx, f.cw, cases.ListQuery{Rule: "R27"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != c.ID {
		t.Errorf("rule R27 lists %d cases, want the one not yet informed", len(page.Items))
	}
	for _, bad := range []string{"R00", "R99", "r01", "R1"} {
		if _, err := f.svc.List(ctx, f.cw, cases.ListQuery{Rule: bad}); err == nil {
			t.Errorf("rule %q accepted", bad)
		}
	}
}

// TestViewCacheFollowsFactsBackfill rewrites a case's facts without an
// event, as the start-up return-state backfill does for cases closed
// before rules version 2: a view kept before the rewrite must not be
// served after it, though the version did not move (facts_rev did).
func TestViewCacheFollowsFactsBackfill(t *testing.T) {
	f := setup(t)
	other := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
	c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	for _, in := range []cases.EventInput{ev("start_reflection", "2025-06-02", nil),
		ev("close_case", "2025-06-03", map[string]any{"reason": "victim_request"})} {
		if _, err := other.RecordEvent(ctx, f.cw, c.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	// The case as a server before rules version 2 stored it, in a
	// database not yet backfilled since.
	if err := f.env.DB.Write.Exec(`UPDATE cases SET facts = REPLACE(facts, '"closed_from":"reflection",', '') WHERE id = ?`, c.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.env.DB.Write.Exec("DELETE FROM backfills").Error; err != nil {
		t.Fatal(err)
	}
	before := f.get(c.ID) // kept, without closed_from
	if before.Facts.ClosedFrom != "" {
		t.Fatalf("closed from %q before the backfill: the test's rewrite did not apply", before.Facts.ClosedFrom)
	}
	if n, err := other.BackfillReturnStates(ctx); err != nil || n != 1 {
		t.Fatalf("backfill: %d, %v; want 1 case filled in", n, err)
	}
	got := f.get(c.ID)
	if got.Version != before.Version {
		t.Errorf("version %d, want %d: the backfill writes no event", got.Version, before.Version)
	}
	if got.Facts.ClosedFrom != eligibility.StateReflection {
		t.Errorf("closed from %q after the backfill, want reflection: the view kept before it was served", got.Facts.ClosedFrom)
	}
	page, err := f.svc.List(ctx, f.cw, cases.ListQuery{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Facts.ClosedFrom != eligibility.StateReflection {
		t.Errorf("list after the backfill: %d items (%v), want the case closed from reflection", len(page.Items), err)
	}
}

// TestEventFromKeptRowChangedElsewhere records an event on this Service,
// which keeps the row it wrote; another Service (another server) then
// moves the case on; the next event here starts from the kept row, which
// is now stale, and must still be recorded on the stored case: its state,
// version and audit record follow the other server's change.
func TestEventFromKeptRowChangedElsewhere(t *testing.T) {
	f := setup(t)
	other := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
	c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	f.record(c.ID, ev("start_reflection", "2025-06-02", nil)) // version 2, kept here
	if _, err := other.RecordEvent(ctx, f.cw, c.ID, ev("file_complaint", "2025-06-03", nil)); err != nil {
		t.Fatal(err)
	}
	got := f.record(c.ID, ev("prove_identity", "2025-06-04", nil))
	if got.Version != 4 || got.State != eligibility.StateProvisionalPermit || got.Proceedings != eligibility.ProceedingsComplaintFiled {
		t.Errorf("after the third event: version %d, %s/%s; want 4, provisional_permit/complaint_filed", got.Version, got.State, got.Proceedings)
	}
	recs := f.auditRows(c.ID)
	last := recs[len(recs)-1]
	if last.Event != "prove_identity" || last.FromState != string(eligibility.StateProvisionalPermit) {
		t.Errorf("last record %s from %s, want prove_identity from provisional_permit", last.Event, last.FromState)
	}
	fresh := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
	want, err := fresh.Get(ctx, f.cw, c.ID, eligibility.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, f.get(c.ID)), mustJSON(t, want); a != b {
		t.Errorf("Get here:\n%s\nwant (as a service that never read it):\n%s", a, b)
	}
}

// TestRecordEventJSONKeptForTheNextRead records events through
// RecordEventJSON: its answer must be the updated case exactly as a server
// that never saw the event reads it, and the next read must serve those
// very bytes (the encoding is kept with the view, not made again). An
// answer asked as of another date is that date's view.
func TestRecordEventJSONKeptForTheNextRead(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
	later := f.svc.Today().AddDays(200)
	for _, tc := range []struct {
		in   cases.EventInput
		asOf eligibility.Date
	}{
		{ev("start_reflection", "2025-06-02", nil), eligibility.Date{}},
		{ev("file_complaint", "2025-06-10", nil), eligibility.Date{}},
		{ev("prove_identity", "2025-06-11", nil), later},
	} {
		b, err := f.svc.RecordEventJSON(ctx, f.cw, c.ID, tc.in, tc.asOf)
		if err != nil {
			t.Fatal(err)
		}
		fresh := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now)
		read, err := fresh.Get(ctx, f.cw, c.ID, tc.asOf)
		if err != nil {
			t.Fatal(err)
		}
		if want := mustJSON(t, read) + "\n"; string(b) != want {
			t.Errorf("%s as of %v: answer\n%s\nwant what a server that never saw the event reads:\n%s", tc.in.Type, tc.asOf, b, want)
		}
		if !tc.asOf.IsZero() {
			continue
		}
		got, err := f.svc.GetJSON(ctx, f.cw, c.ID, eligibility.Date{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || &got[0] != &b[0] {
			t.Errorf("%s: the read after the event encoded the case again", tc.in.Type)
		}
	}
}
