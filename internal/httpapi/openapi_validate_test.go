// The tests here validate the OpenAPI document with kin-openapi and check
// every response recorded by the HTTP scenario tests against it.

package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/casemgr/casemgr/internal/httpapi"
)

// TestMain runs the tests, then validates every answer they recorded
// against openapi.yaml: status, content type, headers and body schema, and
// for successful answers the request too (parameters and body).
func TestMain(m *testing.M) {
	code := m.Run()
	rep, err := validateRecorded(context.Background(), recorded.all())
	if err != nil {
		fmt.Fprintf(os.Stderr, "openapi: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stdout, rep.summary())
	if testing.Verbose() {
		for _, u := range rep.unseen {
			fmt.Fprintln(os.Stdout, "openapi: documented but not seen in the tests: "+u)
		}
	}
	if len(rep.failures) > 0 {
		fmt.Fprintf(os.Stderr, "openapi: %d recorded exchanges do not match openapi.yaml:\n", len(rep.failures))
		for i, f := range rep.failures {
			if i == 50 {
				fmt.Fprintf(os.Stderr, "… and %d more\n", len(rep.failures)-50)
				break
			}
			fmt.Fprintln(os.Stderr, "  "+f)
		}
		code = 1
	}
	os.Exit(code)
}

// loadOpenAPI loads and validates the embedded document with kin-openapi.
func loadOpenAPI(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(httpapi.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate openapi.yaml: %w", err)
	}
	return doc, nil
}

// ndjsonSchemas names the schema of each line of the NDJSON exports.
var ndjsonSchemas = map[string]string{
	"/api/v1/audit/events":       "AuditRecord",
	"/api/v1/audit/access":       "AccessEntry",
	"/api/v1/reports/anonymized": "AnonymizedLine",
}

// validation is the outcome of validateRecorded.
type validation struct {
	responses   int            // answers validated against an operation
	requests    int            // successful requests validated too
	lines       int            // NDJSON lines validated
	outside     int            // answers of no documented operation (404/405 of the router, web pages)
	byStatus    map[int]int    // validated answers per status
	operations  map[string]int // validated answers per operation
	unexercised []string       // documented operations no test called
	unseen      []string       // documented statuses no test saw, per operation
	failures    []string
}

func (v validation) summary() string {
	var st []string
	keys := make([]int, 0, len(v.byStatus))
	for k := range v.byStatus {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		st = append(st, fmt.Sprintf("%d×%d", k, v.byStatus[k]))
	}
	s := fmt.Sprintf("openapi: validated %d responses of %d operations (%s), %d successful requests, %d NDJSON lines; %d answers outside the document",
		v.responses, len(v.operations), strings.Join(st, " "), v.requests, v.lines, v.outside)
	if len(v.unexercised) > 0 {
		s += "; not exercised: " + strings.Join(v.unexercised, ", ")
	}
	return s
}

// validateRecorded validates each exchange against the operation of its
// route. An exchange whose route is not in the document must be an error
// of the router (404 unknown path, 405 method) or a web UI page.
func validateRecorded(ctx context.Context, xs []exchange) (validation, error) {
	doc, err := loadOpenAPI(ctx)
	if err != nil {
		return validation{}, err
	}
	// kin-openapi decodes JSON, CSV and text/plain bodies only; the other
	// text answers are validated as strings (their content type is what
	// the document promises; NDJSON lines are checked one by one below).
	for _, ct := range []string{"application/x-ndjson", "text/calendar", "text/html", "text/css"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	// The csv-be reports (a byte order mark, semicolons, decimal commas)
	// are not comma CSV: validated as strings.
	openapi3filter.RegisterBodyDecoder("text/csv", func(body io.Reader, h http.Header, schema *openapi3.SchemaRef, enc openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(b, []byte("\ufeff")) {
			return openapi3filter.PlainBodyDecoder(bytes.NewReader(b), h, schema, enc)
		}
		return openapi3filter.CsvBodyDecoder(bytes.NewReader(b), h, schema, enc)
	})
	v := validation{byStatus: map[int]int{}, operations: map[string]int{}}
	seen := map[string]bool{}
	for _, x := range xs {
		fail := func(format string, args ...any) {
			v.failures = append(v.failures, fmt.Sprintf("%s: %s %s → %d: ", x.test, x.method, x.target, x.status)+fmt.Sprintf(format, args...))
		}
		path, ok := openAPIPath(x.route)
		var item *openapi3.PathItem
		if ok && x.route != "" {
			item = doc.Paths.Value(path)
		}
		var op *openapi3.Operation
		if item != nil {
			op = item.GetOperation(x.method)
		}
		if op == nil {
			v.outside++
			u, _ := url.Parse(x.target)
			if apiRoute(u.Path) && x.status != http.StatusNotFound && x.status != http.StatusMethodNotAllowed {
				fail("route %q is not an operation of the document, want only 404 or 405 there", x.route)
			}
			continue
		}
		r := httptest.NewRequest(x.method, x.target, bytes.NewReader(x.reqBody))
		r.Header = x.reqHeader.Clone()
		in := &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: pathParams(x.route, r.URL.EscapedPath()),
			Route:      &routers.Route{Spec: doc, Path: path, PathItem: item, Method: x.method, Operation: op},
			Options:    concise(&openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}),
		}
		key := x.method + " " + path
		seen[key+" "+fmt.Sprint(x.status)] = true
		v.responses++
		v.byStatus[x.status]++
		v.operations[key]++
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in,
			Status:                 x.status,
			Header:                 x.header,
			Body:                   io.NopCloser(bytes.NewReader(x.body)),
			Options:                concise(&openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}),
		}
		if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
			fail("response: %v", oneLine(err))
		}
		if x.status < 300 {
			v.requests++
			if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
				fail("request accepted by the server but not by the document: %v", oneLine(err))
			}
		}
		if strings.HasPrefix(x.header.Get("Content-Type"), "application/x-ndjson") && x.status == http.StatusOK {
			name, ok := ndjsonSchemas[path]
			if !ok {
				fail("NDJSON answer: no line schema known for %s", path)
				continue
			}
			n, err := validateLines(doc, name, x.body)
			v.lines += n
			if err != nil {
				fail("NDJSON line: %v", oneLine(err))
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			key := method + " " + path
			if v.operations[key] == 0 {
				v.unexercised = append(v.unexercised, key)
				continue
			}
			var statuses []string
			for status := range item.GetOperation(method).Responses.Map() {
				if !seen[key+" "+status] {
					statuses = append(statuses, status)
				}
			}
			if len(statuses) > 0 {
				sort.Strings(statuses)
				v.unseen = append(v.unseen, key+": "+strings.Join(statuses, " "))
			}
		}
	}
	sort.Strings(v.unexercised)
	sort.Strings(v.unseen)
	return v, nil
}

// concise makes schema errors name the reason and the place in the body,
// without the whole schema.
func concise(o *openapi3filter.Options) *openapi3filter.Options {
	o.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		return fmt.Sprintf("%s (at /%s)", err.Reason, strings.Join(err.JSONPointer(), "/"))
	})
	return o
}

// validateLines validates each line of an NDJSON body against the named
// component schema and returns how many lines it read.
func validateLines(doc *openapi3.T, schema string, body []byte) (int, error) {
	ref, ok := doc.Components.Schemas[schema]
	if !ok {
		return 0, fmt.Errorf("no schema %s in the document", schema)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		n++
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return n, fmt.Errorf("line %d: %w", n, err)
		}
		if err := ref.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
			return n, fmt.Errorf("line %d against %s: %w", n, schema, err)
		}
	}
	return n, sc.Err()
}

// pathParams extracts the values of an echo route's parameters from an
// (escaped) request path.
func pathParams(route, path string) map[string]string {
	out := map[string]string{}
	rs, ps := strings.Split(route, "/"), strings.Split(path, "/")
	if len(rs) != len(ps) {
		return out
	}
	for i, seg := range rs {
		if strings.HasPrefix(seg, ":") {
			v, err := url.PathUnescape(ps[i])
			if err != nil {
				v = ps[i]
			}
			out[seg[1:]] = v
		}
	}
	return out
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

// TestOpenAPIDocumentLoads checks that kin-openapi loads and validates the
// document as OpenAPI 3.1, and that the 3.1 constructs it uses (type
// arrays for null, if/then, const) are enforced, not ignored.
func TestOpenAPIDocumentLoads(t *testing.T) {
	doc, err := loadOpenAPI(context.Background())
	if err != nil {
		t.Fatalf("%v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("IsOpenAPI31OrLater: got false for openapi %q, want true", doc.OpenAPI)
	}
	flag := map[string]any{"rule": "R07", "name": "dismissal-within-window", "kind": "exposure", "severity": "medium",
		"at_risk": []any{"residence", "services"}, "title": "t", "detail": "d", "due_on": "2026-09-01", "basis": "report",
		"source": map[string]any{"document": "doc", "section": "PROTECTION", "quote": "q"}, "recommendation": "", "next_step": "n"}
	with := func(m map[string]any, k string, val any) map[string]any {
		c := map[string]any{}
		for kk, vv := range m {
			c[kk] = vv
		}
		c[k] = val
		return c
	}
	tests := []struct {
		name   string
		schema string
		value  any
		valid  bool
	}{
		{"date", "Date", "2025-06-15", true},
		{"date is not a timestamp", "Date", "2025-06-15T00:00:00Z", false},
		{"nullable date null", "NullableDate", nil, true},
		{"nullable date date", "NullableDate", "2025-01-01", true},
		{"nullable date number", "NullableDate", 5.0, false},
		{"flag", "Flag", flag, true},
		{"flag due_on null", "Flag", with(flag, "due_on", nil), true},
		{"flag rule R27", "Flag", with(flag, "rule", "R27"), true},
		{"flag rule R28", "Flag", with(flag, "rule", "R28"), false},
		{"flag rule R00", "Flag", with(flag, "rule", "R00"), false},
		{"flag unknown basis", "Flag", with(flag, "basis", "rumour"), false},
		{"flag extra member", "Flag", with(flag, "extra", true), false},
		{"flag without due_on", "Flag", func() map[string]any { c := with(flag, "x", 1); delete(c, "x"); delete(c, "due_on"); return c }(), false},
		{"event", "EventRequest", map[string]any{"type": "start_reflection", "occurred_on": "2025-06-01"}, true},
		{"withdraw without reason", "EventRequest", map[string]any{"type": "withdraw_status", "occurred_on": "2025-06-01"}, false},
		{"withdraw with a close reason", "EventRequest", map[string]any{"type": "withdraw_status", "occurred_on": "2025-06-01",
			"data": map[string]any{"reason": "deceased"}}, false},
		{"withdraw with its reason", "EventRequest", map[string]any{"type": "withdraw_status", "occurred_on": "2025-06-01",
			"data": map[string]any{"reason": "fraud"}}, true},
		{"no-data event with data", "EventRequest", map[string]any{"type": "start_reflection", "occurred_on": "2025-06-01",
			"data": map[string]any{"opinion": "unclear"}}, false},
		{"award with amount", "EventRequest", map[string]any{"type": "award_compensation", "occurred_on": "2025-06-01",
			"data": map[string]any{"amount_eur": "111227.00"}}, true},
		{"award with a float", "EventRequest", map[string]any{"type": "award_compensation", "occurred_on": "2025-06-01",
			"data": map[string]any{"amount_eur": "1.5"}}, false},
		{"unknown event", "EventRequest", map[string]any{"type": "teleport", "occurred_on": "2025-06-01"}, false},
		{"token pair type", "TokenPair", map[string]any{"access_token": "a", "token_type": "Basic", "expires_in": 900.0, "refresh_token": "r"}, false},
		{"nationality lower case", "Nationality", "ng", false},
		{"nationality unknown", "Nationality", "XX", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref, ok := doc.Components.Schemas[tt.schema]
			if !ok {
				t.Fatalf("schema %s: got none, want it in components", tt.schema)
			}
			err := ref.Value.VisitJSON(tt.value, openapi3.EnableJSONSchema2020())
			if got := err == nil; got != tt.valid {
				t.Errorf("%s accepts %v: got %v (%v), want %v", tt.schema, tt.value, got, err, tt.valid)
			}
		})
	}
}

// TestValidateRecordedCatchesMismatches feeds the validator answers that
// contradict the document, to show that each kind of mismatch is caught.
func TestValidateRecordedCatchesMismatches(t *testing.T) {
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	ndjson := http.Header{"Content-Type": {"application/x-ndjson"}}
	prob := func(status int) []byte {
		return []byte(fmt.Sprintf(`{"type":"urn:casemgr:problem:unauthorized","title":"t","status":%d,"detail":"d","errors":[],"request_id":"x"}`, status))
	}
	record := `{"seq":1,"recorded_at":"2025-06-15T10:00:00.000000Z","occurred_on":"","case_id":"","case_ref":"","shelter":"",` +
		`"actor":"root","actor_role":"admin","event":"create_user","from_state":"","to_state":"","from_proceedings":"",` +
		`"to_proceedings":"","data":{},"note_digest":"","rules_version":"be-nrm-2025.1","prev_hash":"` + strings.Repeat("0", 64) + `"`
	tests := []struct {
		name    string
		x       exchange
		wantErr string // "" when the exchange matches the document
	}{
		{"valid answer", exchange{method: "GET", target: "/api/v1/me", route: "/api/v1/me", status: 200, header: jsonCT,
			body: []byte(`{"username":"ana","role":"caseworker","shelter":"payoke"}`)}, ""},
		{"value outside an enum", exchange{method: "GET", target: "/api/v1/me", route: "/api/v1/me", status: 200, header: jsonCT,
			body: []byte(`{"username":"ana","role":"root","shelter":""}`)}, "response body doesn't match"},
		{"undocumented member", exchange{method: "GET", target: "/api/v1/me", route: "/api/v1/me", status: 200, header: jsonCT,
			body: []byte(`{"username":"ana","role":"admin","shelter":"","password":"x"}`)}, "response body doesn't match"},
		{"undocumented status", exchange{method: "GET", target: "/api/v1/me", route: "/api/v1/me", status: 418, header: problem,
			body: prob(418)}, "status is not supported"},
		{"wrong content type", exchange{method: "GET", target: "/api/v1/me", route: "/api/v1/me", status: 200,
			header: http.Header{"Content-Type": {"text/plain"}}, body: []byte("ana")}, "Content-Type"},
		{"401 without WWW-Authenticate", exchange{method: "GET", target: "/api/v1/me", route: "/api/v1/me", status: 401, header: problem,
			body: prob(401)}, "WWW-Authenticate"},
		{"accepted request the document refuses", exchange{method: "POST", target: "/api/v1/auth/refresh", route: "/api/v1/auth/refresh",
			reqHeader: jsonCT, reqBody: []byte(`{"refresh_token":"r","id":"x"}`), status: 200, header: jsonCT,
			body: []byte(`{"access_token":"a","token_type":"Bearer","expires_in":900,"refresh_token":"r2"}`)}, "request accepted by the server"},
		{"answer of an unknown route", exchange{method: "GET", target: "/api/v1/nothing", route: "", status: 200, header: jsonCT,
			body: []byte(`{}`)}, "not an operation of the document"},
		{"404 of an unknown route", exchange{method: "GET", target: "/api/v1/nothing", route: "", status: 404, header: problem,
			body: prob(404)}, ""},
		{"NDJSON line without hash", exchange{method: "GET", target: "/api/v1/audit/events?format=ndjson", route: "/api/v1/audit/events",
			status: 200, header: ndjson, body: []byte(record + "}\n")}, "NDJSON line"},
		{"NDJSON line complete", exchange{method: "GET", target: "/api/v1/audit/events?format=ndjson", route: "/api/v1/audit/events",
			status: 200, header: ndjson, body: []byte(record + `,"hash":"` + strings.Repeat("a", 64) + "\"}\n")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.x.test = t.Name()
			if tt.x.reqHeader == nil {
				tt.x.reqHeader = http.Header{}
			}
			v, err := validateRecorded(context.Background(), []exchange{tt.x})
			if err != nil {
				t.Fatalf("validateRecorded: %v", err)
			}
			switch {
			case tt.wantErr == "" && len(v.failures) != 0:
				t.Errorf("failures: got %q, want none", v.failures)
			case tt.wantErr != "" && (len(v.failures) != 1 || !strings.Contains(v.failures[0], tt.wantErr)):
				t.Errorf("failures: got %q, want one naming %q", v.failures, tt.wantErr)
			}
		})
	}
}
