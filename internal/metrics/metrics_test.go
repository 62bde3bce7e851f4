package metrics_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
	"github.com/casemgr/casemgr/internal/metrics"
	"github.com/casemgr/casemgr/internal/store"
)

// scrape is one answer of GET /metrics, parsed.
type scrape struct {
	header   http.Header
	text     string
	families map[string]*dto.MetricFamily
}

// get serves GET /metrics through h and parses the text format.
func get(t *testing.T, h http.Handler) scrape {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+apptest.MetricsToken)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: got %d %s, want 200", rec.Code, rec.Body)
	}
	text := rec.Body.String()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, text)
	}
	return scrape{header: rec.Header(), text: text, families: fams}
}

// kind is the type of a family, or "" when the scrape lacks it.
func (s scrape) kind(name string) string {
	f, ok := s.families[name]
	if !ok {
		return ""
	}
	return strings.ToLower(f.GetType().String())
}

// value returns the value of the sample of family name whose labels are
// exactly labels ("k=v" pairs); for a histogram, its count.
func (s scrape) value(name string, labels ...string) (float64, bool) {
	f, ok := s.families[name]
	if !ok {
		return 0, false
	}
	want := map[string]string{}
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		want[k] = v
	}
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(want) {
			continue
		}
		match := true
		for _, lp := range m.GetLabel() {
			if v, ok := want[lp.GetName()]; !ok || v != lp.GetValue() {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

// openStore opens a new SQLite database without migrating it: the pools
// answer, but audit_head and case_flags do not exist.
func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(store.Options{Driver: store.SQLite, Path: filepath.Join(t.TempDir(), "m.db"),
		BusyTimeoutMS: 1000, MaxReadConns: 2, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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

// TestStartRequestLabels checks the labels and values StartRequest
// records: the route template, the method (OTHER when unknown), the
// status, one latency observation, and the in-flight gauge while the
// request runs.
func TestStartRequestLabels(t *testing.T) {
	db := openStore(t)
	tests := []struct {
		name          string
		method, route string
		status        int
		wantMethod    string
		wantRoute     string
	}{
		{"template and status", "GET", "/api/v1/cases/:id", 200, "GET", "/api/v1/cases/:id"},
		{"a write", "POST", "/api/v1/cases/:id/events", 201, "POST", "/api/v1/cases/:id/events"},
		{"an unknown method is OTHER", "BREW", "/api/v1/cases/:id", 405, "OTHER", "/api/v1/cases/:id"},
		{"no route is unmatched", "GET", "", 404, "GET", "unmatched"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := metrics.New(db, time.Now)
			end := m.StartRequest(tc.method, tc.route)
			during := get(t, m.Handler())
			if got, ok := during.value("casemgr_http_requests_in_flight", "route="+tc.wantRoute); !ok || got != 1 {
				t.Errorf("in flight during the request: got %v (present %v), want 1", got, ok)
			}
			end(tc.status)
			s := get(t, m.Handler())
			checks := []struct {
				name   string
				labels []string
				want   float64
			}{
				{"casemgr_http_requests_total", []string{"method=" + tc.wantMethod, "route=" + tc.wantRoute, fmt.Sprintf("status=%d", tc.status)}, 1},
				{"casemgr_http_request_duration_seconds", []string{"method=" + tc.wantMethod, "route=" + tc.wantRoute}, 1},
				{"casemgr_http_requests_in_flight", []string{"route=" + tc.wantRoute}, 0},
			}
			for _, c := range checks {
				if got, ok := s.value(c.name, c.labels...); !ok || got != c.want {
					t.Errorf("%s%v: got %v (present %v), want %v\n%s", c.name, c.labels, got, ok, c.want, s.text)
				}
			}
			if got := len(s.families["casemgr_http_requests_total"].GetMetric()); got != 1 {
				t.Errorf("request series: got %d, want 1", got)
			}
		})
	}
}

// TestLatencyBuckets checks that the latency histogram has exactly the
// bounds of LatencyBuckets and +Inf, with cumulative counts.
func TestLatencyBuckets(t *testing.T) {
	m := metrics.New(openStore(t), time.Now)
	m.StartRequest("GET", "/a")(200)
	h := get(t, m.Handler()).families["casemgr_http_request_duration_seconds"]
	if h == nil || len(h.GetMetric()) != 1 {
		t.Fatalf("got %v, want one histogram series", h)
	}
	buckets := h.GetMetric()[0].GetHistogram().GetBucket()
	want := append(append([]float64(nil), metrics.LatencyBuckets...), math.Inf(1))
	if len(buckets) != len(want) {
		t.Fatalf("buckets: got %d, want %d (LatencyBuckets and +Inf)", len(buckets), len(want))
	}
	for i, b := range buckets {
		if b.GetUpperBound() != want[i] {
			t.Errorf("bucket %d: got le=%v, want %v", i, b.GetUpperBound(), want[i])
		}
		if i > 0 && b.GetCumulativeCount() < buckets[i-1].GetCumulativeCount() {
			t.Errorf("bucket le=%v: got %d, below the previous %d", b.GetUpperBound(), b.GetCumulativeCount(), buckets[i-1].GetCumulativeCount())
		}
	}
	for _, b := range buckets[len(buckets)-2:] { // 10 s and +Inf: the request took less
		if got := b.GetCumulativeCount(); got != 1 {
			t.Errorf("le=%v: got %d, want 1", b.GetUpperBound(), got)
		}
	}
}

// TestOwnRegistry checks that every Metrics has a registry of its own:
// two can be built over one database, they count apart, and nothing is
// registered with the default registry.
func TestOwnRegistry(t *testing.T) {
	db := openStore(t)
	a, b := metrics.New(db, time.Now), metrics.New(db, time.Now)
	a.StartRequest("GET", "/a")(200)
	a.StartRequest("GET", "/a")(200)
	b.StartRequest("GET", "/a")(200)
	tests := []struct {
		name string
		m    *metrics.Metrics
		want float64
	}{
		{"first", a, 2},
		{"second", b, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := get(t, tc.m.Handler()).value("casemgr_http_requests_total", "method=GET", "route=/a", "status=200")
			if got != tc.want {
				t.Errorf("got %v requests, want %v", got, tc.want)
			}
		})
	}
	fams, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), "casemgr_") {
			t.Errorf("the default registry holds %s; got a global registration, want none", f.GetName())
		}
	}
}

// TestFailedCollectionLeavesOthers checks that a family whose query fails
// is left out, the others are still served, and the failure is counted
// and logged.
func TestFailedCollectionLeavesOthers(t *testing.T) {
	m := metrics.New(openStore(t), time.Now) // not migrated: no audit_head, no case_flags
	var logs bytes.Buffer
	m.SetLog(slog.New(slog.NewJSONHandler(&logs, nil)))
	m.StartRequest("GET", "/a")(200)
	get(t, m.Handler())
	s := get(t, m.Handler()) // the error counter of the first scrape is seen in the second
	tests := []struct {
		name    string
		labels  []string
		present bool
		want    float64
	}{
		{"casemgr_audit_chain_length", nil, false, 0},
		{"casemgr_case_flags", nil, false, 0},
		{"casemgr_http_requests_total", []string{"method=GET", "route=/a", "status=200"}, true, 1},
		{"casemgr_db_max_open_connections", []string{"pool=write"}, true, 1},
		{"casemgr_db_max_open_connections", []string{"pool=read"}, true, 2},
		{"promhttp_metric_handler_errors_total", []string{"cause=gathering"}, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name+fmt.Sprint(tc.labels), func(t *testing.T) {
			if _, ok := s.families[tc.name]; ok != tc.present {
				t.Fatalf("family present: got %v, want %v\n%s", ok, tc.present, s.text)
			}
			if !tc.present {
				return
			}
			if got, ok := s.value(tc.name, tc.labels...); !ok || got != tc.want {
				t.Errorf("got %v (present %v), want %v", got, ok, tc.want)
			}
		})
	}
	for _, want := range []string{`"level":"ERROR"`, "read audit_head", "count flags"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q; got %s", want, logs.String())
		}
	}
	if n := strings.Count(strings.TrimSpace(logs.String()), "\n"); n != 1 {
		t.Errorf("log: got %d lines, want 2 (one a scrape): %s", n+1, logs.String())
	}
}

// TestScrapeThroughTheRouter drives a few API requests through the real
// router, scrapes GET /metrics and checks the names, types, route-template
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
	s := get(t, env.Handler)
	mediaType, params, err := mime.ParseMediaType(s.header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || params["version"] != "0.0.4" {
		t.Errorf("content type: got %q, want text/plain; version=0.0.4", s.header.Get("Content-Type"))
	}
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

	types := []struct{ name, want string }{
		{"casemgr_http_requests_total", "counter"},
		{"casemgr_http_request_duration_seconds", "histogram"},
		{"casemgr_http_requests_in_flight", "gauge"},
		{"casemgr_db_open_connections", "gauge"},
		{"casemgr_db_in_use_connections", "gauge"},
		{"casemgr_db_idle_connections", "gauge"},
		{"casemgr_db_max_open_connections", "gauge"},
		{"casemgr_db_wait_count_total", "counter"},
		{"casemgr_db_wait_duration_seconds_total", "counter"},
		{"casemgr_audit_chain_length", "gauge"},
		{"casemgr_case_flags", "gauge"},
		{"go_goroutines", "gauge"},
	}
	for _, tc := range types {
		t.Run("type of "+tc.name, func(t *testing.T) {
			if got := s.kind(tc.name); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	type sample struct {
		name   string
		labels []string
		want   float64
		exact  bool // false: only present
	}
	samples := []sample{
		{"casemgr_http_requests_total", []string{"method=POST", "route=/api/v1/cases", "status=201"}, 1, true},
		{"casemgr_http_requests_total", []string{"method=GET", "route=/api/v1/cases/:id", "status=200"}, 2, true},
		{"casemgr_http_requests_total", []string{"method=GET", "route=/api/v1/cases/:id", "status=401"}, 1, true},
		{"casemgr_http_request_duration_seconds", []string{"method=GET", "route=/api/v1/cases/:id"}, 3, true},
		{"casemgr_http_requests_in_flight", []string{"route=/api/v1/cases/:id"}, 0, true},
		{"casemgr_db_max_open_connections", []string{"pool=write"}, 1, true},
		{"casemgr_db_max_open_connections", []string{"pool=read"}, 4, true},
		{"casemgr_db_wait_count_total", []string{"pool=write"}, 0, false},
		{"casemgr_audit_chain_length", nil, float64(seq), true},
	}
	if apptest.Postgres() {
		samples[5] = sample{"casemgr_db_open_connections", []string{"pool=shared"}, 0, false}
		samples[6] = sample{"casemgr_db_idle_connections", []string{"pool=shared"}, 0, false}
		samples[7] = sample{"casemgr_db_wait_count_total", []string{"pool=shared"}, 0, false}
	}
	for _, f := range flags {
		want := float64(f.N)
		if f.N < metrics.DefaultSmallCount {
			want = 0 // small counts are hidden
		}
		samples = append(samples, sample{"casemgr_case_flags", []string{"rule=" + f.Rule, "severity=" + f.Severity}, want, true})
	}
	for _, tc := range samples {
		t.Run(tc.name+fmt.Sprint(tc.labels), func(t *testing.T) {
			got, ok := s.value(tc.name, tc.labels...)
			if !ok {
				t.Fatalf("got no sample, want one; metrics:\n%s", s.text)
			}
			if tc.exact && got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	var other, notFound float64
	for _, m := range s.families["casemgr_http_requests_total"].GetMetric() {
		l := map[string]string{}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		if l["method"] == "OTHER" {
			other += m.GetCounter().GetValue()
		}
		if l["method"] == "GET" && l["status"] == "404" {
			notFound += m.GetCounter().GetValue()
		}
	}
	if other != 1 {
		t.Errorf("requests with an unknown method: got %v counted as OTHER, want 1", other)
	}
	if notFound != 1 {
		t.Errorf("GET 404: got %v, want 1", notFound)
	}
	if got, _ := s.value("go_goroutines"); got < 1 {
		t.Errorf("go_goroutines: got %v, want at least 1", got)
	}
	for _, leak := range []string{id, "/no/such/path", "BREW", "Okafor"} {
		if strings.Contains(s.text, leak) {
			t.Errorf("metrics contain %q; labels must be route templates only", leak)
		}
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
	m.SetSmallCount(1) // exact counts: this test is about the cache
	count := func() float64 {
		var n float64
		for _, s := range get(t, m.Handler()).families["casemgr_case_flags"].GetMetric() {
			for _, lp := range s.GetLabel() {
				if lp.GetName() == "rule" && lp.GetValue() == "R24" {
					n += s.GetGauge().GetValue()
				}
			}
		}
		return n
	}
	create()
	steps := []struct {
		name    string
		advance time.Duration
		create  bool
		want    float64
	}{
		{"first scrape reads the table", 0, false, 1},
		{"a new case within the minute is not seen yet", 30 * time.Second, true, 1},
		{"after a minute the counts are read again", 31 * time.Second, false, 2},
	}
	for _, s := range steps {
		env.Clock.Advance(s.advance)
		if s.create {
			create()
		}
		if got := count(); got != s.want {
			t.Errorf("%s: got %v R24 flags, want %v", s.name, got, s.want)
		}
	}
}

// BenchmarkStartRequest measures what the middleware adds to a request.
func BenchmarkStartRequest(b *testing.B) {
	db, err := store.Open(store.Options{Driver: store.SQLite, Path: filepath.Join(b.TempDir(), "m.db"), Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	m := metrics.New(db, time.Now)
	b.ReportAllocs()
	for b.Loop() {
		m.StartRequest("GET", "/api/v1/cases/:id")(200)
	}
}

// GET /metrics answers only a scraper that sends metrics.token; without a
// configured token it is not served at all.
func TestMetricsRequireToken(t *testing.T) {
	env := apptest.New(t, nil)
	tests := []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "test-metrics-token-0123456788", http.StatusUnauthorized},
		{"a user's session token is not the metrics token", func() string {
			env.AddUser(t, "root", auth.RoleAdmin, "")
			return env.Login(t, "root")
		}(), http.StatusUnauthorized},
		{"the configured token", apptest.MetricsToken, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, env.Handler, "GET", "/metrics", tt.token, "")
			if code != tt.want {
				t.Fatalf("got %d, want %d", code, tt.want)
			}
			if code != http.StatusOK && strings.Contains(body, "casemgr_case_flags") {
				t.Errorf("a refused scrape holds metrics: %s", body)
			}
		})
	}
	off := apptest.New(t, func(c *config.Config) { c.Metrics.Token = "" })
	if code, _ := do(t, off.Handler, "GET", "/metrics", apptest.MetricsToken, ""); code != http.StatusNotFound {
		t.Errorf("without metrics.token: got %d, want 404 (not served)", code)
	}
}

// Flag counts below the small-cell threshold are reported as 0; from the
// threshold on, exactly.
func TestSmallFlagCountsHidden(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	tok := env.Login(t, "ana")
	r24 := func() float64 {
		var n float64
		for _, m := range get(t, env.Handler).families["casemgr_case_flags"].GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "rule" && lp.GetValue() == "R24" {
					n += m.GetGauge().GetValue()
				}
			}
		}
		return n
	}
	for i := 1; i <= metrics.DefaultSmallCount; i++ {
		code, body := do(t, env.Handler, "POST", "/api/v1/cases", tok, `{"victim":{"given_name":"A","family_name":"B",
			"nationality":"NG"},"exploitation":["labour"],"identified_on":"2025-05-01","identified_by":"police"}`)
		if code != http.StatusCreated {
			t.Fatalf("create: %d %s", code, body)
		}
		env.Clock.Advance(metrics.FlagsCacheTTL + time.Second)
		want := 0.0
		if i >= metrics.DefaultSmallCount {
			want = float64(i)
		}
		if got := r24(); got != want {
			t.Errorf("%d cases flagged R24: got %v, want %v", i, got, want)
		}
	}
}
