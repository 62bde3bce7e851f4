package cases_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// TestBackfillStatistics checks the CTDC age band of cases stored before
// schema 7: from the date of birth while the identity is there, from the
// old age band after erasure when it decides, unknown otherwise.
func TestBackfillStatistics(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	admin := env.AddUser(t, "admin", auth.RoleAdmin, "")
	open := func(dob string) cases.Case {
		c, err := env.Cases.Create(ctx, cw, cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG", Gender: "female", DateOfBirth: dob},
			Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name, dob string
		erase     bool
		want      string
	}{
		{"kept identity, 25 years old", "2000-01-01", false, "24-26"},
		{"kept identity, no date of birth", "", false, "unknown"},
		{"erased, 15 years old (14-17)", "2010-01-01", true, "9-17"},
		{"erased, 11 years old (0-13 spans two CTDC bands)", "2014-01-01", true, "unknown"},
		{"erased, 60 years old (50+)", "1965-01-01", true, "48+"},
		{"erased, 30 years old (25-34 spans two CTDC bands)", "1995-01-01", true, "unknown"},
	}
	ids := make([]string, len(tests))
	for i, tt := range tests {
		c := open(tt.dob)
		ids[i] = c.ID
		if tt.erase {
			if _, err := env.Cases.Erase(ctx, admin, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := env.DB.Write.Exec("UPDATE cases SET ctdc_age_band = ''").Error; err != nil {
		t.Fatal(err)
	}
	n, err := env.Cases.BackfillStatistics(ctx)
	if err != nil || n != len(tests) {
		t.Fatalf("backfill: got %d, %v, want %d", n, err, len(tests))
	}
	stats, err := env.Cases.StatCases(ctx, auth.System, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if got := stats[ids[i]].CTDCAgeBand; got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	if n, err := env.Cases.BackfillStatistics(ctx); err != nil || n != 0 {
		t.Errorf("second backfill: got %d, %v, want 0", n, err)
	}
	// Statistics are for supervisors (their shelter) and auditors.
	if _, err := env.Cases.StatCases(ctx, cw, ids); err == nil {
		t.Errorf("caseworker read statistics, want forbidden")
	}
	sup := env.AddUser(t, "sup-payoke", auth.RoleSupervisor, "payoke")
	got, err := env.Cases.StatCases(ctx, sup, ids)
	if err != nil || len(got) != 0 {
		t.Errorf("another shelter's supervisor: got %d cases, %v, want none", len(got), err)
	}
}

// TestErasedCaseKeepsAgeBands checks that correcting a statistical
// attribute of an erased case leaves its age bands alone.
func TestErasedCaseKeepsAgeBands(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	admin := env.AddUser(t, "admin", auth.RoleAdmin, "")
	c, err := env.Cases.Create(ctx, cw, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG", Gender: "female", DateOfBirth: "2000-01-01"},
		Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Cases.Erase(ctx, admin, c.ID); err != nil {
		t.Fatal(err)
	}
	male := "male"
	if _, err := env.Cases.Update(ctx, cw, c.ID, cases.CasePatch{Gender: &male}); err != nil {
		t.Fatal(err)
	}
	stats, err := env.Cases.StatCases(ctx, auth.System, []string{c.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := stats[c.ID]
	if got.AgeBand != "25-34" || got.CTDCAgeBand != "24-26" || got.Gender != "male" {
		t.Errorf("after erasure and a gender correction: got bands %s / %s, gender %s; want 25-34 / 24-26, male",
			got.AgeBand, got.CTDCAgeBand, got.Gender)
	}
}

// TestReplayFollowsTheChain checks that the statistics replay reaches the
// live case's state and rules even when an attribute the guards read was
// corrected by PATCH after events were recorded.
func TestReplayFollowsTheChain(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	ev := func(typ, on string) cases.EventInput { return cases.EventInput{Type: typ, OccurredOn: on} }
	nl, no := "NG", false
	tests := []struct {
		name   string
		victim cases.VictimInput
		events []cases.EventInput
		patch  cases.CasePatch
		after  []cases.EventInput
	}{
		{
			// A complaint by an EU citizen leaves the case identified; the
			// nationality is then corrected (allowed while identified).
			name:   "nationality corrected after a complaint",
			victim: cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "RO", Gender: "female"},
			events: []cases.EventInput{ev("file_complaint", "2025-06-02")},
			patch:  cases.CasePatch{Nationality: &nl},
			after:  []cases.EventInput{ev("start_reflection", "2025-06-03")},
		},
		{
			// An age assessment finds the person is not a minor after the
			// permit was issued to an unaccompanied minor.
			name:   "unaccompanied-minor mark removed after the permit",
			victim: cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG", Gender: "male", UnaccompaniedMinor: true},
			events: []cases.EventInput{ev("issue_provisional_permit", "2025-06-02")},
			patch:  cases.CasePatch{UnaccompaniedMinor: &no},
			after:  []cases.EventInput{ev("file_complaint", "2025-06-05")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := env.Cases.Create(ctx, cw, cases.NewCase{Victim: tt.victim, Exploitation: []string{"labour"},
				IdentifiedOn: "2025-06-01", IdentifiedBy: "police"})
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range tt.events {
				if c, err = env.Cases.RecordEvent(ctx, cw, c.ID, in); err != nil {
					t.Fatal(err)
				}
			}
			if c, err = env.Cases.Update(ctx, cw, c.ID, tt.patch); err != nil {
				t.Fatal(err)
			}
			for _, in := range tt.after {
				if c, err = env.Cases.RecordEvent(ctx, cw, c.ID, in); err != nil {
					t.Fatal(err)
				}
			}
			stats, err := env.Cases.StatCases(ctx, auth.System, []string{c.ID})
			if err != nil {
				t.Fatal(err)
			}
			recs, err := audit.ForCase(env.DB.Read, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			rp := cases.NewReplay(stats[c.ID], eligibility.DefaultSettings())
			for _, r := range recs {
				if err := rp.Apply(r.Event, eligibility.MustParseDate(r.OccurredOn), r.Data, r.ToState, r.ToProceedings); err != nil {
					t.Fatalf("replay %s: %v", r.Event, err)
				}
			}
			if rp.State() != c.State || rp.Proceedings() != c.Proceedings {
				t.Errorf("replayed %s / %s, want the live %s / %s", rp.State(), rp.Proceedings(), c.State, c.Proceedings)
			}
			var live []string
			for _, f := range c.Flags {
				live = append(live, f.Rule)
			}
			slices.Sort(live)
			got := eligibility.Firing(rp.Snapshot(), c.AsOf, eligibility.DefaultSettings()).IDs()
			if !slices.Equal(got, live) && len(got)+len(live) > 0 {
				t.Errorf("replayed rules %v, want the live flags %v", got, live)
			}
		})
	}
}

// TestAtMatchesGet checks that re-evaluating a change's answer as of
// another date gives what reading the case as of that date gives, without
// a read: same deadlines, flags and allowed events.
func TestAtMatchesGet(t *testing.T) {
	env := apptest.New(t, nil)
	ctx := context.Background()
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	c, err := env.Cases.Create(ctx, cw, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG", Gender: "female", DateOfBirth: "2008-03-01"},
		Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = env.Cases.RecordEvent(ctx, cw, c.ID, cases.EventInput{Type: "start_reflection", OccurredOn: "2025-06-02"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2025-06-20", "2025-07-17", "2025-07-18", "2026-03-01"} {
		asOf := eligibility.MustParseDate(d)
		want, err := env.Cases.Get(ctx, cw, c.ID, asOf)
		if err != nil {
			t.Fatal(err)
		}
		got := env.Cases.At(c, asOf)
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("as of %s:\ngot  %s\nwant %s", d, gj, wj)
		}
	}
}
