package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut syncBuffer
	err := run(context.Background(), args, testEnv(nil), strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestSeedData seeds through each path, checks what the command reports
// and that the chain verifies, and that a second run without --append is
// refused.
func TestSeedData(t *testing.T) {
	apptest.SkipOnPostgres(t, "the bulk path writes SQLite")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"service path", []string{"--cases", "12", "--events-per-case", "3", "--mode", "service"},
			"seeded 12 cases with 48 audit records (service path, 3 events per case, shelters pag-asa,payoke,surya)"},
		{"bulk path", []string{"--cases", "40", "--events-per-case", "9", "--mode", "bulk", "--batch", "16", "--shelters", "payoke,surya"},
			"seeded 40 cases with 400 audit records (bulk path, 9 events per case, shelters payoke,surya)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, errOut, err := runCmd(t, "", append([]string{"seed-data", "--data", dir}, tc.args...)...)
			if err != nil {
				t.Fatalf("seed-data: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("seed-data printed %q, want %q", out, tc.want)
			}
			if !regexp.MustCompile(`seed-data: \d+/\d+ cases, \d+ audit records, \d+ cases/s`).MatchString(errOut) {
				t.Errorf("no progress on stderr: %q", errOut)
			}
			out, _, err = runCmd(t, "", "audit", "verify", "--data", dir)
			if err != nil || !strings.Contains(out, "audit chain intact") {
				t.Errorf("audit verify after seeding: %v %q", err, out)
			}
			_, _, err = runCmd(t, "", "seed-data", "--data", dir, "--cases", "1")
			if err == nil || !strings.Contains(err.Error(), "--append") {
				t.Errorf("second seed-data without --append: got %v, want a refusal naming --append", err)
			}
		})
	}
}

// TestLoadtestAndBenchReads seeds a small database, measures its reads in
// process, then serves it and runs a short load test with baselines
// against 127.0.0.1.
func TestLoadtestAndBenchReads(t *testing.T) {
	apptest.SkipOnPostgres(t, "bench-reads measures SQLite")
	dir := t.TempDir()
	if _, errOut, err := runCmd(t, "", "seed-data", "--data", dir, "--cases", "60", "--mode", "bulk"); err != nil {
		t.Fatalf("seed-data: %v\n%s", err, errOut)
	}
	shell := "sqlite3"
	if _, err := exec.LookPath(shell); err != nil {
		shell = ""
	}
	out, errOut, err := runCmd(t, "", "bench-reads", "--data", dir, "--samples", "5", "--warmup", "1", "--sqlite3", shell, "--sql-runs", "5")
	if err != nil {
		t.Fatalf("bench-reads: %v\n%s", err, errOut)
	}
	for _, want := range []string{"bench-reads: 60 cases, 603 audit records", "get_case", "list (first page)", "deadlines (within 30)"} {
		if !strings.Contains(out, want) {
			t.Errorf("bench-reads printed %q, want it to contain %q", out, want)
		}
	}
	if shell != "" && !regexp.MustCompile(`deadline board of pag-asa \(\d+ items, \d+ minors' birthdays checked\): service p50 [0-9.]+ ms; the same two queries through sqlite3`).MatchString(out) {
		t.Errorf("bench-reads did not compare with the sqlite3 shell:\n%s", out)
	}

	if _, _, err := runCmd(t, "a long enough password\n", "user", "add", "--data", dir, "--username", "lt", "--role", "caseworker",
		"--shelter", "payoke", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	base, _, stop := server(t, dir)
	defer stop()
	out, errOut, err = runCmd(t, "a long enough password\n", "loadtest", "--url", base, "--username", "lt", "--password-stdin",
		"--clients", "2", "--duration", "300ms", "--mix", "50:50", "--scratch-dir", t.TempDir())
	if err != nil {
		t.Fatalf("loadtest: %v\n%s\n%s", err, out, errOut)
	}
	for _, want := range []string{"loadtest: " + base + ", 2 clients, 1 users, mix 50:50", "get_case", "event",
		"acknowledged writes (200): ", "errors: none", "bare echo handler", "durable 1-row commit", "ratio reads:", "ratio writes:"} {
		if !strings.Contains(out, want) {
			t.Errorf("loadtest printed:\n%s\nwant it to contain %q", out, want)
		}
	}
	// Rounds: each with its baselines, then the median of each ratio; the
	// load generator's own profile of the last round.
	prof := filepath.Join(t.TempDir(), "client.pb.gz")
	out, errOut, err = runCmd(t, "a long enough password\n", "loadtest", "--url", base, "--username", "lt", "--password-stdin",
		"--clients", "2", "--duration", "200ms", "--mix", "50:50", "--scratch-dir", t.TempDir(), "--rounds", "2", "--cpuprofile", prof)
	if err != nil {
		t.Fatalf("loadtest --rounds 2: %v\n%s\n%s", err, out, errOut)
	}
	for _, re := range []string{`round 1 of 2\n`, `round 2 of 2\n`, `rounds: 2, each with its own baselines`,
		`median reads / echo\s+[0-9.]+ \(goal >= 0\.20: (meets|BELOW)\) rounds: [0-9.]+, [0-9.]+\n`,
		`median get_case / healthz\s+[0-9.]+ \(goal >= 0\.50: (meets|BELOW)\) rounds: [0-9.]+, [0-9.]+\n`,
		`median writes / commits\s+[0-9.]+ \(goal >= 0\.60: (meets|BELOW)\) rounds: [0-9.]+, [0-9.]+\n`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("loadtest --rounds 2 printed:\n%s\nwant it to match %q", out, re)
		}
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("loadtest --cpuprofile: %v, want a profile written", err)
	}
	_, _, err = runCmd(t, "", "loadtest", "--url", base, "--mix", "1:1")
	if err == nil || !strings.Contains(err.Error(), "--users-file") {
		t.Errorf("loadtest without users: got %v, want an error naming --users-file", err)
	}
}
