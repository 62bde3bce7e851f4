package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
	"github.com/casemgr/casemgr/internal/shelter"
)

// livez answers GET /healthz and GET /livez: the process is up.
func (s *Server) livez(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers GET /readyz: the database answers and every migration is
// applied.
func (s *Server) readyz(c echo.Context) error {
	ctx := c.Request().Context()
	if err := s.DB.Ping(ctx); err != nil {
		return writeJSON(c, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	applied, latest, err := s.DB.SchemaVersion(ctx)
	if err != nil || applied != latest {
		return writeJSON(c, http.StatusServiceUnavailable, map[string]any{
			"status": "migrations pending", "schema_version": applied, "latest": latest})
	}
	return writeJSON(c, http.StatusOK, map[string]any{"status": "ok", "schema_version": applied})
}

// body reads and parses the JSON object body of the request.
func (s *Server) body(c echo.Context, allowed ...string) (object, *apperr.Fields, error) {
	b, err := readBody(c, s.MaxBodyBytes)
	if err != nil {
		return object{}, nil, err
	}
	return parseObject(b, allowed...)
}

// login answers POST /api/v1/auth/login.
func (s *Server) login(c echo.Context) error {
	o, f, err := s.body(c, "username", "password", "totp_code", "recovery_code")
	if err != nil {
		return err
	}
	username, password := o.str("username"), o.str("password")
	cr := auth.Credentials{Username: username, Password: password, TOTPCode: o.str("totp_code"), RecoveryCode: o.str("recovery_code")}
	if username == "" {
		f.Add("username", "required")
	}
	if password == "" {
		f.Add("password", "required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	pair, err := s.Auth.LoginWith(c.Request().Context(), cr, c.RealIP())
	if err != nil {
		return withRetryAfter(c, err)
	}
	return writeJSON(c, http.StatusOK, pair)
}

// withRetryAfter sets the Retry-After header of a throttled answer.
func withRetryAfter(c echo.Context, err error) error {
	if secs, ok := auth.RetryAfter(err); ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	}
	return err
}

// refresh answers POST /api/v1/auth/refresh.
func (s *Server) refresh(c echo.Context) error {
	o, f, err := s.body(c, "refresh_token")
	if err != nil {
		return err
	}
	token := o.str("refresh_token")
	if token == "" {
		f.Add("refresh_token", "required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	pair, err := s.Auth.Refresh(c.Request().Context(), token)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, pair)
}

// logout answers POST /api/v1/auth/logout.
func (s *Server) logout(c echo.Context) error {
	a, _ := actorOf(c)
	token := ""
	if c.Request().ContentLength != 0 {
		o, f, err := s.body(c, "refresh_token")
		if err != nil {
			return err
		}
		token = o.str("refresh_token")
		if err := f.Err(); err != nil {
			return err
		}
	}
	if err := s.Auth.Logout(c.Request().Context(), a, token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// me answers GET /api/v1/me.
func (s *Server) me(c echo.Context) error {
	a, _ := actorOf(c)
	return writeJSON(c, http.StatusOK, map[string]string{"username": a.Username, "role": string(a.Role), "shelter": a.Shelter})
}

type userView struct {
	auth.User
	Shelter string `json:"shelter"`
}

func viewUser(u auth.User) userView { return userView{User: u, Shelter: u.Shelter()} }

// listUsers answers GET /api/v1/users (by username, with limit and
// cursor like every list).
func (s *Server) listUsers(c echo.Context) error {
	a, _ := actorOf(c)
	var f apperr.Fields
	limit := queryInt(c, "limit", 50, &f)
	if limit < 1 || limit > 500 {
		f.Add("limit", "want 1 to 500")
	}
	after := ""
	if cur := c.QueryParam("cursor"); cur != "" {
		b, err := base64.RawURLEncoding.DecodeString(cur)
		if err != nil || len(b) == 0 {
			f.Add("cursor", "not a cursor returned by this list; start again without it")
		}
		after = string(b)
	}
	if err := f.Err(); err != nil {
		return err
	}
	us, err := s.Auth.ListUsers(c.Request().Context(), a)
	if err != nil {
		return err
	}
	items := make([]userView, 0, limit)
	next := ""
	for _, u := range us {
		if u.Username <= after {
			continue
		}
		if len(items) == limit {
			next = base64.RawURLEncoding.EncodeToString([]byte(items[len(items)-1].Username))
			break
		}
		items = append(items, viewUser(u))
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": items, "next_cursor": next})
}

// createUser answers POST /api/v1/users.
func (s *Server) createUser(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "username", "password", "role", "shelter")
	if err != nil {
		return err
	}
	nu := auth.NewUser{Username: o.str("username"), Password: o.str("password"),
		Role: auth.Role(o.str("role")), Shelter: o.str("shelter")}
	if err := f.Err(); err != nil {
		return err
	}
	up, err := s.Auth.CreateUser(c.Request().Context(), a, nu)
	if err != nil {
		return err
	}
	if up.Pending != nil {
		// A caseworker or supervisor created by an admin waits for a
		// second admin (docs/security.md "Administrators").
		return writeJSON(c, http.StatusAccepted, up.Pending)
	}
	return writeJSON(c, http.StatusCreated, viewUser(up.User))
}

// updateUser answers PATCH /api/v1/users/{username}.
func (s *Server) updateUser(c echo.Context) error {
	a, _ := actorOf(c)
	if _, err := s.Auth.GetUser(c.Request().Context(), c.Param("username")); err != nil {
		return err
	}
	o, f, err := s.body(c, "role", "shelter", "disabled", "password")
	if err != nil {
		return err
	}
	var p auth.UserPatch
	if r := o.strPtr("role"); r != nil {
		role := auth.Role(*r)
		p.Role = &role
	}
	p.Shelter, p.Disabled, p.Password = o.strPtr("shelter"), o.boolPtr("disabled"), o.strPtr("password")
	if err := f.Err(); err != nil {
		return err
	}
	up, err := s.Auth.ChangeUser(c.Request().Context(), a, c.Param("username"), p)
	if err != nil {
		return err
	}
	if up.Pending != nil {
		return writeJSON(c, http.StatusAccepted, up.Pending)
	}
	return writeJSON(c, http.StatusOK, viewUser(up.User))
}

// listShelters answers GET /api/v1/shelters.
func (s *Server) listShelters(c echo.Context) error {
	list, err := s.Shelters.List(c.Request().Context())
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, list)
}

// createShelter answers POST /api/v1/shelters.
func (s *Server) createShelter(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "id", "name", "city", "official_nrm", "prefix")
	if err != nil {
		return err
	}
	sh := shelter.Shelter{ID: o.str("id"), Name: o.str("name"), City: o.str("city"),
		OfficialNRM: o.boolean("official_nrm"), Prefix: o.str("prefix")}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Shelters.Create(c.Request().Context(), a, sh)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, out)
}

// updateShelter answers PATCH /api/v1/shelters/{id}.
func (s *Server) updateShelter(c echo.Context) error {
	a, _ := actorOf(c)
	if _, err := s.Shelters.Get(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	o, f, err := s.body(c, "name", "city", "official_nrm")
	if err != nil {
		return err
	}
	p := shelter.Patch{Name: o.strPtr("name"), City: o.strPtr("city"), OfficialNRM: o.boolPtr("official_nrm")}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Shelters.Update(c.Request().Context(), a, c.Param("id"), p)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

var victimFields = []string{"given_name", "family_name", "alias", "date_of_birth", "gender", "nationality", "unaccompanied_minor"}

// createCase answers POST /api/v1/cases.
func (s *Server) createCase(c echo.Context) error {
	a, _ := actorOf(c)
	o, f, err := s.body(c, "victim", "exploitation", "identified_on", "identified_by")
	if err != nil {
		return err
	}
	var in cases.NewCase
	if v, ok := o.child("victim", victimFields...); ok {
		in.Victim = cases.VictimInput{GivenName: v.str("given_name"), FamilyName: v.str("family_name"),
			Alias: v.str("alias"), DateOfBirth: v.str("date_of_birth"), Gender: v.str("gender"),
			Nationality: v.str("nationality"), UnaccompaniedMinor: v.boolean("unaccompanied_minor")}
	} else if !o.has("victim") {
		f.Add("victim", "required: given_name, family_name, nationality, …")
	}
	in.Exploitation = o.strings("exploitation")
	in.IdentifiedOn, in.IdentifiedBy = o.str("identified_on"), o.str("identified_by")
	if err := f.Err(); err != nil {
		return err
	}
	asOf, err := asOfParam(c)
	if err != nil {
		return err
	}
	out, err := s.Cases.Create(c.Request().Context(), a, in)
	if err != nil {
		return err
	}
	return s.caseAnswer(c, http.StatusCreated, out, asOf)
}

// listCases answers GET /api/v1/cases.
func (s *Server) listCases(c echo.Context) error {
	a, _ := actorOf(c)
	var f apperr.Fields
	q := cases.ListQuery{State: c.QueryParam("state"), Proceedings: c.QueryParam("proceedings"),
		Rule: c.QueryParam("rule"), Severity: c.QueryParam("severity"), Q: c.QueryParam("q"), Assignee: c.QueryParam("assignee"),
		Cursor: c.QueryParam("cursor"), Limit: queryInt(c, "limit", 0, &f), AsOf: queryDate(c, "as_of", &f)}
	if err := f.Err(); err != nil {
		return err
	}
	return writePooled(c, func(dst []byte) ([]byte, error) {
		return s.Cases.AppendListJSON(c.Request().Context(), dst, a, q)
	})
}

// pageBuffers keeps the buffers list and board pages are written into: a
// page of 50 cases is about 300 KB, and allocating one per request made
// the garbage collector a large part of a list's CPU (docs/performance.md
// "Issue 18"). Buffers above maxPooledPage (pages of hundreds of cases)
// are not kept.
var pageBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

const maxPooledPage = 1 << 20

// writePooled answers 200 with the JSON that write appends to a pooled
// buffer.
func writePooled(c echo.Context, write func(dst []byte) ([]byte, error)) error {
	buf := pageBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}()
	b, err := write((*buf)[:0])
	*buf = b
	if err != nil {
		return err
	}
	return writeEncoded(c, http.StatusOK, b)
}

// getCase answers GET /api/v1/cases/{id}.
func (s *Server) getCase(c echo.Context) error {
	a, _ := actorOf(c)
	asOf, err := s.visibleAsOf(c, a)
	if err != nil {
		return err
	}
	out, err := s.Cases.GetJSON(c.Request().Context(), a, c.Param("id"), asOf)
	if err != nil {
		return err
	}
	return writeEncoded(c, http.StatusOK, out)
}

// updateCase answers PATCH /api/v1/cases/{id}.
func (s *Server) updateCase(c echo.Context) error {
	a, _ := actorOf(c)
	if err := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); err != nil {
		return err
	}
	o, f, err := s.body(c, "victim", "exploitation", "identified_by", "version")
	if err != nil {
		return err
	}
	var p cases.CasePatch
	if v, ok := o.child("victim", "given_name", "family_name", "alias", "date_of_birth", "gender", "nationality", "unaccompanied_minor"); ok {
		p.GivenName, p.FamilyName, p.Alias = v.strPtr("given_name"), v.strPtr("family_name"), v.strPtr("alias")
		p.Gender, p.Nationality, p.UnaccompaniedMinor = v.strPtr("gender"), v.strPtr("nationality"), v.boolPtr("unaccompanied_minor")
		if _, present := v.members["date_of_birth"]; present {
			dob := v.str("date_of_birth") // null or "" clears it
			p.DateOfBirth = &dob
		}
	}
	p.Exploitation = o.strings("exploitation")
	p.IdentifiedBy = o.strPtr("identified_by")
	p.Version = o.intPtr("version")
	if err := f.Err(); err != nil {
		return err
	}
	asOf, err := asOfParam(c)
	if err != nil {
		return err
	}
	out, err := s.Cases.Update(c.Request().Context(), a, c.Param("id"), p)
	if err != nil {
		return err
	}
	return s.caseAnswer(c, http.StatusOK, out, asOf)
}

// eventInput reads the body shared by /events and /simulate.
//
// A case the actor may not see is 404 (or 403 for the role) whatever the
// body holds. The service checks that when it reads the case, so the case
// is read once per event; only a request refused here is checked first.
func (s *Server) eventInput(c echo.Context) (cases.EventInput, error) {
	o, f, err := s.body(c, "type", "occurred_on", "note", "data", "version")
	var in cases.EventInput
	if err == nil {
		in = cases.EventInput{Type: o.str("type"), OccurredOn: o.str("occurred_on"), Note: o.str("note"),
			Data: o.anyMap("data"), Version: o.intPtr("version")}
		err = f.Err()
	}
	if err != nil {
		return cases.EventInput{}, s.visibleFirst(c, err)
	}
	return in, nil
}

// visibleFirst returns err, a refusal of the request, unless the case of
// the path is not the actor's to see: then that (404 or 403) comes first.
func (s *Server) visibleFirst(c echo.Context, err error) error {
	a, _ := actorOf(c)
	if verr := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); verr != nil {
		return verr
	}
	return err
}

// recordEvent answers POST /api/v1/cases/{id}/events.
func (s *Server) recordEvent(c echo.Context) error {
	a, _ := actorOf(c)
	in, err := s.eventInput(c)
	if err != nil {
		return err
	}
	asOf, err := asOfParam(c)
	if err != nil {
		return s.visibleFirst(c, err)
	}
	b, err := s.Cases.RecordEventJSON(c.Request().Context(), a, c.Param("id"), in, asOf)
	if err != nil {
		return err
	}
	return writeEncoded(c, http.StatusOK, b)
}

// voidEvent answers POST /api/v1/cases/{id}/events/{seq}/void: the event
// stays in the history, marked voided, and the case is recomputed without
// it (docs/model.md "Correcting the record").
func (s *Server) voidEvent(c echo.Context) error {
	a, _ := actorOf(c)
	ctx := c.Request().Context()
	if err := s.Cases.Visible(ctx, a, c.Param("id")); err != nil {
		return err
	}
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil || seq < 1 {
		return apperr.NotFoundf("no event with seq %q", c.Param("seq"))
	}
	o, f, err := s.body(c, "reason", "version")
	if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Cases.VoidEvent(ctx, a, c.Param("id"), seq, cases.VoidInput{Reason: o.str("reason"), Version: o.intPtr("version")})
	if err != nil {
		return err
	}
	return s.caseAnswer(c, http.StatusOK, out, eligibility.Date{})
}

// simulate answers POST /api/v1/cases/{id}/simulate.
func (s *Server) simulate(c echo.Context) error {
	a, _ := actorOf(c)
	in, err := s.eventInput(c)
	if err != nil {
		return err
	}
	out, err := s.Cases.Simulate(c.Request().Context(), a, c.Param("id"), in)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// caseFlags answers GET /api/v1/cases/{id}/flags.
func (s *Server) caseFlags(c echo.Context) error {
	a, _ := actorOf(c)
	asOf, err := s.visibleAsOf(c, a)
	if err != nil {
		return err
	}
	out, err := s.Cases.Flags(c.Request().Context(), a, c.Param("id"), asOf)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// caseHistory answers GET /api/v1/cases/{id}/events: the history as
// caseworkers see it, or the full audit records for auditors.
func (s *Server) caseHistory(c echo.Context) error {
	a, _ := actorOf(c)
	var items any
	var err error
	if a.Is(auth.RoleAuditor) {
		items, err = s.Cases.AuditHistory(c.Request().Context(), a, c.Param("id"))
	} else {
		items, err = s.Cases.History(c.Request().Context(), a, c.Param("id"))
	}
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]any{"items": items})
}

// deadlines answers GET /api/v1/deadlines.
func (s *Server) deadlines(c echo.Context) error {
	a, _ := actorOf(c)
	var f apperr.Fields
	within := queryInt(c, "within", 30, &f)
	asOf := queryDate(c, "as_of", &f)
	limit := queryInt(c, "limit", 0, &f)
	if err := f.Err(); err != nil {
		return err
	}
	out, err := s.Cases.Deadlines(c.Request().Context(), a, within, asOf, limit, c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	return writePooled(c, out.AppendJSON)
}

// eraseCase answers POST /api/v1/cases/{id}/erase (admins): the case's
// identity data is destroyed; its history stays.
func (s *Server) eraseCase(c echo.Context) error {
	a, _ := actorOf(c)
	out, err := s.Cases.Erase(c.Request().Context(), a, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// asOfParam reads the optional as_of query parameter (422 when malformed).
func asOfParam(c echo.Context) (eligibility.Date, error) {
	var f apperr.Fields
	d := queryDate(c, "as_of", &f)
	return d, f.Err()
}

// caseAnswer writes a changed case; with as_of, its deadlines and flags are
// evaluated as of that date (docs/api.md "Dates and as_of": every response carrying days_left or
// flags accepts as_of).
func (s *Server) caseAnswer(c echo.Context, status int, out cases.Case, asOf eligibility.Date) error {
	if !asOf.IsZero() && asOf != out.AsOf {
		out = s.Cases.At(out, asOf)
	}
	return writeJSON(c, status, out)
}

// visibleAsOf reads as_of for a read of one case. A malformed as_of is a
// 422 only once the case is known to be visible (404 comes first); a valid
// one needs no separate visibility check, since the read itself answers
// 404.
func (s *Server) visibleAsOf(c echo.Context, a auth.Actor) (eligibility.Date, error) {
	var f apperr.Fields
	asOf := queryDate(c, "as_of", &f)
	if err := f.Err(); err != nil {
		if verr := s.Cases.Visible(c.Request().Context(), a, c.Param("id")); verr != nil {
			return asOf, verr
		}
		return asOf, err
	}
	return asOf, nil
}
