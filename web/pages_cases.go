package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

var severities = []string{"critical", "high", "medium", "info"}

// options builds the choices of a <select> from enumeration values,
// labelled with prefix.value; an empty first choice is added when any is
// given.
func (p *page) options(prefix string, values []string, selected string, any string) []option {
	var out []option
	if any != "" {
		out = append(out, option{Value: "", Label: p.T(any), Selected: selected == ""})
	}
	for _, v := range values {
		out = append(out, option{Value: v, Label: p.L(prefix, v), Selected: v == selected})
	}
	return out
}

func stateValues() []string {
	var out []string
	for _, s := range eligibility.States() {
		out = append(out, string(s))
	}
	return out
}

func proceedingsValues() []string {
	var out []string
	for _, s := range eligibility.AllProceedings() {
		out = append(out, string(s))
	}
	return out
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func fullName(cs cases.Case) string {
	if cs.Erased {
		return ""
	}
	return strings.TrimSpace(cs.Victim.GivenName + " " + cs.Victim.FamilyName)
}

// nextDeadline is the earliest deadline of a case.
func nextDeadline(ds []eligibility.Deadline) (eligibility.Deadline, bool) {
	if len(ds) == 0 {
		return eligibility.Deadline{}, false
	}
	best := ds[0]
	for _, d := range ds[1:] {
		if d.DueOn.Before(best.DueOn) {
			best = d
		}
	}
	return best, true
}

type newCaseView struct {
	Form          *formState
	Genders       []option
	Nationalities []option
	IdentifiedBy  []option
	Exploitation  []option
	Today         string
}

// newCaseFields are the fields of the new-case form, named as the
// service names them in its errors.
var newCaseFields = []string{"victim.given_name", "victim.family_name", "victim.alias", "victim.date_of_birth",
	"victim.gender", "victim.nationality", "victim.unaccompanied_minor", "exploitation", "identified_on", "identified_by"}

// newCasePage answers GET /cases/new: the form that opens a case.
func (u *UI) newCasePage(c echo.Context) error {
	f := newForm(url.Values{"identified_on": {u.d.Cases.Today().String()}, "victim.gender": {"unknown"}})
	return u.renderNewCase(c, http.StatusOK, f)
}

func (u *UI) renderNewCase(c echo.Context, status int, f *formState) error {
	p := u.newPage(c, "case_new.title")
	v := newCaseView{Form: f, Today: u.d.Cases.Today().String(),
		Genders:      p.options("gender", cases.Genders, f.V("victim.gender"), ""),
		IdentifiedBy: p.options("identified_by", cases.IdentifiedBy, f.V("identified_by"), "form.choose"),
	}
	v.Nationalities = selectOpts(u.tr.countries[p.Lang], f.V("victim.nationality"), p.T("form.choose"))
	for _, e := range cases.ExploitationTypes {
		v.Exploitation = append(v.Exploitation, option{Value: e, Label: p.L("exploitation", e), Selected: f.Has("exploitation", e)})
	}
	p.Data = v
	return u.render(c, status, "case_new", p)
}

// newCaseSubmit answers POST /cases/new: it opens the case and shows it, or
// shows the form again with what was typed and the errors next to the
// fields.
func (u *UI) newCaseSubmit(c echo.Context) error {
	form := c.Request().PostForm
	f := newForm(form)
	in := cases.NewCase{
		Victim: cases.VictimInput{
			GivenName: form.Get("victim.given_name"), FamilyName: form.Get("victim.family_name"),
			Alias: form.Get("victim.alias"), DateOfBirth: strings.TrimSpace(form.Get("victim.date_of_birth")),
			Gender: form.Get("victim.gender"), Nationality: strings.ToUpper(strings.TrimSpace(form.Get("victim.nationality"))),
			UnaccompaniedMinor: form.Get("victim.unaccompanied_minor") != "",
		},
		Exploitation: form["exploitation"],
		IdentifiedOn: strings.TrimSpace(form.Get("identified_on")), IdentifiedBy: form.Get("identified_by"),
	}
	cs, err := u.d.Cases.Create(c.Request().Context(), stateOf(c).actor, in)
	if err != nil {
		p := u.newPage(c, "case_new.title")
		if !p.setError(f, err, newCaseFields...) {
			return u.internal(c, err)
		}
		return u.renderNewCase(c, apperr.Status(err), f)
	}
	notice := "case_created"
	if d := cs.Duplicates; d != nil && len(d.SameShelter) > 0 {
		notice = "case_created_duplicate_same"
	} else if d != nil && d.OtherShelter {
		notice = "case_created_duplicate_other"
	}
	return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+cs.ID, notice))
}

type caseView struct {
	Case  cases.Case
	Name  string
	Today string
	// Groups are the forms of the events allowed now, by track (status,
	// proceedings, facts), each with the steps forward before the exits.
	Groups  []eventGroup
	WhatIf  whatIfView
	History []historyRow
	// MinDate is the earliest date an event may have (the latest event's).
	MinDate string
}

// eventGroup is one track's event forms on the case page: Next are the
// events that carry the case on, Exits those that take it off its path
// (decline, withdraw, return home, lose contact, close), shown after.
type eventGroup struct {
	Track, Title string
	Next, Exits  []eventFormView
}

type eventFormView struct {
	Type, Label, ID string
	Open            bool
	Form            *formState
	Fields          []fieldView
	// Problems is the form's error summary (nil when it was not refused).
	Problems *errSummary
}

type fieldView struct {
	Name, ID, Label, Kind string
	Required, Checked     bool
	Value, Error          string
	Options               []option
}

type whatIfView struct {
	Form     *formState
	Events   []option
	Fields   []fieldView
	Problems *errSummary
	Result   *cases.Simulation
	NewRules map[string]bool
}

type historyRow struct {
	Seq                       int64
	Voided, CanVoid           bool
	VoidedBy                  int64
	OccurredOn, Event         string
	Recorded                  template.HTML
	StateFrom, StateTo        string
	ProcFrom, ProcTo          string
	StateChanged, ProcChanged bool
	Details, Actor, Note      string
}

// casePage answers GET /cases/{id}: the case with its deadlines, flags,
// the forms of the events allowed now, the what-if panel and the history.
func (u *UI) casePage(c echo.Context) error {
	return u.showCase(c, http.StatusOK, nil, nil, nil, "")
}

// showCase renders the case page. failed is an event form to show open
// with what was typed; whatIf the what-if form and its result.
func (u *UI) showCase(c echo.Context, status int, failed *formState, whatIf *formState, sim *cases.Simulation, alert string) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "case.title")
	cs, err := u.d.Cases.Get(ctx, a, c.Param("id"), eligibility.Date{})
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return u.fail(c, http.StatusNotFound, "error.not_found")
		}
		return u.internal(c, err)
	}
	hist, err := u.d.Cases.History(ctx, a, cs.ID)
	if err != nil {
		return u.internal(c, err)
	}
	p.Title = cs.Reference
	p.Alert = alert
	today := u.d.Cases.Today().String()
	v := caseView{Case: cs, Name: fullName(cs), Today: today, MinDate: cs.LastEventOn.String()}
	groups := map[cases.Track]*eventGroup{}
	for _, tr := range []cases.Track{cases.TrackStatus, cases.TrackProceedings, cases.TrackFacts} {
		groups[tr] = &eventGroup{Track: string(tr), Title: p.T("case.track." + string(tr))}
	}
	for _, t := range cs.AllowedEvents {
		var f *formState
		open := false
		if failed != nil && failed.V("type") == t {
			f, open = failed, true
		} else {
			f = newForm(url.Values{"occurred_on": {today}})
		}
		g, forward := cases.EventTrack(cases.EventType(t))
		if forward {
			groups[g].Next = append(groups[g].Next, u.eventForm(p, t, "ev-"+t, f, open))
		} else {
			groups[g].Exits = append(groups[g].Exits, u.eventForm(p, t, "ev-"+t, f, open))
		}
	}
	for _, tr := range []cases.Track{cases.TrackStatus, cases.TrackProceedings, cases.TrackFacts} {
		if g := groups[tr]; len(g.Next)+len(g.Exits) > 0 {
			v.Groups = append(v.Groups, *g)
		}
	}
	if whatIf == nil {
		whatIf = newForm(url.Values{"occurred_on": {today}})
	}
	v.WhatIf = whatIfView{Form: whatIf, Result: sim, NewRules: map[string]bool{}}
	v.WhatIf.Events = p.options("event", cs.AllowedEvents, whatIf.V("type"), "form.choose")
	if t := whatIf.V("type"); t != "" {
		ev := u.eventForm(p, t, "wi", whatIf, true)
		v.WhatIf.Fields, v.WhatIf.Problems = ev.Fields, ev.Problems
	} else {
		v.WhatIf.Problems = p.summarize(whatIf, p.T("form.problems"), []fieldRef{{Name: "type", ID: "wi-type", Label: p.T("whatif.event")},
			{Name: "occurred_on", ID: "wi-on", Label: p.T("whatif.date")}})
	}
	if sim != nil {
		before := map[string]bool{}
		for _, fl := range sim.FlagsBefore {
			before[fl.Rule+"/"+string(fl.Kind)+"/"+string(fl.Severity)] = true
		}
		for _, fl := range sim.FlagsAfter {
			if !before[fl.Rule+"/"+string(fl.Kind)+"/"+string(fl.Severity)] {
				v.WhatIf.NewRules[fl.Rule] = true
			}
		}
	}
	for i := len(hist) - 1; i >= 0; i-- {
		v.History = append(v.History, historyRowOf(p, hist[i]))
	}
	p.Data = v
	return u.render(c, status, "case", p)
}

// eventForm builds the view of an event's form.
func (u *UI) eventForm(p *page, t, id string, f *formState, open bool) eventFormView {
	ev := eventFormView{Type: t, Label: p.L("event", t), ID: id, Open: open, Form: f}
	for _, fd := range eventFields(t) {
		name := "data." + fd.Name
		fv := fieldView{Name: name, ID: id + "-" + fd.Name, Label: p.L("field", fd.Name), Kind: fd.Kind,
			Required: fd.Required, Value: f.V(name), Checked: f.V(name) != "", Error: f.Err(name)}
		if fd.Kind == "enum" {
			fv.Options = p.options("opt."+fd.Name, fd.Values, f.V(name), "form.choose")
		}
		ev.Fields = append(ev.Fields, fv)
	}
	refs := []fieldRef{{Name: "type", ID: "wi-type", Label: p.T("whatif.event")}, {Name: "occurred_on", ID: id + "-on", Label: p.T("event.occurred_on")}}
	for _, fv := range ev.Fields {
		refs = append(refs, fieldRef{Name: fv.Name, ID: fv.ID, Label: fv.Label})
	}
	ev.Problems = p.summarize(f, p.T("form.problems"), append(refs, fieldRef{Name: "note", ID: id + "-note", Label: p.T("event.note")}))
	return ev
}

func historyRowOf(p *page, it cases.HistoryItem) historyRow {
	r := historyRow{OccurredOn: p.Date(it.OccurredOn), Recorded: p.Stamp(it.RecordedAt), Event: p.L("event", it.Event),
		StateFrom: p.L("state", it.FromState), StateTo: p.L("state", it.ToState),
		ProcFrom: p.L("proceedings", it.FromProceedings), ProcTo: p.L("proceedings", it.ToProceedings),
		StateChanged: it.FromState != it.ToState, ProcChanged: it.FromProceedings != it.ToProceedings,
		Actor: it.Actor, Note: it.Note, Seq: it.Seq, Voided: it.Voided, CanVoid: voidable(it)}
	if it.VoidedBySeq != nil {
		r.VoidedBy = *it.VoidedBySeq
	}
	var data map[string]any
	if err := json.Unmarshal(it.Data, &data); err == nil && len(data) > 0 {
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			if k == "id" || strings.HasSuffix(k, "_id") {
				continue // an internal identifier tells a reader nothing
			}
			parts = append(parts, p.dataText(k, data[k]))
		}
		r.Details = strings.Join(parts, "; ")
	}
	return r
}

// dataText shows one data value of a history entry in the user's language.
func (p *page) dataText(k string, v any) string {
	label, ok := p.tr.lookup(p.Lang, "field."+k)
	if !ok {
		label = k
	}
	switch x := v.(type) {
	case float64:
		if k == "voided_seq" {
			return p.T("form.pair", label, "#"+strconv.FormatFloat(x, 'f', 0, 64))
		}
	case bool:
		if x {
			return p.T("form.pair", label, p.T("form.yes"))
		}
		return p.T("form.pair", label, p.T("form.no"))
	case string:
		return p.T("form.pair", label, p.dataValue(k, x))
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, p.dataValue(k, e))
		}
		return p.T("form.pair", label, strings.Join(parts, ", "))
	}
	b, _ := json.Marshal(v)
	return p.T("form.pair", label, string(b))
}

// dataValuePrefixes are the catalogue families of the values of data keys
// that several events share (a note's kind, a task's status…), tried
// after key.value and opt.key.value.
var dataValuePrefixes = map[string][]string{
	"kind":    {"note.kind", "document.kind", "organisation.kind"},
	"status":  {"task.status", "consent_status", "referral_status", "transfer_status"},
	"service": {"service.type"},
	"reason":  {"transfer.reason"},
}

// dataValue shows one value of a history entry's data in the user's
// language, or as it is when it is not a code (a name, a date).
func (p *page) dataValue(k string, v any) string {
	s, ok := v.(string)
	if !ok {
		b, _ := json.Marshal(v)
		return string(b)
	}
	for _, prefix := range append([]string{k, "opt." + k}, dataValuePrefixes[k]...) {
		if t, ok := p.tr.lookup(p.Lang, prefix+"."+s); ok {
			return t
		}
	}
	return s
}

// caseSubmit answers POST /cases/{id}: action=event records an event
// (then back to the case), action=simulate runs the what-if and shows its
// result. Errors are shown next to the fields of the form that was sent,
// with what was typed; a stale version says that someone else changed the
// case.
func (u *UI) caseSubmit(c echo.Context) error {
	form := c.Request().PostForm
	p := u.newPage(c, "case.title")
	f := newForm(form)
	in := eventInput(form)
	ctx := c.Request().Context()
	a := stateOf(c).actor
	known := []string{"type", "occurred_on", "note"}
	for _, fd := range eventFields(in.Type) {
		known = append(known, "data."+fd.Name)
	}
	switch form.Get("action") {
	case "event":
		if needsConfirm(form) {
			return u.confirmStep(c, p, form, f, in, known)
		}
		_, err := u.d.Cases.RecordEvent(ctx, a, c.Param("id"), in)
		if err == nil {
			return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+c.Param("id"), "event_recorded"))
		}
		return u.caseError(c, p, err, f, nil, known)
	case "simulate":
		in.Version = nil
		sim, err := u.d.Cases.Simulate(ctx, a, c.Param("id"), in)
		if err == nil {
			return u.showCase(c, http.StatusOK, nil, f, &sim, "")
		}
		return u.caseError(c, p, err, nil, f, known)
	}
	return u.fail(c, http.StatusBadRequest, "error.bad_form")
}

// caseError shows the case again after a refused event or simulation.
func (u *UI) caseError(c echo.Context, p *page, err error, eventForm, whatIf *formState, known []string) error {
	status := apperr.Status(err)
	switch apperr.KindOf(err) {
	case apperr.NotFound:
		return u.fail(c, status, "error.not_found")
	case apperr.Forbidden:
		return u.fail(c, status, "error.forbidden")
	case apperr.Conflict:
		// The case changed since the form was loaded: show it as it is now.
		return u.showCase(c, status, nil, whatIf, nil, p.T("case.stale"))
	case apperr.InvalidTransition:
		e, _ := apperr.As(err)
		return u.showCase(c, status, nil, whatIf, nil, p.T("err.not_allowed_now")+" "+e.Message)
	}
	f := eventForm
	if f == nil {
		f = whatIf
	}
	if !p.setError(f, err, known...) {
		return u.internal(c, err)
	}
	return u.showCase(c, status, eventForm, whatIf, nil, "")
}
