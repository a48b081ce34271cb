package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rolecall/rolecall/export"
	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
)

var exportCommand = &command{
	name:    "export",
	args:    "--to baton|c1-csv|vanta [--allow-partial] [--output DIR|FILE] (REPORT | --demo)",
	summary: "turn a report into ConductorOne baton-file, ConductorOne CSV or Vanta access-review CSV",
	about: `
Read a report written by 'rolecall list' (or demo) as json, ndjson or csv, check
it against its run record as 'rolecall check' does, and write it in the format
of the tool the review happens in:

  baton   ConductorOne's baton-file input (JSON): users, resources (each
          provider a resource of trait app, each scope its child, each role a
          resource of trait role under its scope, each group of trait group),
          entitlements ("assigned" on a role, "member" on a group) and
          direct_user_grants, a group's roles as grant_inheritance_mappings.
          Ids are namespaced by provider and kind ("openai:api_key:key_1"), so
          every provider fits in one file: rolecall.baton.json.
          'baton-file -i rolecall.baton.json' turns it into a c1z.
  c1-csv  ConductorOne's file-connector CSV, one row per grant: User ID
          (namespaced), Email Address, Display Name, User Status, User Type
          (human, service, group), Account Owner, Resource Type ("openai
          project"), Resource Name (the scope), Entitlement, Entitlement
          Display Name, Entitlement Slug (the role): rolecall.c1.csv.
  vanta   Vanta's access-review CSV, one file per system (provider tenant),
          vanta-<provider>.csv: Account name, Account owner (the email; "Not a
          person" for service accounts, keys, applications and groups; "No
          owner" for a person without an email), Role (each "role (scope)",
          joined with ", ") and Status (Active or Deactivated).

--demo exports the demo's report (what 'rolecall demo --format json' writes)
instead of a file. To export a live listing, write it first:
'rolecall list --format json --output r.json', then export r.json: the export
is then made from the same evidence as the report you keep.

A report whose run record says a provider failed, or that has no run record, is
refused unless --allow-partial (the export then holds what the report holds);
a report cut short or edited (its rows against its run record) is always
refused. CSV cells starting with =, +, -, @, tab or carriage return, and the
baton export's display texts, get a leading ' so that no spreadsheet runs them;
ids are exact. The same report gives the same bytes, whatever its format.

--output is a file when the export is one file, or a directory (created if
needed; the default names above) when it ends with / or is one already, or the
export has several files (vanta with more than one provider). Files are
written through a temporary file renamed into place, each with its run record
beside it (FILE.run.json). Without --output, a one-file export goes to the
standard output.

Exit codes: 0 written; 1 refused: the report is not proven complete (see
--allow-partial); 2 a usage error, or a report unreadable, cut short or
edited.`,
	examples: `
rolecall export --demo --to baton --output demo.baton.json
rolecall list --format json --output 2026Q4.json
rolecall export --to vanta --output vanta/ 2026Q4.json
rolecall export --to c1-csv --allow-partial --output c1.csv 2026Q4.json`,
	run: runExport,
}

func runExport(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	to := fs.String("to", "", "the export `format`: baton, c1-csv or vanta")
	allowPartial := fs.Bool("allow-partial", false, "export a report with a failed provider or without a run record")
	output := fs.String("output", "", "write to this `file or directory` (default: the standard output, for one file)")
	demo := fs.Bool("demo", false, "export the demo's report (rolecall demo --format json) rather than a file")
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	format, err := export.ParseFormat(*to)
	if err != nil {
		return a.usage(cmd, usageErrorf("--to: %v", err))
	}
	switch {
	case *demo && len(pos) > 0:
		return a.usage(cmd, usageErrorf("--demo takes no report; give one or the other"))
	case !*demo && len(pos) != 1:
		return a.usage(cmd, usageErrorf("want one report (or --demo)"))
	}
	var rep *report.Report
	name := "the demo's report"
	if *demo {
		rep, err = a.demoReport()
	} else {
		name = termtext.Escape(pos[0])
		rep, err = report.ReadFile(pos[0])
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall export: %s: %s\n", name, termtext.EscapeLines(err.Error()))
		if errors.Is(err, report.ErrMismatch) {
			fmt.Fprintf(a.stderr, "rolecall export: a report cut short or edited is never exported; restore it from its source\n")
		}
		return exitUsage
	}
	files, err := export.Export(rep, format, export.Options{AllowPartial: *allowPartial})
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall export: %s: %s\n", name, termtext.EscapeLines(err.Error()))
		if errors.Is(err, export.ErrIncomplete) {
			return exitFailed
		}
		return exitUsage
	}
	written, err := writeExport(a.stdout, *output, files, rep.Run)
	if err != nil {
		return a.usage(cmd, err)
	}
	for _, w := range written {
		fmt.Fprintf(a.stderr, "rolecall export: wrote %s\n", termtext.Escape(w))
	}
	return exitOK
}

// demoReport runs the demo listing as JSON and reads it back: the report
// 'rolecall demo --format json' writes.
func (a *app) demoReport() (*report.Report, error) {
	var out, errs bytes.Buffer
	demo := *a
	demo.stdout, demo.stderr, demo.terminal = &out, &errs, false
	if code := runDemo(&demo, demoCommand, []string{"--format", "json", "--quiet"}); code != exitOK {
		return nil, fmt.Errorf("the demo listing failed (exit %d): %s", code, strings.TrimSpace(errs.String()))
	}
	return report.Read(&out)
}

// writeExport writes files where output says (see export's --help) and
// returns the names written; an error is a usage error.
func writeExport(stdout io.Writer, output string, files []export.File, run *report.Run) ([]string, error) {
	if output == "" || output == "-" {
		if len(files) != 1 {
			return nil, usageErrorf("this export is %d files, one per provider: give --output DIR", len(files))
		}
		_, err := stdout.Write(files[0].Data)
		return nil, err
	}
	dir := strings.HasSuffix(output, "/") || strings.HasSuffix(output, string(filepath.Separator)) || len(files) > 1
	if fi, err := os.Stat(output); err == nil && fi.IsDir() {
		dir = true
	}
	var names []string
	if dir {
		if err := os.MkdirAll(output, 0o755); err != nil {
			return nil, usageErrorf("--output: %v", err)
		}
		for _, f := range files {
			names = append(names, filepath.Join(output, f.Name))
		}
	} else {
		names = []string{output}
	}
	for i, f := range files {
		data := f.Data
		if err := writeFileAtomic(names[i], func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return nil, usageErrorf("--output: %v", err)
		}
		if run != nil {
			err := writeFileAtomic(report.SidecarName(names[i]), func(w io.Writer) error { return report.WriteRun(w, run) })
			if err != nil {
				return nil, usageErrorf("--output: %v", err)
			}
		}
	}
	return names, nil
}
