package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	cases "github.com/casemgr/casemgr/internal/case"
)

// seqOf returns the audit seq of the n-th (from 1) history item of type
// event.
func (e *env) seqOf(t *testing.T, caseID, event string) int64 {
	t.Helper()
	hist, err := e.Cases.History(t.Context(), e.actors["ana"], caseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range hist {
		if it.Event == event {
			return it.Seq
		}
	}
	t.Fatalf("no %s in the history", event)
	return 0
}

func (e *env) caseNow(t *testing.T, id string) cases.Case {
	t.Helper()
	c, err := e.Cases.Get(t.Context(), e.actors["ana"], id, cases.Date{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var hiddenPattern = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// hiddenForm reads the hidden fields of the confirmation form.
func hiddenForm(t *testing.T, body string) url.Values {
	t.Helper()
	i := strings.Index(body, `id="confirm-form"`)
	if i < 0 {
		t.Fatalf("no confirmation form")
	}
	out := url.Values{}
	for _, m := range hiddenPattern.FindAllStringSubmatch(body[i:], -1) {
		if m[1] != "csrf" {
			out.Add(m[1], strings.ReplaceAll(m[2], "&#39;", "'"))
		}
	}
	return out
}

// TestConfirmLeavingEvents checks that the events that end the case or
// leave the path are recorded only after a confirmation step, which says
// what the event means in the user's language and carries the values
// typed; a refused value is shown at once, without the step.
func TestConfirmLeavingEvents(t *testing.T) {
	e := newEnv(t)
	b := e.loggedIn(t, "ana")
	b.get("/cases?lang=fr")
	tests := []struct {
		event   string
		before  []string // events recorded first
		data    url.Values
		meaning string
		want    string // the state or proceedings after
	}{
		{"close_case", []string{"start_reflection"}, url.Values{"data.reason": {"moved_shelter"}}, "Clôturer le dossier y met fin", "closed"},
		{"withdraw_status", []string{"start_reflection"}, url.Values{"data.reason": {"public_order"}}, "Enregistrer le retrait du statut de victime", "status_withdrawn"},
		{"return_home", []string{"start_reflection"}, nil, "Enregistrer le retour au pays", "returned"},
		{"lose_contact", []string{"start_reflection"}, nil, "Enregistrer la perte de contact", "left_procedure"},
		{"decline_cooperation", []string{"start_reflection"}, nil, "Enregistrer le refus des conditions", "declined"},
		{"dismiss_case", []string{"start_reflection", "file_complaint"}, nil, "Enregistrer un classement sans suite", "dismissed"},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
			for i, ev := range tt.before {
				if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], c.ID, eventInput(ev, "2025-06-0"+strconv.Itoa(2+i))); err != nil {
					t.Fatal(err)
				}
			}
			path := "/cases/" + c.ID
			b.get(path)
			version := e.caseNow(t, c.ID).Version
			f := url.Values{"action": {"event"}, "type": {tt.event}, "occurred_on": {"2025-06-10"},
				"version": {strconv.Itoa(version)}, "note": {"l'équipe est d'accord"}}
			for k, v := range tt.data {
				f[k] = v
			}
			r := b.post(path, f)
			if r.Code != http.StatusOK || !strings.Contains(r.Body, `id="confirm-form"`) || !strings.Contains(r.Body, tt.meaning) {
				t.Fatalf("first submit: got %d, want 200 with the confirmation saying %q", r.Code, tt.meaning)
			}
			if !strings.Contains(r.Body, `<input type="hidden" name="confirm" value="1">`) || !strings.Contains(r.Body, `<dd id="confirm-on">10/06/2025</dd>`) {
				t.Fatalf("the confirmation lacks confirm=1 or the date")
			}
			if got := e.caseNow(t, c.ID); got.Version != version {
				t.Fatalf("the first submit recorded the event: version %d, want %d", got.Version, version)
			}
			again := hiddenForm(t, r.Body)
			for k, v := range f {
				if again.Get(k) != v[0] {
					t.Fatalf("confirmation form: %s = %q, want %q", k, again.Get(k), v[0])
				}
			}
			again.Set("csrf", "wrong")
			if r := b.post(path, again); r.Code != http.StatusForbidden {
				t.Fatalf("confirm with a wrong CSRF token: got %d, want 403", r.Code)
			}
			again.Del("csrf")
			r = b.post(path, again)
			if r.Code != http.StatusSeeOther {
				t.Fatalf("confirm: got %d, want 303; body:\n%s", r.Code, snippet(r.Body, "alert"))
			}
			got := e.caseNow(t, c.ID)
			if string(got.State) != tt.want && string(got.Proceedings) != tt.want {
				t.Fatalf("after confirming: state %s, proceedings %s; want %s", got.State, got.Proceedings, tt.want)
			}
		})
	}

	t.Run("refused at once, in Dutch", func(t *testing.T) {
		c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
		nl := e.loggedIn(t, "ana")
		nl.get("/cases?lang=nl")
		path := "/cases/" + c.ID
		nl.get(path)
		r := nl.post(path, url.Values{"action": {"event"}, "type": {"close_case"}, "occurred_on": {"2025-06-10"}, "version": {"1"}})
		if r.Code != http.StatusUnprocessableEntity || strings.Contains(r.Body, `id="confirm-form"`) ||
			!strings.Contains(r.Body, `<details id="ev-close_case" open>`) ||
			!strings.Contains(r.Body, `<p class="field-error" id="ev-close_case-reason-err">Verplicht.</p>`) {
			t.Fatalf("close_case without a reason: got %d, want 422 with the Dutch error next to the reason", r.Code)
		}
		r = nl.post(path, url.Values{"action": {"event"}, "type": {"close_case"}, "occurred_on": {"2025-06-20"}, "version": {"1"},
			"data.reason": {"other"}})
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="ev-close_case-on-err"`) {
			t.Fatalf("close_case in the future: got %d, want 422 with the date error", r.Code)
		}
		if got := e.caseNow(t, c.ID); got.Version != 1 {
			t.Fatalf("a refused close_case changed the case: version %d", got.Version)
		}
	})
}

// TestReopenAndResumeForms checks that reopen_case and resume_procedure
// are offered when allowed, with their data fields.
func TestReopenAndResumeForms(t *testing.T) {
	e := newEnv(t)
	ana := e.actors["ana"]
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	if _, err := e.Cases.RecordEvent(t.Context(), ana, c.ID, eventInput("lose_contact", "2025-06-02")); err != nil {
		t.Fatal(err)
	}
	b := e.loggedIn(t, "ana")
	path := "/cases/" + c.ID
	page := b.get(path).Body
	if !strings.Contains(page, `<input type="hidden" name="type" value="resume_procedure">`) {
		t.Fatalf("resume_procedure is not offered after lose_contact")
	}
	r := b.post(path, url.Values{"action": {"event"}, "type": {"resume_procedure"}, "occurred_on": {"2025-06-03"}, "version": {"2"}})
	if r.Code != http.StatusSeeOther || e.caseNow(t, c.ID).State != "identified" {
		t.Fatalf("resume_procedure: got %d, state %s; want 303, identified", r.Code, e.caseNow(t, c.ID).State)
	}
	in := eventInput("close_case", "2025-06-04")
	in.Data = map[string]any{"reason": "no_contact"}
	if _, err := e.Cases.RecordEvent(t.Context(), ana, c.ID, in); err != nil {
		t.Fatal(err)
	}
	page = b.get(path).Body
	for _, want := range []string{
		`<input type="hidden" name="type" value="reopen_case">`,
		`<select id="ev-reopen_case-reason" name="data.reason" required>`,
		`<option value="closed_by_mistake">closed by mistake</option>`,
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("closed case page does not contain %q", want)
		}
	}
	r = b.post(path, url.Values{"action": {"event"}, "type": {"reopen_case"}, "occurred_on": {"2025-06-05"}, "version": {"4"},
		"data.reason": {"new_facts"}})
	if r.Code != http.StatusSeeOther || e.caseNow(t, c.ID).State != "identified" {
		t.Fatalf("reopen_case: got %d, state %s; want 303 (no confirmation), identified", r.Code, e.caseNow(t, c.ID).State)
	}
}

// TestVictimCorrection corrects the person's data through the form: the
// change is saved; a refusal shows the errors at the top, linked to their
// fields, and next to them, in the user's language, with what was typed.
func TestVictimCorrection(t *testing.T) {
	e := newEnv(t)
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	b := e.loggedIn(t, "ana")
	path := "/cases/" + c.ID + "/victim"
	page := b.get(path).Body
	for _, want := range []string{`id="victim-form"`, `value="Grace"`, `value="Okafor"`, `<option value="NG" selected>`,
		`<input type="checkbox" id="exp-sexual" name="exploitation" value="sexual" checked>`, `<input type="hidden" name="version" value="1">`} {
		if !strings.Contains(page, want) {
			t.Fatalf("victim form does not contain %q", want)
		}
	}
	form := func(over url.Values) url.Values {
		f := url.Values{"victim.given_name": {"Grace"}, "victim.family_name": {"Okafor"}, "victim.alias": {""},
			"victim.date_of_birth": {""}, "victim.gender": {"female"}, "victim.nationality": {"NG"},
			"exploitation": {"sexual"}, "identified_by": {"police"}, "version": {"1"}}
		for k, v := range over {
			f[k] = v
		}
		return f
	}

	t.Run("refused in Dutch", func(t *testing.T) {
		nl := e.loggedIn(t, "ana")
		nl.get("/cases?lang=nl")
		nl.get(path)
		r := nl.post(path, form(url.Values{"victim.given_name": {"Gracie"}, "victim.date_of_birth": {"1990-03-04"},
			"victim.unaccompanied_minor": {"on"}}))
		if r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("an adult marked unaccompanied minor: got %d, want 422", r.Code)
		}
		msg := "Met geboortedatum 04/03/1990 werd de persoon 18 op 04/03/2008, uiterlijk op de dag van de identificatie (01/06/2025): verbeter de geboortedatum of vink ‘niet-begeleide minderjarige’ uit."
		for _, want := range []string{
			`<div class="error-summary" role="alert" id="error-summary" tabindex="-1">`,
			`<a href="#unaccompanied_minor">Niet-begeleide minderjarige: ` + msg + `</a>`,
			`<p class="field-error" id="unaccompanied_minor-err">` + msg + `</p>`,
			`aria-describedby="unaccompanied_minor-err"`,
			`value="Gracie"`, `value="1990-03-04"`,
		} {
			if !strings.Contains(r.Body, want) {
				t.Fatalf("refused form does not contain %q", want)
			}
		}
		if got := e.caseNow(t, c.ID); got.Version != 1 || got.Victim.GivenName != "Grace" {
			t.Fatalf("a refused correction changed the case: version %d, name %q", got.Version, got.Victim.GivenName)
		}
		r = nl.post(path, form(url.Values{"victim.family_name": {" "}, "exploitation": nil}))
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `<a href="#family_name">Familienaam: `) ||
			!strings.Contains(r.Body, `<a href="#exp-sexual">Uitbuiting: Kies er minstens één.</a>`) {
			t.Fatalf("blank family name, no exploitation: got %d, want 422 with both errors linked", r.Code)
		}
	})

	t.Run("saved", func(t *testing.T) {
		r := b.post(path, form(url.Values{"victim.alias": {"G."}, "victim.date_of_birth": {"2008-09-01"},
			"victim.unaccompanied_minor": {"on"}, "exploitation": {"sexual", "labour"}, "victim.nationality": {"ER"}}))
		if r.Code != http.StatusSeeOther || r.Header.Get("Location") != "/cases/"+c.ID+"?ok=victim_saved" {
			t.Fatalf("correction: got %d to %q, want 303 to the case", r.Code, r.Header.Get("Location"))
		}
		got := e.caseNow(t, c.ID)
		if got.Victim.Alias != "G." || got.Victim.DateOfBirth.String() != "2008-09-01" || !got.Victim.UnaccompaniedMinor ||
			got.Victim.Nationality != "ER" || len(got.Exploitation) != 2 || got.Version != 2 {
			t.Fatalf("after the correction: %+v, exploitation %v, version %d", got.Victim, got.Exploitation, got.Version)
		}
		if body := b.get(r.Header.Get("Location")).Body; !strings.Contains(body, "The person&#39;s data was saved.") {
			t.Fatalf("no notice after the correction")
		}
	})

	t.Run("stale version", func(t *testing.T) {
		r := b.post(path, form(url.Values{"victim.alias": {"Other"}, "version": {"1"}}))
		if r.Code != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this case") || !strings.Contains(r.Body, `value="Other"`) {
			t.Fatalf("stale version: got %d, want 409 with the message and what was typed", r.Code)
		}
	})

	t.Run("nationality locked after identification", func(t *testing.T) {
		if _, err := e.Cases.RecordEvent(t.Context(), e.actors["ana"], c.ID, eventInput("start_reflection", "2025-06-02")); err != nil {
			t.Fatal(err)
		}
		page := b.get(path).Body
		if strings.Contains(page, `name="victim.nationality"`) || !strings.Contains(page, "The nationality can be corrected only while the case is identified") {
			t.Fatalf("the nationality is offered after identification")
		}
		v := e.caseNow(t, c.ID).Version
		r := b.post(path, url.Values{"victim.given_name": {"Grace"}, "victim.family_name": {"Okafor"}, "victim.alias": {"G."},
			"victim.date_of_birth": {"2008-09-01"}, "victim.unaccompanied_minor": {"on"}, "victim.gender": {"female"},
			"victim.nationality": {"FR"}, "exploitation": {"sexual", "labour"}, "identified_by": {"shelter"}, "version": {strconv.Itoa(v)}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("correction after identification: got %d, want 303", r.Code)
		}
		if got := e.caseNow(t, c.ID); got.Victim.Nationality != "ER" || got.IdentifiedBy != "shelter" {
			t.Fatalf("after identification: nationality %s (want ER, unchanged), identified_by %s", got.Victim.Nationality, got.IdentifiedBy)
		}
	})
}

// TestVoidEvent voids events from the case history: a void blocked by a
// later event names it with a link to its row; a void without a reason is
// refused in the user's language; a voided event is struck through with
// the seq of its void.
func TestVoidEvent(t *testing.T) {
	e := newEnv(t)
	ana := e.actors["ana"]
	c := e.newCase(t, "ana", "Grace", "Okafor", "NG")
	for _, ev := range []cases.EventInput{eventInput("start_reflection", "2025-06-02"), eventInput("file_complaint", "2025-06-05"),
		eventInput("confirm_victim_status", "2025-06-08")} {
		if _, err := e.Cases.RecordEvent(t.Context(), ana, c.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	// Without file_complaint, confirm_victim_status (provisional permit →
	// six-month permit) is no longer valid: it blocks voiding it.
	complaint, confirm, open := e.seqOf(t, c.ID, "file_complaint"), e.seqOf(t, c.ID, "confirm_victim_status"), e.seqOf(t, c.ID, "open_case")
	b := e.loggedIn(t, "ana")
	b.get("/cases?lang=fr")
	casePath := "/cases/" + c.ID
	page := b.get(casePath).Body
	for _, s := range []int64{complaint, confirm} {
		if want := `<a href="` + casePath + `/void/` + itoa(s) + `" class="void-link" id="void-` + itoa(s) + `">Annuler`; !strings.Contains(page, want) {
			t.Fatalf("history row %d has no void link %q", s, want)
		}
	}
	if strings.Contains(page, `id="void-`+itoa(open)+`"`) {
		t.Fatalf("the opening of the case can be voided")
	}
	if r := b.get(casePath + "/void/" + itoa(open)); r.Code != http.StatusNotFound {
		t.Fatalf("void page of open_case: got %d, want 404", r.Code)
	}
	voidPath := casePath + "/void/" + itoa(complaint)
	b.get(voidPath)
	r := b.post(voidPath, url.Values{"reason": {""}, "version": {"4"}})
	if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `<p class="field-error" id="void-reason-err">Obligatoire.</p>`) {
		t.Fatalf("void without a reason: got %d, want 422 with the French error", r.Code)
	}
	r = b.post(voidPath, url.Values{"reason": {"wrong_date"}, "version": {"4"}})
	if r.Code != http.StatusConflict || !strings.Contains(r.Body, `id="void-blocking"`) ||
		!strings.Contains(r.Body, `<a href="`+casePath+`#h-`+itoa(confirm)+`">#`+itoa(confirm)+` Statut de victime confirmé par le parquet (08/06/2025)</a>`) {
		t.Fatalf("blocked void: got %d, want 409 naming #%d with a link to its row", r.Code, confirm)
	}
	b.get(casePath + "/void/" + itoa(confirm))
	if r := b.post(casePath+"/void/"+itoa(confirm), url.Values{"reason": {"wrong_case"}, "version": {"4"}}); r.Code != http.StatusSeeOther {
		t.Fatalf("void confirm_victim_status: got %d, want 303", r.Code)
	}
	b.get(voidPath)
	r = b.post(voidPath, url.Values{"reason": {"wrong_event"}, "version": {"5"}})
	if r.Code != http.StatusSeeOther || r.Header.Get("Location") != casePath+"?ok=event_voided#h-"+itoa(complaint) {
		t.Fatalf("void: got %d to %q, want 303 to the row", r.Code, r.Header.Get("Location"))
	}
	got := e.caseNow(t, c.ID)
	if got.State != "reflection" || got.Proceedings != "none" {
		t.Fatalf("after the voids: %s, %s; want reflection, none", got.State, got.Proceedings)
	}
	hist, err := e.Cases.History(t.Context(), ana, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	voidSeq := hist[len(hist)-1].Seq
	page = b.get(casePath).Body
	for _, want := range []string{
		`<tr id="h-` + itoa(complaint) + `" class="voided">`,
		`<s class="struck">Plainte ou déclarations</s> <span class="voided-by">annulé par <a href="#h-` + itoa(voidSeq) + `">#` + itoa(voidSeq) + `</a></span>`,
		`Événement annulé`, `Événement annulé : #` + itoa(complaint), `Motif : mauvais événement`,
	} {
		if !strings.Contains(page, want) {
			t.Fatalf("case page after the void does not contain %q", want)
		}
	}
	if strings.Contains(page, `id="void-`+itoa(complaint)+`"`) {
		t.Fatalf("a voided event can be voided again")
	}
	if r := b.get(voidPath); r.Code != http.StatusOK || !strings.Contains(r.Body, "Cet événement a déjà été annulé par le n° "+itoa(voidSeq)) ||
		strings.Contains(r.Body, `id="void-form"`) {
		t.Fatalf("void page of a voided event: got %d, want 200 saying it is voided, without a form", r.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
