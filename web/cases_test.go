package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func newCaseForm(given, family string) url.Values {
	return url.Values{"victim.given_name": {given}, "victim.family_name": {family}, "victim.alias": {""},
		"victim.date_of_birth": {"1998-04-17"}, "victim.gender": {"female"}, "victim.nationality": {"NG"},
		"exploitation": {"sexual", "labour"}, "identified_on": {"2025-06-01"}, "identified_by": {"police"}}
}

// TestEscaping opens a case whose names are markup and checks that every
// page shows them as text.
func TestEscaping(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn(t, "ana")
	form := newCaseForm("<script>alert(1)</script>", `"><img src=x onerror=alert(2)>`)
	form.Set("victim.alias", `</textarea><b>bold</b>`)
	r := b.post("/cases/new", form)
	if r.Code != http.StatusSeeOther {
		t.Fatalf("create: got %d, want 303; body:\n%s", r.Code, r.Body)
	}
	casePath := strings.Split(r.Header.Get("Location"), "?")[0]
	for _, path := range []string{casePath, "/cases"} {
		t.Run(path, func(t *testing.T) {
			body := b.get(path).Body
			for _, raw := range []string{"<script>alert(1)", "<img src=x", "<b>bold</b>"} {
				if strings.Contains(body, raw) {
					t.Fatalf("page holds the raw markup %q", raw)
				}
			}
			if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatalf("page does not show the escaped given name")
			}
			if !strings.Contains(body, "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;") {
				t.Fatalf("page does not show the escaped family name")
			}
		})
	}
	// A failed form keeps the markup typed, escaped inside the value attribute.
	bad := newCaseForm("<script>alert(3)</script>", "")
	r = b.post("/cases/new", bad)
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("failed create: got %d, want 422", r.Code)
	}
	if strings.Contains(r.Body, "<script>alert(3)") || !strings.Contains(r.Body, `value="&lt;script&gt;alert(3)&lt;/script&gt;"`) {
		t.Fatalf("the typed markup is not kept escaped in the form")
	}
}

// TestNewCaseFailedSubmit checks that a refused new-case form comes back
// with what was typed and each error next to its field, in the user's
// language.
func TestNewCaseFailedSubmit(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		lang                 string
		required, future     string
		chooseOne            string
		wantGivenName        string
		wantNationalityLabel string
	}{
		{"en", "Required.", "This date is in the future.", "Choose at least one.", "Marie", "Nigeria (NG)"},
		{"fr", "Obligatoire.", "Cette date est dans le futur.", "Choisissez-en au moins un.", "Marie", "Nigéria (NG)"},
		{"nl", "Verplicht.", "Deze datum ligt in de toekomst.", "Kies er minstens één.", "Marie", "Nigeria (NG)"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			b := e.loggedIn(t, "ana")
			b.get("/cases/new?lang=" + tt.lang)
			before := e.countRows(t, "cases")
			form := newCaseForm("Marie", " ")
			form.Set("identified_on", "2025-07-01") // after today (2025-06-15)
			form.Del("exploitation")
			form.Set("victim.unaccompanied_minor", "on")
			r := b.post("/cases/new", form)
			if r.Code != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", r.Code)
			}
			if n := e.countRows(t, "cases"); n != before {
				t.Fatalf("cases: got %d, want %d", n, before)
			}
			checks := []struct{ name, pattern string }{
				{"given name kept", `id="given_name" name="victim.given_name" type="text" value="` + tt.wantGivenName + `"`},
				{"date kept", `name="identified_on" type="date" value="2025-07-01"`},
				{"nationality kept", `<option value="NG" selected>` + tt.wantNationalityLabel + `</option>`},
				{"minor kept", `name="victim.unaccompanied_minor" type="checkbox" value="on" checked`},
				{"family name error", `aria-invalid="true" aria-describedby="family_name-err">` + "\n  " +
					`<p class="field-error" id="family_name-err">` + tt.required + `</p>`},
				{"date error", `<p class="field-error" id="identified_on-err">` + tt.future + `</p>`},
				{"exploitation error", `<p class="field-error" id="exploitation-err">` + tt.chooseOne + `</p>`},
			}
			for _, c := range checks {
				if !strings.Contains(r.Body, c.pattern) {
					t.Errorf("%s: page does not contain %q", c.name, c.pattern)
				}
			}
		})
	}
}

// TestCaseEvents records events through the case page's forms and checks
// the deadlines, flags, history, a refused field, a stale version and a
// refused transition.
func TestCaseEvents(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	b := e.loggedIn(t, "ana")
	path := "/cases/" + c.ID
	b.get(path)
	event := func(typ, on, version string, data url.Values) response {
		f := url.Values{"action": {"event"}, "type": {typ}, "occurred_on": {on}, "version": {version}}
		for k, v := range data {
			f[k] = v
		}
		return b.post(path, f)
	}
	r := event("start_reflection", "2025-06-02", "1", nil)
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != path+"?ok=event_recorded" {
		t.Fatalf("start_reflection: got %d to %q, want 303 to %s?ok=event_recorded", r.Code, r.Header.Get("Location"), path)
	}
	page := noLabels(b.get(r.Header.Get("Location")).Body)
	for _, want := range []string{
		"The event was recorded.",
		`<dd id="case-state">reflection period</dd>`,
		// 2025-06-02 + 45 days = 2025-07-17, 32 days after 2025-06-15
		`<tr class="deadline" data-kind="reflection_end"><th scope="row">End of the reflection period</th><td>17/07/2025</td><td>in 32 days</td>`,
		`<span class="track">identified → <strong>reflection period</strong></span>`,
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("case page does not contain %q", want)
		}
	}

	t.Run("field error", func(t *testing.T) {
		r := event("award_compensation", "2025-06-10", "2", url.Values{"data.amount_eur": {"lots"}, "note": {"kept note"}})
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("got %d, want 422", r.Code)
		}
		for _, want := range []string{
			`<details id="ev-award_compensation" open>`,
			`value="lots"`,
			`<p class="field-error" id="ev-award_compensation-amount_eur-err">Enter a positive amount in euros, such as 1250.00.</p>`,
			`>kept note</textarea>`,
		} {
			if !strings.Contains(r.Body, want) {
				t.Fatalf("refused form does not contain %q", want)
			}
		}
	})
	t.Run("future date", func(t *testing.T) {
		r := event("file_complaint", "2025-06-20", "2", nil)
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body,
			`<p class="field-error" id="ev-file_complaint-on-err">This date is in the future.</p>`) {
			t.Fatalf("got %d, want 422 with the date error next to the field", r.Code)
		}
	})
	t.Run("stale version", func(t *testing.T) {
		r := event("file_complaint", "2025-06-10", "1", nil)
		if r.Code != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this case") {
			t.Fatalf("got %d, want 409 with the stale message", r.Code)
		}
		got, err := e.Cases.Get(t.Context(), e.actors["ana"], c.ID, c.AsOf)
		if err != nil || got.Version != 2 {
			t.Fatalf("version: got %d (%v), want 2", got.Version, err)
		}
	})
	t.Run("not allowed now", func(t *testing.T) {
		r := event("grant_indefinite_stay", "2025-06-10", "2", nil)
		if r.Code != http.StatusConflict || !strings.Contains(r.Body, "This event is not allowed in the case&#39;s current state.") {
			t.Fatalf("got %d, want 409 with the refusal", r.Code)
		}
	})

	r = event("file_complaint", "2025-06-10", "2", url.Values{"note": {"statement to the police"}})
	if r.Code != http.StatusSeeOther {
		t.Fatalf("file_complaint: got %d, want 303", r.Code)
	}
	page = noLabels(b.get(path).Body)
	for _, want := range []string{
		`<dd id="case-state">provisional permit (3 months)</dd>`,
		`<dd id="case-proceedings">complaint filed</dd>`,
		// 2025-06-10 + 3 months = 2025-09-10
		`<tr class="deadline" data-kind="provisional_permit_expiry"><th scope="row">Provisional permit expires</th><td>10/09/2025</td><td>in 87 days</td>`,
		`<li class="flag flag-medium" data-rule="R07">`,
		`<p class="note">statement to the police</p>`,
		`<input type="hidden" name="version" value="3">`,
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("case page does not contain %q", want)
		}
	}
	// Only the events allowed now have a form (grouped by track:
	// TestCasePageGroupsEvents checks the order).
	forms := regexp.MustCompile(`<input type="hidden" name="type" value="([a-z_]+)">`).FindAllStringSubmatch(page, -1)
	got, err := e.Cases.Get(t.Context(), e.actors["ana"], c.ID, c.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != len(got.AllowedEvents) {
		t.Fatalf("event forms: got %d, want %d (allowed_events)", len(forms), len(got.AllowedEvents))
	}
	for _, m := range forms {
		if !contains(got.AllowedEvents, m[1]) {
			t.Fatalf("event form %s: not an allowed event %v", m[1], got.AllowedEvents)
		}
	}
}

// TestEventAmounts records a compensation award through the case page
// with the amounts the form's pattern lets through: each is recorded with
// the two decimals the service wants, none is refused.
func TestEventAmounts(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	b := e.loggedIn(t, "ana")
	path := "/cases/" + c.ID
	b.get(path)
	tests := []struct {
		name, typed, want string
	}{
		{"two decimals", "1250.50", "1250.50"},
		{"decimal comma", "1250,50", "1250.50"},
		{"no cents", "1 250", "1250.00"},
		{"one decimal", "12.5", "12.50"},
		{"one decimal after a comma", "1250,5", "1250.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := e.Cases.Get(t.Context(), e.actors["ana"], c.ID, c.AsOf)
			if err != nil {
				t.Fatal(err)
			}
			r := b.post(path, url.Values{"action": {"event"}, "type": {"award_compensation"}, "occurred_on": {"2025-06-10"},
				"version": {strconv.Itoa(cs.Version)}, "data.amount_eur": {tt.typed}})
			if r.Code != http.StatusSeeOther {
				t.Fatalf("amount %q: got %d, want 303", tt.typed, r.Code)
			}
			hist, err := e.Cases.History(t.Context(), e.actors["ana"], c.ID)
			if err != nil {
				t.Fatal(err)
			}
			var data struct {
				Amount string `json:"amount_eur"`
			}
			last := hist[len(hist)-1]
			if err := json.Unmarshal(last.Data, &data); err != nil || last.Event != "award_compensation" {
				t.Fatalf("last event: got %s %s (%v), want award_compensation", last.Event, last.Data, err)
			}
			if data.Amount != tt.want {
				t.Fatalf("amount %q: got %q recorded, want %q", tt.typed, data.Amount, tt.want)
			}
		})
	}
}

// TestWhatIf runs the what-if panel: a dismissal before charges would lose
// residence and services; nothing is written; an event that needs data
// asks for it next to the field.
func TestWhatIf(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	b := e.loggedIn(t, "ana")
	path := "/cases/" + c.ID
	b.get(path)
	for _, ev := range []url.Values{
		{"action": {"event"}, "type": {"start_reflection"}, "occurred_on": {"2025-06-02"}, "version": {"1"}},
		{"action": {"event"}, "type": {"file_complaint"}, "occurred_on": {"2025-06-10"}, "version": {"2"}},
	} {
		if r := b.post(path, ev); r.Code != http.StatusSeeOther {
			t.Fatalf("%s: got %d, want 303", ev.Get("type"), r.Code)
		}
	}
	audits := e.countRows(t, "audit_log")
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"dismissal", url.Values{"type": {"dismiss_case"}, "occurred_on": {"2025-09-01"}}, http.StatusOK, []string{
			`<h3>On 01/09/2025:</h3>`,
			`complaint filed → <strong>dismissed</strong>`,
			`Would lose:` + "\n      " + `<strong class="lose">residence</strong>, <strong class="lose">services</strong>`,
			`<strong>R07</strong>`,
			`<em class="new">new</em>`,
		}},
		{"nothing lost", url.Values{"type": {"prove_identity"}, "occurred_on": {"2025-07-01"}}, http.StatusOK, []string{
			`Would lose:` + "\n      " + `nothing`,
		}},
		{"data needed", url.Values{"type": {"withdraw_status"}, "occurred_on": {"2025-07-01"}}, http.StatusUnprocessableEntity, []string{
			`<select id="wi-reason" name="data.reason" required aria-invalid="true" aria-describedby="wi-reason-err">`,
			`<p class="field-error" id="wi-reason-err">Required.</p>`,
			`<option value="withdraw_status" selected>`,
		}},
		{"unknown event", url.Values{"type": {"fly_to_the_moon"}, "occurred_on": {"2025-07-01"}}, http.StatusUnprocessableEntity, []string{
			`<select id="wi-type" name="type" required aria-invalid="true" aria-describedby="wi-type-err">`,
			`<p class="field-error" id="wi-type-err">Unknown value: choose one from the list.</p>`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cloneForm(tt.form)
			f.Set("action", "simulate")
			r := b.post(path, f)
			if r.Code != tt.status {
				t.Fatalf("got %d, want %d", r.Code, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Body, w) {
					t.Fatalf("what-if answer does not contain %q", w)
				}
			}
			if n := e.countRows(t, "audit_log"); n != audits {
				t.Fatalf("audit records: got %d, want %d (a what-if writes nothing)", n, audits)
			}
		})
	}
}

// TestCaseListFilters checks the filters and the search of the case list.
func TestCaseListFilters(t *testing.T) {
	e := newEnv(t)
	a := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	z := e.newCase(t, "ana", "Zoé", "Dubois", "CM")
	if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], a.ID,
		eventInput("start_reflection", "2025-06-02")); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn(t, "ana")
	tests := []struct {
		name     string
		get      string
		post     url.Values
		status   int
		in, out  []string
		errorMsg string
	}{
		{"all", "/cases", nil, 200, []string{a.Reference, z.Reference}, nil, ""},
		{"state", "/cases?state=reflection", nil, 200, []string{a.Reference}, []string{z.Reference}, ""},
		{"proceedings", "", url.Values{"proceedings": {"none"}, "state": {"identified"}}, 200, []string{z.Reference}, []string{a.Reference}, ""},
		{"name", "", url.Values{"q": {"zoé dubois"}}, 200, []string{z.Reference}, []string{a.Reference}, ""},
		{"reference prefix", "", url.Values{"q": {a.Reference}}, 200, []string{a.Reference}, []string{z.Reference}, ""},
		{"partial name", "", url.Values{"q": {"Zo"}}, 200, []string{z.Reference}, []string{a.Reference}, ""},
		{"bad severity", "", url.Values{"severity": {"extreme"}}, 422, nil, nil, "Unknown value: choose one from the list."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r response
			if tt.get != "" {
				r = b.get(tt.get)
			} else {
				b.get("/cases")
				r = b.post("/cases", tt.post)
			}
			if r.Code != tt.status {
				t.Fatalf("got %d, want %d", r.Code, tt.status)
			}
			for _, s := range tt.in {
				if !strings.Contains(r.Body, s) {
					t.Fatalf("list does not show %q", s)
				}
			}
			for _, s := range tt.out {
				if strings.Contains(r.Body, s) {
					t.Fatalf("list shows %q", s)
				}
			}
			if tt.errorMsg != "" && !strings.Contains(r.Body, tt.errorMsg) {
				t.Fatalf("list does not say %q", tt.errorMsg)
			}
		})
	}
}
