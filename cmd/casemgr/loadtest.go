package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/loadgen"
)

// loadtest runs `casemgr loadtest`: drives a running server over HTTP and
// measures, in the same run, the baselines it is compared with.
func (e env) loadtest(args []string) error {
	fs := flag.NewFlagSet("casemgr loadtest", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "base URL of the running server")
	username := fs.String("username", "", "caseworker or supervisor to log in as")
	password := fs.String("password", "", "its password (prefer --password-stdin or --users-file: flags show in ps)")
	pwStdin := fs.Bool("password-stdin", false, "read the password of --username from the first line of standard input")
	usersFile := fs.String("users-file", "", "file of username:password lines (caseworkers or supervisors); clients use them round-robin")
	clients := fs.Int("clients", 16, "concurrent clients")
	duration := fs.Duration("duration", 10*time.Second, "length of the measured phase (and of each baseline)")
	maxRequests := fs.Int64("max-requests", 1_000_000, "at most this many requests in the measured phase (and in each baseline)")
	mixFlag := fs.String("mix", "80:20", "reads:writes")
	casesPer := fs.Int("cases-per-client", 2, "cases each client opens before the measured phase (targets of its writes)")
	scratch := fs.String("scratch-dir", os.TempDir(), "directory of the scratch SQLite file of the write baseline (use the server's file system)")
	noBase := fs.Bool("no-baselines", false, "skip the baselines")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	mix, err := loadgen.ParseMix(*mixFlag)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	users, err := loadtestUsers(*usersFile, *username, *password, *pwStdin, e.stdin)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if *clients <= 0 || *duration <= 0 {
		return errors.New("loadtest: want --clients > 0 and --duration > 0")
	}
	sum := &loadgen.Summary{}
	if !*noBase {
		if mix.Reads > 0 {
			fmt.Fprintf(e.stderr, "loadtest: baseline reads (bare echo handler), %d clients, %s\n", *clients, *duration)
			if sum.ReadsBase, err = loadgen.BaselineReads(e.ctx, *clients, *duration, *maxRequests); err != nil {
				return err
			}
		}
		if mix.Writes > 0 {
			fmt.Fprintf(e.stderr, "loadtest: baseline writes (durable one-row commits in %s), %d writers, %s\n", *scratch, *clients, *duration)
			if sum.WritesBase, err = loadgen.BaselineWrites(e.ctx, *scratch, *clients, *duration, *maxRequests); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(e.stderr, "loadtest: %s, %d clients, mix %s, %s\n", *url, *clients, mix, *duration)
	rep, err := loadgen.Run(e.ctx, loadgen.Options{BaseURL: *url, Users: users, Clients: *clients, Duration: *duration,
		MaxRequests: *maxRequests, Mix: mix, CasesPerClient: *casesPer, Now: e.now, Seed: uint64(e.now().UnixNano())})
	if rep != nil {
		sum.Run = rep
		sum.WriteText(e.stdout)
	}
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	return nil
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
