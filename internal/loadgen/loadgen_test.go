package loadgen_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/audit"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/loadgen"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    loadgen.Mix
		wantErr bool
	}{
		{"80:20", loadgen.Mix{Reads: 80, Writes: 20}, false},
		{"0:1", loadgen.Mix{Reads: 0, Writes: 1}, false},
		{"100:0", loadgen.Mix{Reads: 100, Writes: 0}, false},
		{"0:0", loadgen.Mix{}, true},
		{"80", loadgen.Mix{}, true},
		{"-1:5", loadgen.Mix{}, true},
		{"a:b", loadgen.Mix{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := loadgen.ParseMix(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseMix(%q): got %v, %v, want %v (error %v)", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	s := &loadgen.Stats{}
	for i := 1; i <= 100; i++ {
		s.Latencies = append(s.Latencies, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}, {0, time.Millisecond}}
	for _, tc := range tests {
		if got := s.Percentile(tc.p); got != tc.want {
			t.Errorf("p%v: got %v, want %v", tc.p, got, tc.want)
		}
	}
}

// serve starts env's server on 127.0.0.1:0 and returns its URL and a stop
// function that shuts it down gracefully.
func serve(t *testing.T, env *apptest.Env) (string, func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.Serve(ctx, ln) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return "http://" + ln.Addr().String(), stop
}

// TestRunAgainstAServer runs a short mixed load against a real server and
// checks the report against the database: every case the clients opened
// exists with the version its last acknowledgement reported, and the
// audit chain grew by exactly one record per acknowledged change.
func TestRunAgainstAServer(t *testing.T) {
	env := apptest.New(t, nil)
	env.AddUser(t, "ana", auth.RoleCaseworker, "payoke")
	env.AddUser(t, "sam", auth.RoleSupervisor, "surya")
	url, stop := serve(t, env)
	before, _, err := audit.Head(env.DB.Read)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := loadgen.Run(context.Background(), loadgen.Options{BaseURL: url, Clients: 4, Duration: 400 * time.Millisecond,
		MaxRequests: 150, Mix: loadgen.Mix{Reads: 1, Writes: 1}, CasesPerClient: 2, Now: env.Clock.Now, Seed: 1,
		Users: []loadgen.User{{Username: "ana", Password: apptest.Password}, {Username: "sam", Password: apptest.Password}}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	stop()
	if len(rep.Status) != 0 {
		t.Errorf("errors by status: got %v, want none", rep.Status)
	}
	if got, want := len(rep.Versions), 8; got != want {
		t.Errorf("cases opened: got %d, want %d", got, want)
	}
	for _, op := range []loadgen.Op{loadgen.OpGetCase, loadgen.OpList, loadgen.OpDeadlines, loadgen.OpEvent} {
		if rep.Ops[op] == nil || rep.Ops[op].Count == 0 {
			t.Errorf("no %s request in the run", op)
		}
	}
	if got, want := rep.Writes().OK, rep.Acked; got != want {
		t.Errorf("acknowledged writes: got %d, want %d", want, got)
	}
	total := rep.Reads().Count + rep.Writes().Count
	if total > 150 {
		t.Errorf("requests: got %d, want at most 150 (MaxRequests)", total)
	}
	for id, v := range rep.Versions {
		var version int
		if err := env.DB.Read.Table("cases").Select("version").Where("id = ?", id).Scan(&version).Error; err != nil {
			t.Fatal(err)
		}
		if want := 1 + rep.Events[id]; version != want || v != want {
			t.Errorf("case %s: got version %d stored, %d acknowledged, want %d", id, version, v, want)
		}
	}
	after, _, err := audit.Head(env.DB.Read)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := after-before, int64(len(rep.Versions))+rep.Acked; got != want {
		t.Errorf("audit records added: got %d, want %d (cases opened + acknowledged events)", got, want)
	}
	var sb strings.Builder
	sum := &loadgen.Summary{Run: rep}
	sum.ReadsBase, err = loadgen.BaselineReads(context.Background(), 2, 100*time.Millisecond, 200)
	if err != nil {
		t.Fatal(err)
	}
	sum.WritesBase, err = loadgen.BaselineWrites(context.Background(), t.TempDir(), 2, 100*time.Millisecond, 100)
	if err != nil {
		t.Fatal(err)
	}
	if sum.ReadsBase.Stats.OK == 0 || sum.WritesBase.Stats.OK == 0 || sum.ReadsBase.Errors+sum.WritesBase.Errors != 0 {
		t.Errorf("baselines: got %d echo answers and %d commits, %d errors, want some and none",
			sum.ReadsBase.Stats.OK, sum.WritesBase.Stats.OK, sum.ReadsBase.Errors+sum.WritesBase.Errors)
	}
	if r := sum.ReadRatio(); r <= 0 {
		t.Errorf("read ratio: got %v, want > 0", r)
	}
	sum.WriteText(&sb)
	for _, want := range []string{"get_case", "deadlines", "acknowledged writes (200): ", "errors: none", "ratio reads:", "ratio writes:", "bare echo handler", "durable 1-row commit"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sb.String())
		}
	}
}
