package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/casemgr/casemgr/internal/auth"
)

var cmdServe = &Command{
	UsageLine: "serve [--listen ADDR] [--demo]",
	Short:     "start the server (creates and migrates the database if needed)",
	Long: `Serve opens the database and the key files of the data directory, creating
and migrating them on the first start, and serves the API and the web UI
until interrupted. On the first start it creates the administrator "admin"
and prints its password, once.

--demo loads demo users (printed with their passwords) and cases at every
stage of the NRM path, marked as demo data; never on a real deployment.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		listen := fs.String("listen", "", "`ADDR` to listen on (default server.listen, 127.0.0.1:8080)")
		demo := fs.Bool("demo", false, "load demo users (passwords printed) and demo cases")
		prof := fs.String("pprof", "", "serve Go's profiler on this loopback `ADDR` (measurements only, pprof.go)")
		return func(in *invocation) error {
			if *prof != "" {
				if err := in.startPprof(*prof); err != nil {
					return err
				}
			}
			return in.serve(*listen, *demo)
		}
	},
}

// serverGCPercent is the garbage collector's target the server runs with
// unless GOGC is set: the kept case views make the heap mostly long-lived,
// and collecting at 3 times the live heap instead of 2 gave 6 to 10% more
// events a second (docs/performance.md "Issue 18").
const serverGCPercent = 200

func (in *invocation) serve(listen string, demo bool) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	cfg, err := in.Config()
	if err != nil {
		return err
	}
	if listen != "" {
		cfg.Server.Listen = listen
	}
	if err := checkPrivate(*cfg); err != nil {
		return err
	}
	a, err := in.App()
	if err != nil {
		return err
	}
	if len(a.CreatedKeys) > 0 {
		fmt.Fprintf(in.stdout, "Generated secrets in %s: %s (keep them out of the database backups, and back them up separately).\n",
			cfg.KeyDir(), strings.Join(a.CreatedKeys, ", "))
	}
	pw, created, err := a.EnsureFirstAdmin(in.ctx)
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
		fmt.Fprintf(in.stdout, `
First start: an administrator account was created.
  username: admin
  password: %s
This password is shown only once. Log in with:
  curl -s -X POST %s/api/v1/auth/login -H 'Content-Type: application/json' \
       -d '{"username":"admin","password":"%s"}'
then create users for your shelter with POST /api/v1/users (see README.md).

`, pw, base, pw)
	}
	if demo {
		users, err := a.LoadDemo(in.ctx)
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintln(in.stdout, "DEMO DATA loaded (cases marked \"demo\": true; not real people). Demo accounts:")
		for _, u := range users {
			fmt.Fprintf(in.stdout, "  %-24s %-11s %-8s password: %s\n", u.Username, u.Role, u.Shelter, u.Password)
		}
	}
	fmt.Fprintf(in.stdout, "casemgr listening on %s (data in %s)\n", base, cfg.Server.DataDir)
	return a.Serve(in.ctx, ln)
}

var cmdMigrate = &Command{
	UsageLine: "migrate",
	Short:     "apply schema migrations and exit",
	Long: `Migrate opens the database, applies the schema migrations it lacks (serve
does the same at every start) and prints the schema version.`,
	Flags: noFlags(func(in *invocation) error {
		a, err := in.App()
		if err != nil {
			return err
		}
		applied, latest, err := a.DB.SchemaVersion(in.ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(in.stdout, "schema at version %d of %d\n", applied, latest)
		return nil
	}),
}

// noFlags is the Flags of a command that has none of its own.
func noFlags(run func(*invocation) error) func(*flag.FlagSet) func(*invocation) error {
	return func(*flag.FlagSet) func(*invocation) error { return run }
}

var cmdUser = &Command{
	UsageLine: "user",
	Short:     "user accounts",
	Commands:  []*Command{cmdUserAdd},
}

var cmdUserAdd = &Command{
	UsageLine: "user add --username U --role R [--shelter S] --password-stdin",
	Short:     "create a user account (the password on standard input)",
	Long: `User add creates an account, as an administrator would through the API. The
password is read from the first line of standard input, never from the
command line (which other users of the machine can see).

Roles: caseworker and supervisor (both with --shelter), auditor, admin.`,
	Flags: func(fs *flag.FlagSet) func(*invocation) error {
		var u auth.NewUser
		fs.StringVar(&u.Username, "username", "", "login name")
		role := fs.String("role", "", "caseworker, supervisor, auditor or admin")
		fs.StringVar(&u.Shelter, "shelter", "", "shelter id (caseworkers and supervisors)")
		fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
		return func(in *invocation) error {
			u.Role = auth.Role(*role)
			return in.userAdd(u, *fromStdin)
		}
	},
}

func (in *invocation) userAdd(nu auth.NewUser, fromStdin bool) error {
	if !fromStdin {
		return errors.New("user add: give --password-stdin and the password on standard input (never on the command line)")
	}
	line, err := bufio.NewReader(in.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	nu.Password = strings.TrimRight(line, "\r\n")
	a, err := in.App()
	if err != nil {
		return err
	}
	up, err := a.Auth.CreateUser(in.ctx, auth.System, nu)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	u := up.User
	fmt.Fprintf(in.stdout, "created user %s (%s%s)\n", u.Username, u.Role, shelterSuffix(u.Shelter()))
	return nil
}

func shelterSuffix(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}
