package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
)

var mergeCommand = &command{
	name:    "merge",
	args:    "[--output FILE] [--format FORMAT] SHARD-REPORT...",
	summary: "join the reports of the shards of one listing (--tenants FILE --shard K/N) into one report",
	about: `
Read the reports of the N shards of one listing ('rolecall list --tenants FILE
--shard K/N', one job per K, on as many machines), as json, ndjson or csv
(each ndjson and csv report with its sidecar FILE.run.json), check each as
'rolecall check' does, and write one report of every tenant, as one run
listing them all would have: the rows in report order, each tenant's digest,
and one run record whose entries are every shard's tenants, started with the
first shard and finished with the last, naming the shards' run ids
(merged_runs).

merge refuses (exit 2), writing nothing: a report cut short or edited, or
without a run record; a report of no shard; reports of different tenants
files (their run records' tenants_sha256 differ: the file changed between the
jobs), of different numbers of shards, or listed with different --email or
--principals; two reports of one shard (overlapping); a report holding a
tenant its shard does not select; and a missing shard (every K of N must be
given).

Exit codes: 0 the merged report is complete; 1 a tenant's listing failed in
its shard: the report goes to FILE.partial (as 'rolecall list' does) and the
run record names the tenant; 2 refused, or the command line is wrong.`,
	examples: `
rolecall list --tenants tenants.yaml --shard 1/3 --format ndjson --output shard-1.ndjson
rolecall merge --output all.json shard-1.ndjson shard-2.ndjson shard-3.ndjson`,
	run: runMerge,
}

func runMerge(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	var pf reportFlags
	fs.StringVar(&pf.output, "output", "",
		"write the merged report to this `file` (through a temporary file renamed into place;\nFILE.partial when a tenant failed); default: stdout")
	formatName := fs.String("format", "json", "the merged report's `format`: json, ndjson or csv")
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	format, err := report.ParseFormat(*formatName)
	if err != nil || !format.Sidecar() && format != report.JSON {
		return a.usage(cmd, usageErrorf("--format: want json, ndjson or csv, not %q", *formatName))
	}
	if len(pos) == 0 {
		return a.usage(cmd, usageErrorf("want the shards' reports"))
	}
	reps := make([]*report.Report, len(pos))
	for i, name := range pos {
		reps[i], err = report.ReadFile(name)
		if err != nil {
			fmt.Fprintf(a.stderr, "rolecall merge: %s: %s\n", termtext.Escape(name), termtext.EscapeLines(err.Error()))
			if errors.Is(err, report.ErrMismatch) {
				fmt.Fprintf(a.stderr, "rolecall merge: a report cut short or edited is never merged; restore it from its source\n")
			}
			return exitUsage
		}
	}
	merged, err := report.Merge(reps)
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall merge: %s\n", termtext.EscapeLines(err.Error()))
		return exitUsage
	}
	ro, err := a.openOutput(&pf)
	if err != nil {
		return a.usage(cmd, err)
	}
	defer ro.close()
	rw := report.NewWriter(ro.w, report.Options{Format: format, Tenants: true})
	defer rw.Abort()
	for _, r := range merged.Rows {
		if err := rw.Write(r); err != nil {
			break // Finish returns it
		}
	}
	complete := merged.Run.Complete()
	if err := ro.commit(rw.Finish(merged.Run), complete, format, merged.Run); err != nil {
		fmt.Fprintf(a.stderr, "rolecall merge: writing the report: %s\n", termtext.EscapeLines(err.Error()))
		return exitFailed
	}
	if ro.held() {
		fmt.Fprintf(a.stderr, "rolecall merge: a tenant's listing failed in its shard: wrote %s; %s is unchanged\n",
			termtext.Escape(ro.final), termtext.Escape(pf.output))
	}
	if !complete {
		return exitFailed
	}
	return exitOK
}
