package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rolecall/rolecall/report"
)

var diffCommand = &command{
	name:    "diff",
	args:    "[--format text|json] OLD NEW",
	summary: "compare two reports: granted, revoked and changed assignments",
	about: `
Compare two reports written by 'rolecall list' (or demo) as json, ndjson or csv;
the format of each is detected from its content. Assignments are matched by
(provider, user_id, role_id, scope):

  granted   in NEW only
  revoked   in OLD only
  changed   in both, with another field different: email, name, username,
            disabled, role_name, role_kind, permissions (compared as a set) or via

The summary goes to stdout. The exit code is 0 whether or not the reports
differ; 2 when a file cannot be read or is not a report.`,
	examples: `
rolecall list --format json --output 2025Q2.json
rolecall list --format json --output 2025Q3.json
rolecall diff 2025Q2.json 2025Q3.json
rolecall diff --format json last.ndjson today.ndjson | jq '.revoked[]'`,
	run: runDiff,
}

func runDiff(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	format := fs.String("format", "text", "the summary's `format`: text or json")
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	if len(pos) != 2 {
		return a.usage(cmd, usageErrorf("want two reports, OLD and NEW; got %d arguments", len(pos)))
	}
	if *format != "text" && *format != "json" {
		return a.usage(cmd, usageErrorf("--format: unknown format %q (want text or json)", *format))
	}
	var reports [2][]report.Row
	for i, name := range pos {
		f, err := os.Open(name)
		if err != nil {
			return a.usage(cmd, err)
		}
		rows, _, err := report.Read(f)
		f.Close()
		if err != nil {
			return a.usage(cmd, usageErrorf("%s: %v", name, err))
		}
		reports[i] = rows
	}
	d, err := report.Diff(reports[0], reports[1])
	if err != nil {
		return a.usage(cmd, err)
	}
	if *format == "json" {
		err = d.WriteJSON(a.stdout)
	} else {
		err = d.WriteText(a.stdout, pos[0], pos[1], len(reports[0]), len(reports[1]))
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall diff: %v\n", err)
		return exitFailed
	}
	return exitOK
}
