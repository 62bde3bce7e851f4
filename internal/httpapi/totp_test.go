package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
)

// totpWorld is a casemgr whose admins and auditors must have a second
// factor, as in production (apptest turns it off for the other tests).
func totpWorld(t *testing.T, mutate func(*config.Config)) *world {
	t.Helper()
	env := apptest.New(t, func(c *config.Config) {
		c.Auth.TOTPRequiredRoles = []string{"admin", "auditor"}
		if mutate != nil {
			mutate(c)
		}
	})
	return &world{t: t, env: env, tok: map[string]string{}}
}

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTOTPEnrolAndLogin walks a caseworker, who may enrol voluntarily,
// through enrolment, logins with and without codes, replay, recovery
// codes and disabling.
func TestTOTPEnrolAndLogin(t *testing.T) {
	w := totpWorld(t, nil)
	env := w.env
	env.AddUser(t, uPayoke, auth.RoleCaseworker, "payoke")
	tok := env.Login(t, uPayoke)
	login := func(extra map[string]string) *response {
		body := map[string]string{"username": uPayoke, "password": apptest.Password}
		for k, v := range extra {
			body[k] = v
		}
		return w.do(req{method: http.MethodPost, path: "/api/v1/auth/login", body: body})
	}

	en := w.must(req{method: http.MethodPost, path: "/api/v1/auth/totp/enroll", token: tok}, http.StatusCreated)
	secret := en.str(t, "secret")
	if uri := en.str(t, "otpauth_uri"); !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
		t.Fatalf("otpauth_uri: got %q, want an otpauth://totp/ URI with the secret", uri)
	}
	// Pending: logins still need no code.
	if r := login(nil); r.status != http.StatusOK {
		t.Fatalf("login with a pending enrolment: got %s, want 200", r)
	}
	// The secret is stored sealed: neither its base32 nor its bytes appear.
	var stored []byte
	if err := env.DB.Read.Raw("SELECT secret FROM user_totp WHERE username = ?", uPayoke).Row().Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) == 0 || strings.Contains(string(stored), secret) || strings.Contains(strings.ToUpper(string(stored)), secret) {
		t.Fatalf("user_totp.secret holds the secret in clear (%d bytes)", len(stored))
	}

	now := env.Clock.Now()
	wrong := codeAt(t, secret, now.Add(10*time.Minute))
	w.must(req{method: http.MethodPost, path: "/api/v1/auth/totp/confirm", token: tok, body: map[string]string{"code": wrong}},
		http.StatusUnprocessableEntity)
	cf := w.must(req{method: http.MethodPost, path: "/api/v1/auth/totp/confirm", token: tok,
		body: map[string]string{"code": codeAt(t, secret, now)}}, http.StatusOK)
	recovery := cf.strs(t, "recovery_codes")
	if len(recovery) != 10 {
		t.Fatalf("recovery codes: got %d, want 10", len(recovery))
	}
	st := w.must(req{method: http.MethodGet, path: "/api/v1/auth/totp", token: tok}, http.StatusOK)
	if v, _ := st.get("enrolled"); v != true {
		t.Errorf("GET /auth/totp after confirming: got %s, want enrolled", st)
	}
	env.Clock.Advance(30 * time.Second)

	r := login(nil)
	if r.status != http.StatusUnauthorized || r.str(t, "type") != "urn:casemgr:problem:unauthorized" {
		t.Fatalf("login without a code: got %s, want 401 unauthorized", r)
	}
	if v, _ := r.get("totp_required"); v != true {
		t.Fatalf("login without a code: got %s, want totp_required true", r)
	}
	code := codeAt(t, secret, env.Clock.Now())
	r = w.do(req{method: http.MethodPost, path: "/api/v1/auth/login",
		body: map[string]string{"username": uPayoke, "password": "not the password at all", "totp_code": code}})
	if _, has := r.get("totp_required"); r.status != http.StatusUnauthorized || has {
		t.Fatalf("wrong password with a code: got %s, want 401 without totp_required", r)
	}
	if r := login(map[string]string{"totp_code": wrong}); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: got %s, want 401", r)
	} else if _, has := r.get("totp_required"); has {
		t.Errorf("wrong code: got %s, want no totp_required", r)
	}
	if r := login(map[string]string{"totp_code": code}); r.status != http.StatusOK {
		t.Fatalf("right code: got %s, want 200", r)
	}
	if r := login(map[string]string{"totp_code": code}); r.status != http.StatusUnauthorized {
		t.Fatalf("the same code again (replay): got %s, want 401", r)
	}
	// The code of the step before, already past, is refused too: steps only move forward.
	if r := login(map[string]string{"totp_code": codeAt(t, secret, env.Clock.Now().Add(-30*time.Second))}); r.status != http.StatusUnauthorized {
		t.Fatalf("an older code after a newer one: got %s, want 401", r)
	}
	rc := strings.ToLower(recovery[3][:5]) + "-" + recovery[3][5:] // typed in lower case, with a dash
	if r := login(map[string]string{"recovery_code": rc}); r.status != http.StatusOK {
		t.Fatalf("recovery code: got %s, want 200", r)
	}
	if r := login(map[string]string{"recovery_code": recovery[3]}); r.status != http.StatusUnauthorized {
		t.Fatalf("the same recovery code again: got %s, want 401", r)
	}

	// Disabling needs a current code; afterwards the password alone works.
	env.Clock.Advance(30 * time.Second)
	tok = w.must(req{method: http.MethodPost, path: "/api/v1/auth/login",
		body: map[string]string{"username": uPayoke, "password": apptest.Password, "totp_code": codeAt(t, secret, env.Clock.Now())}},
		http.StatusOK).str(t, "access_token")
	w.must(req{method: http.MethodPost, path: "/api/v1/auth/totp/disable", token: tok, body: map[string]string{"code": wrong}},
		http.StatusUnprocessableEntity)
	env.Clock.Advance(30 * time.Second)
	w.must(req{method: http.MethodPost, path: "/api/v1/auth/totp/disable", token: tok,
		body: map[string]string{"code": codeAt(t, secret, env.Clock.Now())}}, http.StatusNoContent)
	if r := login(nil); r.status != http.StatusOK {
		t.Fatalf("login after disabling: got %s, want 200", r)
	}
}

// TestTOTPRequiredRoles: an auditor or admin without a second factor can
// log in, see who he is and enrol, and nothing else until he confirms;
// he cannot disable it afterwards.
func TestTOTPRequiredRoles(t *testing.T) {
	w := totpWorld(t, nil)
	env := w.env
	env.AddUser(t, uAuditor, auth.RoleAuditor, "")
	env.AddUser(t, uAdmin, auth.RoleAdmin, "")
	aud, adm := env.Login(t, uAuditor), env.Login(t, uAdmin)

	for _, c := range []struct {
		tok, method, path string
		body              any
	}{
		{aud, http.MethodGet, "/api/v1/audit/events", nil},
		{aud, http.MethodGet, "/api/v1/shelters", nil},
		{adm, http.MethodGet, "/api/v1/users", nil},
		{adm, http.MethodPost, "/api/v1/users", map[string]any{"username": "otto", "password": "a long enough passphrase 42", "role": "auditor"}},
	} {
		r := w.do(req{method: c.method, path: c.path, token: c.tok, body: c.body})
		if r.status != http.StatusForbidden || r.str(t, "detail") != "enrol a second factor first" {
			t.Errorf("%s %s before enrolling: got %s, want 403 enrol a second factor first", c.method, c.path, r)
		}
	}
	w.must(req{method: http.MethodGet, path: "/api/v1/me", token: aud}, http.StatusOK)
	st := w.must(req{method: http.MethodGet, path: "/api/v1/auth/totp", token: aud}, http.StatusOK)
	if v, _ := st.get("required"); v != true {
		t.Errorf("GET /auth/totp of an auditor: got %s, want required", st)
	}
	secret := w.must(req{method: http.MethodPost, path: "/api/v1/auth/totp/enroll", token: aud}, http.StatusCreated).str(t, "secret")
	w.must(req{method: http.MethodGet, path: "/api/v1/audit/events", token: aud}, http.StatusForbidden) // pending is not enough
	w.must(req{method: http.MethodPost, path: "/api/v1/auth/totp/confirm", token: aud,
		body: map[string]string{"code": codeAt(t, secret, env.Clock.Now())}}, http.StatusOK)
	w.must(req{method: http.MethodGet, path: "/api/v1/audit/events", token: aud}, http.StatusOK)
	env.Clock.Advance(30 * time.Second)
	r := w.do(req{method: http.MethodPost, path: "/api/v1/auth/totp/disable", token: aud,
		body: map[string]string{"code": codeAt(t, secret, env.Clock.Now())}})
	if r.status != http.StatusForbidden {
		t.Errorf("an auditor disabling his second factor: got %s, want 403", r)
	}
	w.must(req{method: http.MethodPost, path: "/api/v1/auth/logout", token: adm}, http.StatusNoContent)
}

// TestTOTPCodesAreThrottled: wrong codes count like wrong passwords, so
// a burst of guessed codes with the right password is cut off with 429.
func TestTOTPCodesAreThrottled(t *testing.T) {
	w := totpWorld(t, func(c *config.Config) {
		c.Auth.LoginMaxFailures, c.Auth.LoginMaxFailuresIP, c.Auth.LoginMaxFailuresAccount = 5, 50, 100
	})
	env := w.env
	a := env.AddUser(t, uPayoke, auth.RoleCaseworker, "payoke")
	secret, _ := env.EnrolTOTP(t, a)
	right := env.TOTPCode(t, secret)
	bodies := make([]map[string]string, 40)
	for i := range bodies {
		guess := "000000"
		if guess == right {
			guess = "111111"
		}
		bodies[i] = map[string]string{"username": uPayoke, "password": apptest.Password, "totp_code": guess}
	}
	count := map[int]int{}
	for i, r := range burst(t, env.Handler, bodies) {
		count[r.status]++
		if r.status != http.StatusUnauthorized && r.status != http.StatusTooManyRequests {
			t.Errorf("answer %d: got %s, want 401 or 429", i, r)
		}
	}
	if count[http.StatusUnauthorized] > 5 || count[http.StatusTooManyRequests] == 0 {
		t.Errorf("40 parallel wrong codes: %v, want at most 5 tried and the others 429", count)
	}
}
