package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
)

// The users of a standard world (see newWorld).
const (
	uAdmin   = "root"
	uPayoke  = "ana" // caseworker, payoke
	uPayoke2 = "sam" // supervisor, payoke
	uPagAsa  = "ben" // caseworker, pag-asa
	uPagSup  = "pia" // supervisor, pag-asa
	uAuditor = "aud" // auditor, no shelter
	uSurya   = "sol" // caseworker, surya
	today    = "2025-06-15"
	mib      = 1 << 20
)

// world is a casemgr under test with the standard users logged in.
type world struct {
	t   *testing.T
	env *apptest.Env
	tok map[string]string
}

// newWorld builds a fresh casemgr (clock at 2025-06-15) with one user per
// role and shelter, each logged in.
func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, nil)
}

// fourEyes turns on separation of duties among admins (auth.four_eyes).
func fourEyes(c *config.Config) { c.Auth.FourEyes = true }

// newWorldWith is newWorld with the configuration changed by mutate.
func newWorldWith(t *testing.T, mutate func(*config.Config)) *world {
	t.Helper()
	env := apptest.New(t, mutate)
	w := &world{t: t, env: env, tok: map[string]string{}}
	users := []struct {
		name    string
		role    auth.Role
		shelter string
	}{
		{uAdmin, auth.RoleAdmin, ""},
		{uPayoke, auth.RoleCaseworker, "payoke"},
		{uPayoke2, auth.RoleSupervisor, "payoke"},
		{uPagAsa, auth.RoleCaseworker, "pag-asa"},
		{uPagSup, auth.RoleSupervisor, "pag-asa"},
		{uAuditor, auth.RoleAuditor, ""},
		{uSurya, auth.RoleCaseworker, "surya"},
	}
	for _, u := range users {
		env.AddUser(t, u.name, u.role, u.shelter)
		w.tok[u.name] = env.Login(t, u.name)
	}
	return w
}

// response is a recorded answer with its body decoded.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   any // decoded JSON (numbers as json.Number), nil if not JSON
}

// req describes one request.
type req struct {
	method string
	path   string
	token  string            // bearer token; "" sends no Authorization header
	auth   *string           // raw Authorization header, overrides token
	body   any               // nil: no body; string or []byte: sent as is; else JSON-encoded
	header map[string]string // extra headers
	// unsized hides the body's length (ContentLength -1), as a chunked upload.
	unsized bool
}

// do sends r to the router and records the answer.
func (w *world) do(r req) *response {
	w.t.Helper()
	return send(w.t, w.env.Handler, r)
}

func send(t *testing.T, h http.Handler, r req) *response {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode request body: %v", err)
		}
		body = bytes.NewReader(enc)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.unsized && body != nil {
		hr.Body = io.NopCloser(body)
		hr.ContentLength = -1
	}
	switch {
	case r.auth != nil:
		hr.Header.Set("Authorization", *r.auth)
	case r.token != "":
		hr.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	serveRecorded(t, h, rec, hr) // h.ServeHTTP, and keeps the exchange for the OpenAPI check
	out := &response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
	if len(bytes.TrimSpace(out.raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(out.raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err == nil {
			out.body = v
		}
	}
	return out
}

func (r *response) String() string {
	s := string(r.raw)
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return fmt.Sprintf("%d %s", r.status, s)
}

// get returns the value at a dotted path ("victim.eu_citizen",
// "deadlines.0.kind"); ok is false when the path does not exist.
func (r *response) get(path string) (any, bool) { return lookupPath(r.body, path) }

func lookupPath(v any, path string) (any, bool) {
	if path == "" || path == "." {
		return v, true
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			nv, ok := x[part]
			if !ok {
				return nil, false
			}
			v = nv
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// str returns the string at path, or fails the test.
func (r *response) str(t *testing.T, path string) string {
	t.Helper()
	v, ok := r.get(path)
	s, isStr := v.(string)
	if !ok || !isStr {
		t.Fatalf("%s: got %v (present %v), want a string; answer %s", path, v, ok, r)
	}
	return s
}

// num returns the integer at path, or fails the test.
func (r *response) num(t *testing.T, path string) int {
	t.Helper()
	v, ok := r.get(path)
	n, isNum := v.(json.Number)
	if !ok || !isNum {
		t.Fatalf("%s: got %v (present %v), want a number; answer %s", path, v, ok, r)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%s: got %v, want an integer", path, n)
	}
	return int(i)
}

// arr returns the array at path, or fails the test.
func (r *response) arr(t *testing.T, path string) []any {
	t.Helper()
	v, ok := r.get(path)
	a, isArr := v.([]any)
	if !ok || !isArr {
		t.Fatalf("%s: got %v (present %v), want an array; answer %s", path, v, ok, r)
	}
	return a
}

// strs returns the array of strings at path.
func (r *response) strs(t *testing.T, path string) []string {
	t.Helper()
	a := r.arr(t, path)
	out := make([]string, len(a))
	for i, v := range a {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("%s.%d: got %v, want a string", path, i, v)
		}
		out[i] = s
	}
	return out
}

// fieldNames returns the fields named in a problem's errors.
func (r *response) fieldNames() []string {
	var out []string
	errs, _ := r.get("errors")
	list, _ := errs.([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if f, ok := m["field"].(string); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// check asserts something about an answer.
type check func(t *testing.T, r *response)

// jsonEq compares two values by their JSON encoding, so that json.Number
// 1 equals int 1 and "1" does not.
func jsonEq(got, want any) bool {
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	return err1 == nil && err2 == nil && bytes.Equal(g, w)
}

// eq checks that the value at path equals want.
func eq(path string, want any) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		got, ok := r.get(path)
		if !ok {
			t.Errorf("%s: missing, want %v; answer %s", path, want, r)
			return
		}
		if !jsonEq(got, want) {
			t.Errorf("%s: got %s, want %s", path, short(got), short(want))
		}
	}
}

// eqNRMDeadlines checks the NRM deadlines of a case answer: its
// "deadlines" less those of kind "flag" (the due dates flags carry,
// checked by the casework tests), which most cases have (R27).
func eqNRMDeadlines(want any) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		got, ok := r.get("deadlines")
		if !ok {
			t.Errorf("deadlines: missing, want %v; answer %s", want, r)
			return
		}
		got = withoutFlagDeadlines(got)
		if !jsonEq(got, want) {
			t.Errorf("deadlines: got %s, want %s", short(got), short(want))
		}
	}
}

// withoutFlagDeadlines drops the items of kind "flag" from a JSON array.
func withoutFlagDeadlines(v any) any {
	items, ok := v.([]any)
	if !ok {
		return v
	}
	out := []any{}
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && m["kind"] == "flag" {
			continue
		}
		out = append(out, it)
	}
	return out
}

// absent checks that path does not exist.
func absent(path string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		if v, ok := r.get(path); ok {
			t.Errorf("%s: got %v, want no such member", path, v)
		}
	}
}

// isArray checks that path holds an array (possibly empty).
func isArray(path string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		if v, ok := r.get(path); !ok || reflect.TypeOf(v) != reflect.TypeOf([]any{}) {
			t.Errorf("%s: got %v, want an array", path, v)
		}
	}
}

// nonEmptyString checks that path holds a non-empty string.
func nonEmptyString(path string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		v, _ := r.get(path)
		if s, ok := v.(string); !ok || s == "" {
			t.Errorf("%s: got %v, want a non-empty string", path, v)
		}
	}
}

// fieldErr checks that the problem's errors name field.
func fieldErr(field string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		if got := r.fieldNames(); !slices.Contains(got, field) {
			t.Errorf("errors fields: got %q, want to contain %q; answer %s", got, field, r)
		}
	}
}

// onlyFieldErrs checks that the problem's errors name exactly these fields.
func onlyFieldErrs(fields ...string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		got := slices.Clone(r.fieldNames())
		want := slices.Clone(fields)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("errors fields: got %q, want %q; answer %s", got, want, r)
		}
	}
}

// detailContains checks the problem's detail.
func detailContains(sub string) check {
	return func(t *testing.T, r *response) {
		t.Helper()
		d, _ := r.get("detail")
		if s, _ := d.(string); !strings.Contains(s, sub) {
			t.Errorf("detail: got %q, want it to contain %q", s, sub)
		}
	}
}

// problemType checks the problem's type member.
func problemType(want string) check { return eq("type", want) }

// isProblem checks the RFC 9457 shape of an error answer.
func isProblem(t *testing.T, r *response) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type: got %q, want application/problem+json", ct)
	}
	m, ok := r.body.(map[string]any)
	if !ok {
		t.Fatalf("problem body: got %q, want a JSON object", r.raw)
	}
	for _, k := range []string{"type", "title", "detail"} {
		if s, ok := m[k].(string); !ok || s == "" {
			t.Errorf("problem %s: got %v, want a non-empty string", k, m[k])
		}
	}
	if st, ok := m["status"].(json.Number); !ok || st.String() != strconv.Itoa(r.status) {
		t.Errorf("problem status: got %v, want %d (the HTTP status)", m["status"], r.status)
	}
	if _, ok := m["errors"].([]any); !ok {
		t.Errorf("problem errors: got %v, want an array", m["errors"])
	}
}

// scenario is one row of a table of requests (pocketbase tests/api.go
// style).
type scenario struct {
	name   string
	req    req
	status int
	checks []check
}

// run runs the scenarios as subtests.
func (w *world) run(t *testing.T, table []scenario) {
	t.Helper()
	for _, sc := range table {
		t.Run(sc.name, func(t *testing.T) {
			r := send(t, w.env.Handler, sc.req)
			if r.status != sc.status {
				t.Fatalf("%s %s: got status %d, want %d; answer %s", sc.req.method, sc.req.path, r.status, sc.status, r)
			}
			if r.status >= 400 {
				isProblem(t, r)
			}
			if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options: got %q, want nosniff", got)
			}
			for _, c := range sc.checks {
				c(t, r)
			}
		})
	}
}

// must sends r and fails the test unless the status is want.
func (w *world) must(r req, want int) *response {
	w.t.Helper()
	out := w.do(r)
	if out.status != want {
		w.t.Fatalf("%s %s: got status %d, want %d; answer %s", r.method, r.path, out.status, want, out)
	}
	return out
}

// victim returns a victim object for a new case.
func victim(given, family, nationality, dob string) map[string]any {
	v := map[string]any{"given_name": given, "family_name": family, "gender": "female", "nationality": nationality}
	if dob != "" {
		v["date_of_birth"] = dob
	}
	return v
}

// caseBody returns a valid body for POST /cases.
func caseBody(given, family, nationality, dob, identifiedOn string) map[string]any {
	return map[string]any{
		"victim":        victim(given, family, nationality, dob),
		"exploitation":  []string{"sexual"},
		"identified_on": identifiedOn,
		"identified_by": "police",
	}
}

// createCase creates a case as user and returns the answer.
func (w *world) createCase(user string, body map[string]any) *response {
	w.t.Helper()
	return w.must(req{method: http.MethodPost, path: "/api/v1/cases", token: w.tok[user], body: body}, http.StatusCreated)
}

// newCase creates an adult Nigerian victim's case and returns its id.
func (w *world) newCase(user, given, family, identifiedOn string) string {
	w.t.Helper()
	r := w.createCase(user, caseBody(given, family, "NG", "1995-01-01", identifiedOn))
	return r.str(w.t, "id")
}

// event records an event as user and fails unless it is accepted.
func (w *world) event(user, id, typ, on string, extra map[string]any) *response {
	w.t.Helper()
	body := map[string]any{"type": typ, "occurred_on": on}
	for k, v := range extra {
		body[k] = v
	}
	return w.must(req{method: http.MethodPost, path: "/api/v1/cases/" + id + "/events", token: w.tok[user], body: body}, http.StatusOK)
}

// getCase reads a case as user.
func (w *world) getCase(user, id string) *response {
	w.t.Helper()
	return w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id, token: w.tok[user]}, http.StatusOK)
}

// historyLen returns how many records the case's history holds.
func (w *world) historyLen(user, id string) int {
	w.t.Helper()
	r := w.must(req{method: http.MethodGet, path: "/api/v1/cases/" + id + "/events", token: w.tok[user]}, http.StatusOK)
	return len(r.arr(w.t, "items"))
}

// auditCount returns the number of rows in audit_log.
func (w *world) auditCount() int64 {
	w.t.Helper()
	var n int64
	if err := w.env.DB.Read.Raw("SELECT COUNT(*) FROM audit_log").Scan(&n).Error; err != nil {
		w.t.Fatalf("count audit_log: %v", err)
	}
	return n
}

// login logs in through the API and returns the answer.
func (w *world) login(username, password string) *response {
	w.t.Helper()
	return w.do(req{method: http.MethodPost, path: "/api/v1/auth/login",
		body: map[string]string{"username": username, "password": password}})
}

// findByKey returns the element of the array at path whose member key
// equals value.
func findByKey(t *testing.T, r *response, path, key, value string) map[string]any {
	t.Helper()
	for _, v := range r.arr(t, path) {
		if m, ok := v.(map[string]any); ok && m[key] == value {
			return m
		}
	}
	return nil
}

// ptr returns a pointer to s.
func ptr(s string) *string { return &s }

// short returns v as JSON, cut to a readable length for failure messages.
func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}
