package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/orgs"
)

// The pages between organisations (docs/organisations.md): a case's
// sharing page (assignment, consents, transfer, referrals) and the
// shelter's transfers and duplicate notices. They call internal/orgs,
// the same service as the API.

type sharingView struct {
	Case       cases.Case
	Supervisor bool
	Today      string
	Consents   []orgs.Consent
	Referrals  []orgs.Referral
	Transfers  []orgs.Transfer
	// The forms, each with what was typed and its errors.
	Assign, Consent, Transfer, Referral, Answer *formState
	// The choices of the forms.
	Caseworkers, Scopes, Givers, Methods, Shelters, Reasons, Organisations, Answers []option
	// Recipients are the shelters and partner organisations a consent may name.
	Recipients []option
}

// sharingPage answers GET /cases/{id}/sharing.
func (u *UI) sharingPage(c echo.Context) error {
	return u.showSharing(c, http.StatusOK, "", nil)
}

// showSharing renders the sharing page; failed is the form (by action) to
// show again with what was typed and its errors.
func (u *UI) showSharing(c echo.Context, status int, action string, failed *formState) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "sharing.title")
	cs, err := u.d.Cases.Get(ctx, a, c.Param("id"), eligibility.Date{})
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return u.fail(c, http.StatusNotFound, "error.not_found")
		}
		return u.internal(c, err)
	}
	p.Title = p.T("sharing.title_of", cs.Reference)
	today := u.d.Cases.Today().String()
	v := sharingView{Case: cs, Supervisor: a.Is(auth.RoleSupervisor), Today: today}
	form := func(name string, init url.Values) *formState {
		if action == name && failed != nil {
			return failed
		}
		return newForm(init)
	}
	v.Assign = form("assign", url.Values{"assignee": {deref(cs.Assignee)}})
	v.Consent = form("consent", url.Values{"given_on": {today}, "method": {"written"}})
	v.Transfer = form("transfer", nil)
	v.Referral = form("referral", url.Values{"referred_on": {today}})
	v.Answer = form("answer", url.Values{"date": {today}})
	if v.Consents, err = u.d.Orgs.Consents(ctx, a, cs.ID); err != nil {
		return u.internal(c, err)
	}
	if v.Referrals, err = u.d.Orgs.Referrals(ctx, a, cs.ID); err != nil {
		return u.internal(c, err)
	}
	all, err := u.d.Orgs.Transfers(ctx, a, "outgoing", "")
	if err != nil {
		return u.internal(c, err)
	}
	for _, t := range all {
		if t.CaseID == cs.ID {
			v.Transfers = append(v.Transfers, t)
		}
	}
	shelters, err := u.d.Shelters.List(ctx)
	if err != nil {
		return u.internal(c, err)
	}
	organisations, err := u.d.Orgs.Organisations(ctx)
	if err != nil {
		return u.internal(c, err)
	}
	if v.Supervisor {
		users, err := u.d.Orgs.Caseworkers(ctx, a)
		if err != nil {
			return u.internal(c, err)
		}
		var opts []option
		for _, n := range users {
			opts = append(opts, option{Value: n, Label: n})
		}
		v.Caseworkers = selectOpts(opts, v.Assign.V("assignee"), p.T("sharing.nobody"))
	}
	v.Scopes = p.options("scope", orgs.ConsentScopes, v.Consent.V("scope"), "form.choose")
	v.Givers = p.options("given_by", orgs.ConsentGivers, v.Consent.V("given_by"), "form.choose")
	v.Methods = p.options("method", orgs.ConsentMethods, v.Consent.V("method"), "")
	v.Reasons = p.options("reason", orgs.TransferReasons, v.Transfer.V("reason"), "form.choose")
	v.Answers = p.options("referral_status", []string{orgs.ReferralAccepted, orgs.ReferralRefused, orgs.ReferralCompleted}, "", "")
	var sh, rec, org []option
	for _, s := range shelters {
		if s.ID != cs.Shelter {
			sh = append(sh, option{Value: s.ID, Label: s.Name})
			rec = append(rec, option{Value: s.ID, Label: s.Name})
		}
	}
	for _, o := range organisations {
		org = append(org, option{Value: o.ID, Label: o.Name + " (" + p.L("org_kind", o.Kind) + ")"})
		rec = append(rec, option{Value: o.ID, Label: o.Name})
	}
	v.Shelters = selectOpts(sh, v.Transfer.V("to_shelter"), p.T("form.choose"))
	v.Recipients = selectOpts(rec, v.Consent.V("recipient"), p.T("sharing.any_recipient"))
	v.Organisations = selectOpts(org, v.Referral.V("organisation"), p.T("form.choose"))
	p.Data = v
	return u.render(c, status, "sharing", p)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sharingSubmit answers POST /cases/{id}/sharing: action is assign,
// consent, withdraw, transfer, referral or answer. A success goes back to
// the page with a notice; a refusal shows the form again with its errors
// (a conflict, such as a missing consent, as the form's message).
func (u *UI) sharingSubmit(c echo.Context) error {
	form := c.Request().PostForm
	ctx := c.Request().Context()
	a := stateOf(c).actor
	id := c.Param("id")
	action := form.Get("action")
	notice := "sharing_" + action
	var err error
	var known []string
	switch action {
	case "assign":
		_, err = u.d.Orgs.Assign(ctx, a, id, form.Get("assignee"))
		known = []string{"assignee"}
	case "consent":
		_, err = u.d.Orgs.RecordConsent(ctx, a, id, orgs.NewConsent{Scope: form.Get("scope"), Recipient: form.Get("recipient"),
			GivenOn: strings.TrimSpace(form.Get("given_on")), GivenBy: form.Get("given_by"), Method: form.Get("method"),
			ExpiresOn: strings.TrimSpace(form.Get("expires_on"))})
		known = []string{"scope", "recipient", "given_on", "given_by", "method", "expires_on"}
	case "withdraw":
		_, err = u.d.Orgs.WithdrawConsent(ctx, a, id, form.Get("consent"), strings.TrimSpace(form.Get("withdrawn_on")))
		action, known = "consent", nil
	case "transfer":
		_, err = u.d.Orgs.RequestTransfer(ctx, a, id, form.Get("to_shelter"), form.Get("reason"))
		known = []string{"to_shelter", "reason"}
	case "referral":
		_, err = u.d.Orgs.RecordReferral(ctx, a, id, orgs.NewReferral{Organisation: form.Get("organisation"),
			Service: form.Get("service"), ReferredOn: strings.TrimSpace(form.Get("referred_on"))})
		known = []string{"organisation", "service", "referred_on"}
	case "answer":
		_, err = u.d.Orgs.UpdateReferral(ctx, a, form.Get("referral"), form.Get("status"), strings.TrimSpace(form.Get("date")))
		known = []string{"status", "date"}
	default:
		return u.fail(c, http.StatusBadRequest, "error.bad_form")
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+id+"/sharing", notice))
	}
	switch apperr.KindOf(err) {
	case apperr.NotFound:
		return u.fail(c, http.StatusNotFound, "error.not_found")
	case apperr.Forbidden:
		return u.fail(c, http.StatusForbidden, "error.forbidden")
	}
	p := u.newPage(c, "sharing.title")
	f := newForm(form)
	if !p.setError(f, err, known...) {
		return u.internal(c, err)
	}
	return u.showSharing(c, apperr.Status(err), action, f)
}

type transfersView struct {
	Supervisor bool
	Shelter    string
	Incoming   []orgs.Transfer
	Outgoing   []orgs.Transfer
	Notices    []orgs.Notification
	Form       *formState
}

// transfersPage answers GET /transfers: the transfers to and from the
// user's shelter, and for supervisors the possible duplicates.
func (u *UI) transfersPage(c echo.Context) error {
	return u.showTransfers(c, http.StatusOK, newForm(nil))
}

func (u *UI) showTransfers(c echo.Context, status int, f *formState) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "transfers.title")
	v := transfersView{Supervisor: a.Is(auth.RoleSupervisor), Shelter: a.Shelter, Form: f}
	var err error
	if v.Incoming, err = u.d.Orgs.Transfers(ctx, a, "incoming", ""); err != nil {
		return u.internal(c, err)
	}
	if v.Outgoing, err = u.d.Orgs.Transfers(ctx, a, "outgoing", ""); err != nil {
		return u.internal(c, err)
	}
	if v.Supervisor {
		if v.Notices, err = u.d.Orgs.Notifications(ctx, a); err != nil {
			return u.internal(c, err)
		}
	}
	p.Data = v
	return u.render(c, status, "transfers", p)
}

// transfersSubmit answers POST /transfers: action accept, decline (with a
// reason) or cancel of the transfer id.
func (u *UI) transfersSubmit(c echo.Context) error {
	form := c.Request().PostForm
	ctx := c.Request().Context()
	a := stateOf(c).actor
	id := form.Get("id")
	var err error
	switch form.Get("action") {
	case "accept":
		var t orgs.Transfer
		if t, err = u.d.Orgs.AcceptTransfer(ctx, a, id); err == nil {
			return c.Redirect(http.StatusSeeOther, withNotice("/cases/"+t.CaseID, "transfer_accepted"))
		}
	case "decline":
		_, err = u.d.Orgs.DeclineTransfer(ctx, a, id, strings.TrimSpace(form.Get("reason")))
	case "cancel":
		_, err = u.d.Orgs.CancelTransfer(ctx, a, id)
	default:
		return u.fail(c, http.StatusBadRequest, "error.bad_form")
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, withNotice("/transfers", "transfer_"+form.Get("action")))
	}
	p := u.newPage(c, "transfers.title")
	f := newForm(form)
	if !p.setError(f, err) {
		return u.internal(c, err)
	}
	return u.showTransfers(c, apperr.Status(err), f)
}
