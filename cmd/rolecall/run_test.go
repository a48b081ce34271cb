package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/drift"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/scrub"
	"github.com/rolecall/rolecall/providertest"
)

// The tests in this file call run in-process: fast, and they reach what the
// binary's tests cannot (a terminal, a failing stdout).

func TestRunEveryFormatInProcess(t *testing.T) {
	t.Parallel()
	srvs, e := fakes(t, 9, providertest.Options{ShortPages: true})
	for _, format := range []string{"table", "json", "ndjson", "csv"} {
		r := inproc(t, e, args([]string{"list", "--concurrency", "3"}, formatArgs(format))...)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		rows := parseReport(t, format, r.stdout)
		for p, srv := range srvs {
			require.Equal(t, wantRows(srv.Tenant()), oracle(rows, p), "%s %s", p, format)
		}
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	r := inproc(t, env{})
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "Commands:")

	for _, a := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		r = inproc(t, env{}, a...)
		assert.Equal(t, 0, r.code)
		assert.Contains(t, r.stdout, "rolecall demo")
	}
	r = inproc(t, env{}, "help", "diff")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Usage: rolecall diff")
	r = inproc(t, env{}, "help", "nope")
	assert.Equal(t, 2, r.code)

	r = inproc(t, env{}, "list", "--format", "yaml")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "Run 'rolecall list --help' for usage.")

	for _, a := range [][]string{
		{"list", "--max-retries", "-1"}, {"list", "--retry-wait", "-1s"}, {"list", "--timeout", "-1s"},
		{"list", "--rate-limit", "NaN"}, {"list", "--rate-limit", "Inf"}, {"list", "--rate-limit", "x"},
		{"list", "--provider", ","}, {"verify", "extra"}, {"record", "--provider", "cortex,openai", "--dir", "x"},
		{"record", "--provider", "cortex"}, {"record", "extra"}, {"demo", "extra"}, {"demo", "--format", "x"},
		{"version", "extra"}, {"diff", "--format", "yaml", "a", "b"},
	} {
		r := inproc(t, env{"CORTEX_API_TOKEN": "t", "OPENAI_ADMIN_KEY": "k"}, a...)
		assert.Equal(t, 2, r.code, "%v: %s", a, r.stderr)
	}
}

func TestRunHelpListsEveryFlag(t *testing.T) {
	t.Parallel()
	r := inproc(t, env{}, "list", "--help")
	require.Equal(t, 0, r.code)
	for _, f := range []string{"--provider", "--email", "--format", "--output", "--concurrency", "--timeout",
		"--fail-fast", "--quiet", "--max-retries", "--retry-wait", "--partial", "--unsorted", "--csv-raw", "--rate-limit", "--rate-limit-wait"} {
		assert.Contains(t, r.stdout, "\n  "+f)
	}
}

func TestParseInterleavesFlagsAndArguments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.ndjson")
	require.NoError(t, os.WriteFile(a, []byte(`{"provider":"p","user_id":"u","role_id":"r"}`+"\n"), 0o600))
	r := inproc(t, env{}, "diff", a, "--format", "json", a)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "no run record", "a report without a run record is warned about")
	assert.Contains(t, r.stdout, `"unchanged": 1`)
	r = inproc(t, env{}, "diff", "--", a, a)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "no differences")
}

func TestDiffRejectsWhatIsNotAReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, data string) string {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, []byte(data), 0o600))
		return f
	}
	good := write("good.json", "[]")
	for name, data := range map[string]string{
		"empty":     "",
		"table":     "PROVIDER  USER_ID\n",
		"garbage":   "hello",
		"not rows":  `[{"a":1}]`,
		"duplicate": `{"provider":"p","user_id":"u","role_id":"r"}` + "\n" + `{"provider":"p","user_id":"u","role_id":"r"}`,
	} {
		r := inproc(t, env{}, "diff", good, write(strings.ReplaceAll(name, " ", "_"), data))
		assert.Equal(t, 2, r.code, name)
		assert.NotEmpty(t, r.stderr, name)
	}
}

func TestVersion(t *testing.T) {
	old := readBuildInfo
	t.Cleanup(func() { readBuildInfo = old })
	readBuildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	r := inproc(t, env{}, "--version")
	require.Equal(t, 0, r.code)
	assert.Regexp(t, `^rolecall v1\.2\.3 \(0123456789ab-dirty, go`, r.stdout)
	readBuildInfo = func() (*debug.BuildInfo, bool) { return nil, false }
	r = inproc(t, env{}, "version")
	assert.Regexp(t, `^rolecall devel \(go`, r.stdout)
}

// terminal is a stderr that says it is a terminal.
type terminal struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (t *terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.Write(p)
}
func (t *terminal) Terminal() bool { return true }
func (t *terminal) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.b.String()
}

func TestProgressOnATerminal(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "openai", 12, providertest.Options{Latency: 30 * time.Millisecond, ShortPages: true,
		Faults: providertest.Faults{Rate: 0.3, Kinds: []providertest.FaultKind{providertest.FaultRateLimitBare}}})
	_, e2 := fake(t, "vectara", 5, providertest.Options{})
	var stdout bytes.Buffer
	stderr := &terminal{}
	code := run(t.Context(), args([]string{"list", "--format", "csv", "--max-retries", "8"}, []string{"--retry-wait", "1ms"}),
		e.merge(e2, env{"COLUMNS": "200"}).get, &stdout, stderr)
	require.Equal(t, 0, code, stderr.String())
	out := stderr.String()
	assert.Contains(t, out, "\x1b[", "the status area is redrawn in place")
	last := out[strings.LastIndex(out, "\x1b[2A"):]
	assert.Regexp(t, `openai\s+done\s+\d+ pages\s+\d+ assignments\s+\d+ retr(y|ies)\s+\d+ rate-limited\s+waited \S+\s+[\d.]+m?s`, last)
	// Vectara meets no fault, but its requests may still wait for the
	// shared pacer on a loaded machine: "waited" is optional there.
	assert.Regexp(t, `vectara\s+done\s+\d+ pages\s+\d+ assignments(\s+waited \S+)?\s+[\d.]+m?s`, last)
	for _, l := range strings.Split(last, "\n") {
		assert.LessOrEqual(t, len([]rune(l)), 200+len("\r\x1b[2K"))
	}

	// --quiet draws nothing; nor does a stderr that is not a terminal.
	stderr = &terminal{}
	code = run(t.Context(), []string{"list", "--quiet", "--provider", "vectara"}, e2.get, io.Discard, stderr)
	require.Equal(t, 0, code)
	assert.Empty(t, stderr.String())
}

func TestProgressKeepsErrorsAboveTheStatus(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "cortex", 4, providertest.Options{})
	e["CORTEX_API_TOKEN"] = "wrong"
	_, e2 := fake(t, "logto", 4, providertest.Options{Latency: 50 * time.Millisecond})
	stderr := &terminal{}
	file := filepath.Join(t.TempDir(), "out.json")
	code := run(t.Context(), []string{"list", "--format", "json", "--output", file}, e.merge(e2).get, io.Discard, stderr)
	require.Equal(t, 1, code)
	out := stderr.String()
	assert.Contains(t, out, "\x1b[J") // the status is erased before the line
	assert.Contains(t, out, "cortex: list users (page 0): 401 unauthorized")
	assert.Contains(t, out, "wrote ")
	assert.Regexp(t, `cortex\s+failed`, out)
}

func TestInterruptStopsEveryProvider(t *testing.T) {
	t.Parallel()
	_, e := fakes(t, 3, providertest.Options{Latency: time.Minute})
	ctx, cancel := context.WithCancelCause(t.Context())
	time.AfterFunc(200*time.Millisecond, func() { cancel(errors.New("interrupt signal received")) })
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"list", "--format", "ndjson"}, e.get, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Less(t, time.Since(start), 30*time.Second, "not the minute a request takes")
	for _, p := range providerNames {
		lines := linesAbout(stderr.String(), p+":")
		require.Len(t, lines, 1, stderr.String())
		assert.Contains(t, lines[0], "interrupt signal received")
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteFailureEndsTheRun(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "vectara", 30, providertest.Options{})
	for _, format := range []string{"json", "ndjson"} {
		var stderr bytes.Buffer
		code := run(t.Context(), []string{"list", "--format", format}, e.get, failingWriter{}, &stderr)
		assert.Equal(t, 1, code, format)
		assert.Contains(t, stderr.String(), "disk full", format)
	}
}

func TestConsoleHandler(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	c := newConsole(&b, scrub.New("s3cr3t-value"))
	l := slog.New(&consoleHandler{c: c, level: slog.LevelWarn}).With("provider", "logto")
	l.Debug("hidden")
	l.Warn("listing saw more than the provider's total", "total", 3, "seen", 4)
	l.WithGroup("g").Error("broke", "token", "s3cr3t-value")
	l.Info("hidden too")
	assert.Equal(t, "warning: logto: listing saw more than the provider's total (total=3, seen=4)\n"+
		"error: logto: broke (g.token=[REDACTED])\n", b.String())
}

func TestOutcomeSummary(t *testing.T) {
	t.Parallel()
	fail := []error{errors.New("x")}
	cases := []struct {
		o      outcome
		report string
		want   string
	}{
		{outcome{complete: []string{"cortex"}}, "report", ""},
		{outcome{failed: fail, complete: []string{"cortex", "openai"}}, "report",
			"rolecall: 1 of 3 providers failed; the report holds cortex, openai only"},
		{outcome{failed: fail}, "report", "rolecall: 1 of 3 providers failed; the report is empty"},
		{outcome{failed: fail, stopped: []string{"openai"}}, "report",
			"rolecall: 1 of 3 providers failed; --fail-fast stopped openai; the report is empty"},
		{outcome{stopErr: errors.New("writing the report: disk full")}, "report", "rolecall: stopped: writing the report: disk full"},
		{outcome{failed: fail}, "", "rolecall: 1 of 3 providers failed"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.o.summary(3, true, c.report))
	}
}

func TestProviderErrorNamesTheProvider(t *testing.T) {
	t.Parallel()
	e := providerError{provider: "vectara", err: errors.New("boom")}
	assert.Equal(t, "vectara: boom", e.Error())
	fe := &facade.Error{Provider: "vectara", Op: "list users", Code: facade.Unavailable}
	e = providerError{provider: "vectara", err: fe}
	assert.Equal(t, fe.Error(), e.Error())
	assert.ErrorIs(t, e, facade.ErrUnavailable)
}

// TestCheckerTeesWithoutDisturbing reads a body the way a driver does
// (in small pieces, closing before the end) and checks the whole of it.
func TestCheckerTeesWithoutDisturbing(t *testing.T) {
	t.Parallel()
	body := `{"users":[{"id":"usr_1","email":"a@x.com","username":"a","enabled":true,"api_roles":["owner"],"extra":1}],"metadata":{"page_key":""}}` + "\n\n"
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	c, err := newChecker(t.Context(), "vectara", "https://api.vectara.io", next)
	require.NoError(t, err)
	req, _ := http.NewRequest("GET", "https://api.vectara.io/v2/users?limit=100", nil)
	resp, err := c.RoundTrip(req)
	require.NoError(t, err)
	got, err := io.ReadAll(io.LimitReader(iotest.OneByteReader(resp.Body), int64(len(body)-2)))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, body[:len(body)-2], string(got), "the driver reads exactly what the server sent")

	var out bytes.Buffer
	assert.Equal(t, 0, c.write(&out, 1, ""))
	assert.Contains(t, out.String(), "vectara: 1 response checked")
	assert.Contains(t, out.String(), `drift: listUsers 200: users[0].extra: unknown field "extra"`)

	// A response from another host (an OAuth token URL) is not checked.
	req, _ = http.NewRequest("GET", "https://auth.vectara.io/oauth2/token", nil)
	resp, err = c.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	// A path the spec does not have is a violation.
	req, _ = http.NewRequest("GET", "https://api.vectara.io/v2/nope", nil)
	resp, err = c.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	out.Reset()
	assert.Equal(t, 1, c.write(&out, 1, ""))
	assert.Contains(t, out.String(), "the request matches no operation")
}

func TestFindingText(t *testing.T) {
	t.Parallel()
	s := findingText(drift.Finding{Kind: drift.Violation, Path: "a", Keyword: "type", Message: "bad\x1b[2Jvalue\u202e"})
	assert.NotContains(t, s, "\x1b")
	assert.Contains(t, s, `bad\x1b[2Jvalue\u202e`, "shown as visible escapes")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fixedStats is a Stats whose snapshot the test sets.
type fixedStats struct{ s facade.StatsSnapshot }

func (f *fixedStats) Snapshot() facade.StatsSnapshot { return f.s }

func TestStatusLineFitsTheTerminal(t *testing.T) {
	t.Parallel()
	stats := &fixedStats{}
	st := &provState{name: "openai", stats: stats, state: "starting"}
	assert.Equal(t, "openai  starting  0 pages  0 assignments", st.line(6, 79))
	st.set("listing")
	stats.s = facade.StatsSnapshot{Pages: 3, Retries: 3, RateLimited: 3, Waited: 4500 * time.Millisecond, Assignments: 1}
	assert.Equal(t, "openai   listing   3 pages  1 assignment  3 retries  3 rate-limited  waited 4.5s  0s", st.line(7, 100))
	assert.Equal(t, "openai   listing   3 pages  1 assignment  3 retries  3 rate-limited", st.line(7, 79))
	assert.Equal(t, "openai   listing   3 pages", st.line(7, 30))
	assert.Equal(t, "openai   lis", st.line(7, 12))
}

// Ordinary words are not secrets: a credential variable set to a word does
// not blank that word out of the provider's message (issue 16, item 7).
func TestScrubKeepsOrdinaryWords(t *testing.T) {
	t.Parallel()
	body := `{"error":{"code":"invalid_api_key","message":"Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.","param":null,"type":"invalid_request_error"}}`
	url := statusServer(t, 401, nil, body)
	r := inproc(t, envFor("openai", url+"/v1", "Incorrect"), "list", "--max-retries", "0")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "Incorrect API key provided")
}
