package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
)

// The user-management scenarios with separation of duties among admins
// turned on (auth.four_eyes): a second admin approves every change that
// gives access to case files, and admins set no passwords. The same
// scenarios with the default settings, as the API contract describes
// them, are in scenarios_test.go.

func TestDisablingUserEndsSessionsFourEyes(t *testing.T) {
	w := newWorldWith(t, fourEyes)
	tok := w.tok[uPayoke]
	patch := func(body any) *response {
		return w.do(req{method: http.MethodPatch, path: "/api/v1/users/" + uPayoke, token: w.tok[uAdmin], body: body})
	}
	if got := w.do(req{method: http.MethodGet, path: "/api/v1/me", token: tok}).status; got != http.StatusOK {
		t.Fatalf("before: got %d, want 200", got)
	}
	r := patch(map[string]any{"disabled": true})
	if r.status != http.StatusOK {
		t.Fatalf("disable: got %s, want 200", r)
	}
	eq("disabled", true)(t, r)
	eq("username", uPayoke)(t, r)
	for _, path := range []string{"/api/v1/me", "/api/v1/cases"} {
		if got := w.do(req{method: http.MethodGet, path: path, token: tok}).status; got != http.StatusUnauthorized {
			t.Errorf("GET %s with a disabled user's token: got %d, want 401", path, got)
		}
	}
	bad := w.login(uPayoke, apptest.Password)
	wrong := w.login(uPayoke2, "not the password at all")
	if bad.status != http.StatusUnauthorized {
		t.Errorf("login of a disabled user: got %d, want 401", bad.status)
	}
	if bd, wd := bad.str(t, "detail"), wrong.str(t, "detail"); bd != wd {
		t.Errorf("login of a disabled user: got detail %q, want the same as a wrong password (%q)", bd, wd)
	}

	// Enabling again does not bring the old session back.
	if r := patch(map[string]any{"disabled": false}); r.status != http.StatusOK {
		t.Fatalf("enable: got %s, want 200", r)
	}
	if got := w.do(req{method: http.MethodGet, path: "/api/v1/me", token: tok}).status; got != http.StatusUnauthorized {
		t.Errorf("old token after re-enabling: got %d, want 401", got)
	}
	if got := w.login(uPayoke, apptest.Password).status; got != http.StatusOK {
		t.Errorf("login after re-enabling: got %d, want 200", got)
	}

	// Issue 20: an admin no longer sets a password; he issues a reset code
	// that the user redeems.
	t.Run("a new password ends sessions", func(t *testing.T) {
		samTok := w.tok[uPayoke2]
		set := w.do(req{method: http.MethodPatch, path: "/api/v1/users/" + uPayoke2, token: w.tok[uAdmin],
			body: map[string]any{"password": "a brand new passphrase 7"}})
		if set.status != http.StatusUnprocessableEntity {
			t.Fatalf("admin sets a password: got %s, want 422", set)
		}
		onlyFieldErrs("password")(t, set)
		code := w.must(req{method: http.MethodPost, path: "/api/v1/users/" + uPayoke2 + "/password-reset", token: w.tok[uAdmin]},
			http.StatusCreated).str(t, "code")
		redeem := func(pw string) *response {
			return w.do(req{method: http.MethodPost, path: "/api/v1/auth/password-reset",
				body: map[string]any{"username": uPayoke2, "code": code, "password": pw}})
		}
		weak := redeem("short")
		if weak.status != http.StatusUnprocessableEntity {
			t.Errorf("weak new password: got %s, want 422", weak)
		}
		onlyFieldErrs("password")(t, weak)
		if r := redeem("a brand new passphrase 7"); r.status != http.StatusNoContent {
			t.Fatalf("redeem: got %s, want 204", r)
		}
		if got := w.do(req{method: http.MethodGet, path: "/api/v1/me", token: samTok}).status; got != http.StatusUnauthorized {
			t.Errorf("token after a password change: got %d, want 401", got)
		}
		if got := w.login(uPayoke2, apptest.Password).status; got != http.StatusUnauthorized {
			t.Errorf("login with the old password: got %d, want 401", got)
		}
		if got := w.login(uPayoke2, "a brand new passphrase 7").status; got != http.StatusOK {
			t.Errorf("login with the new password: got %d, want 200", got)
		}
		if r := redeem("another new passphrase 8"); r.status != http.StatusUnauthorized {
			t.Errorf("redeem twice: got %s, want 401", r)
		}
	})

	w.run(t, []scenario{
		{name: "unknown user", req: req{method: http.MethodPatch, path: "/api/v1/users/nobody", token: w.tok[uAdmin],
			body: map[string]any{"disabled": true}}, status: http.StatusNotFound},
		{name: "disable yourself", req: req{method: http.MethodPatch, path: "/api/v1/users/" + uAdmin, token: w.tok[uAdmin],
			body: map[string]any{"disabled": true}}, status: http.StatusUnprocessableEntity, checks: []check{fieldErr("disabled")}},
		{name: "disabled not a bool", req: req{method: http.MethodPatch, path: "/api/v1/users/" + uPayoke2, token: w.tok[uAdmin],
			body: map[string]any{"disabled": "yes"}}, status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("disabled")}},
		{name: "unknown field", req: req{method: http.MethodPatch, path: "/api/v1/users/" + uPayoke2, token: w.tok[uAdmin],
			body: map[string]any{"username": "x"}}, status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("username")}},
	})
}

func TestUsersAndSheltersFourEyes(t *testing.T) {
	w := newWorldWith(t, fourEyes)
	admin := w.tok[uAdmin]
	user := func(name, pw, role, shelter string) map[string]any {
		u := map[string]any{"username": name, "role": role, "shelter": shelter}
		if pw != "" {
			u["password"] = pw
		}
		return u
	}
	post := func(body any) req {
		return req{method: http.MethodPost, path: "/api/v1/users", token: admin, body: body}
	}
	const pw = "a long enough passphrase 42"
	var change string
	w.run(t, []scenario{
		// A user who reads case files waits for a second admin, and the
		// creating admin gives no password (docs/security.md "Administrators").
		{name: "create caseworker", req: post(user("cara", "", "caseworker", "payoke")), status: http.StatusAccepted, checks: []check{
			eq("username", "cara"), eq("kind", "create"), eq("role", "caseworker"), eq("shelter", "payoke"),
			eq("status", "pending"), eq("requested_by", uAdmin), absent("password"), absent("password_hash"),
			func(t *testing.T, r *response) { change = r.str(t, "id") }}},
		{name: "caseworker with a password", req: post(user("dina", pw, "caseworker", "payoke")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("password")}},
		{name: "create auditor", req: post(user("otto", pw, "auditor", "")), status: http.StatusCreated, checks: []check{
			eq("role", "auditor"), eq("shelter", "")}},
		{name: "duplicate of a pending creation", req: post(user("cara", "", "caseworker", "payoke")), status: http.StatusConflict},
		{name: "duplicate", req: post(user("otto", pw, "auditor", "")), status: http.StatusConflict},
		{name: "weak password", req: post(user("dina", "short", "auditor", "")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("password")}},
		{name: "caseworker without shelter", req: post(user("dina", "", "caseworker", "")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("shelter")}},
		{name: "unknown shelter", req: post(user("dina", "", "supervisor", "nowhere")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("shelter")}},
		{name: "auditor with a shelter", req: post(user("dina", pw, "auditor", "payoke")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("shelter")}},
		{name: "unknown role", req: post(user("dina", pw, "root", "")), status: http.StatusUnprocessableEntity,
			checks: []check{fieldErr("role")}},
		{name: "bad username", req: post(user("Dina Smith", pw, "auditor", "")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("username")}},
		{name: "unknown field", req: post(map[string]any{"username": "dina", "password": pw, "role": "auditor", "disabled": true}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("disabled")}},
	})
	t.Run("approve, list and login", func(t *testing.T) {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/users", token: admin}, http.StatusOK)
		if findByKey(t, r, "items", "username", "cara") != nil {
			t.Fatalf("cara exists before a second admin approved: %s", r)
		}
		w.env.AddUser(t, "second-admin", auth.RoleAdmin, "")
		second := w.env.Login(t, "second-admin")
		ap := w.must(req{method: http.MethodPost, path: "/api/v1/user-changes/" + change + "/approve", token: second}, http.StatusOK)
		code := ap.str(t, "reset_code.code")
		if ap.str(t, "username") != "cara" || ap.str(t, "role") != "caseworker" || code == "" {
			t.Fatalf("approval of the creation: got %s, want cara with a reset code", ap)
		}
		r = w.must(req{method: http.MethodGet, path: "/api/v1/users", token: admin}, http.StatusOK)
		cara := findByKey(t, r, "items", "username", "cara")
		if cara == nil || cara["shelter"] != "payoke" || cara["role"] != "caseworker" {
			t.Errorf("cara in GET /users: got %v, want caseworker of payoke", cara)
		}
		if strings.Contains(string(r.raw), "argon2") || strings.Contains(string(r.raw), "password") {
			t.Errorf("GET /users: body mentions password hashes: %s", r)
		}
		w.must(req{method: http.MethodPost, path: "/api/v1/auth/password-reset",
			body: map[string]string{"username": "cara", "code": code, "password": pw}}, http.StatusNoContent)
		if got := w.login("cara", pw).status; got != http.StatusOK {
			t.Errorf("login of the new user: got %d, want 200", got)
		}
	})

	t.Run("default shelters", func(t *testing.T) {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/shelters", token: w.tok[uPayoke]}, http.StatusOK)
		list, ok := r.body.([]any)
		if !ok {
			t.Fatalf("GET /shelters: got %s, want an array", r)
		}
		want := map[string]string{"payoke": "Antwerp", "pag-asa": "Brussels", "surya": "Liège"}
		if len(list) != len(want) {
			t.Errorf("shelters: got %d, want %d", len(list), len(want))
		}
		for _, v := range list {
			m := v.(map[string]any)
			id, _ := m["id"].(string)
			if city, ok := want[id]; !ok || m["city"] != city || m["official_nrm"] != true || m["name"] == "" {
				t.Errorf("shelter %v: got %v, want city %q, official_nrm true, a name", id, m, want[id])
			}
		}
	})

	t.Run("admin creates and changes a shelter", func(t *testing.T) {
		shel := func(method, path string, body any) req {
			return req{method: method, path: path, token: admin, body: body}
		}
		w.run(t, []scenario{
			{name: "create", req: shel(http.MethodPost, "/api/v1/shelters",
				map[string]any{"id": "esperanto", "name": "Esperanto", "city": "Brussels", "official_nrm": false}),
				status: http.StatusCreated, checks: []check{eq("id", "esperanto"), eq("name", "Esperanto"), eq("city", "Brussels"),
					eq("official_nrm", false)}},
			{name: "duplicate", req: shel(http.MethodPost, "/api/v1/shelters",
				map[string]any{"id": "esperanto", "name": "Again", "city": "Ghent", "official_nrm": false}), status: http.StatusConflict},
			{name: "bad id", req: shel(http.MethodPost, "/api/v1/shelters",
				map[string]any{"id": "Bad Id", "name": "X", "city": "Ghent"}), status: http.StatusUnprocessableEntity,
				checks: []check{fieldErr("id")}},
			{name: "missing name", req: shel(http.MethodPost, "/api/v1/shelters",
				map[string]any{"id": "nameless", "city": "Ghent"}), status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("name")}},
			{name: "patch unknown", req: shel(http.MethodPatch, "/api/v1/shelters/nowhere", map[string]any{"city": "Ghent"}),
				status: http.StatusNotFound},
			{name: "patch id is read-only", req: shel(http.MethodPatch, "/api/v1/shelters/esperanto", map[string]any{"id": "x"}),
				status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("id")}},
		})

		// A case in an unofficial shelter carries R17 until the shelter is recognised.
		w.env.AddUser(t, "eli", "caseworker", "esperanto")
		w.tok["eli"] = w.env.Login(t, "eli")
		c := w.createCase("eli", caseBody("Hope", "Mensah", "GH", "1992-03-03", "2025-06-10"))
		eq("reference", "ESP-2025-0001")(t, c)
		if findByKey(t, c, "flags", "rule", "R17") == nil {
			t.Errorf("case of an unofficial shelter: flags %s, want R17", mustJSON(c.arr(t, "flags")))
		}
		r := w.must(shel(http.MethodPatch, "/api/v1/shelters/esperanto", map[string]any{"official_nrm": true}), http.StatusOK)
		eq("official_nrm", true)(t, r)
		eq("city", "Brussels")(t, r)
		g := w.getCase("eli", c.str(t, "id"))
		if findByKey(t, g, "flags", "rule", "R17") != nil {
			t.Errorf("case after the shelter was recognised: flags %s, want no R17", mustJSON(g.arr(t, "flags")))
		}
	})
}
