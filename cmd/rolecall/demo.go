package main

import (
	"flag"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/fixture"
	"github.com/rolecall/rolecall/report"
)

var demoCommand = &command{
	name:    "demo",
	args:    "[people|review] [flags]",
	summary: "the access report, people or review over embedded recorded fixtures: no credentials, no network",
	about: `
Write the access report of 'rolecall list' over recorded API responses embedded
in the binary, served in-process on 127.0.0.1 by rolecall's fake provider
server. It needs no credentials and no network, and always prints the same
report, byte for byte (its run record has the id "demo" and the recordings'
clock, 2026-11-30T00:00:00Z, as its times): a way to see what rolecall does
before pointing it at a real tenant.

'rolecall demo people' and 'rolecall demo review' do what 'rolecall people' and
'rolecall review' do over the same recordings, with an embedded policy and
roster (--policy and --roster replace them) and the recordings' clock
(2026-11-30T00:00:00Z; --as-of replaces it). They take --format, --output, --partial,
--csv-raw, --run-file, --columns, --wide and, for review, --fail-on-findings,
--decisions and --allow-other-report. --format html writes one self-contained
page (see 'rolecall review --help').

Each table shows the columns that fit a terminal 160 characters wide (see
'rolecall list --help'); --columns picks them by their header names, --wide
shows every column.`,
	examples: `
rolecall demo
rolecall demo --format json
rolecall demo --wide
rolecall demo --provider openai --format csv --output demo.csv
rolecall demo people
rolecall demo review --format csv`,
	run: runDemo,
}

// The demo's review inputs (variables so that tests may replace them).
var (
	demoPolicy = fixture.DemoPolicy
	demoRoster = fixture.DemoRoster
	demoAsOf   = fixture.DemoAsOf
)

// demoServer is what the demo needs from its server (*fixture.Demo).
type demoServer interface {
	BaseURL(provider string) string
	Credential(provider string) string
	PageSize(provider string) int
	Close()
}

// startDemo starts the demo server, which replays the embedded recorded
// listings, and lists the providers it serves.
var startDemo = func() (demoServer, []string, error) {
	d, err := fixture.StartDemo()
	if err != nil {
		return nil, nil, err
	}
	return d, fixture.DemoProviders(), nil
}

func runDemo(a *app, cmd *command, args []string) int {
	if len(args) > 0 && (args[0] == "people" || args[0] == "review") {
		sub := &command{name: "demo " + args[0], args: "[flags]", about: demoSubAbout[args[0]],
			examples: "rolecall demo " + args[0] + "\nrolecall demo " + args[0] + " --format json"}
		return a.demoReview(sub, args[1:], args[0] == "review")
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var pf reportFlags
	pf.register(fs)
	var rf runFlags
	fs.StringVar(&rf.providers, "provider", "", "show only these `providers`, comma-separated (default: all four)")
	fs.StringVar(&rf.emails, "email", "", "show only these users, by `emails`, comma-separated (case-insensitive)")
	fs.Var(&rf.principals, "principals", principalsUsage)
	fs.BoolVar(&rf.quiet, "quiet", false, "draw no progress on a terminal")
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
	if err := pf.checkColumns(format); err != nil {
		return a.usage(cmd, err)
	}
	rf.maxRetries = 1
	if err := rf.check(); err != nil {
		return a.usage(cmd, err)
	}
	srv, served, err := startDemo()
	if err != nil {
		a.stderr.Write([]byte("rolecall demo: starting the demo server: " + err.Error() + "\n"))
		return exitFailed
	}
	defer srv.Close()
	providers := served
	if rf.providers != "" {
		providers = nil
		for _, p := range strings.Split(rf.providers, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if !slices.Contains(served, p) {
				return a.usage(cmd, usageErrorf("--provider: the demo has no provider %q (it has %s)", p,
					strings.Join(served, ", ")))
			}
			if !slices.Contains(providers, p) {
				providers = append(providers, p)
			}
		}
	}
	s, err := a.newSession(&rf, providers, func(p string, o facade.Options) (facade.Lister, error) {
		return demoLister(srv, p, o)
	})
	if err != nil {
		a.stderr.Write([]byte("rolecall demo: " + err.Error() + "\n"))
		return exitFailed
	}
	s.demo = true
	for _, st := range s.states {
		st.host = "demo"
	}
	return a.writeReport(cmd, s, format, &pf, nil)
}

var demoSubAbout = map[string]string{
	"people": `
What 'rolecall people' writes, over the demo's recorded tenants and embedded
policy: one row per person, joined on the normalised email.`,
	"review": `
What 'rolecall review' writes, over the demo's recorded tenants with its
embedded policy and roster, as of the recordings' clock (2026-11-30): each kind
of finding, exemptions shown as exempt.`,
}

// demoLister configures provider's driver for the demo server.
func demoLister(srv demoServer, provider string, o facade.Options) (facade.Lister, error) {
	o.BaseURL = srv.BaseURL(provider)
	o.PageSize = srv.PageSize(provider)
	o.RateLimit = -1 // the server is in-process
	return drivers.New(provider, srv.Credential(provider), o)
}
