package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/rolecall/rolecall/internal/termtext"
)

// Exit codes.
const (
	exitOK     = 0 // every provider listed completely
	exitFailed = 1 // a provider failed (the others' results are still written)
	exitUsage  = 2 // the command line or the environment is wrong
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills the process the usual way.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// app is one invocation's environment.
type app struct {
	ctx    context.Context
	env    getenv
	stdout io.Writer
	stderr io.Writer
	// terminal is true when stderr is a terminal: progress is drawn there.
	terminal bool
}

// isTerminal reports whether w is a terminal (a character device). A
// writer may also say so itself, with a Terminal method (tests do).
func isTerminal(w io.Writer) bool {
	if t, ok := w.(interface{ Terminal() bool }); ok {
		return t.Terminal()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// command is one subcommand.
type command struct {
	name     string
	args     string // what follows the name in the synopsis
	summary  string // one line, for the command list
	about    string // what it does, for its --help
	examples string // for its --help
	run      func(a *app, cmd *command, args []string) int
}

// commands are the subcommands, in help order; filled in by init so that
// their run functions may refer to the list.
var commands []*command

func init() {
	commands = []*command{listCommand, peopleCommand, reviewCommand, demoCommand, verifyCommand, recordCommand, diffCommand,
		checkCommand, exportCommand, mergeCommand, versionCommand}
}

// run is the whole program: it returns the exit code.
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, env: getenv(env), stdout: stdout, stderr: stderr, terminal: isTerminal(stderr)}
	if len(args) == 0 {
		a.topUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 && !isHelpFlag(args[1]) {
			if cmd := findCommand(args[1]); cmd != nil {
				return cmd.run(a, cmd, []string{"--help"})
			}
			fmt.Fprintf(stderr, "rolecall help: unknown command %q\n", termtext.Escape(args[1]))
			return exitUsage
		}
		a.topUsage(stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	cmd := findCommand(name)
	if cmd == nil {
		fmt.Fprintf(stderr, "rolecall: unknown command %q\n\n", termtext.Escape(name))
		a.topUsage(stderr)
		return exitUsage
	}
	return cmd.run(a, cmd, args[1:])
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (a *app) topUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("rolecall lists who holds which role in Cortex, OpenAI, Vectara and Logto, for access reviews.\n\n")
	b.WriteString("Usage:\n  rolecall <command> [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'rolecall <command> --help' for a command's flags and examples.\n")
	b.WriteString("Start with 'rolecall demo': it needs no credentials and no network.\n")
	io.WriteString(w, b.String())
}

// usageError is a mistake on the command line or in the environment:
// exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// usage reports a usage error and returns its exit code.
func (a *app) usage(cmd *command, err error) int {
	msg := termtext.EscapeLines(a.env.scrubber().String(err.Error()))
	fmt.Fprintf(a.stderr, "rolecall %s: %s\nRun 'rolecall %s --help' for usage.\n", cmd.name, msg, cmd.name)
	return exitUsage
}

// parse parses a subcommand's flags, which may come before, between or
// after its positional arguments (up to a "--"). It returns the positional
// arguments; done is true when the command must end with code (after
// --help, or on a bad flag).
func (a *app) parse(cmd *command, fs *flag.FlagSet, args []string) (positional []string, done bool, code int) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			a.help(cmd, fs, a.stdout)
			return nil, true, exitOK
		}
		if err != nil {
			return nil, true, a.usage(cmd, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, false, 0
		}
		// fs.Parse stops at "--" (and drops it) or at the first non-flag.
		if len(args) >= len(rest)+1 && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), false, 0
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// help writes a subcommand's help: synopsis, description, flags and
// examples.
func (a *app) help(cmd *command, fs *flag.FlagSet, w io.Writer) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: rolecall %s %s\n\n", cmd.name, cmd.args)
	b.WriteString(strings.TrimSpace(cmd.about))
	b.WriteString("\n")
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		b.WriteString("\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			typ, usage := flag.UnquoteUsage(f)
			fmt.Fprintf(&b, "  --%s", f.Name)
			if typ != "" {
				fmt.Fprintf(&b, " %s", typ)
			}
			fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(usage, "\n", "\n      "))
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
				fmt.Fprintf(&b, " (default %s)", f.DefValue)
			}
			b.WriteString("\n")
		})
	}
	if cmd.examples != "" {
		b.WriteString("\nExamples:\n")
		for _, line := range strings.Split(strings.TrimSpace(cmd.examples), "\n") {
			b.WriteString("  " + strings.TrimSpace(line) + "\n")
		}
	}
	io.WriteString(w, b.String())
}
