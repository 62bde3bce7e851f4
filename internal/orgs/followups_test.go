package orgs_test

import (
	"context"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/orgs"
)

// TestFollowUps checks the list the work list shows: unanswered referrals
// of the caller's shelter, due referral_follow_up_days after referred_on,
// gone once answered, never another shelter's.
func TestFollowUps(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")
	other := env.AddUser(t, "cw2", auth.RoleCaseworker, "pag-asa")
	admin := env.AddUser(t, "admin", auth.RoleAdmin, "")
	if _, err := env.Orgs.CreateOrganisation(ctx, admin, orgs.Organisation{ID: "medic", Name: "Medic", Kind: "medical"}); err != nil {
		t.Fatal(err)
	}
	c, err := env.Cases.Create(ctx, cw, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "Ama", FamilyName: "Obi", Nationality: "NG", Gender: "female"},
		Exploitation: []string{"labour"}, IdentifiedOn: "2025-05-01", IdentifiedBy: "police",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Orgs.RecordConsent(ctx, cw, c.ID, orgs.NewConsent{Scope: "share_with_partner", Recipient: "medic",
		GivenOn: "2025-05-02", GivenBy: "victim", Method: "written"}); err != nil {
		t.Fatal(err)
	}
	ref, err := env.Orgs.RecordReferral(ctx, cw, c.ID, orgs.NewReferral{Organisation: "medic", Service: "check-up", ReferredOn: "2025-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	asOf := eligibility.MustParseDate("2025-06-10") // due 2025-06-15: 5 days left
	tests := []struct {
		name   string
		actor  auth.Actor
		within int
		want   int
	}{
		{"due within the window", cw, 7, 1},
		{"due after the window", cw, 3, 0},
		{"another shelter", other, 30, 0},
	}
	for _, tt := range tests {
		got, err := env.Orgs.FollowUps(ctx, tt.actor, asOf, tt.within)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(got) != tt.want {
			t.Errorf("%s: got %d follow-ups, want %d: %+v", tt.name, len(got), tt.want, got)
		}
	}
	got, _ := env.Orgs.FollowUps(ctx, cw, asOf, 7)
	if len(got) == 1 && (got[0].DueOn.String() != "2025-06-15" || got[0].DaysLeft != 5 || got[0].Reference != c.Reference ||
		got[0].Kind != orgs.DeadlineReferralFollowUp) {
		t.Errorf("follow-up: got %+v, want due 2025-06-15, 5 days left, %s", got[0], c.Reference)
	}
	if _, err := env.Orgs.UpdateReferral(ctx, cw, ref.ID, "accepted", "2025-06-05"); err != nil {
		t.Fatal(err)
	}
	if got, _ := env.Orgs.FollowUps(ctx, cw, asOf, 30); len(got) != 0 {
		t.Errorf("after the answer: got %+v, want none", got)
	}
}
