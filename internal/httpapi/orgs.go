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
	a, _ := actorOf(c)
	if err := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); err != nil {
		return err
	}
	o, f, err := s.body(c, "assignee")
	if err != nil {
		return err
	}
	username := o.str("assignee") // null or "" unassigns
	if _, present := o.members["assignee"]; !present {
		f.AddCode("assignee", apperr.CodeRequired, "required: a caseworker's username, or null for nobody")
	}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.Assign(c.Request().Context(), a, c.Param("id"), username)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// listConsents answers GET /api/v1/cases/{id}/consents.
func (s *Server) listConsents(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Consents(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}

// recordConsent answers POST /api/v1/cases/{id}/consents.
func (s *Server) recordConsent(c echo.Context) error {
	a, _ := actorOf(c)
	if err := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); err != nil {
		return err
	}
	o, f, err := s.body(c, "scope", "recipient", "given_on", "given_by", "method", "expires_on")
	if err != nil {
		return err
	}
	in := orgs.NewConsent{Scope: o.str("scope"), Recipient: o.str("recipient"), GivenOn: o.str("given_on"),
		GivenBy: o.str("given_by"), Method: o.str("method"), ExpiresOn: o.str("expires_on")}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.RecordConsent(c.Request().Context(), a, c.Param("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, out)
}

// withdrawConsent answers POST /api/v1/cases/{id}/consents/{consent_id}/withdraw.
func (s *Server) withdrawConsent(c echo.Context) error {
	a, _ := actorOf(c)
	if err := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); err != nil {
		return err
	}
	o, f, err := s.body(c, "withdrawn_on")
	if err != nil {
		return err
	}
	on := o.str("withdrawn_on")
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.WithdrawConsent(c.Request().Context(), a, c.Param("id"), c.Param("consent_id"), on)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// requestTransfer answers POST /api/v1/cases/{id}/transfers.
func (s *Server) requestTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	if err := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); err != nil {
		return err
	}
	o, f, err := s.body(c, "to_shelter", "reason")
	if err != nil {
		return err
	}
	to, reason := o.str("to_shelter"), o.str("reason")
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.RequestTransfer(c.Request().Context(), a, c.Param("id"), to, reason)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, out)
}

// listTransfers answers GET /api/v1/transfers.
func (s *Server) listTransfers(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Transfers(c.Request().Context(), a, c.QueryParam("direction"), c.QueryParam("status"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}

// getTransfer answers GET /api/v1/transfers/{id}.
func (s *Server) getTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Transfer(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// acceptTransfer answers POST /api/v1/transfers/{id}/accept.
func (s *Server) acceptTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.AcceptTransfer(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// declineTransfer answers POST /api/v1/transfers/{id}/decline.
func (s *Server) declineTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "reason")
	if err != nil {
		return err
	}
	reason := o.str("reason")
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.DeclineTransfer(c.Request().Context(), a, c.Param("id"), reason)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// cancelTransfer answers POST /api/v1/transfers/{id}/cancel.
func (s *Server) cancelTransfer(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.CancelTransfer(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// listOrganisations answers GET /api/v1/organisations.
func (s *Server) listOrganisations(c echo.Context) error {
	out, err := s.Orgs.Organisations(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}

// createOrganisation answers POST /api/v1/organisations.
func (s *Server) createOrganisation(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "id", "name", "kind", "official_nrm")
	if err != nil {
		return err
	}
	in := orgs.Organisation{ID: o.str("id"), Name: o.str("name"), Kind: o.str("kind"), OfficialNRM: o.boolean("official_nrm")}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.CreateOrganisation(c.Request().Context(), a, in)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, out)
}

// updateOrganisation answers PATCH /api/v1/organisations/{id}.
func (s *Server) updateOrganisation(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "name", "kind", "official_nrm")
	if err != nil {
		return err
	}
	p := orgs.OrganisationPatch{Name: o.strPtr("name"), Kind: o.strPtr("kind"), OfficialNRM: o.boolPtr("official_nrm")}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.UpdateOrganisation(c.Request().Context(), a, c.Param("id"), p)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// listReferrals answers GET /api/v1/cases/{id}/referrals.
func (s *Server) listReferrals(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Referrals(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}

// recordReferral answers POST /api/v1/cases/{id}/referrals.
func (s *Server) recordReferral(c echo.Context) error {
	a, _ := actorOf(c)
	if err := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); err != nil {
		return err
	}
	o, f, err := s.body(c, "organisation", "service", "referred_on")
	if err != nil {
		return err
	}
	in := orgs.NewReferral{Organisation: o.str("organisation"), Service: o.str("service"), ReferredOn: o.str("referred_on")}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.RecordReferral(c.Request().Context(), a, c.Param("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, out)
}

// updateReferral answers PATCH /api/v1/referrals/{id}.
func (s *Server) updateReferral(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "status", "date")
	if err != nil {
		return err
	}
	status, on := o.str("status"), o.str("date")
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Orgs.UpdateReferral(c.Request().Context(), a, c.Param("id"), status, on)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// listNotifications answers GET /api/v1/notifications (supervisors).
func (s *Server) listNotifications(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Orgs.Notifications(c.Request().Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": out})
}
