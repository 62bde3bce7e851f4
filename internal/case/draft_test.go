package cases_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestDraftMatchesService applies the same events to a Draft and through
// the service: states, facts and the stored attributes must agree, and a
// refused event must be refused by both.
func TestDraftMatchesService(t *testing.T) {
	env := apptest.New(t, nil)
	cw := env.AddUser(t, "cw-draft", auth.RoleCaseworker, "payoke")
	ctx := context.Background()
	today := env.Cases.Today()
	set := env.Cases.Settings()
	in := cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "Ama", FamilyName: "Mensah", DateOfBirth: "2008-02-29", Gender: "female", Nationality: "GH", UnaccompaniedMinor: true},
		Exploitation: []string{"labour", "sexual"}, IdentifiedOn: "2025-01-10", IdentifiedBy: "asylum_centre",
	}
	c, err := env.Cases.Create(ctx, cw, in)
	if err != nil {
		t.Fatal(err)
	}
	d, err := cases.NewDraft(in, "payoke", true, today)
	if err != nil {
		t.Fatal(err)
	}
	steps := []cases.EventInput{
		{Type: "issue_provisional_permit", OccurredOn: "2025-01-11"},
		{Type: "notify_guardianship", OccurredOn: "2025-01-12"},
		{Type: "start_reflection", OccurredOn: "2025-01-13"}, // refused: not in identified any more
		{Type: "file_complaint", OccurredOn: "2025-02-01"},
		{Type: "extend_provisional_permit", OccurredOn: "2025-05-20"}, // after the expiry: a gap
		{Type: "confirm_victim_status", OccurredOn: "2025-06-01"},
		{Type: "file_charges", OccurredOn: "2025-06-02", Data: map[string]any{"retains_trafficking": true}},
		{Type: "claim_compensation", OccurredOn: "2025-06-03", Data: map[string]any{"route": "fund"}},
		{Type: "grant_indefinite_stay", OccurredOn: "2025-06-04"},
	}
	for _, e := range steps {
		got, gotErr := env.Cases.RecordEvent(ctx, cw, c.ID, e)
		_, draftErr := d.Apply(ctx, e, today, false, set)
		if apperr.KindOf(gotErr) != apperr.KindOf(draftErr) || (gotErr == nil) != (draftErr == nil) {
			t.Fatalf("%s: service error %v, draft error %v", e.Type, gotErr, draftErr)
		}
		if gotErr != nil {
			continue
		}
		if got.State != d.State() || got.Proceedings != d.Proceedings() || got.LastEventOn != d.LastEventOn() {
			t.Errorf("%s: service %s/%s/%s, draft %s/%s/%s", e.Type, got.State, got.Proceedings, got.LastEventOn,
				d.State(), d.Proceedings(), d.LastEventOn())
		}
		if !reflect.DeepEqual(got.Facts, d.Facts()) {
			t.Errorf("%s: facts differ:\nservice %+v\ndraft   %+v", e.Type, got.Facts, d.Facts())
		}
		if want := eligibility.Evaluate(d.Snapshot(), today, set); !reflect.DeepEqual(got.Flags, want) && !(len(got.Flags) == 0 && len(want) == 0) {
			t.Errorf("%s: flags differ", e.Type)
		}
	}
	if d.State() != eligibility.StateIndefiniteStay || d.AgeBand() != "14-17" || d.Exploitation() != "sexual,labour" {
		t.Errorf("got state %s, age band %s, exploitation %s", d.State(), d.AgeBand(), d.Exploitation())
	}
}
