package cases_test

import (
	"context"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// countUpdates counts, from now on, the statements of env's database that
// update column col of table cases.
func countUpdates(t *testing.T, env *apptest.Env, col string) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	prefix := "UPDATE cases SET " + col + " "
	if err := env.DB.Write.Callback().Raw().After("gorm:raw").Register("test:count_"+col, func(db *gorm.DB) {
		if strings.HasPrefix(db.Statement.SQL.String(), prefix) {
			n.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return &n
}

// TestBackfillsWriteABatchAtOnce checks that the start-up backfills fill
// in every pending case of a batch with one statement (they run on up to a
// million cases before the server serves: one statement per case was most
// of their writing), skip erased cases, and leave nothing pending.
func TestBackfillsWriteABatchAtOnce(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	actors := []auth.Actor{env.AddUser(t, "cw", auth.RoleCaseworker, "payoke"), env.AddUser(t, "cw2", auth.RoleCaseworker, "pag-asa")}
	dobs := []string{"1990-05-05", "", "2010-01-31", "1985-12-01", "1990-05-05"}
	for i, dob := range dobs {
		if _, err := env.Cases.Create(ctx, actors[i%2], cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "Ama", FamilyName: "Obi", Nationality: "NG", Gender: "female", DateOfBirth: dob},
			Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
		}); err != nil {
			t.Fatal(err)
		}
	}
	// As stored before schema versions 7 and 12; one case erased since
	// (no data key: no fingerprint to compute).
	if err := env.DB.Write.Exec("UPDATE cases SET identity_fingerprint = '', ctdc_age_band = ''").Error; err != nil {
		t.Fatal(err)
	}
	if err := env.DB.Write.Exec("UPDATE cases SET data_key = NULL WHERE reference = (SELECT MIN(reference) FROM cases)").Error; err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		col      string
		backfill func(context.Context) (int, error)
		want     int
		pending  string
	}{
		{"identity_fingerprint", env.Cases.BackfillFingerprints, len(dobs) - 1, "identity_fingerprint = '' AND data_key IS NOT NULL"},
		{"ctdc_age_band", env.Cases.BackfillStatistics, len(dobs), "ctdc_age_band = ''"},
	}
	for _, tc := range tests {
		t.Run(tc.col, func(t *testing.T) {
			updates := countUpdates(t, env, tc.col)
			n, err := tc.backfill(ctx)
			if err != nil || n != tc.want {
				t.Fatalf("backfill: got %d, %v, want %d, nil", n, err, tc.want)
			}
			if got := updates.Load(); got != 1 {
				t.Errorf("backfill of %d cases: got %d UPDATE statements, want 1", n, got)
			}
			var left int64
			if err := env.DB.Read.Table("cases").Where(tc.pending).Count(&left).Error; err != nil || left != 0 {
				t.Errorf("after the backfill: got %d cases pending (%v), want 0", left, err)
			}
			if n, err := tc.backfill(ctx); err != nil || n != 0 {
				t.Errorf("second backfill: got %d, %v, want 0, nil", n, err)
			}
		})
	}
}

// onceBackfills are the backfills that record that they ran to completion
// (backfill.go onceBackfill): each with its row in backfills, a way to
// store a case as a version before its field did, and whether a case's
// field is filled in.
var onceBackfills = []struct {
	name     string
	marker   string
	run      func(*cases.Service) func(context.Context) (int, error)
	oldStyle func(f *fixture) string
	repaired func(f *fixture, id string) bool
}{
	{
		name:   "majority month",
		marker: "majority_months",
		run:    func(s *cases.Service) func(context.Context) (int, error) { return s.BackfillMajorityMonths },
		oldStyle: func(f *fixture) string {
			in := victim("Samir", "Haidari", "AF", "2025-06-01")
			in.Victim.DateOfBirth = "2010-01-31" // a minor when identified
			c := f.create(f.cw, in)
			f.exec("UPDATE cases SET majority_month = '' WHERE id = ?", c.ID) // as before schema 13
			return c.ID
		},
		repaired: func(f *fixture, id string) bool {
			return f.count("SELECT COUNT(*) FROM cases WHERE id = ? AND majority_month <> ''", id) == 1
		},
	},
	{
		name:   "return states",
		marker: "return_states",
		run:    func(s *cases.Service) func(context.Context) (int, error) { return s.BackfillReturnStates },
		oldStyle: func(f *fixture) string {
			c := f.create(f.cw, victim("Ana", "Petrova", "NG", "2025-06-01"))
			f.record(c.ID, ev("start_reflection", "2025-06-02", nil))
			f.record(c.ID, ev("close_case", "2025-06-03", map[string]any{"reason": "victim_request"}))
			// As before rules version 2.
			f.exec(`UPDATE cases SET facts = REPLACE(facts, '"closed_from":"reflection",', '') WHERE id = ?`, c.ID)
			if f.count(`SELECT COUNT(*) FROM cases WHERE id = ? AND facts LIKE '%"closed_from"%'`, c.ID) != 0 {
				f.t.Fatal("the test's rewrite of the facts did not apply")
			}
			return c.ID
		},
		repaired: func(f *fixture, id string) bool {
			return f.count(`SELECT COUNT(*) FROM cases WHERE id = ? AND facts LIKE '%"closed_from":"reflection"%'`, id) == 1
		},
	},
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.env.DB.Write.Exec(q, args...).Error; err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) count(q string, args ...any) int64 {
	f.t.Helper()
	var n int64
	if err := f.env.DB.Read.Raw(q, args...).Scan(&n).Error; err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// countCasesStatements counts, from now on, the statements of env's
// database (both pools) that name the table cases.
func countCasesStatements(t *testing.T, env *apptest.Env) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	names := regexp.MustCompile(`\bcases\b`)
	count := func(db *gorm.DB) {
		if db.Statement.Table == "cases" || names.MatchString(db.Statement.SQL.String()) {
			n.Add(1)
		}
	}
	for _, db := range []*gorm.DB{env.DB.Read, env.DB.Write} {
		cb := db.Callback()
		for _, err := range []error{
			cb.Query().After("gorm:query").Register("test:count_cases_query", count),
			cb.Row().After("gorm:row").Register("test:count_cases_row", count),
			cb.Raw().After("gorm:raw").Register("test:count_cases_raw", count),
			cb.Update().After("gorm:update").Register("test:count_cases_update", count),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return &n
}

// TestOnceBackfillsRunOnce checks that the backfills of what older
// versions wrote repair a database upgraded with such cases, record that
// they did, and then read nothing of the cases table again: a case stored
// the old way after the row was written (which no version since does) is
// left as it is, by this server and by another one started later.
func TestOnceBackfillsRunOnce(t *testing.T) {
	for _, tc := range onceBackfills {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			marked := func() int64 {
				t.Helper()
				return f.count("SELECT COUNT(*) FROM backfills WHERE name = ?", tc.marker)
			}
			if got := marked(); got != 1 {
				t.Errorf("after the start of a new database: got %d rows %q in backfills, want 1", got, tc.marker)
			}
			old := tc.oldStyle(f)
			f.exec("DELETE FROM backfills") // the database as the upgrade finds it
			if n, err := tc.run(f.svc)(ctx); err != nil || n != 1 {
				t.Fatalf("first run: got %d, %v, want 1, nil", n, err)
			}
			if !tc.repaired(f, old) {
				t.Errorf("first run: the case stored the old way was not repaired")
			}
			if got := marked(); got != 1 {
				t.Errorf("after the first run: got %d rows %q in backfills, want 1", got, tc.marker)
			}

			later := tc.oldStyle(f)
			statements := countCasesStatements(t, f.env)
			other := cases.NewService(f.env.DB, f.env.Keys, f.svc.Settings(), f.env.Clock.Now) // a server started later
			for i, s := range []*cases.Service{f.svc, other} {
				if n, err := tc.run(s)(ctx); err != nil || n != 0 {
					t.Errorf("run %d after the row: got %d, %v, want 0, nil", i+2, n, err)
				}
			}
			if got := statements.Load(); got != 0 {
				t.Errorf("runs after the row: got %d statements on cases, want none", got)
			}
			if tc.repaired(f, later) {
				t.Errorf("runs after the row: a case written the old way since was repaired, want it left (the scan ran again)")
			}
			if got := marked(); got != 1 {
				t.Errorf("after the later runs: got %d rows %q in backfills, want 1", got, tc.marker)
			}
		})
	}
}

// TestOnceBackfillsConcurrentStart has another server record the backfill
// done between this server's check of backfills and its own record, as
// two servers starting at once on PostgreSQL can: this server's record
// must not fail (the row exists already), and one row remains.
func TestOnceBackfillsConcurrentStart(t *testing.T) {
	for _, tc := range onceBackfills {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			old := tc.oldStyle(f)
			f.exec("DELETE FROM backfills")
			var raced atomic.Bool
			if err := f.env.DB.Read.Callback().Query().After("gorm:query").Register("test:other_server_done", func(db *gorm.DB) {
				if db.Statement.Table == "backfills" && raced.CompareAndSwap(false, true) {
					// The other server, which scanned at the same time, is done first.
					if err := f.env.DB.Write.Exec("INSERT INTO backfills (name, done_at) VALUES (?, ?)", tc.marker, f.env.Clock.Now()).Error; err != nil {
						db.AddError(err)
					}
				}
			}); err != nil {
				t.Fatal(err)
			}
			if n, err := tc.run(f.svc)(ctx); err != nil || n != 1 {
				t.Fatalf("run while another server records it done: got %d, %v, want 1, nil", n, err)
			}
			if !raced.Load() {
				t.Fatal("the other server's record was not written: the test did not race")
			}
			if !tc.repaired(f, old) {
				t.Errorf("the case stored the old way was not repaired")
			}
			if got := f.count("SELECT COUNT(*) FROM backfills WHERE name = ?", tc.marker); got != 1 {
				t.Errorf("got %d rows %q in backfills, want 1", got, tc.marker)
			}
		})
	}
}
