package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"gopkg.in/yaml.v3"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/httpapi"
)

// ---------------------------------------------------------------- recording

// exchange is one request sent by the HTTP tests and the answer it got,
// kept so that every answer can be checked against openapi.yaml once the
// tests are done (openapi_validate_test.go).
type exchange struct {
	test      string // the test that sent it
	method    string
	target    string // path and query, as sent
	route     string // the echo route template that matched, "" when none
	reqHeader http.Header
	reqBody   []byte
	status    int
	header    http.Header
	body      []byte
}

// exchangeLog collects exchanges from concurrent tests.
type exchangeLog struct {
	mu   sync.Mutex
	list []exchange
}

func (l *exchangeLog) add(x exchange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, x)
}

func (l *exchangeLog) all() []exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list)
}

// recorded holds every exchange of this test binary's run.
var recorded exchangeLog

// serveRecorded serves r with h into rec and records the exchange. Request
// bodies are kept only for successful answers (those are validated against
// the request schemas too), so a 1 MiB body sent to test 413 is not kept.
func serveRecorded(t *testing.T, h http.Handler, rec *httptest.ResponseRecorder, r *http.Request) {
	t.Helper()
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("read request body: %v", err)
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	h.ServeHTTP(rec, r)
	x := exchange{test: t.Name(), method: r.Method, target: r.URL.RequestURI(), route: routeTemplate(h, r),
		reqHeader: r.Header.Clone(), status: rec.Code, header: rec.Header().Clone(), body: bytes.Clone(rec.Body.Bytes())}
	if rec.Code < 300 {
		x.reqBody = body
	}
	recorded.add(x)
}

// routeTemplate returns the route template ("/api/v1/cases/:id") that the
// echo router matches for r, or "" when h is not an echo router or no
// route matches.
func routeTemplate(h http.Handler, r *http.Request) string {
	e, ok := h.(*echo.Echo)
	if !ok {
		return ""
	}
	c := e.NewContext(r, nil)
	e.Router().Find(r.Method, echo.GetPath(r), c)
	return c.Path()
}

// echoParam matches an echo path parameter.
var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openAPIPath converts an echo route template to an OpenAPI path
// (":id" to "{id}"); ok is false for wildcard routes, which OpenAPI
// cannot express.
func openAPIPath(route string) (string, bool) {
	if strings.Contains(route, "*") {
		return "", false
	}
	return echoParam.ReplaceAllString(route, "{$1}"), true
}

// apiRoute reports whether an echo route belongs to the document: the API
// (/api/...) and the operational endpoints, not the web UI's pages and
// static files.
func apiRoute(path string) bool {
	switch path {
	case "/healthz", "/livez", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/api/")
}

// ---------------------------------------------------------------- the document, read with yaml.v3

// specOperation is what these tests read of an operation.
type specOperation struct {
	Method      string
	Path        string
	OperationID string                 `yaml:"operationId"`
	Summary     string                 `yaml:"summary"`
	Tags        []string               `yaml:"tags"`
	Security    *[]map[string][]string `yaml:"security"`
	Roles       []string               `yaml:"x-roles"`
	RequestBody *struct {
		Content map[string]any `yaml:"content"`
	} `yaml:"requestBody"`
	Responses map[string]specResponse `yaml:"responses"`
}

type specResponse struct {
	Ref     string         `yaml:"$ref"`
	Content map[string]any `yaml:"content"`
}

// public reports whether the operation needs no bearer token.
func (o specOperation) public() bool { return o.Security != nil && len(*o.Security) == 0 }

// loadSpec parses the embedded document and returns its operations,
// sorted by path then method, with response $refs resolved.
func loadSpec(t *testing.T) []specOperation {
	t.Helper()
	var doc struct {
		OpenAPI    string                          `yaml:"openapi"`
		Paths      map[string]map[string]yaml.Node `yaml:"paths"`
		Components struct {
			Responses map[string]specResponse `yaml:"responses"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(httpapi.OpenAPIDocument(), &doc); err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi: got %q, want 3.1.0", doc.OpenAPI)
	}
	var ops []specOperation
	for path, item := range doc.Paths {
		for method, node := range item {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			var op specOperation
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			op.Method, op.Path = strings.ToUpper(method), path
			for status, r := range op.Responses {
				if r.Ref != "" {
					name := strings.TrimPrefix(r.Ref, "#/components/responses/")
					c, ok := doc.Components.Responses[name]
					if !ok {
						t.Fatalf("%s %s response %s: got $ref %s, want a defined response", op.Method, path, status, r.Ref)
					}
					op.Responses[status] = c
				}
			}
			ops = append(ops, op)
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	return ops
}

// ---------------------------------------------------------------- tests

func TestOpenAPIPathConversion(t *testing.T) {
	tests := []struct {
		name  string
		route string
		want  string
		ok    bool
	}{
		{"no parameter", "/api/v1/cases", "/api/v1/cases", true},
		{"one parameter", "/api/v1/cases/:id", "/api/v1/cases/{id}", true},
		{"parameter then segment", "/api/v1/cases/:id/events", "/api/v1/cases/{id}/events", true},
		{"underscore", "/api/v1/users/:user_name", "/api/v1/users/{user_name}", true},
		{"wildcard", "/static/*", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := openAPIPath(tt.route)
			if got != tt.want || ok != tt.ok {
				t.Errorf("openAPIPath(%q): got %q, %v, want %q, %v", tt.route, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestOpenAPIRoutesMatchRouter checks that every route of the router
// (the full application's, web UI included, minus its pages and static
// files) is in the document with the same method, and that every
// operation of the document is routed.
func TestOpenAPIRoutesMatchRouter(t *testing.T) {
	env := apptest.New(t, nil)
	e, ok := env.Handler.(*echo.Echo)
	if !ok {
		t.Fatalf("handler: got %T, want *echo.Echo", env.Handler)
	}
	routed := map[string]bool{}
	for _, r := range e.Routes() {
		if !apiRoute(r.Path) {
			continue
		}
		p, ok := openAPIPath(r.Path)
		if !ok {
			t.Errorf("route %s %s: got a wildcard, want a path OpenAPI can describe", r.Method, r.Path)
			continue
		}
		routed[r.Method+" "+p] = true
	}
	documented := map[string]bool{}
	for _, op := range loadSpec(t) {
		documented[op.Method+" "+op.Path] = true
	}
	if len(routed) < 30 {
		t.Fatalf("routes: got %d API routes, want the whole API (30 or more)", len(routed))
	}
	tests := []struct {
		name       string
		have, want map[string]bool
		where      string
	}{
		{"every route is documented", routed, documented, "registered in the router but missing from openapi.yaml"},
		{"every operation is routed", documented, routed, "in openapi.yaml but not registered in the router"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var missing []string
			for k := range tt.have {
				if !tt.want[k] {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("%s: %s", m, tt.where)
			}
		})
	}
}

// TestOpenAPIConventions checks the rules every operation of the document
// follows (docs/api.md "Conventions" and docs/model.md "Order of checks").
func TestOpenAPIConventions(t *testing.T) {
	allRoles := []string{"caseworker", "supervisor", "auditor", "admin"}
	seenIDs := map[string]string{}
	for _, op := range loadSpec(t) {
		t.Run(op.Method+" "+op.Path, func(t *testing.T) {
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("operationId, summary, tags: got %q, %q, %v, want all set", op.OperationID, op.Summary, op.Tags)
			}
			if other, dup := seenIDs[op.OperationID]; dup {
				t.Errorf("operationId %q: got it also on %s, want it unique", op.OperationID, other)
			}
			seenIDs[op.OperationID] = op.Method + " " + op.Path
			has := func(status string) bool { _, ok := op.Responses[status]; return ok }
			switch {
			case op.public():
				if len(op.Roles) != 0 {
					t.Errorf("x-roles: got %v on a public operation, want none", op.Roles)
				}
			default:
				if !has("401") {
					t.Errorf("responses: got no 401, want one (the operation needs a token)")
				}
				if len(op.Roles) == 0 {
					t.Errorf("x-roles: got none, want the roles allowed")
				}
				for _, r := range op.Roles {
					if !slices.Contains(allRoles, r) {
						t.Errorf("x-roles: got %q, want one of %v", r, allRoles)
					}
				}
				// totpDisable is open to every role but refused to the roles
				// that must keep a second factor; listShelters, to a user
				// who must still enrol one (the other routes open to every
				// role are those he may use).
				gated := op.OperationID == "totpDisable" || op.OperationID == "listShelters"
				if want := len(op.Roles) < len(allRoles) || gated; has("403") != want {
					t.Errorf("403 documented: got %v, want %v (roles %v)", has("403"), want, op.Roles)
				}
			}
			if op.RequestBody != nil {
				for _, s := range []string{"400", "413", "422"} {
					if !has(s) {
						t.Errorf("responses: got no %s, want one (the operation reads a JSON body)", s)
					}
				}
				for ct := range op.RequestBody.Content {
					// Documents are uploaded as multipart/form-data (TestDocuments).
					if ct != "application/json" && !(ct == "multipart/form-data" && op.Path == "/api/v1/cases/{id}/documents") {
						t.Errorf("request content type: got %q, want application/json", ct)
					}
				}
			}
			if strings.Contains(op.Path, "{id}") && !op.public() && !has("404") {
				t.Errorf("responses: got no 404, want one (the path names a resource)")
			}
			for status, r := range op.Responses {
				if status[0] != '4' && status != "500" {
					continue
				}
				var cts []string
				for ct := range r.Content {
					cts = append(cts, ct)
				}
				if len(cts) != 1 || cts[0] != "application/problem+json" {
					t.Errorf("response %s content types: got %v, want [application/problem+json]", status, cts)
				}
			}
		})
	}
}

// TestOpenAPIRoles checks x-roles against the router: each role listed
// passes the role check (the answer is not 401 or 403), each other role
// gets 403. Every answer is also recorded and validated against the
// document like the other tests' answers.
func TestOpenAPIRoles(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Role", "Check", "2025-06-01")
	users := map[string]string{"caseworker": uPayoke, "supervisor": uPayoke2, "auditor": uAuditor, "admin": uAdmin}
	fill := strings.NewReplacer("/cases/{id}", "/cases/"+id, "/shelters/{id}", "/shelters/surya", "{username}", uSurya)
	for _, op := range loadSpec(t) {
		if op.public() {
			continue
		}
		for _, role := range []string{"caseworker", "supervisor", "auditor", "admin"} {
			allowed := slices.Contains(op.Roles, role)
			t.Run(op.Method+" "+op.Path+" as "+role, func(t *testing.T) {
				r := req{method: op.Method, path: fill.Replace(op.Path), token: w.env.Login(t, users[role])}
				if op.RequestBody != nil {
					r.body = map[string]any{}
				}
				got := w.do(r)
				switch {
				case allowed && (got.status == http.StatusForbidden || got.status == http.StatusUnauthorized):
					t.Errorf("%s %s as %s (listed in x-roles): got %s, want past the role check", r.method, r.path, role, got)
				case !allowed && got.status != http.StatusForbidden:
					t.Errorf("%s %s as %s (not in x-roles %v): got %s, want 403", r.method, r.path, role, op.Roles, got)
				}
			})
		}
	}
}

// TestOpenAPICommonErrors provokes, on every operation, the errors that
// the document promises everywhere: 401 without a token, and for those
// that read a body 400 for broken JSON and 413 for a body over the limit
// (sent by a role the operation allows, to an existing resource).
func TestOpenAPICommonErrors(t *testing.T) {
	w := newWorld(t)
	id := w.newCase(uPayoke, "Common", "Errors", "2025-06-01")
	w.event(uPayoke, id, "prove_identity", "2025-06-02", nil)
	seq := strconv.Itoa(w.seqOf(uPayoke, id, "prove_identity"))
	users := map[string]string{"caseworker": uPayoke, "supervisor": uPayoke2, "auditor": uAuditor, "admin": uAdmin}
	fill := strings.NewReplacer("/cases/{id}", "/cases/"+id, "/shelters/{id}", "/shelters/surya", "{username}", uSurya,
		"{seq}", seq)
	tooLarge := `{"x":"` + strings.Repeat("a", mib) + `"}`
	for _, op := range loadSpec(t) {
		path := fill.Replace(op.Path)
		type attempt struct {
			name   string
			body   any
			token  bool
			status int
		}
		var attempts []attempt
		if !op.public() {
			attempts = append(attempts, attempt{"no token", nil, false, http.StatusUnauthorized})
		}
		if op.RequestBody != nil && op.RequestBody.Content["application/json"] != nil {
			attempts = append(attempts, attempt{"broken JSON", `{"a":`, true, http.StatusBadRequest},
				attempt{"body too large", tooLarge, true, http.StatusRequestEntityTooLarge})
		}
		for _, a := range attempts {
			t.Run(op.Method+" "+op.Path+" "+a.name, func(t *testing.T) {
				if _, ok := op.Responses[strconv.Itoa(a.status)]; !ok {
					t.Fatalf("responses: got no %d documented, want one", a.status)
				}
				r := req{method: op.Method, path: path, body: a.body}
				if a.token && !op.public() {
					r.token = w.env.Login(t, users[op.Roles[0]])
				}
				got := w.do(r)
				if got.status != a.status {
					t.Fatalf("%s %s (%s): got %s, want %d", r.method, r.path, a.name, got, a.status)
				}
				isProblem(t, got)
			})
		}
	}
}

// TestOpenAPINonJSONAnswers sends the requests whose answers are not JSON
// (exports, the calendar feed, metrics), so that their content types are
// recorded and checked against the document.
func TestOpenAPINonJSONAnswers(t *testing.T) {
	w := newWorld(t)
	w.newCase(uPayoke, "Feed", "Check", "2025-06-01")
	feed, err := w.env.Auth.NewFeedToken(context.Background(), auth.Actor{Username: uPayoke2, Role: auth.RoleSupervisor, Shelter: "payoke"})
	if err != nil {
		t.Fatalf("new feed token: %v", err)
	}
	aud := w.tok[uAuditor]
	tests := []struct {
		name   string
		path   string
		token  string
		status int
		ctype  string
	}{
		{"audit events json", "/api/v1/audit/events", aud, http.StatusOK, "application/json"},
		{"audit events ndjson", "/api/v1/audit/events?format=ndjson", aud, http.StatusOK, "application/x-ndjson"},
		{"audit events csv", "/api/v1/audit/events?format=csv&from=2025-01-01&to=2025-12-31", aud, http.StatusOK, "text/csv; charset=utf-8"},
		{"audit events of a shelter", "/api/v1/audit/events?shelter=payoke&format=ndjson", aud, http.StatusOK, "application/x-ndjson"},
		{"audit events bad format", "/api/v1/audit/events?format=xml", aud, http.StatusUnprocessableEntity, "application/problem+json"},
		{"access log json", "/api/v1/audit/access", aud, http.StatusOK, "application/json"},
		{"access log ndjson", "/api/v1/audit/access?format=ndjson", aud, http.StatusOK, "application/x-ndjson"},
		{"access log csv", "/api/v1/audit/access?format=csv", aud, http.StatusOK, "text/csv; charset=utf-8"},
		{"access log with a shelter", "/api/v1/audit/access?shelter=payoke", aud, http.StatusUnprocessableEntity, "application/problem+json"},
		{"calendar feed", "/api/v1/deadlines.ics?token=" + feed, "", http.StatusOK, "text/calendar; charset=utf-8"},
		{"calendar feed in French", "/api/v1/deadlines.ics?lang=fr&token=" + feed, "", http.StatusOK, "text/calendar; charset=utf-8"},
		{"calendar feed bad token", "/api/v1/deadlines.ics?token=nope", "", http.StatusUnauthorized, "application/problem+json"},
		{"metrics", "/metrics", apptest.MetricsToken, http.StatusOK, "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.do(req{method: http.MethodGet, path: tt.path, token: tt.token})
			if got.status != tt.status {
				t.Fatalf("GET %s: got %s, want %d", tt.path, got, tt.status)
			}
			if ct := got.header.Get("Content-Type"); ct != tt.ctype {
				t.Errorf("Content-Type: got %q, want %q", ct, tt.ctype)
			}
		})
	}
	t.Run("csv header is the 18 audit fields", func(t *testing.T) {
		got := w.do(req{method: http.MethodGet, path: "/api/v1/audit/events?format=csv", token: aud})
		if got.status != http.StatusOK {
			t.Fatalf("CSV export: got %s, want 200", got)
		}
		header, err := csv.NewReader(bytes.NewReader(got.raw)).Read()
		if err != nil {
			t.Fatalf("read CSV header: %v", err)
		}
		if want := audit.Fields(); !slices.Equal(header, want) {
			t.Errorf("CSV header: got %v, want %v", header, want)
		}
	})
}

// TestOpenAPIDocsEndpoints checks that the document and its page are
// served without a token, with the security headers of every answer.
func TestOpenAPIDocsEndpoints(t *testing.T) {
	w := newWorld(t)
	tests := []struct {
		name     string
		path     string
		ctype    string
		contains []string
		absent   []string
	}{
		{"document", "/api/v1/openapi.yaml", "application/yaml; charset=utf-8",
			[]string{"openapi: 3.1.0", "/api/v1/cases/{id}/events:"}, nil},
		{"page", "/api/docs", "text/html; charset=UTF-8",
			[]string{`<link rel="stylesheet" href="/api/docs/docs.css">`, `id="op-recordEvent"`,
				`<code class="path">/api/v1/cases/{id}/simulate</code>`, `id="schema-AuditRecord"`,
				`href="/api/v1/openapi.yaml"`, "requires bearerAuth — roles: caseworker, supervisor"},
			[]string{"<script", "<style", "style=", "http://", "https://"}},
		{"stylesheet", "/api/docs/docs.css", "text/css; charset=utf-8", []string{".method-get"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := w.do(req{method: http.MethodGet, path: tt.path})
			if got.status != http.StatusOK {
				t.Fatalf("GET %s without a token: got %s, want 200", tt.path, got)
			}
			if ct := got.header.Get("Content-Type"); ct != tt.ctype {
				t.Errorf("Content-Type: got %q, want %q", ct, tt.ctype)
			}
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "no-store",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "no-referrer",
			} {
				if v := got.header.Get(h); v != want {
					t.Errorf("%s: got %q, want %q", h, v, want)
				}
			}
			if csp := got.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy: got %q, want default-src 'self'", csp)
			}
			body := string(got.raw)
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body: got no %q, want it", s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(body, s) {
					t.Errorf("body: got %q, want none", s)
				}
			}
		})
	}
	t.Run("document served is the embedded one", func(t *testing.T) {
		got := w.do(req{method: http.MethodGet, path: "/api/v1/openapi.yaml"})
		if got.status != http.StatusOK {
			t.Fatalf("GET /api/v1/openapi.yaml: got %s, want 200", got)
		}
		if !bytes.Equal(got.raw, httpapi.OpenAPIDocument()) {
			t.Errorf("body: got %d bytes that differ from the embedded document (%d bytes)", len(got.raw), len(httpapi.OpenAPIDocument()))
		}
	})
	t.Run("page lists every operation", func(t *testing.T) {
		got := w.do(req{method: http.MethodGet, path: "/api/docs"})
		if got.status != http.StatusOK {
			t.Fatalf("GET /api/docs: got %s, want 200", got)
		}
		page := string(got.raw)
		for _, op := range loadSpec(t) {
			if !strings.Contains(page, `id="op-`+op.OperationID+`"`) {
				t.Errorf("page: got no section for %s %s (op-%s), want one", op.Method, op.Path, op.OperationID)
			}
		}
	})
}

// TestRenderDocs checks the page generator on small documents: text is
// escaped, schemas keep their key order, references link to the schemas.
func TestRenderDocs(t *testing.T) {
	const doc = `openapi: 3.1.0
info:
  title: T <b>bold</b>
  version: '1'
  description: |
    Uses ` + "`as_of`" + ` and **strong** words.

    <script>alert(1)</script> & more.
tags:
  - name: Things
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      tags: [Things]
      operationId: getThing
      summary: Get a <thing>
      x-roles: [caseworker]
      parameters:
        - {name: q, in: query, description: 'A "query"', schema: {type: integer, minimum: 1}}
      responses:
        '200':
          description: The thing.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        '404': {$ref: '#/components/responses/NotFound'}
components:
  responses:
    NotFound:
      description: No such thing.
  schemas:
    Thing:
      type: object
      required: [zeta, alpha]
      properties:
        zeta: {type: string}
        alpha: {type: [string, 'null']}
`
	page, err := httpapi.RenderDocs([]byte(doc))
	if err != nil {
		t.Fatalf("RenderDocs: %v", err)
	}
	html := string(page)
	tests := []struct {
		name string
		want string
		in   bool
	}{
		{"title escaped", "T &lt;b&gt;bold&lt;/b&gt;", true},
		{"no raw tag from the title", "<b>bold</b>", false},
		{"script escaped", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more.", true},
		{"no script", "<script>", false},
		{"code", "Uses <code>as_of</code> and <strong>strong</strong> words.", true},
		{"summary escaped", "Get a &lt;thing&gt;", true},
		{"path parameter of the path item", "<code>id</code> <span class=\"required\">required</span>", true},
		{"query parameter schema on one line", "<code>{&#34;type&#34;: &#34;integer&#34;, &#34;minimum&#34;: 1}</code>", true},
		{"parameter description", "A &#34;query&#34;", true},
		{"roles", "requires bearerAuth — roles: caseworker", false},
		{"public when no security", "public (no token)", true},
		{"response reference resolved", "<p>No such thing.</p>", true},
		{"link to the schema", `<a href="#schema-Thing">Thing</a>`, true},
		{"schema keeps key order", "&#34;required&#34;: [&#34;zeta&#34;, &#34;alpha&#34;],\n  &#34;properties&#34;: {\n    &#34;zeta&#34;", true},
		{"type array", "&#34;type&#34;: [&#34;string&#34;, null]", false},
		{"type array as strings", "&#34;type&#34;: [&#34;string&#34;, &#34;null&#34;]", true},
		{"operation anchor", `id="op-getThing"`, true},
		{"referenced schema shown in the response", "<details><summary>Schema</summary><pre>{\n  &#34;type&#34;: &#34;object&#34;,", true},
		{"small objects on one line", "&#34;zeta&#34;: {&#34;type&#34;: &#34;string&#34;}", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(html, tt.want); got != tt.in {
				t.Errorf("page contains %q: got %v, want %v", tt.want, got, tt.in)
			}
		})
	}
	t.Run("not an OpenAPI 3 document", func(t *testing.T) {
		if _, err := httpapi.RenderDocs([]byte("swagger: '2.0'\n")); err == nil {
			t.Errorf("RenderDocs(swagger 2.0): got no error, want one")
		}
	})
	t.Run("unknown response reference", func(t *testing.T) {
		bad := strings.Replace(doc, "#/components/responses/NotFound", "#/components/responses/Gone", 1)
		if _, err := httpapi.RenderDocs([]byte(bad)); err == nil || !strings.Contains(err.Error(), "Gone") {
			t.Errorf("RenderDocs(unknown $ref): got %v, want an error naming Gone", err)
		}
	})
}
