package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/metrics"
)

// TestTextFormat checks the exposition of each kind of family against the
// exact text the Prometheus text format 0.0.4 prescribes.
func TestTextFormat(t *testing.T) {
	tests := []struct {
		name  string
		build func(r *metrics.Registry)
		want  string
	}{
		{"counter with labels sorted by value", func(r *metrics.Registry) {
			c := r.NewCounterVec("x_total", "Things done.", "kind")
			c.Inc("b")
			c.Add(2.5, "a")
			c.Inc("b")
		}, "# HELP x_total Things done.\n# TYPE x_total counter\nx_total{kind=\"a\"} 2.5\nx_total{kind=\"b\"} 2\n"},
		{"label values and help escaped", func(r *metrics.Registry) {
			g := r.NewGaugeVec("g", "Line one\nback\\slash.", "v")
			g.Set(-1, "quote\" back\\ nl\n")
		}, "# HELP g Line one\\nback\\\\slash.\n# TYPE g gauge\ng{v=\"quote\\\" back\\\\ nl\\n\"} -1\n"},
		{"histogram buckets are cumulative and end with +Inf", func(r *metrics.Registry) {
			h := r.NewHistogramVec("d_seconds", "Durations.", []float64{0.1, 1}, "route")
			h.Observe(0.05, "/a")
			h.Observe(0.1, "/a") // on the bound: counted in le="0.1"
			h.Observe(3, "/a")
		}, "# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n" +
			"d_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\nd_seconds_bucket{route=\"/a\",le=\"1\"} 2\n" +
			"d_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\nd_seconds_sum{route=\"/a\"} 3.15\nd_seconds_count{route=\"/a\"} 3\n"},
		{"families sorted by name; scrape-time gauges", func(r *metrics.Registry) {
			r.NewGaugeFunc("z", "Last.", nil, func(_ context.Context, emit func(float64, ...string)) error { emit(7); return nil })
			r.NewGaugeFunc("a", "First.", []string{"p"}, func(_ context.Context, emit func(float64, ...string)) error {
				emit(2, "y")
				emit(1, "x")
				return nil
			})
		}, "# HELP a First.\n# TYPE a gauge\na{p=\"x\"} 1\na{p=\"y\"} 2\n# HELP z Last.\n# TYPE z gauge\nz 7\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := metrics.NewRegistry()
			tc.build(r)
			var sb strings.Builder
			if err := r.WriteText(context.Background(), &sb); err != nil {
				t.Fatal(err)
			}
			if got := sb.String(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestFailedCollectionLeavesOthers checks that a family whose collection
// fails is left out and reported, and the others are still written.
func TestFailedCollectionLeavesOthers(t *testing.T) {
	r := metrics.NewRegistry()
	r.NewGaugeFunc("broken", "Fails.", nil, func(context.Context, func(float64, ...string)) error { return fmt.Errorf("db down") })
	r.NewCounterVec("ok_total", "Works.").Inc()
	var sb strings.Builder
	err := r.WriteText(context.Background(), &sb)
	if err == nil || !strings.Contains(err.Error(), "broken: db down") {
		t.Errorf("got error %v, want one naming the broken family", err)
	}
	if got, want := sb.String(), "# HELP ok_total Works.\n# TYPE ok_total counter\nok_total 1\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func do(t *testing.T, h http.Handler, method, path, token, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b)
}

// TestScrapeThroughTheRouter drives a few API requests through the real
// router, scrapes GET /metrics and checks the names, the route-template
// labels, the pools, the audit chain length and the flag counts, and that
// no raw path or case id leaks into a label.
func TestScrapeThroughTheRouter(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	tok := env.Login(t, "ana")
	code, body := do(t, env.Handler, "POST", "/api/v1/cases", tok, `{"victim":{"given_name":"Grace","family_name":"Okafor",
		"nationality":"NG"},"exploitation":["labour"],"identified_on":"2025-05-01","identified_by":"police"}`)
	if code != http.StatusCreated {
		t.Fatalf("create case: got %d %s, want 201", code, body)
	}
	id := regexp.MustCompile(`"id":"([0-9a-f-]{36})"`).FindStringSubmatch(body)[1]
	for i := 0; i < 2; i++ {
		if code, body := do(t, env.Handler, "GET", "/api/v1/cases/"+id, tok, ""); code != http.StatusOK {
			t.Fatalf("get case: got %d %s, want 200", code, body)
		}
	}
	do(t, env.Handler, "GET", "/api/v1/cases/"+id, "", "")   // 401
	do(t, env.Handler, "GET", "/no/such/path/xyz", tok, "")  // 404
	do(t, env.Handler, "BREW", "/api/v1/cases/"+id, tok, "") // odd method
	req := httptest.NewRequest("GET", "/metrics", nil)
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: got %d, want 200", rec.Code)
	}
	if got, want := rec.Header().Get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8"; got != want {
		t.Errorf("content type: got %q, want %q", got, want)
	}
	text := rec.Body.String()
	seq, _, err := audit.Head(env.DB.Read)
	if err != nil {
		t.Fatal(err)
	}
	var flags []struct {
		Rule, Severity string
		N              int
	}
	if err := env.DB.Read.Raw("SELECT rule, severity, COUNT(*) AS n FROM case_flags GROUP BY rule, severity").Scan(&flags).Error; err != nil {
		t.Fatal(err)
	}
	if len(flags) == 0 {
		t.Fatalf("the case has no stored flags; the test needs one")
	}
	wantLines := []string{
		`# TYPE casemgr_http_requests_total counter`,
		`casemgr_http_requests_total{method="POST",route="/api/v1/cases",status="201"} 1`,
		`casemgr_http_requests_total{method="GET",route="/api/v1/cases/:id",status="200"} 2`,
		`casemgr_http_requests_total{method="GET",route="/api/v1/cases/:id",status="401"} 1`,
		`# TYPE casemgr_http_request_duration_seconds histogram`,
		`casemgr_http_request_duration_seconds_count{method="GET",route="/api/v1/cases/:id"} 3`,
		`casemgr_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cases/:id",le="+Inf"} 3`,
		`casemgr_http_requests_in_flight{route="/api/v1/cases/:id"} 0`,
		`casemgr_db_max_open_connections{pool="write"} 1`,
		`casemgr_db_max_open_connections{pool="read"} 4`,
		`# TYPE casemgr_db_wait_count_total counter`,
		fmt.Sprintf(`casemgr_audit_chain_length %d`, seq),
	}
	for _, f := range flags {
		wantLines = append(wantLines, fmt.Sprintf(`casemgr_case_flags{rule=%q,severity=%q} %d`, f.Rule, f.Severity, f.N))
	}
	if apptest.Postgres() {
		wantLines[8], wantLines[9] = `casemgr_db_open_connections{pool="shared"}`, `casemgr_db_idle_connections{pool="shared"}`
	}
	for _, w := range wantLines {
		if !strings.Contains(text, w) {
			t.Errorf("metrics lack %q; got:\n%s", w, text)
		}
	}
	if regexp.MustCompile(`casemgr_http_requests_total\{method="OTHER",route="[^"]*",status="\d+"\} 1`).FindString(text) == "" {
		t.Errorf("an unknown method is not counted as OTHER:\n%s", text)
	}
	for _, leak := range []string{id, "/no/such/path", "BREW", "Okafor"} {
		if strings.Contains(text, leak) {
			t.Errorf("metrics contain %q; labels must be route templates only", leak)
		}
	}
	if !regexp.MustCompile(`casemgr_http_requests_total\{method="GET",route="[^"]*",status="404"\} 1`).MatchString(text) {
		t.Errorf("the 404 is not counted:\n%s", text)
	}
}

// TestFlagCountsCachedForAMinute checks that the flag counts are read at
// most once a minute of the injected clock.
func TestFlagCountsCachedForAMinute(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	tok := env.Login(t, "ana")
	create := func() {
		code, body := do(t, env.Handler, "POST", "/api/v1/cases", tok, `{"victim":{"given_name":"A","family_name":"B",
			"nationality":"NG"},"exploitation":["labour"],"identified_on":"2025-05-01","identified_by":"police"}`)
		if code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, body)
		}
	}
	m := metrics.New(env.DB, env.Clock.Now)
	count := func() string {
		var sb strings.Builder
		if err := m.Registry().WriteText(context.Background(), &sb); err != nil {
			t.Fatal(err)
		}
		return regexp.MustCompile(`casemgr_case_flags\{rule="R24",severity="[a-z]+"\} (\d+)`).FindStringSubmatch(sb.String() + "casemgr_case_flags{rule=\"R24\",severity=\"none\"} 0")[1]
	}
	create()
	steps := []struct {
		name    string
		advance time.Duration
		create  bool
		want    string
	}{
		{"first scrape reads the table", 0, false, "1"},
		{"a new case within the minute is not seen yet", 30 * time.Second, true, "1"},
		{"after a minute the counts are read again", 31 * time.Second, false, "2"},
	}
	for _, s := range steps {
		env.Clock.Advance(s.advance)
		if s.create {
			create()
		}
		if got := count(); got != s.want {
			t.Errorf("%s: got %s R24 flags, want %s", s.name, got, s.want)
		}
	}
}
