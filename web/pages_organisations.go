package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/orgs"
)

type organisationsView struct {
	Organisations []orgs.Organisation
	Kinds         []option
	Create        *formState
	// Failed is the id of the organisation whose form was refused.
	Failed     string
	FailedForm *formState
}

// KindOptions are the kinds of organisation with one selected.
func (v organisationsView) KindOptions(selected string) []option {
	return selectOpts(v.Kinds, selected, "")
}

// organisationsPage answers GET /admin/organisations: the directory of
// partner organisations (docs/organisations.md), each with its form, and
// the form that adds one.
func (u *UI) organisationsPage(c echo.Context) error {
	return u.showOrganisations(c, http.StatusOK, newForm(nil), "", nil)
}

func (u *UI) showOrganisations(c echo.Context, status int, create *formState, failed string, failedForm *formState) error {
	p := u.newPage(c, "organisations.title")
	list, err := u.d.Orgs.Organisations(c.Request().Context())
	if err != nil {
		return u.internal(c, err)
	}
	p.Data = organisationsView{Organisations: list, Kinds: p.options("org_kind", orgs.OrganisationKinds, "", ""),
		Create: create, Failed: failed, FailedForm: failedForm}
	return u.render(c, status, "organisations", p)
}

// organisationsSubmit answers POST /admin/organisations: action=create
// adds an organisation, action=update changes one.
func (u *UI) organisationsSubmit(c echo.Context) error {
	form := c.Request().PostForm
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "organisations.title")
	f := newForm(form)
	official := form.Get("official_nrm") != ""
	switch form.Get("action") {
	case "create":
		_, err := u.d.Orgs.CreateOrganisation(ctx, a, orgs.Organisation{ID: form.Get("id"), Name: form.Get("name"),
			Kind: form.Get("kind"), OfficialNRM: official})
		if err == nil {
			return c.Redirect(http.StatusSeeOther, withNotice("/admin/organisations", "organisation_created"))
		}
		if !p.setError(f, err, "id", "name", "kind") {
			return u.internal(c, err)
		}
		return u.showOrganisations(c, apperr.Status(err), f, "", nil)
	case "update":
		name, kind := form.Get("name"), form.Get("kind")
		_, err := u.d.Orgs.UpdateOrganisation(ctx, a, form.Get("id"), orgs.OrganisationPatch{Name: &name, Kind: &kind, OfficialNRM: &official})
		if err == nil {
			return c.Redirect(http.StatusSeeOther, withNotice("/admin/organisations", "organisation_updated"))
		}
		if apperr.KindOf(err) == apperr.NotFound {
			return u.fail(c, http.StatusNotFound, "error.not_found")
		}
		if !p.setError(f, err, "name", "kind") {
			return u.internal(c, err)
		}
		return u.showOrganisations(c, apperr.Status(err), newForm(url.Values{}), form.Get("id"), f)
	}
	return u.fail(c, http.StatusBadRequest, "error.bad_form")
}
