package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/loadgen"
)

var cmdLoadtest = &Command{
	UsageLine: "loadtest --url URL (--username U --password-stdin | --users-file F) [--clients N] [--duration T] [--mix R:W]",
	Short:     "drive a running server over HTTP; compare with baselines measured in the same run",
	Group:     groupTesting,
	NoConfig:  true,
	Long: `Loadtest drives a running server over HTTP with concurrent clients, each
logged in as a caseworker or supervisor, reading and writing cases in the
proportion of --mix. It first measures, in the same run, the baselines it is
compared with: a bare HTTP handler for reads and durable one-row SQLite
commits for writes. With --rounds N it measures baselines and server N
times in turn and reports each ratio's median: on a shared machine one
run's ratio moves by about a tenth. It does not read a deployment's
configuration.
docs/performance.md gives the method and the measured figures.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var o loadtestFlags
		fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base `URL` of the running server")
		fs.StringVar(&o.username, "username", "", "caseworker or supervisor to log in as")
		fs.StringVar(&o.password, "password", "", "its password (prefer --password-stdin or --users-file: flags show in ps)")
		fs.BoolVar(&o.pwStdin, "password-stdin", false, "read the password of --username from the first line of standard input")
		fs.StringVar(&o.usersFile, "users-file", "", "`FILE` of username:password lines (caseworkers or supervisors); clients use them round-robin")
		fs.IntVar(&o.clients, "clients", 16, "concurrent clients")
		fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of the measured phase (and of each baseline)")
		fs.Int64Var(&o.maxRequests, "max-requests", 1_000_000, "at most this many requests in the measured phase (and in each baseline)")
		fs.StringVar(&o.mix, "mix", "80:20", "reads:writes")
		fs.StringVar(&o.reads, "reads", "get_case,list,deadlines", "kinds of read, in equal parts: get_case, list, deadlines")
		fs.IntVar(&o.casesPer, "cases-per-client", 2, "cases each client opens before the measured phase (targets of its writes)")
		fs.StringVar(&o.scratch, "scratch-dir", os.TempDir(), "directory of the scratch SQLite file of the write baseline (use the server's file system)")
		fs.BoolVar(&o.noBase, "no-baselines", false, "skip the baselines")
		fs.IntVar(&o.rounds, "rounds", 1, "repeat baselines and measured phase this many times and report each ratio's median (the machine's noise)")
		fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile of the measured phase (the last round's) to `FILE` (go tool pprof)")
		return func(in *invocation) error { return in.loadtest(o) }
	},
}

// loadtestFlags are the flags of loadtest.
type loadtestFlags struct {
	url, username, password, usersFile, mix, scratch, reads string
	cpuProfile                                              string
	pwStdin, noBase                                         bool
	clients, casesPer, rounds                               int
	duration                                                time.Duration
	maxRequests                                             int64
}

// loadtest drives a running server over HTTP and measures, in the same
// run, the baselines it is compared with.
func (in *invocation) loadtest(o loadtestFlags) error {
	mix, err := loadgen.ParseMix(o.mix)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	reads, err := loadgen.ParseReads(o.reads)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	users, err := loadtestUsers(o.usersFile, o.username, o.password, o.pwStdin, in.stdin)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if o.clients <= 0 || o.duration <= 0 {
		return errors.New("loadtest: want --clients > 0 and --duration > 0")
	}
	if o.rounds < 1 {
		return errors.New("loadtest: want --rounds >= 1")
	}
	var rounds []*loadgen.Summary
	for r := 1; r <= o.rounds; r++ {
		if o.rounds > 1 {
			fmt.Fprintf(in.stderr, "loadtest: round %d of %d\n", r, o.rounds)
			fmt.Fprintf(in.stdout, "round %d of %d\n", r, o.rounds)
		}
		sum, err := in.loadtestRound(o, mix, reads, users)
		if err != nil {
			return err
		}
		rounds = append(rounds, sum)
	}
	loadgen.WriteRounds(in.stdout, rounds)
	return nil
}

// loadtestRound measures the baselines, then the server, once.
func (in *invocation) loadtestRound(o loadtestFlags, mix loadgen.Mix, reads []loadgen.Op, users []loadgen.User) (*loadgen.Summary, error) {
	var err error
	sum := &loadgen.Summary{}
	if !o.noBase {
		if mix.Reads > 0 {
			fmt.Fprintf(in.stderr, "loadtest: baseline GET /healthz of %s, %d clients, %s\n", o.url, o.clients, o.duration)
			if sum.ServerBase, err = loadgen.BaselineHealthz(in.ctx, o.url, o.clients, o.duration, o.maxRequests); err != nil {
				return nil, err
			}
			fmt.Fprintf(in.stderr, "loadtest: baseline reads (bare echo handler), %d clients, %s\n", o.clients, o.duration)
			if sum.ReadsBase, err = loadgen.BaselineReads(in.ctx, o.clients, o.duration, o.maxRequests); err != nil {
				return nil, err
			}
		}
		if mix.Writes > 0 {
			fmt.Fprintf(in.stderr, "loadtest: baseline writes (durable one-row commits in %s), %d writers, %s\n", o.scratch, o.clients, o.duration)
			if sum.WritesBase, err = loadgen.BaselineWrites(in.ctx, o.scratch, o.clients, o.duration, o.maxRequests); err != nil {
				return nil, err
			}
		}
	}
	fmt.Fprintf(in.stderr, "loadtest: %s, %d clients, mix %s, %s\n", o.url, o.clients, mix, o.duration)
	if o.cpuProfile != "" {
		// The clients share the machine with the server: their own CPU per
		// request is what the ratios cannot tell apart from the server's.
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := loadgen.Run(in.ctx, loadgen.Options{BaseURL: o.url, Users: users, Clients: o.clients, Duration: o.duration,
		MaxRequests: o.maxRequests, Mix: mix, Reads: reads, CasesPerClient: o.casesPer, Now: in.now, Seed: uint64(in.now().UnixNano())})
	if rep != nil {
		sum.Run = rep
		sum.WriteText(in.stdout)
	}
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	return sum, nil
}

// loadtestUsers reads the accounts of a load test from a users file, or
// the one of --username with its password.
func loadtestUsers(file, username, password string, fromStdin bool, stdin io.Reader) ([]loadgen.User, error) {
	if file != "" {
		if username != "" {
			return nil, errors.New("give --users-file or --username, not both")
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		var out []loadgen.User
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			u, p, ok := strings.Cut(line, ":")
			if !ok || u == "" || p == "" {
				return nil, fmt.Errorf("%s line %d: want username:password", file, n)
			}
			out = append(out, loadgen.User{Username: u, Password: p})
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("%s: no users", file)
		}
		return out, nil
	}
	if username == "" {
		return nil, errors.New("give --users-file, or --username with --password-stdin (or --password)")
	}
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read the password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	if password == "" {
		return nil, errors.New("no password for --username")
	}
	return []loadgen.User{{Username: username, Password: password}}, nil
}
