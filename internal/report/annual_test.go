package report_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/report"
)

// population opens cases through the case service with known attributes
// and events, as a caseworker of a shelter would.
type population struct {
	t   *testing.T
	env *apptest.Env
	ctx context.Context
}

type person struct {
	nationality, gender, dob string
	uam                      bool
	exploitation             []string
	identified               string
	events                   []cases.EventInput
}

func ev(typ, on string, data map[string]any) cases.EventInput {
	return cases.EventInput{Type: typ, OccurredOn: on, Data: data}
}

func (p population) open(a auth.Actor, v person) cases.Case {
	p.t.Helper()
	c, err := p.env.Cases.Create(p.ctx, a, cases.NewCase{
		Victim: cases.VictimInput{GivenName: "Given", FamilyName: "Family", Nationality: v.nationality,
			Gender: v.gender, DateOfBirth: v.dob, UnaccompaniedMinor: v.uam},
		Exploitation: v.exploitation, IdentifiedOn: v.identified, IdentifiedBy: "police",
	})
	if err != nil {
		p.t.Fatalf("open case %+v: %v", v, err)
	}
	for _, in := range v.events {
		if c, err = p.env.Cases.RecordEvent(p.ctx, a, c.ID, in); err != nil {
			p.t.Fatalf("record %s on %s: %v", in.Type, in.OccurredOn, err)
		}
	}
	return c
}

func newEnv(t *testing.T) (*apptest.Env, population) {
	env := apptest.New(t, nil)
	env.Clock.Set(time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC))
	return env, population{t: t, env: env, ctx: context.Background()}
}

func cell(cs []report.Cell, key string) string {
	for _, c := range cs {
		if c.Key == key {
			return c.Count.Shown()
		}
	}
	return "missing"
}

// TestAnnualKnownPopulation builds a population with known figures in
// 2024 and 2025 and checks every figure of both years, exactly.
func TestAnnualKnownPopulation(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	sup := env.AddUser(t, "sup", auth.RoleSupervisor, "pag-asa")
	other := env.AddUser(t, "cw-other", auth.RoleCaseworker, "payoke")

	// A non-EU adult through reflection, a permit, confirmation and a
	// withdrawal after dismissal; closed in 2025.
	pop.open(cw, person{nationality: "NG", gender: "female", dob: "1990-05-01", exploitation: []string{"sexual", "labour"},
		identified: "2024-03-01", events: []cases.EventInput{
			ev("start_reflection", "2024-03-02", nil),
			ev("file_complaint", "2024-03-20", nil),
			ev("confirm_victim_status", "2024-06-01", nil),
			ev("file_charges", "2024-07-01", nil),
			ev("dismiss_case", "2024-10-01", nil),
			ev("withdraw_status", "2024-11-01", map[string]any{"reason": "dismissal"}),
			ev("close_case", "2025-02-01", map[string]any{"reason": "no_contact"}),
		}})
	// An EU citizen (RO), male, minor at identification, compensation.
	pop.open(cw, person{nationality: "RO", gender: "male", dob: "2008-01-10", exploitation: []string{"forced_begging"},
		identified: "2024-05-05", events: []cases.EventInput{
			ev("start_eu_assistance", "2024-05-06", nil),
			ev("file_complaint", "2024-06-01", nil),
			ev("claim_compensation", "2024-08-01", map[string]any{"route": "fund", "physical_violence_documented": true}),
			ev("award_compensation", "2024-12-01", map[string]any{"amount_eur": "1000.50"}),
		}})
	// Unknown nationality and date of birth, unaccompanied minor.
	pop.open(cw, person{nationality: "XX", gender: "unknown", uam: true, exploitation: []string{"labour"},
		identified: "2024-09-09", events: []cases.EventInput{
			ev("issue_provisional_permit", "2024-09-10", nil),
			ev("extend_provisional_permit", "2024-12-01", nil),
		}})
	// Identified in 2025: a Brazilian woman, permit withdrawn for contact.
	pop.open(cw, person{nationality: "BR", gender: "female", dob: "1985-02-02", exploitation: []string{"domestic_servitude"},
		identified: "2025-01-10", events: []cases.EventInput{
			ev("file_complaint", "2025-01-11", nil),
			ev("withdraw_status", "2025-01-20", map[string]any{"reason": "contact_with_trafficker"}),
		}})
	// Another shelter's case: never in pag-asa's figures.
	pop.open(other, person{nationality: "NG", gender: "female", dob: "1990-05-01", exploitation: []string{"sexual"},
		identified: "2024-03-01", events: []cases.EventInput{ev("start_reflection", "2024-03-02", nil)}})

	r24, err := env.Reports.Annual(pop.ctx, sup, report.AnnualQuery{Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	r25, err := env.Reports.Annual(pop.ctx, sup, report.AnnualQuery{Year: 2025})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"2024 shelter", r24.Shelter, "pag-asa"},
		{"2024 identified", r24.Victims.Identified.Shown(), "3"},
		{"2024 female", cell(r24.Victims.ByGender.Cells, "female"), "1"},
		{"2024 male", cell(r24.Victims.ByGender.Cells, "male"), "1"},
		{"2024 unknown gender", cell(r24.Victims.ByGender.Cells, "unknown"), "1"},
		{"2024 adults", cell(r24.Victims.ByAge.Cells, "adult"), "1"},
		{"2024 minors (one by date of birth, one unaccompanied)", cell(r24.Victims.ByAge.Cells, "minor"), "2"},
		{"2024 eu", cell(r24.Victims.ByCitizenship.Cells, "eu"), "1"},
		{"2024 non-eu (XX counts as non-EU)", cell(r24.Victims.ByCitizenship.Cells, "non_eu"), "2"},
		{"2024 africa", cell(r24.Victims.ByRegion.Cells, "africa"), "1"},
		{"2024 europe", cell(r24.Victims.ByRegion.Cells, "europe"), "1"},
		{"2024 unknown region", cell(r24.Victims.ByRegion.Cells, "unknown"), "1"},
		{"2024 sexual", cell(r24.Victims.ByExploitation.Cells, "sexual"), "1"},
		{"2024 labour (two victims, one with two types)", cell(r24.Victims.ByExploitation.Cells, "labour"), "2"},
		{"2024 forced begging", cell(r24.Victims.ByExploitation.Cells, "forced_begging"), "1"},
		{"2024 exploitation distinct total", r24.Victims.ByExploitation.Total.Shown(), "3"},
		{"2024 reflection", r24.Permits.ReflectionStarted.Shown(), "1"},
		{"2024 provisional issued", r24.Permits.ProvisionalIssued.Shown(), "2"},
		{"2024 provisional extended", r24.Permits.ProvisionalExtended.Shown(), "1"},
		{"2024 temporary issued", r24.Permits.TemporaryIssued.Shown(), "1"},
		{"2024 withdrawals after dismissal", cell(r24.Withdrawals.Cells, "dismissal"), "1"},
		{"2024 withdrawals total", r24.Withdrawals.Total.Shown(), "1"},
		{"2024 complaints", cell(r24.Proceedings, "complaint_filed"), "2"},
		{"2024 charged", cell(r24.Proceedings, "charged"), "1"},
		{"2024 dismissed", cell(r24.Proceedings, "dismissed"), "1"},
		{"2024 claims", r24.Compensation.Claims.Shown(), "1"},
		{"2024 awards", r24.Compensation.Awards.Shown(), "1"},
		{"2024 awarded", r24.Compensation.AwardedEUR, "1000.50"},
		// R23 status-lost: the non-EU case withdrawn on 2024-11-01.
		{"2024 R23", cell(r24.Flagged, "R23"), "1"},
		// R07 dismissal-within-window: exposure while charged, risk after.
		{"2024 R07", cell(r24.Flagged, "R07"), "1"},
		// R13 guardianship-not-notified: the unaccompanied minor.
		{"2024 R13", cell(r24.Flagged, "R13"), "1"},
		{"2024 protection", boolString(r24.Protection.Applied), "false"},
		{"2025 identified", r25.Victims.Identified.Shown(), "1"},
		{"2025 americas", cell(r25.Victims.ByRegion.Cells, "americas"), "1"},
		{"2025 withdrawals for contact", cell(r25.Withdrawals.Cells, "contact_with_trafficker"), "1"},
		{"2025 provisional issued", r25.Permits.ProvisionalIssued.Shown(), "1"},
		// Status lost: the 2024 case until it closed on 2025-02-01, and the
		// 2025 case.
		{"2025 R23", cell(r25.Flagged, "R23"), "2"},
		{"2025 awards", r25.Compensation.Awards.Shown(), "0"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tt.got, tt.want)
		}
	}
	if r24.ReplayFailures != 0 || r25.ReplayFailures != 0 {
		t.Errorf("replay failures: got %d and %d, want 0", r24.ReplayFailures, r25.ReplayFailures)
	}
	if r24.RulesVersion == "" || r24.Cutoff.Seq == 0 || r24.Cutoff.AsOf != "2024-12-31" || r25.Cutoff.AsOf != "2025-12-31" {
		t.Errorf("metadata: got rules %q cut-off %+v / %+v, want a version, a seq and the years' last days", r24.RulesVersion, r24.Cutoff, r25.Cutoff)
	}

	// The auditor's national report counts the other shelter too, protected.
	aud := env.AddUser(t, "aud", auth.RoleAuditor, "")
	n24, err := env.Reports.Annual(pop.ctx, aud, report.AnnualQuery{Year: 2024, Protect: true})
	if err != nil {
		t.Fatal(err)
	}
	if n24.Shelter != "" || n24.Victims.Identified.Shown() != "<5" || !n24.Protection.Applied {
		t.Errorf("national 2024: got shelter %q identified %s protection %+v, want all shelters, <5, applied",
			n24.Shelter, n24.Victims.Identified.Shown(), n24.Protection)
	}
	exact, err := env.Reports.Annual(pop.ctx, aud, report.AnnualQuery{Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	if got := exact.Victims.Identified.Shown(); got != "4" {
		t.Errorf("national 2024 identified: got %s, want 4", got)
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestAnnualReproducible checks that the same cut-off gives the same
// figures after more events and after erasure.
func TestAnnualReproducible(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	sup := env.AddUser(t, "sup", auth.RoleSupervisor, "pag-asa")
	admin := env.AddUser(t, "admin", auth.RoleAdmin, "")
	c := pop.open(cw, person{nationality: "NG", gender: "female", dob: "1990-05-01", exploitation: []string{"sexual"},
		identified: "2025-03-01", events: []cases.EventInput{ev("start_reflection", "2025-03-02", nil)}})
	first, err := env.Reports.Annual(pop.ctx, sup, report.AnnualQuery{Year: 2025})
	if err != nil {
		t.Fatal(err)
	}
	asOf, _ := eligibility.ParseDate(first.Cutoff.AsOf)
	pop.open(cw, person{nationality: "MA", gender: "male", dob: "1991-05-01", exploitation: []string{"labour"},
		identified: "2025-04-01", events: []cases.EventInput{ev("start_reflection", "2025-04-02", nil)}})
	if _, err := env.Cases.RecordEvent(pop.ctx, cw, c.ID, ev("file_complaint", "2025-04-10", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Cases.Erase(pop.ctx, admin, c.ID); err != nil {
		t.Fatal(err)
	}
	again, err := env.Reports.Annual(pop.ctx, sup, report.AnnualQuery{Year: 2025, Cutoff: first.Cutoff.Seq, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	first.GeneratedAt, again.GeneratedAt = "", ""
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Errorf("same cut-off after new events and an erasure:\ngot  %s\nwant %s", b, a)
	}
	now, err := env.Reports.Annual(pop.ctx, sup, report.AnnualQuery{Year: 2025})
	if err != nil {
		t.Fatal(err)
	}
	if got := now.Victims.Identified.Shown(); got != "2" {
		t.Errorf("identified at the head: got %s, want 2", got)
	}
}

// TestAnnualAccessAndInput checks roles and invalid parameters.
func TestAnnualAccessAndInput(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	sup := env.AddUser(t, "sup", auth.RoleSupervisor, "pag-asa")
	admin := env.AddUser(t, "admin", auth.RoleAdmin, "")
	tests := []struct {
		name  string
		actor auth.Actor
		q     report.AnnualQuery
		kind  apperr.Kind
		field string
	}{
		{"caseworker", cw, report.AnnualQuery{Year: 2025}, apperr.Forbidden, ""},
		{"admin", admin, report.AnnualQuery{Year: 2025}, apperr.Forbidden, ""},
		{"year before 2000", sup, report.AnnualQuery{Year: 1999}, apperr.Invalid, "year"},
		{"next year", sup, report.AnnualQuery{Year: 2027}, apperr.Invalid, "year"},
		{"cutoff beyond the head", sup, report.AnnualQuery{Year: 2025, Cutoff: 1 << 40}, apperr.Invalid, "cutoff"},
		{"as_of in the future", sup, report.AnnualQuery{Year: 2026, AsOf: eligibility.MustParseDate("2026-03-01")}, apperr.Invalid, "as_of"},
		{"as_of before the year", sup, report.AnnualQuery{Year: 2026, AsOf: eligibility.MustParseDate("2025-03-01")}, apperr.Invalid, "as_of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.Reports.Annual(pop.ctx, tt.actor, tt.q)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != tt.kind {
				t.Fatalf("got %v, want kind %v", err, tt.kind)
			}
			if tt.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tt.field) {
				t.Errorf("fields: got %+v, want %s", e.Fields, tt.field)
			}
		})
	}
	if _, _, _, err := env.Reports.Anonymized(pop.ctx, sup, report.AnonymizedQuery{Year: 2025}); apperr.KindOf(err) != apperr.Forbidden {
		t.Errorf("supervisor's anonymized export: got %v, want forbidden", err)
	}
}

// TestExportsRecorded checks that every export is in the audit chain with
// the digest of the bytes handed out, and that demo cases are not counted.
func TestExportsRecorded(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	aud := env.AddUser(t, "aud", auth.RoleAuditor, "")
	pop.open(cw, person{nationality: "NG", gender: "female", dob: "1990-05-01", exploitation: []string{"sexual"},
		identified: "2025-03-01"})
	if _, err := env.Cases.CreateDemo(pop.ctx, cw, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "Demo", FamilyName: "Case", Nationality: "NG", Gender: "male"},
		Exploitation: []string{"labour"}, IdentifiedOn: "2025-03-02", IdentifiedBy: "police",
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		event, format string
		export        func() (report.Export, error)
	}{
		{"export_annual_report", "csv", func() (report.Export, error) {
			return env.Reports.ExportAnnual(pop.ctx, aud, report.AnnualQuery{Year: 2025}, "csv")
		}},
		{"export_annual_report", "xlsx", func() (report.Export, error) {
			return env.Reports.ExportAnnual(pop.ctx, aud, report.AnnualQuery{Year: 2025}, "xlsx")
		}},
		{"export_anonymized", "ndjson", func() (report.Export, error) {
			return env.Reports.ExportAnonymized(pop.ctx, aud, report.AnonymizedQuery{Year: 2025, K: 2}, "ndjson")
		}},
	} {
		x, err := tc.export()
		if err != nil {
			t.Fatalf("%s %s: %v", tc.event, tc.format, err)
		}
		seq, _, err := audit.Head(env.DB.Read)
		if err != nil {
			t.Fatal(err)
		}
		rec, ok, err := audit.RecordAt(env.DB.Read, seq)
		if err != nil || !ok {
			t.Fatalf("record %d: %v %v", seq, ok, err)
		}
		sum := sha256.Sum256(x.Body)
		var data map[string]any
		if err := json.Unmarshal([]byte(rec.Data), &data); err != nil {
			t.Fatal(err)
		}
		if rec.Event != tc.event || rec.Actor != "aud" || data["sha256"] != hex.EncodeToString(sum[:]) || data["format"] != tc.format {
			t.Errorf("%s %s: got record %s by %s with %v, want the export's digest", tc.event, tc.format, rec.Event, rec.Actor, data)
		}
		if x.Annual != nil && x.Annual.Protection.Applied != true {
			t.Errorf("%s %s: auditor's report not protected", tc.event, tc.format)
		}
	}
	exact, err := env.Reports.Annual(pop.ctx, aud, report.AnnualQuery{Year: 2025})
	if err != nil {
		t.Fatal(err)
	}
	if got := exact.Victims.Identified.Shown(); got != "1" {
		t.Errorf("identified with a demo case: got %s, want 1 (demo cases are not counted)", got)
	}
}

// TestAnonymizedHoldsNoIdentifier checks the record-level export of a
// population: classes of at least k and no identifying string.
func TestAnonymizedHoldsNoIdentifier(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	aud := env.AddUser(t, "aud", auth.RoleAuditor, "")
	var refs []string
	for i := range 12 {
		nat := "NG"
		if i%4 == 3 {
			nat = "RO"
		}
		c := pop.open(cw, person{nationality: nat, gender: "female", dob: "1995-06-0" + string(rune('1'+i%9)),
			exploitation: []string{"sexual"}, identified: "2025-03-01"})
		refs = append(refs, c.ID, c.Reference)
	}
	x, err := env.Reports.ExportAnonymized(pop.ctx, aud, report.AnonymizedQuery{Year: 2025, K: 3}, "csv")
	if err != nil {
		t.Fatal(err)
	}
	body := string(x.Body)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if lines[0] != strings.Join(report.CTDCColumns, ",") {
		t.Errorf("header: got %s, want %v", lines[0], report.CTDCColumns)
	}
	classes := map[string]int{}
	for _, l := range lines[1:] {
		classes[l]++
	}
	for l, n := range classes {
		if n < 3 {
			t.Errorf("class %s: got %d rows, want at least 3", l, n)
		}
	}
	if x.Meta.Rows+x.Meta.Suppressed != 12 || x.Meta.Rows != len(lines)-1 {
		t.Errorf("meta: got %+v with %d rows, want rows + suppressed = 12", *x.Meta, len(lines)-1)
	}
	for _, s := range append(refs, "Given", "Family", "1995-06") {
		if strings.Contains(body, s) {
			t.Errorf("export holds %q", s)
		}
	}
	if !slices.Contains(strings.Split(lines[1], ","), "2025") {
		t.Errorf("first row %s: want the registration year 2025", lines[1])
	}
}
