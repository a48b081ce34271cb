package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/facade/tenants"
	"github.com/rolecall/rolecall/internal/scrub"
	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
	"github.com/rolecall/rolecall/review/htmlreport"
)

var listCommand = &command{
	name:    "list",
	args:    "[flags]",
	summary: "list every user-to-role assignment from the providers whose credentials are set",
	about: `
List every user-to-role assignment of each provider, at once, as one report.

Credentials and endpoints come from the environment (see 'rolecall --help' or
the package documentation):
` + envHelp() + `
Base URLs default to the providers' own; plain http is accepted only for
loopback hosts.

The report's columns are provider, user_id, email, name, username, disabled,
role_id, role_name, role_kind, scope, permissions, via, status, account_type,
created, updated, last_activity (RFC 3339 UTC; empty where the provider does
not say), privileged (the provider's default rule, or the --policy file's
privileged roles: see 'rolecall review --help'), then principal_kind (user,
service_account, api_key, application, group, invitation), owner_kind,
owner_id, owner_name (who a key or service account belongs to), scope_kind,
scope_id, scope_name (what scope is), held (direct, group or legacy) and
expires. Every format is
sorted by provider, then email (or user id) and user id case-insensitively,
then role and scope, so two runs diff cleanly; --unsorted keeps the arrival
order. Memory stays bounded: past 64 MiB of rows they spill to temporary files.

The table shows the columns a reviewer reads, to fit a terminal 160 characters
wide: provider, principal, name, email, role_name, scope_name (in the table, the
scope's id, or else its text such as api.organization, where it has no name)
and privileged; status and last_activity are a --columns away.
--columns picks others by their header names (case-insensitive, in the order
given) and --wide shows every column; they are for the table only (json,
ndjson and csv always hold every column), and not together.

Every report carries a run record: its id, start and finish (UTC), the rolecall
version, the --principals asked for and, per provider, the host, whether it
completed, how the listing of each kind of principal ended (kinds: listed,
not_permitted, failed, not_offered, not_asked), the assignments and users
listed, the requests made and the SHA-256 of the spec used. json holds it
in its envelope ({"run": ..., "assignments": [...]}); ndjson and csv written
with --output keep it beside the report in FILE.run.json.

A provider that fails gets one line on stderr saying what failed, the status
and what to do; its rows are left out of the report (in every format), the
other providers' are written, and the exit code is 1. Such a report goes to
FILE.partial rather than replacing FILE, unless --partial. csv cells starting
with =, +, -, @, tab or carriage return get a leading ' so that a spreadsheet
shows them as text (--csv-raw: as they are).

--principals picks the kinds of principal to list (default: every kind). A
provider's listing is complete only when every kind it was asked for and
offers is listed: a kind the credentials may not read (not_permitted) or whose
listing failed makes the provider fail, after its other kinds are listed, so
that the run record names every such kind; to list the rest completely, leave
those kinds out with --principals.

Exit codes: 0 every provider listed completely, 1 a provider failed, 2 a usage
error.`,
	examples: `
rolecall list
rolecall list --provider cortex,openai --format csv --output access-2025Q3.csv
rolecall list --email ada@example.com,alan@example.org --format json
rolecall list --provider openai --principals user,service_account
rolecall list --columns provider,email,role_name,permissions,via
rolecall list --format ndjson --timeout 10m --fail-fast > report.ndjson
rolecall list --provider logto --max-retries 8 --retry-wait 2s`,
	run: runList,
}

// reportFlags are the flags of the commands that write a report.
type reportFlags struct {
	format   string
	output   string
	runFile  string
	partial  bool
	unsorted bool
	csvRaw   bool
	columns  string
	wide     bool

	table  table    // the table's columns, by default and in all
	picked []string // the columns the table shows (checkColumns); nil: every column
}

// table names a report's table columns: those shown by default and all of
// them (the header), for --columns and --wide.
type table struct {
	defaults, header []string
}

// accessTable is the access report's table (list, demo).
var accessTable = table{defaults: report.DefaultTableColumns, header: report.TableHeader}

// tenantTable is the access report's table with --tenants: the tenant
// column too, shown after the provider.
var tenantTable = table{defaults: slices.Insert(slices.Clone(report.DefaultTableColumns), 1, "TENANT"),
	header: report.TenantTableHeader}

// register adds the flags of the access report (list, demo).
func (f *reportFlags) register(fs *flag.FlagSet) {
	f.registerOutput(fs, accessTable)
	fs.BoolVar(&f.unsorted, "unsorted", false,
		"write each provider's rows in the order they arrive, as soon as the provider completes,\ninstead of sorted")
}

// registerOutput adds the flags of every report (list, demo, people,
// review): the format, the output, what a failed run writes, the run
// record's file, the CSV cells and the table's columns (t).
func (f *reportFlags) registerOutput(fs *flag.FlagSet, t table) {
	f.table = t
	fs.StringVar(&f.format, "format", "table", "the report's `format`: table, json, ndjson, csv or html")
	fs.StringVar(&f.output, "output", "",
		"write the report to `file` instead of stdout (through a temporary file renamed into place;\n"+
			"ndjson and csv get their run record in file.run.json)")
	fs.BoolVar(&f.partial, "partial", false,
		"when a provider fails, still write --output itself (default: file.partial, leaving file as it was)")
	fs.StringVar(&f.runFile, "run-file", "",
		"also write the run record to `file` (for an ndjson or csv report on stdout, which has no sidecar)")
	fs.BoolVar(&f.csvRaw, "csv-raw", false,
		"write csv cells as they are: do not neutralise cells a spreadsheet would run as formulas")
	fs.StringVar(&f.columns, "columns", "",
		"show these table `columns`, comma-separated, by their header names (case-insensitive), in this\n"+
			"order (table only: json, ndjson and csv hold every column)\n"+
			"(default: "+strings.ToLower(strings.Join(t.defaults, ","))+")")
	fs.BoolVar(&f.wide, "wide", false, "show every column of the table (table only)")
}

// checkColumns checks --columns and --wide against format and sets the
// table's columns; its errors are usage errors. --columns and --wide
// choose the table's columns, so they are errors with another format
// (which holds every column), and together.
func (f *reportFlags) checkColumns(format report.Format) error {
	switch {
	case f.wide && f.columns != "":
		return usageErrorf("--columns and --wide: give one or the other (--wide shows every column)")
	case format != report.Table && f.columns != "":
		return usageErrorf("--columns: only the table picks its columns; %s holds every column", format)
	case format != report.Table && f.wide:
		return usageErrorf("--wide: only the table picks its columns; %s holds every column", format)
	case f.wide:
		f.picked = nil
		return nil
	case f.columns == "":
		f.picked = f.table.defaults
		return nil
	}
	var names []string
	for _, n := range strings.Split(f.columns, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return usageErrorf("--columns: name at least one column (the columns are %s)", strings.Join(f.table.header, ", "))
	}
	if _, err := report.TableColumns(f.table.header, names); err != nil {
		return usageErrorf("--columns: %v", err)
	}
	f.picked = names
	return nil
}

func runList(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	var rf runFlags
	var pf reportFlags
	var vf reviewFlags
	rf.register(fs)
	rf.registerTenants(fs)
	pf.register(fs)
	vf.register(fs, false, "")
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
	if rf.tenantsFile != "" {
		pf.table = tenantTable
	}
	if err := pf.checkColumns(format); err != nil {
		return a.usage(cmd, err)
	}
	if err := rf.check(); err != nil {
		return a.usage(cmd, err)
	}
	in, err := vf.load(nil, nil)
	if err != nil {
		return a.usage(cmd, err)
	}
	s, err := a.liveSession(&rf)
	if err != nil {
		return a.usage(cmd, err)
	}
	return a.writeReport(cmd, s, format, &pf, in.policy)
}

// liveSession prepares a listing of the providers the flags and the
// environment name; its errors are usage errors.
func (a *app) liveSession(rf *runFlags) (*session, error) {
	if rf.tenantsFile != "" {
		return a.tenantsSession(rf)
	}
	if rf.shard != "" {
		return nil, usageErrorf("--shard shares the tenants of a --tenants file among jobs: give --tenants FILE too")
	}
	providers, err := parseProviders(rf.providers, a.env)
	if err != nil {
		return nil, err
	}
	s, err := a.newSession(rf, providers, func(p string, o facade.Options) (facade.Lister, error) {
		return newLister(p, a.env, o)
	})
	if err != nil {
		return nil, err
	}
	for _, st := range s.states {
		st.host = hostOf(baseURL(st.name, a.env))
	}
	return s, nil
}

// tenantsSession prepares a listing of the tenants of the --tenants file
// (those of the --provider providers, when given); its errors are usage
// errors naming the tenant.
func (a *app) tenantsSession(rf *runFlags) (*session, error) {
	ts, err := tenants.ReadFile(rf.tenantsFile)
	if err != nil {
		return nil, usageErrorf("--tenants: %v", err)
	}
	ts.Getenv = a.env
	var names []string
	var only []string
	if strings.TrimSpace(rf.providers) != "" {
		if only, err = parseProviders(rf.providers, a.env); err != nil {
			return nil, err
		}
	}
	shard := report.Shard{K: 1, N: 1}
	if rf.shard != "" {
		if shard, err = report.ParseShard(rf.shard); err != nil {
			return nil, usageErrorf("--shard: %v", err)
		}
	}
	for _, t := range ts.Tenants {
		if (only == nil || slices.Contains(only, t.Provider)) && shard.Holds(t.Name) {
			names = append(names, t.Name)
		}
	}
	if len(names) == 0 && rf.shard == "" { // a shard may hold no tenant: its empty report is still merged
		return nil, usageErrorf("--tenants: %s has no tenant of --provider %s", rf.tenantsFile, rf.providers)
	}
	var sc *scrub.Scrubber
	s, err := a.newTenantSession(rf, ts, names, func(name string, o facade.Options) (facade.Lister, error) {
		l, err := ts.Open(ts.Lookup(name), o)
		if err != nil {
			if sc == nil {
				sc = scrub.New(append(a.env.secrets(), ts.Secrets()...)...)
			}
			return nil, usageErrorf("--tenants: %s", sc.String(err.Error()))
		}
		return l, nil
	})
	if err != nil {
		return nil, err
	}
	for _, st := range s.states {
		t := ts.Lookup(st.name)
		p, _ := drivers.Lookup(t.Provider)
		st.host = hostOf(cmp.Or(t.Settings[p.Env("BaseURL")], p.DefaultBaseURL))
	}
	return s, nil
}

// hostOf is the host (and port) of a base URL.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Host
}

// writeReport runs the session and writes its report in format to the
// output the flags name (stdout when none), with its run record. A
// provider that did not list completely is left out of the report whatever
// the format. A file is written through a temporary file in the same
// directory, renamed into place when complete; when a provider failed it
// is renamed to <output>.partial instead, unless --partial.
//
// A policy, if not nil, decides which roles are privileged (--policy).
func (a *app) writeReport(cmd *command, s *session, format report.Format, pf *reportFlags, policy *review.Policy) int {
	ro, err := a.openOutput(pf)
	if err != nil {
		return a.usage(cmd, err)
	}
	defer ro.close()
	// html is written from the JSON report, read back once the listing
	// ended: the page holds every row, in report order.
	dst, wf, unsorted := ro.w, format, pf.unsorted
	var page *bytes.Buffer
	if format == report.HTML {
		page = new(bytes.Buffer)
		dst, wf, unsorted = page, report.JSON, false
	}
	rw := report.NewWriter(dst, report.Options{Format: wf, Unsorted: unsorted, CSVRaw: pf.csvRaw,
		Columns: pf.picked, Tenants: s.tenants != nil})
	defer rw.Abort()
	streams := unsorted && format != report.Table
	if streams && ro.tmp == nil && isTerminal(a.stdout) {
		// Rows reach the terminal while the listing runs: a status area
		// redrawn below them would overwrite them.
		s.noStatus = true
	}
	if streams {
		s.completed = func(p string) error { return rw.Complete(p) }
	}
	started := s.now()
	out := s.run(a.ctx, func(as facade.Assignment) error {
		policy.Apply(&as)
		if err := rw.Write(report.FromAssignment(&as)); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		return nil
	})
	for _, st := range s.states {
		if !slices.Contains(out.complete, st.name) {
			if err := rw.Drop(st.name); err != nil && out.stopErr == nil {
				out.stopErr = err
			}
		}
	}
	run := s.runRecord(out, rw.Counts, started)
	run.CSVRaw = pf.csvRaw && format == report.CSV
	if pf.unsorted {
		run.Order = "arrival"
	}
	werr := rw.Finish(run)
	if werr == nil && page != nil {
		werr = writeAccessPage(ro.w, page, run)
	}
	if !s.finish(ro, werr, out, format, run) {
		return exitFailed
	}
	if !ro.held() && ro.tmp != nil && a.terminal && !s.flags.quiet {
		n := int64(0)
		for _, p := range run.Providers {
			n += p.Assignments
		}
		s.con.Printf("wrote %d %s to %s", n, plural(n, "assignment", "assignments"), pf.output)
	}
	if !out.ok() {
		return exitFailed
	}
	return exitOK
}

// writeAccessPage writes the access report held in JSON in page as an
// HTML page with run's record.
func writeAccessPage(w io.Writer, page *bytes.Buffer, run *report.Run) error {
	rep, err := report.Read(page)
	if err != nil {
		return fmt.Errorf("reading back the report for the html page: %w", err)
	}
	if rep.Rows == nil {
		rep.Rows = []report.Row{} // the page shows an empty table
	}
	return htmlreport.Write(w, &htmlreport.Page{Title: "Access report", Run: run, Rows: rep.Rows})
}

// finish commits the report written to ro (werr: the writer's error) and
// prints the run's summary, and where the report went if it was held back
// as partial. It returns false when the report could not be written. list,
// people and review end through it.
func (s *session) finish(ro *reportOutput, werr error, out *outcome, format report.Format, run *report.Run) bool {
	if err := ro.commit(werr, out.ok(), format, run); err != nil && out.stopErr == nil {
		s.con.Printf("rolecall: writing the report: %v", err)
		return false
	}
	if line := out.summary(len(s.states), s.flags.failFast, "report"); line != "" {
		s.con.Println(line)
	}
	if ro.held() {
		ro.notice(s.con)
	}
	return true
}

// reportOutput is where a report goes: stdout, or --output through a
// temporary file in the same directory that commit renames into place.
// list, people and review write through it, so that a failed run never
// passes for a complete one.
type reportOutput struct {
	flags *reportFlags
	w     io.Writer // the report is written here
	tmp   *os.File  // the temporary file; nil for stdout
	final string    // the file commit renamed the report to
}

// openOutput opens the output the flags name; its error is a usage error.
func (a *app) openOutput(pf *reportFlags) (*reportOutput, error) {
	o := &reportOutput{flags: pf, w: a.stdout}
	if pf.output == "" || pf.output == "-" {
		return o, nil
	}
	f, err := os.CreateTemp(filepath.Dir(pf.output), "."+filepath.Base(pf.output)+".tmp-*")
	if err != nil {
		return nil, usageErrorf("--output: %v", err)
	}
	o.tmp, o.w = f, f
	return o, nil
}

// close removes the temporary file unless commit renamed it.
func (o *reportOutput) close() {
	if o.tmp != nil && o.final == "" {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
	}
}

// commit ends the report whose writing ended with werr. A file is renamed
// into place when werr is nil: onto --output when the run is complete or
// --partial is given, otherwise onto <output>.partial, leaving --output as
// it was; an ndjson or csv file gets its run record beside it, in the
// sidecar of the name it took. --run-file gets the run record too.
func (o *reportOutput) commit(werr error, complete bool, format report.Format, run *report.Run) error {
	err := werr
	if o.tmp != nil {
		final := o.flags.output
		if !complete && !o.flags.partial {
			final += ".partial"
		}
		err = errors.Join(err, o.tmp.Close())
		if err == nil && format.Sidecar() {
			err = writeFileAtomic(report.SidecarName(final), func(w io.Writer) error { return report.WriteRun(w, run) })
		}
		if err == nil {
			err = os.Rename(o.tmp.Name(), final)
		}
		if err == nil {
			o.final = final
		}
	}
	if err == nil && o.flags.runFile != "" {
		err = writeFileAtomic(o.flags.runFile, func(w io.Writer) error { return report.WriteRun(w, run) })
	}
	return err
}

// held reports whether commit wrote <output>.partial, leaving --output
// as it was.
func (o *reportOutput) held() bool { return o.final != "" && o.final != o.flags.output }

// notice says on the console that the report went to <output>.partial.
func (o *reportOutput) notice(con *console) {
	con.Printf("rolecall: the report is incomplete: wrote %s; %s is unchanged (--partial writes it anyway)",
		o.final, o.flags.output)
}

// writeFileAtomic writes name through a temporary file in its directory,
// renamed into place when write succeeded.
func writeFileAtomic(name string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
