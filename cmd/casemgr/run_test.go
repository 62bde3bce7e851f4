package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/casemgr/casemgr/internal/eligibility"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
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

func testEnv(extra map[string]string) func(string) string {
	m := map[string]string{
		"CASEMGR_AUTH_ALLOW_WEAK_HASHING": "true",
		"CASEMGR_AUTH_ARGON2_TIME":        "1",
		"CASEMGR_AUTH_ARGON2_MEMORY_KIB":  "64",
		"CASEMGR_LOG_LEVEL":               "warn",
	}
	for k, v := range extra {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

// server runs `casemgr serve` in process on port 0 and returns its base URL,
// what it printed, and a stop function that waits for a clean exit.
func server(t *testing.T, dir string, args ...string) (string, *syncBuffer, func()) {
	t.Helper()
	if err := os.Chmod(dir, 0o700); err != nil { // t.TempDir is 0755: serve refuses a directory open to others
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	argv := append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dir}, args...)
	go func() { done <- run(ctx, argv, testEnv(nil), strings.NewReader(""), out, errOut) }()
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			stop := func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve returned %v; stderr: %s", err, errOut.String())
				}
			}
			return m[1], out, stop
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not start; stdout: %s; stderr: %s", out.String(), errOut.String())
	return "", nil, nil
}

type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path string, body any, want int) map[string]any {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: got status %d, want %d; body %s", method, path, resp.StatusCode, want, raw)
	}
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: body is not a JSON object: %s", method, path, raw)
		}
	}
	return out
}

func (c *client) login(user, password string) {
	c.t.Helper()
	c.token = ""
	res := c.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": password}, 200)
	c.token, _ = res["access_token"].(string)
}

// TestEndToEnd starts the real server on port 0 with no configuration and
// walks one victim from identified to indefinite_stay through the API, as
// a new user following the README would; then verifies the audit chain
// with the CLI.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	base, out, stop := server(t, dir)
	pw := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("first start did not print the admin password:\n%s", out.String())
	}
	c := &client{t: t, base: base}
	c.login("admin", pw[1])
	// A second factor is voluntary with the default settings
	// (auth.totp_required_roles: []); once enrolled, the login needs it.
	secret, _ := c.do("POST", "/api/v1/auth/totp/enroll", nil, 201)["secret"].(string)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	recovery, _ := c.do("POST", "/api/v1/auth/totp/confirm", map[string]string{"code": code}, 200)["recovery_codes"].([]any)
	if len(recovery) != 10 {
		t.Fatalf("recovery codes: got %v, want 10", recovery)
	}
	c.token = ""
	c.do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": pw[1]}, 401)
	res := c.do("POST", "/api/v1/auth/login", map[string]any{"username": "admin", "password": pw[1], "recovery_code": recovery[0]}, 200)
	c.token, _ = res["access_token"].(string)
	// As in the README (auth.four_eyes off by default): the admin creates
	// a caseworker with a password.
	c.do("POST", "/api/v1/users", map[string]string{"username": "ana", "password": "a long enough password", "role": "caseworker", "shelter": "payoke"}, 201)
	c.login("ana", "a long enough password")

	today := eligibility.Today(time.Now())
	day := func(ago int) string { return today.AddDays(-ago).String() }
	cs := c.do("POST", "/api/v1/cases", map[string]any{
		"victim":       map[string]any{"given_name": "Grace", "family_name": "Okafor", "date_of_birth": "1995-03-02", "gender": "female", "nationality": "NG"},
		"exploitation": []string{"sexual"}, "identified_on": day(400), "identified_by": "police",
	}, 201)
	id := cs["id"].(string)
	if got, want := cs["reference"], fmt.Sprintf("PAY-%d-0001", today.AddDays(-400).Year); got != want {
		t.Errorf("got reference %v, want %v", got, want)
	}
	steps := []struct {
		event, on          string
		data               map[string]any
		state, proceedings string
	}{
		{"start_reflection", day(390), nil, "reflection", "none"},
		{"file_complaint", day(380), nil, "provisional_permit", "complaint_filed"},
		{"prove_identity", day(370), nil, "provisional_permit", "complaint_filed"},
		{"confirm_victim_status", day(300), nil, "temporary_permit", "complaint_filed"},
		{"file_charges", day(200), map[string]any{"retains_trafficking": false}, "temporary_permit", "charged"},
		{"renew_temporary_permit", day(150), nil, "temporary_permit", "charged"},
		{"record_conviction", day(20), nil, "temporary_permit", "convicted"},
		{"grant_indefinite_stay", day(10), nil, "indefinite_stay", "convicted"},
	}
	version := 1.0
	for _, s := range steps {
		body := map[string]any{"type": s.event, "occurred_on": s.on, "version": version}
		if s.data != nil {
			body["data"] = s.data
		}
		res := c.do("POST", "/api/v1/cases/"+id+"/events", body, 200)
		if res["state"] != s.state || res["proceedings"] != s.proceedings {
			t.Fatalf("after %s: got %v/%v, want %s/%s", s.event, res["state"], res["proceedings"], s.state, s.proceedings)
		}
		version++
		if res["version"] != version {
			t.Fatalf("after %s: got version %v, want %v", s.event, res["version"], version)
		}
	}
	hist := c.do("GET", "/api/v1/cases/"+id+"/events", nil, 200)
	if got, want := len(hist["items"].([]any)), len(steps)+1; got != want {
		t.Errorf("got %d history items, want %d (open_case + events)", got, want)
	}
	stop()

	var vout syncBuffer
	if err := run(context.Background(), []string{"audit", "verify", "--data", dir}, testEnv(nil), strings.NewReader(""), &vout, io.Discard); err != nil {
		t.Fatalf("audit verify: %v; %s", err, vout.String())
	}
	if !strings.Contains(vout.String(), "audit chain intact") {
		t.Errorf("audit verify printed %q", vout.String())
	}
}

// TestDemoAndRestart loads the demo data, restarts on the same data
// directory (no new admin, no duplicate demo cases), and checks the CLI's
// user add and migrate.
func TestDemoAndRestart(t *testing.T) {
	dir := t.TempDir()
	base, out, stop := server(t, dir, "--demo")
	m := regexp.MustCompile(`demo-supervisor\s+supervisor\s+payoke\s+password: (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("demo accounts not printed:\n%s", out.String())
	}
	c := &client{t: t, base: base}
	c.login("demo-supervisor", m[1])
	list := c.do("GET", "/api/v1/cases?limit=500", nil, 200)
	items := list["items"].([]any)
	states := map[string]bool{}
	for _, it := range items {
		cs := it.(map[string]any)
		if cs["demo"] != true || !strings.HasPrefix(cs["victim"].(map[string]any)["given_name"].(string), "DEMO") {
			t.Errorf("case %v is not marked as demo", cs["reference"])
		}
		states[cs["state"].(string)] = true
	}
	if len(items) < 6 || len(states) < 5 {
		t.Errorf("got %d demo cases in %d states for payoke, want a spread", len(items), len(states))
	}
	stop()

	base, out, stop = server(t, dir, "--demo")
	if strings.Contains(out.String(), "First start") {
		t.Errorf("second start created another admin")
	}
	m = regexp.MustCompile(`demo-supervisor\s+supervisor\s+payoke\s+password: (\S+)`).FindStringSubmatch(out.String())
	c = &client{t: t, base: base}
	c.login("demo-supervisor", m[1])
	again := c.do("GET", "/api/v1/cases?limit=500", nil, 200)
	if got, want := len(again["items"].([]any)), len(items); got != want {
		t.Errorf("got %d demo cases after restart, want %d", got, want)
	}
	stop()

	var o syncBuffer
	err := run(context.Background(), []string{"user", "add", "--data", dir, "--username", "sam", "--role", "supervisor", "--shelter", "surya", "--password-stdin"},
		testEnv(nil), strings.NewReader("another long password\n"), &o, io.Discard)
	if err != nil || !strings.Contains(o.String(), "created user sam") {
		t.Errorf("user add: %v %q", err, o.String())
	}
	err = run(context.Background(), []string{"user", "add", "--data", dir, "--username", "sam2", "--role", "supervisor", "--password-stdin"},
		testEnv(nil), strings.NewReader("another long password\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "shelter") {
		t.Errorf("user add without shelter: got %v, want an error naming shelter", err)
	}
	o = syncBuffer{}
	if err := run(context.Background(), []string{"migrate", "--data", dir}, testEnv(nil), strings.NewReader(""), &o, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !regexp.MustCompile(`schema at version (\d+) of (\d+)`).MatchString(o.String()) {
		t.Errorf("migrate printed %q", o.String())
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	err := run(context.Background(), []string{"migrate", "--data", t.TempDir()},
		testEnv(map[string]string{"CASEMGR_NRM_REFLECTION_DAYS": "-1"}), strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nrm.reflection_days") {
		t.Fatalf("got %v, want an error naming nrm.reflection_days", err)
	}
}

// serve refuses to start when the data directory or a key file is open to
// group or others, naming the path and the mode to set; the checkpoint key
// too, although the server reads it only when first used.
func TestServeRefusesOpenModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil { // serve refuses a directory open to others
		t.Fatal(err)
	}
	if out, errOut, err := casemgr(t, "audit", "checkpoint", "--data", dir); err != nil { // creates checkpoint.key
		t.Fatalf("checkpoint: %v\n%s%s", err, out, errOut)
	}
	key := filepath.Join(dir, "checkpoint.key")
	tests := []struct {
		name      string
		path      string
		mode      os.FileMode
		wantInErr string
	}{
		{"data directory 0755", dir, 0o755, "directory " + dir + " has mode 0755, open to group or others: run chmod 700 " + dir},
		{"checkpoint.key 0644", key, 0o644, "key file " + key + " has mode 0644, open to group or others: run chmod 600 " + key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good, _ := os.Stat(tt.path)
			if err := os.Chmod(tt.path, tt.mode); err != nil {
				t.Fatal(err)
			}
			defer os.Chmod(tt.path, good.Mode().Perm())
			_, _, err := casemgr(t, "serve", "--data", dir, "--listen", "127.0.0.1:0")
			if err == nil || !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("serve: got %v, want an error with %q", err, tt.wantInErr)
			}
		})
	}
}
