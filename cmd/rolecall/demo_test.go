package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/fixture"
	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err, "run 'go test ./cmd/rolecall -run TestE2EDemo -update' to create it")
	require.Equal(t, string(want), got, "the demo's output changed; if that is intended, run with -update")
}

// TestE2EDemo: the demo needs no credentials and no network, and its
// output is a golden file.
func TestE2EDemo(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"table", "json"} {
		r := exe(t, env{}, "demo", "--format", format)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stderr)
		golden(t, "demo."+format+".golden", r.stdout)
		if format == "table" { // parse every column
			r = exe(t, env{}, "demo", "--wide")
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		}
		rows := parseReport(t, format, r.stdout)
		requireSorted(t, rows)
		providers := map[string]int{}
		for _, row := range rows {
			providers[row.Provider]++
		}
		for _, p := range fixture.DemoProviders() {
			assert.Positive(t, providers[p], "the demo lists %s", p)
		}
		requireEveryKind(t, format, rows)
	}
	// Filtering and the streamed formats work on the demo too.
	r := exe(t, env{}, "demo", "--provider", "vectara", "--format", "csv")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	for _, row := range parseReport(t, "csv", r.stdout) {
		assert.Equal(t, "vectara", row.Provider)
	}
	r = exe(t, env{}, "demo", "--provider", "okta")
	require.Equal(t, 2, r.code)
}

// requireEveryKind checks that the demo's rows show the whole OpenAI access
// graph: a row of each principal kind, an orphaned project key, an admin
// key that never expires and a role held through a group.
func requireEveryKind(t *testing.T, format string, rows []report.Row) {
	t.Helper()
	kinds := map[string]int{}
	var orphaned, adminNoExpiry, viaGroup int
	for _, r := range rows {
		kinds[r.PrincipalKind]++
		if r.PrincipalKind == "api_key" && r.ScopeKind == "project" && r.Status == "orphaned" {
			orphaned++
		}
		if r.PrincipalKind == "api_key" && r.ScopeKind == "organization" && r.Expires == "" {
			adminNoExpiry++
		}
		if r.Held == "group" {
			viaGroup++
		}
	}
	for _, k := range []string{"user", "group", "service_account", "api_key", "invitation"} {
		assert.Positive(t, kinds[k], "%s: the demo lists a %s", format, k)
	}
	assert.Positive(t, orphaned, "%s: the demo lists an orphaned project key", format)
	assert.Positive(t, adminNoExpiry, "%s: the demo lists an admin key without expiry", format)
	assert.Positive(t, viaGroup, "%s: the demo lists a role held through a group", format)
}

// TestDemoIsReproducible: every format of the demo is the same, byte for
// byte, run after run (CSV and NDJSON were in arrival order), and people
// sort case-insensitively (Edsger after donald).
func TestDemoIsReproducible(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "ndjson", "json", "table"} {
		first := inproc(t, env{}, "demo", "--format", format)
		require.Equal(t, 0, first.code, first.stderr)
		for range 4 {
			again := inproc(t, env{}, "demo", "--format", format)
			require.Equal(t, first.stdout, again.stdout, format)
		}
		if format != "table" {
			rows := parseReport(t, format, first.stdout)
			requireSorted(t, rows)
			var cortex []string
			for _, r := range rows {
				if r.Provider == "cortex" && !slices.Contains(cortex, r.UserID) {
					cortex = append(cortex, r.UserID)
				}
			}
			assert.Less(t, slices.Index(cortex, "donald.thompson1@example.org"), slices.Index(cortex, "Edsger.Thompson5@Example.com"))
		}
	}
}

// TestE2ERecord records a listing from a fake into fixtures, secrets
// redacted, and the fixtures load and replay the same listing.
func TestE2ERecord(t *testing.T) {
	t.Parallel()
	const secret = "sk-record-SENTINEL-0123456789"
	for _, p := range []string{"openai", "logto"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			srv, e := fake(t, p, 5, providertest.Options{Token: secret, ShortPages: true})
			dir := t.TempDir()
			r := exe(t, e, args([]string{"record", "--provider", p, "--dir", dir}, fast)...)
			require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout, p+": recorded ")
			assert.NotContains(t, r.stdout+r.stderr, secret)

			exs, err := fixture.LoadDir(os.DirFS(dir), p)
			require.NoError(t, err)
			require.NotEmpty(t, exs)
			var listed int
			for _, ex := range exs {
				data, err := fixture.Marshal(ex)
				require.NoError(t, err)
				assert.NotContains(t, string(data), secret, ex.Name)
				assert.NotContains(t, ex.Request.Path, "/fake", "the test server's mount point is stripped")
				if p == "openai" {
					assert.True(t, strings.HasPrefix(ex.Request.Path, "/v1/"), ex.Request.Path)
				}
				assert.True(t, strings.HasPrefix(filepath.Base(ex.Name), "listing."), ex.Name)
				listed++
			}
			assert.EqualValues(t, srv.Requests()-int64(srv.RequestsByOp()[providertest.OpToken]), listed)
		})
	}
}

// TestDemoAgainstReportsBeforeModel: the demo's reports written at the
// commit before the model's columns (report/testdata/before-model.*, with
// their run records) still check clean, and compare with the demo written
// now, in every pair of formats: none of their 52 rows revoked, the rows
// the listings gained with the access graph (issues 22 and 23) granted,
// and the old rows changed only by what the providers now also report.
func TestDemoAgainstReportsBeforeModel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	formats := []string{"json", "ndjson", "csv"}
	for _, f := range formats {
		out := filepath.Join(dir, "new."+f)
		r := inproc(t, env{}, "demo", "--format", f, "--output", out)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Contains(t, string(b), "principal_kind", "the new report has the model's columns")
	}
	// The rows the demo lists now and the old reports do not: by key, read
	// from the files themselves.
	readRows := func(file string) []report.Row {
		f, err := os.Open(file)
		require.NoError(t, err)
		defer f.Close()
		rep, err := report.Read(f)
		require.NoError(t, err, file)
		return rep.Rows
	}
	oldRows := readRows(filepath.Join("..", "..", "report", "testdata", "before-model.json"))
	require.Len(t, oldRows, 52)
	oldKeys := map[report.Key]bool{}
	for _, r := range oldRows {
		oldKeys[r.Key()] = true
	}
	// What the demo lists now and the old reports do not is what the
	// access graph added (issues 22 and 23): principals other than users,
	// and users' roles in scopes listed since (groups, projects, Logto
	// organizations) or inherited through groups.
	granted := 0
	for _, r := range readRows(filepath.Join(dir, "new.json")) {
		if !oldKeys[r.Key()] {
			granted++
			assert.True(t, r.Kind() != "user" || r.Held == "group" || r.Held == "direct" && r.Provider == "openai" ||
				slices.Contains([]string{"group", "project", "logto_organization"}, r.ScopeKind),
				"a row the graph added: %+v", r)
		}
	}
	require.Greater(t, granted, 36, "more than the OpenAI graph alone")
	summary := fmt.Sprintf("granted %d, revoked 0, changed ", granted)

	for _, old := range formats {
		oldFile := filepath.Join("..", "..", "report", "testdata", "before-model."+old)
		r := inproc(t, env{}, "check", oldFile)
		require.Equal(t, 0, r.code, "check %s: %s%s", old, r.stdout, r.stderr)
		for _, f := range formats {
			r := inproc(t, env{}, "diff", oldFile, filepath.Join(dir, "new."+f))
			assert.Equal(t, 1, r.code, "diff %s %s: the reports differ by the granted rows only: %s%s", old, f, r.stdout, r.stderr)
			assert.Empty(t, r.stderr, "diff %s %s", old, f)
			assert.Contains(t, r.stdout, summary, "%s against %s", old, f)
			// The old rows changed only by what the providers now also
			// report: Cortex's account creation, Logto's role permissions.
			changed := false
			for _, line := range strings.Split(r.stdout, "\n") {
				switch {
				case strings.HasPrefix(line, "Changed"):
					changed = true
				case changed && strings.HasPrefix(line, "  "):
					assert.True(t, strings.Contains(line, `created "" →`) || strings.Contains(line, ": permissions +"),
						"%s against %s: an old row changed only by a field now reported: %s", old, f, line)
				case changed && line == "":
					changed = false
				}
			}
		}
	}
}
