package report_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/report"
)

// The seed report's 2024 table rebuilt as 93 cases (docs/statistics.md
// "The seed's 2024 population"): 47 male, 46 female; 61 labour, 29
// sexual (12 of them both), 2 forced criminality, 13 unspecified.
var seedGroups = []struct {
	types        []string
	female, male int
	name         string
}{
	{[]string{"sexual"}, 16, 1, "sexual only"},
	{[]string{"sexual", "labour"}, 10, 2, "sexual and labour"},
	{[]string{"labour"}, 11, 38, "labour only"},
	{[]string{"forced_criminality"}, 0, 2, "forced criminality"},
	{[]string{"unspecified"}, 9, 4, "unspecified"},
}

// seedNationalities and seedAges are the 93 victims' nationalities and
// CTDC age bands at identification, spread over the victims by fixed
// permutations (i·37 and i·53 mod 93).
var (
	seedNationalities = expand("MA", 14, "RO", 12, "BR", 10, "NG", 9, "CN", 7, "IN", 6, "UA", 6, "BE", 5, "BG", 5,
		"VN", 5, "AL", 4, "PH", 4, "ER", 3, "TR", 3)
	seedAges = expand("9-17", 5, "18-20", 8, "21-23", 12, "24-26", 15, "27-29", 14, "30-38", 24, "39-47", 12, "48+", 3)
	// seedAgeYears is an age in each band.
	seedAgeYears = map[string]int{"9-17": 15, "18-20": 19, "21-23": 22, "24-26": 25, "27-29": 28, "30-38": 34, "39-47": 43, "48+": 52}
)

func expand(kv ...any) []string {
	var out []string
	for i := 0; i < len(kv); i += 2 {
		for range kv[i+1].(int) {
			out = append(out, kv[i].(string))
		}
	}
	return out
}

// seedPath returns the events of victim i identified on d: EU citizens get
// EU assistance; non-EU unaccompanied minors a provisional permit (every
// other one then stops cooperating); non-EU adults one of ten paths by i
// mod 10: four to charges under a temporary permit, a dismissal within the
// window then a withdrawal, a settlement then a withdrawal, diplomatic
// immunity, a reflection period never decided, a provisional permit, and
// conditions declined.
func seedPath(i int, d eligibility.Date, eu, minor bool) []cases.EventInput {
	on := func(days int) string { return d.AddDays(days).String() }
	if eu {
		return []cases.EventInput{ev("start_eu_assistance", on(1), nil)}
	}
	if minor {
		evs := []cases.EventInput{ev("issue_provisional_permit", on(1), nil)}
		if i%2 == 0 {
			evs = append(evs, ev("stop_cooperating", on(40), nil))
		}
		return evs
	}
	start := []cases.EventInput{ev("start_reflection", on(1), nil), ev("file_complaint", on(20), nil)}
	charged := append(start, ev("confirm_victim_status", on(60), nil),
		ev("file_charges", on(90), map[string]any{"retains_trafficking": false}))
	switch i % 10 {
	case 0, 1, 2, 3:
		return charged
	case 4:
		return append(charged, ev("dismiss_case", on(120), nil), ev("withdraw_status", on(140), map[string]any{"reason": "dismissal"}))
	case 5:
		return append(start, ev("settle_with_trafficker", on(50), nil), ev("withdraw_status", on(70), map[string]any{"reason": "settlement"}))
	case 6:
		return append(start, ev("record_diplomatic_immunity", on(50), nil))
	case 7:
		return start[:1]
	case 8:
		return start
	default:
		return []cases.EventInput{ev("start_reflection", on(1), nil), ev("decline_cooperation", on(40), nil)}
	}
}

// openSeed2024 opens the 93 cases of the seed's 2024 table in a shelter,
// through the case service, identified from 5 January 2024 every third
// day.
func openSeed2024(t *testing.T, pop population, cw auth.Actor) {
	t.Helper()
	i := 0
	for _, g := range seedGroups {
		for n := range g.female + g.male {
			gender := "female"
			if n >= g.female {
				gender = "male"
			}
			nat, band := seedNationalities[i*37%93], seedAges[i*53%93]
			d := eligibility.NewDate(2024, 1, 5).AddDays(3 * i)
			dob := eligibility.NewDate(d.Year-seedAgeYears[band], d.Month, d.Day).AddDays(-100)
			eu := eligibility.IsEUCitizen(nat)
			minor := band == "9-17"
			// Every victim is informed of their rights the day after
			// identification (R27 would otherwise flag them all).
			events := append([]cases.EventInput{ev("inform_of_rights", d.AddDays(1).String(), nil)}, seedPath(i, d, eu, minor)...)
			pop.open(cw, person{nationality: nat, gender: gender, dob: dob.String(), uam: minor && !eu,
				exploitation: g.types, identified: d.String(), events: events})
			i++
		}
	}
	if i != 93 {
		t.Fatalf("seed population: got %d victims, want 93", i)
	}
}

// TestSeed2024Table checks that the rebuilt population has the seed's
// figures: the annual report of its shelter counts them exactly.
func TestSeed2024Table(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	sup := env.AddUser(t, "sup", auth.RoleSupervisor, "pag-asa")
	openSeed2024(t, pop, cw)
	r, err := env.Reports.Annual(pop.ctx, sup, report.AnnualQuery{Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"identified", r.Victims.Identified.Shown(), "93"},
		{"male", cell(r.Victims.ByGender.Cells, "male"), "47"},
		{"female", cell(r.Victims.ByGender.Cells, "female"), "46"},
		{"labour", cell(r.Victims.ByExploitation.Cells, "labour"), "61"},
		{"sexual", cell(r.Victims.ByExploitation.Cells, "sexual"), "29"},
		{"forced_criminality", cell(r.Victims.ByExploitation.Cells, "forced_criminality"), "2"},
		{"unspecified", cell(r.Victims.ByExploitation.Cells, "unspecified"), "13"},
		{"exploitation total", r.Victims.ByExploitation.Total.Shown(), "93"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.what, c.got, c.want)
		}
	}
	if r.ReplayFailures != 0 {
		t.Errorf("replay failures: got %d, want 0", r.ReplayFailures)
	}
}

// TestSeed2024Anonymized checks the kept-row goals of the anonymized
// export on the seed's 2024 population: at least 80 % of the rows with
// k = 5 and 60 % with k = 11 (before local suppression and
// generalisation, every row was dropped), each class over the
// quasi-identifiers holding at least k rows, and the metadata adding up.
func TestSeed2024Anonymized(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	aud := env.AddUser(t, "aud", auth.RoleAuditor, "")
	openSeed2024(t, pop, cw)
	for _, tt := range []struct{ k, minRows int }{{5, 75}, {11, 56}} {
		meta, rows, _, err := env.Reports.Anonymized(pop.ctx, aud, report.AnonymizedQuery{Year: 2024, K: tt.k})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("k=%d: %d rows kept of 93, %d dropped, suppressed values %v, generalised %v",
			tt.k, meta.Rows, meta.RowsDropped, meta.SuppressedValues, meta.GeneralisedValues)
		if meta.Rows < tt.minRows || meta.Rows+meta.RowsDropped != 93 || meta.Suppressed != meta.RowsDropped {
			t.Errorf("k=%d: got %d rows and %d dropped, want at least %d of 93", tt.k, meta.Rows, meta.RowsDropped, tt.minRows)
		}
		sizes := map[string]int{}
		for _, r := range rows {
			sizes[fmt.Sprint(r)]++
		}
		for key, n := range sizes {
			if n < tt.k {
				t.Errorf("k=%d: class %s has %d rows", tt.k, key, n)
			}
		}
	}
}

// TestSeed2024Policy replays the seed's 2024 population under each change
// of eligibility.PolicyChanges and checks the what-if's figures: who
// would have kept their status (the paths of seedPath that the change
// addresses), with the annual report's small-cell protection for
// auditors.
func TestSeed2024Policy(t *testing.T) {
	env, pop := newEnv(t)
	cw := env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	sup := env.AddUser(t, "sup", auth.RoleSupervisor, "pag-asa")
	aud := env.AddUser(t, "aud", auth.RoleAuditor, "")
	openSeed2024(t, pop, cw)
	kept := func(p report.Policy, atRisk string) report.Count {
		for _, o := range p.Outcomes {
			if o.AtRisk == atRisk {
				return o.Victims.Cells[0].Count
			}
		}
		t.Fatalf("no outcome %s", atRisk)
		return report.Count{}
	}
	results := map[string]report.Policy{}
	for _, ch := range eligibility.PolicyChanges {
		p, err := env.Reports.Policy(pop.ctx, sup, report.PolicyQuery{Year: 2024, Change: ch.ID})
		if err != nil {
			t.Fatalf("%s: %v", ch.ID, err)
		}
		results[ch.ID] = p
		o := p.Outcomes[2]
		t.Logf("%s: replayed %d; residence_or_services %v, fewer days %d, days %d → %d (kept %d)", ch.ID, p.VictimsReplayed.N,
			shownCellsOf(o.Victims), o.VictimsFewerDays.N, o.DaysAtRisk.N, o.DaysAtRiskChanged.N, o.DaysKept.N)
		if p.VictimsReplayed.N != 93 || p.ReplayFailures != 0 || p.Protection.Applied {
			t.Errorf("%s: replayed %d, failures %d, protected %v; want 93, 0, exact", ch.ID, p.VictimsReplayed.N, p.ReplayFailures, p.Protection.Applied)
		}
		for _, o := range p.Outcomes {
			// No change adds a day at risk here: the days under the change
			// are the days now less the days kept.
			if o.DaysAtRisk.N-o.DaysKept.N != o.DaysAtRiskChanged.N {
				t.Errorf("%s %s: days %d - kept %d != days changed %d", ch.ID, o.AtRisk, o.DaysAtRisk.N, o.DaysKept.N, o.DaysAtRiskChanged.N)
			}
			if o.Victims.Cells[2].Count.N != 0 {
				t.Errorf("%s %s: %d victims newly at risk, want 0 (every change removes a condition)", ch.ID, o.AtRisk, o.Victims.Cells[2].Count.N)
			}
		}
	}
	// Residence or services, for each change: victims who keep them all
	// year (kept), who still lose them on some day, who have fewer days at
	// risk, and the days at risk now and kept. 55 of the 93 are at risk on
	// some day under the current rules (the EU citizens and the charged
	// temporary permits are not). Paths 4 (dismissal within the window,
	// then withdrawal) and 5 (settlement, then withdrawal) are the eight
	// victims each of the first two changes spares entirely; immunity
	// (path 6), children who stopped cooperating and reflection periods
	// lose fewer days but still face a critical flag (the provisional
	// permit or the reflection period lapsing, rules R05 and R04).
	for _, tt := range []struct {
		id                               string
		kept, still, fewer, days, spared int
	}{
		{"no_dismissal_window", 8, 47, 8, 7514, 1000},
		{"no_settlement_condition", 8, 47, 8, 7514, 1476},
		{"no_immunity_condition", 0, 55, 6, 7514, 327},
		{"no_child_cooperation", 0, 55, 2, 7514, 91},
		{"reflection_90_days", 0, 55, 12, 7514, 188},
	} {
		o := results[tt.id].Outcomes[2]
		v := o.Victims.Cells
		if v[0].Count.N != tt.kept || v[1].Count.N != tt.still || o.VictimsFewerDays.N != tt.fewer ||
			o.DaysAtRisk.N != tt.days || o.DaysKept.N != tt.spared {
			t.Errorf("%s: got kept %d, still %d, fewer days %d, days %d, kept days %d; want %d, %d, %d, %d, %d", tt.id,
				v[0].Count.N, v[1].Count.N, o.VictimsFewerDays.N, o.DaysAtRisk.N, o.DaysKept.N,
				tt.kept, tt.still, tt.fewer, tt.days, tt.spared)
		}
	}
	if got, want := kept(results["no_dismissal_window"], "services").N, kept(results["no_dismissal_window"], "residence").N; got != want {
		t.Errorf("no_dismissal_window: kept services %d, residence %d: want the same victims (R07 and R23 put both at risk)", got, want)
	}

	// The auditor's what-if is protected; days over fewer than 5 victims
	// are hidden.
	p, err := env.Reports.Policy(pop.ctx, aud, report.PolicyQuery{Year: 2024, Change: "no_immunity_condition", Protect: true})
	if err != nil {
		t.Fatal(err)
	}
	exact := results["no_immunity_condition"].Outcomes[0]
	o := p.Outcomes[0]
	if !p.Protection.Applied || (exact.Victims.Cells[0].Count.N < 5) != (o.Victims.Cells[0].Count.Hidden != "") ||
		(exact.VictimsFewerDays.N < 5) != (o.DaysKept.Hidden == "x") {
		t.Errorf("protected: got %+v from exact %+v", o, exact)
	}
	if _, err := env.Reports.Policy(pop.ctx, sup, report.PolicyQuery{Year: 2024, Change: "no_such_change"}); !isField(err, "change") {
		t.Errorf("unknown change: got %v, want a field error on change", err)
	}
}

func shownCellsOf(m report.Margin) []string {
	var s []string
	for _, c := range m.Cells {
		s = append(s, c.Key+"="+c.Count.Shown())
	}
	return s
}

func isField(err error, field string) bool {
	var fe *apperr.Error
	if !errors.As(err, &fe) {
		return false
	}
	return strings.Contains(fmt.Sprint(fe), field)
}
