package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/auth"
	"github.com/casemgr/casemgr/internal/config"
)

// exitCode ends the program with a status and no further message (the
// command already printed what happened).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const usage = `usage: casemgr <command> [flags]

commands:
  serve   [--listen ADDR] [--demo]     start the server (creates and migrates the database if needed)
  migrate                              apply schema migrations and exit
  migrate-data --from sqlite:PATH --to postgres:DSN
                                       copy a SQLite deployment into an empty PostgreSQL database and verify it
  user add --username U --role R [--shelter S] --password-stdin
  audit verify [--file EXPORT]         exit 0 if the audit chain (or an export file) is intact, 1 and the first bad seq if not
  audit export [--format ndjson|csv] [--from D] [--to D] [--out FILE]
                                       stream the audit log (recorded in the chain as an export)
  audit checkpoint                     sign the chain head with the checkpoint key
  report annual --year Y [--format json|csv|xlsx] [--shelter S] [--exact] [--out FILE]
                                       national statistics of a year (small-cell protected unless --exact with --shelter)
  report anonymized --year Y [--k N] [--format csv|ndjson] [--out FILE]
                                       k-anonymous record-level export (CTDC columns); recorded in the chain
  case erase ID                        destroy a case's identity data (its history stays)
  keys rotate                          new key-encryption key; re-wrap every data key; retire the old one
  backup --out FILE                    consistent online copy of the database (VACUUM INTO); never overwrites
  seed-data --cases N --events-per-case M [--shelters a,b] [--mode auto|service|bulk]
                                       synthetic cases for load and scale tests (test databases only)
  loadtest --url URL (--username U --password-stdin | --users-file F) [--clients N] [--duration T] [--mix R:W]
                                       drive a running server over HTTP; compare with baselines measured in the same run
  bench-reads [--samples N]            latency of GET case, list and deadlines on this database, in process

every command but migrate-data and loadtest takes --config FILE and --data DIR (default ./data)
`

// env bundles what a command may touch, so that tests can run commands in
// process.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
}

// run executes one casemgr command.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return exitCode(2)
		}
		return nil
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return e.serve(rest)
	case "migrate":
		return e.migrate(rest)
	case "migrate-data":
		return e.migrateData(rest)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			return fmt.Errorf("usage: casemgr user add --username U --role R [--shelter S] --password-stdin")
		}
		return e.userAdd(rest[1:])
	case "case":
		if len(rest) == 0 || rest[0] != "erase" {
			return fmt.Errorf("usage: casemgr case erase ID")
		}
		return e.caseErase(rest[1:])
	case "keys":
		if len(rest) == 0 || rest[0] != "rotate" {
			return fmt.Errorf("usage: casemgr keys rotate")
		}
		return e.keysRotate(rest[1:])
	case "backup":
		return e.backup(rest)
	case "seed-data":
		return e.seedData(rest)
	case "loadtest":
		return e.loadtest(rest)
	case "bench-reads":
		return e.benchReads(rest)
	case "audit":
		return e.audit(rest)
	case "report":
		return e.report(rest)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// common are the flags of every command.
type common struct {
	config string
	data   string
}

func newFlags(name string, stderr io.Writer) (*flag.FlagSet, *common) {
	fs := flag.NewFlagSet("casemgr "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &common{}
	fs.StringVar(&c.config, "config", "", "YAML configuration file (see config.example.yaml)")
	fs.StringVar(&c.data, "data", "", "data directory: database and key files (default ./data)")
	return fs, c
}

func (e env) load(c *common) (config.Config, error) {
	return config.Load(c.config, e.getenv, c.data)
}

func (e env) logger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
			a.Value = slog.TimeValue(a.Value.Time().UTC())
		}
		return a
	}}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(e.stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(e.stderr, opts))
}

// openApp loads the configuration of a command and opens the application.
func (e env) openApp(c *common) (*app.App, error) {
	cfg, err := e.load(c)
	if err != nil {
		return nil, err
	}
	return e.open(cfg)
}

func (e env) open(cfg config.Config) (*app.App, error) {
	if err := os.MkdirAll(cfg.Server.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", cfg.Server.DataDir, err)
	}
	return app.Open(e.ctx, cfg, e.now, e.logger(cfg))
}

func (e env) serve(args []string) error {
	fs, c := newFlags("serve", e.stderr)
	listen := fs.String("listen", "", "address to listen on (default server.listen, 127.0.0.1:8080)")
	demo := fs.Bool("demo", false, "load demo users (passwords printed) and demo cases")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	cfg, err := e.load(c)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Server.Listen = *listen
	}
	a, err := e.open(cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if len(a.CreatedKeys) > 0 {
		fmt.Fprintf(e.stdout, "Generated secrets in %s: %s (keep them out of the database backups, and back them up separately).\n",
			cfg.KeyDir(), strings.Join(a.CreatedKeys, ", "))
	}
	pw, created, err := a.EnsureFirstAdmin(e.ctx)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Listen, err)
	}
	scheme := "http"
	if cfg.Server.TLSCertFile != "" {
		scheme = "https"
	}
	base := scheme + "://" + ln.Addr().String()
	if created {
		fmt.Fprintf(e.stdout, `
First start: an administrator account was created.
  username: admin
  password: %s
This password is shown only once. Log in with:
  curl -s -X POST %s/api/v1/auth/login -H 'Content-Type: application/json' \
       -d '{"username":"admin","password":"%s"}'
then create users for your shelter with POST /api/v1/users (see README.md).

`, pw, base, pw)
	}
	if *demo {
		users, err := a.LoadDemo(e.ctx)
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintln(e.stdout, "DEMO DATA loaded (cases marked \"demo\": true; not real people). Demo accounts:")
		for _, u := range users {
			fmt.Fprintf(e.stdout, "  %-24s %-11s %-8s password: %s\n", u.Username, u.Role, u.Shelter, u.Password)
		}
	}
	fmt.Fprintf(e.stdout, "casemgr listening on %s (data in %s)\n", base, cfg.Server.DataDir)
	return a.Serve(e.ctx, ln)
}

func (e env) migrate(args []string) error {
	fs, c := newFlags("migrate", e.stderr)
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	a, err := e.openApp(c)
	if err != nil {
		return err
	}
	defer a.Close()
	applied, latest, err := a.DB.SchemaVersion(e.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "schema at version %d of %d\n", applied, latest)
	return nil
}

func (e env) userAdd(args []string) error {
	fs, c := newFlags("user add", e.stderr)
	username := fs.String("username", "", "login name")
	role := fs.String("role", "", "caseworker, supervisor, auditor or admin")
	shelter := fs.String("shelter", "", "shelter id (caseworkers and supervisors)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if !*fromStdin {
		return errors.New("user add: give --password-stdin and the password on standard input (never on the command line)")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	a, err := e.openApp(c)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.CreateUser(e.ctx, auth.System, auth.NewUser{Username: *username, Password: password,
		Role: auth.Role(*role), Shelter: *shelter})
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(e.stdout, "created user %s (%s%s)\n", u.Username, u.Role, shelterSuffix(u.Shelter()))
	return nil
}

func shelterSuffix(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}
