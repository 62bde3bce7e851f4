package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/orgs"
)

// orgRoutes adds the routes of the work between organisations
// (docs/organisations.md).
func (s *Server) orgRoutes(route func(method, path string, h echo.HandlerFunc, roles []auth.Role)) {
	work := []auth.Role{auth.RoleCaseworker, auth.RoleSupervisor}
	anyone := []auth.Role{auth.RoleCaseworker, auth.RoleSupervisor, auth.RoleAuditor, auth.RoleAdmin}
	admin := []auth.Role{auth.RoleAdmin}
	route(http.MethodPost, "/cases/:id/assign", s.assignCase, []auth.Role{auth.RoleSupervisor})
	route(http.MethodGet, "/cases/:id/consents", s.listConsents, work)
	route(http.MethodPost, "/cases/:id/consents", s.recordConsent, work)
	route(http.MethodPost, "/cases/:id/consents/:consent_id/withdraw", s.withdrawConsent, work)
	route(http.MethodPost, "/cases/:id/transfers", s.requestTransfer, work)
	route(http.MethodGet, "/transfers", s.listTransfers, work)
	route(http.MethodGet, "/transfers/:id", s.getTransfer, work)
	route(http.MethodPost, "/transfers/:id/accept", s.acceptTransfer, work)
	route(http.MethodPost, "/transfers/:id/decline", s.declineTransfer, work)
	route(http.MethodPost, "/transfers/:id/cancel", s.cancelTransfer, work)
	route(http.MethodGet, "/organisations", s.listOrganisations, anyone)
	route(http.MethodPost, "/organisations", s.createOrganisation, admin)
	route(http.MethodPatch, "/organisations/:id", s.updateOrganisation, admin)
	route(http.MethodGet, "/cases/:id/referrals", s.listReferrals, work)
	route(http.MethodPost, "/cases/:id/referrals", s.recordReferral, work)
	route(http.MethodPatch, "/referrals/:id", s.updateReferral, work)
	route(http.MethodGet, "/notifications", s.listNotifications, []auth.Role{auth.RoleSupervisor})
}

// assignCase answers POST /api/v1/cases/{id}/assign.
func (s *Server) assignCase(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	username, err := decode(s, c, func(o object) string {
		if _, present := o.members["assignee"]; !present {
			o.errs.AddCode("assignee", apperr.CodeRequired, "required: a caseworker's username, or null for nobody")
		}
		return o.str("assignee") // null or "" unassigns
	}, "assignee")
	if err != nil {
		return err
	}
	out, err := s.Orgs.Assign(c.Request().Context(), a, c.Param("id"), username)
	return reply(c, http.StatusOK, out, err)
}

// listConsents answers GET /api/v1/cases/{id}/consents.
func (s *Server) listConsents(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Consents(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, items(out), err)
}

func newConsent(o object) orgs.NewConsent {
	return orgs.NewConsent{Scope: o.str("scope"), Recipient: o.str("recipient"), GivenOn: o.str("given_on"),
		GivenBy: o.str("given_by"), Method: o.str("method"), ExpiresOn: o.str("expires_on")}
}

// recordConsent answers POST /api/v1/cases/{id}/consents.
func (s *Server) recordConsent(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	in, err := decode(s, c, newConsent, "scope", "recipient", "given_on", "given_by", "method", "expires_on")
	if err != nil {
		return err
	}
	out, err := s.Orgs.RecordConsent(c.Request().Context(), a, c.Param("id"), in)
	return reply(c, http.StatusCreated, out, err)
}

// strMember returns a build function of decode that reads the string
// member name.
func strMember(name string) func(object) string {
	return func(o object) string { return o.str(name) }
}

// withdrawConsent answers POST /api/v1/cases/{id}/consents/{consent_id}/withdraw.
func (s *Server) withdrawConsent(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	on, err := decode(s, c, strMember("withdrawn_on"), "withdrawn_on")
	if err != nil {
		return err
	}
	out, err := s.Orgs.WithdrawConsent(c.Request().Context(), a, c.Param("id"), c.Param("consent_id"), on)
	return reply(c, http.StatusOK, out, err)
}

// transferRequest is the body of POST /cases/{id}/transfers.
type transferRequest struct{ to, reason string }

// requestTransfer answers POST /api/v1/cases/{id}/transfers.
func (s *Server) requestTransfer(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	in, err := decode(s, c, func(o object) transferRequest {
		return transferRequest{to: o.str("to_shelter"), reason: o.str("reason")}
	}, "to_shelter", "reason")
	if err != nil {
		return err
	}
	out, err := s.Orgs.RequestTransfer(c.Request().Context(), a, c.Param("id"), in.to, in.reason)
	return reply(c, http.StatusCreated, out, err)
}

// listTransfers answers GET /api/v1/transfers.
func (s *Server) listTransfers(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Transfers(c.Request().Context(), a, c.QueryParam("direction"), c.QueryParam("status"))
	return reply(c, http.StatusOK, items(out), err)
}

// getTransfer answers GET /api/v1/transfers/{id}.
func (s *Server) getTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Transfer(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, out, err)
}

// acceptTransfer answers POST /api/v1/transfers/{id}/accept.
func (s *Server) acceptTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.AcceptTransfer(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, out, err)
}

// declineTransfer answers POST /api/v1/transfers/{id}/decline.
func (s *Server) declineTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	reason, err := decode(s, c, strMember("reason"), "reason")
	if err != nil {
		return err
	}
	out, err := s.Orgs.DeclineTransfer(c.Request().Context(), a, c.Param("id"), reason)
	return reply(c, http.StatusOK, out, err)
}

// cancelTransfer answers POST /api/v1/transfers/{id}/cancel.
func (s *Server) cancelTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.CancelTransfer(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, out, err)
}

// listOrganisations answers GET /api/v1/organisations.
func (s *Server) listOrganisations(c echo.Context) error {
	out, err := s.Orgs.Organisations(c.Request().Context())
	return reply(c, http.StatusOK, items(out), err)
}

func newOrganisation(o object) orgs.Organisation {
	return orgs.Organisation{ID: o.str("id"), Name: o.str("name"), Kind: o.str("kind"), OfficialNRM: o.boolean("official_nrm")}
}

// createOrganisation answers POST /api/v1/organisations.
func (s *Server) createOrganisation(c echo.Context) error {
	a, _ := actorOf(c)
	in, err := decode(s, c, newOrganisation, "id", "name", "kind", "official_nrm")
	if err != nil {
		return err
	}
	out, err := s.Orgs.CreateOrganisation(c.Request().Context(), a, in)
	return reply(c, http.StatusCreated, out, err)
}

func organisationPatch(o object) orgs.OrganisationPatch {
	return orgs.OrganisationPatch{Name: o.strPtr("name"), Kind: o.strPtr("kind"), OfficialNRM: o.boolPtr("official_nrm")}
}

// updateOrganisation answers PATCH /api/v1/organisations/{id}.
func (s *Server) updateOrganisation(c echo.Context) error {
	a, _ := actorOf(c)
	p, err := decode(s, c, organisationPatch, "name", "kind", "official_nrm")
	if err != nil {
		return err
	}
	out, err := s.Orgs.UpdateOrganisation(c.Request().Context(), a, c.Param("id"), p)
	return reply(c, http.StatusOK, out, err)
}

// listReferrals answers GET /api/v1/cases/{id}/referrals.
func (s *Server) listReferrals(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Referrals(c.Request().Context(), a, c.Param("id"))
	return reply(c, http.StatusOK, items(out), err)
}

func newReferral(o object) orgs.NewReferral {
	return orgs.NewReferral{Organisation: o.str("organisation"), Service: o.str("service"), ReferredOn: o.str("referred_on")}
}

// recordReferral answers POST /api/v1/cases/{id}/referrals.
func (s *Server) recordReferral(c echo.Context) error {
	a, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	in, err := decode(s, c, newReferral, "organisation", "service", "referred_on")
	if err != nil {
		return err
	}
	out, err := s.Orgs.RecordReferral(c.Request().Context(), a, c.Param("id"), in)
	return reply(c, http.StatusCreated, out, err)
}

// referralAnswer is the body of PATCH /referrals/{id}.
type referralAnswer struct{ status, on string }

// updateReferral answers PATCH /api/v1/referrals/{id}.
func (s *Server) updateReferral(c echo.Context) error {
	a, _ := actorOf(c)
	in, err := decode(s, c, func(o object) referralAnswer {
		return referralAnswer{status: o.str("status"), on: o.str("date")}
	}, "status", "date")
	if err != nil {
		return err
	}
	out, err := s.Orgs.UpdateReferral(c.Request().Context(), a, c.Param("id"), in.status, in.on)
	return reply(c, http.StatusOK, out, err)
}

// listNotifications answers GET /api/v1/notifications (supervisors).
func (s *Server) listNotifications(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Notifications(c.Request().Context(), a)
	return reply(c, http.StatusOK, items(out), err)
}
