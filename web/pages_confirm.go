package web

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/labstack/echo/v4"

	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// leavingEvents end the case or take the person off the protection path.
// Their form first shows what the event means and what would be lost,
// and records the event only when that is confirmed (a second form with
// confirm=1 and the same values), so that one mistaken click cannot end
// someone's residence path. It works without JavaScript.
var leavingEvents = map[string]bool{
	"close_case": true, "withdraw_status": true, "return_home": true,
	"lose_contact": true, "decline_cooperation": true, "dismiss_case": true,
}

// needsConfirm reports whether an event form must be confirmed first.
func needsConfirm(form url.Values) bool {
	return leavingEvents[form.Get("type")] && form.Get("confirm") != "1"
}

type confirmView struct {
	Case    cases.Case
	Type    string
	Event   string
	Meaning string
	On      string
	Details []string
	Note    string
	Sim     cases.Simulation
	// Hidden are the submitted values, sent again with confirm=1.
	Hidden []hiddenField
}

type hiddenField struct{ Name, Value string }

// showConfirm renders the confirmation step of a leaving event whose
// values the service accepted (sim is its simulation).
func (u *UI) showConfirm(c echo.Context, form url.Values, in cases.EventInput, sim cases.Simulation) error {
	p := u.newPage(c, "confirm.title")
	cs, err := u.d.Cases.Get(c.Request().Context(), stateOf(c).actor, c.Param("id"), eligibility.Date{})
	if err != nil {
		return u.caseFailure(c, err)
	}
	p.Title = p.T("confirm.title") + " · " + cs.Reference
	v := confirmView{Case: cs, Type: in.Type, Event: p.L("event", in.Type), Meaning: p.T("confirm." + in.Type),
		On: p.Date(in.OccurredOn), Note: in.Note, Sim: sim}
	names := make([]string, 0, len(in.Data))
	for k := range in.Data {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v.Details = append(v.Details, p.dataText(k, in.Data[k]))
	}
	keys := make([]string, 0, len(form))
	for k := range form {
		if k != csrfField && k != "confirm" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, val := range form[k] {
			v.Hidden = append(v.Hidden, hiddenField{Name: k, Value: val})
		}
	}
	p.Data = v
	return u.render(c, http.StatusOK, "case_confirm", p)
}

// confirmStep answers the first submit of a leaving event: the values are
// checked as the service would check them (a simulation, which writes
// nothing), then the confirmation is shown; a refused value shows the
// case with the form open, as a refused event does.
func (u *UI) confirmStep(c echo.Context, p *page, form url.Values, f *formState, in cases.EventInput, known []string) error {
	if d, err := eligibility.ParseDate(in.OccurredOn); err == nil && u.d.Cases.Today().Before(d) {
		// A simulation accepts a future date; the event would not.
		f.Errors["occurred_on"] = p.T("err.future")
		return u.showCase(c, http.StatusUnprocessableEntity, f, nil, nil, "")
	}
	sim := in
	sim.Version = nil
	res, err := u.d.Cases.Simulate(c.Request().Context(), stateOf(c).actor, c.Param("id"), sim)
	if err != nil {
		return u.caseError(c, p, err, f, nil, known)
	}
	return u.showConfirm(c, form, in, res)
}
