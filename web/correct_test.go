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
