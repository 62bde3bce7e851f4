package httpapi_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/casemgr/casemgr/internal/eligibility"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/config"
)

// ---------------------------------------------------------------- tokens

// tokenForge signs access tokens by hand, with the server's key or others.
type tokenForge struct {
	key      []byte
	iss, aud string
	sid      string
	now      time.Time
}

func newForge(t *testing.T, w *world, user string) tokenForge {
	t.Helper()
	var c jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(w.tok[user], &c); err != nil {
		t.Fatalf("read the claims of a real token: %v", err)
	}
	sid, _ := c["sid"].(string)
	if sid == "" {
		t.Fatalf("real token: got no sid claim in %v", c)
	}
	return tokenForge{key: w.env.Keys.JWTKey(), iss: w.env.Config.Auth.Issuer, aud: w.env.Config.Auth.Audience,
		sid: sid, now: w.env.Clock.Now()}
}

// claims returns valid claims for user in the forge's session; edit may
// change them.
func (f tokenForge) claims(user, role, shelter string, edit func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss": f.iss, "aud": []string{f.aud}, "sub": user,
		"iat": f.now.Unix(), "nbf": f.now.Unix(), "exp": f.now.Add(10 * time.Minute).Unix(),
		"jti": strings.Repeat("ab", 16), "role": role, "shelter": shelter, "sid": f.sid,
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func (f tokenForge) sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", m.Alg(), err)
	}
	return s
}

// unsignedNone hand-crafts an alg "none" token.
func unsignedNone(t *testing.T, c jwt.MapClaims) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	p, err := json.Marshal(c)
	if err != nil {
		t.Fatalf("encode claims: %v", err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(p) + "."
}

// withHeader signs c with HS256 and key, adding header members.
func withHeader(t *testing.T, key []byte, c jwt.MapClaims, hdr map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	for k, v := range hdr {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func TestAccessTokens401(t *testing.T) {
	w := newWorld(t)
	f := newForge(t, w, uPayoke)
	valid := func(edit func(jwt.MapClaims)) jwt.MapClaims { return f.claims(uPayoke, "caseworker", "payoke", edit) }
	otherKey := make([]byte, 32)
	if _, err := rand.Read(otherKey); err != nil {
		t.Fatal(err)
	}
	hs256 := func(c jwt.MapClaims) string { return f.sign(t, jwt.SigningMethodHS256, f.key, c) }

	control := hs256(valid(nil))
	for _, path := range []string{"/api/v1/me", "/api/v1/cases"} {
		if r := w.do(req{method: http.MethodGet, path: path, token: control}); r.status != http.StatusOK {
			t.Fatalf("control: a hand-signed valid token on %s: got %s, want 200 (the forge is wrong)", path, r)
		}
	}

	realTok := w.tok[uPayoke]
	parts := strings.Split(realTok, ".")
	var payload map[string]any
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(raw, &payload)
	payload["sub"] = uPayoke2
	tampered, _ := json.Marshal(payload)
	tamperedTok := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tampered) + "." + parts[2]

	noneLib, err := jwt.NewWithClaims(jwt.SigningMethodNone, valid(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		auth *string // nil: no header
	}{
		{"no header", nil},
		{"Bearer empty", ptr("Bearer ")},
		{"Bearer only", ptr("Bearer")},
		{"garbage", ptr("Bearer garbage")},
		{"three garbage parts", ptr("Bearer a.b.c")},
		{"token without scheme", ptr(control)},
		{"Basic scheme", ptr("Basic " + base64.StdEncoding.EncodeToString([]byte(uPayoke+":x")))},
		{"alg none hand-crafted", ptr("Bearer " + unsignedNone(t, valid(nil)))},
		{"alg none via library", ptr("Bearer " + noneLib)},
		{"HS256 with another key", ptr("Bearer " + f.sign(t, jwt.SigningMethodHS256, otherKey, valid(nil)))},
		{"HS512 with the right key", ptr("Bearer " + f.sign(t, jwt.SigningMethodHS512, f.key, valid(nil)))},
		{"HS384 with the right key", ptr("Bearer " + f.sign(t, jwt.SigningMethodHS384, f.key, valid(nil)))},
		{"tampered payload", ptr("Bearer " + tamperedTok)},
		{"wrong audience", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { c["aud"] = []string{"someone-else"} })))},
		{"no audience", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { delete(c, "aud") })))},
		{"wrong issuer", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { c["iss"] = "evil" })))},
		{"no issuer", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { delete(c, "iss") })))},
		{"no exp", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { delete(c, "exp") })))},
		{"expired beyond leeway", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = f.now.Add(-20*time.Minute).Unix(), f.now.Add(-20*time.Minute).Unix(), f.now.Add(-2*time.Minute).Unix()
		})))},
		{"not yet valid", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { c["nbf"] = f.now.Add(10 * time.Minute).Unix() })))},
		{"issued in the future", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { c["iat"] = f.now.Add(10 * time.Minute).Unix() })))},
		{"unknown session", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { c["sid"] = strings.Repeat("0", 32) })))},
		{"no session", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { delete(c, "sid") })))},
		{"session of another user", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { c["sub"] = uAdmin })))},
		{"unknown user", ptr("Bearer " + hs256(valid(func(c jwt.MapClaims) { c["sub"] = "ghost" })))},
		{"embedded jwk with its own key", ptr("Bearer " + withHeader(t, otherKey, valid(nil), map[string]any{
			"jwk": map[string]string{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(otherKey)}, "kid": "attacker"}))},
		{"jku pointing elsewhere", ptr("Bearer " + withHeader(t, otherKey, valid(nil), map[string]any{"jku": "https://attacker.example/keys"}))},
	}
	for _, c := range cases {
		for _, path := range []string{"/api/v1/me", "/api/v1/cases"} {
			t.Run(c.name+" "+path, func(t *testing.T) {
				r := w.do(req{method: http.MethodGet, path: path, auth: c.auth})
				if r.status != http.StatusUnauthorized {
					t.Fatalf("got %s, want 401", r)
				}
				isProblem(t, r)
				eq("type", "urn:casemgr:problem:unauthorized")(t, r)
				if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
					t.Errorf("WWW-Authenticate: got %q, want Bearer …", got)
				}
			})
		}
	}

	t.Run("encoded slashes do not bypass authentication", func(t *testing.T) {
		id := w.newCase(uPayoke, "Slash", "Path", "2025-06-01")
		for _, p := range []string{"/api/v1/cases%2F" + id, "/api/v1%2Fcases/" + id, "/api/v1/cases/" + id + "%2Fevents",
			"/api%2Fv1/cases/" + id, "/api/v1/cases/" + id + "/..%2F..%2Fcases"} {
			r := w.do(req{method: http.MethodGet, path: p})
			if r.status < 400 || strings.Contains(string(r.raw), "Slash") {
				t.Errorf("GET %s without a token: got %s, want an error and no case data", p, r)
			}
			r = w.do(req{method: http.MethodGet, path: p, token: w.tok[uPagAsa]})
			if r.status < 400 || strings.Contains(string(r.raw), "Slash") {
				t.Errorf("GET %s by another shelter: got %s, want an error and no case data", p, r)
			}
		}
	})

	t.Run("role claim is not trusted", func(t *testing.T) {
		// A validly signed token claiming admin for a caseworker's session:
		// the role comes from the database.
		tok := hs256(valid(func(c jwt.MapClaims) { c["role"] = "admin"; c["shelter"] = "" }))
		me := w.must(req{method: http.MethodGet, path: "/api/v1/me", token: tok}, http.StatusOK)
		eq("role", "caseworker")(t, me)
		eq("shelter", "payoke")(t, me)
		if r := w.do(req{method: http.MethodGet, path: "/api/v1/users", token: tok}); r.status != http.StatusForbidden {
			t.Errorf("GET /users with a forged admin role: got %s, want 403", r)
		}
	})
}

func TestExpiredAccessToken(t *testing.T) {
	w := newWorld(t)
	p := w.login(uPayoke, apptest.Password)
	access, refresh := p.str(t, "access_token"), p.str(t, "refresh_token")
	me := func() int { return w.do(req{method: http.MethodGet, path: "/api/v1/me", token: access}).status }

	w.env.Clock.Advance(15*time.Minute + 20*time.Second) // inside the 30 s leeway
	if got := me(); got != http.StatusOK {
		t.Fatalf("15 min 20 s after login: got %d, want 200 (leeway)", got)
	}
	w.env.Clock.Advance(15 * time.Second) // 15 min 35 s
	for _, path := range []string{"/api/v1/me", "/api/v1/cases"} {
		if r := w.do(req{method: http.MethodGet, path: path, token: access}); r.status != http.StatusUnauthorized {
			t.Errorf("GET %s 15 min 35 s after login: got %s, want 401", path, r)
		}
	}
	// The refresh token still gives a working access token.
	r := w.do(req{method: http.MethodPost, path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": refresh}})
	if r.status != http.StatusOK {
		t.Fatalf("refresh after expiry: got %s, want 200", r)
	}
	if got := w.do(req{method: http.MethodGet, path: "/api/v1/me", token: r.str(t, "access_token")}).status; got != http.StatusOK {
		t.Errorf("refreshed access token: got %d, want 200", got)
	}
	// The session itself ends after the refresh-token lifetime.
	latest := r.str(t, "refresh_token")
	w.env.Clock.Advance(w.env.Config.Auth.RefreshTokenTTL)
	if got := w.do(req{method: http.MethodPost, path: "/api/v1/auth/refresh", body: map[string]string{"refresh_token": latest}}).status; got != http.StatusUnauthorized {
		t.Errorf("refresh after the session lifetime: got %d, want 401", got)
	}
}

// ---------------------------------------------------------------- concurrency

func TestConcurrentWrites(t *testing.T) {
	w := newWorld(t)
	const n = 8
	// References: unique and without gaps under concurrent creation.
	refs := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := send(t, w.env.Handler, req{method: http.MethodPost, path: "/api/v1/cases", token: w.tok[uPayoke],
				body: caseBody("Con", fmt.Sprintf("Current%d", i), "NG", "", "2025-06-01")})
			if r.status != http.StatusCreated {
				t.Errorf("concurrent create: got %s, want 201", r)
				refs <- ""
				return
			}
			ref, _ := r.get("reference")
			refs <- ref.(string)
		}()
	}
	wg.Wait()
	close(refs)
	var got []string
	for r := range refs {
		got = append(got, r)
	}
	slices.Sort(got)
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("PAY-2025-%04d", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("references: got %q, want %q", got, want)
	}

	// The same version sent by several writers: exactly one wins.
	id := w.newCase(uPayoke, "Race", "Case", "2025-06-01")
	statuses := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- send(t, w.env.Handler, req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events",
				token: w.tok[uPayoke], body: map[string]any{"type": "prove_identity", "occurred_on": "2025-06-02", "version": 1}}).status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != n-1 {
		t.Errorf("statuses: got %v, want one 200 and %d 409", count, n-1)
	}
	eq("version", 2)(t, w.getCase(uPayoke, id))
	if h := w.historyLen(uPayoke, id); h != 2 {
		t.Errorf("history: got %d records, want 2", h)
	}
}

// ---------------------------------------------------------------- roles

func TestRoles403(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Rita", "Okon", "2025-06-01")
	newUser := map[string]any{"username": "zed", "password": "a long enough passphrase 42", "role": "caseworker", "shelter": "payoke"}
	ev := map[string]any{"type": "start_reflection", "occurred_on": "2025-06-10"}
	forbidden := []struct {
		name, user, method, path string
		body                     any
	}{
		{"caseworker GET /users", uPayoke, http.MethodGet, "/api/v1/users", nil},
		{"caseworker POST /users", uPayoke, http.MethodPost, "/api/v1/users", newUser},
		{"caseworker PATCH /users", uPayoke, http.MethodPatch, "/api/v1/users/" + uPayoke, map[string]any{"role": "admin"}},
		{"caseworker PATCH /shelters/x", uPayoke, http.MethodPatch, "/api/v1/shelters/x", map[string]any{"official_nrm": false}},
		{"caseworker PATCH own shelter", uPayoke, http.MethodPatch, "/api/v1/shelters/payoke", map[string]any{"official_nrm": false}},
		{"caseworker POST /shelters", uPayoke, http.MethodPost, "/api/v1/shelters", map[string]any{"id": "mine", "name": "Mine"}},
		{"caseworker audit verify", uPayoke, http.MethodGet, "/api/v1/audit/verify", nil},
		{"supervisor POST /users", uPayoke2, http.MethodPost, "/api/v1/users", newUser},
		{"supervisor GET /users", uPayoke2, http.MethodGet, "/api/v1/users", nil},
		{"auditor GET /cases", uAuditor, http.MethodGet, "/api/v1/cases", nil},
		{"auditor GET /cases/{id}", uAuditor, http.MethodGet, "/api/v1/cases/" + id, nil},
		{"auditor POST /cases", uAuditor, http.MethodPost, "/api/v1/cases", caseBody("A", "B", "NG", "", "2025-06-01")},
		{"auditor PATCH /cases/{id}", uAuditor, http.MethodPatch, "/api/v1/cases/" + id, map[string]any{"version": 1}},
		{"auditor POST events", uAuditor, http.MethodPost, "/api/v1/cases/" + id + "/events", ev},
		{"auditor flags", uAuditor, http.MethodGet, "/api/v1/cases/" + id + "/flags", nil},
		{"auditor simulate", uAuditor, http.MethodPost, "/api/v1/cases/" + id + "/simulate", ev},
		{"auditor deadlines", uAuditor, http.MethodGet, "/api/v1/deadlines", nil},
		{"auditor POST /users", uAuditor, http.MethodPost, "/api/v1/users", newUser},
		{"admin GET /cases/{id}", uAdmin, http.MethodGet, "/api/v1/cases/" + id, nil},
		{"admin GET /cases", uAdmin, http.MethodGet, "/api/v1/cases", nil},
		{"admin POST /cases", uAdmin, http.MethodPost, "/api/v1/cases", caseBody("A", "B", "NG", "", "2025-06-01")},
		{"admin GET events", uAdmin, http.MethodGet, "/api/v1/cases/" + id + "/events", nil},
		{"admin POST events", uAdmin, http.MethodPost, "/api/v1/cases/" + id + "/events", ev},
		{"admin flags", uAdmin, http.MethodGet, "/api/v1/cases/" + id + "/flags", nil},
		{"admin deadlines", uAdmin, http.MethodGet, "/api/v1/deadlines", nil},
		// 403 comes before 404, 400 and 413.
		{"admin GET unknown case", uAdmin, http.MethodGet, "/api/v1/cases/" + uuid.NewString(), nil},
		{"auditor POST events malformed", uAuditor, http.MethodPost, "/api/v1/cases/" + id + "/events", `{"type":`},
		{"auditor POST /cases too large", uAuditor, http.MethodPost, "/api/v1/cases", strings.Repeat(" ", mib+10)},
	}
	var table []scenario
	for _, c := range forbidden {
		table = append(table, scenario{name: c.name, req: req{method: c.method, path: c.path, token: w.tok[c.user], body: c.body},
			status: http.StatusForbidden, checks: []check{problemType("urn:casemgr:problem:forbidden")}})
	}
	allowed := []struct {
		name, user, method, path string
	}{
		{"auditor reads a case history", uAuditor, http.MethodGet, "/api/v1/cases/" + id + "/events"},
		{"auditor verifies the chain", uAuditor, http.MethodGet, "/api/v1/audit/verify"},
		{"admin verifies the chain", uAdmin, http.MethodGet, "/api/v1/audit/verify"},
		{"supervisor reads deadlines", uPayoke2, http.MethodGet, "/api/v1/deadlines"},
		{"auditor lists shelters", uAuditor, http.MethodGet, "/api/v1/shelters"},
		{"caseworker lists shelters", uPayoke, http.MethodGet, "/api/v1/shelters"},
	}
	for _, c := range allowed {
		table = append(table, scenario{name: c.name, req: req{method: c.method, path: c.path, token: w.tok[c.user]}, status: http.StatusOK})
	}
	w.run(t, table)
	g := w.getCase(uPayoke, id)
	eq("version", 1)(t, g)
	eq("state", "identified")(t, g)
}

// ---------------------------------------------------------------- visibility

func TestCrossShelter404(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Nina", "Eke", "2025-06-01")
	w.event(uPayoke, id, "start_reflection", "2025-06-02", nil)
	ev := map[string]any{"type": "record_contact_with_trafficker", "occurred_on": "2025-06-10", "version": 2}
	routes := []struct {
		method, suffix string
		body           any
	}{
		{http.MethodGet, "", nil},
		{http.MethodGet, "?as_of=2025-07-01", nil},
		{http.MethodPatch, "", map[string]any{"victim": map[string]any{"alias": "x"}, "version": 2}},
		{http.MethodPost, "/events", ev},
		{http.MethodGet, "/events", nil},
		{http.MethodGet, "/flags", nil},
		{http.MethodGet, "/flags?as_of=2025-13-01", nil},
		{http.MethodPost, "/simulate", ev},
	}
	unknownDetail := ""
	{
		r := w.do(req{method: http.MethodGet, path: "/api/v1/cases/" + uuid.NewString(), token: w.tok[uPayoke]})
		if r.status != http.StatusNotFound {
			t.Fatalf("unknown case: got %s, want 404", r)
		}
		unknownDetail = r.str(t, "detail")
	}
	sameDetail := func(t *testing.T, r *response) {
		t.Helper()
		if d := r.str(t, "detail"); d != unknownDetail {
			t.Errorf("detail: got %q, want the same as for an unknown case (%q)", d, unknownDetail)
		}
	}
	var table []scenario
	for _, user := range []string{uPagAsa, uPagSup, uSurya} {
		for _, rt := range routes {
			table = append(table, scenario{name: fmt.Sprintf("%s %s %s", user, rt.method, rt.suffix),
				req:    req{method: rt.method, path: "/api/v1/cases/" + id + rt.suffix, token: w.tok[user], body: rt.body},
				status: http.StatusNotFound, checks: []check{problemType("urn:casemgr:problem:not-found"), sameDetail}})
		}
	}
	for _, bad := range []string{uuid.NewString(), "not-a-uuid", "1%20OR%201%3D1", strings.ToUpper(uuid.NewString())} {
		for _, rt := range routes {
			table = append(table, scenario{name: fmt.Sprintf("own user, case %s, %s %s", bad, rt.method, rt.suffix),
				req:    req{method: rt.method, path: "/api/v1/cases/" + bad + rt.suffix, token: w.tok[uPayoke], body: rt.body},
				status: http.StatusNotFound})
		}
	}
	w.run(t, table)

	g := w.getCase(uPayoke, id)
	eq("version", 2)(t, g)
	eq("state", "reflection")(t, g)
	eq("victim.alias", "")(t, g)
	if n := w.historyLen(uPayoke, id); n != 2 {
		t.Errorf("history: got %d records, want 2", n)
	}
	t.Run("lists hold only the shelter's cases", func(t *testing.T) {
		r := w.must(req{method: http.MethodGet, path: "/api/v1/cases", token: w.tok[uPagAsa]}, http.StatusOK)
		eq("items", []any{})(t, r)
		r = w.must(req{method: http.MethodGet, path: "/api/v1/cases?q=Nina+Eke", token: w.tok[uPagAsa]}, http.StatusOK)
		eq("items", []any{})(t, r)
		r = w.must(req{method: http.MethodGet, path: "/api/v1/cases?q=PAY", token: w.tok[uPagAsa]}, http.StatusOK)
		eq("items", []any{})(t, r)
		r = w.must(req{method: http.MethodGet, path: "/api/v1/deadlines?within=3000", token: w.tok[uPagAsa]}, http.StatusOK)
		eq("items", []any{})(t, r)
	})
}

// ---------------------------------------------------------------- order of checks

func TestEventOrderOfChecks(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Olu", "Ibe", "2025-06-01")
	w.event(uPayoke, id, "start_reflection", "2025-06-02", nil) // version 2, reflection
	allowed := w.getCase(uPayoke, id).strs(t, "allowed_events")

	bigBad := `{"type":` + strings.Repeat(" ", mib) // over the limit and not JSON
	for _, route := range []string{"/events", "/simulate"} {
		path := "/api/v1/cases/" + id + route
		at := func(user string, body any) req {
			return req{method: http.MethodPost, path: path, token: w.tok[user], body: body}
		}
		table := []scenario{
			{name: "401 beats everything", req: req{method: http.MethodPost, path: path, body: `{"type":`},
				status: http.StatusUnauthorized},
			{name: "401 bad token + too large", req: req{method: http.MethodPost, path: path,
				auth: ptr("Bearer x"), body: bigBad}, status: http.StatusUnauthorized},
			{name: "403 role before malformed body", req: at(uAuditor, `{"type":`), status: http.StatusForbidden},
			{name: "403 role before too large", req: at(uAdmin, bigBad), status: http.StatusForbidden},
			{name: "404 other shelter + malformed body", req: at(uPagAsa, `{"type":`), status: http.StatusNotFound},
			{name: "404 other shelter + too large", req: at(uPagAsa, bigBad), status: http.StatusNotFound},
			{name: "404 other shelter + stale invalid transition", req: at(uPagAsa,
				map[string]any{"type": "confirm_victim_status", "occurred_on": "2025-06-10", "version": 1}), status: http.StatusNotFound},
			{name: "413 own case + bad JSON", req: at(uPayoke, bigBad), status: http.StatusRequestEntityTooLarge},
			{name: "413 own case + bad JSON, no Content-Length", req: req{method: http.MethodPost, path: path,
				token: w.tok[uPayoke], body: bigBad, unsized: true}, status: http.StatusRequestEntityTooLarge},
			{name: "400 malformed + stale version", req: at(uPayoke, `{"version":1,"type":"prove_identity","occurred_on":"2025-06-10"`),
				status: http.StatusBadRequest},
			{name: "422 unknown type + stale version", req: at(uPayoke,
				map[string]any{"type": "teleport", "occurred_on": "2025-06-10", "version": 1}),
				status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("type")}},
			{name: "422 bad data + stale version", req: at(uPayoke,
				map[string]any{"type": "close_case", "occurred_on": "2025-06-10", "version": 1, "data": map[string]any{"reason": "whim"}}),
				status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("data.reason")}},
			{name: "422 date before the latest event + stale version", req: at(uPayoke,
				map[string]any{"type": "prove_identity", "occurred_on": "2025-06-01", "version": 1}),
				status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("occurred_on")}},
			{name: "409 stale before invalid transition", req: at(uPayoke,
				map[string]any{"type": "confirm_victim_status", "occurred_on": "2025-06-10", "version": 1}),
				status: http.StatusConflict, checks: []check{problemType("urn:casemgr:problem:conflict"),
					detailContains("version 2")}},
			{name: "409 invalid transition at the current version", req: at(uPayoke,
				map[string]any{"type": "confirm_victim_status", "occurred_on": "2025-06-10", "version": 2}),
				status: http.StatusConflict, checks: []check{problemType("urn:casemgr:problem:invalid-transition"),
					eq("allowed_events", allowed)}},
		}
		t.Run(route, func(t *testing.T) {
			for _, sc := range table {
				w.run(t, []scenario{sc})
				g := w.getCase(uPayoke, id)
				if v, st := g.num(t, "version"), g.str(t, "state"); v != 2 || st != "reflection" {
					t.Errorf("%s: case after the rejected request: got version %d state %s, want 2 reflection", sc.name, v, st)
				}
			}
		})
	}

	t.Run("PATCH", func(t *testing.T) {
		path := "/api/v1/cases/" + id
		at := func(user string, body any) req {
			return req{method: http.MethodPatch, path: path, token: w.tok[user], body: body}
		}
		w.run(t, []scenario{
			{name: "404 other shelter + malformed", req: at(uPagAsa, `{"victim":`), status: http.StatusNotFound},
			{name: "413 own + bad JSON", req: at(uPayoke, bigBad), status: http.StatusRequestEntityTooLarge},
			{name: "400 malformed + stale", req: at(uPayoke, `{"version":1,`), status: http.StatusBadRequest},
			{name: "422 invalid + stale", req: at(uPayoke, map[string]any{"victim": map[string]any{"gender": "F"}, "version": 1}),
				status: http.StatusUnprocessableEntity, checks: []check{onlyFieldErrs("victim.gender")}},
			{name: "409 stale", req: at(uPayoke, map[string]any{"victim": map[string]any{"gender": "male"}, "version": 1}),
				status: http.StatusConflict, checks: []check{detailContains("version 2")}},
		})
		g := w.getCase(uPayoke, id)
		eq("version", 2)(t, g)
		eq("victim.gender", "female")(t, g)
	})
	if n := w.historyLen(uPayoke, id); n != 2 {
		t.Errorf("history after every rejected request: got %d records, want 2", n)
	}
}

// ---------------------------------------------------------------- injection

func TestSQLMetacharactersInQueries(t *testing.T) {
	w := newWorld(t)
	own := map[string]bool{}
	var ownIDs []string
	for i, d := range []string{"2025-06-01", "2025-06-02"} {
		id := w.newCase(uPayoke, "Own", fmt.Sprintf("Case%d", i), d)
		own[id] = true
		ownIDs = append(ownIDs, id)
	}
	w.event(uPayoke, ownIDs[0], "start_reflection", "2025-06-02", nil)
	w.event(uPagAsa, w.newCase(uPagAsa, "Other", "Shelter", "2025-06-01"), "start_reflection", "2025-06-02", nil)
	w.newCase(uPagAsa, "Own", "Case0", "2025-06-01") // same name as a payoke case

	values := []string{"' OR 1=1 --", "%", "_", `\`, `%' OR '1'='1`, `"; DROP TABLE cases; --`, "PAY%", "P_Y"}
	onlyOwn := func(t *testing.T, r *response) {
		t.Helper()
		for _, it := range r.arr(t, "items") {
			m := it.(map[string]any)
			if m["shelter"] != "payoke" || !own[m["id"].(string)] {
				t.Errorf("item %v of shelter %v: want only the caller's own cases", m["id"], m["shelter"])
			}
		}
	}
	for _, v := range values {
		for _, param := range []string{"q", "state", "proceedings", "rule", "severity", "cursor"} {
			t.Run(param+"="+v, func(t *testing.T) {
				r := w.do(req{method: http.MethodGet, path: "/api/v1/cases?" + param + "=" + url.QueryEscape(v), token: w.tok[uPayoke]})
				switch {
				case r.status == http.StatusOK:
					onlyOwn(t, r)
					if param == "q" && len(r.arr(t, "items")) != 0 {
						t.Errorf("q=%q: got %d cases, want none (q is a reference prefix or an exact name)", v, len(r.arr(t, "items")))
					}
				case r.status == http.StatusUnprocessableEntity:
					isProblem(t, r)
					fieldErr(param)(t, r)
				default:
					t.Fatalf("got %s, want 200 or 422", r)
				}
				if param != "q" && param != "cursor" && r.status != http.StatusUnprocessableEntity {
					t.Errorf("%s=%q: got %d, want 422 (not a known value)", param, v, r.status)
				}
			})
		}
		t.Run("deadlines cursor="+v, func(t *testing.T) {
			r := w.do(req{method: http.MethodGet, path: "/api/v1/deadlines?cursor=" + url.QueryEscape(v), token: w.tok[uPayoke]})
			if r.status != http.StatusOK && r.status != http.StatusUnprocessableEntity {
				t.Fatalf("got %s, want 200 or 422", r)
			}
		})
		// Well-formed cursors whose content is SQL.
		enc := base64.RawURLEncoding.EncodeToString([]byte("ZZZ" + v))
		t.Run("encoded cursor "+v, func(t *testing.T) {
			r := w.must(req{method: http.MethodGet, path: "/api/v1/cases?cursor=" + enc, token: w.tok[uPayoke]}, http.StatusOK)
			onlyOwn(t, r)
			if n := len(r.arr(t, "items")); n != len(own) {
				t.Errorf("cases before %q: got %d, want %d (every own reference sorts before it)", "ZZZ"+v, n, len(own))
			}
			dc := base64.RawURLEncoding.EncodeToString([]byte("2000-01-01|" + v + "|" + v))
			r = w.do(req{method: http.MethodGet, path: "/api/v1/deadlines?within=3000&cursor=" + dc, token: w.tok[uPayoke]})
			if r.status != http.StatusOK && r.status != http.StatusUnprocessableEntity {
				t.Fatalf("deadlines: got %s, want 200 or 422", r)
			}
			if r.status == http.StatusOK {
				items := withoutFlagDeadlines(r.arr(t, "items")).([]any)
				for _, it := range items {
					if id := it.(map[string]any)["case_id"].(string); !own[id] {
						t.Errorf("deadline of case %s: want only own cases", id)
					}
				}
				if len(items) != 1 {
					t.Errorf("deadlines after 2000-01-01: got %d, want 1 (the own reflection)", len(items))
				}
			}
		})
	}
	// The tables are intact and name search still works.
	r := w.must(req{method: http.MethodGet, path: "/api/v1/cases?q=own+case0", token: w.tok[uPayoke]}, http.StatusOK)
	if n := len(r.arr(t, "items")); n != 1 {
		t.Errorf("exact name search after the injections: got %d cases, want 1", n)
	}
	onlyOwn(t, r)
}

// ---------------------------------------------------------------- audit chain

func TestIndependentJCS(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want string
	}{
		// RFC 8785 3.2.2.2, string part of the example.
		{"string escapes", "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"/", `"€$\u000f\nA'B\"\\\\\"/"`},
		{"short escapes", "\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"no HTML or line separator escaping", "<&>\u2028\u2029", "\"<&>\u2028\u2029\""},
		{"control as lower-case hex", "\x1f\x00", `"\u001f\u0000"`},
		// RFC 8785 3.2.3: sorting by UTF-16 code units.
		{"UTF-16 key order", map[string]any{
			"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh",
			"1": "One", "\U0001F600": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis",
		}, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
			"\"\u20ac\":\"Euro Sign\",\"\U0001F600\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}"},
		{"literals and nesting", map[string]any{"b": []any{true, false, nil, json.Number("-42")}, "a": map[string]any{}},
			`{"a":{},"b":[true,false,null,-42]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := jcs(c.in)
			if err != nil {
				t.Fatalf("jcs: %v", err)
			}
			if string(got) != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
	if _, err := jcs(json.Number("1.5")); err == nil {
		t.Errorf("jcs(1.5): got no error, want floats refused")
	}
}

// TestAuditChainRecomputed drives a scenario through the API, then
// recomputes the chain from the stored rows with the test's own JCS and
// SHA-256, without internal/audit.
func TestAuditChainRecomputed(t *testing.T) {
	w := newWorld(t)
	admin := w.tok[uAdmin]
	const given, family, note = "Ngozi", "Wéber-Łukasz", "Said \"no\" to the \\ interview\nat <9> & left"
	w.must(req{method: http.MethodPost, path: "/api/v1/shelters", token: admin,
		body: map[string]any{"id": "new-shelter", "name": "Nouveau « Refuge »", "city": "Liège", "official_nrm": false}}, http.StatusCreated)
	w.must(req{method: http.MethodPatch, path: "/api/v1/shelters/new-shelter", token: admin,
		body: map[string]any{"official_nrm": true}}, http.StatusOK)
	w.must(req{method: http.MethodPost, path: "/api/v1/users", token: admin,
		body: map[string]any{"username": "kim", "password": "a long enough passphrase 42", "role": "auditor", "shelter": ""}}, http.StatusCreated)
	// A change of role that needs no second admin (issue 20: a role that
	// reads case files waits for one, tested in TestAdminChangesNeedASecondAdmin).
	w.must(req{method: http.MethodPatch, path: "/api/v1/users/kim", token: admin, body: map[string]any{"disabled": true}}, http.StatusOK)

	id := w.createCase(uPayoke, caseBody(given, family, "NG", "2001-02-03", "2025-01-10")).str(t, "id")
	w.event(uPayoke, id, "start_reflection", "2025-01-11", map[string]any{"note": note})
	w.event(uPayoke, id, "file_complaint", "2025-02-01", nil)
	w.event(uPayoke2, id, "file_charges", "2025-03-01", map[string]any{"data": map[string]any{"retains_trafficking": true}})
	w.event(uPayoke, id, "award_compensation", "2025-04-01", map[string]any{"data": map[string]any{"amount_eur": "111227.00"}})
	w.event(uPayoke, id, "record_penalization", "2025-04-02", map[string]any{"data": map[string]any{"offence": "theft", "linked_to_exploitation": true}})
	w.must(req{method: http.MethodPatch, path: "/api/v1/cases/" + id, token: w.tok[uPayoke],
		body: map[string]any{"victim": map[string]any{"alias": "Ngo", "given_name": "Ngozi A."}, "exploitation": []string{"labour", "sexual"}}}, http.StatusOK)
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/simulate", token: w.tok[uPayoke],
		body: map[string]any{"type": "dismiss_case", "occurred_on": "2025-06-01"}}, http.StatusOK)
	other := w.newCase(uPagAsa, "Other", "Victim", "2025-05-05")
	w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + other + "/erase", token: admin}, http.StatusOK)
	// Rejected requests write nothing.
	w.do(req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: w.tok[uPayoke],
		body: map[string]any{"type": "start_reflection", "occurred_on": "2025-06-01"}})

	rows, err := w.env.DB.Read.Raw(`SELECT seq, recorded_at, occurred_on, case_id, case_ref, shelter, actor, actor_role,
		event, from_state, to_state, from_proceedings, to_proceedings, data, note_digest, rules_version, prev_hash, hash
		FROM audit_log ORDER BY seq`).Rows()
	if err != nil {
		t.Fatalf("read audit_log: %v", err)
	}
	var recs []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.Seq, &r.RecordedAt, &r.OccurredOn, &r.CaseID, &r.CaseRef, &r.Shelter, &r.Actor, &r.ActorRole,
			&r.Event, &r.FromState, &r.ToState, &r.FromProceedings, &r.ToProceedings, &r.Data, &r.NoteDigest,
			&r.RulesVersion, &r.PrevHash, &r.Hash); err != nil {
			t.Fatalf("scan audit_log: %v", err)
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("audit_log rows: %v", err)
	}
	rows.Close()

	// 3 default shelters + 7 users of the world + 4 admin acts + 2 cases +
	// 5 events + 1 update + 1 erasure.
	wantEvents := []string{"create_shelter", "create_shelter", "create_shelter"}
	for range 7 {
		wantEvents = append(wantEvents, "create_user")
	}
	wantEvents = append(wantEvents, "create_shelter", "update_shelter", "create_user", "update_user",
		"open_case", "start_reflection", "file_complaint", "file_charges", "award_compensation", "record_penalization",
		"update_case", "open_case", "erase_case")
	var gotEvents []string
	for _, r := range recs {
		gotEvents = append(gotEvents, r.Event)
	}
	if !slices.Equal(gotEvents, wantEvents) {
		t.Fatalf("events in the log:\n got %q\nwant %q", gotEvents, wantEvents)
	}

	timeRe := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$`)
	hexRe := regexp.MustCompile(`^[0-9a-f]{64}$`)
	prev := strings.Repeat("0", 64)
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Errorf("row %d: seq %d, want %d (no gaps, from 1)", i, r.Seq, i+1)
		}
		if r.PrevHash != prev {
			t.Errorf("seq %d: prev_hash %s, want the previous hash %s", r.Seq, r.PrevHash, prev)
		}
		if !timeRe.MatchString(r.RecordedAt) {
			t.Errorf("seq %d: recorded_at %q, want UTC with six fractional digits", r.Seq, r.RecordedAt)
		}
		if r.RulesVersion != eligibility.Version {
			t.Errorf("seq %d: rules_version %q, want %s", r.Seq, r.RulesVersion, eligibility.Version)
		}
		if r.NoteDigest != "" && !hexRe.MatchString(r.NoteDigest) {
			t.Errorf("seq %d: note_digest %q, want hex or empty", r.Seq, r.NoteDigest)
		}
		h, canon, err := chainHash(r)
		if err != nil {
			t.Fatalf("recompute: %v", err)
		}
		if string(canon) != "" && canon[0] != '{' {
			t.Fatalf("seq %d: canonical form %q is not an object", r.Seq, canon)
		}
		if h != r.Hash {
			t.Errorf("seq %d (%s): stored hash %s, recomputed %s from %s", r.Seq, r.Event, r.Hash, h, canon)
		}
		prev = r.Hash
		// No identity and no free text in the chain.
		rowText := strings.ToLower(fmt.Sprint(r))
		for _, secret := range []string{"ngozi", "wéber", "łukasz", "interview", "2001-02-03", "refuge"} {
			if strings.Contains(rowText, secret) {
				t.Errorf("seq %d: the record contains %q, want no identity or free text: %+v", r.Seq, secret, r)
			}
		}
	}
	// Spot-check what the records say.
	byEvent := func(e string) auditRow {
		for _, r := range recs {
			if r.Event == e {
				return r
			}
		}
		t.Fatalf("no %s record", e)
		return auditRow{}
	}
	if r := byEvent("update_case"); r.Data != `{"fields":["alias","exploitation","given_name"]}` {
		t.Errorf("update_case data: got %s, want the names of the changed fields", r.Data)
	}
	if r := byEvent("award_compensation"); r.Data != `{"amount_eur":"111227.00"}` {
		t.Errorf("award_compensation data: got %s, want the amount as a decimal string", r.Data)
	}
	mac := hmac.New(sha256.New, w.env.Keys.NoteDigestKey())
	mac.Write([]byte(note))
	if r, want := byEvent("start_reflection"), hex.EncodeToString(mac.Sum(nil)); r.NoteDigest != want {
		t.Errorf("start_reflection note_digest: got %q, want HMAC-SHA-256 of the note %q", r.NoteDigest, want)
	}
	if r := byEvent("file_charges"); r.Actor != uPayoke2 || r.ActorRole != "supervisor" || r.FromProceedings != "complaint_filed" || r.ToProceedings != "charged" {
		t.Errorf("file_charges: got %+v, want actor sam (supervisor), complaint_filed → charged", r)
	}
	if r := byEvent("create_user"); r.CaseID != "" || r.OccurredOn != "" || r.Data == "" {
		t.Errorf("create_user: got case_id %q occurred_on %q data %q, want administrative record", r.CaseID, r.OccurredOn, r.Data)
	}

	// audit_head and the API agree with the recomputed chain.
	var head struct {
		Seq  int64
		Hash string
	}
	if err := w.env.DB.Read.Raw("SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&head).Error; err != nil {
		t.Fatalf("read audit_head: %v", err)
	}
	last := recs[len(recs)-1]
	if head.Seq != last.Seq || head.Hash != last.Hash {
		t.Errorf("audit_head: got seq %d hash %s, want %d %s", head.Seq, head.Hash, last.Seq, last.Hash)
	}
	v := w.must(req{method: http.MethodGet, path: "/api/v1/audit/verify", token: w.tok[uAuditor]}, http.StatusOK)
	eq("ok", true)(t, v)
	eq("records", len(recs))(t, v)
	eq("head_seq", last.Seq)(t, v)
	eq("head_hash", last.Hash)(t, v)

	// The recomputation is sensitive: any change to a stored field breaks it.
	for _, mutate := range []func(*auditRow){
		func(r *auditRow) { r.Data = `{"amount_eur":"111227.01"}` },
		func(r *auditRow) { r.OccurredOn = "2025-04-02" },
		func(r *auditRow) { r.Seq++ },
		func(r *auditRow) { r.PrevHash = strings.Repeat("0", 64) },
	} {
		r := byEvent("award_compensation")
		mutate(&r)
		if h, _, err := chainHash(r); err == nil && h == byEvent("award_compensation").Hash {
			t.Errorf("a changed record %+v: recomputed the stored hash, want a different one", r)
		}
	}
	// The canonical bytes of a record are exactly what the spec describes.
	r := byEvent("file_charges")
	_, canon, _ := chainHash(r)
	wantPrefix := `{"actor":"sam","actor_role":"supervisor","case_id":"` + id + `","case_ref":"` + r.CaseRef +
		`","data":{"retains_trafficking":true},"event":"file_charges","from_proceedings":"complaint_filed","from_state":"provisional_permit",`
	if !bytes.HasPrefix(canon, []byte(wantPrefix)) {
		t.Errorf("canonical record: got %s, want it to start with %s", canon, wantPrefix)
	}
}

// ---------------------------------------------------------------- throttling

func TestLoginThrottle(t *testing.T) {
	env := apptest.New(t, func(c *config.Config) {
		c.Auth.LoginMaxFailures = 3
		c.Auth.LoginFailureWindow = 15 * time.Minute
	})
	w := &world{t: t, env: env, tok: map[string]string{}}
	env.AddUser(t, uPayoke, "caseworker", "payoke")
	login := func(pw string, hdr map[string]string) *response {
		return w.do(req{method: http.MethodPost, path: "/api/v1/auth/login", header: hdr,
			body: map[string]string{"username": uPayoke, "password": pw}})
	}
	for i := range 5 {
		if r := login(apptest.Password, nil); r.status != http.StatusOK {
			t.Fatalf("successful login %d: got %s, want 200 (successes do not count)", i+1, r)
		}
	}
	for i := range 3 {
		// A client cannot reset its count with forwarding headers.
		hdr := map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", i+1), "X-Real-IP": fmt.Sprintf("198.51.100.%d", i+1)}
		if r := login("wrong password here", hdr); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %s, want 401", i+1, r)
		}
	}
	for _, hdr := range []map[string]string{nil, {"X-Forwarded-For": "192.0.2.200"}, {"X-Real-IP": "192.0.2.201"}} {
		r := login(apptest.Password, hdr)
		if r.status != http.StatusTooManyRequests {
			t.Fatalf("login after 3 failures (headers %v): got %s, want 429", hdr, r)
		}
		isProblem(t, r)
	}
	env.Clock.Advance(15*time.Minute + time.Second)
	if r := login(apptest.Password, nil); r.status != http.StatusOK {
		t.Errorf("login after the window: got %s, want 200", r)
	}
}

// TestLoginThrottlePerIP checks the per-address limit of failed logins on
// its own: every failure names another username, so the per-account limit
// (3) is never reached, and the fifth attempt from one address is refused
// once the per-address limit (4) is. Without trusted proxies the address
// is the peer's, whatever X-Forwarded-For or X-Real-IP say; behind a
// trusted proxy it is the last untrusted address of X-Forwarded-For
// (X-Real-IP is never read).
func TestLoginThrottlePerIP(t *testing.T) {
	type try struct {
		remote   string // the peer's address (RemoteAddr, without the port)
		xff, xri string // X-Forwarded-For and X-Real-IP, "" for none
		user     string // "" logs uPayoke in with the right password
		want     int
	}
	// fails returns n failed logins from remote, each for another unknown
	// username and with other forwarding headers made by hdr.
	fails := func(n int, remote string, hdr func(i int) (xff, xri string)) []try {
		out := make([]try, n)
		for i := range out {
			xff, xri := hdr(i)
			out[i] = try{remote: remote, xff: xff, xri: xri, user: fmt.Sprintf("nobody%d-%s", i, remote), want: http.StatusUnauthorized}
		}
		return out
	}
	spoof := func(i int) (string, string) {
		return fmt.Sprintf("203.0.113.%d", i+1), fmt.Sprintf("198.51.100.%d", i+1)
	}
	tests := []struct {
		name    string
		trusted []string
		tries   []try
	}{
		{name: "no trusted proxies: forwarding headers are ignored",
			tries: append(fails(4, "192.0.2.10", spoof),
				try{remote: "192.0.2.10", xff: "203.0.113.99", want: http.StatusTooManyRequests},
				try{remote: "192.0.2.10", xri: "198.51.100.99", want: http.StatusTooManyRequests},
				try{remote: "192.0.2.10", want: http.StatusTooManyRequests},
				try{remote: "192.0.2.11", xff: "192.0.2.99", want: http.StatusOK}, // another peer
			)},
		{name: "no trusted proxies: a peer on a private network is not a proxy",
			tries: append(fails(4, "10.1.2.3", spoof),
				try{remote: "10.1.2.3", xff: "203.0.113.99", xri: "198.51.100.99", want: http.StatusTooManyRequests},
				try{remote: "10.1.2.4", want: http.StatusOK},
			)},
		{name: "no trusted proxies: a forwarded address is not an identity",
			tries: append(fails(4, "192.0.2.20", func(i int) (string, string) { return "192.0.2.21", "" }),
				try{remote: "192.0.2.21", want: http.StatusOK}, // the address the failures claimed
				try{remote: "192.0.2.20", xff: "192.0.2.21", want: http.StatusTooManyRequests},
			)},
		{name: "trusted proxy: the client's forwarded address counts",
			trusted: []string{"10.0.0.0/8"},
			tries: append(fails(4, "10.0.0.2", func(i int) (string, string) {
				// The client forges the left part; the proxy appends the
				// address it saw. X-Real-IP changes too and is not read.
				return fmt.Sprintf("198.51.100.%d, 203.0.113.7", i+1), fmt.Sprintf("198.51.100.%d", i+1)
			}),
				try{remote: "10.0.0.2", xff: "203.0.113.7", want: http.StatusTooManyRequests},
				try{remote: "10.0.0.3", xff: "192.0.2.1, 203.0.113.7", want: http.StatusTooManyRequests}, // another proxy, same client
				try{remote: "10.0.0.2", xff: "203.0.113.8", want: http.StatusOK},                         // another client behind the proxy
				try{remote: "10.0.0.2", xri: "203.0.113.9", want: http.StatusOK},                         // the proxy itself has no failures
				try{remote: "192.0.2.50", xff: "203.0.113.7", want: http.StatusOK},                       // an untrusted peer's header is ignored
			)},
		{name: "trusted proxy: an untrusted peer, even on a private network, counts by its own address",
			trusted: []string{"10.0.0.0/8"},
			tries: append(fails(4, "192.168.5.5", spoof),
				try{remote: "192.168.5.5", xff: "203.0.113.60", want: http.StatusTooManyRequests},
				try{remote: "10.0.0.2", xff: "203.0.113.1", want: http.StatusOK}, // a spoofed address has no failures
			)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := apptest.New(t, func(c *config.Config) {
				c.Auth.LoginMaxFailures = 3
				c.Auth.LoginMaxFailuresIP = 4
				c.Auth.LoginFailureWindow = 15 * time.Minute
				c.Server.TrustedProxies = tt.trusted
			})
			env.AddUser(t, uPayoke, "caseworker", "payoke")
			for i, try := range tt.tries {
				user, pw := try.user, "wrong password here"
				if user == "" {
					user, pw = uPayoke, apptest.Password
				}
				body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
				r := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
				r.RemoteAddr = try.remote + ":41234"
				r.Header.Set("Content-Type", "application/json")
				if try.xff != "" {
					r.Header.Set("X-Forwarded-For", try.xff)
				}
				if try.xri != "" {
					r.Header.Set("X-Real-IP", try.xri)
				}
				rec := httptest.NewRecorder()
				serveRecorded(t, env.Handler, rec, r)
				if rec.Code != try.want {
					t.Fatalf("attempt %d (%s from %s, X-Forwarded-For %q, X-Real-IP %q): got %d %s, want %d",
						i+1, user, try.remote, try.xff, try.xri, rec.Code, rec.Body, try.want)
				}
			}
		})
	}
}
