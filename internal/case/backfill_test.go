package cases_test

import (
	"context"
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
