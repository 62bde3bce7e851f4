package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/report"
)

// The report tests build one population (reportPopulation) through the
// API and read the annual report of reportYear, the year before the
// harness clock's (2025-06-15).
const (
	reportYear    = "2024"
	reportYearEnd = "2024-12-31"
	pathAnnual    = "/api/v1/reports/annual"
	pathAnonym    = "/api/v1/reports/anonymized"
	pathPolicy    = "/api/v1/reports/policy"
	xlsxType      = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// repEvent is an event to record on a generated case.
type repEvent struct {
	typ  string
	on   string
	data map[string]any
}

// repCase is one generated case: who creates it and the victim's
// statistical attributes. Names are unusual words so that a leak into an
// export is unambiguous.
type repCase struct {
	label        string
	user         string // the caseworker who creates it (decides the shelter)
	given        string
	family       string
	alias        string
	gender       string
	nationality  string
	dob          string // "" for none
	identifiedOn string
	exploitation []string
	events       []repEvent
}

// repCreated is a generated case once created.
type repCreated struct {
	repCase
	id, reference string
}

// ev builds a repEvent.
func ev(typ, on string, data map[string]any) repEvent { return repEvent{typ: typ, on: on, data: data} }

// reportCases is the generated population. Shelter A is payoke (caseworker
// ana, supervisor sam), shelter B is pag-asa (caseworker ben, supervisor
// pia). Thirteen of A's cases and two of B's are identified in 2024; a-old
// was identified in 2023 and has events in 2024; a-new is identified in
// 2025. The expected figures of the tests below are derived from this table
// by hand (see the comments next to them).
func reportCases() []repCase {
	reason := func(r string) map[string]any { return map[string]any{"reason": r} }
	return []repCase{
		{label: "a01", user: uPayoke, given: "Zorvana", family: "Quillbright", alias: "Zee", gender: "female", nationality: "NG",
			dob: "1990-03-01", identifiedOn: "2024-01-10", exploitation: []string{"sexual"},
			events: []repEvent{
				ev("start_reflection", "2024-01-15", nil),
				ev("file_complaint", "2024-02-01", nil),
				ev("confirm_victim_status", "2024-03-01", nil),
				ev("file_charges", "2024-04-01", nil),
				ev("dismiss_case", "2024-06-01", nil),
				ev("claim_compensation", "2024-07-01", map[string]any{"route": "court"}),
			}},
		{label: "a02", user: uPayoke, given: "Mirelune", family: "Oakenshaw", gender: "female", nationality: "NG",
			dob: "1985-05-05", identifiedOn: "2024-02-01", exploitation: []string{"sexual", "labour"},
			events: []repEvent{
				ev("start_reflection", "2024-02-05", nil),
				ev("file_complaint", "2024-02-20", nil),
				ev("withdraw_status", "2024-05-01", reason("stopped_cooperating")),
			}},
		{label: "a03", user: uPayoke, given: "Ilvastra", family: "Brennwick", gender: "female", nationality: "RO",
			dob: "1995-01-01", identifiedOn: "2024-03-01", exploitation: []string{"labour"},
			events: []repEvent{
				ev("start_eu_assistance", "2024-03-05", nil),
				ev("file_complaint", "2024-03-10", nil),
				ev("file_charges", "2024-05-01", nil),
				ev("record_conviction", "2024-09-01", nil),
				ev("claim_compensation", "2024-09-15", map[string]any{"route": "fund"}),
				ev("award_compensation", "2024-11-01", map[string]any{"amount_eur": "1000.50"}),
			}},
		{label: "a04", user: uPayoke, given: "Tobrin", family: "Halvergate", alias: "Tobs", gender: "male", nationality: "NG",
			dob: "2008-06-01", identifiedOn: "2024-04-01", exploitation: []string{"forced_criminality"},
			events: []repEvent{
				ev("start_reflection", "2024-04-03", nil),
				ev("decline_cooperation", "2024-05-01", nil),
			}},
		{label: "a05", user: uPayoke, given: "Oskarel", family: "Thimbleton", gender: "male", nationality: "XX",
			identifiedOn: "2024-05-01", exploitation: []string{"forced_begging"}},
		{label: "a06", user: uPayoke, given: "Saphrine", family: "Dunmorrow", gender: "female", nationality: "NG",
			dob: "1999-01-01", identifiedOn: "2024-06-01", exploitation: []string{"sexual"},
			events: []repEvent{
				ev("start_reflection", "2024-06-02", nil),
				ev("file_complaint", "2024-06-20", nil),
				ev("confirm_victim_status", "2024-08-01", nil),
				ev("file_charges", "2024-09-01", nil),
				ev("withdraw_status", "2024-10-01", reason("fraud")),
			}},
		{label: "a07", user: uPayoke, given: "Kestrane", family: "Vollmarch", gender: "other", nationality: "RO",
			dob: "2000-01-01", identifiedOn: "2024-07-01", exploitation: []string{"domestic_servitude"},
			events: []repEvent{ev("start_eu_assistance", "2024-07-02", nil)}},
		{label: "a08", user: uPayoke, given: "Pellowyn", family: "Crastbury", gender: "unknown", nationality: "XX",
			dob: "2010-01-01", identifiedOn: "2024-08-01", exploitation: []string{"sexual", "forced_begging"}},
		{label: "a09", user: uPayoke, given: "Nadrielle", family: "Fenwhistle", gender: "female", nationality: "NG",
			dob: "1980-01-01", identifiedOn: "2024-09-01", exploitation: []string{"sexual"},
			events: []repEvent{
				ev("start_reflection", "2024-09-02", nil),
				ev("file_complaint", "2024-09-10", nil),
				ev("withdraw_status", "2024-11-01", reason("stopped_cooperating")),
			}},
		{label: "a10", user: uPayoke, given: "Velisande", family: "Ashgrove", gender: "female", nationality: "BG",
			dob: "1992-02-02", identifiedOn: "2024-10-01", exploitation: []string{"sexual"}},
		{label: "a11", user: uPayoke, given: "Thessaly", family: "Morrowind", gender: "female", nationality: "VN",
			dob: "1993-03-03", identifiedOn: "2024-11-01", exploitation: []string{"labour", "other"},
			events: []repEvent{ev("start_reflection", "2024-11-02", nil)}},
		{label: "a12", user: uPayoke, given: "Quenbury", family: "Larkspindle", gender: "female", nationality: "NG",
			dob: "1997-07-07", identifiedOn: "2024-12-01", exploitation: []string{"sexual"},
			events: []repEvent{ev("start_reflection", "2025-01-05", nil)}}, // next year: not in 2024's figures
		{label: "a13", user: uPayoke, given: "Wynfreda", family: "Pottlesby", gender: "female", nationality: "NG",
			dob: "1996-02-02", identifiedOn: "2024-12-02", exploitation: []string{"sexual"}},
		{label: "a-old", user: uPayoke, given: "Hadrovin", family: "Spurling", gender: "male", nationality: "MA",
			dob: "1990-01-01", identifiedOn: "2023-11-01", exploitation: []string{"labour"},
			events: []repEvent{
				ev("start_reflection", "2023-11-05", nil),
				ev("file_complaint", "2024-01-20", nil),
				ev("extend_provisional_permit", "2024-04-01", nil),
			}},
		{label: "a-new", user: uPayoke, given: "Ebonwyn", family: "Kettleburn", gender: "female", nationality: "NG",
			dob: "1996-04-04", identifiedOn: "2025-02-01", exploitation: []string{"sexual"},
			events: []repEvent{
				ev("start_reflection", "2025-02-03", nil),
				ev("file_complaint", "2025-03-01", nil),
			}},
		{label: "b01", user: uPagAsa, given: "Corvianne", family: "Hollowmere", gender: "female", nationality: "NG",
			dob: "1991-01-01", identifiedOn: "2024-03-15", exploitation: []string{"sexual"},
			events: []repEvent{
				ev("start_reflection", "2024-03-20", nil),
				ev("withdraw_status", "2024-04-20", reason("other")),
			}},
		{label: "b02", user: uPagAsa, given: "Dragomir", family: "Featherstonaugh", gender: "male", nationality: "RO",
			dob: "1988-01-01", identifiedOn: "2024-05-10", exploitation: []string{"labour"},
			events: []repEvent{ev("start_eu_assistance", "2024-05-12", nil)}},
	}
}

// createRepCase creates c through the API and records its events.
func (w *world) createRepCase(c repCase) repCreated {
	w.t.Helper()
	v := map[string]any{"given_name": c.given, "family_name": c.family, "gender": c.gender, "nationality": c.nationality}
	if c.alias != "" {
		v["alias"] = c.alias
	}
	if c.dob != "" {
		v["date_of_birth"] = c.dob
	}
	r := w.createCase(c.user, map[string]any{"victim": v, "exploitation": c.exploitation,
		"identified_on": c.identifiedOn, "identified_by": "police"})
	out := repCreated{repCase: c, id: r.str(w.t, "id"), reference: r.str(w.t, "reference")}
	for _, e := range c.events {
		var extra map[string]any
		if e.data != nil {
			extra = map[string]any{"data": e.data}
		}
		w.event(c.user, out.id, e.typ, e.on, extra)
	}
	return out
}

// reportPopulation creates every case of reportCases and returns them by
// label.
func (w *world) reportPopulation() map[string]repCreated {
	w.t.Helper()
	out := map[string]repCreated{}
	for _, c := range reportCases() {
		out[c.label] = w.createRepCase(c)
	}
	return out
}

// annual asks for an annual report as user with the given query and
// fails unless the answer is 200.
func (w *world) annual(user, query string) *response {
	w.t.Helper()
	return w.must(req{method: http.MethodGet, path: pathAnnual + "?" + query, token: w.tok[user]}, http.StatusOK)
}

// kv is one expected cell of a breakdown: a key and its count (an int, or
// a hidden marker string).
type kv struct {
	key string
	n   any
}

// cellsAt returns the cells (key and count) of the array at path.
func cellsAt(t *testing.T, r *response, path string) []kv {
	t.Helper()
	var out []kv
	for i, v := range r.arr(t, path) {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s.%d: got %v, want a cell object", path, i, v)
		}
		key, _ := m["key"].(string)
		out = append(out, kv{key: key, n: m["count"]})
	}
	return out
}

// cellsEq checks the cells at path, in order.
func cellsEq(path string, want ...kv) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		got := cellsAt(t, r, path)
		if !slices.EqualFunc(got, want, func(a, b kv) bool { return a.key == b.key && jsonEq(a.n, b.n) }) {
			t.Errorf("%s: got %s, want %s", path, kvString(got), kvString(want))
		}
	}
}

// marginEq checks a breakdown: its cells in order, total, total_adjusted
// and overlapping.
func marginEq(path string, total any, adjusted, overlapping bool, cells ...kv) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		cellsEq(path+".cells", cells...)(t, r)
		eq(path+".total", total)(t, r)
		eq(path+".total_adjusted", adjusted)(t, r)
		eq(path+".overlapping", overlapping)(t, r)
	}
}

func kvString(cells []kv) string {
	parts := make([]string, len(cells))
	for i, c := range cells {
		if s, ok := c.n.(string); ok {
			parts[i] = c.key + "=" + strconv.Quote(s)
		} else {
			parts[i] = c.key + "=" + fmt.Sprint(c.n)
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// rulesZero returns R01…R25 with count 0, except the given ones.
func rulesZero(set map[string]any) []kv {
	out := make([]kv, 0, 27)
	for i := 1; i <= 27; i++ {
		id := "R" + strconv.Itoa(i/10) + strconv.Itoa(i%10)
		n, ok := set[id]
		if !ok {
			n = 0
		}
		out = append(out, kv{key: id, n: n})
	}
	return out
}

// reasons returns the ten withdrawal reasons with count 0, except the
// given ones.
func reasons(set map[string]any) []kv {
	order := []string{"contact_with_trafficker", "stopped_cooperating", "prosecutor_opinion", "dismissal", "settlement",
		"diplomatic_immunity", "acquittal", "public_order", "fraud", "other"}
	out := make([]kv, 0, len(order))
	for _, k := range order {
		n, ok := set[k]
		if !ok {
			n = 0
		}
		out = append(out, kv{key: k, n: n})
	}
	return out
}

func TestReportAnnualExactFigures(t *testing.T) {
	w := newWorld(t)
	w.reportPopulation()
	tests := []struct {
		name   string
		user   string
		query  string
		checks []check
	}{
		{
			// Shelter A (payoke), 2024: a01…a13 are identified in 2024;
			// a-old (2023) counts only by its 2024 events; a-new (2025),
			// a12's 2025 event and B's cases do not count.
			name: "supervisor of A", user: uPayoke2, query: "year=" + reportYear,
			checks: []check{
				eq("year", 2024), eq("shelter", "payoke"), eq("rules_version", eligibility.Version),
				eq("small_cell_protection", map[string]any{"applied": false, "threshold": 5}),
				eq("data_cutoff.as_of", reportYearEnd), eq("replay_failures", 0),
				eq("victims.identified", 13),
				// female a01 a02 a03 a06 a09 a10 a11 a12 a13; male a04 a05;
				// other a07; unknown a08.
				marginEq("victims.by_gender", 13, false, false,
					kv{"female", 9}, kv{"male", 2}, kv{"other", 1}, kv{"unknown", 1}),
				// minors at identification: a04 (15), a08 (14); a05 has
				// no date of birth.
				marginEq("victims.by_age", 13, false, false,
					kv{"adult", 10}, kv{"minor", 2}, kv{"unknown", 1}),
				// EU: a03 and a07 (RO), a10 (BG); XX counts as non-EU.
				marginEq("victims.by_citizenship", 13, false, false, kv{"eu", 3}, kv{"non_eu", 10}),
				// NG → africa, RO/BG → europe, VN → asia, XX → unknown.
				marginEq("victims.by_region", 13, false, false,
					kv{"africa", 7}, kv{"americas", 0}, kv{"asia", 1}, kv{"europe", 3}, kv{"oceania", 0}, kv{"unknown", 2}),
				// a02, a08 and a11 have two types each.
				marginEq("victims.by_exploitation", 13, false, true,
					kv{"sexual", 8}, kv{"labour", 3}, kv{"forced_criminality", 1}, kv{"forced_begging", 2},
					kv{"domestic_servitude", 1}, kv{"unspecified", 0}, kv{"other", 1}),
				// reflection: a01 a02 a04 a06 a09 a11 (a-old's is 2023,
				// a12's 2025); provisional permits by file_complaint:
				// a01 a02 a06 a09 a-old (a03 is EU: no permit); one
				// extension (a-old); victim status confirmed: a01 a06.
				eq("permits", map[string]any{"reflection_started": 6, "provisional_issued": 5, "provisional_extended": 1,
					"temporary_issued": 2, "temporary_renewed": 0, "indefinite_granted": 0}),
				marginEq("status_withdrawals", 3, false, false,
					reasons(map[string]any{"stopped_cooperating": 2, "fraud": 1})...),
				// complaints: a01 a02 a03 a06 a09 a-old; charges: a01 a03
				// a06; conviction a03; dismissal a01.
				cellsEq("proceedings", kv{"complaint_filed", 6}, kv{"charged", 3}, kv{"convicted", 1},
					kv{"acquitted", 0}, kv{"dismissed", 1}, kv{"settled", 0}, kv{"immunity", 0}),
				eq("compensation", map[string]any{"claims": 2, "awards": 1, "awarded_eur": "1000.50"}),
				cellsEq("flagged_by_rule", rulesZero(map[string]any{
					// R27 (rules version 2): no case recorded
					// inform_of_rights, so every case open on a day of
					// 2024 was flagged: a01…a13 and a-old.
					"R27": 14,
					// in reflection on a day of 2024: a01 a02 a04 a06 a09
					// a11, and a-old until 2024-01-20.
					"R04": 7,
					// provisional_permit: a01 a02 a06 a09 a-old.
					"R05": 5,
					// non-EU in a permit with a complaint or charges: a01
					// (then dismissed while charged, still in
					// temporary_permit: the risk form), a02, a06, a09,
					// a-old.
					"R07": 5,
					// in a permit state with proceedings complaint_filed:
					// the same five.
					"R08": 5,
					// provisional_permit, identity never proven.
					"R10": 5,
					// non-EU temporary_permit without a conviction: a01 a06.
					"R11": 2,
					// forced criminality, non-punishment not invoked: a04.
					"R15": 1,
					// claims without physical violence: a01 a03;
					// labour/begging/domestic only: a03 a05 a07 a-old.
					"R16": 5,
					// non-EU declined: a04.
					"R18": 1,
					// EU citizens: a03 a07 a10.
					"R19": 3,
					// proceedings opened, no legal aid: a01 a02 a03 a06
					// a09 a-old.
					"R20": 6,
					// temporary_permit: a01 a06.
					"R22": 2,
					// non-EU and status_withdrawn: a02 a06 a09.
					"R23": 3,
					// non-EU, still identified after 7 days: a05 a08 a12
					// a13 (statistics never read the date of birth, so a08
					// is not known as a minor here).
					"R24": 4,
				})...),
			},
		},
		{
			// Shelter B (pag-asa), 2024: b01 (NG, reflection then status
			// withdrawn) and b02 (RO, EU assistance) only.
			name: "supervisor of B", user: uPagSup, query: "year=" + reportYear,
			checks: []check{
				eq("shelter", "pag-asa"), eq("small_cell_protection.applied", false),
				eq("victims.identified", 2),
				marginEq("victims.by_gender", 2, false, false,
					kv{"female", 1}, kv{"male", 1}, kv{"other", 0}, kv{"unknown", 0}),
				marginEq("victims.by_age", 2, false, false, kv{"adult", 2}, kv{"minor", 0}, kv{"unknown", 0}),
				marginEq("victims.by_citizenship", 2, false, false, kv{"eu", 1}, kv{"non_eu", 1}),
				marginEq("victims.by_region", 2, false, false,
					kv{"africa", 1}, kv{"americas", 0}, kv{"asia", 0}, kv{"europe", 1}, kv{"oceania", 0}, kv{"unknown", 0}),
				marginEq("victims.by_exploitation", 2, false, true,
					kv{"sexual", 1}, kv{"labour", 1}, kv{"forced_criminality", 0}, kv{"forced_begging", 0},
					kv{"domestic_servitude", 0}, kv{"unspecified", 0}, kv{"other", 0}),
				eq("permits", map[string]any{"reflection_started": 1, "provisional_issued": 0, "provisional_extended": 0,
					"temporary_issued": 0, "temporary_renewed": 0, "indefinite_granted": 0}),
				marginEq("status_withdrawals", 1, false, false, reasons(map[string]any{"other": 1})...),
				cellsEq("proceedings", kv{"complaint_filed", 0}, kv{"charged", 0}, kv{"convicted", 0},
					kv{"acquitted", 0}, kv{"dismissed", 0}, kv{"settled", 0}, kv{"immunity", 0}),
				eq("compensation", map[string]any{"claims": 0, "awards": 0, "awarded_eur": "0.00"}),
				// R27: neither case recorded inform_of_rights.
				cellsEq("flagged_by_rule", rulesZero(map[string]any{"R04": 1, "R16": 1, "R19": 1, "R23": 1, "R27": 2})...),
			},
		},
		{
			// Naming one's own shelter is the same report.
			name: "supervisor of A naming A", user: uPayoke2, query: "year=" + reportYear + "&shelter=payoke",
			checks: []check{eq("shelter", "payoke"), eq("victims.identified", 13)},
		},
		{
			// 2025 up to today: a-new, and a12's reflection of 2025-01-05.
			name: "supervisor of A, this year", user: uPayoke2, query: "year=2025",
			checks: []check{
				eq("year", 2025), eq("data_cutoff.as_of", today), eq("victims.identified", 1),
				eq("permits.reflection_started", 2), eq("permits.provisional_issued", 1),
				cellsEq("proceedings", kv{"complaint_filed", 1}, kv{"charged", 0}, kv{"convicted", 0},
					kv{"acquitted", 0}, kv{"dismissed", 0}, kv{"settled", 0}, kv{"immunity", 0}),
			},
		},
		{
			// An earlier as_of counts only the events up to it: by
			// 2024-03-31, a01 a02 a03 are identified, a01 a02 reflected.
			name: "supervisor of A as of 2024-03-31", user: uPayoke2, query: "year=" + reportYear + "&as_of=2024-03-31",
			checks: []check{
				eq("data_cutoff.as_of", "2024-03-31"), eq("victims.identified", 3),
				eq("permits.reflection_started", 2), eq("permits.provisional_issued", 3), eq("permits.temporary_issued", 1),
				eq("compensation.claims", 0),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.annual(tt.user, tt.query)
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type: got %q, want application/json", ct)
			}
			if cd := r.header.Get("Content-Disposition"); cd != "" {
				t.Errorf("Content-Disposition: got %q, want none for json", cd)
			}
			for _, c := range tt.checks {
				c(t, r)
			}
		})
	}
}

// partitions are the breakdowns whose cells add up to their total.
var partitions = []string{"victims.by_gender", "victims.by_age", "victims.by_citizenship", "victims.by_region", "status_withdrawals"}

// hiddenMarker reports whether v is a hidden count ("<5" or "x").
func hiddenMarker(v any) bool { s, ok := v.(string); return ok && (s == "<5" || s == "x") }

// protectedInvariants checks a small-cell protected report: every count
// shown is at least 5 and every hidden one is "<5" or "x"; in each
// partition with a hidden cell the total is the sum of the cells shown
// (or "<5" when that sum is below 5) and total_adjusted is true; with none
// hidden the total is the sum of the cells.
func protectedInvariants(t *testing.T, r *response) {
	t.Helper()
	eq("small_cell_protection", map[string]any{"applied": true, "threshold": 5})(t, r)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				walk(path+"."+k, vv)
			}
		case []any:
			for i, vv := range x {
				walk(path+"."+strconv.Itoa(i), vv)
			}
		case json.Number:
			if n, err := x.Int64(); err != nil || n < 5 {
				t.Errorf("%s: got %s shown, want a count of at least 5 or a hidden marker", path, x)
			}
		case string:
			if strings.HasSuffix(path, ".key") || strings.HasSuffix(path, "awarded_eur") {
				return
			}
			if !hiddenMarker(x) {
				t.Errorf("%s: got %q, want a count or \"<5\" or \"x\"", path, x)
			}
		}
	}
	for _, section := range []string{"victims", "permits", "status_withdrawals", "proceedings", "compensation", "flagged_by_rule"} {
		v, ok := r.get(section)
		if !ok {
			t.Fatalf("%s: missing", section)
		}
		walk(section, v)
	}
	for _, p := range partitions {
		sum, hidden := 0, false
		for _, c := range cellsAt(t, r, p+".cells") {
			if hiddenMarker(c.n) {
				hidden = true
				continue
			}
			n, _ := c.n.(json.Number).Int64()
			sum += int(n)
		}
		total, _ := r.get(p + ".total")
		adjusted, _ := r.get(p + ".total_adjusted")
		if adjusted != hidden {
			t.Errorf("%s.total_adjusted: got %v, want %v (a cell hidden: %v)", p, adjusted, hidden, hidden)
		}
		switch {
		case sum < 5 && !jsonEq(total, "<5"):
			t.Errorf("%s.total: got %s, want \"<5\" (the cells shown add up to %d)", p, short(total), sum)
		case sum >= 5 && !jsonEq(total, sum):
			t.Errorf("%s.total: got %s, want %d, the sum of the cells shown", p, short(total), sum)
		}
	}
}

func TestReportAnnualProtected(t *testing.T) {
	w := newWorld(t)
	w.reportPopulation()
	tests := []struct {
		name   string
		query  string
		checks []check
	}{
		{
			// All shelters: A's thirteen and B's two victims of 2024.
			name: "auditor, all shelters", query: "year=" + reportYear,
			checks: []check{
				eq("shelter", ""), eq("victims.identified", 15),
				// female 10 shown; male 3, other 1, unknown 1 hidden: the
				// total is what is shown.
				marginEq("victims.by_gender", 10, true, false,
					kv{"female", 10}, kv{"male", "<5"}, kv{"other", "<5"}, kv{"unknown", "<5"}),
				// minor and unknown hold 3 together, which 15 − 12 would
				// give away: adult, the last shown cell, is hidden too.
				marginEq("victims.by_age", "<5", true, false, kv{"adult", "x"}, kv{"minor", "<5"}, kv{"unknown", "<5"}),
				// eu 4 is hidden, so non_eu 11 is hidden too (15 − 11
				// would give it away) and the adjusted total 0 is "<5".
				marginEq("victims.by_citizenship", "<5", true, false, kv{"eu", "<5"}, kv{"non_eu", "x"}),
				marginEq("victims.by_region", 8, true, false,
					kv{"africa", 8}, kv{"americas", "<5"}, kv{"asia", "<5"}, kv{"europe", "<5"}, kv{"oceania", "<5"}, kv{"unknown", "<5"}),
				// Overlapping: the hidden types need only hold 15 − 9 = 6
				// together, each up to 4: none is pinned, no complement,
				// and the total of distinct victims stays.
				marginEq("victims.by_exploitation", 15, false, true,
					kv{"sexual", 9}, kv{"labour", "<5"}, kv{"forced_criminality", "<5"}, kv{"forced_begging", "<5"},
					kv{"domestic_servitude", "<5"}, kv{"unspecified", "<5"}, kv{"other", "<5"}),
				eq("permits", map[string]any{"reflection_started": 7, "provisional_issued": 5, "provisional_extended": "<5",
					"temporary_issued": "<5", "temporary_renewed": "<5", "indefinite_granted": "<5"}),
				marginEq("status_withdrawals", "<5", true, false, reasons(map[string]any{
					"contact_with_trafficker": "<5", "stopped_cooperating": "<5", "prosecutor_opinion": "<5", "dismissal": "<5",
					"settlement": "<5", "diplomatic_immunity": "<5", "acquittal": "<5", "public_order": "<5",
					"fraud": "<5", "other": "<5"})...),
				cellsEq("proceedings", kv{"complaint_filed", 6}, kv{"charged", "<5"}, kv{"convicted", "<5"},
					kv{"acquitted", "<5"}, kv{"dismissed", "<5"}, kv{"settled", "<5"}, kv{"immunity", "<5"}),
				eq("compensation", map[string]any{"claims": "<5", "awards": "<5", "awarded_eur": "x"}),
				// R04: A's 7 and b01; R16: A's 5 and b02; R20: A's 6.
				func(t *testing.T, r *response) {
					t.Helper()
					got := map[string]any{}
					for _, c := range cellsAt(t, r, "flagged_by_rule") {
						got[c.key] = c.n
					}
					want := map[string]any{"R04": 8, "R05": 5, "R07": 5, "R08": 5, "R10": 5, "R16": 6, "R20": 6,
						"R23": "<5", "R19": "<5", "R24": "<5", "R01": "<5"}
					for k, v := range want {
						if !jsonEq(got[k], v) {
							t.Errorf("flagged_by_rule %s: got %s, want %s", k, short(got[k]), short(v))
						}
					}
				},
				protectedInvariants,
			},
		},
		{
			// One shelter: B has two victims, so every count is hidden.
			name: "auditor, shelter B", query: "year=" + reportYear + "&shelter=pag-asa",
			checks: []check{
				eq("shelter", "pag-asa"), eq("victims.identified", "<5"),
				marginEq("victims.by_gender", "<5", true, false,
					kv{"female", "<5"}, kv{"male", "<5"}, kv{"other", "<5"}, kv{"unknown", "<5"}),
				eq("compensation.awarded_eur", "x"),
				protectedInvariants,
			},
		},
		{
			name: "auditor, shelter A", query: "year=" + reportYear + "&shelter=payoke",
			// female 9 of 13: the 4 others would be given away by 13 − 9,
			// so female is hidden too and the adjusted total is "<5".
			checks: []check{eq("shelter", "payoke"), eq("victims.identified", 13), eq("victims.by_gender.total", "<5"),
				eq("victims.by_gender.cells.0.count", "x"), protectedInvariants},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.annual(uAuditor, tt.query)
			for _, c := range tt.checks {
				c(t, r)
			}
		})
	}
}

// sectionsWithout decodes a JSON report into its top-level members, minus
// generated_at (the only member that changes between two requests for the
// same figures).
func sectionsWithout(t *testing.T, raw []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("decode report: %v", err)
	}
	if _, ok := m["generated_at"]; !ok {
		t.Fatalf("report: got no generated_at, want one")
	}
	delete(m, "generated_at")
	return m
}

// sameFigures checks that two reports are byte for byte the same in
// every member but generated_at.
func sameFigures(t *testing.T, got, want *response) {
	t.Helper()
	g, w := sectionsWithout(t, got.raw), sectionsWithout(t, want.raw)
	if len(g) != len(w) {
		t.Errorf("members: got %d, want %d", len(g), len(w))
	}
	for k, wv := range w {
		if gv := g[k]; !bytes.Equal(gv, wv) {
			t.Errorf("%s: got %s, want %s", k, short(json.RawMessage(gv)), short(json.RawMessage(wv)))
		}
	}
}

func TestReportAnnualReproducible(t *testing.T) {
	w := newWorld(t)
	pop := w.reportPopulation()
	before := w.annual(uPayoke2, "year="+reportYear)
	seq := before.num(t, "data_cutoff.audit_seq")
	asOf := before.str(t, "data_cutoff.as_of")
	hash := before.str(t, "data_cutoff.audit_hash")
	if asOf != reportYearEnd {
		t.Fatalf("data_cutoff.as_of: got %s, want %s", asOf, reportYearEnd)
	}
	beforeAud := w.annual(uAuditor, "year="+reportYear)
	audSeq := beforeAud.num(t, "data_cutoff.audit_seq")
	if audSeq <= seq {
		t.Fatalf("auditor's data_cutoff.audit_seq: got %d, want after %d (the supervisor's export was recorded)", audSeq, seq)
	}

	// More data dated in 2024, recorded after the cut-off.
	late := w.createRepCase(repCase{label: "a-late", user: uPayoke, given: "Ysoldine", family: "Marrowgate", gender: "female",
		nationality: "NG", dob: "1994-04-04", identifiedOn: "2024-12-15", exploitation: []string{"sexual"},
		events: []repEvent{ev("start_reflection", "2024-12-20", nil)}})
	w.event(uPayoke, pop["a10"].id, "start_eu_assistance", "2024-12-10", nil)
	w.event(uPayoke, pop["a13"].id, "start_reflection", "2024-12-30", nil)

	cut := "year=" + reportYear + "&cutoff=" + strconv.Itoa(seq) + "&as_of=" + asOf
	t.Run("without the cut-off the new data counts", func(t *testing.T) {
		now := w.annual(uPayoke2, "year="+reportYear)
		eq("victims.identified", 14)(t, now)
		eq("permits.reflection_started", 8)(t, now)
		if got := now.num(t, "data_cutoff.audit_seq"); got <= seq {
			t.Errorf("data_cutoff.audit_seq: got %d, want after %d", got, seq)
		}
	})
	t.Run("with the cut-off the figures are the same", func(t *testing.T) {
		again := w.annual(uPayoke2, cut)
		sameFigures(t, again, before)
		eq("data_cutoff.audit_hash", hash)(t, again)
	})
	t.Run("auditor with the cut-off", func(t *testing.T) {
		again := w.annual(uAuditor, "year="+reportYear+"&cutoff="+strconv.Itoa(audSeq)+"&as_of="+asOf)
		sameFigures(t, again, beforeAud)
	})

	// Erasure destroys the identity, never the statistical attributes.
	for _, label := range []string{"a02", "a08"} {
		w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + pop[label].id + "/erase", token: w.tok[uAdmin]}, http.StatusOK)
	}
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + late.id + "/erase", token: w.tok[uAdmin]}, http.StatusOK)
	t.Run("erasure does not change the figures", func(t *testing.T) {
		again := w.annual(uPayoke2, cut)
		sameFigures(t, again, before)
		audAgain := w.annual(uAuditor, "year="+reportYear+"&cutoff="+strconv.Itoa(audSeq)+"&as_of="+asOf)
		sameFigures(t, audAgain, beforeAud)
	})
	t.Run("erasure does not change the figures at the head", func(t *testing.T) {
		now := w.annual(uPayoke2, "year="+reportYear)
		eq("victims.identified", 14)(t, now)
		eq("victims.by_gender.cells.3.count", 1)(t, now)  // a08, erased, still unknown gender
		eq("status_withdrawals.cells.1.count", 2)(t, now) // a02, erased, still withdrawn
	})

	// The current year: the clock moves on; a cut-off and as_of of the
	// first report still give its figures.
	t.Run("this year, after the clock moved", func(t *testing.T) {
		first := w.annual(uPayoke2, "year=2025")
		seq25, asOf25 := first.num(t, "data_cutoff.audit_seq"), first.str(t, "data_cutoff.as_of")
		if asOf25 != today {
			t.Fatalf("data_cutoff.as_of: got %s, want today %s", asOf25, today)
		}
		w.env.Clock.Set(time.Date(2025, 6, 20, 10, 0, 0, 0, time.UTC))
		for _, u := range []string{uPayoke, uPayoke2} {
			w.tok[u] = w.env.Login(t, u)
		}
		w.createRepCase(repCase{label: "a-june", user: uPayoke, given: "Brannoch", family: "Gildersleeve", gender: "male",
			nationality: "XX", identifiedOn: "2025-06-17", exploitation: []string{"labour"}})
		w.event(uPayoke, pop["a-new"].id, "confirm_victim_status", "2025-06-18", nil)
		now := w.annual(uPayoke2, "year=2025")
		eq("data_cutoff.as_of", "2025-06-20")(t, now)
		eq("victims.identified", 2)(t, now)
		eq("permits.temporary_issued", 1)(t, now)
		again := w.annual(uPayoke2, "year=2025&cutoff="+strconv.Itoa(seq25)+"&as_of="+asOf25)
		sameFigures(t, again, first)
	})
}

// auditRecords reads the whole audit chain as an auditor.
func (w *world) auditRecords() []map[string]any {
	w.t.Helper()
	r := w.must(req{method: http.MethodGet, path: "/api/v1/audit/events", token: w.tok[uAuditor]}, http.StatusOK)
	var out []map[string]any
	for i, v := range r.arr(w.t, "items") {
		m, ok := v.(map[string]any)
		if !ok {
			w.t.Fatalf("items.%d: got %v, want an audit record", i, v)
		}
		out = append(out, m)
	}
	return out
}

// sha256Hex returns the hex SHA-256 digest of b.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestReportExportsRecordedInChain(t *testing.T) {
	w := newWorld(t)
	w.reportPopulation()
	tests := []struct {
		name    string
		user    string
		path    string
		event   string
		shelter string // the record's shelter
		data    map[string]any
	}{
		{"supervisor json", uPayoke2, pathAnnual + "?year=" + reportYear, "export_annual_report", "payoke",
			map[string]any{"year": 2024, "shelter": "payoke", "format": "json", "as_of": reportYearEnd,
				"small_cell_protection": false, "threshold": 5}},
		{"supervisor policy", uPayoke2, pathPolicy + "?year=" + reportYear + "&change=no_dismissal_window", "export_policy_report", "payoke",
			map[string]any{"year": 2024, "shelter": "payoke", "change": "no_dismissal_window", "format": "json",
				"small_cell_protection": false, "threshold": 5}},
		{"supervisor csv", uPayoke2, pathAnnual + "?year=" + reportYear + "&format=csv", "export_annual_report", "payoke",
			map[string]any{"year": 2024, "shelter": "payoke", "format": "csv", "small_cell_protection": false}},
		{"supervisor xlsx is protected", uPayoke2, pathAnnual + "?year=" + reportYear + "&format=xlsx", "export_annual_report", "payoke",
			map[string]any{"year": 2024, "shelter": "payoke", "format": "xlsx", "small_cell_protection": true}},
		{"auditor all shelters", uAuditor, pathAnnual + "?year=" + reportYear + "&as_of=2024-06-30", "export_annual_report", "",
			map[string]any{"year": 2024, "shelter": "all", "format": "json", "as_of": "2024-06-30", "small_cell_protection": true}},
		{"auditor one shelter", uAuditor, pathAnnual + "?year=2025&shelter=pag-asa", "export_annual_report", "pag-asa",
			map[string]any{"year": 2025, "shelter": "pag-asa", "as_of": today}},
		{"anonymized csv", uAuditor, pathAnonym + "?year=" + reportYear + "&k=2", "export_anonymized", "",
			map[string]any{"year": 2024, "k": 2, "format": "csv", "rows": 15, "suppressed": 0, "as_of": reportYearEnd}},
		{"anonymized default k", uAuditor, pathAnonym + "?year=" + reportYear, "export_anonymized", "",
			map[string]any{"year": 2024, "k": 11, "format": "csv", "rows": 15, "suppressed": 0}},
	}
	type sent struct {
		digest string
		size   int
		seq    int // the cut-off the answer states
	}
	answers := make([]sent, len(tests))
	for i, tt := range tests {
		r := w.must(req{method: http.MethodGet, path: tt.path, token: w.tok[tt.user]}, http.StatusOK)
		s := sent{digest: sha256Hex(r.raw), size: len(r.raw)}
		if v := r.header.Get("X-Casemgr-Audit-Seq"); v != "" {
			s.seq, _ = strconv.Atoi(v)
		} else if r.header.Get("Content-Type") == "application/json" {
			s.seq = r.num(t, "data_cutoff.audit_seq")
		}
		answers[i] = s
	}
	recs := w.auditRecords()
	byDigest := map[string]map[string]any{}
	counts := map[string]int{}
	for _, rec := range recs {
		ev, _ := rec["event"].(string)
		if ev != "export_annual_report" && ev != "export_anonymized" && ev != "export_policy_report" {
			continue
		}
		counts[ev]++
		data, _ := rec["data"].(map[string]any)
		d, _ := data["sha256"].(string)
		byDigest[d] = rec
	}
	if counts["export_annual_report"] != 5 || counts["export_anonymized"] != 2 || counts["export_policy_report"] != 1 {
		t.Errorf("export records: got %v, want 5 export_annual_report, 2 export_anonymized and 1 export_policy_report (one per answer)", counts)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := answers[i]
			rec, ok := byDigest[a.digest]
			if !ok {
				t.Fatalf("audit chain: got no record with sha256 %s (the digest of the %d bytes received), want one", a.digest, a.size)
			}
			role := "supervisor"
			if tt.user == uAuditor {
				role = "auditor"
			}
			for k, want := range map[string]any{"event": tt.event, "actor": tt.user, "actor_role": role, "shelter": tt.shelter,
				"case_id": "", "case_ref": "", "occurred_on": ""} {
				if !jsonEq(rec[k], want) {
					t.Errorf("record %s: got %s, want %s", k, short(rec[k]), short(want))
				}
			}
			data := rec["data"].(map[string]any)
			want := map[string]any{"bytes": a.size}
			if a.seq > 0 {
				want["cutoff_seq"] = a.seq
			}
			for k, v := range tt.data {
				want[k] = v
			}
			for k, v := range want {
				if !jsonEq(data[k], v) {
					t.Errorf("record data.%s: got %s, want %s", k, short(data[k]), short(v))
				}
			}
			if seq, err := rec["seq"].(json.Number).Int64(); err != nil || int(seq) <= a.seq {
				t.Errorf("record seq: got %v, want after the cut-off %d the answer states", rec["seq"], a.seq)
			}
		})
	}
}

// sendUnrecorded sends a request straight to the router without recording
// the exchange: for NDJSON answers of the anonymized export, whose lines
// TestMain's validator has no schema name for (it knows only the audit
// exports); their lines are validated here against AnonymizedLine.
func sendUnrecorded(t *testing.T, h http.Handler, path, token string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// identityStrings lists every identifying string of the created cases:
// names, aliases, dates of birth, ids and references.
func identityStrings(pop map[string]repCreated) []string {
	var out []string
	for _, c := range pop {
		out = append(out, c.given, c.family, c.id, c.reference)
		if c.alias != "" {
			out = append(out, c.alias)
		}
		if c.dob != "" {
			out = append(out, c.dob)
		}
	}
	slices.Sort(out)
	return out
}

func TestReportAnonymizedExport(t *testing.T) {
	w := newWorld(t)
	pop := w.reportPopulation()
	identified := 15 // A's thirteen and B's two victims of 2024
	// a12 and a13 share every column: female, NG, 27-29, adult, sexual
	// exploitation only, identified, no proceedings. Every other victim of
	// 2024 is alone in its class: before local suppression only these two
	// rows were published with k=2; now every victim keeps a row, with
	// values suppressed (-99) or generalised, and the pair is published as
	// it is.
	pairRow := []string{"2024", "Case Management", "Female", "27--29", "Adult", "NG", "0", "1", "0", "0", "0", "0", "identified", "none"}
	tests := []struct {
		name       string
		query      string
		k          int
		rows       int
		suppressed int
		pairs      int // rows equal to pairRow
	}{
		{"k=2", "year=" + reportYear + "&k=2", 2, identified, 0, 2},
		{"k=3", "year=" + reportYear + "&k=3", 3, identified - 2, 2, 0},
		{"default k", "year=" + reportYear, report.DefaultK, identified, 0, 0},
		{"explicit csv", "year=" + reportYear + "&k=2&format=csv", 2, identified, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := w.must(req{method: http.MethodGet, path: pathAnonym + "?" + tt.query, token: w.tok[uAuditor]}, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want text/csv; charset=utf-8", ct)
			}
			wantCD := "attachment; filename=casemgr-anonymized-2024-k" + strconv.Itoa(tt.k) + ".csv"
			if cd := r.header.Get("Content-Disposition"); cd != wantCD {
				t.Errorf("Content-Disposition: got %q, want %q", cd, wantCD)
			}
			for h, want := range map[string]string{
				"X-Casemgr-K": strconv.Itoa(tt.k), "X-Casemgr-Rows": strconv.Itoa(tt.rows),
				"X-Casemgr-Suppressed": strconv.Itoa(tt.suppressed), "X-Casemgr-Rules-Version": eligibility.Version,
				"X-Casemgr-As-Of": reportYearEnd, "X-Casemgr-Rows-Dropped": strconv.Itoa(tt.suppressed),
			} {
				if got := r.header.Get(h); got != want {
					t.Errorf("%s: got %q, want %q", h, got, want)
				}
			}
			// The values lost, per quasi-identifier: the -99 cells of the
			// body that no victim had unknown are at most the count.
			counts := regexp.MustCompile(`^yearOfRegistration=\d+,gender=\d+,ageBroad=\d+,majorityStatus=\d+,citizenship=\d+,` +
				`isForcedLabour=\d+,isSexualExploit=\d+,isOtherExploit=\d+,typeOfLabourBegging=\d+,typeOfLabourDomesticWork=\d+,` +
				`typeOfLabourIllicitActivities=\d+,nrmState=\d+,nrmProceedings=\d+$`)
			for _, h := range []string{"X-Casemgr-Suppressed-Values", "X-Casemgr-Generalised-Values"} {
				if got := r.header.Get(h); !counts.MatchString(got) {
					t.Errorf("%s: got %q, want col=n for every quasi-identifier", h, got)
				}
			}
			if got := r.header.Get("X-Casemgr-Suppressed-Values"); tt.k > 2 && strings.Contains(got, "nrmState=0,") {
				t.Errorf("X-Casemgr-Suppressed-Values: got %q, want nrmState values suppressed (every victim but two is alone)", got)
			}
			rows, _ := strconv.Atoi(r.header.Get("X-Casemgr-Rows"))
			supp, _ := strconv.Atoi(r.header.Get("X-Casemgr-Suppressed"))
			if rows+supp != identified {
				t.Errorf("X-Casemgr-Rows + X-Casemgr-Suppressed: got %d + %d, want %d (the victims identified in 2024)", rows, supp, identified)
			}
			if seq, err := strconv.Atoi(r.header.Get("X-Casemgr-Audit-Seq")); err != nil || seq < 1 {
				t.Errorf("X-Casemgr-Audit-Seq: got %q, want an audit seq", r.header.Get("X-Casemgr-Audit-Seq"))
			}
			records, err := csv.NewReader(bytes.NewReader(r.raw)).ReadAll()
			if err != nil {
				t.Fatalf("parse CSV: %v", err)
			}
			if len(records) == 0 || !slices.Equal(records[0], report.CTDCColumns) {
				t.Fatalf("CSV header: got %v, want %v", records[:min(1, len(records))], report.CTDCColumns)
			}
			body := records[1:]
			if len(body) != tt.rows {
				t.Errorf("CSV rows: got %d, want %d", len(body), tt.rows)
			}
			classes := map[string]int{}
			for _, row := range body {
				classes[strings.Join(row, "\x00")]++
			}
			for key, n := range classes {
				if n < tt.k {
					t.Errorf("equivalence class %q: got %d rows, want at least k = %d", strings.ReplaceAll(key, "\x00", ","), n, tt.k)
				}
			}
			// The pair's row, generalised or not, is published twice.
			pairs := 0
			for _, row := range body {
				if compatible(pairRow, row) {
					pairs++
				}
			}
			if pairs < tt.pairs {
				t.Errorf("rows a12 and a13 may have become: got %d, want at least %d", pairs, tt.pairs)
			}
			for _, s := range identityStrings(pop) {
				if bytes.Contains(r.raw, []byte(s)) {
					t.Errorf("export bytes: got %q, an identifying string of a created case, want none", s)
				}
			}
		})
	}

	t.Run("ndjson", func(t *testing.T) {
		rec := sendUnrecorded(t, w.env.Handler, pathAnonym+"?year="+reportYear+"&k=2&format=ndjson", w.tok[uAuditor])
		if rec.Code != http.StatusOK {
			t.Fatalf("GET ndjson: got %d %s, want 200", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/x-ndjson" {
			t.Errorf("Content-Type: got %q, want application/x-ndjson", ct)
		}
		raw := rec.Body.Bytes()
		lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
		if len(lines) != 1+identified {
			t.Fatalf("lines: got %d, want the meta line and %d rows", len(lines), identified)
		}
		var first struct {
			Meta report.AnonymizedMeta `json:"meta"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
			t.Fatalf("first line: %v", err)
		}
		want := report.AnonymizedMeta{K: 2, Rows: identified, Suppressed: 0, RulesVersion: eligibility.Version, Year: 2024,
			Columns: report.CTDCColumns, AsOf: "2024-12-31"}
		if first.Meta.K != want.K || first.Meta.Rows != want.Rows || first.Meta.Suppressed != want.Suppressed ||
			first.Meta.RulesVersion != want.RulesVersion || first.Meta.Year != want.Year || !slices.Equal(first.Meta.Columns, want.Columns) ||
			first.Meta.AsOf != want.AsOf || strconv.FormatInt(first.Meta.AuditSeq, 10) != rec.Header().Get("X-Casemgr-Audit-Seq") || first.Meta.AuditSeq == 0 {
			t.Errorf("meta: got %+v, want %+v", first.Meta, want)
		}
		pairs := 0
		for _, line := range lines[1:] {
			var m map[string]string
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("row line: %v", err)
			}
			row := make([]string, len(report.CTDCColumns))
			for i, col := range report.CTDCColumns {
				row[i] = m[col]
			}
			if compatible(pairRow, row) {
				pairs++
			}
		}
		if pairs < 2 {
			t.Errorf("rows a12 and a13 may have become: got %d, want at least 2", pairs)
		}
		for _, s := range identityStrings(pop) {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("export bytes: got %q, an identifying string of a created case, want none", s)
			}
		}
		doc, err := loadOpenAPI(context.Background())
		if err != nil {
			t.Fatalf("%v", err)
		}
		if n, err := validateLines(doc, "AnonymizedLine", raw); err != nil || n != 1+identified {
			t.Errorf("lines against AnonymizedLine: got %d lines, error %v, want %d lines and no error", n, err, 1+identified)
		}
		for h, want := range map[string]string{"X-Casemgr-K": "2", "X-Casemgr-Rows": strconv.Itoa(identified), "X-Casemgr-Suppressed": "0"} {
			if got := rec.Header().Get(h); got != want {
				t.Errorf("%s: got %q, want %q", h, got, want)
			}
		}
	})
}

// compatible reports whether out may be in's anonymized row: each value
// kept, suppressed (-99) or generalised (a region, a broader age band).
func compatible(in, out []string) bool {
	for i := range in {
		if out[i] != in[i] && out[i] != "-99" && !(i == 3 && strings.Contains(out[i], "--")) && !(i == 5 && len(out[i]) > 2) {
			return false
		}
	}
	return true
}

// startsWith checks the first bytes of the body.
func startsWith(prefix string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		if !bytes.HasPrefix(r.raw, []byte(prefix)) {
			t.Errorf("body: got %q…, want it to start with %q", r.raw[:min(8, len(r.raw))], prefix)
		}
	}
}

// headerEq checks an answer's header.
func headerEq(name, want string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		if got := r.header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestReportErrors(t *testing.T) {
	w := newWorld(t)
	w.newCase(uPayoke, "Errant", "Reportson", "2024-05-01")
	get := func(user, path string) req {
		r := req{method: http.MethodGet, path: path}
		if user != "" {
			r.token = w.tok[user]
		}
		return r
	}
	a := func(q string) string { return pathAnnual + "?" + q }
	x := func(q string) string { return pathAnonym + "?" + q }
	y := "year=" + reportYear
	w.run(t, []scenario{
		{name: "annual: year missing", req: get(uPayoke2, pathAnnual), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year"), problemType("urn:casemgr:problem:invalid-input")}},
		{name: "annual: year not a number", req: get(uPayoke2, a("year=last")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year")}},
		{name: "annual: year 1999", req: get(uPayoke2, a("year=1999")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year")}},
		{name: "annual: next year", req: get(uAuditor, a("year=2026")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year")}},
		{name: "annual: format pdf", req: get(uPayoke2, a(y+"&format=pdf")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("format")}},
		{name: "annual: format ndjson", req: get(uAuditor, a(y+"&format=ndjson")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("format")}},
		{name: "annual: cutoff 0", req: get(uPayoke2, a(y+"&cutoff=0")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("cutoff")}},
		{name: "annual: cutoff not a number", req: get(uPayoke2, a(y+"&cutoff=head")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("cutoff")}},
		{name: "annual: cutoff after the head", req: get(uPayoke2, a(y+"&cutoff=999999")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("cutoff")}},
		{name: "annual: as_of not a date", req: get(uPayoke2, a(y+"&as_of=2024-13-01")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("as_of")}},
		{name: "annual: as_of before the year", req: get(uPayoke2, a(y+"&as_of=2023-12-31")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("as_of")}},
		{name: "annual: as_of after today", req: get(uPayoke2, a("year=2025&as_of=2025-06-16")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("as_of")}},
		{name: "annual: year missing and bad cutoff", req: get(uPayoke2, a("cutoff=-1")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year", "cutoff")}},
		{name: "annual: supervisor of A asks for B", req: get(uPayoke2, a(y+"&shelter=pag-asa")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("shelter")}},
		{name: "annual: auditor, unknown shelter", req: get(uAuditor, a(y+"&shelter=nowhere")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("shelter")}},
		{name: "annual: caseworker", req: get(uPayoke, a(y)), status: http.StatusForbidden,
			checks: []check{problemType("urn:casemgr:problem:forbidden")}},
		{name: "annual: admin", req: get(uAdmin, a(y)), status: http.StatusForbidden},
		{name: "annual: caseworker without a year", req: get(uPayoke, pathAnnual), status: http.StatusForbidden},
		{name: "annual: no token", req: get("", a(y)), status: http.StatusUnauthorized,
			checks: []check{headerEq("WWW-Authenticate", `Bearer realm="casemgr"`)}},
		{name: "annual: xlsx", req: get(uPayoke2, a(y+"&format=xlsx")), status: http.StatusOK,
			checks: []check{headerEq("Content-Type", xlsxType), startsWith("PK"),
				headerEq("Content-Disposition", "attachment; filename=casemgr-annual-2024-payoke.xlsx"),
				headerEq("Cache-Control", "no-store")}},
		{name: "annual: auditor xlsx", req: get(uAuditor, a(y+"&format=xlsx")), status: http.StatusOK,
			checks: []check{headerEq("Content-Type", xlsxType), startsWith("PK"),
				headerEq("Content-Disposition", "attachment; filename=casemgr-annual-2024-all.xlsx")}},
		{name: "annual: csv", req: get(uPayoke2, a(y+"&format=csv")), status: http.StatusOK,
			checks: []check{headerEq("Content-Type", "text/csv; charset=utf-8"), startsWith("section,key,value\nmeta,year,2024\n"),
				headerEq("Content-Disposition", "attachment; filename=casemgr-annual-2024-payoke.csv")}},
		{name: "annual: json", req: get(uPayoke2, a(y+"&format=json")), status: http.StatusOK,
			checks: []check{headerEq("Content-Type", "application/json"), eq("victims.identified", 1), headerEq("Cache-Control", "no-store")}},
		{name: "anonymized: year missing", req: get(uAuditor, pathAnonym), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year")}},
		{name: "anonymized: year 1999", req: get(uAuditor, x("year=1999")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year")}},
		{name: "anonymized: k=1", req: get(uAuditor, x(y+"&k=1")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("k")}},
		{name: "anonymized: k=1001", req: get(uAuditor, x(y+"&k=1001")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("k")}},
		{name: "anonymized: k not a number", req: get(uAuditor, x(y+"&k=many")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("k")}},
		{name: "anonymized: a shelter", req: get(uAuditor, x(y+"&shelter=payoke")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("shelter")}},
		{name: "anonymized: year missing and k=1", req: get(uAuditor, x("k=1")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("year", "k")}},
		{name: "anonymized: format json", req: get(uAuditor, x(y+"&format=json")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("format")}},
		{name: "anonymized: format pdf", req: get(uAuditor, x(y+"&format=pdf")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("format")}},
		{name: "anonymized: bad as_of", req: get(uAuditor, x(y+"&as_of=yesterday")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("as_of")}},
		{name: "anonymized: cutoff after the head", req: get(uAuditor, x(y+"&cutoff=999999")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("cutoff")}},
		{name: "anonymized: caseworker", req: get(uPayoke, x(y)), status: http.StatusForbidden},
		{name: "anonymized: supervisor", req: get(uPayoke2, x(y)), status: http.StatusForbidden},
		{name: "anonymized: admin", req: get(uAdmin, x(y)), status: http.StatusForbidden},
		{name: "anonymized: no token", req: get("", x(y)), status: http.StatusUnauthorized},
		{name: "anonymized: k=2", req: get(uAuditor, x(y+"&k=2")), status: http.StatusOK,
			checks: []check{headerEq("Content-Type", "text/csv; charset=utf-8"), headerEq("X-Casemgr-Rows", "0"),
				headerEq("X-Casemgr-Suppressed", "1"), startsWith(strings.Join(report.CTDCColumns, ",") + "\n")}},
	})
}

// TestReportPolicy checks the caseload what-if route: roles and scope as
// for the annual report, validation of change and year, protection for
// auditors, and the csv-be rendering.
func TestReportPolicy(t *testing.T) {
	w := newWorld(t)
	w.reportPopulation()
	q := pathPolicy + "?year=" + reportYear + "&change="
	w.must(req{method: http.MethodGet, path: q + "no_dismissal_window", token: w.tok[uPayoke]}, http.StatusForbidden)
	w.must(req{method: http.MethodGet, path: q + "no_dismissal_window", token: w.tok[uAdmin]}, http.StatusForbidden)

	sup := w.must(req{method: http.MethodGet, path: q + "no_dismissal_window", token: w.tok[uPayoke2]}, http.StatusOK)
	eq("shelter", "payoke")(t, sup)
	eq("change.id", "no_dismissal_window")(t, sup)
	eq("small_cell_protection", map[string]any{"applied": false, "threshold": 5})(t, sup)
	if outs := sup.arr(t, "outcomes"); len(outs) != 3 {
		t.Errorf("outcomes: got %d, want residence, services, residence_or_services", len(outs))
	}

	aud := w.must(req{method: http.MethodGet, path: q + "reflection_90_days", token: w.tok[uAuditor]}, http.StatusOK)
	eq("shelter", "")(t, aud)
	eq("small_cell_protection", map[string]any{"applied": true, "threshold": 5})(t, aud)
	audOne := w.must(req{method: http.MethodGet, path: q + "reflection_90_days&shelter=pag-asa", token: w.tok[uAuditor]}, http.StatusOK)
	eq("shelter", "pag-asa")(t, audOne)

	for _, tt := range []struct {
		name, user, path, field string
	}{
		{"unknown change", uAuditor, q + "no_such_change", "change"},
		{"missing change", uAuditor, pathPolicy + "?year=" + reportYear, "change"},
		{"year too early", uAuditor, pathPolicy + "?year=1999&change=no_dismissal_window", "year"},
		{"year missing", uPayoke2, pathPolicy + "?change=no_dismissal_window", "year"},
		{"supervisor, another shelter", uPayoke2, q + "no_dismissal_window&shelter=pag-asa", "shelter"},
		{"auditor, unknown shelter", uAuditor, q + "no_dismissal_window&shelter=nowhere", "shelter"},
		{"unknown format", uAuditor, q + "no_dismissal_window&format=xlsx", "format"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := w.must(req{method: http.MethodGet, path: tt.path, token: w.tok[tt.user]}, http.StatusUnprocessableEntity)
			if got := r.fieldNames(); !slices.Contains(got, tt.field) {
				t.Errorf("fields: got %v, want %s", got, tt.field)
			}
		})
	}

	be := w.must(req{method: http.MethodGet, path: q + "no_settlement_condition&format=csv-be", token: w.tok[uPayoke2]}, http.StatusOK)
	if !bytes.HasPrefix(be.raw, []byte("\ufeffsection;key;value\n")) {
		t.Errorf("csv-be: got %q…, want a byte order mark and a ; header", be.raw[:min(30, len(be.raw))])
	}
	if cd := be.header.Get("Content-Disposition"); cd != "attachment; filename=casemgr-policy-2024-no_settlement_condition-payoke.csv" {
		t.Errorf("Content-Disposition: got %q", cd)
	}
}

// TestReportAnnualCSVBE checks the Belgian spreadsheet variant of the
// annual report: byte order mark, semicolons, decimal comma; csv unchanged.
func TestReportAnnualCSVBE(t *testing.T) {
	w := newWorld(t)
	w.reportPopulation()
	csvr := w.must(req{method: http.MethodGet, path: pathAnnual + "?year=" + reportYear + "&format=csv", token: w.tok[uPayoke2]}, http.StatusOK)
	be := w.must(req{method: http.MethodGet, path: pathAnnual + "?year=" + reportYear + "&format=csv-be", token: w.tok[uPayoke2]}, http.StatusOK)
	if !bytes.HasPrefix(be.raw, []byte("\ufeffsection;key;value\n")) || bytes.HasPrefix(csvr.raw, []byte("\ufeff")) {
		t.Errorf("csv-be: got %q…, csv %q…", be.raw[:min(30, len(be.raw))], csvr.raw[:min(30, len(csvr.raw))])
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(be.raw, []byte("\ufeff"))))
	r.Comma = ';'
	lines, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse csv-be: %v", err)
	}
	plain, err := csv.NewReader(bytes.NewReader(csvr.raw)).ReadAll()
	if err != nil || len(plain) != len(lines) {
		t.Fatalf("csv: %d lines (%v), csv-be %d", len(plain), err, len(lines))
	}
	for i := range lines {
		want := plain[i][2]
		if strings.Count(want, ".") == 1 && strings.Trim(want, "0123456789.") == "" {
			want = strings.Replace(want, ".", ",", 1)
		}
		if lines[i][0] == "meta" {
			continue // each answer is recorded: the cut-offs differ
		}
		if lines[i][0] != plain[i][0] || lines[i][1] != plain[i][1] || lines[i][2] != want {
			t.Errorf("line %d: got %q, want %q with %q", i, lines[i], plain[i], want)
		}
		if lines[i][1] == "awarded_eur" && !strings.Contains(lines[i][2], ",") {
			t.Errorf("awarded_eur: got %q, want a decimal comma", lines[i][2])
		}
	}
}
