package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
)

// brokenConn is a ResponseWriter whose client has gone: every write fails.
type brokenConn struct {
	header http.Header
	code   int
}

func (b *brokenConn) Header() http.Header { return b.header }

func (b *brokenConn) WriteHeader(code int) { b.code = code }

func (b *brokenConn) Write([]byte) (int, error) {
	return 0, errors.New("write tcp: connection reset by peer")
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the logger).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// metricValue returns the value of the sample line "name{labels}" in a
// Prometheus text scrape, or "" when there is none.
func metricValue(scrape, series string) string {
	sc := bufio.NewScanner(strings.NewReader(scrape))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			return v
		}
	}
	return ""
}

// TestAbortedExportIsObserved streams audit exports into a connection
// that fails: the handler aborts with http.ErrAbortHandler, which must
// still reach net/http, and the request must still be counted (status
// 499), leave the in-flight gauge at 0 and be logged.
func TestAbortedExportIsObserved(t *testing.T) {
	tests := []struct {
		name, path, route string
		broken            bool
		wantStatus        int
	}{
		{"events json, broken", "/api/v1/audit/events?format=json", "/api/v1/audit/events", true, 499},
		{"events csv, broken", "/api/v1/audit/events?format=csv", "/api/v1/audit/events", true, 499},
		{"access csv, broken", "/api/v1/audit/access?format=csv", "/api/v1/audit/access", true, 499},
		{"events json, whole", "/api/v1/audit/events?format=json", "/api/v1/audit/events", false, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			env := apptest.NewLogged(t, &logs, nil)
			env.AddUser(t, uAuditor, auth.RoleAuditor, "")
			token := env.Login(t, uAuditor)
			r := httptest.NewRequest(http.MethodGet, tt.path, nil)
			r.Header.Set("Authorization", "Bearer "+token)
			var aborted any
			bc := &brokenConn{header: http.Header{}}
			rec := httptest.NewRecorder()
			func() {
				defer func() { aborted = recover() }()
				if tt.broken {
					env.Handler.ServeHTTP(bc, r)
				} else {
					env.Handler.ServeHTTP(rec, r)
				}
			}()
			status := rec.Code
			if tt.broken {
				status = bc.code
			}
			if tt.broken && aborted != http.ErrAbortHandler {
				t.Errorf("panic: got %v, want http.ErrAbortHandler", aborted)
			}
			if !tt.broken && aborted != nil {
				t.Errorf("panic: got %v, want none", aborted)
			}
			if status != http.StatusOK {
				t.Errorf("status line sent: got %d, want 200", status)
			}

			scrape := httptest.NewRecorder()
			env.Metrics.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			text := scrape.Body.String()
			inFlight := fmt.Sprintf(`casemgr_http_requests_in_flight{route=%q}`, tt.route)
			if got := metricValue(text, inFlight); got != "0" {
				t.Errorf("%s: got %q, want 0", inFlight, got)
			}
			total := fmt.Sprintf(`casemgr_http_requests_total{method="GET",route=%q,status="%d"}`, tt.route, tt.wantStatus)
			if got := metricValue(text, total); got != "1" {
				t.Errorf("%s: got %q, want 1", total, got)
			}

			var line map[string]any
			for _, l := range strings.Split(logs.String(), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["route"] == tt.route {
					line = m
				}
			}
			if line == nil {
				t.Fatalf("request log line of %s: got none, want one; logs:\n%s", tt.route, logs.String())
			}
			if got := line["status"]; got != float64(tt.wantStatus) {
				t.Errorf("logged status: got %v, want %d", got, tt.wantStatus)
			}
			if got := line["actor"]; got != uAuditor {
				t.Errorf("logged actor: got %v, want %s", got, uAuditor)
			}
		})
	}
}

// A request whose client went away (its context canceled) while the
// handler read the database is not a server error: it is logged at info
// with status 499, never as "request failed", and counted as 499, not 5xx.
func TestCanceledRequestIsNot500(t *testing.T) {
	var logs syncBuffer
	env := apptest.NewLogged(t, &logs, nil)
	env.AddUser(t, uAuditor, auth.RoleAuditor, "")
	token := env.Login(t, uAuditor)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client is gone before the handler reads
	r := httptest.NewRequest(http.MethodGet, "/api/v1/audit/verify", nil).WithContext(ctx)
	r.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, r)

	scrape := httptest.NewRecorder()
	env.Metrics.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	text := scrape.Body.String()
	if got := metricValue(text, `casemgr_http_requests_total{method="GET",route="/api/v1/audit/verify",status="499"}`); got != "1" {
		t.Errorf("requests counted with status 499: got %q, want 1\n%s", got, text)
	}
	if strings.Contains(text, `route="/api/v1/audit/verify",status="500"`) {
		t.Errorf("the canceled request was counted as 500")
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil {
			continue
		}
		if m["level"] == "ERROR" {
			t.Errorf("logged at error level: %s", l)
		}
		if m["msg"] == "request" && m["route"] == "/api/v1/audit/verify" && m["status"] != 499.0 {
			t.Errorf("request log line: got status %v, want 499", m["status"])
		}
	}
}
