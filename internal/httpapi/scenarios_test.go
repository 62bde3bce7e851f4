package httpapi_test

import (
	"encoding/json"
	"github.com/casemgr/casemgr/internal/eligibility"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/apptest"
)

// ---------------------------------------------------------------- auth

func TestAuthLogin(t *testing.T) {
	w := newWorld(t)
	login := func(u, p string) req {
		return req{method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"username": u, "password": p}}
	}
	expiresIn := func(t *testing.T, r *response) {
		t.Helper()
		if n := r.num(t, "expires_in"); n < 1 || n > 900 {
			t.Errorf("expires_in: got %d, want 1 to 900 seconds", n)
		}
	}
	noStore := func(t *testing.T, r *response) {
		t.Helper()
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
	}
	w.run(t, []scenario{
		{name: "ok", req: login(uPayoke, apptest.Password), status: http.StatusOK, checks: []check{
			nonEmptyString("access_token"), eq("token_type", "Bearer"), expiresIn, nonEmptyString("refresh_token"), noStore}},
		{name: "wrong password", req: login(uPayoke, "not the password at all"), status: http.StatusUnauthorized,
			checks: []check{detailContains("invalid username or password")}},
		{name: "unknown user", req: login("nobody", apptest.Password), status: http.StatusUnauthorized,
			checks: []check{detailContains("invalid username or password")}},
		{name: "missing password", req: login(uPayoke, ""), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("password")}},
		{name: "unknown field", req: req{method: http.MethodPost, path: "/api/v1/auth/login",
			body: map[string]string{"username": uPayoke, "password": apptest.Password, "role": "admin"}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("role")}},
		{name: "malformed", req: req{method: http.MethodPost, path: "/api/v1/auth/login", body: `{"username":`},
			status: http.StatusBadRequest},
		{name: "empty body", req: req{method: http.MethodPost, path: "/api/v1/auth/login"}, status: http.StatusBadRequest},
	})

	t.Run("same answer for wrong password and unknown user", func(t *testing.T) {
		a := w.login(uPayoke, "not the password at all")
		b := w.login("nobody-at-all", apptest.Password)
		for _, k := range []string{"type", "title", "status", "detail", "errors"} {
			av, _ := a.get(k)
			bv, _ := b.get(k)
			if !jsonEq(av, bv) {
				t.Errorf("%s: got %v for a wrong password and %v for an unknown user, want the same", k, av, bv)
			}
		}
	})

	t.Run("me answers the caller", func(t *testing.T) {
		r := w.login(uPayoke, apptest.Password)
		tok := r.str(t, "access_token")
		me := w.must(req{method: http.MethodGet, path: "/api/v1/me", token: tok}, http.StatusOK)
		eq("username", uPayoke)(t, me)
		eq("role", "caseworker")(t, me)
		eq("shelter", "payoke")(t, me)
		aud := w.must(req{method: http.MethodGet, path: "/api/v1/me", token: w.tok[uAuditor]}, http.StatusOK)
		eq("role", "auditor")(t, aud)
		eq("shelter", "")(t, aud)
	})
}

func TestAuthRefreshRotation(t *testing.T) {
	w := newWorld(t)
	first := w.login(uPayoke, apptest.Password)
	if first.status != http.StatusOK {
		t.Fatalf("login: got %s, want 200", first)
	}
	refresh := func(tok string) *response {
		return w.do(req{method: http.MethodPost, path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": tok}})
	}
	me := func(tok string) int {
		return w.do(req{method: http.MethodGet, path: "/api/v1/me", token: tok}).status
	}
	r1 := first.str(t, "refresh_token")

	second := refresh(r1)
	if second.status != http.StatusOK {
		t.Fatalf("refresh: got %s, want 200", second)
	}
	eq("token_type", "Bearer")(t, second)
	r2, a2 := second.str(t, "refresh_token"), second.str(t, "access_token")
	if r2 == r1 {
		t.Fatalf("refresh token: got the same token back, want a new one")
	}
	if got := me(a2); got != http.StatusOK {
		t.Fatalf("GET /me with the refreshed access token: got %d, want 200", got)
	}

	third := refresh(r2)
	if third.status != http.StatusOK {
		t.Fatalf("refresh with the new refresh token: got %s, want 200", third)
	}
	r3, a3 := third.str(t, "refresh_token"), third.str(t, "access_token")
	if got := me(a3); got != http.StatusOK {
		t.Fatalf("GET /me before reuse: got %d, want 200", got)
	}

	reuse := refresh(r1)
	if reuse.status != http.StatusUnauthorized {
		t.Fatalf("reusing the first refresh token: got %s, want 401", reuse)
	}
	isProblem(t, reuse)
	if got := me(a3); got != http.StatusUnauthorized {
		t.Errorf("access token of the revoked session: got %d, want 401", got)
	}
	if got := me(a2); got != http.StatusUnauthorized {
		t.Errorf("older access token of the revoked session: got %d, want 401", got)
	}
	if got := refresh(r3).status; got != http.StatusUnauthorized {
		t.Errorf("latest refresh token of the revoked session: got %d, want 401", got)
	}
	// Other sessions of the same user are not affected.
	if got := me(w.tok[uPayoke]); got != http.StatusOK {
		t.Errorf("another session of the same user: got %d, want 200", got)
	}
	if got := refresh("not-a-token").status; got != http.StatusUnauthorized {
		t.Errorf("unknown refresh token: got %d, want 401", got)
	}
	if got := w.do(req{method: http.MethodPost, path: "/api/v1/auth/refresh", body: `{}`}).status; got != http.StatusUnprocessableEntity {
		t.Errorf("refresh without a token: got %d, want 422", got)
	}
}

func TestAuthLogout(t *testing.T) {
	w := newWorld(t)
	me := func(tok string) int {
		return w.do(req{method: http.MethodGet, path: "/api/v1/me", token: tok}).status
	}

	t.Run("with the refresh token", func(t *testing.T) {
		p := w.login(uPayoke, apptest.Password)
		access, refresh := p.str(t, "access_token"), p.str(t, "refresh_token")
		other := w.login(uPayoke, apptest.Password).str(t, "access_token")
		r := w.do(req{method: http.MethodPost, path: "/api/v1/auth/logout", token: access, body: map[string]string{"refresh_token": refresh}})
		if r.status != http.StatusNoContent {
			t.Fatalf("logout: got %s, want 204", r)
		}
		if got := me(access); got != http.StatusUnauthorized {
			t.Errorf("access token after logout: got %d, want 401", got)
		}
		rr := w.do(req{method: http.MethodPost, path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": refresh}})
		if rr.status != http.StatusUnauthorized {
			t.Errorf("refresh token after logout: got %d, want 401", rr.status)
		}
		if got := me(other); got != http.StatusOK {
			t.Errorf("the user's other session: got %d, want 200", got)
		}
	})

	t.Run("without a body", func(t *testing.T) {
		access := w.login(uPayoke2, apptest.Password).str(t, "access_token")
		r := w.do(req{method: http.MethodPost, path: "/api/v1/auth/logout", token: access})
		if r.status != http.StatusNoContent {
			t.Fatalf("logout: got %s, want 204", r)
		}
		if got := me(access); got != http.StatusUnauthorized {
			t.Errorf("access token after logout: got %d, want 401", got)
		}
	})

	t.Run("another user's refresh token is not revoked", func(t *testing.T) {
		victimPair := w.login(uPagAsa, apptest.Password)
		victimAccess, victimRefresh := victimPair.str(t, "access_token"), victimPair.str(t, "refresh_token")
		mine := w.login(uPayoke, apptest.Password).str(t, "access_token")
		r := w.do(req{method: http.MethodPost, path: "/api/v1/auth/logout", token: mine, body: map[string]string{"refresh_token": victimRefresh}})
		if r.status != http.StatusNoContent {
			t.Fatalf("logout: got %s, want 204", r)
		}
		if got := me(victimAccess); got != http.StatusOK {
			t.Errorf("the other user's session after my logout: got %d, want 200", got)
		}
		if got := me(mine); got != http.StatusUnauthorized {
			t.Errorf("my own session after logout: got %d, want 401", got)
		}
	})

	t.Run("needs a token", func(t *testing.T) {
		r := w.do(req{method: http.MethodPost, path: "/api/v1/auth/logout"})
		if r.status != http.StatusUnauthorized {
			t.Fatalf("logout without a token: got %s, want 401", r)
		}
	})
}

func TestDisablingUserEndsSessions(t *testing.T) {
	w := newWorld(t)
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

	t.Run("a new password ends sessions", func(t *testing.T) {
		samTok := w.tok[uPayoke2]
		r := w.do(req{method: http.MethodPatch, path: "/api/v1/users/" + uPayoke2, token: w.tok[uAdmin],
			body: map[string]any{"password": "a brand new passphrase 7"}})
		if r.status != http.StatusOK {
			t.Fatalf("set password: got %s, want 200", r)
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
		weak := w.do(req{method: http.MethodPatch, path: "/api/v1/users/" + uPayoke2, token: w.tok[uAdmin],
			body: map[string]any{"password": "short"}})
		if weak.status != http.StatusUnprocessableEntity {
			t.Errorf("weak new password: got %s, want 422", weak)
		}
		onlyFieldErrs("password")(t, weak)
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

// ---------------------------------------------------------------- cases

// wantAllowedIdentifiedNonEU is allowed_events of a non-EU adult in
// identified with no proceedings, in the order of the table of docs/model.md "Events".
var wantAllowedIdentifiedNonEU = []string{
	"start_reflection", "file_complaint", "record_prosecutor_opinion", "decline_cooperation",
	"return_home", "lose_contact", "close_case",
	"record_contact_with_trafficker", "end_contact_with_trafficker", "stop_cooperating", "resume_cooperating",
	"end_guidance", "resume_guidance", "prove_identity", "notify_guardianship", "inform_of_rights", "record_penalization",
	"invoke_non_punishment", "claim_compensation", "award_compensation", "grant_legal_aid",
	"join_as_civil_party", "report_missing", "report_found",
}

// clone deep-copies a JSON-like body and lets edit change it.
func clone(body map[string]any, edit func(m, v map[string]any)) map[string]any {
	b, _ := json.Marshal(body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	v, _ := m["victim"].(map[string]any)
	edit(m, v)
	return m
}

func TestCreateCase(t *testing.T) {
	w := newWorld(t)
	base := caseBody("Amina", "Okafor", "NG", "1998-04-17", "2025-06-10")
	post := func(user string, body any) req {
		return req{method: http.MethodPost, path: "/api/v1/cases", token: w.tok[user], body: body}
	}
	isUUID := func(t *testing.T, r *response) {
		t.Helper()
		if _, err := uuid.Parse(r.str(t, "id")); err != nil {
			t.Errorf("id: got %q, want a UUID", r.str(t, "id"))
		}
	}
	noStore := func(t *testing.T, r *response) {
		t.Helper()
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
	}
	w.run(t, []scenario{{name: "created", req: post(uPayoke, base), status: http.StatusCreated, checks: []check{
		isUUID, noStore,
		eq("reference", "PAY-2025-0001"), eq("shelter", "payoke"), eq("version", 1),
		eq("state", "identified"), eq("proceedings", "none"),
		eq("victim.given_name", "Amina"), eq("victim.family_name", "Okafor"), eq("victim.alias", ""),
		eq("victim.date_of_birth", "1998-04-17"), eq("victim.gender", "female"), eq("victim.nationality", "NG"),
		eq("victim.eu_citizen", false), eq("victim.unaccompanied_minor", false),
		eq("exploitation", []string{"sexual"}), eq("identified_on", "2025-06-10"), eq("identified_by", "police"),
		eqNRMDeadlines([]any{}), isArray("flags"), eq("rules_version", eligibility.Version),
		eq("allowed_events", wantAllowedIdentifiedNonEU), nonEmptyString("created_at"), nonEmptyString("updated_at"),
	}}})

	// 422: every invalid value names its field, and nothing else.
	future := "2025-06-16"
	invalid := []struct {
		name  string
		body  any
		field string
	}{
		{"missing given_name", clone(base, func(m, v map[string]any) { delete(v, "given_name") }), "victim.given_name"},
		{"blank family_name", clone(base, func(m, v map[string]any) { v["family_name"] = "   " }), "victim.family_name"},
		{"no-break space given_name", clone(base, func(m, v map[string]any) { v["given_name"] = "\u00a0" }), "victim.given_name"},
		{"given_name not a string", clone(base, func(m, v map[string]any) { v["given_name"] = 42 }), "victim.given_name"},
		{"identified_on in the future", clone(base, func(m, v map[string]any) { m["identified_on"] = future }), "identified_on"},
		{"identified_on before date_of_birth", clone(base, func(m, v map[string]any) {
			v["date_of_birth"] = "2025-05-01"
			m["identified_on"] = "2025-04-01"
		}), "identified_on"},
		{"date_of_birth in the future", clone(base, func(m, v map[string]any) { v["date_of_birth"] = future }), "victim.date_of_birth"},
		{"gender F", clone(base, func(m, v map[string]any) { v["gender"] = "F" }), "victim.gender"},
		{"nationality lower case", clone(base, func(m, v map[string]any) { v["nationality"] = "ng" }), "victim.nationality"},
		{"nationality unknown code", clone(base, func(m, v map[string]any) { v["nationality"] = "ZZ" }), "victim.nationality"},
		{"nationality missing", clone(base, func(m, v map[string]any) { delete(v, "nationality") }), "victim.nationality"},
		{"exploitation slavery", clone(base, func(m, v map[string]any) { m["exploitation"] = []string{"slavery"} }), "exploitation"},
		{"exploitation empty", clone(base, func(m, v map[string]any) { m["exploitation"] = []string{} }), "exploitation"},
		{"exploitation not an array", clone(base, func(m, v map[string]any) { m["exploitation"] = "sexual" }), "exploitation"},
		{"identified_by unknown", clone(base, func(m, v map[string]any) { m["identified_by"] = "neighbour" }), "identified_by"},
		{"unknown top-level field id", clone(base, func(m, v map[string]any) { m["id"] = uuid.NewString() }), "id"},
		{"read-only state", clone(base, func(m, v map[string]any) { m["state"] = "temporary_permit" }), "state"},
		{"read-only version", clone(base, func(m, v map[string]any) { m["version"] = 7 }), "version"},
		{"unknown victim field eu_citizen", clone(base, func(m, v map[string]any) { v["eu_citizen"] = true }), "victim.eu_citizen"},
		{"identified_on 2025-02-30", clone(base, func(m, v map[string]any) { m["identified_on"] = "2025-02-30" }), "identified_on"},
		{"date_of_birth 2025-02-30", clone(base, func(m, v map[string]any) { v["date_of_birth"] = "2025-02-30" }), "victim.date_of_birth"},
		{"identified_on not a date", clone(base, func(m, v map[string]any) { m["identified_on"] = "10/06/2025" }), "identified_on"},
		{"victim not an object", clone(base, func(m, v map[string]any) { m["victim"] = "Amina Okafor" }), "victim"},
		{"victim missing", clone(base, func(m, v map[string]any) { delete(m, "victim") }), "victim"},
	}
	var table []scenario
	for _, c := range invalid {
		table = append(table, scenario{name: "422 " + c.name, req: post(uPayoke, c.body), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs(c.field), problemType("urn:casemgr:problem:invalid-input")}})
	}
	// A padded but valid body over the 1 MiB limit.
	big := clone(base, func(m, v map[string]any) { v["alias"] = strings.Repeat("x", mib) })
	bigBytes, _ := json.Marshal(big)
	if !json.Valid(bigBytes) || len(bigBytes) <= mib {
		t.Fatalf("padded body: got %d bytes, want valid JSON over %d", len(bigBytes), mib)
	}
	table = append(table,
		scenario{name: "400 malformed JSON", req: post(uPayoke, `{"victim":`), status: http.StatusBadRequest,
			checks: []check{problemType("urn:casemgr:problem:malformed-body")}},
		scenario{name: "400 trailing garbage", req: post(uPayoke, `{"identified_on":"2025-06-10"} x`), status: http.StatusBadRequest},
		scenario{name: "400 empty body", req: post(uPayoke, nil), status: http.StatusBadRequest},
		scenario{name: "400 blank body", req: post(uPayoke, "  \n "), status: http.StatusBadRequest},
		scenario{name: "422 not an object", req: post(uPayoke, `[]`), status: http.StatusUnprocessableEntity},
		scenario{name: "413 over 1 MiB", req: post(uPayoke, bigBytes), status: http.StatusRequestEntityTooLarge,
			checks: []check{problemType("urn:casemgr:problem:body-too-large")}},
		scenario{name: "413 over 1 MiB without Content-Length", req: req{method: http.MethodPost, path: "/api/v1/cases",
			token: w.tok[uPayoke], body: bigBytes, unsized: true}, status: http.StatusRequestEntityTooLarge},
	)
	before := w.auditCount()
	w.run(t, table)
	if got := w.auditCount(); got != before {
		t.Errorf("audit records after rejected creations: got %d, want %d", got, before)
	}

	// References: per shelter and year of identified_on; rejected requests
	// consume no number.
	refs := []struct {
		name, user, identifiedOn, want string
	}{
		{"second payoke 2025", uPayoke, "2025-06-01", "PAY-2025-0002"},
		{"payoke 2024", uPayoke2, "2024-11-03", "PAY-2024-0001"},
		{"third payoke 2025", uPayoke2, "2025-01-02", "PAY-2025-0003"},
		{"pag-asa 2025", uPagAsa, "2025-06-01", "PAG-2025-0001"},
		{"surya 2025", uSurya, "2025-06-01", "SUR-2025-0001"},
	}
	for _, c := range refs {
		t.Run("reference "+c.name, func(t *testing.T) {
			r := w.createCase(c.user, caseBody("Given", "Family", "NG", "", c.identifiedOn))
			eq("reference", c.want)(t, r)
		})
	}

	t.Run("EU citizen", func(t *testing.T) {
		r := w.createCase(uPayoke, caseBody("Ioana", "Popescu", "RO", "1990-02-02", "2025-06-10"))
		eq("victim.eu_citizen", true)(t, r)
		allowed := r.strs(t, "allowed_events")
		if slices.Contains(allowed, "start_reflection") || !slices.Contains(allowed, "start_eu_assistance") {
			t.Errorf("allowed_events of an EU citizen: got %q, want start_eu_assistance and no start_reflection", allowed)
		}
		if findByKey(t, r, "flags", "rule", "R19") == nil {
			t.Errorf("flags of an EU citizen: got %s, want R19", mustJSON(r.arr(t, "flags")))
		}
		// A complaint moves the proceedings only: no residence ladder.
		c := w.event(uPayoke, r.str(t, "id"), "file_complaint", "2025-06-11", nil)
		eq("state", "identified")(t, c)
		eq("proceedings", "complaint_filed")(t, c)
	})

	t.Run("XX counts as non-EU", func(t *testing.T) {
		r := w.createCase(uPayoke, caseBody("Unknown", "Person", "XX", "", "2025-06-10"))
		eq("victim.eu_citizen", false)(t, r)
		eq("allowed_events.0", "start_reflection")(t, r)
	})
}

// TestCreateCaseInvisibleNames is kept apart from TestCreateCase so that a
// wrongly accepted case does not disturb its reference numbers.
func TestCreateCaseInvisibleNames(t *testing.T) {
	w := newWorld(t)
	base := caseBody("Amina", "Okafor", "NG", "1998-04-17", "2025-06-10")
	// Invisible characters only (zero-width space, a lone combining accent):
	// blank to a person, and empty once normalized for the name search.
	w.run(t, []scenario{
		{name: "zero-width given_name", req: req{method: http.MethodPost, path: "/api/v1/cases", token: w.tok[uPayoke],
			body: clone(base, func(m, v map[string]any) { v["given_name"] = "\u200b" })},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("victim.given_name")}},
		{name: "combining mark and zero-width family_name", req: req{method: http.MethodPost, path: "/api/v1/cases", token: w.tok[uPayoke],
			body: clone(base, func(m, v map[string]any) { v["family_name"] = "\u0301\u200b" })},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("victim.family_name")}},
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCaseListAndPatch(t *testing.T) {
	w := newWorld(t)
	a := w.createCase(uPayoke, caseBody("José", "De la Cruz", "PH", "1990-01-01", "2025-06-01"))
	id := a.str(t, "id")
	w.newCase(uPayoke, "Other", "Person", "2025-06-02")
	w.newCase(uPagAsa, "José", "De la Cruz", "2025-06-02") // same name, other shelter

	list := func(query string) *response {
		return w.must(req{method: http.MethodGet, path: "/api/v1/cases" + query, token: w.tok[uPayoke]}, http.StatusOK)
	}
	refsOf := func(r *response) []string {
		var out []string
		for _, it := range r.arr(t, "items") {
			out = append(out, it.(map[string]any)["reference"].(string))
		}
		return out
	}
	cases := []struct {
		name, query string
		want        []string
	}{
		{"all, newest reference first", "", []string{"PAY-2025-0002", "PAY-2025-0001"}},
		{"reference prefix", "?q=pay-2025-0001", []string{"PAY-2025-0001"}},
		{"exact full name, case and accents ignored", "?q=jose+de+la+cruz", []string{"PAY-2025-0001"}},
		{"family name first", "?q=DE+LA+CRUZ+Jos%C3%A9", []string{"PAY-2025-0001"}},
		{"partial name is not offered", "?q=Jos%C3%A9", nil},
		{"state filter", "?state=identified", []string{"PAY-2025-0002", "PAY-2025-0001"}},
		{"state filter, no match", "?state=reflection", nil},
		{"limit", "?limit=1", []string{"PAY-2025-0002"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := list(c.query)
			if got := refsOf(r); !slices.Equal(got, c.want) {
				t.Errorf("references: got %q, want %q", got, c.want)
			}
		})
	}
	t.Run("cursor", func(t *testing.T) {
		p1 := list("?limit=1")
		next := p1.str(t, "next_cursor")
		if next == "" {
			t.Fatalf("next_cursor of a first page of 1: got empty, want a cursor")
		}
		p2 := list("?limit=1&cursor=" + next)
		if got := refsOf(p2); !slices.Equal(got, []string{"PAY-2025-0001"}) {
			t.Errorf("second page: got %q, want [PAY-2025-0001]", got)
		}
		eq("next_cursor", "")(t, p2)
	})
	w.run(t, []scenario{
		{name: "limit over 500", req: req{method: http.MethodGet, path: "/api/v1/cases?limit=501", token: w.tok[uPayoke]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("limit")}},
		{name: "limit not a number", req: req{method: http.MethodGet, path: "/api/v1/cases?limit=ten", token: w.tok[uPayoke]},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("limit")}},
	})

	t.Run("patch", func(t *testing.T) {
		r := w.must(req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
			body: map[string]any{"victim": map[string]any{"alias": "Jojo"}, "version": 1}}, http.StatusOK)
		eq("version", 2)(t, r)
		eq("victim.alias", "Jojo")(t, r)
		eq("identified_on", "2025-06-01")(t, r)
		w.run(t, []scenario{
			{name: "stale version", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
				body: map[string]any{"victim": map[string]any{"alias": "J"}, "version": 1}}, status: http.StatusConflict,
				checks: []check{detailContains("version 2")}},
			{name: "read-only eu_citizen", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
				body: map[string]any{"victim": map[string]any{"eu_citizen": true}}}, status: http.StatusUnprocessableEntity,
				checks: []check{onlyFieldErrs("victim.eu_citizen")}},
			{name: "read-only state", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
				body: map[string]any{"state": "closed"}}, status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("state")}},
		})
		// The nationality can be corrected only while identified.
		r = w.must(req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
			body: map[string]any{"victim": map[string]any{"nationality": "NG"}}}, http.StatusOK)
		eq("victim.nationality", "NG")(t, r)
		w.event(uPayoke, id, "start_reflection", "2025-06-05", nil)
		w.run(t, []scenario{{name: "nationality after identified", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id,
			token: w.tok[uPayoke], body: map[string]any{"victim": map[string]any{"nationality": "FR"}}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("victim.nationality")}}})
	})

	// rule and severity filter on the flags stored at every change: case
	// 0001 left identified (no more R24) and is in reflection (R04, 35
	// days: info); 0002 is identified for 13 days (R24 medium).
	filters := []struct {
		query string
		want  []string
	}{
		{"?rule=R04", []string{"PAY-2025-0001"}},
		{"?rule=R24", []string{"PAY-2025-0002"}},
		{"?rule=R07", nil},
		// PAY-2025-0001 too since rules version 2: R27, not yet informed of its rights.
		{"?severity=medium", []string{"PAY-2025-0002", "PAY-2025-0001"}},
		{"?severity=info&state=reflection", []string{"PAY-2025-0001"}},
		{"?proceedings=none", []string{"PAY-2025-0002", "PAY-2025-0001"}},
		{"?proceedings=charged", nil},
	}
	for _, c := range filters {
		t.Run("filter "+c.query, func(t *testing.T) {
			if got := refsOf(list(c.query)); !slices.Equal(got, c.want) {
				t.Errorf("references: got %q, want %q", got, c.want)
			}
		})
	}
}

// ---------------------------------------------------------------- events

func TestRecordEvents(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Grace", "Eze", "2025-03-01")
	path := "/api/v1/cases/" + id + "/events"

	r := w.event(uPayoke, id, "start_reflection", "2025-03-10", map[string]any{"version": 1})
	eq("state", "reflection")(t, r)
	eq("version", 2)(t, r)
	eqNRMDeadlines([]map[string]any{
		{"kind": "reflection_end", "due_on": "2025-04-24", "days_left": -52, "severity": "critical"}})(t, r)

	r = w.event(uPayoke, id, "file_complaint", "2025-04-01", map[string]any{"version": 2, "note": "Complaint at Antwerp police"})
	eq("state", "provisional_permit")(t, r)
	eq("proceedings", "complaint_filed")(t, r)
	eq("version", 3)(t, r)
	eq("as_of", today)(t, r)
	eq("last_event_on", "2025-04-01")(t, r)
	// occurred_on + 3 months = 2025-07-01; 16 days after 2025-06-15.
	eqNRMDeadlines([]map[string]any{
		{"kind": "provisional_permit_expiry", "due_on": "2025-07-01", "days_left": 16, "severity": "medium"},
		{"kind": "renewal_request", "due_on": "2025-06-01", "days_left": -14, "severity": "critical"},
	})(t, r)
	if h := r.header.Get("Cache-Control"); h != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", h)
	}

	post := func(body any) req { return req{method: http.MethodPost, path: path, token: w.tok[uPayoke], body: body} }
	ev := func(typ, on string, extra map[string]any) map[string]any {
		m := map[string]any{"type": typ, "occurred_on": on}
		maps.Copy(m, extra)
		return m
	}
	current := w.getCase(uPayoke, id)
	allowedNow := current.strs(t, "allowed_events")
	table := []scenario{
		{name: "409 invalid transition", req: post(ev("start_reflection", "2025-06-01", nil)), status: http.StatusConflict,
			checks: []check{problemType("urn:casemgr:problem:invalid-transition"), eq("allowed_events", allowedNow)}},
		{name: "409 second complaint", req: post(ev("file_complaint", "2025-06-01", nil)), status: http.StatusConflict,
			checks: []check{eq("allowed_events", allowedNow)}},
		{name: "409 stale version", req: post(ev("prove_identity", "2025-06-01", map[string]any{"version": 1})),
			status: http.StatusConflict, checks: []check{problemType("urn:casemgr:problem:conflict"), detailContains("version 3")}},
		{name: "422 unknown type", req: post(ev("teleport", "2025-06-01", nil)), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("type")}},
		{name: "422 missing type", req: post(map[string]any{"occurred_on": "2025-06-01"}), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("type")}},
		{name: "422 missing occurred_on", req: post(map[string]any{"type": "prove_identity"}), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("occurred_on")}},
		{name: "422 occurred_on in the future", req: post(ev("prove_identity", "2025-06-16", nil)), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("occurred_on")}},
		{name: "422 occurred_on before the latest event", req: post(ev("prove_identity", "2025-03-31", nil)),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("occurred_on")}},
		{name: "422 occurred_on 2025-02-30", req: post(ev("prove_identity", "2025-02-30", nil)), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("occurred_on")}},
		{name: "422 withdraw_status without reason", req: post(ev("withdraw_status", "2025-06-01", nil)),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data.reason")}},
		{name: "422 withdraw_status unknown reason", req: post(ev("withdraw_status", "2025-06-01", map[string]any{"data": map[string]any{"reason": "bored"}})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data.reason")}},
		{name: "422 data on an event without data", req: post(ev("prove_identity", "2025-06-01", map[string]any{"data": map[string]any{"passport": "X123"}})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data.passport")}},
		{name: "422 data bool as string", req: post(ev("file_charges", "2025-06-01", map[string]any{"data": map[string]any{"retains_trafficking": "yes"}})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data.retains_trafficking")}},
		{name: "422 amount as a number", req: post(ev("award_compensation", "2025-06-01", map[string]any{"data": map[string]any{"amount_eur": 111227}})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data.amount_eur")}},
		{name: "422 amount zero", req: post(ev("award_compensation", "2025-06-01", map[string]any{"data": map[string]any{"amount_eur": "0.00"}})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data.amount_eur")}},
		{name: "422 data not an object", req: post(ev("prove_identity", "2025-06-01", map[string]any{"data": "x"})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data")}},
		{name: "422 version not an integer", req: post(ev("prove_identity", "2025-06-01", map[string]any{"version": "3"})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("version")}},
		{name: "422 unknown member", req: post(ev("prove_identity", "2025-06-01", map[string]any{"state": "closed"})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("state")}},
		{name: "422 note too long", req: post(ev("prove_identity", "2025-06-01", map[string]any{"note": strings.Repeat("n", 10001)})),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("note")}},
		{name: "400 malformed", req: post(`{"type":"prove_identity",`), status: http.StatusBadRequest},
		{name: "400 empty", req: post(nil), status: http.StatusBadRequest},
	}
	for _, sc := range table {
		w.run(t, []scenario{sc})
		t.Run(sc.name+"/case unchanged", func(t *testing.T) {
			g := w.getCase(uPayoke, id)
			eq("version", 3)(t, g)
			eq("state", "provisional_permit")(t, g)
			eq("proceedings", "complaint_filed")(t, g)
			if n := w.historyLen(uPayoke, id); n != 3 {
				t.Errorf("history: got %d records, want 3", n)
			}
		})
	}

	// An event on the day of the latest one is in order.
	r = w.event(uPayoke, id, "prove_identity", "2025-04-01", map[string]any{"version": 3})
	eq("version", 4)(t, r)
	eq("facts.identity_proven.value", true)(t, r)

	t.Run("confirm_victim_status from identified", func(t *testing.T) {
		other := w.newCase(uPayoke, "Blessing", "Obi", "2025-06-01")
		allowed := w.getCase(uPayoke, other).strs(t, "allowed_events")
		if len(allowed) == 0 {
			t.Fatalf("allowed_events of an identified case: got [], want events")
		}
		w.run(t, []scenario{{name: "409", req: req{method: http.MethodPost, path: "/api/v1/cases/" + other + "/events",
			token: w.tok[uPayoke], body: ev("confirm_victim_status", "2025-06-10", nil)}, status: http.StatusConflict,
			checks: []check{problemType("urn:casemgr:problem:invalid-transition"), eq("allowed_events", allowed)}}})
		g := w.getCase(uPayoke, other)
		eq("version", 1)(t, g)
		eq("state", "identified")(t, g)
	})

	t.Run("closed case allows only reopen_case", func(t *testing.T) {
		c := w.newCase(uPayoke, "Closed", "Case", "2025-06-01")
		r := w.event(uPayoke, c, "close_case", "2025-06-02", map[string]any{"data": map[string]any{"reason": "victim_request"}})
		eq("state", "closed")(t, r)
		eq("allowed_events", []string{"reopen_case"})(t, r)
		eqNRMDeadlines([]any{})(t, r)
		eq("flags", []any{})(t, r)
		w.run(t, []scenario{{name: "event on a closed case", req: req{method: http.MethodPost, path: "/api/v1/cases/" + c + "/events",
			token: w.tok[uPayoke], body: ev("prove_identity", "2025-06-03", nil)}, status: http.StatusConflict,
			checks: []check{eq("allowed_events", []string{"reopen_case"})}}})
	})
}

// ---------------------------------------------------------------- flags

func TestFlagsAsOf(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Faith", "Nwosu", "2025-05-25")
	w.event(uPayoke, id, "start_reflection", "2025-06-01", nil) // ends 2025-07-16
	path := "/api/v1/cases/" + id + "/flags"
	r04 := func(severity string, detail string) check {
		return func(t *testing.T, r *response) {
			t.Helper()
			f := findByKey(t, r, "flags", "rule", "R04")
			if f == nil {
				t.Fatalf("flags: got %s, want R04", mustJSON(r.arr(t, "flags")))
			}
			if f["severity"] != severity || f["due_on"] != "2025-07-16" || f["kind"] != "deadline" {
				t.Errorf("R04: got severity %v due_on %v kind %v, want %s, 2025-07-16, deadline", f["severity"], f["due_on"], f["kind"], severity)
			}
			if d, _ := f["detail"].(string); !strings.Contains(d, detail) {
				t.Errorf("R04 detail: got %q, want it to contain %q", d, detail)
			}
		}
	}
	get := func(q string) req { return req{method: http.MethodGet, path: path + q, token: w.tok[uPayoke]} }
	w.run(t, []scenario{
		{name: "default today, 31 days left", req: get(""), status: http.StatusOK, checks: []check{
			eq("as_of", today), eq("rules_version", eligibility.Version), isArray("flags"), r04("info", "2025-07-16")}},
		{name: "15 days left", req: get("?as_of=2025-07-01"), status: http.StatusOK, checks: []check{eq("as_of", "2025-07-01"), r04("medium", "")}},
		{name: "11 days left", req: get("?as_of=2025-07-05"), status: http.StatusOK, checks: []check{r04("high", "")}},
		{name: "14 days left", req: get("?as_of=2025-07-02"), status: http.StatusOK, checks: []check{r04("high", "")}},
		{name: "7 days left", req: get("?as_of=2025-07-09"), status: http.StatusOK, checks: []check{r04("critical", "")}},
		{name: "on the day", req: get("?as_of=2025-07-16"), status: http.StatusOK, checks: []check{r04("critical", "")}},
		{name: "overdue", req: get("?as_of=2025-07-20"), status: http.StatusOK, checks: []check{r04("critical", "lapsed")}},
		{name: "as_of 2025-13-01", req: get("?as_of=2025-13-01"), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("as_of")}},
		{name: "as_of not a date", req: get("?as_of=tomorrow"), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("as_of")}},
	})

	t.Run("case as_of moves days_left", func(t *testing.T) {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "?as_of=2025-07-01", token: w.tok[uPayoke]}, http.StatusOK)
		eq("as_of", "2025-07-01")(t, r)
		eqNRMDeadlines([]map[string]any{{"kind": "reflection_end", "due_on": "2025-07-16", "days_left": 15, "severity": "medium"}})(t, r)
		bad := w.do(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "?as_of=2025-13-01", token: w.tok[uPayoke]})
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("GET case as_of=2025-13-01: got %s, want 422", bad)
		}
		onlyFieldErrs("as_of")(t, bad)
	})
}

// ---------------------------------------------------------------- simulate

// chargedTemporaryCase builds the example of docs/rules.md "What-if": a non-EU victim
// in temporary_permit, charged on 2024-09-01 (seven history records).
func chargedTemporaryCase(w *world, user string) string {
	w.t.Helper()
	id := w.newCase(user, "Joy", "Adeyemi", "2024-06-01")
	w.event(user, id, "start_reflection", "2024-06-05", nil)
	w.event(user, id, "file_complaint", "2024-07-01", nil)
	w.event(user, id, "prove_identity", "2024-07-15", nil)
	w.event(user, id, "confirm_victim_status", "2024-08-15", nil)
	w.event(user, id, "file_charges", "2024-09-01", map[string]any{"data": map[string]any{"retains_trafficking": false}})
	r := w.event(user, id, "renew_temporary_permit", "2025-02-10", nil)
	if st := r.str(w.t, "state"); st != "temporary_permit" {
		w.t.Fatalf("setup: state got %q, want temporary_permit", st)
	}
	return id
}

func TestSimulate(t *testing.T) {
	w := newWorld(t)
	id := chargedTemporaryCase(w, uPayoke)
	path := "/api/v1/cases/" + id + "/simulate"
	beforeHistory := w.historyLen(uPayoke, id)
	beforeAudit := w.auditCount()
	beforeCase := w.getCase(uPayoke, id)

	flagOf := func(path, rule, kind, severity string) check {
		return func(t *testing.T, r *response) {
			t.Helper()
			f := findByKey(t, r, path, "rule", rule)
			if f == nil || f["kind"] != kind || f["severity"] != severity {
				t.Errorf("%s %s: got %v, want kind %s severity %s", path, rule, f, kind, severity)
			}
		}
	}
	sim := func(body map[string]any) req {
		return req{method: http.MethodPost, path: path, token: w.tok[uPayoke], body: body}
	}
	w.run(t, []scenario{
		{name: "docs/rules.md example", req: sim(map[string]any{"type": "dismiss_case", "occurred_on": "2025-06-01"}),
			status: http.StatusOK, checks: []check{
				eq("state_before", "temporary_permit"), eq("state_after", "temporary_permit"),
				eq("proceedings_before", "charged"), eq("proceedings_after", "dismissed"),
				flagOf("flags_before", "R07", "exposure", "medium"), flagOf("flags_after", "R07", "risk", "critical"),
				eq("would_lose", []string{"residence", "services"}),
			}},
		{name: "future date accepted", req: sim(map[string]any{"type": "dismiss_case", "occurred_on": "2025-07-15"}),
			status: http.StatusOK, checks: []check{eq("proceedings_after", "dismissed"), eq("as_of", "2025-07-15"),
				eq("would_lose", []string{"residence", "services"})}},
		{name: "nothing lost", req: sim(map[string]any{"type": "grant_legal_aid", "occurred_on": "2025-06-01"}),
			status: http.StatusOK, checks: []check{eq("would_lose", []string{}), eq("state_after", "temporary_permit")}},
		{name: "stale version", req: sim(map[string]any{"type": "dismiss_case", "occurred_on": "2025-06-01", "version": 1}),
			status: http.StatusConflict, checks: []check{detailContains("version 7")}},
		{name: "invalid transition", req: sim(map[string]any{"type": "start_reflection", "occurred_on": "2025-06-01"}),
			status: http.StatusConflict, checks: []check{eq("allowed_events", beforeCase.strs(t, "allowed_events"))}},
		{name: "before the latest event", req: sim(map[string]any{"type": "dismiss_case", "occurred_on": "2025-02-09"}),
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("occurred_on")}},
		{name: "malformed", req: req{method: http.MethodPost, path: path, token: w.tok[uPayoke], body: `{"type":`},
			status: http.StatusBadRequest},
		{name: "empty", req: req{method: http.MethodPost, path: path, token: w.tok[uPayoke]}, status: http.StatusBadRequest},
	})

	if got := w.historyLen(uPayoke, id); got != beforeHistory {
		t.Errorf("history after simulate: got %d records, want %d", got, beforeHistory)
	}
	if got := w.auditCount(); got != beforeAudit {
		t.Errorf("audit_log after simulate: got %d rows, want %d", got, beforeAudit)
	}
	after := w.getCase(uPayoke, id)
	for _, k := range []string{"version", "state", "proceedings", "last_event_on", "updated_at", "facts"} {
		b, _ := beforeCase.get(k)
		a, _ := after.get(k)
		if !jsonEq(a, b) {
			t.Errorf("case %s after simulate: got %v, want %v", k, a, b)
		}
	}
	// A real event with the future date is refused.
	r := w.do(req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke],
		body: map[string]any{"type": "dismiss_case", "occurred_on": "2025-07-15"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("recording a future event: got %s, want 422", r)
	}
}

// ---------------------------------------------------------------- history

func TestHistory(t *testing.T) {
	w := newWorld(t)
	const given, family = "Zainab", "Quintero-Obi"
	const note = "Met at Gare du Midi; prefers French"
	id := w.newCase(uPayoke, given, family, "2025-05-01")
	w.event(uPayoke, id, "start_reflection", "2025-05-02", map[string]any{"note": note})
	w.event(uPayoke2, id, "file_complaint", "2025-05-20", nil)
	w.event(uPayoke2, id, "file_charges", "2025-06-01", map[string]any{"data": map[string]any{"retains_trafficking": true}})
	ref := w.getCase(uPayoke, id).str(t, "reference")

	t.Run("caseworker", func(t *testing.T) {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke]}, http.StatusOK)
		items := r.arr(t, "items")
		want := []struct {
			event, occurred, from, to, fromP, toP, actor, note, data string
		}{
			{"open_case", "2025-05-01", "", "identified", "", "none", uPayoke, "", `{"exploitation":["sexual"],"identified_by":"police"}`},
			{"start_reflection", "2025-05-02", "identified", "reflection", "none", "none", uPayoke, note, `{}`},
			{"file_complaint", "2025-05-20", "reflection", "provisional_permit", "none", "complaint_filed", uPayoke2, "", `{}`},
			{"file_charges", "2025-06-01", "provisional_permit", "provisional_permit", "complaint_filed", "charged", uPayoke2, "", `{"retains_trafficking":true}`},
		}
		if len(items) != len(want) {
			t.Fatalf("items: got %d, want %d: %s", len(items), len(want), r)
		}
		lastSeq := -1
		wantKeys := []string{"actor", "data", "event", "from_proceedings", "from_state", "note", "occurred_on", "recorded_at",
			"seq", "to_proceedings", "to_state", "voided", "voided_by_seq"}
		for i, wi := range want {
			it := items[i].(map[string]any)
			if keys := slices.Sorted(maps.Keys(it)); !slices.Equal(keys, wantKeys) {
				t.Errorf("item %d keys: got %q, want %q", i, keys, wantKeys)
			}
			got := map[string]any{"event": it["event"], "occurred_on": it["occurred_on"], "from_state": it["from_state"],
				"to_state": it["to_state"], "from_proceedings": it["from_proceedings"], "to_proceedings": it["to_proceedings"],
				"actor": it["actor"], "note": it["note"]}
			wantM := map[string]any{"event": wi.event, "occurred_on": wi.occurred, "from_state": wi.from, "to_state": wi.to,
				"from_proceedings": wi.fromP, "to_proceedings": wi.toP, "actor": wi.actor, "note": wi.note}
			if !jsonEq(got, wantM) {
				t.Errorf("item %d: got %s, want %s", i, mustJSON(got), mustJSON(wantM))
			}
			if _, ok := it["data"].(map[string]any); !ok {
				t.Errorf("item %d data: got %v, want an object", i, it["data"])
			} else if d := mustJSON(it["data"]); d != wi.data {
				t.Errorf("item %d data: got %s, want %s", i, d, wi.data)
			}
			seq, _ := it["seq"].(json.Number).Int64()
			if int(seq) <= lastSeq {
				t.Errorf("item %d seq: got %d after %d, want oldest first", i, seq, lastSeq)
			}
			lastSeq = int(seq)
			if s, _ := it["recorded_at"].(string); s == "" {
				t.Errorf("item %d recorded_at: got %v, want a timestamp", i, it["recorded_at"])
			}
		}
	})

	t.Run("auditor of no shelter", func(t *testing.T) {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: w.tok[uAuditor]}, http.StatusOK)
		fields := []string{"seq", "recorded_at", "occurred_on", "case_id", "case_ref", "shelter", "actor", "actor_role",
			"event", "from_state", "to_state", "from_proceedings", "to_proceedings", "data", "note_digest",
			"rules_version", "prev_hash", "hash"}
		items := r.arr(t, "items")
		if len(items) != 4 {
			t.Fatalf("items: got %d, want 4", len(items))
		}
		hexRe := regexp.MustCompile(`^[0-9a-f]{64}$`)
		for i, v := range items {
			it := v.(map[string]any)
			keys := slices.Sorted(maps.Keys(it))
			if want := slices.Sorted(slices.Values(fields)); !slices.Equal(keys, want) {
				t.Errorf("item %d keys: got %q, want the 18 audit fields %q", i, keys, want)
			}
			if it["case_id"] != id || it["case_ref"] != ref || it["shelter"] != "payoke" || it["rules_version"] != eligibility.Version {
				t.Errorf("item %d: got case_id %v case_ref %v shelter %v rules_version %v, want %s %s payoke %s",
					i, it["case_id"], it["case_ref"], it["shelter"], it["rules_version"], id, ref, eligibility.Version)
			}
			if _, ok := it["data"].(map[string]any); !ok {
				t.Errorf("item %d data: got %v, want an object", i, it["data"])
			}
			if !hexRe.MatchString(it["hash"].(string)) || !hexRe.MatchString(it["prev_hash"].(string)) {
				t.Errorf("item %d hashes: got %v / %v, want 64 hex digits", i, it["prev_hash"], it["hash"])
			}
			digest, _ := it["note_digest"].(string)
			if i == 1 && !hexRe.MatchString(digest) {
				t.Errorf("item 1 note_digest: got %q, want the HMAC of the note", digest)
			}
			if i != 1 && digest != "" {
				t.Errorf("item %d note_digest: got %q, want \"\" (no note)", i, digest)
			}
		}
		eq("items.1.actor_role", "caseworker")(t, r)
		eq("items.2.actor_role", "supervisor")(t, r)
		body := strings.ToLower(string(r.raw))
		for _, secret := range []string{given, family, "quintero", note, "gare du midi", "1995-01-01"} {
			if strings.Contains(body, strings.ToLower(secret)) {
				t.Errorf("auditor history: body contains %q, want no identity and no note", secret)
			}
		}
	})
}

// ---------------------------------------------------------------- deadlines

func TestDeadlines(t *testing.T) {
	w := newWorld(t)
	// A: reflection ends 2025-07-16.
	a := w.newCase(uPayoke, "Ada", "One", "2025-05-25")
	w.event(uPayoke, a, "start_reflection", "2025-06-01", nil)
	// B and E: provisional permit to 2025-07-01, renewal request 2025-06-01.
	b := w.newCase(uPayoke, "Bea", "Two", "2025-03-01")
	w.event(uPayoke, b, "file_complaint", "2025-04-01", nil)
	e := w.newCase(uPayoke, "Eve", "Three", "2025-03-01")
	w.event(uPayoke, e, "file_complaint", "2025-04-01", nil)
	// C: no deadline.
	w.newCase(uPayoke, "Cleo", "Four", "2025-06-10")
	// D: another shelter's reflection, ends 2025-07-20.
	d := w.newCase(uPagAsa, "Dora", "Five", "2025-05-25")
	w.event(uPagAsa, d, "start_reflection", "2025-06-05", nil)
	refB, refE, refA := w.getCase(uPayoke, b).str(t, "reference"), w.getCase(uPayoke, e).str(t, "reference"), w.getCase(uPayoke, a).str(t, "reference")

	type item struct {
		Case, Ref, Kind, Due string
		Left                 int
		Sev, State           string
	}
	// The NRM deadlines: the due dates of flags (R27 on most of these
	// cases) are checked by the casework tests.
	items := func(t *testing.T, r *response) []item {
		var out []item
		for _, v := range r.arr(t, "items") {
			m := v.(map[string]any)
			if m["kind"] == "flag" {
				continue
			}
			n, _ := m["days_left"].(json.Number).Int64()
			out = append(out, item{m["case_id"].(string), m["reference"].(string), m["kind"].(string), m["due_on"].(string),
				int(n), m["severity"].(string), m["state"].(string)})
		}
		return out
	}
	want := func(w []item) check {
		return func(t *testing.T, r *response) {
			t.Helper()
			if got := items(t, r); !slices.Equal(got, w) {
				t.Errorf("items:\n got %+v\nwant %+v", got, w)
			}
		}
	}
	get := func(user, q string) req {
		return req{method: http.MethodGet, path: "/api/v1/deadlines" + q, token: w.tok[user]}
	}
	pp := "provisional_permit"
	w.run(t, []scenario{
		{name: "within 30 as of today", req: get(uPayoke, "?within=30&as_of=2025-06-15"), status: http.StatusOK, checks: []check{
			eq("as_of", today), eq("next_cursor", ""), want([]item{
				{b, refB, "renewal_request", "2025-06-01", -14, "critical", pp},
				{e, refE, "renewal_request", "2025-06-01", -14, "critical", pp},
				{b, refB, "provisional_permit_expiry", "2025-07-01", 16, "medium", pp},
				{e, refE, "provisional_permit_expiry", "2025-07-01", 16, "medium", pp},
			})}},
		{name: "within 31 adds the reflection", req: get(uPayoke, "?within=31"), status: http.StatusOK, checks: []check{
			want([]item{
				{b, refB, "renewal_request", "2025-06-01", -14, "critical", pp},
				{e, refE, "renewal_request", "2025-06-01", -14, "critical", pp},
				{b, refB, "provisional_permit_expiry", "2025-07-01", 16, "medium", pp},
				{e, refE, "provisional_permit_expiry", "2025-07-01", 16, "medium", pp},
				{a, refA, "reflection_end", "2025-07-16", 31, "info", "reflection"},
			})}},
		{name: "as_of moves days_left", req: get(uPayoke, "?within=30&as_of=2025-06-20"), status: http.StatusOK, checks: []check{
			eq("as_of", "2025-06-20"), want([]item{
				{b, refB, "renewal_request", "2025-06-01", -19, "critical", pp},
				{e, refE, "renewal_request", "2025-06-01", -19, "critical", pp},
				{b, refB, "provisional_permit_expiry", "2025-07-01", 11, "high", pp},
				{e, refE, "provisional_permit_expiry", "2025-07-01", 11, "high", pp},
				{a, refA, "reflection_end", "2025-07-16", 26, "medium", "reflection"},
			})}},
		{name: "other shelter sees only its own", req: get(uPagAsa, "?within=60"), status: http.StatusOK, checks: []check{
			want([]item{{d, w.getCase(uPagAsa, d).str(t, "reference"), "reflection_end", "2025-07-20", 35, "info", "reflection"}})}},
		{name: "supervisor sees the shelter's", req: get(uPayoke2, "?within=0"), status: http.StatusOK, checks: []check{
			want([]item{
				{b, refB, "renewal_request", "2025-06-01", -14, "critical", pp},
				{e, refE, "renewal_request", "2025-06-01", -14, "critical", pp},
			})}},
		{name: "within=abc", req: get(uPayoke, "?within=abc"), status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("within")}},
		{name: "within=-1", req: get(uPayoke, "?within=-1"), status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("within")}},
		{name: "as_of bad", req: get(uPayoke, "?as_of=2025-02-30"), status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("as_of")}},
	})

	t.Run("pages", func(t *testing.T) {
		whole := w.must(get(uPayoke, "?within=31"), http.StatusOK).arr(t, "items")
		var all []any
		cursor := ""
		for range 20 {
			p := w.must(get(uPayoke, "?within=31&limit=2&cursor="+cursor), http.StatusOK)
			page := p.arr(t, "items")
			if len(page) > 2 {
				t.Fatalf("page: got %d items, want at most 2", len(page))
			}
			all = append(all, page...)
			if cursor = p.str(t, "next_cursor"); cursor == "" {
				break
			}
		}
		if !jsonEq(all, whole) {
			t.Errorf("pages of 2: got %s, want the %d deadlines of one page in order", short(all), len(whole))
		}
		nrm := items(t, w.must(get(uPayoke, "?within=31"), http.StatusOK))
		if len(nrm) != 5 || nrm[2].Kind != "provisional_permit_expiry" || nrm[4].Kind != "reflection_end" {
			t.Errorf("NRM deadlines: got %+v, want 5 in order", nrm)
		}
	})
}

// ---------------------------------------------------------------- users and shelters

func TestUsersAndShelters(t *testing.T) {
	w := newWorld(t)
	admin := w.tok[uAdmin]
	user := func(name, pw, role, shelter string) map[string]any {
		return map[string]any{"username": name, "password": pw, "role": role, "shelter": shelter}
	}
	post := func(body any) req {
		return req{method: http.MethodPost, path: "/api/v1/users", token: admin, body: body}
	}
	const pw = "a long enough passphrase 42"
	w.run(t, []scenario{
		{name: "create caseworker", req: post(user("cara", pw, "caseworker", "payoke")), status: http.StatusCreated, checks: []check{
			eq("username", "cara"), eq("role", "caseworker"), eq("shelter", "payoke"), eq("disabled", false),
			absent("password"), absent("password_hash")}},
		{name: "create auditor", req: post(user("otto", pw, "auditor", "")), status: http.StatusCreated, checks: []check{
			eq("role", "auditor"), eq("shelter", "")}},
		{name: "duplicate", req: post(user("cara", pw, "caseworker", "payoke")), status: http.StatusConflict},
		{name: "weak password", req: post(user("dina", "short", "caseworker", "payoke")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("password")}},
		{name: "caseworker without shelter", req: post(user("dina", pw, "caseworker", "")), status: http.StatusUnprocessableEntity,
			checks: []check{onlyFieldErrs("shelter")}},
		{name: "unknown shelter", req: post(user("dina", pw, "supervisor", "nowhere")), status: http.StatusUnprocessableEntity,
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
	t.Run("list and login", func(t *testing.T) {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/users", token: admin}, http.StatusOK)
		cara := findByKey(t, r, "items", "username", "cara")
		if cara == nil || cara["shelter"] != "payoke" || cara["role"] != "caseworker" {
			t.Errorf("cara in GET /users: got %v, want caseworker of payoke", cara)
		}
		if strings.Contains(string(r.raw), "argon2") || strings.Contains(string(r.raw), "password") {
			t.Errorf("GET /users: body mentions password hashes: %s", r)
		}
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

// ---------------------------------------------------------------- headers and health

func TestHeaders(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Mary", "Ade", "2025-06-01")
	tok := w.tok[uPayoke]
	caseRoutes := []req{
		{method: http.MethodGet, path: "/api/v1/cases/" + id, token: tok},
		{method: http.MethodGet, path: "/api/v1/cases", token: tok},
		{method: http.MethodGet, path: "/api/v1/cases/" + id + "/flags", token: tok},
		{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: tok},
		{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: w.tok[uAuditor]},
		{method: http.MethodPost, path: "/api/v1/cases/" + id + "/simulate", token: tok,
			body: map[string]any{"type": "start_reflection", "occurred_on": "2025-06-10"}},
		{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: tok,
			body: map[string]any{"type": "start_reflection", "occurred_on": "2025-06-10"}},
		{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: tok, body: map[string]any{"victim": map[string]any{"alias": "M"}}},
		{method: http.MethodPost, path: "/api/v1/cases", token: tok, body: caseBody("Sara", "Bello", "NG", "", "2025-06-01")},
		{method: http.MethodGet, path: "/api/v1/deadlines", token: tok},
	}
	for _, r := range caseRoutes {
		t.Run("case data "+r.method+" "+r.path, func(t *testing.T) {
			out := w.do(r)
			if out.status >= 300 {
				t.Fatalf("got %s, want a success", out)
			}
			if got := out.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control: got %q, want no-store", got)
			}
			if got := out.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
			}
			// echo's Secure() defaults leave these unset (docs/api.md "Headers").
			for _, h := range []string{"Referrer-Policy", "Content-Security-Policy"} {
				if out.header.Get(h) == "" {
					t.Errorf("%s: got none, want it set explicitly", h)
				}
			}
			if ct := out.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type: got %q, want application/json", ct)
			}
		})
	}

	problems := []struct {
		name   string
		r      req
		status int
	}{
		{"400", req{method: http.MethodPost, path: "/api/v1/cases", token: tok, body: "{"}, http.StatusBadRequest},
		{"401", req{method: http.MethodGet, path: "/api/v1/cases/" + id}, http.StatusUnauthorized},
		{"403", req{method: http.MethodGet, path: "/api/v1/cases/" + id, token: w.tok[uAuditor]}, http.StatusForbidden},
		{"404 case", req{method: http.MethodGet, path: "/api/v1/cases/" + id, token: w.tok[uPagAsa]}, http.StatusNotFound},
		{"404 route", req{method: http.MethodGet, path: "/api/v1/nothing-here", token: tok}, http.StatusNotFound},
		{"405", req{method: http.MethodDelete, path: "/api/v1/cases/" + id, token: tok}, http.StatusMethodNotAllowed},
		{"409", req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: tok,
			body: map[string]any{"type": "start_reflection", "occurred_on": "2025-06-12"}}, http.StatusConflict},
		{"413", req{method: http.MethodPost, path: "/api/v1/cases", token: tok, body: strings.Repeat(" ", mib+1)}, http.StatusRequestEntityTooLarge},
		{"422", req{method: http.MethodPost, path: "/api/v1/cases", token: tok, body: `{"id":"x"}`}, http.StatusUnprocessableEntity},
	}
	for _, p := range problems {
		t.Run("problem "+p.name, func(t *testing.T) {
			out := w.do(p.r)
			if out.status != p.status {
				t.Fatalf("got %s, want %d", out, p.status)
			}
			isProblem(t, out)
			if got := out.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
			}
			if strings.HasPrefix(p.r.path, "/api/") {
				if got := out.header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control: got %q, want no-store", got)
				}
			}
		})
	}
	t.Run("404 outside the API is the web UI's page", func(t *testing.T) {
		// The UI answers unknown pages with its HTML 404 (web/web.go).
		out := w.do(req{method: http.MethodGet, path: "/nothing-here"})
		if out.status != http.StatusNotFound || !strings.HasPrefix(out.header.Get("Content-Type"), "text/html") {
			t.Errorf("got %d %q, want 404 text/html", out.status, out.header.Get("Content-Type"))
		}
	})
	t.Run("401 names the scheme", func(t *testing.T) {
		out := w.do(req{method: http.MethodGet, path: "/api/v1/me"})
		if got := out.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
			t.Errorf("WWW-Authenticate: got %q, want Bearer …", got)
		}
	})
}

func TestHealth(t *testing.T) {
	w := newWorld(t)
	w.run(t, []scenario{
		{name: "healthz", req: req{method: http.MethodGet, path: "/healthz"}, status: http.StatusOK, checks: []check{eq("status", "ok")}},
		{name: "livez", req: req{method: http.MethodGet, path: "/livez"}, status: http.StatusOK, checks: []check{eq("status", "ok")}},
		{name: "readyz", req: req{method: http.MethodGet, path: "/readyz"}, status: http.StatusOK, checks: []check{
			eq("status", "ok"), func(t *testing.T, r *response) {
				t.Helper()
				if n := r.num(t, "schema_version"); n < 1 {
					t.Errorf("schema_version: got %d, want at least 1", n)
				}
			}}},
	})
}

// ---------------------------------------------------------------- minors and permit chains

func TestMinorDeadlines(t *testing.T) {
	w := newWorld(t)
	body := caseBody("Samir", "Haidari", "AF", "2007-07-01", "2025-06-10")
	body["victim"].(map[string]any)["unaccompanied_minor"] = true
	body["victim"].(map[string]any)["gender"] = "male"
	c := w.createCase(uPayoke, body)
	id := c.str(t, "id")
	eqNRMDeadlines([]map[string]any{
		{"kind": "guardianship_notification", "due_on": "2025-06-11", "days_left": -4, "severity": "critical"},
		{"kind": "majority", "due_on": "2025-07-01", "days_left": 16, "severity": "medium"},
	})(t, c)
	for rule, sev := range map[string]string{"R13": "critical", "R14": "medium", "R12": "high"} {
		if f := findByKey(t, c, "flags", "rule", rule); f == nil || f["severity"] != sev {
			t.Errorf("flag %s: got %v, want severity %s", rule, f, sev)
		}
	}
	if allowed := c.strs(t, "allowed_events"); !slices.Contains(allowed, "issue_provisional_permit") {
		t.Errorf("allowed_events of an unaccompanied minor: got %q, want issue_provisional_permit", allowed)
	}
	// Born on 29 February: the 18th birthday is 28 February.
	leap := w.createCase(uPayoke, caseBody("Leila", "Karimi", "AF", "2008-02-29", "2025-06-01"))
	leapID := leap.str(t, "id")

	type item struct{ Case, Kind, Due string }
	board := func(q string) []item {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/deadlines" + q, token: w.tok[uPayoke]}, http.StatusOK)
		var out []item
		for _, v := range r.arr(t, "items") {
			m := v.(map[string]any)
			if m["kind"] == "flag" { // R27 on these cases; see the casework tests
				continue
			}
			out = append(out, item{m["case_id"].(string), m["kind"].(string), m["due_on"].(string)})
		}
		return out
	}
	if got, want := board("?within=30"), []item{{id, "guardianship_notification", "2025-06-11"}, {id, "majority", "2025-07-01"}}; !slices.Equal(got, want) {
		t.Errorf("board within 30: got %+v, want %+v", got, want)
	}
	if got, want := board("?within=300"), []item{{id, "guardianship_notification", "2025-06-11"}, {id, "majority", "2025-07-01"},
		{leapID, "majority", "2026-02-28"}}; !slices.Equal(got, want) {
		t.Errorf("board within 300: got %+v, want %+v", got, want)
	}
	if got, want := board("?within=300&as_of=2025-07-01"), []item{{id, "guardianship_notification", "2025-06-11"},
		{leapID, "majority", "2026-02-28"}}; !slices.Equal(got, want) {
		t.Errorf("board on the 18th birthday: got %+v, want %+v (an adult on the day)", got, want)
	}
	var stored int64
	if err := w.env.DB.Read.Raw("SELECT COUNT(*) FROM case_deadlines WHERE kind = 'majority'").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if stored != 0 {
		t.Errorf("stored majority deadlines: got %d, want 0 (an 18th birthday reveals the date of birth)", stored)
	}

	r := w.event(uPayoke, id, "notify_guardianship", "2025-06-12", nil)
	eqNRMDeadlines([]map[string]any{{"kind": "majority", "due_on": "2025-07-01", "days_left": 16, "severity": "medium"}})(t, r)
	r = w.event(uPayoke, id, "issue_provisional_permit", "2025-06-13", nil)
	eq("state", "provisional_permit")(t, r)
	if d := findByKey(t, r, "deadlines", "kind", "provisional_permit_expiry"); d == nil || d["due_on"] != "2025-09-13" {
		t.Errorf("provisional_permit_expiry: got %v, want due 2025-09-13", d)
	}
	day := func(asOf string) *response {
		return w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "?as_of=" + asOf, token: w.tok[uPayoke]}, http.StatusOK)
	}
	if d := findByKey(t, day("2025-06-30"), "deadlines", "kind", "majority"); d == nil || d["days_left"] != json.Number("1") {
		t.Errorf("majority the day before: got %v, want days_left 1", d)
	}
	if d := findByKey(t, day("2025-07-01"), "deadlines", "kind", "majority"); d != nil {
		t.Errorf("majority on the 18th birthday: got %v, want none (an adult on the day)", d)
	}
	// The permit (to 2025-09-13, renewal request 2025-08-14) is beyond 30 days.
	if got, want := board("?within=30"), []item{{id, "majority", "2025-07-01"}}; !slices.Equal(got, want) {
		t.Errorf("board after notification: got %+v, want %+v", got, want)
	}
	if got, want := board("?within=60"), []item{{id, "majority", "2025-07-01"}, {id, "renewal_request", "2025-08-14"}}; !slices.Equal(got, want) {
		t.Errorf("board within 60 after the permit: got %+v, want %+v", got, want)
	}
}

func TestPermitChain(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Chain", "Test", "2023-11-20")
	due := func(r *response, kind string) any {
		d := findByKey(t, r, "deadlines", "kind", kind)
		if d == nil {
			return nil
		}
		return d["due_on"]
	}
	// 2023-11-30 + 3 months = 2024-02-29, + 3 more = 2024-05-29 (docs/model.md "Dates").
	r := w.event(uPayoke, id, "file_complaint", "2023-11-30", nil)
	if got := due(r, "provisional_permit_expiry"); got != "2024-02-29" {
		t.Errorf("provisional expiry: got %v, want 2024-02-29", got)
	}
	r = w.event(uPayoke, id, "extend_provisional_permit", "2024-02-01", nil)
	if got := due(r, "provisional_permit_expiry"); got != "2024-05-29" {
		t.Errorf("extended expiry: got %v, want 2024-05-29 (added to the current expiry)", got)
	}
	if got := due(r, "renewal_request"); got != "2024-04-29" {
		t.Errorf("renewal_request: got %v, want 2024-04-29 (30 days before)", got)
	}
	if slices.Contains(r.strs(t, "allowed_events"), "extend_provisional_permit") {
		t.Errorf("allowed_events after the one extension: got %q, want no extend_provisional_permit", r.strs(t, "allowed_events"))
	}
	second := w.do(req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke],
		body: map[string]any{"type": "extend_provisional_permit", "occurred_on": "2024-03-01"}})
	if second.status != http.StatusConflict {
		t.Fatalf("second extension: got %s, want 409", second)
	}
	eq("allowed_events", r.strs(t, "allowed_events"))(t, second)

	r = w.event(uPayoke, id, "confirm_victim_status", "2024-05-01", nil)
	if got := due(r, "temporary_permit_expiry"); got != "2024-11-01" {
		t.Errorf("temporary expiry: got %v, want 2024-11-01", got)
	}
	// Renewed a month after the expiry: counted from the renewal, with a gap (R25).
	r = w.event(uPayoke, id, "renew_temporary_permit", "2024-12-01", nil)
	if got := due(r, "temporary_permit_expiry"); got != "2025-06-01" {
		t.Errorf("late renewal: got %v, want 2025-06-01", got)
	}
	if f := findByKey(t, r, "flags", "rule", "R25"); f == nil || f["severity"] != "medium" {
		t.Errorf("R25 after a late renewal: got %v, want a medium flag", f)
	}
	r = w.event(uPayoke, id, "renew_temporary_permit", "2025-05-20", nil)
	eqNRMDeadlines([]map[string]any{
		{"kind": "temporary_permit_expiry", "due_on": "2025-12-01", "days_left": 169, "severity": "info"},
		{"kind": "renewal_request", "due_on": "2025-11-01", "days_left": 139, "severity": "info"},
	})(t, r)
	if f := findByKey(t, r, "flags", "rule", "R25"); f != nil {
		t.Errorf("R25 after a timely renewal: got %v, want none", f)
	}
	eq("version", 6)(t, r) // the refused second extension changed nothing
}

// ---------------------------------------------------------------- erasure

func TestErasure(t *testing.T) {
	w := newWorld(t)
	const note = "Lives with her cousin in Mechelen"
	id := w.newCase(uPayoke, "Erika", "Vanbeek", "2025-06-01")
	w.event(uPayoke, id, "start_reflection", "2025-06-02", map[string]any{"note": note})
	other := w.newCase(uPayoke, "Kept", "Name", "2025-06-01")
	erase := func(user, cid string) req {
		return req{method: http.MethodPost, path: "/api/v1/cases/" + cid + "/erase", token: w.tok[user]}
	}
	w.run(t, []scenario{
		{name: "caseworker may not erase", req: erase(uPayoke, id), status: http.StatusForbidden},
		{name: "supervisor may not erase", req: erase(uPayoke2, id), status: http.StatusForbidden},
		{name: "auditor may not erase", req: erase(uAuditor, id), status: http.StatusForbidden},
		{name: "unknown case", req: erase(uAdmin, uuid.NewString()), status: http.StatusNotFound},
		{name: "not a UUID", req: erase(uAdmin, "PAY-2025-0001"), status: http.StatusNotFound},
		{name: "admin erases", req: erase(uAdmin, id), status: http.StatusOK, checks: []check{
			eq("id", id), eq("reference", "PAY-2025-0001"), eq("erased", true), nonEmptyString("erased_at"),
			absent("victim"), func(t *testing.T, r *response) {
				t.Helper()
				if h := r.header.Get("Cache-Control"); h != "no-store" {
					t.Errorf("Cache-Control: got %q, want no-store", h)
				}
			}}},
		{name: "second erasure", req: erase(uAdmin, id), status: http.StatusConflict},
	})

	g := w.getCase(uPayoke, id)
	eq("erased", true)(t, g)
	eq("version", 3)(t, g)
	eq("state", "reflection")(t, g)
	eq("victim.given_name", "")(t, g)
	eq("victim.family_name", "")(t, g)
	eq("victim.date_of_birth", nil)(t, g)
	eq("victim.nationality", "NG")(t, g)
	if strings.Contains(string(g.raw), "Erika") || strings.Contains(string(g.raw), "Vanbeek") {
		t.Errorf("erased case: body still holds the name: %s", g)
	}
	h := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke]}, http.StatusOK)
	if strings.Contains(string(h.raw), note) {
		t.Errorf("history of an erased case: the note is still readable: %s", h)
	}
	if n := len(h.arr(t, "items")); n != 3 {
		t.Errorf("history of an erased case: got %d records, want 3 (open_case, start_reflection, erase_case)", n)
	}
	eq("items.2.event", "erase_case")(t, h)
	eq("items.2.actor", uAdmin)(t, h)

	var leftovers struct {
		Keys, Notes int64
	}
	if err := w.env.DB.Read.Raw(`SELECT
		(SELECT COUNT(*) FROM cases WHERE id = ? AND (data_key IS NOT NULL OR given_name_enc IS NOT NULL OR family_name_enc IS NOT NULL
			OR date_of_birth_enc IS NOT NULL OR name_index <> '' OR name_index_rev <> '')) AS keys,
		(SELECT COUNT(*) FROM case_notes WHERE case_id = ?) AS notes`, id, id).Scan(&leftovers).Error; err != nil {
		t.Fatal(err)
	}
	if leftovers.Keys != 0 || leftovers.Notes != 0 {
		t.Errorf("stored identity after erasure: got %d rows with keys or ciphertexts and %d notes, want none", leftovers.Keys, leftovers.Notes)
	}

	w.run(t, []scenario{
		{name: "names cannot be set again", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
			body: map[string]any{"victim": map[string]any{"given_name": "New"}}}, status: http.StatusConflict},
		{name: "statistical attributes can change", req: req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
			body: map[string]any{"victim": map[string]any{"gender": "unknown"}}}, status: http.StatusOK, checks: []check{eq("version", 4)}},
		{name: "events still recorded", req: req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke],
			body: map[string]any{"type": "prove_identity", "occurred_on": "2025-06-03"}}, status: http.StatusOK, checks: []check{eq("version", 5)}},
		{name: "no note on an erased case", req: req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke],
			body: map[string]any{"type": "prove_identity", "occurred_on": "2025-06-03", "note": "x"}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("note")}},
		// docs/model.md "Order of checks": 422 (invalid values) before 409 (stale, transition).
		{name: "note on an erased case before stale version", req: req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events",
			token: w.tok[uPayoke], body: map[string]any{"type": "prove_identity", "occurred_on": "2025-06-03", "note": "x", "version": 1}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("note")}},
		{name: "note on an erased case before invalid transition", req: req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events",
			token: w.tok[uPayoke], body: map[string]any{"type": "start_reflection", "occurred_on": "2025-06-03", "note": "x"}},
			status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("note")}},
		{name: "search by the erased name finds nothing", req: req{method: http.MethodGet, path: "/api/v1/cases?q=Erika+Vanbeek",
			token: w.tok[uPayoke]}, status: http.StatusOK, checks: []check{eq("items", []any{})}},
		// A query that normalizes to nothing must not match the erased
		// (empty) name index.
		{name: "search for a zero-width space", req: req{method: http.MethodGet, path: "/api/v1/cases?q=%E2%80%8B",
			token: w.tok[uPayoke]}, status: http.StatusOK, checks: []check{eq("items", []any{})}},
		{name: "search for a lone combining accent", req: req{method: http.MethodGet, path: "/api/v1/cases?q=%CC%81",
			token: w.tok[uPayoke]}, status: http.StatusOK, checks: []check{eq("items", []any{})}},
	})
	// The other case keeps its identity; the chain still verifies.
	eq("victim.given_name", "Kept")(t, w.getCase(uPayoke, other))
	v := w.must(req{method: http.MethodGet, path: "/api/v1/audit/verify", token: w.tok[uAdmin]}, http.StatusOK)
	eq("ok", true)(t, v)
}

// ---------------------------------------------------------------- civil dates

func TestBrusselsToday(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Date", "Line", "2025-06-10")
	relogin := func() {
		for u := range w.tok {
			w.tok[u] = w.env.Login(t, u)
		}
	}
	post := func(on string) *response {
		return w.do(req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke],
			body: map[string]any{"type": "prove_identity", "occurred_on": on}})
	}
	// 21:30 UTC is 23:30 in Brussels (summer time): still the 15th.
	w.env.Clock.Set(time.Date(2025, 6, 15, 21, 30, 0, 0, time.UTC))
	relogin()
	if r := post("2025-06-16"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("2025-06-16 at 23:30 Brussels on the 15th: got %s, want 422", r)
	}
	eq("as_of", "2025-06-15")(t, w.getCase(uPayoke, id))
	// 22:30 UTC is 00:30 on the 16th in Brussels.
	w.env.Clock.Set(time.Date(2025, 6, 15, 22, 30, 0, 0, time.UTC))
	relogin()
	r := post("2025-06-16")
	if r.status != http.StatusOK {
		t.Fatalf("2025-06-16 at 00:30 Brussels on the 16th: got %s, want 200", r)
	}
	eq("as_of", "2025-06-16")(t, r)
	eq("last_event_on", "2025-06-16")(t, r)
	d := w.must(req{method: http.MethodGet, path: "/api/v1/deadlines", token: w.tok[uPayoke]}, http.StatusOK)
	eq("as_of", "2025-06-16")(t, d)
	// Timestamps are RFC 3339 in UTC.
	g := w.getCase(uPayoke, id)
	if u := g.str(t, "updated_at"); u != "2025-06-15T22:30:00Z" {
		t.Errorf("updated_at: got %q, want 2025-06-15T22:30:00Z (UTC)", u)
	}
}
