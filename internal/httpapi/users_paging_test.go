package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
)

// TestListUsersPages creates three users besides the admin and reads
// GET /users a page at a time, following next_cursor: the pages hold the
// users in username order, each exactly once, and next_cursor is "" on the
// last page only.
func TestListUsersPages(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, uAdmin, auth.RoleAdmin, "")
	w := &world{t: t, env: env, tok: map[string]string{uAdmin: env.Login(t, uAdmin)}}
	const pw = "a long enough passphrase 42"
	// Case-reading users made by the system: an admin's wait for a second admin.
	env.AddUser(t, "emma", auth.RoleSupervisor, "pag-asa")
	env.AddUser(t, "carla", auth.RoleCaseworker, "payoke")
	for _, u := range []map[string]any{
		{"username": "dirk", "password": pw, "role": "auditor", "shelter": ""},
	} {
		w.must(req{method: http.MethodPost, path: "/api/v1/users", token: w.tok[uAdmin], body: u}, http.StatusCreated)
	}
	all := []string{"carla", "dirk", "emma", uAdmin}

	tests := []struct {
		name  string
		limit string // "" leaves limit out (default 50)
		pages [][]string
	}{
		{"limit 1", "1", [][]string{{"carla"}, {"dirk"}, {"emma"}, {uAdmin}}},
		{"limit 2", "2", [][]string{{"carla", "dirk"}, {"emma", uAdmin}}},
		{"limit 3", "3", [][]string{{"carla", "dirk", "emma"}, {uAdmin}}},
		{"limit 4: one full page", "4", [][]string{all}},
		{"default limit", "", [][]string{all}},
		{"limit 500", "500", [][]string{all}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cursor := ""
			for i, want := range tt.pages {
				q := url.Values{}
				if tt.limit != "" {
					q.Set("limit", tt.limit)
				}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				path := "/api/v1/users"
				if len(q) > 0 {
					path += "?" + q.Encode()
				}
				r := send(t, env.Handler, req{method: http.MethodGet, path: path, token: w.tok[uAdmin]})
				if r.status != http.StatusOK {
					t.Fatalf("page %d: got %s, want 200", i+1, r)
				}
				var got []string
				for j := range r.arr(t, "items") {
					got = append(got, r.str(t, "items."+strconv.Itoa(j)+".username"))
				}
				if !slices.Equal(got, want) {
					t.Errorf("page %d: got %q, want %q", i+1, got, want)
				}
				cursor = r.str(t, "next_cursor")
				last := i == len(tt.pages)-1
				if last && cursor != "" {
					t.Errorf("next_cursor of the last page: got %q, want \"\"", cursor)
				}
				if !last && cursor == "" {
					t.Fatalf("next_cursor of page %d of %d: got \"\", want a cursor", i+1, len(tt.pages))
				}
			}
		})
	}

	w.run(t, []scenario{
		{name: "limit 0", req: req{method: http.MethodGet, path: "/api/v1/users?limit=0", token: w.tok[uAdmin]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("limit")}},
		{name: "limit 501", req: req{method: http.MethodGet, path: "/api/v1/users?limit=501", token: w.tok[uAdmin]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("limit")}},
		{name: "limit not a number", req: req{method: http.MethodGet, path: "/api/v1/users?limit=two", token: w.tok[uAdmin]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("limit")}},
		{name: "cursor not from this list", req: req{method: http.MethodGet, path: "/api/v1/users?cursor=%21%21", token: w.tok[uAdmin]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("cursor")}},
		{name: "bad limit and cursor", req: req{method: http.MethodGet, path: "/api/v1/users?limit=0&cursor=%21", token: w.tok[uAdmin]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("limit", "cursor")}},
	})
}

// TestUpdateUserOrderOfChecks checks the order that PATCH /users/{username}
// documents: the user is looked up (404) before the body is read (413, 400,
// 422).
func TestUpdateUserOrderOfChecks(t *testing.T) {
	w := newWorld(t)
	patch := func(user string, body any) req {
		return req{method: http.MethodPatch, path: "/api/v1/users/" + user, token: w.tok[uAdmin], body: body}
	}
	huge := `{"password":"` + strings.Repeat("x", 2*mib) + `"}`
	w.run(t, []scenario{
		{name: "unknown user, body too large", req: patch("nobody", huge), status: http.StatusNotFound,
			checks: []check{problemType("urn:casemgr:problem:not-found")}},
		{name: "unknown user, malformed body", req: patch("nobody", `{"role":`), status: http.StatusNotFound},
		{name: "unknown user, invalid body", req: patch("nobody", `{"role":"pilot","id":1}`), status: http.StatusNotFound},
		{name: "known user, body too large", req: patch(uPayoke, huge), status: http.StatusRequestEntityTooLarge},
		{name: "known user, malformed body", req: patch(uPayoke, `{"role":`), status: http.StatusBadRequest},
		{name: "known user, invalid body", req: patch(uPayoke, `{"role":"pilot","id":1}`), status: http.StatusUnprocessableEntity,
			checks: []check{fieldErr("id")}},
	})
}
