package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
	"github.com/rolecall/rolecall/review/htmlreport"
)

var peopleCommand = &command{
	name:    "people",
	args:    "[flags]",
	summary: "one row per person across every provider, joined on the email",
	about: `
List every provider (as 'rolecall list' does) and join the accounts into people
on the normalised email: trimmed and case-folded, "+tag" kept distinct unless
the policy folds it; an account without an email is its own row. Each row
names the person, the providers and the roles in each (a privileged role is
marked *), whether the person holds a privileged role anywhere, whether an
account is disabled anywhere, and the latest activity any provider reports
(RFC 3339 UTC). json and ndjson add each account's status, type, creation
time and roles. The table shows the person, the last activity and the roles,
to fit a terminal 160 characters wide; --columns picks columns by their
header names (case-insensitive, in the order given), --wide shows every
column (table only: json, ndjson and csv always hold every column).

--policy FILE (YAML or JSON; see 'rolecall review --help') sets which roles are
privileged and whether "+tag" folds. The formats are table, json, ndjson,
csv and html, with the run record of 'rolecall list': json and html hold it
({"run": ..., "people": [...]}); ndjson and csv written with --output keep it
in FILE.run.json (--run-file writes it anywhere). csv cells starting with =, +,
-, @, tab or carriage return get a leading ' (--csv-raw: as they are). A
provider that fails is left out (the closing line and the run record say so)
and the exit code is 1; as with 'rolecall list', such a report written with
--output goes to FILE.partial rather than replacing FILE, unless --partial.

There is no --unsorted: a person is a join of every provider's accounts, so no
row can be written before every provider has finished, and the rows are
always in the person's order (the normalised email; accounts without one
last).`,
	examples: `
rolecall people
rolecall people --provider cortex,openai --format csv --output people.csv
rolecall people --policy policy.yaml --format json
rolecall people --wide`,
	run: runPeople,
}

var reviewCommand = &command{
	name:    "review",
	args:    "[flags]",
	summary: "the findings of an access review: disabled, dormant, orphaned, terminated, external, machine access",
	about: `
List every provider (as 'rolecall list' does), join the accounts into people
(see 'rolecall people') and list the findings, each naming the person, the
provider account, the roles and why:

  disabled-with-roles  a disabled or suspended account that still holds roles
  terminated           the roster says the person is terminated
  not-on-roster        the person is not on the roster (orphaned)
  dormant-privileged   a privileged role, last activity older than the threshold
  activity-unknown     a privileged role, and the provider reports no activity
                       (a notice, never counted as dormant)
  no-email             no email: no one to attribute the account to
  external-domain      the email is outside the policy's company domains (an
                       account's, or a pending invitation's)
  privileged-via-group a privileged role held only through a group (named)
  machine-privileged   a service account, API key or application holding a
                       privileged role
  machine-unused       a key, service account or application never used, or
                       unused past the threshold (or a notice when the
                       provider does not report use)
  privileged-key-no-expiry
                       a key that never expires, holding a privileged role
  key-too-old          a key older than max_key_age_days
  owner-gone           a key whose owner lost access, is disabled or is
                       terminated on the roster
  invitation-privileged
                       a pending invitation carrying a privileged role

Keys, service accounts and applications are attributed to the person who owns
them (the owner column; 'no owner' when the provider names none).

--roster FILE is a CSV of employees with a header row: email and status
(active, terminated, …), optionally name and manager; the export an HR system
or IdP gives. Without it there are no roster findings.

--policy FILE (YAML or JSON) may hold:
  privileged: {cortex: [ADMIN, "security-*"], logto: ["*admin*"]}
      role names or patterns per provider, replacing its default rule
  company_domains: [example.com]      subdomains included
  dormant_after_days: 90              the default
  max_key_age_days: 365               keys older than this; 0 (default): none
  fold_plus_tags: false               true: ada+ops@x.com is ada@x.com
  exemptions:                         shown as exempt, never hidden
    - {email: break-glass@example.com, type: break-glass, reason: "…"}
    - {provider: openai, account_type: service, type: service, reason: "…",
       findings: [dormant-privileged]}
    - {provider: openai, principal: service_account, type: service,
       reason: "…"}                   a kind of principal

Dormancy is measured back from --as-of (default: when the run starts). Each
finding's disposition is open, exempt or notice. The table shows the kind,
the disposition, the person, the provider and the user id, to fit a terminal
160 characters wide; --columns picks columns by their header names
(case-insensitive, in the order given), --wide shows every column (table
only: json, ndjson and csv always hold every column). The formats and the run
record are those of 'rolecall people' (json: {"run": ..., "findings": [...]}),
and so are --partial and the reason there is no --unsorted: a report with a
failed provider written with --output goes to FILE.partial, leaving FILE as it
was, unless --partial. With --fail-on-findings the exit code is 1 when any
finding is open, for a scheduled job; otherwise 0 when every provider listed,
1 when one failed, 2 for a usage error.

--format html writes one self-contained page (no network, a strict
Content-Security-Policy): the run record, a summary, the findings with filters
and a search, and the people. Its sign-off marks each finding keep, revoke or
accept with a note and downloads the marks as a decisions file (JSON, naming
the report's run id and findings digest). --decisions FILE shows each decided
finding's decision, who took it and when (the decision, decided_by,
decided_at and decision_note columns), and --fail-on-findings then counts only
the open findings left undecided. A decisions file made for other findings (its
digest is not this review's: the tenants or the policy changed) is refused
unless --allow-other-report, which applies each decision to the finding it
names, if any.`,
	examples: `
rolecall review
rolecall review --roster employees.csv --policy policy.yaml --format csv --output findings.csv
rolecall review --roster employees.csv --fail-on-findings --format json
rolecall review --columns kind,disposition,person,reason
rolecall review --roster employees.csv --format html --output review.html
rolecall review --roster employees.csv --decisions decisions-1a2b3c.json --fail-on-findings`,
	run: runReview,
}

// reviewFlags are the flags of people and review.
type reviewFlags struct {
	policy    string
	roster    string
	asOf      string
	fail      bool
	decisions string
	other     bool
}

// register adds the flags; asOfDefault says what --as-of defaults to.
func (f *reviewFlags) register(fs *flag.FlagSet, findings bool, asOfDefault string) {
	fs.StringVar(&f.policy, "policy", "", "the review policy: a YAML or JSON `file` (privileged roles, company domains,\ndormancy threshold, exemptions)")
	if !findings {
		return
	}
	fs.StringVar(&f.roster, "roster", "", "the employee roster: a CSV `file` with email and status columns")
	fs.StringVar(&f.asOf, "as-of", "", "measure dormancy back from this `time` (RFC 3339 or YYYY-MM-DD; default: "+asOfDefault+")")
	fs.BoolVar(&f.fail, "fail-on-findings", false, "exit 1 when any finding is open (neither exempt nor a notice)\n"+
		"and, with --decisions, undecided")
	fs.StringVar(&f.decisions, "decisions", "", "show the decisions of this `file` (downloaded from the html report's sign-off)\n"+
		"beside the findings they decide")
	fs.BoolVar(&f.other, "allow-other-report", false,
		"apply --decisions made for another report (other findings) to the findings they name")
}

// reviewInput is what people and review read besides the listing.
type reviewInput struct {
	policy    *review.Policy
	roster    *review.Roster
	asOf      time.Time
	decisions *review.Decisions // --decisions; nil without
	other     bool              // --allow-other-report
}

// load reads the files the flags name; demo supplies the defaults the
// flags do not override.
func (f *reviewFlags) load(demoPolicy, demoRoster []byte) (*reviewInput, error) {
	in := &reviewInput{}
	var err error
	switch {
	case f.policy != "":
		in.policy, err = review.ReadPolicyFile(f.policy)
	case demoPolicy != nil:
		in.policy, err = review.ParsePolicy(demoPolicy)
	}
	if err != nil {
		return nil, usageErrorf("--policy: %v", err)
	}
	switch {
	case f.roster != "":
		in.roster, err = review.ReadRosterFile(f.roster)
	case demoRoster != nil:
		in.roster, err = review.ReadRoster(bytes.NewReader(demoRoster))
	}
	if err != nil {
		return nil, usageErrorf("--roster: %v", err)
	}
	if f.decisions != "" {
		if in.decisions, err = review.ReadDecisionsFile(f.decisions); err != nil {
			return nil, usageErrorf("--decisions: %v", err)
		}
	}
	in.other = f.other
	if f.asOf != "" {
		if in.asOf, err = time.Parse(time.RFC3339, f.asOf); err != nil {
			if in.asOf, err = time.Parse(time.DateOnly, f.asOf); err != nil {
				return nil, usageErrorf("--as-of: %q is neither RFC 3339 nor YYYY-MM-DD", f.asOf)
			}
		}
	}
	return in, nil
}

// reviewCall is one people, review or demo people/review command line.
type reviewCall struct {
	format report.Format
	out    reportFlags // --output, --run-file, --csv-raw, the table's columns
	fail   bool
	in     *reviewInput
	// decisionsFile is --decisions, for messages.
	decisionsFile string
}

// parseReview parses the flags of people (findings false) or review: with
// rf, the listing's flags too; demoPolicy and demoRoster are the files the
// demo supplies unless --policy or --roster replace them. done is true when
// the command must end with code.
func (a *app) parseReview(cmd *command, args []string, findings bool, rf *runFlags, asOfDefault string,
	demoPolicy, demoRoster []byte) (c *reviewCall, done bool, code int) {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	var pf reportFlags
	var vf reviewFlags
	if rf != nil {
		rf.register(fs)
		rf.registerTenants(fs)
	}
	t := table{defaults: upper(review.DefaultPeopleColumns), header: upper(review.PeopleFields)}
	if findings {
		t = table{defaults: upper(review.DefaultFindingColumns), header: upper(review.FindingFields)}
	}
	pf.registerOutput(fs, t)
	vf.register(fs, findings, asOfDefault)
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return nil, true, code
	}
	if len(pos) > 0 {
		return nil, true, a.usage(cmd, usageErrorf("unexpected argument %q", pos[0]))
	}
	format, err := report.ParseFormat(pf.format)
	if err != nil {
		return nil, true, a.usage(cmd, usageErrorf("--format: %v", err))
	}
	if findings && vf.decisions != "" {
		// The decisions' columns, shown by default.
		pf.table.header = append(pf.table.header, upper(review.DecisionFields)...)
		pf.table.defaults = append(slices.Clip(pf.table.defaults), "DECISION", "DECIDED_BY", "DECIDED_AT")
	}
	if err := pf.checkColumns(format); err != nil {
		return nil, true, a.usage(cmd, err)
	}
	if rf != nil {
		if err := rf.check(); err != nil {
			return nil, true, a.usage(cmd, err)
		}
	}
	in, err := vf.load(demoPolicy, demoRoster)
	if err != nil {
		return nil, true, a.usage(cmd, err)
	}
	return &reviewCall{format: format, out: pf, fail: vf.fail, in: in, decisionsFile: vf.decisions}, false, 0
}

// unmatched counts the decisions in d that name no finding of findings.
func unmatched(findings []review.Finding, d *review.Decisions) int {
	ids := map[string]bool{}
	for _, id := range review.FindingIDs(findings) {
		ids[id] = true
	}
	n := 0
	for _, x := range d.Decisions {
		if !ids[x.Finding] {
			n++
		}
	}
	return n
}

// upper is names in upper case: the people and findings tables' header.
func upper(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ToUpper(n)
	}
	return out
}

func runPeople(a *app, cmd *command, args []string) int {
	return a.runReviewCommand(cmd, args, false)
}

func runReview(a *app, cmd *command, args []string) int {
	return a.runReviewCommand(cmd, args, true)
}

// runReviewCommand is people (findings false) and review over the live
// providers.
func (a *app) runReviewCommand(cmd *command, args []string, findings bool) int {
	var rf runFlags
	c, done, code := a.parseReview(cmd, args, findings, &rf, "now", nil, nil)
	if done {
		return code
	}
	s, err := a.liveSession(&rf)
	if err != nil {
		return a.usage(cmd, err)
	}
	if c.in.asOf.IsZero() {
		c.in.asOf = time.Now()
	}
	return a.writeReview(cmd, s, c, findings)
}

// writeReview runs the session, joins the complete providers' assignments
// into people and writes the people (findings false) or the findings,
// with the listing's run record: in the JSON envelope, or for ndjson and
// csv written to a file in its sidecar; --run-file writes it too. The
// output is list's (reportOutput): when a provider failed, a file goes to
// <output>.partial, leaving <output> as it was, unless --partial.
func (a *app) writeReview(cmd *command, s *session, c *reviewCall, findings bool) int {
	in := c.in
	ro, err := a.openOutput(&c.out)
	if err != nil {
		return a.usage(cmd, err)
	}
	defer ro.close()
	held := map[string][]facade.Assignment{}
	started := s.now()
	out := s.run(a.ctx, func(as facade.Assignment) error {
		held[as.Provider] = append(held[as.Provider], as)
		return nil
	})
	var all []facade.Assignment
	for _, p := range out.complete {
		all = append(all, held[p]...)
	}
	run := s.runRecord(out, func(p string) (assignments, users int64) {
		if !slices.Contains(out.complete, p) {
			return 0, 0
		}
		ids := map[string]bool{}
		for _, as := range held[p] {
			if as.Kind() == facade.User { // as the report's Writer counts users
				ids[as.UserID] = true
			}
		}
		return int64(len(held[p])), int64(len(ids))
	}, started)
	run.CSVRaw = c.out.csvRaw && c.format == report.CSV
	people := review.Join(all, in.policy)
	open := 0
	o := review.WriteOptions{Format: c.format, CSVRaw: c.out.csvRaw, Run: run, Columns: c.out.picked}
	if !findings && c.format == report.Table && slices.EqualFunc(c.out.picked, review.DefaultPeopleColumns, strings.EqualFold) {
		// The default people table: a person's key (a service account's is
		// "<provider>:service_account:<id>", some 56 characters) and last
		// activity beside roles cut at 76 characters fit 160.
		o.MaxCell = 76
	}
	write := func(w io.Writer) error { return review.WritePeople(w, o, people) }
	if c.format == report.HTML {
		write = func(w io.Writer) error {
			return htmlreport.Write(w, &htmlreport.Page{Title: "People", Run: run, People: people})
		}
	}
	undecided := ""
	if findings {
		fs := review.Review(people, review.Options{Policy: in.policy, Roster: in.roster, AsOf: in.asOf})
		open = review.Open(fs)
		if d := in.decisions; d != nil {
			digest := review.FindingsDigest(fs)
			if d.FindingsSHA256 != digest && !in.other {
				fmt.Fprintf(a.stderr, "rolecall %s: --decisions: the decisions were made for another report (run %s, "+
					"findings digest %s), not this one (run %s, findings digest %s); --allow-other-report applies them "+
					"to the findings they name\n", cmd.name, termtext.Escape(d.RunID), termtext.Escape(d.FindingsSHA256),
					run.ID, digest)
				return exitUsage
			}
			o.Decided = d.ByFinding()
			open = review.Undecided(fs, o.Decided)
			undecided = " undecided"
			if n := unmatched(fs, d); n > 0 {
				s.con.Printf("rolecall: %d %s in %s name no finding of this report", n,
					plural(int64(n), "decision", "decisions"), c.decisionsFile)
			}
		}
		write = func(w io.Writer) error { return review.WriteFindings(w, o, fs) }
		if c.format == report.HTML {
			write = func(w io.Writer) error {
				return htmlreport.Write(w, &htmlreport.Page{Title: "Access review", Run: run, Findings: fs, People: people})
			}
		}
	}
	// The listing's onRow never fails here, so out.stopErr is nil and
	// every write error is reported.
	if !s.finish(ro, write(ro.w), out, c.format, run) {
		return exitFailed
	}
	switch {
	case !out.ok():
		return exitFailed
	case c.fail && open > 0:
		s.con.Printf("rolecall: %d open%s %s (--fail-on-findings)", open, undecided, plural(int64(open), "finding", "findings"))
		return exitFailed
	}
	return exitOK
}

// demoReview is `rolecall demo people` and `rolecall demo review`: the
// listing over the embedded fixtures, with the embedded policy and roster
// (unless --policy or --roster name others) and the recorded tenants' clock.
func (a *app) demoReview(cmd *command, args []string, findings bool) int {
	policy, err := demoPolicy()
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall demo: %v\n", err)
		return exitFailed
	}
	roster, err := demoRoster()
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall demo: %v\n", err)
		return exitFailed
	}
	c, done, code := a.parseReview(cmd, args, findings, nil, demoAsOf.Format(time.RFC3339)+", the recordings' clock",
		policy, roster)
	if done {
		return code
	}
	if c.in.asOf.IsZero() {
		c.in.asOf = demoAsOf
	}
	srv, served, err := startDemo()
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall demo: starting the demo server: %v\n", err)
		return exitFailed
	}
	defer srv.Close()
	rf := runFlags{maxRetries: 1, quiet: true}
	s, err := a.newSession(&rf, served, func(p string, o facade.Options) (facade.Lister, error) {
		return demoLister(srv, p, o)
	})
	if err != nil {
		fmt.Fprintf(a.stderr, "rolecall demo: %v\n", err)
		return exitFailed
	}
	s.demo = true
	return a.writeReview(cmd, s, c, findings)
}
