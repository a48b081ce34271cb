package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
)

var diffCommand = &command{
	name:    "diff",
	args:    "[--format text|json] [--allow-partial] OLD NEW",
	summary: "compare two reports: granted, revoked and changed assignments",
	about: `
Compare two reports written by 'rolecall list' (or demo) as json, ndjson or csv;
the format of each is detected from its content, and the run record is read
from a json envelope or from the sidecar FILE.run.json of ndjson and csv (reports
written before run records are read too). A report whose rows do not match its
run record (fewer or more than it counts, or not its digest: the report was cut
short or edited; 'rolecall check' shows each provider) is refused, and nothing
is compared. Assignments are matched by
(provider, user_id, role_id, scope):

  granted   in NEW only
  revoked   in OLD only
  changed   in both, with another field different: email, name, username,
            disabled, role_name, role_kind, permissions or via (the last two
            compared as sets)

Changes are grouped per person: disabling one user is one line, whatever the
number of their roles. A provider that is missing from one report, or failed in
either (by its run record), is a WARNING and is left out of the comparison,
since its assignments would otherwise show as revoked or granted; with
--allow-partial it is compared anyway (still with the warning). Likewise a kind
of principal (user, api_key, ...) that one report listed and the other did not
(by the run records' kinds: not asked for with --principals, not offered by
that rolecall's driver, or not permitted): its rows are left out, with a
WARNING, unless --allow-partial; reports that asked for different --principals
get a WARNING too. (Reports written before kinds were recorded are compared
whole.)

The summary goes to stdout. Exit codes, like diff(1): 0 the reports hold the
same assignments, 1 they differ, 2 trouble: a file cannot be read, is not a
report or does not match its run record, or a provider or a kind of principal
was left out of the comparison (so the reports cannot be called equal).`,
	examples: `
rolecall list --format json --output 2025Q2.json
rolecall list --format json --output 2025Q3.json
rolecall diff 2025Q2.json 2025Q3.json
rolecall diff --format json last.ndjson today.ndjson | jq '.revoked[]'`,
	run: runDiff,
}

// exitDiffer is diff's exit code when the reports differ.
const exitDiffer = 1

func runDiff(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	format := fs.String("format", "text", "the summary's `format`: text or json")
	allowPartial := fs.Bool("allow-partial", false,
		"compare a provider that is missing from one report or failed in either, and a kind of principal\n"+
			"only one report listed, instead of leaving it out")
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
	var reports [2]*report.Report
	for i, name := range pos {
		rep, err := report.ReadFile(name)
		if errors.Is(err, report.ErrMismatch) { // not a usage error: no hint
			fmt.Fprintf(a.stderr, "rolecall diff: %s: %s\n'rolecall check %s' shows every provider's rows against the run record.\n",
				termtext.Escape(name), termtext.EscapeLines(a.env.scrubber().String(err.Error())), termtext.Escape(name))
			return exitUsage
		}
		if err != nil {
			return a.usage(cmd, usageErrorf("%s: %v", termtext.Escape(name), err))
		}
		reports[i] = rep
	}
	d, err := report.Diff(reports[0], reports[1], &report.DiffOptions{AllowPartial: *allowPartial})
	if err != nil {
		return a.usage(cmd, err)
	}
	if *format == "json" {
		err = d.WriteJSON(a.stdout)
		for _, w := range d.Warnings {
			fmt.Fprintf(a.stderr, "rolecall diff: WARNING: %s\n", termtext.Escape(w))
		}
	} else {
		err = d.WriteText(a.stdout, report.Side{Name: pos[0], Report: reports[0]},
			report.Side{Name: pos[1], Report: reports[1]})
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall diff: %v\n", err)
		return exitUsage
	}
	left := slices.Clone(d.Excluded)
	for _, k := range d.ExcludedKinds {
		left = append(left, k.Provider+" "+k.Kind)
	}
	switch {
	case len(left) > 0:
		fmt.Fprintf(a.stderr, "rolecall diff: %s left out of the comparison (see the warnings); --allow-partial compares %s anyway\n",
			strings.Join(left, ", "), plural(int64(len(left)), "it", "them"))
		return exitUsage
	case !d.Empty():
		return exitDiffer
	}
	return exitOK
}
