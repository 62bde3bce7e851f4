package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// The victim-data correction page: the same change as PATCH
// /api/v1/cases/{id}, through cases.Service.Update. It is not an event
// (docs/model.md): it corrects who the person is, not what happened.

// victimFields are the fields of the correction form, named as the
// service names them in its errors, in the order of the form.
var victimFields = []string{"victim.given_name", "victim.family_name", "victim.alias", "victim.date_of_birth",
	"victim.gender", "victim.nationality", "victim.unaccompanied_minor", "exploitation", "identified_by"}

// victimFieldIDs are the ids of the form's inputs, for the error summary's
// links.
var victimFieldIDs = map[string]string{
	"victim.given_name": "given_name", "victim.family_name": "family_name", "victim.alias": "alias",
	"victim.date_of_birth": "date_of_birth", "victim.gender": "gender", "victim.nationality": "nationality",
	"victim.unaccompanied_minor": "unaccompanied_minor", "exploitation": "exp-" + cases.ExploitationTypes[0], "identified_by": "identified_by",
}

type victimView struct {
	Case          cases.Case
	Form          *formState
	Summary       *errSummary
	Genders       []option
	Nationalities []option
	IdentifiedBy  []option
	Exploitation  []option
	Today         string
	// NationalityOpen is whether the nationality can still be corrected:
	// only while the case is identified, since it decides the path.
	NationalityOpen bool
}

// victimPage answers GET /cases/{id}/victim: the form, filled with the
// case's current data.
func (u *UI) victimPage(c echo.Context) error {
	cs, err := u.d.Cases.Get(c.Request().Context(), stateOf(c).actor, c.Param("id"), eligibility.Date{})
	if err != nil {
		return u.caseFailure(c, err)
	}
	v := url.Values{
		"victim.given_name": {cs.Victim.GivenName}, "victim.family_name": {cs.Victim.FamilyName},
		"victim.alias": {cs.Victim.Alias}, "victim.gender": {cs.Victim.Gender},
		"victim.nationality": {cs.Victim.Nationality}, "identified_by": {cs.IdentifiedBy},
		"exploitation": cs.Exploitation, "version": {strconv.Itoa(cs.Version)},
	}
	if !cs.Victim.DateOfBirth.IsZero() {
		v.Set("victim.date_of_birth", cs.Victim.DateOfBirth.String())
	}
	if cs.Victim.UnaccompaniedMinor {
		v.Set("victim.unaccompanied_minor", "on")
	}
	return u.renderVictim(c, http.StatusOK, cs, newForm(v))
}

// caseFailure renders the error page of a case that could not be read.
func (u *UI) caseFailure(c echo.Context, err error) error {
	switch apperr.KindOf(err) {
	case apperr.NotFound:
		return u.fail(c, http.StatusNotFound, "error.not_found")
	case apperr.Forbidden:
		return u.fail(c, http.StatusForbidden, "error.forbidden")
	}
	return u.internal(c, err)
}

func (u *UI) renderVictim(c echo.Context, status int, cs cases.Case, f *formState) error {
	p := u.newPage(c, "victim.title")
	p.Title = p.T("victim.title") + " · " + cs.Reference
	v := victimView{Case: cs, Form: f, Today: u.d.Cases.Today().String(),
		NationalityOpen: cs.State == eligibility.StateIdentified,
		Genders:         p.options("gender", cases.Genders, f.V("victim.gender"), ""),
		IdentifiedBy:    p.options("identified_by", cases.IdentifiedBy, f.V("identified_by"), "form.choose"),
	}
	v.Nationalities = selectOpts(u.tr.countries[p.Lang], f.V("victim.nationality"), p.T("form.choose"))
	for _, e := range cases.ExploitationTypes {
		v.Exploitation = append(v.Exploitation, option{Value: e, Label: p.L("exploitation", e), Selected: f.Has("exploitation", e)})
	}
	refs := make([]fieldRef, 0, len(victimFields))
	for _, name := range victimFields {
		refs = append(refs, fieldRef{Name: name, ID: victimFieldIDs[name], Label: p.T("case." + strings.TrimPrefix(name, "victim."))})
	}
	v.Summary = p.summarize(f, p.T("victim.not_saved"), refs)
	p.Data = v
	return u.render(c, status, "case_victim", p)
}

// victimSubmit answers POST /cases/{id}/victim: it sends every field of
// the form to the service (the service records only what changed) and
// goes back to the case, or shows the form again with what was typed and
// the errors, listed at the top and next to their fields.
func (u *UI) victimSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	cs, err := u.d.Cases.Get(ctx, a, c.Param("id"), eligibility.Date{})
	if err != nil {
		return u.caseFailure(c, err)
	}
	form := c.Request().PostForm
	f := newForm(form)
	str := func(name string) *string {
		s := strings.TrimSpace(form.Get(name))
		return &s
	}
	minor := form.Get("victim.unaccompanied_minor") != ""
	patch := cases.CasePatch{
		DateOfBirth: str("victim.date_of_birth"), Gender: str("victim.gender"),
		UnaccompaniedMinor: &minor, Exploitation: form["exploitation"], IdentifiedBy: str("identified_by"),
	}
	if patch.Exploitation == nil {
		patch.Exploitation = []string{} // none ticked: the service says to choose one
	}
	if !cs.Erased {
		patch.GivenName, patch.FamilyName, patch.Alias = str("victim.given_name"), str("victim.family_name"), str("victim.alias")
	}
	if cs.State == eligibility.StateIdentified {
		nat := strings.ToUpper(strings.TrimSpace(form.Get("victim.nationality")))
		patch.Nationality = &nat
	}
	if v, err := strconv.Atoi(form.Get("version")); err == nil {
		patch.Version = &v
	}
	_, err = u.d.Cases.Update(ctx, a, cs.ID, patch)
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+cs.ID, "victim_saved"))
	}
	p := u.newPage(c, "victim.title")
	switch apperr.KindOf(err) {
	case apperr.NotFound, apperr.Forbidden:
		return u.caseFailure(c, err)
	case apperr.Conflict:
		// Someone changed the case meanwhile: keep what was typed, with
		// the version now, so that a second submit applies it knowingly.
		f.Error = p.T("case.stale")
		f.Values.Set("version", strconv.Itoa(cs.Version))
		return u.renderVictim(c, http.StatusConflict, cs, f)
	}
	if !p.setError(f, err, victimFields...) {
		return u.internal(c, err)
	}
	if e, ok := apperr.As(err); ok {
		for _, fe := range e.Fields {
			if fe.Code == apperr.CodeAdultAtIdentification {
				f.Errors[fe.Field] = adultMessage(p, form.Get("victim.date_of_birth"), cs.IdentifiedOn)
			}
		}
	}
	return u.renderVictim(c, apperr.Status(err), cs, f)
}

// adultMessage says, with the dates, why an unaccompanied minor is refused:
// the date of birth makes the person 18 on or before the identification day.
func adultMessage(p *page, dob string, identified eligibility.Date) string {
	d, err := eligibility.ParseDate(strings.TrimSpace(dob))
	if err != nil {
		return p.T("err." + apperr.CodeAdultAtIdentification)
	}
	return p.T("err.adult_at_identification_dated", p.Date(d), p.Date(eligibility.Birthday18(d)), p.Date(identified))
}
