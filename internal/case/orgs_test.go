package cases_test

import (
	"context"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
)

// TestBackfillFingerprints checks that cases stored before the duplicate
// warning (or by the bulk seeder) take part in it once the server has
// started: a new case of the same person in another shelter is warned.
func TestBackfillFingerprints(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	pay := env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	pag := env.AddUser(t, "cw2", auth.RoleCaseworker, "pag-asa")
	open := func(a auth.Actor, dob string) cases.Case {
		t.Helper()
		c, err := env.Cases.Create(ctx, a, cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "Ama", FamilyName: "Obi", Nationality: "NG", Gender: "female", DateOfBirth: dob},
			Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	open(pay, "1990-05-05")
	open(pay, "") // no date of birth: no fingerprint, never read again
	if err := env.DB.Write.Exec("UPDATE cases SET identity_fingerprint = ''").Error; err != nil {
		t.Fatal(err)
	}
	if got := open(pag, "1990-05-05").Duplicates; got == nil || got.OtherShelter {
		t.Fatalf("before the backfill: got %+v, want no match (the old case has no fingerprint)", got)
	}
	if err := env.DB.Write.Exec("UPDATE cases SET identity_fingerprint = '' WHERE shelter_id = 'payoke'").Error; err != nil {
		t.Fatal(err)
	}
	n, err := env.Cases.BackfillFingerprints(ctx)
	if err != nil || n != 2 {
		t.Fatalf("backfill: got %d, %v, want 2, nil", n, err)
	}
	if n, err := env.Cases.BackfillFingerprints(ctx); err != nil || n != 0 {
		t.Errorf("second backfill: got %d, %v, want 0, nil", n, err)
	}
	if got := open(pag, "1990-05-05").Duplicates; got == nil || !got.OtherShelter {
		t.Errorf("after the backfill: got %+v, want a match in another shelter", got)
	}
	if got := open(pag, "").Duplicates; got == nil || got.OtherShelter || len(got.SameShelter) != 0 {
		t.Errorf("without a date of birth: got %+v, want no match", got)
	}
}
