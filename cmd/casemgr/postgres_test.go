package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/store"
	"github.com/casemgr/casemgr/internal/store/storetest"
)

// pgEnv is testEnv with the database set to a PostgreSQL DSN.
func pgEnv(dsn string) func(string) string {
	return testEnv(map[string]string{"CASEMGR_DATABASE_DRIVER": "postgres", "CASEMGR_DATABASE_DSN": dsn})
}

// serveWith runs `casemgr serve` in process on port 0 with getenv and
// returns its base URL, what it printed, and a stop function that waits
// for a clean exit.
func serveWith(t *testing.T, getenv func(string) string, dir string) (string, *syncBuffer, func()) {
	t.Helper()
	if err := os.Chmod(dir, 0o700); err != nil { // t.TempDir is 0755: serve refuses a directory open to others
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	argv := []string{"serve", "--listen", "127.0.0.1:0", "--data", dir}
	go func() { done <- run(ctx, argv, getenv, strings.NewReader(""), out, errOut) }()
	re := regexp.MustCompile(`listening on (http://[0-9.:]+)`)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			var once sync.Once
			stop := func() {
				once.Do(func() {
					cancel()
					if err := <-done; err != nil {
						t.Errorf("serve returned %v; stderr: %s", err, errOut.String())
					}
				})
			}
			t.Cleanup(stop)
			return m[1], out, stop
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\nstdout: %s\nstderr: %s", err, out.String(), errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not start; stdout: %s; stderr: %s", out.String(), errOut.String())
	return "", nil, nil
}

// call sends one JSON request and returns the status and the decoded
// object; safe to use from several goroutines.
func call(base, token, method, path string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	out := map[string]any{}
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: body is not a JSON object: %s", method, path, raw)
	}
	return resp.StatusCode, out, nil
}

// must is call for the test goroutine: any other status fails the test.
func must(t *testing.T, base, token, method, path string, body any, want int) map[string]any {
	t.Helper()
	code, out, err := call(base, token, method, path, body)
	if err != nil || code != want {
		t.Fatalf("%s %s: got %d %v (%v), want %d", method, path, code, out, err, want)
	}
	return out
}

func loginAt(t *testing.T, base, user, password string) string {
	t.Helper()
	res := must(t, base, "", "POST", "/api/v1/auth/login", map[string]string{"username": user, "password": password}, 200)
	tok, _ := res["access_token"].(string)
	if tok == "" {
		t.Fatalf("login %s: got no access_token in %v", user, res)
	}
	return tok
}

func newCaseBody(i int) map[string]any {
	return map[string]any{
		"victim": map[string]any{"given_name": fmt.Sprintf("Given%d", i), "family_name": "Family", "date_of_birth": "1995-03-02",
			"gender": "female", "nationality": "NG"},
		"exploitation": []string{"labour"}, "identified_on": "2025-01-10", "identified_by": "police",
	}
}

// chainSeqs returns every seq of the audit log in order.
func chainSeqs(t *testing.T, db *store.DB) []int64 {
	t.Helper()
	var seqs []int64
	if err := db.Read.Raw("SELECT seq FROM audit_log ORDER BY seq").Scan(&seqs).Error; err != nil {
		t.Fatalf("read audit_log: %v", err)
	}
	return seqs
}

// TestTwoServersOnePostgres runs two `casemgr serve` instances on one
// PostgreSQL schema (sharing the key directory, as a deployment behind a
// load balancer does) and writes through both at once: the audit chain
// stays gapless and verifies, a same-version race has exactly one winner,
// and case references stay unique.
func TestTwoServersOnePostgres(t *testing.T) {
	dsn := storetest.Schema(t)
	dir := t.TempDir()
	getenv := pgEnv(dsn)
	baseA, outA, _ := serveWith(t, getenv, dir)
	pw := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(outA.String())
	if pw == nil {
		t.Fatalf("first start did not print the admin password:\n%s", outA.String())
	}
	baseB, outB, _ := serveWith(t, getenv, dir)
	if strings.Contains(outB.String(), "password:") {
		t.Errorf("second server: got a new admin account, want the first server's")
	}
	servers := []string{baseA, baseB}

	const password = "a long enough password"
	// Caseworkers made by the operator (an admin's creation of one waits
	// for a second admin, docs/security.md "Administrators").
	for _, u := range []string{"cw-a", "cw-b"} {
		if err := run(context.Background(), []string{"user", "add", "--data", dir, "--username", u, "--role", "caseworker", "--shelter", "payoke", "--password-stdin"},
			getenv, strings.NewReader(password+"\n"), io.Discard, io.Discard); err != nil {
			t.Fatalf("user add %s: %v", u, err)
		}
	}
	// Each server checks tokens the other issued: same key, same sessions.
	tokens := []string{loginAt(t, baseA, "cw-a", password), loginAt(t, baseB, "cw-b", password)}
	must(t, baseB, tokens[0], "GET", "/api/v1/cases", nil, 200)

	const shared = 4
	var ids []string
	for i := range shared {
		s := i % 2
		res := must(t, servers[s], tokens[s], "POST", "/api/v1/cases", newCaseBody(i), 201)
		ids = append(ids, res["id"].(string))
	}

	db, err := store.Open(store.Options{Driver: store.Postgres, DSN: dsn, Now: time.Now})
	if err != nil {
		t.Fatalf("open the schema: %v", err)
	}
	defer db.Close()
	before := int64(len(chainSeqs(t, db)))

	// Phase 1: 2 servers x 8 writers x 10 fact events without a version on
	// the shared cases; every one must be recorded.
	facts := []string{"prove_identity", "grant_legal_aid", "join_as_civil_party", "report_missing", "report_found",
		"record_contact_with_trafficker", "end_contact_with_trafficker", "invoke_non_punishment"}
	const writers, each = 8, 10
	type result struct {
		code int
		err  error
		body map[string]any
	}
	results := make(chan result, 2*writers*each)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for s := range servers {
		for w := range writers {
			wg.Go(func() {
				<-start
				id := ids[(w+s)%shared]
				for range each {
					code, body, err := call(servers[s], tokens[s], "POST", "/api/v1/cases/"+id+"/events",
						map[string]any{"type": facts[w], "occurred_on": "2025-02-01"})
					results <- result{code, err, body}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(results)
	for r := range results {
		if r.err != nil || r.code != 200 {
			t.Errorf("event without a version: got %d %v (%v), want 200", r.code, r.body, r.err)
		}
	}
	versionSum := 0
	for _, id := range ids {
		c := must(t, baseA, tokens[0], "GET", "/api/v1/cases/"+id, nil, 200)
		versionSum += int(c["version"].(float64))
	}
	if want := shared + 2*writers*each; versionSum != want {
		t.Errorf("versions of the shared cases: got %d in total, want %d (1 each + one per event)", versionSum, want)
	}

	// Phase 2: on each case, 2 servers x 4 writers send an event with the
	// same, current version: exactly one wins, the others get 409.
	for _, id := range ids {
		c := must(t, baseB, tokens[1], "GET", "/api/v1/cases/"+id, nil, 200)
		v := c["version"].(float64)
		codes := make(chan int, 8)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for s := range servers {
			for range 4 {
				wg.Go(func() {
					<-start
					code, _, err := call(servers[s], tokens[s], "POST", "/api/v1/cases/"+id+"/events",
						map[string]any{"type": "grant_legal_aid", "occurred_on": "2025-02-02", "version": v})
					if err != nil {
						code = -1
					}
					codes <- code
				})
			}
		}
		close(start)
		wg.Wait()
		close(codes)
		got := map[int]int{}
		for c := range codes {
			got[c]++
		}
		if got[200] != 1 || got[409] != 7 {
			t.Errorf("case %s, 8 writers with version %v: got statuses %v, want one 200 and seven 409", id, v, got)
		}
	}

	// Phase 3: 2 servers x 8 writers x 2 new cases at once: unique,
	// consecutive references.
	refs := make(chan string, 2*8*2)
	var cwg sync.WaitGroup
	for s := range servers {
		for w := range 8 {
			cwg.Go(func() {
				for k := range 2 {
					code, body, err := call(servers[s], tokens[s], "POST", "/api/v1/cases", newCaseBody(100+w*10+k))
					if err != nil || code != 201 {
						t.Errorf("create case: got %d %v (%v), want 201", code, body, err)
						continue
					}
					refs <- body["reference"].(string)
				}
			})
		}
	}
	cwg.Wait()
	close(refs)
	var got []string
	for r := range refs {
		got = append(got, r)
	}
	sort.Strings(got)
	var want []string
	for i := shared + 1; i <= shared+32; i++ {
		want = append(want, fmt.Sprintf("PAY-2025-%04d", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("references of the concurrent cases:\ngot  %v\nwant %v", got, want)
	}

	// The chain: gapless, one record per success, linked and verified.
	seqs := chainSeqs(t, db)
	for i, s := range seqs {
		if s != int64(i+1) {
			t.Fatalf("audit_log seq at position %d: got %d, want %d (a gap or a duplicate)", i, s, i+1)
		}
	}
	if wantN := before + 2*writers*each + shared + 32; int64(len(seqs)) != wantN {
		t.Errorf("audit records: got %d, want %d", len(seqs), wantN)
	}
	res, err := audit.VerifyDB(context.Background(), db.Read)
	if err != nil || !res.OK || res.HeadSeq != int64(len(seqs)) {
		t.Errorf("verify: got %+v %v, want intact up to seq %d", res, err, len(seqs))
	}
	var vout syncBuffer
	if err := run(context.Background(), []string{"audit", "verify", "--data", dir}, getenv, strings.NewReader(""), &vout, io.Discard); err != nil {
		t.Errorf("casemgr audit verify on PostgreSQL: got %v, want nil; %s", err, vout.String())
	}
}

// sqliteDeployment builds a SQLite deployment in dir through the services:
// users, cases with events and notes, an erased case. It returns the first
// case's id.
func sqliteDeployment(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	cfg := apptest.Config(dir)
	clock := apptest.NewClock(apptest.DefaultNow)
	a, err := app.Open(ctx, cfg, clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open the SQLite deployment: %v", err)
	}
	defer a.Close()
	if a.DB.Dialect != store.SQLite {
		t.Fatalf("source dialect: got %s, want sqlite", a.DB.Dialect)
	}
	for _, u := range []auth.NewUser{
		{Username: "ana", Password: apptest.Password, Role: auth.RoleCaseworker, Shelter: "payoke"},
		{Username: "root", Password: apptest.Password, Role: auth.RoleAdmin},
	} {
		if _, err := a.Auth.CreateUser(ctx, auth.System, u); err != nil {
			t.Fatalf("create user: %v", err)
		}
	}
	if _, err := a.Auth.Login(ctx, "ana", apptest.Password, "127.0.0.1"); err != nil {
		t.Fatalf("login: %v", err)
	}
	cw := auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke"}
	var first string
	for i := range 3 {
		c, err := a.Cases.Create(ctx, cw, cases.NewCase{
			Victim:       cases.VictimInput{GivenName: fmt.Sprintf("Grace%d", i), FamilyName: "Okafor", DateOfBirth: "1995-03-02", Gender: "female", Nationality: "NG"},
			Exploitation: []string{"sexual"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
		})
		if err != nil {
			t.Fatalf("create case: %v", err)
		}
		if _, err := a.Cases.RecordEvent(ctx, cw, c.ID, cases.EventInput{Type: "start_reflection", OccurredOn: "2025-06-02", Note: "met at the station"}); err != nil {
			t.Fatalf("event: %v", err)
		}
		if i == 0 {
			first = c.ID
		}
		if i == 2 {
			if _, err := a.Cases.Erase(ctx, auth.System, c.ID); err != nil {
				t.Fatalf("erase: %v", err)
			}
		}
	}
	return first
}

// TestMigrateData copies a SQLite deployment into PostgreSQL with the
// command, then serves the copy with the same key files.
func TestMigrateData(t *testing.T) {
	dsn := storetest.Schema(t)
	dir := t.TempDir()
	caseID := sqliteDeployment(t, dir)
	from := "sqlite:" + filepath.Join(dir, "casemgr.db")

	var out syncBuffer
	if err := run(context.Background(), []string{"migrate-data", "--from", from, "--to", "postgres:" + dsn, "--batch", "2"},
		testEnv(nil), strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("migrate-data: got %v, want nil; printed %s", err, out.String())
	}
	for _, want := range []string{
		"cases                           3          3",
		"case_notes                      2          2",
		"users                           2          2",
		"row counts match in all",
		"audit chain intact on the target",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary: got\n%s\nwant a line with %q", out.String(), want)
		}
	}
	if strings.Contains(out.String(), dsn) {
		t.Errorf("summary: got the DSN printed, want it kept out (it may hold a password)")
	}

	// The copy serves with the SQLite deployment's key directory.
	ctx := context.Background()
	cfg := apptest.Config(dir)
	cfg.Database.Driver, cfg.Database.DSN = "postgres", dsn
	clock := apptest.NewClock(apptest.DefaultNow)
	a, err := app.Open(ctx, cfg, clock.Now, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("open the PostgreSQL copy: %v", err)
	}
	defer a.Close()
	if _, err := a.Auth.Login(ctx, "ana", apptest.Password, "127.0.0.1"); err != nil {
		t.Errorf("login on the copy: got %v, want nil", err)
	}
	cw := auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke"}
	c, err := a.Cases.Get(ctx, cw, caseID, cases.Date{})
	if err != nil || c.Victim.GivenName != "Grace0" || c.State != "reflection" || c.Version != 2 {
		t.Errorf("case on the copy: got %q %s v%d (%v), want Grace0 reflection v2", c.Victim.GivenName, c.State, c.Version, err)
	}
	hist, err := a.Cases.History(ctx, cw, caseID)
	if err != nil || len(hist) != 2 || hist[1].Note != "met at the station" {
		t.Errorf("history on the copy: got %v (%v), want open_case and start_reflection with its note", hist, err)
	}
	next, err := a.Cases.Create(ctx, cw, cases.NewCase{
		Victim:       cases.VictimInput{GivenName: "Next", FamilyName: "Case", Gender: "male", Nationality: "RO"},
		Exploitation: []string{"labour"}, IdentifiedOn: "2025-06-10", IdentifiedBy: "police",
	})
	if err != nil || next.Reference != "PAY-2025-0004" {
		t.Errorf("new case on the copy: got %q (%v), want PAY-2025-0004 (the counter was copied)", next.Reference, err)
	}
	res, err := audit.VerifyDB(ctx, a.DB.Read)
	if err != nil || !res.OK {
		t.Errorf("chain on the copy after a new case: got %+v %v, want intact", res, err)
	}

	// Refusals: a full target, bad arguments.
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"target not empty", []string{"--from", from, "--to", "postgres:" + dsn}, "not empty"},
		{"no --to", []string{"--from", from}, "usage: casemgr migrate-data"},
		{"source not sqlite", []string{"--from", "postgres:x", "--to", "postgres:" + dsn}, "want sqlite:PATH"},
		{"source missing", []string{"--from", "sqlite:" + filepath.Join(dir, "nope.db"), "--to", "postgres:" + dsn}, "no such file"},
		{"target not postgres", []string{"--from", from, "--to", "mysql:x"}, "want postgres:DSN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"migrate-data"}, tt.args...), testEnv(nil), strings.NewReader(""), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestParseTo checks the accepted forms of --to.
func TestParseTo(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"postgres:postgres://u@db/c", "postgres://u@db/c", false},
		{"postgres://u@db/c", "postgres://u@db/c", false},
		{"postgresql://u@db/c", "postgresql://u@db/c", false},
		{"postgres:host=db dbname=c", "host=db dbname=c", false},
		{"postgres:", "", true},
		{"sqlite:x", "", true},
	}
	for _, tt := range tests {
		got, err := parseTo(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseTo(%q): got %q, %v, want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
