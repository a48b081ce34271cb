package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
)

var checkCommand = &command{
	name:    "check",
	args:    "[--quiet] FILE...",
	summary: "check that a report is whole: its rows against its run record's counts and digests",
	about: `
Read each report written by 'rolecall list' (or demo) as json, ndjson or csv,
with its run record (in the json envelope, or the sidecar FILE.run.json of
ndjson and csv), and check its rows against the record, provider by provider:
the number of rows against the record's count, and their SHA-256 against the
record's rows_sha256. The digest is taken over the rows as read, whatever the
format: the same listing written as json, ndjson and csv has the same digest,
so copies can be compared. A row cut off, added, removed, edited or moved
among its provider's rows is caught. (Not to be confused with 'rolecall verify', which checks live API
responses against the OpenAPI specs.)

For each file it prints one line per provider: its status in the run record,
the rows read, the record's count, whether the digest matches (ok, MISMATCH,
or "not recorded" for a report written before digests), and the digest of the
rows read; then a verdict (with --quiet, the verdict alone). 'rolecall diff'
makes the same check and refuses a report that fails it.

The digest proves the rows are the ones the run record describes, not who
wrote them: whoever can rewrite both the report and its run record can make
them agree. Keep the record's rows_sha256 (the digests 'check' prints) where
whoever can write the report cannot, for example with the review's ticket,
and compare.

Exit codes: 0 every report is intact and complete; 1 nothing contradicts the
run record, but something is not proven: a report has no run record (written
before run records, or an ndjson or csv report without its sidecar), its record
has no digest (written before digests: only the counts were checked), or a
provider's listing failed (the report is partial); 2 a report is cut short or
edited, or cannot be read.`,
	examples: `
rolecall list --format ndjson --output 2025Q3.ndjson
rolecall check 2025Q3.ndjson
rolecall check --quiet 2025Q2.json 2025Q3.ndjson`,
	run: runCheck,
}

// Exit codes of check.
const (
	exitUnproven = 1 // nothing contradicts the run record, but something is not proven
	exitAltered  = 2 // a report is cut short, edited or unreadable
)

func runCheck(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "print each report's verdict only, not its providers")
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	if len(pos) == 0 {
		return a.usage(cmd, usageErrorf("want one report or more"))
	}
	worst := exitOK
	for i, name := range pos {
		if i > 0 && !*quiet {
			fmt.Fprintln(a.stdout)
		}
		worst = max(worst, a.checkReport(name, *quiet))
	}
	return worst
}

// checkReport checks one report, prints what it found (quiet: the
// verdict only) and returns its exit code.
func (a *app) checkReport(name string, quiet bool) int {
	shown := termtext.Escape(name)
	rep, readErr := report.ReadFile(name)
	if rep == nil {
		fmt.Fprintf(a.stdout, "%s: UNREADABLE: %s\n", shown, termtext.EscapeLines(readErr.Error()))
		return exitAltered
	}
	if rep.Run == nil {
		fmt.Fprintf(a.stdout, "%s: %s, %d %s, NO RUN RECORD: nothing to check the rows against\n", shown, rep.Format,
			len(rep.Rows), plural(int64(len(rep.Rows)), "assignment", "assignments"))
		return exitUnproven
	}
	if !quiet {
		fmt.Fprintf(a.stdout, "%s: %s, run %s finished %s\n", shown, rep.Format, termtext.Escape(rep.Run.ID),
			rep.Run.Finished.UTC().Format("2006-01-02T15:04:05Z"))
	}
	checks := rep.Check()
	rows := make([][]string, len(checks))
	var unrecorded, failed []string
	for i, c := range checks {
		counted, digest := "-", "not recorded"
		if c.Counted >= 0 {
			counted = strconv.FormatInt(c.Counted, 10)
		}
		switch {
		case c.Recorded == "":
			unrecorded = append(unrecorded, c.Provider)
		case strings.EqualFold(c.Recorded, c.Digest):
			digest = "ok"
		default:
			digest = "MISMATCH"
		}
		status := c.Status
		if status == "" {
			status = "NOT IN THE RUN RECORD"
		} else if status != report.StatusComplete {
			failed = append(failed, c.Provider+" "+status)
		}
		rows[i] = []string{"  " + c.Provider, status, strconv.FormatInt(c.Rows, 10), counted, digest, c.Digest}
	}
	if !quiet {
		err := report.WriteTable(a.stdout, []string{"  PROVIDER", "STATUS", "ROWS", "COUNTED", "DIGEST", "ROWS_SHA256"}, rows, -1)
		if err != nil {
			fmt.Fprintf(a.stderr, "rolecall check: %v\n", err)
			return exitAltered
		}
	}
	if errors.Is(readErr, report.ErrMismatch) { // the first mismatch, as diff reports it
		fmt.Fprintf(a.stdout, "%s: NOT INTACT: %s\n", shown, termtext.EscapeLines(readErr.Error()))
		return exitAltered
	}
	n := int64(len(rep.Rows))
	what := fmt.Sprintf("%d %s", n, plural(n, "assignment", "assignments"))
	match := plural(n, "matches", "match")
	switch {
	case len(unrecorded) > 0:
		fmt.Fprintf(a.stdout, "%s: counts match (%s), but no digest recorded for %s (a report written before digests): "+
			"an edited row would not be seen\n", shown, what, strings.Join(unrecorded, ", "))
		return exitUnproven
	case len(failed) > 0:
		fmt.Fprintf(a.stdout, "%s: intact (%s %s the run record), but INCOMPLETE: %s\n", shown, what, match,
			strings.Join(failed, ", "))
		return exitUnproven
	}
	fmt.Fprintf(a.stdout, "%s: intact and complete: %s %s the run record's counts and digests\n", shown, what, match)
	return exitOK
}
