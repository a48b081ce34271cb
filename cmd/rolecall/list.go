package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/report"
)

var listCommand = &command{
	name:    "list",
	args:    "[flags]",
	summary: "list every user-to-role assignment from the providers whose credentials are set",
	about: `
List every user-to-role assignment of each provider, at once, as one report.

Credentials and endpoints come from the environment (see 'rolecall --help' or
the package documentation): CORTEX_API_TOKEN; OPENAI_ADMIN_KEY; VECTARA_API_KEY,
or VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET; LOGTO_ACCESS_TOKEN, or
LOGTO_APP_ID and LOGTO_APP_SECRET, with LOGTO_ENDPOINT. Base URLs default to the
providers' own (CORTEX_BASE_URL, OPENAI_BASE_URL, VECTARA_BASE_URL); plain http
is accepted only for loopback hosts.

The report's columns are provider, user_id, email, name, username, disabled,
role_id, role_name, role_kind, scope, permissions and via. ndjson and csv are
written as results arrive; json and table are sorted by provider, user, role
and scope, so two runs diff cleanly.

A provider that fails gets one line on stderr saying what failed, the status
and what to do; the other providers' results are still written, and the exit
code is 1. Exit codes: 0 every provider listed completely, 1 a provider
failed, 2 a usage error.`,
	examples: `
rolecall list
rolecall list --provider cortex,openai --format csv --output access-2025Q3.csv
rolecall list --email ada@example.com,alan@example.org --format json
rolecall list --format ndjson --timeout 10m --fail-fast > report.ndjson
rolecall list --provider logto --max-retries 8 --retry-wait 2s`,
	run: runList,
}

// reportFlags are the flags of the commands that write a report.
type reportFlags struct {
	format string
	output string
}

func (f *reportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "format", "table", "the report's `format`: table, json, ndjson or csv")
	fs.StringVar(&f.output, "output", "", "write the report to `file` instead of stdout")
}

func runList(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	var rf runFlags
	var pf reportFlags
	rf.register(fs)
	pf.register(fs)
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return a.usage(cmd, usageErrorf("unexpected argument %q", pos[0]))
	}
	format, err := report.ParseFormat(pf.format)
	if err != nil {
		return a.usage(cmd, usageErrorf("--format: %v", err))
	}
	if err := rf.check(); err != nil {
		return a.usage(cmd, err)
	}
	providers, err := parseProviders(rf.providers, a.env)
	if err != nil {
		return a.usage(cmd, err)
	}
	s, err := a.newSession(&rf, providers, func(p string, o facade.Options) (facade.Lister, error) {
		return newLister(p, a.env, o)
	})
	if err != nil {
		return a.usage(cmd, err)
	}
	return a.writeReport(cmd, s, format, pf.output)
}

// writeReport runs the session and writes its report in format to output
// (stdout when ""). Sorted formats hold only the providers that listed
// completely; streamed formats hold whatever arrived.
func (a *app) writeReport(cmd *command, s *session, format report.Format, output string) int {
	var w io.Writer = a.stdout
	var file *os.File
	if output != "" && output != "-" {
		f, err := os.Create(output)
		if err != nil {
			return a.usage(cmd, usageErrorf("--output: %v", err))
		}
		file, w = f, f
	}
	rw := report.NewWriter(format, w)
	sorted := format.Sorted()
	held := map[string][]report.Row{}
	out := s.run(a.ctx, func(as facade.Assignment) error {
		row := report.FromAssignment(&as)
		if sorted {
			held[as.Provider] = append(held[as.Provider], row)
			return nil
		}
		if err := rw.Write(row); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		return nil
	})
	written := out.listed
	if sorted {
		written = 0
		for _, p := range out.complete {
			for _, r := range held[p] {
				rw.Write(r)
				written++
			}
		}
	}
	err := rw.Close()
	if file != nil {
		err = errors.Join(err, file.Close())
	}
	if err != nil && out.stopErr == nil {
		s.con.Printf("rolecall: writing the report: %v", err)
		return exitFailed
	}
	kind := "streamed"
	if sorted {
		kind = "sorted"
	}
	if line := out.summary(len(s.states), s.flags.failFast, kind); line != "" {
		s.con.Println(line)
	}
	if file != nil && a.terminal && !s.flags.quiet {
		s.con.Printf("wrote %d %s to %s", written, plural(int64(written), "assignment", "assignments"), output)
	}
	if !out.ok() {
		return exitFailed
	}
	return exitOK
}
