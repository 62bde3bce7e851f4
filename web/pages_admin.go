package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/casemgr/casemgr/internal/apperr"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/shelter"
)

type usersView struct {
	Users    []userRow
	Create   *formState
	Roles    []option
	Shelters []option
	// Failed is the user whose row form failed, and its form.
	Failed     string
	FailedForm *formState
	// Reset is a reset code just issued, shown once.
	Reset *issuedReset
	// Pending are the changes waiting for a second admin.
	Pending []auth.UserChange
}

// issuedReset is a password-reset code to hand to its user.
type issuedReset struct {
	Username string
	auth.PasswordResetCode
}

type userRow struct {
	auth.User
	ShelterName string
	Self        bool
}

func roleValues() []string {
	var out []string
	for _, r := range auth.Roles() {
		out = append(out, string(r))
	}
	return out
}

// usersPage answers GET /admin/users: the users, the form that creates one,
// and on each row the forms that disable or enable the user and reset the
// password.
func (u *UI) usersPage(c echo.Context) error {
	return u.showUsers(c, http.StatusOK, newForm(nil), "", nil)
}

func (u *UI) showUsers(c echo.Context, status int, create *formState, failed string, failedForm *formState) error {
	return u.showUsersWith(c, status, create, failed, failedForm, nil)
}

func (u *UI) showUsersWith(c echo.Context, status int, create *formState, failed string, failedForm *formState, reset *issuedReset) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	p := u.newPage(c, "users.title")
	users, err := u.d.Auth.ListUsers(ctx, a)
	if err != nil {
		return u.internal(c, err)
	}
	shelters, err := u.d.Shelters.List(ctx)
	if err != nil {
		return u.internal(c, err)
	}
	names := map[string]string{}
	pending, err := u.d.Auth.PendingChanges(ctx, a)
	if err != nil {
		return u.internal(c, err)
	}
	v := usersView{Create: create, Failed: failed, FailedForm: failedForm, Reset: reset, Pending: pending,
		Roles: p.options("role", roleValues(), create.V("role"), "form.choose")}
	v.Shelters = []option{{Value: "", Label: p.T("users.no_shelter"), Selected: create.V("shelter") == ""}}
	for _, sh := range shelters {
		names[sh.ID] = sh.Name
		v.Shelters = append(v.Shelters, option{Value: sh.ID, Label: sh.Name, Selected: create.V("shelter") == sh.ID})
	}
	for _, us := range users {
		v.Users = append(v.Users, userRow{User: us, ShelterName: names[us.Shelter()], Self: us.Username == a.Username})
	}
	p.Data = v
	return u.render(c, status, "users", p)
}

// usersSubmit answers POST /admin/users: action=create adds a user;
// action=disable, enable or password change the user named by the
// username field. Every change goes through auth.Service (audited there;
// disabling or a new password ends the user's sessions at once).
func (u *UI) usersSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	form := c.Request().PostForm
	p := u.newPage(c, "users.title")
	f := newForm(form)
	username := strings.TrimSpace(form.Get("username"))
	var err error
	notice := ""
	switch form.Get("action") {
	case "create":
		var up auth.UserUpdate
		up, err = u.d.Auth.CreateUser(ctx, a, auth.NewUser{Username: username, Password: form.Get("password"),
			Role: auth.Role(form.Get("role")), Shelter: form.Get("shelter")})
		notice = "user_created"
		if up.Pending != nil {
			notice = "user_requested"
		}
		if err != nil {
			f.Values.Del("password")
			if !p.setError(f, err, "username", "password", "role", "shelter") {
				return u.internal(c, err)
			}
			return u.showUsers(c, apperr.Status(err), f, "", nil)
		}
	case "disable", "enable":
		d := form.Get("action") == "disable"
		if d && !adminConfirmed(c) {
			// Disabling ends the user's sessions at once: asked twice.
			return u.askConfirm(c, "users.title", adminConfirmView{Question: p.T("users.disable_confirm", username),
				Detail: p.T("users.disable_detail"), Yes: p.T("users.disable"), Action: "/admin/users", Cancel: "/admin/users",
				Fields: []option{{Value: "action", Label: "disable"}, {Value: "username", Label: username}}})
		}
		_, err = u.d.Auth.UpdateUser(ctx, a, username, auth.UserPatch{Disabled: &d})
		notice = "user_" + form.Get("action") + "d"
	case "reset":
		// The code is shown on this answer only (never in a URL or a
		// redirect): the admin hands it to the user, who chooses the
		// password at /reset (docs/security.md "Administrators").
		var code auth.PasswordResetCode
		if code, err = u.d.Auth.IssuePasswordReset(ctx, a, username); err == nil {
			return u.showUsersWith(c, http.StatusOK, newForm(nil), "", nil, &issuedReset{Username: username, PasswordResetCode: code})
		}
	case "approve":
		var ap auth.Approval
		ap, err = u.d.Auth.ApproveUserChange(ctx, a, form.Get("change"))
		if err == nil && ap.ResetCode != nil {
			// A created user: his reset code, shown on this answer only.
			return u.showUsersWith(c, http.StatusOK, newForm(nil), "", nil, &issuedReset{Username: ap.User.Username, PasswordResetCode: *ap.ResetCode})
		}
		notice = "change_approved"
	default:
		return u.fail(c, http.StatusBadRequest, "error.bad_form")
	}
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return u.fail(c, http.StatusNotFound, "error.not_found")
		}
		rf := newForm(url.Values{})
		if apperr.KindOf(err) == apperr.Forbidden || apperr.KindOf(err) == apperr.Conflict {
			rf.Error = err.Error()
			return u.showUsers(c, apperr.Status(err), newForm(nil), username, rf)
		}
		if !p.setError(rf, err, "password", "disabled") {
			return u.internal(c, err)
		}
		if rf.Errors["disabled"] != "" {
			rf.Error, rf.Errors["disabled"] = rf.Errors["disabled"], ""
		}
		return u.showUsers(c, apperr.Status(err), newForm(nil), username, rf)
	}
	return c.Redirect(http.StatusSeeOther, withNotice("/admin/users", notice))
}

type sheltersView struct {
	Shelters   []shelter.Shelter
	Create     *formState
	Failed     string
	FailedForm *formState
}

// sheltersPage answers GET /admin/shelters: the shelters, each with a form
// to change its name, city and official NRM provider flag, and the form
// that creates one.
func (u *UI) sheltersPage(c echo.Context) error {
	return u.showShelters(c, http.StatusOK, newForm(url.Values{}), "", nil)
}

func (u *UI) showShelters(c echo.Context, status int, create *formState, failed string, failedForm *formState) error {
	p := u.newPage(c, "shelters.title")
	list, err := u.d.Shelters.List(c.Request().Context())
	if err != nil {
		return u.internal(c, err)
	}
	p.Data = sheltersView{Shelters: list, Create: create, Failed: failed, FailedForm: failedForm}
	return u.render(c, status, "shelters", p)
}

// sheltersSubmit answers POST /admin/shelters: action=create adds a
// shelter; action=update changes the name, city and official NRM flag of
// the shelter named by the id field (through shelter.Service, audited).
func (u *UI) sheltersSubmit(c echo.Context) error {
	ctx := c.Request().Context()
	a := stateOf(c).actor
	form := c.Request().PostForm
	p := u.newPage(c, "shelters.title")
	f := newForm(form)
	official := form.Get("official_nrm") != ""
	id := strings.TrimSpace(form.Get("id"))
	switch form.Get("action") {
	case "create":
		_, err := u.d.Shelters.Create(ctx, a, shelter.Shelter{ID: id, Name: strings.TrimSpace(form.Get("name")),
			City: strings.TrimSpace(form.Get("city")), Prefix: strings.ToUpper(strings.TrimSpace(form.Get("prefix"))),
			OfficialNRM: official})
		if err != nil {
			if !p.setError(f, err, "id", "name", "city", "prefix") {
				return u.internal(c, err)
			}
			return u.showShelters(c, apperr.Status(err), f, "", nil)
		}
		return c.Redirect(http.StatusSeeOther, withNotice("/admin/shelters", "shelter_created"))
	case "update":
		name, city := strings.TrimSpace(form.Get("name")), strings.TrimSpace(form.Get("city"))
		_, err := u.d.Shelters.Update(ctx, a, id, shelter.Patch{Name: &name, City: &city, OfficialNRM: &official})
		if err != nil {
			if apperr.KindOf(err) == apperr.NotFound {
				return u.fail(c, http.StatusNotFound, "error.not_found")
			}
			if !p.setError(f, err, "name", "city") {
				return u.internal(c, err)
			}
			return u.showShelters(c, apperr.Status(err), newForm(url.Values{}), id, f)
		}
		return c.Redirect(http.StatusSeeOther, withNotice("/admin/shelters", "shelter_updated"))
	}
	return u.fail(c, http.StatusBadRequest, "error.bad_form")
}
