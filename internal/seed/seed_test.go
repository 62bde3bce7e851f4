package seed_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/seed"
)

var shelters = []string{"payoke", "pag-asa", "surya"}

func generator(t *testing.T, env *apptest.Env, perCase int, seedValue uint64) *seed.Generator {
	t.Helper()
	return generatorB(t, env, perCase, seedValue)
}

func generatorB(t testing.TB, env *apptest.Env, perCase int, seedValue uint64) *seed.Generator {
	t.Helper()
	g, err := seed.NewGenerator(seed.Options{Shelters: shelters, EventsPerCase: perCase,
		Today: eligibility.Today(env.Clock.Now()), Seed: seedValue, Settings: env.Cases.Settings()})
	if err != nil {
		t.Fatalf("new generator: %v", err)
	}
	return g
}

func newEnv(t *testing.T) *apptest.Env {
	t.Helper()
	return newEnvB(t)
}

func newEnvB(t testing.TB) *apptest.Env {
	t.Helper()
	apptest.SkipOnPostgres(t, "the bulk seed path writes SQLite")
	return apptest.New(t, nil)
}

// TestGeneratorPlans checks that plans are reproducible, have exactly the
// asked number of events in date order within [identified_on, today], and
// spread over shelters, states, nationalities and exploitation types.
func TestGeneratorPlans(t *testing.T) {
	today := eligibility.MustParseDate("2025-06-15")
	tests := []struct {
		name    string
		perCase int
	}{
		{"open_case only", 0},
		{"typical (10 records a case)", 9},
		{"long histories", 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := seed.Options{Shelters: shelters, EventsPerCase: tc.perCase, Today: today, Seed: 7,
				Settings: eligibility.DefaultSettings()}
			g1, err := seed.NewGenerator(opts)
			if err != nil {
				t.Fatal(err)
			}
			g2, _ := seed.NewGenerator(opts)
			nats, expl, byShelter, events := map[string]int{}, map[string]int{}, map[string]int{}, map[cases.EventType]int{}
			minors, eu := 0, 0
			const n = 3000
			for i := 0; i < n; i++ {
				p, err := g1.Next()
				if err != nil {
					t.Fatalf("plan %d: %v", i, err)
				}
				q, _ := g2.Next()
				if i < 50 && !reflect.DeepEqual(p, q) {
					t.Fatalf("plan %d differs between two generators with the same seed", i)
				}
				if got := len(p.Events); got != tc.perCase {
					t.Fatalf("plan %d: got %d events, want %d", i, got, tc.perCase)
				}
				identified := eligibility.MustParseDate(p.Case.IdentifiedOn)
				if identified.After(today) {
					t.Fatalf("plan %d: identified on %s, after today %s", i, identified, today)
				}
				last := identified
				for j, e := range p.Events {
					if e.On.Before(last) || e.On.After(today) {
						t.Fatalf("plan %d event %d (%s): got date %s, want between %s and %s", i, j, e.Type, e.On, last, today)
					}
					last = e.On
					events[e.Type]++
				}
				nats[p.Case.Victim.Nationality]++
				expl[p.Case.Exploitation[0]]++
				byShelter[p.Shelter]++
				if dob := p.Case.Victim.DateOfBirth; dob != "" && identified.Before(eligibility.Birthday18(eligibility.MustParseDate(dob))) {
					minors++
				}
				if eligibility.IsEUCitizen(p.Case.Victim.Nationality) {
					eu++
				}
			}
			for _, s := range shelters {
				if got, want := byShelter[s], n/len(shelters); got != want {
					t.Errorf("shelter %s: got %d cases, want %d", s, got, want)
				}
			}
			if len(nats) < 15 {
				t.Errorf("got %d nationalities, want at least 15", len(nats))
			}
			if len(expl) < 6 {
				t.Errorf("got %d exploitation types, want at least 6", len(expl))
			}
			if expl["labour"] <= expl["sexual"] {
				t.Errorf("got %d labour and %d sexual cases, want labour first as in the report", expl["labour"], expl["sexual"])
			}
			if minors < n/20 || minors > n/5 {
				t.Errorf("got %d minors of %d, want about 10%%", minors, n)
			}
			if eu < n/10 {
				t.Errorf("got %d EU citizens of %d, want at least 10%%", eu, n)
			}
			if tc.perCase >= 9 {
				for _, want := range []cases.EventType{cases.StartReflection, cases.FileComplaint, cases.ConfirmVictimStatus,
					cases.RenewTemporaryPermit, cases.GrantIndefiniteStay, cases.WithdrawStatus, cases.CloseCase,
					cases.StartEUAssistance, cases.IssueProvisionalPermit, cases.ProveIdentity, cases.ClaimCompensation} {
					if events[want] == 0 {
						t.Errorf("no %s event in %d plans", want, n)
					}
				}
			}
		})
	}
}

// TestBulkMatchesService seeds the same plans through the service in one
// database and through the bulk path in another, and compares them: the
// stored rows column by column (ciphertexts by type and length, since
// keys and nonces differ), the API views of every case, histories with
// decrypted notes, flags, deadlines, the deadline board, the audit records
// and the verified chains.
func TestBulkMatchesService(t *testing.T) {
	tests := []struct {
		name     string
		cases    int
		perCase  int
		batch    int
		seedFrom uint64
	}{
		{"no events", 24, 0, 5, 1},
		{"typical", 45, 9, 7, 2},
		{"long histories", 15, 18, 4, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			ref, bulk := newEnv(t), newEnv(t)
			g1, g2 := generator(t, ref, tc.perCase, tc.seedFrom), generator(t, bulk, tc.perCase, tc.seedFrom)
			sp := seed.ServicePath{Cases: ref.Cases}
			for i := 0; i < tc.cases; i++ {
				p, err := g1.Next()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sp.Write(ctx, p); err != nil {
					t.Fatalf("service path, plan %d: %v", i, err)
				}
			}
			b := &seed.Bulk{DB: bulk.DB, Keys: bulk.Keys, Settings: bulk.Cases.Settings(), Now: bulk.Clock.Now,
				BatchCases: tc.batch, Workers: 2}
			st, err := b.Write(ctx, tc.cases, g2.Next)
			if err != nil {
				t.Fatalf("bulk path: %v", err)
			}
			if got, want := st.Cases, int64(tc.cases); got != want {
				t.Errorf("bulk wrote %d cases, want %d", got, want)
			}
			if got, want := st.Records, int64(tc.cases*(tc.perCase+1)); got != want {
				t.Errorf("bulk wrote %d audit records, want %d", got, want)
			}
			compareDatabases(t, ref, bulk)
		})
	}
}

func rows(t *testing.T, env *apptest.Env, query string) [][]any {
	t.Helper()
	db, err := env.DB.Read.DB()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]any
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = string(b)
			}
		}
		out = append(out, vals)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameRows(t *testing.T, what string, ref, bulk *apptest.Env, query string) {
	t.Helper()
	a, b := rows(t, ref, query), rows(t, bulk, query)
	if len(a) != len(b) {
		t.Fatalf("%s: got %d rows from the bulk path, want %d as the service wrote", what, len(b), len(a))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("%s row %d: got %v from the bulk path, want %v as the service wrote", what, i, b[i], a[i])
		}
	}
}

func idsByReference(t *testing.T, env *apptest.Env) map[string][2]string {
	out := map[string][2]string{}
	for _, r := range rows(t, env, "SELECT reference, id, shelter_id FROM cases") {
		out[r[0].(string)] = [2]string{r[1].(string), r[2].(string)}
	}
	return out
}

func jsonWithoutIDs(t *testing.T, v any, ids ...string) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, id := range ids {
		s = strings.ReplaceAll(s, id, "<id>")
	}
	return s
}

func compareDatabases(t *testing.T, ref, bulk *apptest.Env) {
	t.Helper()
	ctx := context.Background()
	sameRows(t, "cases", ref, bulk, `SELECT reference, shelter_id, version, state, proceedings, identified_on,
		identified_by, last_event_on, typeof(data_key), length(data_key), typeof(given_name_enc), length(given_name_enc),
		typeof(family_name_enc), length(family_name_enc), typeof(alias_enc), length(alias_enc),
		typeof(date_of_birth_enc), length(date_of_birth_enc), length(name_index), length(name_index_rev),
		identity_fingerprint = '', identity_fingerprint = '-', length(identity_fingerprint), erased_at IS NULL, gender, nationality, unaccompanied_minor, typeof(unaccompanied_minor), age_band,
		exploitation, facts, demo, typeof(demo), created_at, updated_at, typeof(created_at)
		FROM cases ORDER BY reference`)
	sameRows(t, "case_flags", ref, bulk, `SELECT c.reference, f.rule, f.severity, f.kind
		FROM case_flags f JOIN cases c ON c.id = f.case_id ORDER BY c.reference, f.rule`)
	sameRows(t, "case_deadlines", ref, bulk, `SELECT c.reference, d.shelter_id, d.kind, d.due_on
		FROM case_deadlines d JOIN cases c ON c.id = d.case_id ORDER BY c.reference, d.kind`)
	sameRows(t, "audit_log", ref, bulk, `SELECT seq, recorded_at, occurred_on, case_ref, shelter, actor, actor_role,
		event, from_state, to_state, from_proceedings, to_proceedings, data, note_digest = '', length(note_digest),
		rules_version, length(hash) FROM audit_log ORDER BY seq`)
	sameRows(t, "audit_head", ref, bulk, "SELECT seq FROM audit_head")
	sameRows(t, "case_notes", ref, bulk, `SELECT n.seq, c.reference, typeof(n.note_enc), length(n.note_enc)
		FROM case_notes n JOIN cases c ON c.id = n.case_id ORDER BY n.seq`)
	sameRows(t, "reference_counters", ref, bulk, "SELECT shelter_id, year, last FROM reference_counters ORDER BY 1, 2")

	for name, env := range map[string]*apptest.Env{"service": ref, "bulk": bulk} {
		res, err := audit.VerifyDB(ctx, env.DB.Read)
		if err != nil || !res.OK {
			t.Fatalf("%s path: audit chain: got %+v, %v, want intact", name, res, err)
		}
	}

	refIDs, bulkIDs := idsByReference(t, ref), idsByReference(t, bulk)
	for reference, r := range refIDs {
		b := bulkIDs[reference]
		a := seed.Actor(r[1])
		want, err := ref.Cases.Get(ctx, a, r[0], eligibility.Date{})
		if err != nil {
			t.Fatalf("service case %s: %v", reference, err)
		}
		got, err := bulk.Cases.Get(ctx, a, b[0], eligibility.Date{})
		if err != nil {
			t.Fatalf("bulk case %s: Get: %v", reference, err)
		}
		if g, w := jsonWithoutIDs(t, got, b[0]), jsonWithoutIDs(t, want, r[0]); g != w {
			t.Fatalf("case %s through cases.Service.Get:\n got %s\nwant %s", reference, g, w)
		}
		wantH, err := ref.Cases.History(ctx, a, r[0])
		if err != nil {
			t.Fatal(err)
		}
		gotH, err := bulk.Cases.History(ctx, a, b[0])
		if err != nil {
			t.Fatalf("bulk case %s: History: %v", reference, err)
		}
		if g, w := jsonWithoutIDs(t, gotH, b[0]), jsonWithoutIDs(t, wantH, r[0]); g != w {
			t.Fatalf("history of %s:\n got %s\nwant %s", reference, g, w)
		}
	}
	for _, sh := range shelters {
		a := seed.Actor(sh)
		want, err := ref.Cases.Deadlines(ctx, a, 3660, eligibility.Date{}, cases.MaxLimit, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := bulk.Cases.Deadlines(ctx, a, 3660, eligibility.Date{}, cases.MaxLimit, "")
		if err != nil {
			t.Fatalf("deadline board of %s on the bulk path: %v", sh, err)
		}
		if len(want.Items) == 0 && sh == "payoke" {
			t.Logf("no deadlines for %s", sh)
		}
		if g, w := boardKeys(got), boardKeys(want); !reflect.DeepEqual(g, w) {
			t.Fatalf("deadline board of %s:\n got %v\nwant %v", sh, g, w)
		}
		wantL, err := ref.Cases.List(ctx, a, cases.ListQuery{Limit: cases.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		gotL, err := bulk.Cases.List(ctx, a, cases.ListQuery{Limit: cases.MaxLimit})
		if err != nil {
			t.Fatalf("case list of %s on the bulk path: %v", sh, err)
		}
		if len(gotL.Items) != len(wantL.Items) {
			t.Fatalf("case list of %s: got %d cases, want %d", sh, len(gotL.Items), len(wantL.Items))
		}
		for i := range wantL.Items {
			if g, w := gotL.Items[i].Reference, wantL.Items[i].Reference; g != w {
				t.Fatalf("case list of %s, item %d: got %s, want %s", sh, i, g, w)
			}
		}
	}
}

func boardKeys(p cases.DeadlinePage) []string {
	out := []string{}
	for _, it := range p.Items {
		out = append(out, fmt.Sprintf("%s %s %s %d %s %s", it.DueOn, it.Reference, it.Kind, it.DaysLeft, it.Severity, it.State))
	}
	return out
}

// TestBulkInterleavesWithService checks that the bulk path continues the
// reference numbers and the chain of a database the service already wrote
// to, and that the service then goes on from the bulk path's rows:
// references stay unique and contiguous, and the chain verifies.
func TestBulkInterleavesWithService(t *testing.T) {
	ctx := context.Background()
	env := newEnv(t)
	g := generator(t, env, 3, 11)
	sp := seed.ServicePath{Cases: env.Cases}
	write := func(n int) {
		for i := 0; i < n; i++ {
			p, err := g.Next()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sp.Write(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	write(4)
	b := &seed.Bulk{DB: env.DB, Keys: env.Keys, Settings: env.Cases.Settings(), Now: env.Clock.Now, BatchCases: 6, Workers: 3}
	var progress []int64
	b.Progress = func(s seed.Stats) { progress = append(progress, s.Cases) }
	if _, err := b.Write(ctx, 20, g.Next); err != nil {
		t.Fatalf("bulk: %v", err)
	}
	if got, want := progress, []int64{6, 12, 18, 20}; !reflect.DeepEqual(got, want) {
		t.Errorf("progress: got %v, want %v", got, want)
	}
	write(3)
	// A bulk case takes further events through the service.
	var id, sh string
	var version int
	db, _ := env.DB.Read.DB()
	if err := db.QueryRow("SELECT id, shelter_id, version FROM cases WHERE state <> 'closed' ORDER BY reference LIMIT 1 OFFSET 5").
		Scan(&id, &sh, &version); err != nil {
		t.Fatal(err)
	}
	c, err := env.Cases.RecordEvent(ctx, seed.Actor(sh), id, cases.EventInput{Type: "grant_legal_aid",
		OccurredOn: eligibility.Today(env.Clock.Now()).String(), Version: &version})
	if err != nil {
		t.Fatalf("event on a bulk case: %v", err)
	}
	if got, want := c.Version, version+1; got != want {
		t.Errorf("version after the event: got %d, want %d", got, want)
	}
	refs := map[string][]int{}
	var refRows *sql.Rows
	if refRows, err = db.Query("SELECT reference FROM cases"); err != nil {
		t.Fatal(err)
	}
	for refRows.Next() {
		var r string
		_ = refRows.Scan(&r)
		i := strings.LastIndex(r, "-")
		var num int
		fmt.Sscanf(r[i+1:], "%d", &num)
		refs[r[:i]] = append(refs[r[:i]], num)
	}
	refRows.Close()
	total := 0
	for prefix, nums := range refs {
		seen := map[int]bool{}
		for _, n := range nums {
			seen[n] = true
		}
		for n := 1; n <= len(nums); n++ {
			if !seen[n] {
				t.Errorf("references %s: got %v, want 1..%d without gaps or duplicates", prefix, nums, len(nums))
				break
			}
		}
		total += len(nums)
	}
	if total != 27 {
		t.Errorf("got %d cases, want 27", total)
	}
	res, err := audit.VerifyDB(ctx, env.DB.Read)
	if err != nil || !res.OK {
		t.Fatalf("audit chain: got %+v, %v, want intact", res, err)
	}
	var records int64
	if err := db.QueryRow("SELECT COUNT(*) FROM audit_log WHERE case_id <> ''").Scan(&records); err != nil {
		t.Fatal(err)
	}
	if got, want := records, int64(27*4+1); got != want {
		t.Errorf("got %d case records, want %d", got, want)
	}
}

// TestBulkRefusesUnknownShelter checks that a plan for a shelter the
// database lacks stops the run before anything is written.
func TestBulkRefusesUnknownShelter(t *testing.T) {
	env := newEnv(t)
	g, err := seed.NewGenerator(seed.Options{Shelters: []string{"nowhere"}, EventsPerCase: 1,
		Today: eligibility.Today(env.Clock.Now()), Settings: env.Cases.Settings()})
	if err != nil {
		t.Fatal(err)
	}
	b := &seed.Bulk{DB: env.DB, Keys: env.Keys, Settings: env.Cases.Settings(), Now: env.Clock.Now}
	_, err = b.Write(context.Background(), 3, g.Next)
	if err == nil || !strings.Contains(err.Error(), `no shelter "nowhere"`) {
		t.Fatalf("got %v, want an error naming the shelter", err)
	}
	var n int64
	if err := env.DB.Read.Table("cases").Count(&n).Error; err != nil || n != 0 {
		t.Errorf("got %d cases (%v), want 0", n, err)
	}
}

// plansOf returns a plan source that yields plans in order.
func plansOf(plans []seed.Plan) func() (seed.Plan, error) {
	i := 0
	return func() (seed.Plan, error) {
		if i >= len(plans) {
			return seed.Plan{}, fmt.Errorf("plansOf: only %d plans", len(plans))
		}
		i++
		return plans[i-1], nil
	}
}

// TestBulkNormalizesLikeService writes hand-made plans whose input is not
// in stored form (untrimmed names, no gender, exploitation out of order,
// event data without its defaults) through both paths: the bulk path must
// store what the service stores, so it validates and normalises with the
// service's own code (cases.Draft), not with the plan's values.
func TestBulkNormalizesLikeService(t *testing.T) {
	ctx := context.Background()
	ref, bulk := newEnv(t), newEnv(t)
	today := eligibility.Today(ref.Clock.Now())
	day := func(n int) eligibility.Date { return today.AddDays(-400 + n) }
	ev := func(typ cases.EventType, n int, data map[string]any, note string) seed.Event {
		return seed.Event{Type: typ, On: day(n), Data: data, Note: note}
	}
	plans := []seed.Plan{
		{Shelter: "payoke", Case: cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "  Grace ", FamilyName: "Okafor  ", DateOfBirth: day(0).AddYears(-30).String(), Nationality: "NG"},
			Exploitation: []string{"labour", "sexual"}, IdentifiedOn: day(0).String(), IdentifiedBy: "police"},
			Events: []seed.Event{
				ev(cases.StartReflection, 1, nil, "first meeting"),
				ev(cases.FileComplaint, 20, nil, ""),
				ev(cases.ConfirmVictimStatus, 90, map[string]any{}, ""),
				ev(cases.FileCharges, 150, nil, "charges filed"),
				ev(cases.RecordPenalization, 160, map[string]any{"offence": "theft"}, ""),
				ev(cases.ClaimCompensation, 170, map[string]any{"route": "fund"}, ""),
			}},
		{Shelter: "surya", Case: cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "Andreea", FamilyName: "Popescu", Alias: " Mimi ", Gender: "female", Nationality: "RO"},
			Exploitation: []string{"forced_begging", "sexual"}, IdentifiedOn: day(10).String(), IdentifiedBy: "shelter"},
			Events: []seed.Event{
				ev(cases.StartEUAssistance, 10, nil, ""),
				ev(cases.FileComplaint, 30, nil, ""),
				ev(cases.CloseCase, 300, map[string]any{"reason": "victim_request"}, "closed"),
			}},
		{Shelter: "pag-asa", Case: cases.NewCase{
			Victim: cases.VictimInput{GivenName: "Farid", FamilyName: "Ahmadi", DateOfBirth: day(0).AddYears(-15).String(),
				Gender: "male", Nationality: "AF", UnaccompaniedMinor: true},
			Exploitation: []string{"forced_criminality"}, IdentifiedOn: day(0).String(), IdentifiedBy: "asylum_centre"},
			Events: []seed.Event{
				ev(cases.IssueProvisionalPermit, 1, nil, ""),
				ev(cases.NotifyGuardianship, 1, nil, ""),
				ev(cases.ExtendProvisionalPermit, 120, nil, "after the expiry: a gap"),
			}},
	}
	sp := seed.ServicePath{Cases: ref.Cases}
	for i, p := range plans {
		if _, err := sp.Write(ctx, p); err != nil {
			t.Fatalf("service path, plan %d: %v", i, err)
		}
	}
	b := &seed.Bulk{DB: bulk.DB, Keys: bulk.Keys, Settings: bulk.Cases.Settings(), Now: bulk.Clock.Now, BatchCases: 2, Workers: 2}
	st, err := b.Write(ctx, len(plans), plansOf(plans))
	if err != nil {
		t.Fatalf("bulk path: %v", err)
	}
	if got, want := st.Records, int64(3+len(plans)+6+3); got != want {
		t.Errorf("bulk wrote %d audit records, want %d", got, want)
	}
	compareDatabases(t, ref, bulk)
	got := rows(t, bulk, `SELECT data FROM audit_log WHERE event = 'file_charges'`)
	if want := `{"retains_trafficking":false}`; len(got) != 1 || got[0][0] != want {
		t.Errorf("file_charges data: got %v, want [%s]", got, want)
	}
}

// TestBulkRefusesWhatTheServiceRefuses gives the bulk path plans that the
// service refuses: the run must fail with the service's kind of error and
// write nothing.
func TestBulkRefusesWhatTheServiceRefuses(t *testing.T) {
	ctx := context.Background()
	ref, bulk := newEnv(t), newEnv(t)
	today := eligibility.Today(ref.Clock.Now())
	identified := today.AddDays(-30)
	valid := cases.NewCase{Victim: cases.VictimInput{GivenName: "Mei", FamilyName: "Wang", Nationality: "CN"},
		Exploitation: []string{"labour"}, IdentifiedOn: identified.String(), IdentifiedBy: "police"}
	tests := []struct {
		name   string
		c      cases.NewCase
		events []seed.Event
		want   apperr.Kind
	}{
		{"event without a transition", valid,
			[]seed.Event{{Type: cases.GrantIndefiniteStay, On: identified.AddDays(1)}}, apperr.InvalidTransition},
		{"guard: not an unaccompanied minor", valid,
			[]seed.Event{{Type: cases.IssueProvisionalPermit, On: identified.AddDays(1)}}, apperr.InvalidTransition},
		{"unknown data field", valid,
			[]seed.Event{{Type: cases.GrantLegalAid, On: identified.AddDays(1), Data: map[string]any{"amount_eur": "10.00"}}}, apperr.Invalid},
		{"required data missing", valid,
			[]seed.Event{{Type: cases.CloseCase, On: identified.AddDays(1)}}, apperr.Invalid},
		{"event in the future", valid,
			[]seed.Event{{Type: cases.ProveIdentity, On: today.AddDays(1)}}, apperr.Invalid},
		{"events out of order", valid,
			[]seed.Event{{Type: cases.ProveIdentity, On: identified.AddDays(5)}, {Type: cases.GrantLegalAid, On: identified.AddDays(4)}}, apperr.Invalid},
		{"invalid case", cases.NewCase{Victim: cases.VictimInput{GivenName: "Mei", FamilyName: "Wang", Nationality: "cn"},
			Exploitation: []string{"labour"}, IdentifiedOn: identified.String(), IdentifiedBy: "police"}, nil, apperr.Invalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := seed.Plan{Shelter: "payoke", Case: tc.c, Events: tc.events}
			if _, err := (seed.ServicePath{Cases: ref.Cases}).Write(ctx, p); apperr.KindOf(err) != tc.want {
				t.Fatalf("service path: got %v (kind %v), want kind %v", err, apperr.KindOf(err), tc.want)
			}
			b := &seed.Bulk{DB: bulk.DB, Keys: bulk.Keys, Settings: bulk.Cases.Settings(), Now: bulk.Clock.Now}
			_, err := b.Write(ctx, 1, plansOf([]seed.Plan{p}))
			if apperr.KindOf(err) != tc.want {
				t.Fatalf("bulk path: got %v (kind %v), want kind %v", err, apperr.KindOf(err), tc.want)
			}
			got := rows(t, bulk, "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM audit_log WHERE case_id <> '')")
			if got[0][0] != int64(0) || got[0][1] != int64(0) {
				t.Errorf("bulk path wrote %v cases and %v case records, want 0 and 0", got[0][0], got[0][1])
			}
		})
	}
}
