package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/casemgr/casemgr/internal/app"
	"github.com/casemgr/casemgr/internal/config"
)

// exitCode ends the program with a status and no further message (the
// command already printed what happened).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// status is the exit status of a command that returned err, which it
// prints unless the command already said what happened (exitCode): 0 for
// success, 2 for any other error, usage errors included.
func status(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
	}
	fmt.Fprintln(stderr, "casemgr:", err)
	return 2
}

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

// run executes one casemgr command: it finds the command in the table
// (commands), parses its flags and runs it. No arguments print the help and
// exit 2; an unknown command prints it to standard error and is an error
// (exit 2).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	if len(args) == 0 {
		printHelp(stdout)
		return exitCode(2)
	}
	switch args[0] {
	case "help", "-h", "--help":
		return help(stdout, args[1:])
	}
	c, rest, err := find(commands, args)
	if errors.Is(err, errUnknownCommand) {
		printHelp(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	if err != nil {
		return err
	}
	return e.runCommand(c, rest)
}

// runCommand parses a command's flags, before or after its positional
// arguments, checks the number of those, and runs it; the app it opened,
// if any, is closed when it returns.
func (e env) runCommand(c *Command, args []string) error {
	in := &invocation{env: e, cmd: c}
	fs, runFn := c.flagSet(e.stderr, in)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitCode(2) // the flag package printed the error and the usage
	}
	if len(pos) != c.Args {
		return errors.New(c.usage())
	}
	in.args = pos
	defer in.close()
	return runFn(in)
}

// parseInterleaved parses flags that come before, between or after the
// positional arguments (the flag package stops at the first of these):
// parse, take one positional argument, parse the rest again. After "--"
// every argument is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// invocation is one run of a command: its environment, its positional
// arguments, and the configuration and app it opens on demand.
type invocation struct {
	env
	cmd        *Command
	args       []string
	configFile string // --config
	dataDir    string // --data
	cfg        *config.Config
	app        *app.App
}

// Config loads the configuration once (--config, the environment, --data).
// A command may change it before App opens the app with it.
func (in *invocation) Config() (*config.Config, error) {
	if in.cfg == nil {
		cfg, err := config.Load(in.configFile, in.getenv, in.dataDir)
		if err != nil {
			return nil, err
		}
		in.cfg = &cfg
	}
	return in.cfg, nil
}

// App opens the application (configuration, data directory, database and
// key files) once; runCommand closes it after the command. Commands call
// it after checking their flags, so a usage error never touches the data.
func (in *invocation) App() (*app.App, error) {
	if in.app != nil {
		return in.app, nil
	}
	cfg, err := in.Config()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Server.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", cfg.Server.DataDir, err)
	}
	a, err := app.Open(in.ctx, *cfg, in.now, in.logger(*cfg))
	if err != nil {
		return nil, err
	}
	in.app = a
	return a, nil
}

func (in *invocation) close() {
	if in.app != nil {
		in.app.Close()
	}
}

func (e env) logger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	// Any ReplaceAttr makes the handlers pass the level through it as an
	// slog.Level, which the JSON handler then encodes with encoding/json: a
	// tenth of every request's log line. It is given back as its text,
	// which is what that encoding writes ("INFO").
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
			a.Value = slog.TimeValue(a.Value.Time().UTC())
		}
		if a.Key == slog.LevelKey && len(groups) == 0 {
			if l, ok := a.Value.Any().(slog.Level); ok {
				a.Value = slog.StringValue(l.String())
			}
		}
		return a
	}}
	if cfg.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(e.stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(e.stderr, opts))
}
