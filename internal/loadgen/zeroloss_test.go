//go:build load

package loadgen_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/loadgen"
)

// TestZeroLossUnderLoad runs 64 concurrent writers against a real server
// on 127.0.0.1:0 for CASEMGR_LOAD_SECONDS (default 5), then checks the
// database against what the clients were told: every acknowledged write
// is stored (the case's version and its number of audit records), the
// audit chain grew by exactly the acknowledged changes (cases opened plus
// events), no answer was an error (no 5xx, no 409, no timeout), and the
// chain verifies.
//
// Run: go test -tags load -run TestZeroLoss -count=1 ./internal/loadgen/
func TestZeroLossUnderLoad(t *testing.T) {
	seconds := 5
	if s := os.Getenv("CASEMGR_LOAD_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("CASEMGR_LOAD_SECONDS=%q: want a positive number of seconds", s)
		}
		seconds = n
	}
	env := apptest.New(t, nil)
	var users []loadgen.User
	for i, sh := range []string{"payoke", "pag-asa", "surya", "payoke", "pag-asa", "surya", "payoke", "pag-asa"} {
		name := fmt.Sprintf("writer%d", i)
		env.AddUser(t, name, auth.RoleCaseworker, sh)
		users = append(users, loadgen.User{Username: name, Password: apptest.Password})
	}
	url, stop := serve(t, env)
	ctx := context.Background()
	before, _, err := audit.Head(env.DB.Read)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := loadgen.Run(ctx, loadgen.Options{BaseURL: url, Users: users, Clients: 64,
		Duration: time.Duration(seconds) * time.Second, MaxRequests: 2_000_000, Mix: loadgen.Mix{Reads: 0, Writes: 1},
		CasesPerClient: 2, Now: env.Clock.Now, Seed: 7})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	stop()
	t.Logf("%d writers, %s: %d events acknowledged (%.0f/s), p50 %s, p99 %s",
		64, rep.Elapsed.Round(time.Millisecond), rep.Acked, rep.Writes().Rate(rep.Elapsed),
		rep.Writes().Percentile(50), rep.Writes().Percentile(99))
	if len(rep.Status) != 0 {
		t.Errorf("answers that were not 2xx, by status: got %v, want none", rep.Status)
	}
	if rep.Acked == 0 {
		t.Fatalf("no write was acknowledged")
	}
	if got, want := len(rep.Versions), 128; got != want {
		t.Errorf("cases opened: got %d, want %d", got, want)
	}
	for id, acked := range rep.Versions {
		var row struct {
			Version int
			Records int
		}
		err := env.DB.Read.Raw(`SELECT c.version, (SELECT COUNT(*) FROM audit_log a WHERE a.case_id = c.id) AS records
			FROM cases c WHERE c.id = ?`, id).Scan(&row).Error
		if err != nil {
			t.Fatal(err)
		}
		want := 1 + rep.Events[id]
		if row.Version != want || acked != want || row.Records != want {
			t.Errorf("case %s: got version %d and %d audit records stored, %d acknowledged; want %d of each",
				id, row.Version, row.Records, acked, want)
		}
	}
	res, err := audit.VerifyDB(ctx, env.DB.Read)
	if err != nil || !res.OK {
		t.Fatalf("audit chain: got %+v, %v, want intact", res, err)
	}
	if got, want := res.HeadSeq-before, int64(len(rep.Versions))+rep.Acked; got != want {
		t.Errorf("audit records added: got %d, want %d (%d cases opened + %d events acknowledged)",
			got, want, len(rep.Versions), rep.Acked)
	}
}
