package report_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/casework"
	"github.com/casemgr/casemgr/internal/config"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/orgs"
	"github.com/casemgr/casemgr/internal/report"
)

// servicesWorld is a population of 2025 with services and transfers
// between pag-asa and payoke, the small-cell threshold at 2.
type servicesWorld struct {
	env                    *apptest.Env
	pop                    population
	cwPag, cwPay           auth.Actor
	supPag, supPay, supSur auth.Actor
	v1, v2, v3, v4, v5     cases.Case
}

func at(day string) time.Time {
	d := eligibility.MustParseDate(day)
	return time.Date(d.Year, time.Month(d.Month), d.Day, 10, 0, 0, 0, time.UTC)
}

func (w *servicesWorld) service(t *testing.T, a auth.Actor, c cases.Case, typ, started, ended string) casework.PlannedService {
	t.Helper()
	in := casework.ServiceInput{Service: &typ, PlannedOn: &started}
	if started != "" {
		in.StartedOn = &started
	}
	if ended != "" {
		in.EndedOn = &ended
	}
	s, err := w.env.Casework.AddService(w.pop.ctx, a, c.ID, in)
	if err != nil {
		t.Fatalf("add %s service to %s: %v", typ, c.ID, err)
	}
	return s
}

// transfer moves c from the shelter of from (a caseworker) to the shelter
// of to (its supervisor), on the clock's day; decline declines it instead.
func (w *servicesWorld) transfer(t *testing.T, from, to auth.Actor, c cases.Case, decline bool) {
	t.Helper()
	today := eligibility.Today(w.env.Clock.Now()).String()
	if _, err := w.env.Orgs.RecordConsent(w.pop.ctx, from, c.ID, orgs.NewConsent{Scope: "share_with_shelter", Recipient: to.Shelter,
		GivenOn: today, GivenBy: "victim", Method: "written"}); err != nil {
		t.Fatalf("consent: %v", err)
	}
	tr, err := w.env.Orgs.RequestTransfer(w.pop.ctx, from, c.ID, to.Shelter, "capacity")
	if err != nil {
		t.Fatalf("request transfer: %v", err)
	}
	if decline {
		_, err = w.env.Orgs.DeclineTransfer(w.pop.ctx, to, tr.ID, "no room")
	} else {
		_, err = w.env.Orgs.AcceptTransfer(w.pop.ctx, to, tr.ID)
	}
	if err != nil {
		t.Fatalf("decide transfer: %v", err)
	}
}

// newServicesWorld builds, in 2025:
//
//	v1 pag-asa: accommodation (from March, ongoing), medical twice; moved to payoke on 1 July
//	v2 pag-asa: accommodation 2024-11-01 to 2025-01-10; legal planned, never started
//	v3 pag-asa: psychological in 2024 only; a transfer to surya declined
//	v4 payoke: accommodation, legal, and other changed to interpretation; moved to pag-asa on 2 July
//	v5 payoke: psychological in February; moved to pag-asa on 1 August
//
// Victims served in 2025: 4 (accommodation 3, psychological 1, medical 1,
// legal 1, interpretation 1). Transfers accepted: 3, received by pag-asa
// 2 and payoke 1, sent by pag-asa 1 and payoke 2.
func newServicesWorld(t *testing.T) *servicesWorld {
	env := apptest.New(t, func(c *config.Config) { c.Reports.SmallCellThreshold = 2 })
	w := &servicesWorld{env: env, pop: population{t: t, env: env}}
	w.pop.ctx = t.Context()
	env.Clock.Set(at("2025-06-01"))
	w.cwPag = env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	w.cwPay = env.AddUser(t, "cw2", auth.RoleCaseworker, "payoke")
	w.supPag = env.AddUser(t, "sup", auth.RoleSupervisor, "pag-asa")
	w.supPay = env.AddUser(t, "sup2", auth.RoleSupervisor, "payoke")
	w.supSur = env.AddUser(t, "sup3", auth.RoleSupervisor, "surya")
	open := func(a auth.Actor, identified string) cases.Case {
		return w.pop.open(a, person{nationality: "NG", gender: "female", dob: "1990-05-01", exploitation: []string{"sexual"},
			identified: identified})
	}
	w.v1 = open(w.cwPag, "2025-02-20")
	w.v2 = open(w.cwPag, "2024-10-20")
	w.v3 = open(w.cwPag, "2023-12-01")
	w.v4 = open(w.cwPay, "2025-04-20")
	w.v5 = open(w.cwPay, "2025-01-20")

	w.service(t, w.cwPag, w.v1, "accommodation", "2025-03-01", "")
	w.service(t, w.cwPag, w.v1, "medical", "2025-03-05", "2025-03-20")
	w.service(t, w.cwPag, w.v1, "medical", "2025-05-01", "")
	w.service(t, w.cwPag, w.v2, "accommodation", "2024-11-01", "2025-01-10")
	planned := "legal"
	on := "2025-09-01"
	if _, err := env.Casework.AddService(w.pop.ctx, w.cwPag, w.v2.ID, casework.ServiceInput{Service: &planned, PlannedOn: &on}); err != nil {
		t.Fatal(err)
	}
	w.service(t, w.cwPag, w.v3, "psychological", "2024-01-01", "2024-12-31")
	w.service(t, w.cwPay, w.v4, "accommodation", "2025-05-01", "")
	w.service(t, w.cwPay, w.v4, "legal", "2025-05-02", "")
	other := w.service(t, w.cwPay, w.v4, "other", "2025-05-03", "")
	interp := "interpretation"
	if _, err := env.Casework.UpdateService(w.pop.ctx, w.cwPay, other.ID, casework.ServiceInput{Service: &interp}); err != nil {
		t.Fatal(err)
	}
	w.service(t, w.cwPay, w.v5, "psychological", "2025-02-01", "2025-02-20")

	env.Clock.Set(at("2025-07-01"))
	w.transfer(t, w.cwPag, w.supPay, w.v1, false)
	w.transfer(t, w.cwPag, w.supSur, w.v3, true)
	env.Clock.Set(at("2025-07-02"))
	w.transfer(t, w.cwPay, w.supPag, w.v4, false)
	env.Clock.Set(at("2025-08-01"))
	w.transfer(t, w.cwPay, w.supPag, w.v5, false)
	env.Clock.Set(at("2026-02-01"))
	return w
}

// figures flattens a report's services and transfers as CSV section,key
// lines, the way every renderer publishes them.
func figures(t *testing.T, a report.Annual) map[string]string {
	t.Helper()
	var b strings.Builder
	if err := report.WriteAnnualCSV(&b, a); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(b.String(), "\n") {
		f := strings.Split(l, ",")
		if len(f) == 3 && (strings.HasPrefix(f[0], "services") || strings.HasPrefix(f[0], "transfers")) {
			out[f[0]+","+f[1]] = f[2]
		}
	}
	return out
}

func checkFigures(t *testing.T, name string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s: got %q, want %q", name, k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: got %q, want no such line", name, k, got[k])
		}
	}
}

func TestAnnualServicesAndTransfers(t *testing.T) {
	w := newServicesWorld(t)
	aud := w.env.AddUser(t, "aud", auth.RoleAuditor, "")
	annual := func(a auth.Actor, q report.AnnualQuery) report.Annual {
		t.Helper()
		q.Year = 2025
		rep, err := w.env.Reports.Annual(w.pop.ctx, a, q)
		if err != nil {
			t.Fatalf("annual report for %s: %v", a.Username, err)
		}
		return rep
	}
	services := func(accommodation, psychological, medical, legal, interpretation, total string, zero string) map[string]string {
		m := map[string]string{"services_received,total": total, "services_received,total_adjusted": "false",
			"services_received,overlapping": "true"}
		for _, k := range casework.ServiceTypes {
			m["services_received,"+k] = zero
		}
		m["services_received,accommodation"] = accommodation
		m["services_received,psychological"] = psychological
		m["services_received,medical"] = medical
		m["services_received,legal"] = legal
		m["services_received,interpretation"] = interpretation
		return m
	}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	// The shelters of a breakdown are those with a case record up to the
	// cut-off and the as-of date: not surya, which has none in 2025 (the
	// declined transfer is recorded in pag-asa).
	byShelter := func(dir string, pag, pay, total, adjusted string) map[string]string {
		s := "transfers." + dir
		return map[string]string{s + ",pag-asa": pag, s + ",payoke": pay, s + ",total": total,
			s + ",total_adjusted": adjusted, s + ",overlapping": "false"}
	}

	exact := annual(auth.System, report.AnnualQuery{})
	checkFigures(t, "exact, all shelters", figures(t, exact), merge(
		services("3", "1", "1", "1", "1", "4", "0"),
		map[string]string{"transfers,accepted": "3"},
		byShelter("by_receiving_shelter", "2", "1", "3", "false"),
		byShelter("by_sending_shelter", "1", "2", "3", "false")))

	// Protected at 2: every 1 and 0 is hidden. By receiving shelter,
	// payoke alone is hidden (it would be 3 - 2): pag-asa is hidden too, and the total is adjusted to what is shown. The
	// overlapping services keep accommodation: 4 victims, 3 shown, the 8
	// hidden cells hold at least 1 together, which pins none of them.
	protected := annual(aud, report.AnnualQuery{Protect: true})
	checkFigures(t, "auditor, all shelters", figures(t, protected), merge(
		services("3", "<2", "<2", "<2", "<2", "4", "<2"),
		map[string]string{"transfers,accepted": "3"},
		byShelter("by_receiving_shelter", "x", "<2", "<2", "true"),
		byShelter("by_sending_shelter", "<2", "x", "<2", "true")))

	// A supervisor sees their shelter's transfers by direction only, and
	// the services recorded while the case was theirs: v1 left pag-asa
	// in July and still counts there; v4's services were payoke's.
	direction := func(received, sent, total string) map[string]string {
		return map[string]string{"transfers,accepted": total, "transfers.by_direction,received": received,
			"transfers.by_direction,sent": sent, "transfers.by_direction,total": total,
			"transfers.by_direction,total_adjusted": "false", "transfers.by_direction,overlapping": "false"}
	}
	pag := annual(w.supPag, report.AnnualQuery{})
	checkFigures(t, "supervisor pag-asa", figures(t, pag), merge(
		services("2", "0", "1", "0", "0", "2", "0"), direction("2", "1", "3")))
	if pag.Transfers.ByReceivingShelter != nil || pag.Transfers.BySendingShelter != nil {
		t.Errorf("supervisor's transfers: got a breakdown by shelter, want by direction only")
	}
	pay := annual(w.supPay, report.AnnualQuery{})
	checkFigures(t, "supervisor payoke", figures(t, pay), merge(
		services("1", "1", "0", "1", "1", "2", "0"), direction("1", "2", "3")))
	// An auditor's report of one shelter has the same figures, protected.
	audPay := annual(aud, report.AnnualQuery{Shelter: "payoke", Protect: true})
	checkFigures(t, "auditor, payoke", figures(t, audPay), merge(
		services("<2", "<2", "<2", "<2", "<2", "2", "<2"),
		// received 1 hidden, sent 2 complemented, adjusted total 0.
		map[string]string{"transfers,accepted": "3", "transfers.by_direction,received": "<2", "transfers.by_direction,sent": "x",
			"transfers.by_direction,total": "<2", "transfers.by_direction,total_adjusted": "true",
			"transfers.by_direction,overlapping": "false"}))

	// Reproducible: the same cut-off after a service recorded late for
	// 2025, a transfer of a case of pag-asa to surya (it leaves pag-asa's
	// lists, not its past figures), and an erasure.
	asOf := eligibility.MustParseDate(exact.Cutoff.AsOf)
	cut := exact.Cutoff.Seq
	w.service(t, w.cwPag, w.v2, "legal", "2025-09-01", "")
	w.transfer(t, w.cwPag, w.supSur, w.v2, false)
	admin := w.env.AddUser(t, "admin", auth.RoleAdmin, "")
	if _, err := w.env.Cases.Erase(w.pop.ctx, admin, w.v4.ID); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		actor auth.Actor
		q     report.AnnualQuery
		want  report.Annual
	}{
		{"exact", auth.System, report.AnnualQuery{}, exact},
		{"auditor", aud, report.AnnualQuery{Protect: true}, protected},
		{"supervisor pag-asa", w.supPag, report.AnnualQuery{}, pag},
		{"supervisor payoke", w.supPay, report.AnnualQuery{}, pay},
	} {
		t.Run("reproducible "+tt.name, func(t *testing.T) {
			tt.q.Cutoff, tt.q.AsOf = cut, asOf
			again := annual(tt.actor, tt.q)
			again.GeneratedAt, tt.want.GeneratedAt = "", ""
			a, _ := json.Marshal(tt.want)
			b, _ := json.Marshal(again)
			if string(a) != string(b) {
				t.Errorf("same cut-off after a service, a transfer and an erasure:\ngot  %s\nwant %s", b, a)
			}
		})
	}
	// At the head, the late service counts (recorded in 2026, given in
	// 2025) and the January 2026 transfer does not (another year).
	now := annual(auth.System, report.AnnualQuery{})
	checkFigures(t, "exact at the head", figures(t, now), merge(
		services("3", "1", "1", "2", "1", "4", "0"),
		map[string]string{"transfers,accepted": "3"},
		byShelter("by_receiving_shelter", "2", "1", "3", "false"),
		byShelter("by_sending_shelter", "1", "2", "3", "false")))
}

// TestShelterReportAfterTransfer checks that a shelter's report counts a
// case transferred out only up to the day before it left: the case left
// pag-asa on 1 March 2024, so pag-asa replays it in 2024 and not in 2025,
// and payoke replays it in both.
func TestShelterReportAfterTransfer(t *testing.T) {
	env := apptest.New(t, nil)
	w := &servicesWorld{env: env, pop: population{t: t, env: env, ctx: t.Context()}}
	env.Clock.Set(at("2024-02-01"))
	w.cwPag = env.AddUser(t, "cw", auth.RoleCaseworker, "pag-asa")
	w.supPag = env.AddUser(t, "sup", auth.RoleSupervisor, "pag-asa")
	w.supPay = env.AddUser(t, "sup2", auth.RoleSupervisor, "payoke")
	c := w.pop.open(w.cwPag, person{nationality: "NG", gender: "female", dob: "1990-05-01", exploitation: []string{"sexual"},
		identified: "2024-01-10", events: []cases.EventInput{ev("start_reflection", "2024-01-11", nil)}})
	env.Clock.Set(at("2024-03-01"))
	w.transfer(t, w.cwPag, w.supPay, c, false)
	env.Clock.Set(at("2026-02-01"))
	for _, tt := range []struct {
		name  string
		actor auth.Actor
		year  int
		want  string
	}{
		{"pag-asa 2024", w.supPag, 2024, "1"},
		{"pag-asa 2025", w.supPag, 2025, "0"},
		{"payoke 2024", w.supPay, 2024, "1"},
		{"payoke 2025", w.supPay, 2025, "1"},
	} {
		p, err := env.Reports.Policy(w.pop.ctx, tt.actor, report.PolicyQuery{Year: tt.year, Change: "reflection_90_days"})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.VictimsReplayed.Shown(); got != tt.want {
			t.Errorf("%s: victims replayed: got %s, want %s", tt.name, got, tt.want)
		}
	}
}
