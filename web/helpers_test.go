package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/config"
)

// env is a casemgr under test with one user of each role: ana
// (caseworker, payoke), sam (supervisor, payoke), bob (caseworker,
// pag-asa), aud (auditor), adm (admin).
type env struct {
	*apptest.Env
	actors map[string]auth.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the configuration changed by mutate.
func newEnvWith(t *testing.T, mutate func(*config.Config)) *env {
	t.Helper()
	e := &env{Env: apptest.New(t, mutate), actors: map[string]auth.Actor{}}
	for _, u := range []struct {
		name    string
		role    auth.Role
		shelter string
	}{
		{"ana", auth.RoleCaseworker, "payoke"},
		{"sam", auth.RoleSupervisor, "payoke"},
		{"bob", auth.RoleCaseworker, "pag-asa"},
		{"aud", auth.RoleAuditor, ""},
		{"adm", auth.RoleAdmin, ""},
	} {
		e.actors[u.name] = e.AddUser(t, u.name, u.role, u.shelter)
	}
	return e
}

// newCase opens a case for a user through the service.
func (e *env) newCase(t *testing.T, user, given, family, nationality string) cases.Case {
	t.Helper()
	c, err := e.Cases.Create(context.Background(), e.actors[user], cases.NewCase{
		Victim:       cases.VictimInput{GivenName: given, FamilyName: family, Gender: "female", Nationality: nationality},
		Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
	})
	if err != nil {
		t.Fatalf("create case: %v", err)
	}
	return c
}

// browser sends requests to the router the way a browser would: it keeps
// cookies and reads the CSRF token of the last page.
type browser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]*http.Cookie
	header  http.Header
	csrf    string
}

func (e *env) browser(t *testing.T) *browser {
	return &browser{t: t, h: e.Handler, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

// response is an answer with its body read.
type response struct {
	Code   int
	Header http.Header
	Body   string
	Res    *http.Response
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	for k, v := range b.header {
		req.Header[k] = v
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if m := csrfPattern.FindStringSubmatch(string(body)); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return response{Code: res.StatusCode, Header: res.Header, Body: string(body), Res: res}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form; the CSRF token of the last page is added unless the
// form has a csrf field already.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form = cloneForm(form)
		form.Set("csrf", b.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// login logs the browser in as user and returns the answer of the login
// form (a redirect to the role's home page).
func (b *browser) login(user string) response {
	b.t.Helper()
	if r := b.get("/login"); r.Code != http.StatusOK {
		b.t.Fatalf("GET /login: got %d, want 200", r.Code)
	}
	r := b.post("/login", url.Values{"username": {user}, "password": {apptest.Password}})
	if r.Code != http.StatusSeeOther {
		b.t.Fatalf("login %s: got %d, want 303; body:\n%s", user, r.Code, r.Body)
	}
	b.get(r.Header.Get("Location")) // load a page to learn the session's CSRF token
	return r
}

// loggedIn returns a browser logged in as user.
func (e *env) loggedIn(t *testing.T, user string) *browser {
	t.Helper()
	b := e.browser(t)
	b.login(user)
	return b
}

// countRows counts the rows of a table.
func (e *env) countRows(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := e.DB.Read.Table(table).Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func eventInput(typ, on string) cases.EventInput {
	return cases.EventInput{Type: typ, OccurredOn: on}
}

var labelAttr = regexp.MustCompile(` data-label="[^"]*"`)

// noLabels removes the data-label attributes of table cells (the column
// names that the phone layout shows on each card), for tests that match
// a row's markup.
func noLabels(s string) string { return labelAttr.ReplaceAllString(s, "") }
