package cases_test

// These tests run the Service on a real SQLite file built by apptest. They
// are in the external package cases_test because apptest imports
// internal/app, which imports this package: an in-package test importing
// apptest is an import cycle.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
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
)

// fixture is a casemgr on a temporary SQLite file with a caseworker of
// payoke; the clock is at apptest.DefaultNow (2025-06-15 in Brussels).
type fixture struct {
	t   testing.TB
	env *apptest.Env
	svc *cases.Service
	cw  auth.Actor
}

func setup(t testing.TB) *fixture {
	t.Helper()
	env := apptest.New(t, nil)
	return &fixture{t: t, env: env, svc: env.Cases, cw: env.AddUser(t, "cw", auth.RoleCaseworker, "payoke")}
}

var ctx = context.Background()

// victim returns a valid new case of a non-EU adult.
func victim(given, family, nationality, identifiedOn string) cases.NewCase {
	return cases.NewCase{
		Victim: cases.VictimInput{GivenName: given, FamilyName: family, Nationality: nationality,
			Gender: "female", DateOfBirth: "1998-04-17"},
		Exploitation: []string{"sexual"}, IdentifiedOn: identifiedOn, IdentifiedBy: "police",
	}
}

func (f *fixture) create(a auth.Actor, in cases.NewCase) cases.Case {
	f.t.Helper()
	c, err := f.svc.Create(ctx, a, in)
	if err != nil {
		f.t.Fatalf("create %s %s: %v", in.Victim.GivenName, in.IdentifiedOn, err)
	}
	return c
}

func ev(typ, on string, data map[string]any) cases.EventInput {
	return cases.EventInput{Type: typ, OccurredOn: on, Data: data}
}

func (f *fixture) record(id string, in cases.EventInput) cases.Case {
	f.t.Helper()
	c, err := f.svc.RecordEvent(ctx, f.cw, id, in)
	if err != nil {
		f.t.Fatalf("record %s on %s: %v", in.Type, in.OccurredOn, err)
	}
	return c
}

func (f *fixture) get(id string) cases.Case {
	f.t.Helper()
	c, err := f.svc.Get(ctx, f.cw, id, eligibility.Date{})
	if err != nil {
		f.t.Fatalf("get %s: %v", id, err)
	}
	return c
}

// auditRows returns the audit records of a case, or every record for "",
// in seq order. The log also holds the administrative acts of setup
// (create_shelter, create_user).
func (f *fixture) auditRows(caseID string) []audit.Record {
	f.t.Helper()
	var recs []audit.Record
	q := f.env.DB.Read.Order("seq")
	if caseID != "" {
		q = q.Where("case_id = ?", caseID)
	}
	if err := q.Find(&recs).Error; err != nil {
		f.t.Fatalf("read audit log: %v", err)
	}
	return recs
}

func (f *fixture) headSeq() int64 {
	f.t.Helper()
	seq, _, err := audit.Head(f.env.DB.Read)
	if err != nil {
		f.t.Fatalf("audit head: %v", err)
	}
	return seq
}

func kindOf(err error) string {
	if err == nil {
		return "nil"
	}
	return apperr.KindOf(err).String()
}

// fieldsOf returns the field names of an Invalid error.
func fieldsOf(err error) []string {
	e, ok := apperr.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, fe := range e.Fields {
		out = append(out, fe.Field)
	}
	return out
}

func d(s string) eligibility.Date { return eligibility.MustParseDate(s) }

// deadlineList renders deadlines as "kind due days_left severity".
// deadlineList lists the NRM deadlines; those of flags (kind "flag", R27
// on most cases) are checked by TestFlagDeadlines.
func deadlineList(ds []eligibility.Deadline) []string {
	out := []string{}
	for _, x := range ds {
		if x.Kind == eligibility.DeadlineFlag {
			continue
		}
		out = append(out, x.Kind+" "+x.DueOn.String()+" "+itoa(x.DaysLeft)+" "+string(x.Severity))
	}
	return out
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func ruleIDs(flags []eligibility.Flag) []string {
	out := []string{}
	for _, fl := range flags {
		out = append(out, fl.Rule)
	}
	return out
}

func refs(cs []cases.Case) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Reference)
	}
	return out
}

func TestServiceCreate(t *testing.T) {
	f := setup(t)
	cwPagAsa := f.env.AddUser(t, "cw-pag", auth.RoleCaseworker, "pag-asa")
	sup := f.env.AddUser(t, "sup", auth.RoleSupervisor, "payoke")
	list := []struct {
		name    string
		actor   auth.Actor
		in      cases.NewCase
		wantRef string
		wantEU  bool
	}{
		{"first of 2025", f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"), "PAY-2025-0001", false},
		{"second of 2025, EU citizen", f.cw, victim("Camille", "Martin", "FR", "2025-03-01"), "PAY-2025-0002", true},
		{"year of identified_on, not of today", f.cw, victim("Nomvula", "Dlamini", "XX", "2024-11-30"), "PAY-2024-0001", false},
		{"sequence per shelter", cwPagAsa, victim("Lotte", "Peeters", "BE", "2025-02-02"), "PAG-2025-0001", true},
		{"supervisor, today", sup, victim("Wei", "Chen", "CN", "2025-06-15"), "PAY-2025-0003", false},
	}
	for _, c := range list {
		t.Run(c.name, func(t *testing.T) {
			c.in.Victim.Alias = "Ami"
			c.in.Victim.UnaccompaniedMinor = false
			c.in.Exploitation = []string{"labour", "sexual"}
			got, err := f.svc.Create(ctx, c.actor, c.in)
			if err != nil {
				t.Fatalf("create: got error %v", err)
			}
			if got.Reference != c.wantRef || got.Version != 1 || got.Shelter != c.actor.Shelter {
				t.Errorf("got ref %s version %d shelter %s, want %s 1 %s", got.Reference, got.Version, got.Shelter, c.wantRef, c.actor.Shelter)
			}
			if got.State != "identified" || got.Proceedings != "none" {
				t.Errorf("got %s/%s, want identified/none", got.State, got.Proceedings)
			}
			wantV := cases.Victim{GivenName: c.in.Victim.GivenName, FamilyName: c.in.Victim.FamilyName, Alias: "Ami",
				DateOfBirth: d("1998-04-17"), Gender: "female", Nationality: c.in.Victim.Nationality, EUCitizen: c.wantEU}
			if got.Victim != wantV {
				t.Errorf("got victim %+v, want %+v", got.Victim, wantV)
			}
			// sexual comes first in the order of exploitation types in docs/api.md "Cases".
			if !slices.Equal(got.Exploitation, []string{"sexual", "labour"}) {
				t.Errorf("got exploitation %v, want [sexual labour]", got.Exploitation)
			}
			if got.IdentifiedOn.String() != c.in.IdentifiedOn || got.LastEventOn.String() != c.in.IdentifiedOn || got.IdentifiedBy != "police" {
				t.Errorf("got identified %s by %s, last event %s, want %s by police, %s",
					got.IdentifiedOn, got.IdentifiedBy, got.LastEventOn, c.in.IdentifiedOn, c.in.IdentifiedOn)
			}
			if got.RulesVersion != eligibility.Version || got.AsOf != d("2025-06-15") {
				t.Errorf("got rules %s as_of %s, want %s 2025-06-15", got.RulesVersion, got.AsOf, eligibility.Version)
			}
			read, err := f.svc.Get(ctx, c.actor, got.ID, eligibility.Date{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if read.Victim != wantV || read.Reference != c.wantRef || read.Version != 1 ||
				!slices.Equal(read.AllowedEvents, got.AllowedEvents) {
				t.Errorf("got re-read %+v %s v%d, want %+v %s v1", read.Victim, read.Reference, read.Version, wantV, c.wantRef)
			}
			wantFirst := "start_reflection"
			if c.wantEU {
				wantFirst = "file_complaint"
			}
			if len(read.AllowedEvents) == 0 || read.AllowedEvents[0] != wantFirst {
				t.Errorf("got allowed_events %v, want first %s", read.AllowedEvents, wantFirst)
			}
		})
	}
	t.Run("open_case audit records", func(t *testing.T) {
		recs := f.auditRows("")
		var opens []audit.Record
		for _, r := range recs {
			if r.Event == "open_case" {
				opens = append(opens, r)
			}
		}
		if len(opens) != len(list) {
			t.Fatalf("got %d open_case records, want %d", len(opens), len(list))
		}
		for i, r := range opens {
			want := `{"exploitation":["sexual","labour"],"identified_by":"police"}`
			if r.CaseRef != list[i].wantRef || r.OccurredOn != list[i].in.IdentifiedOn || r.Data != want ||
				r.ToState != "identified" || r.ToProceedings != "none" || r.Actor != list[i].actor.Username {
				t.Errorf("record %d: got %s %s %s %s/%s by %s, want %s %s %s identified/none by %s", r.Seq, r.CaseRef,
					r.OccurredOn, r.Data, r.ToState, r.ToProceedings, r.Actor, list[i].wantRef, list[i].in.IdentifiedOn, want,
					list[i].actor.Username)
			}
		}
	})
}

func TestServiceCreateInvalid(t *testing.T) {
	f := setup(t)
	list := []struct {
		name      string
		mutate    func(*cases.NewCase)
		wantField string
	}{
		{"identified in the future", func(n *cases.NewCase) { n.IdentifiedOn = "2025-06-16" }, "identified_on"},
		{"identified before birth", func(n *cases.NewCase) { n.Victim.DateOfBirth = "2025-01-11" }, "identified_on"},
		{"blank given name", func(n *cases.NewCase) { n.Victim.GivenName = "  " }, "victim.given_name"},
		{"lower-case nationality", func(n *cases.NewCase) { n.Victim.Nationality = "ng" }, "victim.nationality"},
		{"unknown exploitation", func(n *cases.NewCase) { n.Exploitation = []string{"organ_removal"} }, "exploitation"},
		{"unknown identified_by", func(n *cases.NewCase) { n.IdentifiedBy = "neighbour" }, "identified_by"},
		{"unknown gender", func(n *cases.NewCase) { n.Victim.Gender = "f" }, "victim.gender"},
	}
	seq0 := f.headSeq()
	for _, c := range list {
		t.Run(c.name, func(t *testing.T) {
			in := victim("Amara", "Okafor", "NG", "2025-01-10")
			c.mutate(&in)
			_, err := f.svc.Create(ctx, f.cw, in)
			if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), c.wantField) {
				t.Errorf("got %s %v, want invalid on %s", kindOf(err), fieldsOf(err), c.wantField)
			}
		})
	}
	if got := f.headSeq(); got != seq0 {
		t.Errorf("got audit head seq %d after refused creations, want %d", got, seq0)
	}
	// A refused creation takes no reference.
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	if c.Reference != "PAY-2025-0001" {
		t.Errorf("got reference %s, want PAY-2025-0001", c.Reference)
	}
}

// TestServiceRecordEventPath walks a non-EU adult from identification to
// indefinite stay.
func TestServiceRecordEventPath(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2024-08-01"))
	steps := []struct {
		in            cases.EventInput
		wantState     string
		wantProc      string
		wantDeadlines []string
		wantRules     []string // rules that must be flagged
		noRules       []string // rules that must not be flagged
		wantAllowed   []string // events that must be allowed
	}{
		{ev("start_reflection", "2024-08-02", nil), "reflection", "none",
			[]string{"reflection_end 2024-09-16 -272 critical"}, []string{"R04"}, []string{"R24"}, []string{"file_complaint", "decline_cooperation"}},
		{ev("file_complaint", "2024-08-20", nil), "provisional_permit", "complaint_filed",
			[]string{"provisional_permit_expiry 2024-11-20 -207 critical", "renewal_request 2024-10-21 -237 critical"},
			[]string{"R05", "R07", "R10"}, []string{"R04"}, []string{"extend_provisional_permit", "confirm_victim_status", "file_charges"}},
		{ev("prove_identity", "2024-08-21", nil), "provisional_permit", "complaint_filed",
			[]string{"provisional_permit_expiry 2024-11-20 -207 critical", "renewal_request 2024-10-21 -237 critical"},
			[]string{"R05"}, []string{"R10"}, nil},
		{ev("file_charges", "2024-09-01", map[string]any{"retains_trafficking": true}), "provisional_permit", "charged",
			[]string{"provisional_permit_expiry 2024-11-20 -207 critical", "renewal_request 2024-10-21 -237 critical",
				"dismissal_window_end 2026-09-01 443 info"}, []string{"R07"}, nil, []string{"record_conviction"}},
		{ev("confirm_victim_status", "2024-09-10", nil), "temporary_permit", "charged",
			[]string{"temporary_permit_expiry 2025-03-10 -97 critical", "renewal_request 2025-02-08 -127 critical",
				"dismissal_window_end 2026-09-01 443 info"}, []string{"R22"}, []string{"R05"},
			[]string{"renew_temporary_permit", "grant_indefinite_stay"}},
		{ev("renew_temporary_permit", "2025-03-01", nil), "temporary_permit", "charged",
			[]string{"temporary_permit_expiry 2025-09-10 87 info", "renewal_request 2025-08-11 57 info",
				"dismissal_window_end 2026-09-01 443 info"}, []string{"R07"}, []string{"R25"}, nil},
		{ev("grant_indefinite_stay", "2025-06-01", nil), "indefinite_stay", "charged",
			[]string{"dismissal_window_end 2026-09-01 443 info"}, nil, []string{"R22", "R07"}, []string{"record_conviction", "close_case"}},
		{ev("record_conviction", "2025-06-10", nil), "indefinite_stay", "convicted",
			[]string{}, nil, nil, []string{"return_home"}},
	}
	for i, st := range steps {
		got := f.record(c.ID, st.in)
		wantVersion := i + 2
		if string(got.State) != st.wantState || string(got.Proceedings) != st.wantProc || got.Version != wantVersion {
			t.Errorf("%s: got %s/%s v%d, want %s/%s v%d", st.in.Type, got.State, got.Proceedings, got.Version,
				st.wantState, st.wantProc, wantVersion)
		}
		if gotD := deadlineList(got.Deadlines); !slices.Equal(gotD, st.wantDeadlines) {
			t.Errorf("%s: got deadlines %q, want %q", st.in.Type, gotD, st.wantDeadlines)
		}
		rules := ruleIDs(got.Flags)
		for _, r := range st.wantRules {
			if !slices.Contains(rules, r) {
				t.Errorf("%s: got flags %v, want %s among them", st.in.Type, rules, r)
			}
		}
		for _, r := range st.noRules {
			if slices.Contains(rules, r) {
				t.Errorf("%s: got flags %v, want no %s", st.in.Type, rules, r)
			}
		}
		for _, e := range st.wantAllowed {
			if !slices.Contains(got.AllowedEvents, e) {
				t.Errorf("%s: got allowed_events %v, want %s among them", st.in.Type, got.AllowedEvents, e)
			}
		}
		if got.LastEventOn.String() != st.in.OccurredOn {
			t.Errorf("%s: got last_event_on %s, want %s", st.in.Type, got.LastEventOn, st.in.OccurredOn)
		}
		// The answer is what is stored.
		read := f.get(c.ID)
		if read.Version != got.Version || read.State != got.State || read.Proceedings != got.Proceedings || read.Facts != got.Facts {
			t.Errorf("%s: got stored v%d %s/%s, want v%d %s/%s", st.in.Type, read.Version, read.State, read.Proceedings,
				got.Version, got.State, got.Proceedings)
		}
	}
	// One audit record per change, in order, with the transitions.
	recs := f.auditRows(c.ID)
	if len(recs) != 1+len(steps) {
		t.Fatalf("got %d audit records, want %d", len(recs), 1+len(steps))
	}
	wantRecs := []string{
		"open_case 2024-08-01 /-identified/none {\"exploitation\":[\"sexual\"],\"identified_by\":\"police\"}",
		"start_reflection 2024-08-02 identified/none-reflection/none {}",
		"file_complaint 2024-08-20 reflection/none-provisional_permit/complaint_filed {}",
		"prove_identity 2024-08-21 provisional_permit/complaint_filed-provisional_permit/complaint_filed {}",
		"file_charges 2024-09-01 provisional_permit/complaint_filed-provisional_permit/charged {\"retains_trafficking\":true}",
		"confirm_victim_status 2024-09-10 provisional_permit/charged-temporary_permit/charged {}",
		"renew_temporary_permit 2025-03-01 temporary_permit/charged-temporary_permit/charged {}",
		"grant_indefinite_stay 2025-06-01 temporary_permit/charged-indefinite_stay/charged {}",
		"record_conviction 2025-06-10 indefinite_stay/charged-indefinite_stay/convicted {\"sentence\":\"unknown\"}",
	}
	for i, r := range recs {
		got := r.Event + " " + r.OccurredOn + " " + r.FromState + "/" + r.FromProceedings + "-" + r.ToState + "/" +
			r.ToProceedings + " " + r.Data
		if got != wantRecs[i] {
			t.Errorf("audit seq %d: got %s, want %s", r.Seq, got, wantRecs[i])
		}
		if r.CaseID != c.ID || r.CaseRef != c.Reference || r.Shelter != "payoke" || r.ActorRole != "caseworker" ||
			r.RulesVersion != eligibility.Version {
			t.Errorf("audit seq %d: got case %s %s shelter %s role %s rules %s", r.Seq, r.CaseID, r.CaseRef, r.Shelter,
				r.ActorRole, r.RulesVersion)
		}
	}
	res, err := audit.VerifyDB(ctx, f.env.DB.Read)
	if err != nil || !res.OK || res.HeadSeq != recs[len(recs)-1].Seq {
		t.Errorf("verify: got %+v %v, want ok with head %d", res, err, recs[len(recs)-1].Seq)
	}
}

func TestServiceRecordEventDefaultsData(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	f.record(c.ID, ev("file_complaint", "2025-01-11", nil))
	got := f.record(c.ID, ev("file_charges", "2025-01-12", nil))
	if got.Facts.RetainsTrafficking || got.Facts.ChargesOn != d("2025-01-12") {
		t.Errorf("got retains %v charges %s, want false 2025-01-12", got.Facts.RetainsTrafficking, got.Facts.ChargesOn)
	}
	recs := f.auditRows(c.ID)
	if last := recs[len(recs)-1]; last.Data != `{"retains_trafficking":false}` {
		t.Errorf("got audit data %s, want {\"retains_trafficking\":false}", last.Data)
	}
}

// TestServiceRecordEventInvalid checks the 422 answers and that they change
// nothing.
func TestServiceRecordEventInvalid(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	f.record(c.ID, ev("start_reflection", "2025-03-01", nil))
	stale := 1
	list := []struct {
		name      string
		in        cases.EventInput
		wantField string
	}{
		{"unknown type", ev("start_holiday", "2025-03-02", nil), "type"},
		{"missing type", ev("", "2025-03-02", nil), "type"},
		{"date in the future", ev("prove_identity", "2025-06-16", nil), "occurred_on"},
		{"date far in the future", ev("prove_identity", "2026-01-01", nil), "occurred_on"},
		{"date not YYYY-MM-DD", ev("prove_identity", "2025-3-02", nil), "occurred_on"},
		{"no such day", ev("prove_identity", "2025-02-29", nil), "occurred_on"},
		{"missing date", ev("prove_identity", "", nil), "occurred_on"},
		{"before the latest event", ev("prove_identity", "2025-02-28", nil), "occurred_on"},
		{"withdraw without reason", ev("withdraw_status", "2025-03-02", nil), "data.reason"},
		{"withdraw with unknown reason", ev("withdraw_status", "2025-03-02", map[string]any{"reason": "bored"}), "data.reason"},
		{"close without reason", ev("close_case", "2025-03-02", map[string]any{}), "data.reason"},
		{"amount with one decimal", ev("award_compensation", "2025-03-02", map[string]any{"amount_eur": "12.5"}), "data.amount_eur"},
		{"amount as a number", ev("award_compensation", "2025-03-02", map[string]any{"amount_eur": 12.50}), "data.amount_eur"},
		{"zero amount", ev("award_compensation", "2025-03-02", map[string]any{"amount_eur": "0.00"}), "data.amount_eur"},
		{"negative amount", ev("award_compensation", "2025-03-02", map[string]any{"amount_eur": "-5.00"}), "data.amount_eur"},
		{"unknown data key", ev("prove_identity", "2025-03-02", map[string]any{"passport_no": "X123"}), "data.passport_no"},
		{"unknown key beside a known one", ev("file_charges", "2025-03-02", map[string]any{"retains_trafficking": true, "court": "Antwerp"}), "data.court"},
		{"bool given as text", ev("file_charges", "2025-03-02", map[string]any{"retains_trafficking": "yes"}), "data.retains_trafficking"},
		{"free text in an enum", ev("record_prosecutor_opinion", "2025-03-02", map[string]any{"opinion": "she seemed honest"}), "data.opinion"},
		{"invalid before stale version (422 before 409)", cases.EventInput{Type: "prove_identity", OccurredOn: "2025-06-16", Version: &stale}, "occurred_on"},
	}
	seq := f.headSeq()
	for _, c2 := range list {
		t.Run(c2.name, func(t *testing.T) {
			_, err := f.svc.RecordEvent(ctx, f.cw, c.ID, c2.in)
			if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), c2.wantField) {
				t.Errorf("got %s %v (%v), want invalid on %s", kindOf(err), fieldsOf(err), err, c2.wantField)
			}
			read := f.get(c.ID)
			if read.Version != 2 || read.State != "reflection" || read.LastEventOn != d("2025-03-01") {
				t.Errorf("got v%d %s last %s after a refused event, want v2 reflection 2025-03-01",
					read.Version, read.State, read.LastEventOn)
			}
			if got := f.headSeq(); got != seq {
				t.Errorf("got audit head %d, want %d", got, seq)
			}
		})
	}
	t.Run("same day as the latest event and today are accepted", func(t *testing.T) {
		if got := f.record(c.ID, ev("prove_identity", "2025-03-01", nil)); got.Version != 3 {
			t.Errorf("got v%d, want 3", got.Version)
		}
		if got := f.record(c.ID, ev("grant_legal_aid", "2025-06-15", nil)); got.Version != 4 {
			t.Errorf("got v%d, want 4", got.Version)
		}
	})
}

func TestServiceRecordEventBeforeIdentification(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	_, err := f.svc.RecordEvent(ctx, f.cw, c.ID, ev("start_reflection", "2025-01-09", nil))
	if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), "occurred_on") {
		t.Errorf("got %s %v, want invalid on occurred_on", kindOf(err), fieldsOf(err))
	}
	if got := f.record(c.ID, ev("start_reflection", "2025-01-10", nil)); got.State != "reflection" {
		t.Errorf("got %s on identified_on, want reflection", got.State)
	}
}

// TestServiceTodayIsBrussels checks that "today" is the civil date in
// Europe/Brussels: at 22:30 UTC on 15 June it is already 16 June there.
func TestServiceTodayIsBrussels(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-06-01"))
	f.env.Clock.Set(time.Date(2025, 6, 15, 22, 30, 0, 0, time.UTC))
	if got := f.svc.Today(); got != d("2025-06-16") {
		t.Fatalf("got today %s, want 2025-06-16", got)
	}
	if got := f.record(c.ID, ev("prove_identity", "2025-06-16", nil)); got.LastEventOn != d("2025-06-16") {
		t.Errorf("got last event %s, want 2025-06-16", got.LastEventOn)
	}
	_, err := f.svc.RecordEvent(ctx, f.cw, c.ID, ev("grant_legal_aid", "2025-06-17", nil))
	if kindOf(err) != "invalid" {
		t.Errorf("got %s, want invalid for 2025-06-17", kindOf(err))
	}
}

func TestServiceVersionAndTransitionErrors(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	f.record(c.ID, ev("start_reflection", "2025-03-01", nil)) // version 2
	v := func(n int) *int { return &n }
	list := []struct {
		name        string
		in          cases.EventInput
		wantKind    string
		wantVersion int
	}{
		{"stale version", cases.EventInput{Type: "prove_identity", OccurredOn: "2025-03-02", Version: v(1)}, "conflict", 2},
		{"version from the future", cases.EventInput{Type: "prove_identity", OccurredOn: "2025-03-02", Version: v(3)}, "conflict", 2},
		{"stale version before the transition check", cases.EventInput{Type: "start_reflection", OccurredOn: "2025-03-02", Version: v(1)}, "conflict", 2},
		{"refused transition", cases.EventInput{Type: "start_reflection", OccurredOn: "2025-03-02", Version: v(2)}, "invalid_transition", 2},
		{"guard refused", cases.EventInput{Type: "start_eu_assistance", OccurredOn: "2025-03-02"}, "invalid_transition", 2},
		{"current version", cases.EventInput{Type: "prove_identity", OccurredOn: "2025-03-02", Version: v(2)}, "nil", 3},
	}
	for _, c2 := range list {
		t.Run(c2.name, func(t *testing.T) {
			before := f.get(c.ID)
			_, err := f.svc.RecordEvent(ctx, f.cw, c.ID, c2.in)
			if got := kindOf(err); got != c2.wantKind {
				t.Fatalf("got %s (%v), want %s", got, err, c2.wantKind)
			}
			if c2.wantKind == "invalid_transition" {
				e, _ := apperr.As(err)
				if !slices.Equal(e.Allowed, before.AllowedEvents) {
					t.Errorf("got allowed %v, want the case's allowed_events %v", e.Allowed, before.AllowedEvents)
				}
			}
			if got := f.get(c.ID); got.Version != c2.wantVersion || got.State != "reflection" {
				t.Errorf("got v%d %s, want v%d reflection", got.Version, got.State, c2.wantVersion)
			}
		})
	}
}

func TestServiceVisibility(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	other := f.env.AddUser(t, "cw-surya", auth.RoleCaseworker, "surya")
	otherSup := f.env.AddUser(t, "sup-pag", auth.RoleSupervisor, "pag-asa")
	sup := f.env.AddUser(t, "sup", auth.RoleSupervisor, "payoke")
	auditor := f.env.AddUser(t, "aud", auth.RoleAuditor, "")
	admin := f.env.AddUser(t, "adm", auth.RoleAdmin, "")
	name := "Amira"
	ops := map[string]func(a auth.Actor, id string) error{
		"Get": func(a auth.Actor, id string) error {
			_, err := f.svc.Get(ctx, a, id, eligibility.Date{})
			return err
		},
		"RecordEvent": func(a auth.Actor, id string) error {
			_, err := f.svc.RecordEvent(ctx, a, id, ev("prove_identity", "2025-02-01", nil))
			return err
		},
		"RecordEvent invalid body": func(a auth.Actor, id string) error {
			_, err := f.svc.RecordEvent(ctx, a, id, ev("start_holiday", "2031-02-01", nil))
			return err
		},
		"Update": func(a auth.Actor, id string) error {
			_, err := f.svc.Update(ctx, a, id, cases.CasePatch{GivenName: &name})
			return err
		},
		"Simulate": func(a auth.Actor, id string) error {
			_, err := f.svc.Simulate(ctx, a, id, ev("start_reflection", "2025-02-01", nil))
			return err
		},
		"History": func(a auth.Actor, id string) error {
			_, err := f.svc.History(ctx, a, id)
			return err
		},
		"AuditHistory": func(a auth.Actor, id string) error {
			_, err := f.svc.AuditHistory(ctx, a, id)
			return err
		},
		"Flags": func(a auth.Actor, id string) error {
			_, err := f.svc.Flags(ctx, a, id, eligibility.Date{})
			return err
		},
		"Visible": func(a auth.Actor, id string) error { return f.svc.Visible(ctx, a, id) },
	}
	list := []struct {
		name  string
		actor auth.Actor
		id    string
		want  map[string]string // op -> kind; ops not listed want "not_found"
	}{
		{"caseworker of another shelter", other, c.ID, map[string]string{"AuditHistory": "forbidden"}},
		{"supervisor of another shelter", otherSup, c.ID, map[string]string{"AuditHistory": "forbidden"}},
		{"own caseworker, unknown id", f.cw, "7f0c2a52-0000-4000-8000-000000000000", map[string]string{"AuditHistory": "forbidden"}},
		{"own caseworker, malformed id", f.cw, "../cases", map[string]string{"AuditHistory": "forbidden"}},
		{"auditor", auditor, c.ID, map[string]string{"Get": "forbidden", "RecordEvent": "forbidden",
			"RecordEvent invalid body": "forbidden", "Update": "forbidden", "Simulate": "forbidden",
			"History": "forbidden", "AuditHistory": "nil", "Flags": "forbidden", "Visible": "forbidden"}},
		{"auditor, unknown id", auditor, "7f0c2a52-0000-4000-8000-000000000000", map[string]string{"Get": "forbidden",
			"RecordEvent": "forbidden", "RecordEvent invalid body": "forbidden", "Update": "forbidden",
			"Simulate": "forbidden", "History": "forbidden", "Flags": "forbidden", "Visible": "forbidden"}},
		{"admin", admin, c.ID, map[string]string{"Get": "forbidden", "RecordEvent": "forbidden",
			"RecordEvent invalid body": "forbidden", "Update": "forbidden", "Simulate": "forbidden",
			"History": "forbidden", "AuditHistory": "forbidden", "Flags": "forbidden", "Visible": "forbidden"}},
		{"supervisor of the shelter", sup, c.ID, map[string]string{"Get": "nil", "RecordEvent": "nil",
			"RecordEvent invalid body": "invalid", "Update": "nil", "Simulate": "nil", "History": "nil",
			"AuditHistory": "forbidden", "Flags": "nil", "Visible": "nil"}},
	}
	for _, l := range list {
		for op, fn := range ops {
			t.Run(l.name+"/"+op, func(t *testing.T) {
				want := "not_found"
				if w, ok := l.want[op]; ok {
					want = w
				}
				if got := kindOf(fn(l.actor, l.id)); got != want {
					t.Errorf("got %s, want %s", got, want)
				}
			})
		}
	}
	// Nothing the other shelters tried reached the case.
	got := f.get(c.ID)
	if got.Victim.GivenName != "Amira" || got.Version != 3 {
		t.Errorf("got given name %s v%d, want Amira v3 (only the supervisor's two changes)", got.Victim.GivenName, got.Version)
	}
}

// TestServiceSimulateDismissal is the example of docs/rules.md "What-if".
func TestServiceSimulateDismissal(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2024-08-01"))
	for _, in := range []cases.EventInput{
		ev("file_complaint", "2024-08-05", nil),
		ev("file_charges", "2024-09-01", nil),
		ev("confirm_victim_status", "2024-09-10", nil),
		ev("renew_temporary_permit", "2025-03-01", nil),
	} {
		f.record(c.ID, in)
	}
	before := f.get(c.ID)
	seq := f.headSeq()
	sim, err := f.svc.Simulate(ctx, f.cw, c.ID, ev("dismiss_case", "2025-06-01", nil))
	if err != nil {
		t.Fatalf("simulate: got error %v", err)
	}
	if sim.StateBefore != "temporary_permit" || sim.StateAfter != "temporary_permit" ||
		sim.ProceedingsBefore != "charged" || sim.ProceedingsAfter != "dismissed" {
		t.Errorf("got %s/%s -> %s/%s, want temporary_permit/charged -> temporary_permit/dismissed",
			sim.StateBefore, sim.ProceedingsBefore, sim.StateAfter, sim.ProceedingsAfter)
	}
	if sim.AsOf != d("2025-06-01") || sim.RulesVersion != eligibility.Version {
		t.Errorf("got as_of %s rules %s, want 2025-06-01 %s", sim.AsOf, sim.RulesVersion, eligibility.Version)
	}
	find := func(flags []eligibility.Flag, rule string) *eligibility.Flag {
		for i := range flags {
			if flags[i].Rule == rule {
				return &flags[i]
			}
		}
		return nil
	}
	if r07 := find(sim.FlagsBefore, "R07"); r07 == nil || r07.Kind != "exposure" || r07.Severity != "medium" ||
		r07.DueOn == nil || *r07.DueOn != d("2026-09-01") {
		t.Errorf("got R07 before %+v, want a medium exposure due 2026-09-01", r07)
	}
	r07 := find(sim.FlagsAfter, "R07")
	if r07 == nil || r07.Kind != "risk" || r07.Severity != "critical" || !slices.Equal(r07.AtRisk, []string{"residence", "services"}) {
		t.Errorf("got R07 after %+v, want a critical risk on residence, services", r07)
	} else if !strings.Contains(r07.Detail, "2024-09-01") || !strings.Contains(r07.Detail, "2025-06-01") {
		t.Errorf("got R07 detail %q, want the charge and dismissal dates", r07.Detail)
	}
	if !slices.Equal(sim.WouldLose, []string{"residence", "services"}) {
		t.Errorf("got would_lose %v, want [residence services]", sim.WouldLose)
	}
	// Nothing was written.
	after := f.get(c.ID)
	if after.Version != before.Version || after.Proceedings != "charged" || after.Facts != before.Facts {
		t.Errorf("got v%d %s after simulate, want v%d charged", after.Version, after.Proceedings, before.Version)
	}
	if got := f.headSeq(); got != seq {
		t.Errorf("got audit head %d after simulate, want %d", got, seq)
	}

	t.Run("future date accepted", func(t *testing.T) {
		sim, err := f.svc.Simulate(ctx, f.cw, c.ID, ev("record_conviction", "2025-12-01", nil))
		if err != nil || sim.ProceedingsAfter != "convicted" || sim.AsOf != d("2025-12-01") {
			t.Errorf("got %+v %v, want convicted as of 2025-12-01", sim, err)
		}
	})
	t.Run("refused transition", func(t *testing.T) {
		_, err := f.svc.Simulate(ctx, f.cw, c.ID, ev("start_reflection", "2025-06-01", nil))
		if kindOf(err) != "invalid_transition" {
			t.Errorf("got %s, want invalid_transition", kindOf(err))
		}
	})
	t.Run("invalid data", func(t *testing.T) {
		_, err := f.svc.Simulate(ctx, f.cw, c.ID, ev("withdraw_status", "2025-06-01", nil))
		if kindOf(err) != "invalid" {
			t.Errorf("got %s, want invalid", kindOf(err))
		}
	})
	t.Run("date before the latest event", func(t *testing.T) {
		_, err := f.svc.Simulate(ctx, f.cw, c.ID, ev("dismiss_case", "2025-02-01", nil))
		if kindOf(err) != "invalid" {
			t.Errorf("got %s, want invalid", kindOf(err))
		}
	})
	if got := f.headSeq(); got != seq {
		t.Errorf("got audit head %d after simulations, want %d", got, seq)
	}
}

func TestServiceUpdate(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	s := func(v string) *string { return &v }
	v := func(n int) *int { return &n }

	t.Run("nationality while identified", func(t *testing.T) {
		got, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{Nationality: s("FR"), Version: v(1)})
		if err != nil {
			t.Fatalf("got error %v", err)
		}
		if got.Victim.Nationality != "FR" || !got.Victim.EUCitizen || got.Version != 2 {
			t.Errorf("got %s eu=%v v%d, want FR eu=true v2", got.Victim.Nationality, got.Victim.EUCitizen, got.Version)
		}
		if !slices.Contains(got.AllowedEvents, "start_eu_assistance") || slices.Contains(got.AllowedEvents, "start_reflection") {
			t.Errorf("got allowed %v, want the EU path", got.AllowedEvents)
		}
		// Back to non-EU for the rest.
		if _, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{Nationality: s("NG")}); err != nil {
			t.Fatalf("got error %v", err)
		}
	})
	f.record(c.ID, ev("start_reflection", "2025-02-01", nil)) // v4
	t.Run("nationality refused after identified", func(t *testing.T) {
		_, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{Nationality: s("FR")})
		if kindOf(err) != "invalid" || !slices.Equal(fieldsOf(err), []string{"victim.nationality"}) {
			t.Errorf("got %s %v, want invalid on victim.nationality", kindOf(err), fieldsOf(err))
		}
		if got := f.get(c.ID); got.Victim.Nationality != "NG" || got.Version != 4 {
			t.Errorf("got %s v%d, want NG v4", got.Victim.Nationality, got.Version)
		}
	})
	t.Run("same nationality is no change", func(t *testing.T) {
		got, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{Nationality: s("NG")})
		if err != nil || got.Version != 4 {
			t.Errorf("got v%d %v, want v4 and no error", got.Version, err)
		}
	})
	t.Run("stale version", func(t *testing.T) {
		_, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{Alias: s("Ami"), Version: v(3)})
		if kindOf(err) != "conflict" {
			t.Errorf("got %s, want conflict", kindOf(err))
		}
	})
	seq := f.headSeq()
	t.Run("names change; the audit lists field names only", func(t *testing.T) {
		got, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{GivenName: s("Zephyrinaqx"), Alias: s("Quokkaqx"),
			FamilyName: s("Okafor"), Version: v(4)})
		if err != nil {
			t.Fatalf("got error %v", err)
		}
		if got.Victim.GivenName != "Zephyrinaqx" || got.Victim.Alias != "Quokkaqx" || got.Version != 5 {
			t.Errorf("got %s %s v%d, want Zephyrinaqx Quokkaqx v5", got.Victim.GivenName, got.Victim.Alias, got.Version)
		}
		if got.LastEventOn != d("2025-02-01") {
			t.Errorf("got last_event_on %s, want 2025-02-01 (PATCH is not an event)", got.LastEventOn)
		}
		recs := f.auditRows("")
		if got := recs[len(recs)-1].Seq; got != seq+1 {
			t.Fatalf("got head seq %d, want %d", got, seq+1)
		}
		last := recs[len(recs)-1]
		if last.Event != "update_case" || last.Data != `{"fields":["alias","given_name"]}` || last.OccurredOn != "2025-06-15" ||
			last.FromState != "reflection" || last.ToState != "reflection" {
			t.Errorf("got %s %s %s %s->%s, want update_case {\"fields\":[\"alias\",\"given_name\"]} 2025-06-15 reflection->reflection",
				last.Event, last.Data, last.OccurredOn, last.FromState, last.ToState)
		}
		all, _ := json.Marshal(recs)
		for _, secret := range []string{"Zephyrinaqx", "Quokkaqx", "Amara", "Okafor"} {
			if bytes.Contains(all, []byte(secret)) {
				t.Errorf("got %q in the audit log, want no identity value", secret)
			}
		}
	})
	t.Run("date of birth after identification refused", func(t *testing.T) {
		_, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{DateOfBirth: s("2025-01-11")})
		if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), "victim.date_of_birth") {
			t.Errorf("got %s %v, want invalid on victim.date_of_birth", kindOf(err), fieldsOf(err))
		}
	})
	t.Run("blank family name refused", func(t *testing.T) {
		_, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{FamilyName: s(" ")})
		if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), "victim.family_name") {
			t.Errorf("got %s %v, want invalid on victim.family_name", kindOf(err), fieldsOf(err))
		}
	})
	t.Run("event dates still follow the latest event, not the PATCH", func(t *testing.T) {
		if got := f.record(c.ID, ev("prove_identity", "2025-02-01", nil)); got.Version != 6 {
			t.Errorf("got v%d, want 6", got.Version)
		}
	})
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestServiceNotes(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-01-10"))
	note := "Met at Antwerpen-Centraal; she fears Mr Xerxesqz will find her."
	f.record(c.ID, cases.EventInput{Type: "start_reflection", OccurredOn: "2025-01-11", Note: note})
	f.record(c.ID, ev("prove_identity", "2025-01-12", nil))
	note2 := "Passport kept by Xerxesqz's cousin — retrieved by police."
	f.record(c.ID, cases.EventInput{Type: "end_contact_with_trafficker", OccurredOn: "2025-01-13", Note: note2})

	items, err := f.svc.History(ctx, f.cw, c.ID)
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	want := []struct{ event, note string }{{"open_case", ""}, {"start_reflection", note}, {"prove_identity", ""},
		{"end_contact_with_trafficker", note2}}
	if len(items) != len(want) {
		t.Fatalf("got %d history items, want %d", len(items), len(want))
	}
	for i, it := range items {
		if it.Event != want[i].event || it.Note != want[i].note || it.Actor != "cw" {
			t.Errorf("item %d: got %s %q by %s, want %s %q by cw", i, it.Event, it.Note, it.Actor, want[i].event, want[i].note)
		}
	}
	all, _ := json.Marshal(f.auditRows(""))
	recs := f.auditRows(c.ID)
	for _, secret := range []string{"Xerxesqz", "Antwerpen-Centraal", "cousin"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("got %q in the audit log, want notes kept out of it", secret)
		}
	}
	for i, r := range recs {
		hasNote := want[i].note != ""
		if hasNote && !hex64.MatchString(r.NoteDigest) {
			t.Errorf("seq %d: got note_digest %q, want 64 hex digits", r.Seq, r.NoteDigest)
		}
		if !hasNote && r.NoteDigest != "" {
			t.Errorf("seq %d: got note_digest %q, want \"\"", r.Seq, r.NoteDigest)
		}
	}
	if recs[1].NoteDigest == recs[3].NoteDigest {
		t.Errorf("got equal digests for different notes: %s", recs[1].NoteDigest)
	}
	if got := f.env.Keys.NoteDigest(note); got != recs[1].NoteDigest {
		t.Errorf("got note_digest %s, want the keyed digest %s", recs[1].NoteDigest, got)
	}

	t.Run("auditor sees records with digests, not notes", func(t *testing.T) {
		aud := f.env.AddUser(t, "aud", auth.RoleAuditor, "")
		recs, err := f.svc.AuditHistory(ctx, aud, c.ID)
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		if len(recs) != 4 {
			t.Fatalf("got %d records, want 4 audit records", len(recs))
		}
		b, _ := json.Marshal(recs)
		if bytes.Contains(b, []byte("Xerxesqz")) || !bytes.Contains(b, []byte(recs[1].NoteDigest)) {
			t.Errorf("got auditor history %s, want digests and no note", b)
		}
	})
	t.Run("note too long", func(t *testing.T) {
		_, err := f.svc.RecordEvent(ctx, f.cw, c.ID, cases.EventInput{Type: "grant_legal_aid", OccurredOn: "2025-01-14",
			Note: strings.Repeat("x", 10001)})
		if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), "note") {
			t.Errorf("got %s %v, want invalid on note", kindOf(err), fieldsOf(err))
		}
	})
}

// TestServiceIdentityNotInDatabaseFiles reads the raw SQLite files: names,
// date of birth and notes are stored only encrypted.
func TestServiceIdentityNotInDatabaseFiles(t *testing.T) {
	apptest.SkipOnPostgres(t, "reads the bytes of the database file")
	f := setup(t)
	in := victim("Ptolemaiosqx", "Wrzesniewskiqx", "NG", "2025-01-10")
	in.Victim.Alias = "Kestrelqx"
	in.Victim.DateOfBirth = "1987-11-23"
	c := f.create(f.cw, in)
	f.record(c.ID, cases.EventInput{Type: "start_reflection", OccurredOn: "2025-01-11", Note: "Notenightjarqx"})
	given := "Aurelianoqx"
	if _, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{GivenName: &given}); err != nil {
		t.Fatalf("update: %v", err)
	}
	path := f.env.Config.SQLitePath()
	var raw []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("read %s: %v", p, err)
		}
		raw = append(raw, b...)
	}
	if !bytes.Contains(raw, []byte(c.Reference)) {
		t.Fatalf("got no %s in the database files, want it there (wrong files read?)", c.Reference)
	}
	for _, secret := range []string{"Ptolemaiosqx", "Wrzesniewskiqx", "Kestrelqx", "1987-11-23", "Notenightjarqx",
		"Aurelianoqx", "2005-11-23"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("got %q in the bytes of the SQLite files, want it only encrypted", secret)
		}
	}
	if got := f.get(c.ID); got.Victim.GivenName != "Aurelianoqx" || got.Victim.FamilyName != "Wrzesniewskiqx" ||
		got.Victim.DateOfBirth != d("1987-11-23") {
		t.Errorf("got victim %+v, want the decrypted identity", got.Victim)
	}
}

// listFixture creates five payoke cases in various states and one of
// pag-asa.
func listFixture(t *testing.T) (*fixture, map[string]cases.Case) {
	f := setup(t)
	out := map[string]cases.Case{}
	c1 := f.create(f.cw, victim("Amara", "Okafor", "NG", "2024-05-01")) // PAY-2024-0001
	f.record(c1.ID, ev("start_reflection", "2024-05-02", nil))
	out["reflection"] = c1
	c2 := f.create(f.cw, victim("José", "Dupont", "NG", "2025-01-10")) // PAY-2025-0001, identified
	out["identified"] = c2
	c3 := f.create(f.cw, victim("Marie", "Lambert", "FR", "2025-02-01")) // PAY-2025-0002
	f.record(c3.ID, ev("start_eu_assistance", "2025-02-02", nil))
	out["eu"] = c3
	c4 := f.create(f.cw, victim("Wei", "Chen", "CN", "2025-03-01")) // PAY-2025-0003
	f.record(c4.ID, ev("file_complaint", "2025-03-02", nil))
	f.record(c4.ID, ev("file_charges", "2025-03-05", nil))
	out["charged"] = c4
	c5 := f.create(f.cw, victim("Ana", "Silva", "BR", "2025-04-01")) // PAY-2025-0004
	f.record(c5.ID, ev("close_case", "2025-04-02", map[string]any{"reason": "moved_shelter"}))
	out["closed"] = c5
	pag := f.env.AddUser(t, "cw-pag", auth.RoleCaseworker, "pag-asa")
	c6 := f.create(pag, victim("José", "Dupont", "NG", "2025-01-10")) // PAG-2025-0001
	if _, err := f.svc.RecordEvent(ctx, pag, c6.ID, ev("start_reflection", "2025-01-11", nil)); err != nil {
		t.Fatalf("pag-asa reflection: %v", err)
	}
	out["other shelter"] = c6
	return f, out
}

func TestServiceList(t *testing.T) {
	f, _ := listFixture(t)
	list := []struct {
		name string
		q    cases.ListQuery
		want []string
	}{
		{"all, newest reference first", cases.ListQuery{}, []string{"PAY-2025-0004", "PAY-2025-0003", "PAY-2025-0002", "PAY-2025-0001", "PAY-2024-0001"}},
		{"state reflection", cases.ListQuery{State: "reflection"}, []string{"PAY-2024-0001"}},
		{"state identified", cases.ListQuery{State: "identified"}, []string{"PAY-2025-0001"}},
		{"state closed", cases.ListQuery{State: "closed"}, []string{"PAY-2025-0004"}},
		{"state with no case", cases.ListQuery{State: "returned"}, []string{}},
		{"proceedings charged", cases.ListQuery{Proceedings: "charged"}, []string{"PAY-2025-0003"}},
		{"proceedings none", cases.ListQuery{Proceedings: "none"}, []string{"PAY-2025-0004", "PAY-2025-0002", "PAY-2025-0001", "PAY-2024-0001"}},
		{"rule R19 (EU citizen)", cases.ListQuery{Rule: "R19"}, []string{"PAY-2025-0002"}},
		{"rule R24 (no decision)", cases.ListQuery{Rule: "R24"}, []string{"PAY-2025-0001"}},
		{"rule R04 (reflection ending)", cases.ListQuery{Rule: "R04"}, []string{"PAY-2024-0001"}},
		{"rule R07 (dismissal exposure)", cases.ListQuery{Rule: "R07"}, []string{"PAY-2025-0003"}},
		// PAY-2025-0002 too since rules version 2: its victim was never
		// informed of their rights, overdue by more than 14 days (R27).
		{"severity critical", cases.ListQuery{Severity: "critical"}, []string{"PAY-2025-0003", "PAY-2025-0002", "PAY-2025-0001", "PAY-2024-0001"}},
		{"rule and state", cases.ListQuery{Rule: "R24", State: "reflection"}, []string{}},
		{"q reference prefix", cases.ListQuery{Q: "PAY-2024"}, []string{"PAY-2024-0001"}},
		{"q reference prefix, lower case", cases.ListQuery{Q: "pay-2025-000"}, []string{"PAY-2025-0004", "PAY-2025-0003", "PAY-2025-0002", "PAY-2025-0001"}},
		{"q full reference", cases.ListQuery{Q: "PAY-2025-0003"}, []string{"PAY-2025-0003"}},
		{"q other shelter's prefix", cases.ListQuery{Q: "PAG"}, []string{}},
		{"q LIKE wildcard is literal", cases.ListQuery{Q: "%"}, []string{}},
		{"q underscore is literal", cases.ListQuery{Q: "PAY_2024"}, []string{}},
		{"q full name", cases.ListQuery{Q: "José Dupont"}, []string{"PAY-2025-0001"}},
		{"q full name, other case and no accents", cases.ListQuery{Q: "jose DUPONT"}, []string{"PAY-2025-0001"}},
		{"q full name, extra spaces", cases.ListQuery{Q: "  JOSÉ   dupont "}, []string{"PAY-2025-0001"}},
		{"q family name first", cases.ListQuery{Q: "Dupont Jose"}, []string{"PAY-2025-0001"}},
		{"q partial name is not offered", cases.ListQuery{Q: "Dupont"}, []string{}},
		{"q name and state", cases.ListQuery{Q: "jose dupont", State: "reflection"}, []string{}},
	}
	for _, c := range list {
		t.Run(c.name, func(t *testing.T) {
			page, err := f.svc.List(ctx, f.cw, c.q)
			if err != nil {
				t.Fatalf("list: got error %v", err)
			}
			if got := refs(page.Items); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if page.NextCursor != "" {
				t.Errorf("got next_cursor %q, want \"\"", page.NextCursor)
			}
		})
	}
	invalid := []struct {
		name  string
		q     cases.ListQuery
		field string
	}{
		{"unknown state", cases.ListQuery{State: "limbo"}, "state"},
		{"unknown proceedings", cases.ListQuery{Proceedings: "appeal"}, "proceedings"},
		{"unknown rule", cases.ListQuery{Rule: "R28"}, "rule"},
		{"unknown severity", cases.ListQuery{Severity: "urgent"}, "severity"},
		{"limit too large", cases.ListQuery{Limit: 501}, "limit"},
		{"negative limit", cases.ListQuery{Limit: -1}, "limit"},
		{"foreign cursor", cases.ListQuery{Cursor: "!!"}, "cursor"},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.List(ctx, f.cw, c.q)
			if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), c.field) {
				t.Errorf("got %s %v, want invalid on %s", kindOf(err), fieldsOf(err), c.field)
			}
		})
	}
	t.Run("auditor forbidden", func(t *testing.T) {
		aud := f.env.AddUser(t, "aud", auth.RoleAuditor, "")
		if _, err := f.svc.List(ctx, aud, cases.ListQuery{}); kindOf(err) != "forbidden" {
			t.Errorf("got %s, want forbidden", kindOf(err))
		}
	})
}

func TestServiceListPagination(t *testing.T) {
	f, _ := listFixture(t)
	all := []string{"PAY-2025-0004", "PAY-2025-0003", "PAY-2025-0002", "PAY-2025-0001", "PAY-2024-0001"}
	for _, c := range []struct {
		limit int
		pages [][]string
	}{
		{2, [][]string{all[0:2], all[2:4], all[4:5]}},
		{1, [][]string{all[0:1], all[1:2], all[2:3], all[3:4], all[4:5]}},
		{5, [][]string{all}},
		{4, [][]string{all[0:4], all[4:5]}},
		{500, [][]string{all}},
	} {
		t.Run("limit "+itoa(c.limit), func(t *testing.T) {
			cursor := ""
			for i, want := range c.pages {
				page, err := f.svc.List(ctx, f.cw, cases.ListQuery{Limit: c.limit, Cursor: cursor})
				if err != nil {
					t.Fatalf("page %d: got error %v", i, err)
				}
				if got := refs(page.Items); !slices.Equal(got, want) {
					t.Errorf("page %d: got %v, want %v", i, got, want)
				}
				last := i == len(c.pages)-1
				if last != (page.NextCursor == "") {
					t.Fatalf("page %d: got next_cursor %q, want empty only on the last page", i, page.NextCursor)
				}
				cursor = page.NextCursor
			}
		})
	}
	t.Run("cursor with a filter", func(t *testing.T) {
		p1, err := f.svc.List(ctx, f.cw, cases.ListQuery{Proceedings: "none", Limit: 3})
		if err != nil || !slices.Equal(refs(p1.Items), []string{"PAY-2025-0004", "PAY-2025-0002", "PAY-2025-0001"}) || p1.NextCursor == "" {
			t.Fatalf("got %v %q %v, want three and a cursor", refs(p1.Items), p1.NextCursor, err)
		}
		p2, err := f.svc.List(ctx, f.cw, cases.ListQuery{Proceedings: "none", Limit: 3, Cursor: p1.NextCursor})
		if err != nil || !slices.Equal(refs(p2.Items), []string{"PAY-2024-0001"}) || p2.NextCursor != "" {
			t.Errorf("got %v %q %v, want [PAY-2024-0001] and no cursor", refs(p2.Items), p2.NextCursor, err)
		}
	})
}

// boardFixture: clock 2025-07-01 (Brussels). Deadlines of payoke:
//
//	PAY-2025-0001 reflection_end            2025-06-15
//	PAY-2025-0002 reflection_end            2025-06-15
//	PAY-2025-0003 guardianship_notification 2025-07-01, majority 2025-07-01 (born 2007-07-01)
//	PAY-2025-0004 renewal_request 2025-06-10, provisional_permit_expiry 2025-07-10
//	PAY-2025-0005 provisional → temporary: renewal_request 2025-08-02, temporary_permit_expiry 2025-09-01,
//	              dismissal_window_end 2027-02-01
//	PAY-2025-0006 closed: none
//
// and one pag-asa case with a reflection ending 2025-06-20.
func boardFixture(t *testing.T) (*fixture, map[string]cases.Case) {
	f := setup(t)
	f.env.Clock.Set(time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC))
	out := map[string]cases.Case{}
	c1 := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-05-01"))
	f.record(c1.ID, ev("start_reflection", "2025-05-01", nil))
	c2 := f.create(f.cw, victim("Blessing", "Eze", "NG", "2025-05-01"))
	f.record(c2.ID, ev("start_reflection", "2025-05-01", nil))
	minor := victim("Samuel", "Tesfaye", "ER", "2025-06-30")
	minor.Victim.DateOfBirth, minor.Victim.UnaccompaniedMinor = "2007-07-01", true
	c3 := f.create(f.cw, minor)
	out["minor"] = c3
	c4 := f.create(f.cw, victim("Wei", "Chen", "CN", "2025-04-01"))
	f.record(c4.ID, ev("file_complaint", "2025-04-10", nil))
	c5 := f.create(f.cw, victim("Ana", "Silva", "BR", "2025-01-10"))
	f.record(c5.ID, ev("file_complaint", "2025-01-15", nil))
	f.record(c5.ID, ev("file_charges", "2025-02-01", nil))
	f.record(c5.ID, ev("confirm_victim_status", "2025-03-01", nil))
	c6 := f.create(f.cw, victim("Lina", "Haddad", "SY", "2025-05-01"))
	f.record(c6.ID, ev("start_reflection", "2025-05-01", nil))
	f.record(c6.ID, ev("close_case", "2025-05-02", map[string]any{"reason": "other"}))
	pag := f.env.AddUser(t, "cw-pag", auth.RoleCaseworker, "pag-asa")
	c7 := f.create(pag, victim("Omar", "Farouk", "MA", "2025-05-06"))
	if _, err := f.svc.RecordEvent(ctx, pag, c7.ID, ev("start_reflection", "2025-05-06", nil)); err != nil {
		t.Fatalf("pag-asa reflection: %v", err)
	}
	return f, out
}

// boardItems lists the NRM deadlines of a board page (see deadlineList).
func boardItems(items []cases.DeadlineItem) []string {
	out := []string{}
	for _, it := range items {
		if it.Kind == eligibility.DeadlineFlag {
			continue
		}
		out = append(out, it.DueOn.String()+" "+it.Reference+" "+it.Kind+" "+itoa(it.DaysLeft)+" "+string(it.Severity)+" "+string(it.State))
	}
	return out
}

func TestServiceDeadlineBoard(t *testing.T) {
	f, cs := boardFixture(t)
	full := []string{
		"2025-06-10 PAY-2025-0004 renewal_request -20 critical provisional_permit",
		"2025-06-15 PAY-2025-0001 reflection_end -15 critical reflection",
		"2025-06-15 PAY-2025-0002 reflection_end -15 critical reflection",
		"2025-07-01 PAY-2025-0003 guardianship_notification 1 critical identified",
		"2025-07-01 PAY-2025-0003 majority 1 critical identified",
		"2025-07-10 PAY-2025-0004 provisional_permit_expiry 10 high provisional_permit",
	}
	list := []struct {
		name   string
		within int
		asOf   string
		want   []string
	}{
		{"within 30 as of the day before the 18th birthday", 30, "2025-06-30", full},
		{"within 33 adds the renewal request of PAY-2025-0005", 33, "2025-06-30", append(slices.Clone(full),
			"2025-08-02 PAY-2025-0005 renewal_request 33 info temporary_permit")},
		{"within 0: overdue and due today only", 0, "2025-06-30", full[:3]},
		{"majority absent on the 18th birthday", 30, "2025-07-01", []string{
			"2025-06-10 PAY-2025-0004 renewal_request -21 critical provisional_permit",
			"2025-06-15 PAY-2025-0001 reflection_end -16 critical reflection",
			"2025-06-15 PAY-2025-0002 reflection_end -16 critical reflection",
			"2025-07-01 PAY-2025-0003 guardianship_notification 0 critical identified",
			"2025-07-10 PAY-2025-0004 provisional_permit_expiry 9 high provisional_permit",
		}},
		{"majority listed with its 18th birthday well ahead", 365, "2025-01-01", []string{
			"2025-06-10 PAY-2025-0004 renewal_request 160 info provisional_permit",
			"2025-06-15 PAY-2025-0001 reflection_end 165 info reflection",
			"2025-06-15 PAY-2025-0002 reflection_end 165 info reflection",
			"2025-07-01 PAY-2025-0003 guardianship_notification 181 info identified",
			"2025-07-01 PAY-2025-0003 majority 181 info identified",
			"2025-07-10 PAY-2025-0004 provisional_permit_expiry 190 info provisional_permit",
			"2025-08-02 PAY-2025-0005 renewal_request 213 info temporary_permit",
			"2025-09-01 PAY-2025-0005 temporary_permit_expiry 243 info temporary_permit",
		}},
		{"default as_of is today", 30, "", []string{
			"2025-06-10 PAY-2025-0004 renewal_request -21 critical provisional_permit",
			"2025-06-15 PAY-2025-0001 reflection_end -16 critical reflection",
			"2025-06-15 PAY-2025-0002 reflection_end -16 critical reflection",
			"2025-07-01 PAY-2025-0003 guardianship_notification 0 critical identified",
			"2025-07-10 PAY-2025-0004 provisional_permit_expiry 9 high provisional_permit",
		}},
	}
	for _, c := range list {
		t.Run(c.name, func(t *testing.T) {
			var asOf eligibility.Date
			if c.asOf != "" {
				asOf = d(c.asOf)
			}
			page, err := f.svc.Deadlines(ctx, f.cw, c.within, asOf, 0, "")
			if err != nil {
				t.Fatalf("deadlines: got error %v", err)
			}
			if got := boardItems(page.Items); !slices.Equal(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if page.NextCursor != "" {
				t.Errorf("got next_cursor %q, want \"\"", page.NextCursor)
			}
			wantAsOf := asOf
			if wantAsOf.IsZero() {
				wantAsOf = d("2025-07-01")
			}
			if page.AsOf != wantAsOf {
				t.Errorf("got as_of %s, want %s", page.AsOf, wantAsOf)
			}
		})
	}

	t.Run("paging", func(t *testing.T) {
		for limit := 1; limit <= 7; limit++ {
			var got []string
			cursor := ""
			for i := 0; i < 30; i++ { // flag deadlines add pages
				page, err := f.svc.Deadlines(ctx, f.cw, 30, d("2025-06-30"), limit, cursor)
				if err != nil {
					t.Fatalf("limit %d page %d: got error %v", limit, i, err)
				}
				if len(page.Items) > limit {
					t.Fatalf("limit %d page %d: got %d items", limit, i, len(page.Items))
				}
				got = append(got, boardItems(page.Items)...)
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			if !slices.Equal(got, full) {
				t.Errorf("limit %d: got pages\n%s\nwant\n%s", limit, strings.Join(got, "\n"), strings.Join(full, "\n"))
			}
		}
	})

	t.Run("majority is computed, never stored", func(t *testing.T) {
		var n int64
		if err := f.env.DB.Read.Table("case_deadlines").Where("kind = ?", "majority").Count(&n).Error; err != nil {
			t.Fatalf("count: %v", err)
		}
		if n != 0 {
			t.Errorf("got %d stored majority deadlines, want 0", n)
		}
		c, err := f.svc.Get(ctx, f.cw, cs["minor"].ID, d("2025-06-30"))
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		want := []string{"guardianship_notification 2025-07-01 1 critical", "majority 2025-07-01 1 critical"}
		if got := deadlineList(c.Deadlines); !slices.Equal(got, want) {
			t.Errorf("got case deadlines %v, want %v", got, want)
		}
	})

	invalid := []struct {
		name   string
		within int
		limit  int
		cursor string
		field  string
	}{
		{"negative within", -1, 0, "", "within"},
		{"within too large", 3661, 0, "", "within"},
		{"limit too large", 30, 501, "", "limit"},
		{"foreign cursor", 30, 0, "bm90LWEtY3Vyc29y", "cursor"},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Deadlines(ctx, f.cw, c.within, eligibility.Date{}, c.limit, c.cursor)
			if kindOf(err) != "invalid" || !slices.Contains(fieldsOf(err), c.field) {
				t.Errorf("got %s %v, want invalid on %s", kindOf(err), fieldsOf(err), c.field)
			}
		})
	}
}

// TestServiceSettingsChangeKeepsStoredDates: a later change of settings
// applies to events recorded afterwards, never to stored dates.
func TestServiceSettingsChangeKeepsStoredDates(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-06-01"))
	f.record(c.ID, ev("start_reflection", "2025-06-01", nil))
	c2 := f.create(f.cw, victim("Blessing", "Eze", "NG", "2025-06-01"))
	f.record(c2.ID, ev("file_complaint", "2025-06-01", nil))

	set := eligibility.DefaultSettings()
	set.ReflectionDays, set.ProvisionalMonths = 30, 2
	svc := cases.NewService(f.env.DB, f.env.Keys, set, f.env.Clock.Now)
	for _, x := range []struct {
		id, want string
	}{
		{c.ID, "reflection_end 2025-07-16"},
		{c2.ID, "provisional_permit_expiry 2025-09-01"},
	} {
		got, err := svc.Get(ctx, f.cw, x.id, eligibility.Date{})
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if len(got.Deadlines) == 0 || got.Deadlines[0].Kind+" "+got.Deadlines[0].DueOn.String() != x.want {
			t.Errorf("got %v under new settings, want the stored %s", deadlineList(got.Deadlines), x.want)
		}
	}
	c3, err := svc.Create(ctx, f.cw, victim("Chidi", "Obi", "NG", "2025-06-01"))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	got, err := svc.RecordEvent(ctx, f.cw, c3.ID, ev("start_reflection", "2025-06-01", nil))
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	if got.Facts.ReflectionEnd != d("2025-07-01") {
		t.Errorf("got reflection_end %s for an event under the new settings, want 2025-07-01", got.Facts.ReflectionEnd)
	}
}

// TestServiceRefreshFlags: stored flags follow the date once refreshed.
func TestServiceRefreshFlags(t *testing.T) {
	f := setup(t)
	c := f.create(f.cw, victim("Amara", "Okafor", "NG", "2025-06-15"))
	closed := f.create(f.cw, victim("Blessing", "Eze", "NG", "2025-06-15"))
	f.record(closed.ID, ev("close_case", "2025-06-15", map[string]any{"reason": "other"}))
	listR24 := func() []string {
		page, err := f.svc.List(ctx, f.cw, cases.ListQuery{Rule: "R24"})
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		return refs(page.Items)
	}
	if got := listR24(); len(got) != 0 {
		t.Fatalf("got %v flagged R24 on the day of identification, want none", got)
	}
	f.env.Clock.Set(time.Date(2025, 6, 23, 10, 0, 0, 0, time.UTC)) // identified_on + 8 days
	if got := listR24(); len(got) != 0 {
		t.Errorf("got %v before the refresh, want none (flags are stored)", got)
	}
	n, err := f.svc.RefreshFlags(ctx)
	if err != nil || n != 1 {
		t.Fatalf("refresh: got %d %v, want 1 open case refreshed", n, err)
	}
	if got := listR24(); !slices.Equal(got, []string{c.Reference}) {
		t.Errorf("got %v after the refresh, want [%s]", got, c.Reference)
	}
	fv, err := f.svc.Flags(ctx, f.cw, c.ID, d("2025-06-20"))
	if err != nil || fv.AsOf != d("2025-06-20") || fv.RulesVersion != eligibility.Version || slices.Contains(ruleIDs(fv.Flags), "R24") {
		t.Errorf("got flags %v as of %s (%v), want no R24 as of 2025-06-20", ruleIDs(fv.Flags), fv.AsOf, err)
	}
}

func TestServiceRolesWithoutCaseFiles(t *testing.T) {
	f := setup(t)
	for _, role := range []auth.Role{auth.RoleAuditor, auth.RoleAdmin} {
		a := f.env.AddUser(t, "u-"+string(role), role, "")
		t.Run(string(role), func(t *testing.T) {
			if _, err := f.svc.Create(ctx, a, victim("Amara", "Okafor", "NG", "2025-01-10")); kindOf(err) != "forbidden" {
				t.Errorf("create: got %s, want forbidden", kindOf(err))
			}
			if _, err := f.svc.Deadlines(ctx, a, 30, eligibility.Date{}, 0, ""); kindOf(err) != "forbidden" {
				t.Errorf("deadlines: got %s, want forbidden", kindOf(err))
			}
		})
	}
}

// TestServiceDeadlineBoardAfterPatch: a PATCH that makes the victim a minor
// or an unaccompanied minor puts the majority and guardianship deadlines on
// the board.
func TestServiceDeadlineBoardAfterPatch(t *testing.T) {
	f := setup(t)
	in := victim("Samuel", "Tesfaye", "ER", "2025-06-10")
	in.Victim.DateOfBirth = ""
	c := f.create(f.cw, in)
	board := func() []string {
		page, err := f.svc.Deadlines(ctx, f.cw, 60, eligibility.Date{}, 0, "")
		if err != nil {
			t.Fatalf("deadlines: %v", err)
		}
		return boardItems(page.Items)
	}
	if got := board(); len(got) != 0 {
		t.Fatalf("got %v, want an empty board", got)
	}
	dob, yes := "2007-08-01", true
	if _, err := f.svc.Update(ctx, f.cw, c.ID, cases.CasePatch{DateOfBirth: &dob, UnaccompaniedMinor: &yes}); err != nil {
		t.Fatalf("update: %v", err)
	}
	want := []string{
		"2025-06-11 PAY-2025-0001 guardianship_notification -4 critical identified",
		"2025-08-01 PAY-2025-0001 majority 47 info identified",
	}
	if got := board(); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	f.record(c.ID, ev("notify_guardianship", "2025-06-15", nil))
	if got := board(); !slices.Equal(got, want[1:]) {
		t.Errorf("got %v after notify_guardianship, want %v", got, want[1:])
	}
}
