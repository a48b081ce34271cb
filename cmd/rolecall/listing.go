package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/tenants"
	"github.com/rolecall/rolecall/internal/httpx"
	"github.com/rolecall/rolecall/internal/scrub"
	"github.com/rolecall/rolecall/report"
)

// runFlags are the flags of every command that lists: which providers and
// users, and how hard to try.
type runFlags struct {
	providers   string
	emails      string
	principals  kindsFlag
	concurrency int
	timeout     time.Duration
	failFast    bool
	quiet       bool
	verbose     bool
	maxRetries  int
	retryWait   time.Duration
	rateLimit   float64
	limitWait   time.Duration
	tenantsFile string // --tenants (list, people, review)
	maxTenants  int    // --max-tenants (list, people, review); 0: every tenant at once
	shard       string // --shard K/N (list, people, review); "": every tenant
}

// registerTenants adds --tenants, for the commands that list live
// tenants into a report (list, people, review).
func (f *runFlags) registerTenants(fs *flag.FlagSet) {
	fs.StringVar(&f.tenantsFile, "tenants", "",
		"list the tenants this YAML or JSON `file` names, several per provider if need be, each with\n"+
			"its own requests in flight and rate limit, instead of one tenant per provider from the\n"+
			"environment; credentials by reference only: {env: VARIABLE} or {file: PATH}\n"+
			"(see 'rolecall list --help'); --provider picks among its tenants by provider")
	fs.IntVar(&f.maxTenants, "max-tenants", defaultMaxTenants,
		"list at most `N` tenants at once, the others starting as these finish, so that the\n"+
			"requests in flight of the whole run are at most N x --concurrency however many tenants\n"+
			"the --tenants file names; 0: every tenant at once")
	fs.StringVar(&f.shard, "shard", "",
		"list only the `K/N`-th share of the --tenants file's tenants, e.g. 2/3: N jobs given 1/N to N/N\n"+
			"list every tenant once between them ('rolecall merge' joins their reports); a tenant's share\n"+
			"is a hash of its name, so it stays put when the file gains or loses a tenant")
}

// defaultMaxTenants is --max-tenants' default: 8 tenants at once, 64
// requests in flight at the default --concurrency of 8.
const defaultMaxTenants = 8

func (f *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.providers, "provider", "",
		"the providers to list: a comma-separated `list` of "+strings.Join(providerNames, ", ")+"\n(default: every provider whose credentials are set)")
	fs.StringVar(&f.emails, "email", "",
		"list only the users with these emails: a comma-separated `list`, matched case-insensitively")
	fs.Var(&f.principals, "principals", principalsUsage)
	fs.IntVar(&f.concurrency, "concurrency", 0,
		"send at most `N` requests at once to each provider (default "+defaultConcurrencies()+")")
	fs.DurationVar(&f.timeout, "timeout", 0,
		"stop the whole listing after this `duration`, e.g. 90s or 10m (default: no deadline)")
	fs.BoolVar(&f.failFast, "fail-fast", false,
		"stop every provider at the first provider's failure")
	fs.BoolVar(&f.quiet, "quiet", false,
		"draw no progress on a terminal (warnings and errors still show)")
	fs.BoolVar(&f.verbose, "verbose", false,
		"also log each request: method, host, path, status (never credentials or query strings)")
	fs.IntVar(&f.maxRetries, "max-retries", 4,
		"retry a failed request (connection error, 408, 429, 5xx) up to `N` times; 0 turns retries off")
	fs.DurationVar(&f.retryWait, "retry-wait", 500*time.Millisecond,
		"wait this `duration` before the first retry; the wait doubles each retry, with jitter,\nup to 8s (a server's Retry-After is obeyed instead, up to 30s)")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0,
		"send at most `N` requests a second to each provider, evenly spaced (for self-hosted servers\nand other plans); 0: the provider's documented limit (cortex 1000/min, logto 200/10s,\nnone documented for openai and vectara); negative: no client-side limit. A 429 always\npauses the provider's requests until the server's hint and lowers the rate")
	fs.DurationVar(&f.limitWait, "rate-limit-wait", httpx.DefaultRetryPolicy.RateLimitBudget,
		"keep retrying a request the provider answers 429 for this `duration` before failing the provider")
}

// principalsUsage is --principals' help, for every command that lists.
var principalsUsage = "list only these kinds of principal: a comma-separated `list` of\n" + kindNames() +
	"\n(api-key for api_key too; the flag may be repeated; default: every kind). A provider's listing\n" +
	"is complete only when every kind asked for that its driver lists is listed: a kind the credentials\n" +
	"may not read (not_permitted) or whose listing failed fails the provider, after its other kinds\n" +
	"are listed, and the run record names it; leave such kinds out to list the rest completely"

// kindNames lists the principal kinds, comma-separated.
func kindNames() string {
	names := make([]string, len(facade.Kinds))
	for i, k := range facade.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// kindsFlag is --principals: the principal kinds to list, in the order
// first named, each once. Each value is a comma-separated list of kinds
// (facade.ParseKind); the flag may be repeated, adding to the list.
type kindsFlag []facade.PrincipalKind

func (k *kindsFlag) String() string {
	if k == nil {
		return ""
	}
	return strings.Join(k.names(), ",")
}

// names are the kinds' names; nil for none (every kind).
func (k *kindsFlag) names() []string {
	var out []string
	for _, p := range *k {
		out = append(out, string(p))
	}
	return out
}

func (k *kindsFlag) Set(v string) error {
	named := false
	for _, s := range strings.Split(v, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		p, err := facade.ParseKind(s)
		if err != nil {
			return err
		}
		named = true
		if !slices.Contains(*k, p) {
			*k = append(*k, p)
		}
	}
	if !named {
		return fmt.Errorf("name at least one kind (the kinds: %s)", kindNames())
	}
	return nil
}

// Bounds of the numeric flags: past them a value is a mistake (or an
// attempt to exhaust memory), refused as a usage error.
const (
	maxConcurrency = facade.MaxConcurrency
	maxRetries     = 100
	maxRetryWait   = 10 * time.Minute
)

// check validates the flags' values.
func (f *runFlags) check() error {
	switch {
	case f.maxTenants < 0 || f.maxTenants > maxConcurrency:
		return usageErrorf("--max-tenants must be between 1 and %d (0: every tenant at once), not %d", maxConcurrency, f.maxTenants)
	case f.concurrency < 0 || f.concurrency > maxConcurrency:
		return usageErrorf("--concurrency must be between 1 and %d (0: the default), not %d", maxConcurrency, f.concurrency)
	case f.timeout < 0:
		return usageErrorf("--timeout must not be negative")
	case f.maxRetries < 0 || f.maxRetries > maxRetries:
		return usageErrorf("--max-retries must be between 0 and %d, not %d", maxRetries, f.maxRetries)
	case f.retryWait < 0 || f.retryWait > maxRetryWait:
		return usageErrorf("--retry-wait must be between 0 and %s, not %s", maxRetryWait, f.retryWait)
	case f.limitWait < 0:
		return usageErrorf("--rate-limit-wait must not be negative")
	case math.IsNaN(f.rateLimit) || math.IsInf(f.rateLimit, 0):
		return usageErrorf("--rate-limit must be a number of requests a second")
	}
	_, err := f.emailList()
	return err
}

func (f *runFlags) emailList() ([]string, error) {
	var out []string
	for _, e := range strings.Split(f.emails, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if !strings.Contains(e, "@") {
			return nil, usageErrorf("--email: %q is not an email address", e)
		}
		out = append(out, e)
	}
	return out, nil
}

// options returns the driver options the flags ask for.
func (f *runFlags) options() facade.Options {
	o := facade.Options{Concurrency: f.concurrency, RateLimit: f.rateLimit}
	o.Retry.MaxRetries = f.maxRetries
	if f.maxRetries == 0 {
		o.Retry.MaxRetries = -1 // the flag's 0 is "none"; the policy's, the default
	}
	o.Retry.BaseDelay = f.retryWait
	o.Retry.RateLimitBudget = f.limitWait
	if f.retryWait > 8*time.Second {
		o.Retry.MaxDelay = f.retryWait
	}
	return o
}

// session is one listing run: the console, and each provider's lister and
// progress.
type session struct {
	a       *app
	con     *console
	flags   *runFlags
	logger  *slog.Logger
	listers []facade.Lister
	states  []*provState
	// noStatus draws no status area even on a terminal (rows are being
	// written to the same terminal).
	noStatus bool
	// completed, if set, is called once for each provider whose listing
	// completed, as soon as its last assignment was handed to onRow.
	completed func(provider string) error
	// demo makes the run record the same every run: id "demo", the
	// recordings' clock as its times (demoAsOf), host "demo".
	demo bool
	// tenants is the tenants file listed (--tenants); nil: one tenant per
	// provider, from the environment.
	tenants *tenants.Tenants
	// scrub removes every secret the session knows from what it writes.
	scrub *scrub.Scrubber
}

// now is the time for the run record, UTC to the millisecond.
func (s *session) now() time.Time {
	if s.demo {
		return demoAsOf // the recordings' clock: the run record's start and finish
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

// runRecord is the run record of a session that ended with out; counts
// says what its report holds of a provider (assignments, distinct users).
func (s *session) runRecord(out *outcome, counts func(provider string) (assignments, users int64),
	started time.Time) *report.Run {
	v, rev := version()
	if rev != "" {
		v += " (" + rev + ")"
	}
	emails, _ := s.flags.emailList()
	run := &report.Run{Schema: report.RunSchema, ID: report.NewRunID(), Started: started, Finished: s.now(),
		Version: v, Emails: emails, Principals: s.flags.principals.names(), Order: "sorted"}
	if s.tenants != nil {
		run.TenantsSHA256 = s.tenants.SHA256
		run.Shard = s.flags.shard
	}
	if s.demo {
		run.ID = "demo"
	}
	for _, st := range s.states {
		pr := report.ProviderRun{Provider: st.provider(), Host: st.host, Status: report.StatusComplete,
			Requests: st.stats.Snapshot().Requests}
		if st.tenant != "" {
			pr.Tenant = st.tenant
		}
		if s.demo {
			pr.Host = "demo"
		}
		pr.SpecSHA256, pr.SpecParts = specDigests(st.provider())
		if !slices.Contains(out.complete, st.name) {
			pr.Status = report.StatusFailed
			st.mu.Lock()
			pr.Error = s.scrub.String(st.err) // as the console line was
			st.mu.Unlock()
			if pr.Error == "" {
				pr.Error = "stopped before it finished"
			}
		}
		pr.Assignments, pr.Users = counts(st.name)
		snap := st.stats.Snapshot()
		if snap.ReportedUsers >= 0 {
			pr.ReportedTotal, pr.ListedUsers = &snap.ReportedUsers, &snap.ListedUsers
		}
		if len(snap.Kinds) > 0 { // every kind, not_offered included: what the driver does not list shows
			pr.Kinds = make(map[string]string, len(snap.Kinds))
			for k, v := range snap.Kinds {
				pr.Kinds[string(k)] = string(v)
			}
		}
		run.Providers = append(run.Providers, pr)
	}
	return run
}

// newSession prepares a listing of providers, building each lister with
// build (which receives options carrying the session's logger and a Stats
// for the progress line).
func (a *app) newSession(f *runFlags, providers []string,
	build func(provider string, o facade.Options) (facade.Lister, error)) (*session, error) {
	return a.newTenantSession(f, nil, providers, build)
}

// newTenantSession is newSession listing the tenants ts names (its
// listers built by build from the tenants' names), or, when ts is nil,
// one tenant per provider.
func (a *app) newTenantSession(f *runFlags, ts *tenants.Tenants, providers []string,
	build func(name string, o facade.Options) (facade.Lister, error)) (*session, error) {
	var secrets []string
	if ts != nil {
		secrets = ts.Secrets()
	}
	sc := scrub.New(append(a.env.secrets(), secrets...)...)
	con := newConsole(a.stderr, sc)
	level := slog.LevelWarn
	if f.verbose {
		level = slog.LevelDebug
	}
	s := &session{a: a, con: con, flags: f, logger: slog.New(&consoleHandler{c: con, level: level}), tenants: ts, scrub: sc}
	for _, p := range providers {
		o := f.options()
		o.Logger = s.logger
		o.Stats = new(facade.Stats)
		l, err := build(p, o)
		if err != nil {
			return nil, err
		}
		s.listers = append(s.listers, l)
		st := &provState{name: p, stats: o.Stats, state: "starting"}
		if ts != nil {
			st.tenant, st.prov = p, ts.Lookup(p).Provider
		}
		s.states = append(s.states, st)
	}
	return s, nil
}

// outcome is how a listing ended.
type outcome struct {
	failed   []error  // one per failing provider, in arrival order
	complete []string // the providers that listed everything, in report order
	stopped  []string // the providers stopped before they finished (--fail-fast, or an output error)
	listed   int      // assignments handed to onRow
	stopErr  error    // why onRow stopped the listing, if it did
}

// ok reports whether every provider listed completely.
func (o *outcome) ok() bool { return len(o.failed) == 0 && len(o.stopped) == 0 && o.stopErr == nil }

// run lists every provider at once, handing each assignment to onRow as it
// arrives, printing each provider's failure on its own line as it happens
// and, on a terminal, a live status line per provider.
func (s *session) run(ctx context.Context, onRow func(facade.Assignment) error) *outcome {
	if s.flags.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, s.flags.timeout,
			fmt.Errorf("the --timeout of %s passed before the listing finished", s.flags.timeout))
		defer cancel()
	}
	emails, _ := s.flags.emailList()
	byName := map[string]*provState{}
	tracked := make([]facade.Lister, len(s.listers))
	width := 0
	for i, l := range s.listers {
		st := s.states[i]
		byName[st.name] = st
		tracked[i] = trackedLister{Lister: l, st: st}
		width = max(width, len(st.name))
	}
	columns := 80
	if n, err := strconv.Atoi(s.a.env.get("COLUMNS")); err == nil && n > 20 {
		columns = n
	}
	if s.a.terminal && !s.flags.quiet && !s.noStatus {
		s.con.StartStatus(200*time.Millisecond, func() []string {
			lines := make([]string, len(s.states))
			for i, st := range s.states {
				lines[i] = st.line(width, columns-1)
			}
			return lines
		})
	}
	out := &outcome{}
	matched := map[string]bool{}
	for a, err := range facade.ListAllN(ctx, tracked, s.flags.maxTenants, &facade.ListOptions{Emails: emails, Principals: s.flags.principals}) {
		if err != nil {
			var pe providerError
			line := describeFailure(ctx, err)
			if errors.As(err, &pe) && byName[pe.provider] != nil {
				byName[pe.provider].fail(line)
			}
			out.failed = append(out.failed, err)
			s.con.Println(line)
			if s.flags.failFast {
				break
			}
			continue
		}
		st := byName[a.TenantName()]
		if st != nil {
			st.mu.Lock()
			st.received++
			st.mu.Unlock()
		}
		if len(emails) > 0 {
			matched[strings.ToLower(a.Email)] = true
		}
		if err := onRow(a); err != nil {
			out.stopErr = err
			break
		}
		out.listed++
		if s.completed != nil && st != nil && st.justCompleted() {
			if err := s.completed(st.name); err != nil {
				out.stopErr = err
				break
			}
		}
	}
	stoppedByUs := s.flags.failFast && len(out.failed) > 0 || out.stopErr != nil
	for _, st := range s.states {
		st.mu.Lock()
		complete := st.state == "done" && st.received == st.produced
		failed := st.state == "failed"
		st.mu.Unlock()
		switch {
		case complete:
			out.complete = append(out.complete, st.name)
		case failed:
		case !stoppedByUs && ctx.Err() != nil:
			// The deadline passed or the user interrupted: the provider
			// failed to finish, though its own error may not have arrived
			// (ListAll drops what comes after cancellation).
			err := fmt.Errorf("%s: stopped: %w", st.name, context.Cause(ctx))
			st.fail(err.Error())
			out.failed = append(out.failed, err)
			s.con.Println(err.Error())
		default:
			out.stopped = append(out.stopped, st.name)
			st.set("stopped")
		}
	}
	s.con.StopStatus()
	if len(emails) > 0 && len(out.complete) > 0 {
		for _, e := range emails {
			if !matched[strings.ToLower(e)] {
				s.con.Printf("warning: --email %s matched no user in %s", e, strings.Join(out.complete, ", "))
			}
		}
	}
	return out
}

// describeFailure is the one line printed for a failing provider: the
// facade's error names the provider, what failed, the status and what to
// do.
func describeFailure(ctx context.Context, err error) string {
	var fe *facade.Error
	if errors.As(err, &fe) && fe.Code == facade.Canceled && ctx.Err() != nil {
		return fmt.Sprintf("%s: stopped: %v", fe.Provider, context.Cause(ctx))
	}
	return err.Error()
}

// trackedLister follows one provider's listing for the status line and the
// summary: when it starts, whether it finished, how much it produced.
type trackedLister struct {
	facade.Lister
	st *provState
}

func (t trackedLister) ListAssignments(ctx context.Context, opts *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
	return func(yield func(facade.Assignment, error) bool) {
		t.st.set("listing")
		for a, err := range t.Lister.ListAssignments(ctx, opts) {
			if err != nil {
				// The state becomes "failed" when the error reaches the
				// report: ListAll may drop an error that comes after a
				// cancellation.
				yield(facade.Assignment{}, providerError{provider: t.st.name, err: err})
				return
			}
			t.st.mu.Lock()
			t.st.produced++
			t.st.mu.Unlock()
			if !yield(a, nil) {
				return
			}
		}
		t.st.set("done")
	}
}

// providerError makes sure a failure names its provider.
type providerError struct {
	provider string
	err      error
}

func (e providerError) Error() string {
	if te := (*tenants.Error)(nil); errors.As(e.err, &te) && te.Tenant == e.provider {
		return e.err.Error()
	}
	var fe *facade.Error
	if errors.As(e.err, &fe) && fe.Provider == e.provider {
		return e.err.Error()
	}
	return e.provider + ": " + e.err.Error()
}

func (e providerError) Unwrap() error { return e.err }

// summary is the closing line when the listing was not complete, saying
// what the report holds.
//
// report is "report" when a report was written (it holds only the
// providers that completed), or "" (no report: verify, record).
func (o *outcome) summary(total int, failFast bool, report string) string {
	if o.ok() {
		return ""
	}
	var b strings.Builder
	b.WriteString("rolecall: ")
	switch {
	case o.stopErr != nil:
		fmt.Fprintf(&b, "stopped: %v", o.stopErr)
	case len(o.failed) > 0:
		fmt.Fprintf(&b, "%d of %d %s failed", len(o.failed), total, plural(int64(total), "provider", "providers"))
		if failFast && len(o.stopped) > 0 {
			fmt.Fprintf(&b, "; --fail-fast stopped %s", strings.Join(o.stopped, ", "))
		}
	default:
		fmt.Fprintf(&b, "%s did not finish", strings.Join(o.stopped, ", "))
	}
	if o.stopErr == nil && report != "" {
		switch {
		case len(o.complete) == 0:
			b.WriteString("; the report is empty")
		default:
			fmt.Fprintf(&b, "; the report holds %s only", strings.Join(o.complete, ", "))
		}
	}
	return b.String()
}

// httpClientWith returns a client sending through rt (for verify and
// record), or nil to let the driver build its own.
func httpClientWith(rt http.RoundTripper) *http.Client {
	if rt == nil {
		return nil
	}
	return &http.Client{Transport: rt}
}

// specDigests returns the SHA-256, in hex, of provider's vendored spec and
// of each of its further spec files by name (specs.Parts; nil when it has
// none): every spec its client was generated from. A spec that cannot be
// read has no digest ("", or no entry).
func specDigests(provider string) (main string, parts map[string]string) {
	if spec, err := specs.Bytes(provider); err == nil {
		sum := sha256.Sum256(spec)
		main = hex.EncodeToString(sum[:])
	}
	names, _ := specs.Parts(provider)
	for _, name := range names {
		data, err := fs.ReadFile(specs.FS(), name)
		if err != nil {
			continue
		}
		sum := sha256.Sum256(data)
		if parts == nil {
			parts = map[string]string{}
		}
		parts[name] = hex.EncodeToString(sum[:])
	}
	return main, parts
}
