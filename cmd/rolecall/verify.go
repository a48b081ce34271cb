package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/drift"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/internal/scrub"
	"github.com/rolecall/rolecall/internal/termtext"
)

var verifyCommand = &command{
	name:    "verify",
	args:    "[flags]",
	summary: "list live and check every response against the vendored OpenAPI spec",
	about: `
Run the same listing as 'rolecall list' against the live APIs, and check every
response the drivers receive against the OpenAPI spec rolecall was generated
from (api/specs). The report itself is not written; instead verify prints, per
provider:

  violations  what the spec rejects: a wrong type, a missing required field, a
              broken pattern, an undeclared status or content type
  drift       what the spec does not know yet: fields it does not declare and
              enum values it does not list (rolecall tolerates both; the spec
              should catch up)

Each distinct finding is printed once, with how many responses showed it. The
responses are checked as the drivers read them, without changing how they
stream. Exit codes: 0 no violation (drift alone is not an error), 1 a violation
or a provider failed, 2 a usage error. Credentials come from the environment,
as for 'rolecall list'.`,
	examples: `
rolecall verify
rolecall verify --provider vectara,logto
rolecall verify --provider openai --email ada@example.com`,
	run: runVerify,
}

func runVerify(a *app, cmd *command, args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var rf runFlags
	rf.register(fs)
	pos, done, code := a.parse(cmd, fs, args)
	if done {
		return code
	}
	if len(pos) > 0 {
		return a.usage(cmd, usageErrorf("unexpected argument %q", pos[0]))
	}
	if err := rf.check(); err != nil {
		return a.usage(cmd, err)
	}
	providers, err := parseProviders(rf.providers, a.env)
	if err != nil {
		return a.usage(cmd, err)
	}
	checkers := map[string]*checker{}
	s, err := a.newSession(&rf, providers, func(p string, o facade.Options) (facade.Lister, error) {
		c, err := newChecker(a.ctx, p, baseURL(p, a.env), newTransport())
		if err != nil {
			return nil, err
		}
		checkers[p] = c
		o.HTTPClient = httpClientWith(c)
		return newLister(p, a.env, o)
	})
	if err != nil {
		return a.usage(cmd, err)
	}
	counts := map[string]int{}
	out := s.run(a.ctx, func(as facade.Assignment) error {
		counts[as.Provider]++
		return nil
	})
	violations := 0
	sc := a.env.scrubber()
	for i, p := range providers {
		st := s.states[i]
		failure := ""
		if !slices.Contains(out.complete, p) {
			st.mu.Lock()
			failure = st.err
			st.mu.Unlock()
			if failure == "" {
				failure = "stopped before it finished"
			}
			failure = sc.String(failure)
		}
		// Findings quote the provider's values and field names: a
		// credential it returned as data is shown as the marker.
		var b strings.Builder
		violations += checkers[p].write(&b, counts[p], failure)
		shown := sc.Values(b.String())
		if shown != b.String() {
			s.con.Printf("warning: %s: the provider returned a credential as data; it is shown as %s (check the tenant, and rotate the credential)",
				p, scrub.Marker)
		}
		io.WriteString(a.stdout, shown)
	}
	if line := out.summary(len(providers), rf.failFast, ""); line != "" {
		s.con.Println(line)
	}
	if violations > 0 || !out.ok() {
		return exitFailed
	}
	return exitOK
}

// baseURL is the base URL provider's driver uses, as the environment sets
// it or the driver's default.
func baseURL(provider string, env getenv) string {
	p, err := drivers.Lookup(provider)
	if err != nil {
		return ""
	}
	if v := env.get(p.Env("BaseURL")); v != "" {
		return v
	}
	return p.DefaultBaseURL
}

// newTransport is the transport under the drivers' retries for verify and
// record: the standard one.
func newTransport() http.RoundTripper { return http.DefaultTransport.(*http.Transport).Clone() }

// checker is an http.RoundTripper that checks each response from the
// provider's API against the provider's spec (package drift), as the
// driver reads the body: the body is teed into a buffer and checked when
// the driver closes it, so streaming is undisturbed.
type checker struct {
	provider string
	next     http.RoundTripper
	doc      *specs.Document
	specName string
	host     string // the API's host: responses from elsewhere (OAuth token URLs) are not checked
	basePath string // the base URL's path, cut from request paths before matching

	mu        sync.Mutex
	checked   int
	unchecked map[string]int // why a response was not checked → how many
	findings  map[findingKey]*findingCount
	order     []findingKey
}

type findingKey struct {
	op      string
	status  int
	kind    drift.Kind
	path    string // with array indexes dropped, so that rows of a page collapse
	value   string
	message string
}

type findingCount struct {
	example drift.Finding
	n       int
}

func newChecker(ctx context.Context, provider, base string, next http.RoundTripper) (*checker, error) {
	doc, err := specs.Open(ctx, provider)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, usageErrorf("%s: base URL %q is not a URL", provider, base)
	}
	name, _ := specs.File(provider)
	return &checker{provider: provider, next: next, doc: doc, specName: name, host: u.Host,
		basePath: strings.TrimSuffix(u.Path, "/"), unchecked: map[string]int{}, findings: map[findingKey]*findingCount{}}, nil
}

func (c *checker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || req.URL.Host != c.host {
		return resp, err
	}
	if req.Method != http.MethodGet { // Logto's token exchange: not part of the spec
		return resp, nil
	}
	path := req.URL.Path
	if rest, ok := strings.CutPrefix(path, c.basePath); ok && c.basePath != "" {
		path = rest
	}
	op, _, merr := c.doc.Match(req.Method, path)
	status := resp.StatusCode
	header := resp.Header.Clone()
	if merr != nil {
		c.add(fmt.Sprintf("%s %s", req.Method, path), status, drift.Finding{Kind: drift.Violation, Keyword: "path",
			Message: "the request matches no operation of the spec"})
		return resp, nil
	}
	if (status < 200 || status > 299) && op.Response(status) == nil {
		c.skip(fmt.Sprintf("status %d, which the spec does not declare for %s", status, op))
		return resp, nil
	}
	resp.Body = &teeBody{rc: resp.Body, done: func(body []byte, complete bool) {
		if !complete {
			c.skip("the body could not be read whole")
			return
		}
		c.check(op, status, header, body)
	}}
	return resp, nil
}

func (c *checker) check(op *specs.Operation, status int, header http.Header, body []byte) {
	name := op.ID
	if name == "" {
		name = op.Method + " " + op.Path
	}
	r := drift.Check(c.doc, name, status, header, body)
	c.mu.Lock()
	c.checked++
	c.mu.Unlock()
	if r.Err != nil {
		c.add(op.String(), status, drift.Finding{Kind: drift.Violation, Message: r.Err.Error()})
		return
	}
	for _, f := range r.Findings {
		c.add(op.String(), status, f)
	}
}

var arrayIndex = regexp.MustCompile(`\[\d+\]`)

func (c *checker) add(op string, status int, f drift.Finding) {
	k := findingKey{op: op, status: status, kind: f.Kind, path: arrayIndex.ReplaceAllString(f.Path, "[]"),
		value: f.Value, message: f.Message}
	if f.Kind != drift.Violation {
		k.message = ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if fc, ok := c.findings[k]; ok {
		fc.n++
		return
	}
	c.findings[k] = &findingCount{example: f, n: 1}
	c.order = append(c.order, k)
}

func (c *checker) skip(why string) {
	c.mu.Lock()
	c.unchecked[why]++
	c.mu.Unlock()
}

// write prints the provider's findings and returns how many distinct
// violations it found. failure is why the provider's listing failed, ""
// when it completed: a failed listing is never reported as clean.
func (c *checker) write(w io.Writer, assignments int, failure string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var violations, drifts []findingKey
	for _, k := range c.order {
		if k.kind == drift.Violation {
			violations = append(violations, k)
		} else {
			drifts = append(drifts, k)
		}
	}
	var b strings.Builder
	if failure != "" {
		fmt.Fprintf(&b, "%s: FAILED, not verified: %s\n  ", c.provider, termtext.Escape(failure))
	}
	fmt.Fprintf(&b, "%s: %d %s checked against %s, %d %s listed: ", c.provider, c.checked,
		plural(int64(c.checked), "response", "responses"), c.specName, assignments,
		plural(int64(assignments), "assignment", "assignments"))
	switch {
	case len(violations) == 0 && len(drifts) == 0 && failure != "":
		b.WriteString("no violation, no drift in what was checked\n")
	case len(violations) == 0 && len(drifts) == 0:
		b.WriteString("no violation, no drift\n")
	default:
		fmt.Fprintf(&b, "%d %s, %d drift\n", len(violations), plural(int64(len(violations)), "violation", "violations"),
			len(drifts))
	}
	for _, group := range [][]findingKey{violations, drifts} {
		for _, k := range group {
			fc := c.findings[k]
			label := "drift"
			if k.kind == drift.Violation {
				label = "violation"
			}
			fmt.Fprintf(&b, "  %s: %s %d: %s", label, k.op, k.status, findingText(fc.example))
			if fc.n > 1 {
				fmt.Fprintf(&b, " (%d times)", fc.n)
			}
			b.WriteString("\n")
		}
	}
	var whys []string
	for why := range c.unchecked {
		whys = append(whys, why)
	}
	sort.Strings(whys)
	for _, why := range whys {
		n := c.unchecked[why]
		fmt.Fprintf(&b, "  not checked: %d %s: %s\n", n, plural(int64(n), "response", "responses"), why)
	}
	io.WriteString(w, b.String())
	return len(violations)
}

// findingText renders a finding for people, on one line, with control,
// bidi and zero-width characters as visible escapes (the values come from
// the provider).
func findingText(f drift.Finding) string {
	s := f.String()
	if f.Kind == drift.Violation {
		path := f.Path
		if path == "" {
			path = "the body"
		}
		s = path + ": " + f.Message
		if f.Keyword != "" {
			s += " (" + f.Keyword + ")"
		}
	}
	return termtext.Escape(s)
}

// teeBody copies what the driver reads into a buffer and, when the driver
// closes the body, hands the whole body to done (reading what the driver
// left unread first: a JSON decoder stops at the closing brace, and a
// driver that found a broken record stops early).
type teeBody struct {
	rc   io.ReadCloser
	buf  bytes.Buffer
	eof  bool
	err  error
	once sync.Once
	done func(body []byte, complete bool)
}

// maxChecked bounds the body kept for checking.
const maxChecked = 64 << 20

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 && t.buf.Len() < maxChecked {
		t.buf.Write(p[:n])
	}
	switch {
	case err == io.EOF:
		t.eof = true
	case err != nil && t.err == nil:
		t.err = err
	}
	return n, err
}

func (t *teeBody) Close() error {
	t.once.Do(func() {
		if !t.eof && t.err == nil {
			_, err := io.Copy(&t.buf, io.LimitReader(t.rc, maxChecked-int64(t.buf.Len())+1))
			t.eof = err == nil
		}
		t.done(t.buf.Bytes(), t.eof && t.err == nil && t.buf.Len() <= maxChecked)
	})
	return t.rc.Close()
}
