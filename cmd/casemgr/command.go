package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// A Command is one casemgr command, or a group of subcommands (audit,
// report, case, ...), after cmd/go's base.Command. A command's name, usage
// line, help and flags live in its one entry, so that `casemgr help` says
// what the command accepts and the dispatcher needs no per-command code.
type Command struct {
	// UsageLine is the command's name path and arguments, without
	// "casemgr": "case erase ID". Its leading lower-case words are the
	// name.
	UsageLine string
	// Short is the one-line summary of `casemgr help`.
	Short string
	// Long is the text of `casemgr help NAME`.
	Long string
	// Group is the heading `casemgr help` lists the command under; empty
	// for the main list.
	Group string
	// Args is the number of positional arguments the command takes.
	Args int
	// NoConfig marks the commands that do not read a deployment's
	// configuration: they take no --config and --data.
	NoConfig bool
	// Flags declares the command's own flags on a new flag set and returns
	// the function that runs the command with them. It is called once per
	// run, so that no flag value outlives one (the tests run many commands
	// in one process).
	Flags func(fs *flag.FlagSet) func(in *invocation) error
	// Commands are the subcommands of a group, which has no Flags.
	Commands []*Command
}

// commands is the table of casemgr commands, in the order of the help.
var commands = []*Command{
	cmdServe,
	cmdMigrate,
	cmdMigrateData,
	cmdUser,
	cmdAudit,
	cmdReport,
	cmdCase,
	cmdKeys,
	cmdBackup,
	cmdSeedData,
	cmdLoadtest,
	cmdBenchReads,
}

// groupTesting is the help heading of the commands that generate data and
// measure performance (docs/performance.md).
const groupTesting = "testing and measurement"

// LongName is the command's full name: "audit verify".
func (c *Command) LongName() string {
	var name []string
	for _, w := range strings.Fields(c.UsageLine) {
		if w == "" || w[0] < 'a' || w[0] > 'z' {
			break
		}
		name = append(name, w)
	}
	return strings.Join(name, " ")
}

// Name is the last word of LongName, which selects the command in its
// group: "verify".
func (c *Command) Name() string {
	n := c.LongName()
	return n[strings.LastIndexByte(n, ' ')+1:]
}

// usage is the usage message of a command, or of each command of a group.
func (c *Command) usage() string {
	if len(c.Commands) == 0 {
		return "usage: casemgr " + c.UsageLine
	}
	if len(c.Commands) == 1 {
		return c.Commands[0].usage()
	}
	var b strings.Builder
	b.WriteString("usage:")
	for _, sub := range c.Commands {
		b.WriteString("\n  casemgr " + sub.UsageLine)
	}
	return b.String()
}

var errUnknownCommand = errors.New("unknown command")

// find walks the table along args ("audit", "verify", ...) to a command
// that runs and returns it with the arguments that follow its name. An
// unknown first word gives errUnknownCommand; a group without a known
// subcommand, the group's usage.
func find(table []*Command, args []string) (*Command, []string, error) {
	var group *Command
	for {
		var c *Command
		if len(args) > 0 {
			c = lookup(table, args[0])
		}
		switch {
		case c == nil && group == nil:
			return nil, nil, errUnknownCommand
		case c == nil:
			return nil, nil, errors.New(group.usage())
		case len(c.Commands) == 0:
			return c, args[1:], nil
		}
		group, table, args = c, c.Commands, args[1:]
	}
}

func lookup(table []*Command, name string) *Command {
	for _, c := range table {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// flagSet returns the command's flag set, with --config and --data bound
// to in unless the command is NoConfig, and its run function.
func (c *Command) flagSet(stderr io.Writer, in *invocation) (*flag.FlagSet, func(*invocation) error) {
	fs := flag.NewFlagSet("casemgr "+c.LongName(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	if !c.NoConfig {
		fs.StringVar(&in.configFile, "config", "", "YAML configuration `FILE` (see config.example.yaml)")
		fs.StringVar(&in.dataDir, "data", "", "data directory `DIR`: database and key files (default ./data)")
	}
	runFn := c.Flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n", c.usage())
		printFlags(stderr, fs)
		fmt.Fprintf(stderr, "Run \"casemgr help %s\" for details.\n", c.LongName())
	}
	return fs, runFn
}

// printFlags lists a flag set's flags in the --name form that README.md
// uses, each with its help and non-zero default.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			fmt.Fprintln(w, "\nflags:")
			first = false
		}
		arg, help := flag.UnquoteUsage(f)
		if !strings.Contains(f.Usage, "`") {
			arg = strings.ToUpper(f.Name)
		}
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); isBool {
			arg = ""
		}
		fmt.Fprintf(w, "  --%s", f.Name)
		if arg != "" {
			fmt.Fprintf(w, " %s", arg)
		}
		fmt.Fprintf(w, "\n        %s", help)
		switch f.DefValue {
		case "", "0", "false":
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	if !first {
		fmt.Fprintln(w)
	}
}

// leaves returns the commands that run, in table order, each with the
// help group of itself or of its group.
func leaves(table []*Command, group string) (out []*Command, groups []string) {
	for _, c := range table {
		g := c.Group
		if g == "" {
			g = group
		}
		if len(c.Commands) > 0 {
			o, gs := leaves(c.Commands, g)
			out, groups = append(out, o...), append(groups, gs...)
			continue
		}
		out, groups = append(out, c), append(groups, g)
	}
	return out, groups
}

// printList lists commands with their summaries, one group after another.
func printList(w io.Writer, table []*Command) {
	cmds, groups := leaves(table, "")
	width := 0
	for _, c := range cmds {
		width = max(width, len(c.LongName()))
	}
	var order []string
	for _, g := range groups {
		if !slices.Contains(order, g) {
			order = append(order, g)
		}
	}
	for i, g := range order {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if g == "" {
			g = "commands"
		}
		fmt.Fprintf(w, "%s:\n", g)
		for j, c := range cmds {
			if groups[j] == order[i] {
				fmt.Fprintf(w, "  %-*s  %s\n", width, c.LongName(), c.Short)
			}
		}
	}
}

// printHelp writes the overview of `casemgr help`.
func printHelp(w io.Writer) {
	fmt.Fprint(w, "usage: casemgr COMMAND [ARGUMENTS] [FLAGS]\n\n")
	printList(w, commands)
	var noConfig []string
	cmds, _ := leaves(commands, "")
	for _, c := range cmds {
		if c.NoConfig {
			noConfig = append(noConfig, c.LongName())
		}
	}
	fmt.Fprintf(w, "\nFlags may come before or after the arguments. Every command but %s\n"+
		"takes --config FILE and --data DIR (default ./data).\n"+
		"Run \"casemgr help COMMAND\" for a command's arguments, flags and details.\n",
		strings.Join(noConfig, " and "))
}

// help runs `casemgr help [COMMAND...]`.
func help(w io.Writer, args []string) error {
	if len(args) == 0 {
		printHelp(w)
		return nil
	}
	table := commands
	var c *Command
	for i, name := range args {
		if c = lookup(table, name); c == nil {
			return fmt.Errorf("help: unknown command %q; run \"casemgr help\" for the list", strings.Join(args[:i+1], " "))
		}
		table = c.Commands
	}
	if len(c.Commands) > 0 {
		fmt.Fprintf(w, "usage: casemgr %s COMMAND [ARGUMENTS] [FLAGS]\n\n", c.LongName())
		if c.Long != "" {
			fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.Long))
		}
		printList(w, c.Commands)
		fmt.Fprintf(w, "\nRun \"casemgr help %s COMMAND\" for a command's arguments, flags and details.\n", c.LongName())
		return nil
	}
	fmt.Fprintf(w, "%s\n\n%s\n", c.usage(), strings.TrimSpace(c.Long))
	fs, _ := c.flagSet(io.Discard, &invocation{})
	printFlags(w, fs)
	return nil
}
