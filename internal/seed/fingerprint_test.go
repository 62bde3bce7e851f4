package seed_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/seed"
)

// TestBulkWritesFingerprints checks that the bulk path stores the identity
// fingerprint the service computes, so that a seeded database needs no
// backfill at start-up and its cases take part in the duplicate warning.
func TestBulkWritesFingerprints(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	today := eligibility.Today(env.Clock.Now())
	on := today.AddDays(-200)
	dob := on.AddYears(-30)
	known := []seed.Plan{
		{Shelter: "payoke", Case: cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "Grace", FamilyName: "Okafor", DateOfBirth: dob.String(), Nationality: "NG", Gender: "female"},
			Exploitation: []string{"sexual"}, IdentifiedOn: on.String(), IdentifiedBy: "police"}},
		{Shelter: "surya", Case: cases.NewCase{ // no date of birth: no fingerprint
			Victim:       cases.VictimInput{GivenName: "Andreea", FamilyName: "Popescu", Nationality: "RO", Gender: "female"},
			Exploitation: []string{"forced_begging"}, IdentifiedOn: on.String(), IdentifiedBy: "shelter"}},
	}
	g, more := generator(t, env, 3, 7), plansOf(known)
	const generated = 40
	drawn := 0
	next := func() (seed.Plan, error) {
		if drawn++; drawn <= generated {
			return g.Next()
		}
		return more()
	}
	b := &seed.Bulk{DB: env.DB, Keys: env.Keys, Settings: env.Cases.Settings(), Now: env.Clock.Now, BatchCases: 7, Workers: 2}
	if _, err := b.Write(ctx, generated+len(known), next); err != nil {
		t.Fatalf("bulk path: %v", err)
	}
	const query = "SELECT id, identity_fingerprint FROM cases ORDER BY id"
	seeded := rows(t, env, query)
	for _, r := range seeded {
		if r[1] == "" {
			t.Fatalf("case %v: no fingerprint after the bulk seed", r[0])
		}
	}
	// The last row inserted is the last plan's.
	if got := rows(t, env, "SELECT identity_fingerprint FROM cases ORDER BY rowid DESC LIMIT 1"); got[0][0] != "-" {
		t.Errorf("case without a date of birth: got fingerprint %q, want -", got[0][0])
	}
	if n, err := env.Cases.BackfillFingerprints(ctx); err != nil || n != 0 {
		t.Fatalf("backfill after a bulk seed: got %d, %v, want 0, nil", n, err)
	}

	// The service's own computation, through the backfill, gives the same
	// values.
	if err := env.DB.Write.Exec("UPDATE cases SET identity_fingerprint = ''").Error; err != nil {
		t.Fatal(err)
	}
	if n, err := env.Cases.BackfillFingerprints(ctx); err != nil || n != len(seeded) {
		t.Fatalf("backfill of the cleared fingerprints: got %d, %v, want %d, nil", n, err, len(seeded))
	}
	// The last row inserted is the last plan's.
	if got := rows(t, env, query); !reflect.DeepEqual(got, seeded) {
		t.Errorf("fingerprints as the service computes them:\n got %v\nwant %v (as the bulk path stored them)", got, seeded)
	}

	// A new case with the seeded victim's identity (written differently)
	// is a possible duplicate: in another shelter, and in the same one.
	grace := cases.VictimInput{GivenName: " okafor", FamilyName: "GRACE ", DateOfBirth: dob.String(), Nationality: "NG", Gender: "female"}
	for _, tc := range []struct {
		shelter string
		other   bool
		same    int
	}{{"pag-asa", true, 0}, {"payoke", true, 1}} {
		a := env.AddUser(t, "cw-"+tc.shelter, auth.RoleCaseworker, tc.shelter)
		c, err := env.Cases.Create(ctx, a, cases.NewCase{Victim: grace, Exploitation: []string{"sexual"},
			IdentifiedOn: today.String(), IdentifiedBy: "police"})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Duplicates; got == nil || got.OtherShelter != tc.other || len(got.SameShelter) != tc.same {
			t.Errorf("new case in %s: got duplicates %+v, want other shelter %v and %d in the same shelter", tc.shelter, got, tc.other, tc.same)
		}
	}
}
