package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/config"
	"github.com/casemgr/casemgr/internal/store"
)

// TestGracefulShutdown holds SQLite's write lock from another connection
// so that a POST of an event stays in flight, then cancels Serve's context
// (what SIGTERM does in cmd/casemgr). New connections must be refused at
// once; once the lock is released the request in flight must finish with
// 200 and its event must be stored; Serve must return nil.
func TestGracefulShutdown(t *testing.T) {
	apptest.SkipOnPostgres(t, "holds SQLite's write lock")
	env := apptest.New(t, func(c *config.Config) {
		c.Database.BusyTimeoutMS = 60000
		c.Server.ShutdownTimeout = 60 * time.Second
	})
	ctx := context.Background()
	a := env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	token := env.Login(t, "ana")
	c, err := env.Cases.Create(ctx, a, cases.NewCase{Victim: cases.VictimInput{GivenName: "A", FamilyName: "B", Nationality: "NG"},
		Exploitation: []string{"labour"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	serveCtx, shutdown := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- env.Serve(serveCtx, ln) }()
	defer shutdown()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Minute}
	waitFor(t, "the server to answer", func() bool {
		resp, err := client.Get("http://" + addr + "/livez")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})

	// Take the write lock, as a long transaction of another process would.
	lock, err := sql.Open("sqlite3", store.SQLiteDSN(filepath.Join(env.Dir, "casemgr.db"), 5000, false))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	conn, err := lock.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		code int
		body string
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/cases/"+c.ID+"/events",
			strings.NewReader(`{"type":"prove_identity","occurred_on":"2025-06-10"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			slow <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slow <- answer{code: resp.StatusCode, body: string(b)}
	}()
	inFlight := regexp.MustCompile(`casemgr_http_requests_in_flight\{route="/api/v1/cases/:id/events"\} 1\n`)
	waitFor(t, "the event request to be in flight", func() bool {
		rec := httptest.NewRecorder()
		env.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return inFlight.MatchString(rec.Body.String())
	})

	shutdown() // what SIGTERM does
	waitFor(t, "new connections to be refused", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return false
		}
		return true
	})
	select {
	case a := <-slow:
		t.Fatalf("the request in flight ended before the lock was released: %+v", a)
	case err := <-served:
		t.Fatalf("Serve returned before the request in flight finished: %v", err)
	default:
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	got := <-slow
	if got.err != nil || got.code != http.StatusOK {
		t.Fatalf("the request in flight: got %d %s %v, want 200", got.code, got.body, got.err)
	}
	var out struct{ Version int }
	if err := json.Unmarshal([]byte(got.body), &out); err != nil || out.Version != 2 {
		t.Errorf("answer of the request in flight: got version %d (%v), want 2", out.Version, err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: got %v, want nil after a graceful shutdown", err)
	}
	stored, err := env.Cases.Get(ctx, a, c.ID, c.AsOf)
	if err != nil || stored.Version != 2 || !stored.Facts.IdentityProven.Value {
		t.Errorf("stored case: got version %d identity_proven %v (%v), want 2 and true", stored.Version, stored.Facts.IdentityProven.Value, err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
