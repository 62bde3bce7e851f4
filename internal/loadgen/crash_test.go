//go:build crash

package loadgen_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/loadgen"
	"github.com/casemgr/casemgr/internal/store"
)

// lockedBuffer collects a child's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer runs `casemgr serve` on a free port of 127.0.0.1 and waits
// until it says where it listens.
func startServer(t *testing.T, bin, data string, environ []string) (string, *exec.Cmd, *lockedBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", data)
	cmd.Env = environ
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return a, cmd, stderr
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the server did not start; stderr: %s", stderr.String())
	}
	return "", nil, nil
}

// TestCrashSafety builds the binary, then for CASEMGR_CRASH_ROUNDS rounds
// (default 20) starts `casemgr serve` on a temporary data directory, runs
// 16 writers against it and kills it with SIGKILL at a random moment (the
// last round ends with SIGTERM, which must exit cleanly). After each round
// it checks the database the killed server left: PRAGMA integrity_check is
// ok, every write acknowledged so far (in any round) is stored, every
// case's audit records match its version, and `casemgr audit verify`
// exits 0.
//
// Run: CASEMGR_CRASH_ROUNDS=20 go test -tags crash -run TestCrashSafety -count=1 -timeout 30m ./internal/loadgen/
func TestCrashSafety(t *testing.T) {
	rounds := 20
	if s := os.Getenv("CASEMGR_CRASH_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("CASEMGR_CRASH_ROUNDS=%q: want a positive number", s)
		}
		rounds = n
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "casemgr")
	build := exec.Command("go", "build", "-o", bin, "github.com/casemgr/casemgr/cmd/casemgr")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	environ := append(os.Environ(), "CASEMGR_AUTH_ALLOW_WEAK_HASHING=true", "CASEMGR_AUTH_ARGON2_TIME=1",
		"CASEMGR_AUTH_ARGON2_MEMORY_KIB=64", "CASEMGR_LOG_LEVEL=warn", "CASEMGR_AUTH_LOGIN_MAX_FAILURES=100000", "CASEMGR_AUTH_LOGIN_MAX_FAILURES_PER_IP=100000")
	const password = "crash test password"
	var users []loadgen.User
	for i, sh := range []string{"payoke", "surya"} {
		name := fmt.Sprintf("crash%d", i)
		add := exec.Command(bin, "user", "add", "--data", data, "--username", name, "--role", "caseworker",
			"--shelter", sh, "--password-stdin")
		add.Env = environ
		add.Stdin = strings.NewReader(password + "\n")
		if out, err := add.CombinedOutput(); err != nil {
			t.Fatalf("user add: %v\n%s", err, out)
		}
		users = append(users, loadgen.User{Username: name, Password: password})
	}

	acked := map[string]int{} // case id -> highest version acknowledged in any round
	var totalAcked int64
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := 1; round <= rounds; round++ {
		url, cmd, stderr := startServer(t, bin, data, environ)
		ctx, cancel := context.WithCancel(context.Background())
		reports := make(chan *loadgen.Report, 1)
		go func() {
			rep, _ := loadgen.Run(ctx, loadgen.Options{BaseURL: url, Users: users, Clients: 16, Duration: time.Minute,
				Mix: loadgen.Mix{Reads: 0, Writes: 1}, CasesPerClient: 1, Timeout: 10 * time.Second, Seed: uint64(round)})
			reports <- rep
		}()
		time.Sleep(time.Duration(200+rnd.IntN(1000)) * time.Millisecond)
		last := round == rounds
		sig := syscall.SIGKILL
		if last {
			sig = syscall.SIGTERM
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		werr := cmd.Wait()
		cancel()
		rep := <-reports
		if last && werr != nil {
			t.Errorf("round %d: after SIGTERM the server exited with %v, want 0; stderr: %s", round, werr, stderr.String())
		}
		var roundAcked int64
		if rep != nil {
			for id, v := range rep.Versions {
				if v > acked[id] {
					acked[id] = v
				}
			}
			roundAcked = rep.Acked
			totalAcked += rep.Acked
			for status, n := range rep.Status {
				if status != 0 {
					t.Errorf("round %d: %d answers with status %d; a crash may only cut answers off", round, n, status)
				}
			}
		}
		checkSurvivors(t, round, bin, data, environ, acked)
		t.Logf("round %d: %s, %d events acknowledged, %d cases tracked", round, sig, roundAcked, len(acked))
	}
	if totalAcked == 0 {
		t.Errorf("no write was acknowledged in %d rounds: the harness did not load the server", rounds)
	}
}

// checkSurvivors checks the database a stopped server left behind.
func checkSurvivors(t *testing.T, round int, bin, data string, environ []string, acked map[string]int) {
	t.Helper()
	db, err := sql.Open("sqlite3", store.SQLiteDSN(filepath.Join(data, "casemgr.db"), 5000, false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("round %d: integrity_check: got %q, %v, want ok", round, check, err)
	}
	for id, want := range acked {
		var version, records int
		err := db.QueryRow(`SELECT c.version, (SELECT COUNT(*) FROM audit_log a WHERE a.case_id = c.id)
			FROM cases c WHERE c.id = ?`, id).Scan(&version, &records)
		if err != nil {
			t.Fatalf("round %d: acknowledged case %s: %v", round, id, err)
		}
		if version < want {
			t.Errorf("round %d: case %s: got version %d, want at least %d (acknowledged)", round, id, version, want)
		}
		if records != version {
			t.Errorf("round %d: case %s: got %d audit records for version %d, want one per change", round, id, records, version)
		}
	}
	db.Close()
	verify := exec.Command(bin, "audit", "verify", "--data", data)
	verify.Env = environ
	out, err := verify.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit chain intact") {
		t.Fatalf("round %d: casemgr audit verify: %v\n%s", round, err, out)
	}
}
