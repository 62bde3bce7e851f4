package main

import (
	"context"
	"flag"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/casemgr/casemgr/internal/apptest"
	"github.com/casemgr/casemgr/internal/auth"
	cases "github.com/casemgr/casemgr/internal/case"
	"github.com/casemgr/casemgr/internal/eligibility"
)

// exit runs one command in process as main would and returns its exit
// status, its stdout and its stderr (with main's error line).
func exit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut syncBuffer
	err := run(context.Background(), args, testEnv(nil), strings.NewReader(""), &out, &errOut)
	return status(err, &errOut), out.String(), errOut.String()
}

// TestCaseEraseFlagsAnywhere erases cases with --data before and after the
// ID: the flag package alone stops at the ID and ignored --data after it.
func TestCaseEraseFlagsAnywhere(t *testing.T) {
	apptest.SkipOnPostgres(t, "the CLI opens the SQLite database of the data directory")
	env := apptest.New(t, nil)
	worker := auth.Actor{Username: "ana", Role: auth.RoleCaseworker, Shelter: "payoke"}
	newCase := func() cases.Case {
		c, err := env.Cases.Create(t.Context(), worker, cases.NewCase{
			Victim:       cases.VictimInput{GivenName: "Zenobia", FamilyName: "Quistwater", Gender: "female", Nationality: "NG"},
			Exploitation: []string{"labour"}, IdentifiedOn: "2025-06-01", IdentifiedBy: "police",
		})
		if err != nil {
			t.Fatalf("create case: %v", err)
		}
		return c
	}
	tests := []struct {
		name string
		args func(id string) []string
	}{
		{"flags after the ID", func(id string) []string { return []string{"case", "erase", id, "--data", env.Dir} }},
		{"flags before the ID", func(id string) []string { return []string{"case", "erase", "--data", env.Dir, id} }},
		{"single-dash flag after the ID", func(id string) []string { return []string{"case", "erase", id, "-data=" + env.Dir} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCase()
			code, out, errOut := exit(t, tt.args(c.ID)...)
			if code != 0 || !strings.HasPrefix(out, "erased the identity data of case "+c.Reference+" ("+c.ID+"); its history is kept\n") {
				t.Fatalf("got exit %d, stdout %q, stderr %q; want exit 0 and the erasure of %s", code, out, errOut, c.Reference)
			}
			got, err := env.Cases.Get(t.Context(), worker, c.ID, eligibility.Today(env.Clock.Now()))
			if err != nil {
				t.Fatalf("get after erase: %v", err)
			}
			if !got.Erased || got.Victim.GivenName != "" {
				t.Errorf("case after erase: got erased %v, given name %q; want erased, no name", got.Erased, got.Victim.GivenName)
			}
		})
	}
	// The wrong number of IDs is a usage error, and nothing is opened.
	for _, args := range [][]string{
		{"case", "erase", "--data", env.Dir},
		{"case", "erase", "a", "--data", env.Dir, "b"},
	} {
		code, _, errOut := exit(t, args...)
		if code != 2 || !strings.Contains(errOut, "usage: casemgr case erase ID") {
			t.Errorf("%v: got exit %d, stderr %q; want exit 2 and the usage", args, code, errOut)
		}
	}
}

// TestParseInterleaved checks where positional arguments may stand.
func TestParseInterleaved(t *testing.T) {
	tests := []struct {
		args    []string
		wantPos []string
		wantA   string
		wantB   bool
	}{
		{[]string{"x"}, []string{"x"}, "", false},
		{[]string{"--a", "1", "x", "--b"}, []string{"x"}, "1", true},
		{[]string{"x", "--a", "1", "y", "--b"}, []string{"x", "y"}, "1", true},
		{[]string{"x", "--", "--a", "1"}, []string{"x", "--a", "1"}, "", false},
		{[]string{"--b", "--", "-x"}, []string{"-x"}, "", true},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		a := fs.String("a", "", "")
		b := fs.Bool("b", false, "")
		pos, err := parseInterleaved(fs, tt.args)
		if err != nil || strings.Join(pos, " ") != strings.Join(tt.wantPos, " ") || *a != tt.wantA || *b != tt.wantB {
			t.Errorf("%q: got %q a=%q b=%v err %v; want %q a=%q b=%v", tt.args, pos, *a, *b, err, tt.wantPos, tt.wantA, tt.wantB)
		}
	}
}

// TestUsageErrors checks that every kind of wrong command line exits 2 and
// says what is accepted.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantStderr []string
		wantStdout string
	}{
		{"unknown command", []string{"frobnicate"}, []string{`casemgr: unknown command "frobnicate"`, "  audit verify ", "testing and measurement:"}, ""},
		{"unknown subcommand", []string{"audit", "frobnicate"}, []string{"usage:\n  casemgr audit verify [--checkpoint WITNESS]... [--consistency=false] | --file EXPORT", "\n  casemgr audit checkpoint"}, ""},
		{"group without subcommand", []string{"user"}, []string{"casemgr: usage: casemgr user add --username U --role R"}, ""},
		{"unknown flag", []string{"migrate", "--nope"}, []string{"flag provided but not defined: -nope", "usage: casemgr migrate\n", "--data DIR"}, ""},
		{"data flag on a command without it", []string{"loadtest", "--data", "x"}, []string{"flag provided but not defined: -data"}, ""},
		{"stray argument", []string{"backup", "extra", "--out", "x"}, []string{"casemgr: usage: casemgr backup --out FILE"}, ""},
		{"help on a command", []string{"keys", "rotate", "-h"}, []string{"usage: casemgr keys rotate\n", `Run "casemgr help keys rotate" for details.`}, ""},
		{"help on an unknown command", []string{"help", "audit", "nope"}, []string{`casemgr: help: unknown command "audit nope"`}, ""},
		{"no command", nil, nil, "usage: casemgr COMMAND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := exit(t, tt.args...)
			if code != 2 {
				t.Errorf("exit status: got %d, want 2", code)
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr: got %q, want it to contain %q", errOut, want)
				}
			}
			if !strings.HasPrefix(out, tt.wantStdout) || (tt.wantStdout == "" && out != "") {
				t.Errorf("stdout: got %q, want %q first", out, tt.wantStdout)
			}
		})
	}
}

// TestHelp checks the overview and the help of a nested command.
func TestHelp(t *testing.T) {
	code, out, _ := exit(t, "help")
	if code != 0 {
		t.Fatalf("help: got exit %d, want 0", code)
	}
	all, groups := leaves(commands, "")
	for i, c := range all {
		line := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.LongName()) + ` +` + regexp.QuoteMeta(c.Short) + `$`)
		loc := line.FindStringIndex(out)
		if loc == nil {
			t.Errorf("help: got no line %q with its summary in\n%s", c.LongName(), out)
			continue
		}
		testingAt := strings.Index(out, "\ntesting and measurement:\n")
		if inTesting := loc[0] > testingAt; inTesting != (groups[i] == groupTesting) {
			t.Errorf("help: %s listed under testing and measurement: %v, want %v", c.LongName(), inTesting, groups[i] == groupTesting)
		}
	}
	for _, name := range []string{"seed-data", "loadtest", "bench-reads"} {
		if c, _, err := find(commands, []string{name}); err != nil || c.Group != groupTesting {
			t.Errorf("%s: got %v, %v; want it in the testing and measurement group", name, c, err)
		}
	}

	code, out, _ = exit(t, "help", "audit", "verify")
	if code != 0 {
		t.Fatalf("help audit verify: got exit %d, want 0", code)
	}
	for _, want := range []string{
		"usage: casemgr audit verify [--checkpoint WITNESS]... [--consistency=false] | --file EXPORT [--filtered] [--checkpoint WITNESS]... [--manifest FILE]\n\nAudit verify recomputes",
		"\nflags:\n",
		"  --checkpoint FILE\n        a witness FILE kept outside the server",
		"  --manifest FILE\n        with --file: the export's signed manifest FILE",
		"  --data DIR\n", "  --filtered\n", "  --file EXPORT\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("help audit verify: got\n%s\nwant it to contain %q", out, want)
		}
	}
	_, out, _ = exit(t, "help", "loadtest")
	if !strings.Contains(out, "  --duration DURATION\n        length of the measured phase (and of each baseline) (default 10s)\n") || strings.Contains(out, "--data") {
		t.Errorf("help loadtest: got\n%s\nwant --duration with its default and no --data", out)
	}
	_, out, _ = exit(t, "help", "report")
	if !strings.Contains(out, "usage: casemgr report COMMAND") || !strings.Contains(out, "  report anonymized  k-anonymous") {
		t.Errorf("help report: got\n%s\nwant the group's commands", out)
	}
}

// TestCommandTable checks every entry: a name, a usage line whose flags
// exist, a summary, a long help and a run function; a group has
// subcommands and no flags of its own.
func TestCommandTable(t *testing.T) {
	var check func(table []*Command, prefix string)
	check = func(table []*Command, prefix string) {
		seen := map[string]bool{}
		for _, c := range table {
			name := c.LongName()
			if !strings.HasPrefix(name, prefix) || c.Name() == "" || seen[c.Name()] {
				t.Errorf("%q: want a new name under %q", c.UsageLine, prefix)
			}
			seen[c.Name()] = true
			if c.Short == "" {
				t.Errorf("%s: no summary", name)
			}
			if len(c.Commands) > 0 {
				if c.Flags != nil || c.UsageLine != name {
					t.Errorf("%s: a group has subcommands, no flags and no arguments", name)
				}
				check(c.Commands, name+" ")
				continue
			}
			if c.Long == "" || c.Flags == nil {
				t.Fatalf("%s: want a long help and flags with a run function", name)
			}
			fs, runFn := c.flagSet(io.Discard, &invocation{})
			if runFn == nil {
				t.Errorf("%s: no run function", name)
			}
			for _, m := range regexp.MustCompile(`--([a-z0-9-]+)`).FindAllStringSubmatch(c.UsageLine, -1) {
				if fs.Lookup(m[1]) == nil {
					t.Errorf("%s: usage line names --%s, which the command does not define", name, m[1])
				}
			}
			if got := fs.Lookup("data") != nil; got == c.NoConfig {
				t.Errorf("%s: takes --data %v, want %v", name, got, !c.NoConfig)
			}
		}
	}
	check(commands, "")
}

// TestReadmeCommands checks that every ./casemgr line of README.md names a
// command of the table and only flags that command defines.
func TestReadmeCommands(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile(`\./casemgr ([^#\n]*)`).FindAllStringSubmatch(string(b), -1)
	if len(lines) < 10 {
		t.Fatalf("README.md: got %d ./casemgr lines, want the list of other commands", len(lines))
	}
	for _, m := range lines {
		c, rest, err := find(commands, strings.Fields(m[1]))
		if err != nil {
			t.Errorf("README.md: %q: %v", m[0], err)
			continue
		}
		fs, _ := c.flagSet(io.Discard, &invocation{})
		if pos, err := parseInterleaved(fs, rest); err != nil || len(pos) != c.Args {
			t.Errorf("README.md: %q: got arguments %q, error %v; want %d arguments and known flags", m[0], pos, err, c.Args)
		}
	}
}
