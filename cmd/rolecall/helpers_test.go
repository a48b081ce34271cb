package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rolecall/rolecall/bench"
	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
)

// binary is the rolecall binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	// BenchmarkCommand's fake server runs in a child process: this binary
	// started again.
	bench.ServeFakeIfChild()
	dir, err := os.MkdirTemp("", "rolecall-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "rolecall")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building rolecall:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// The in-process runs leave no goroutine behind: every listing,
		// status display and server has ended. (Idle keep-alive connections
		// of the drivers' transports close with the fake servers.)
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// result is what one run of rolecall produced.
type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
}

// env is a set of environment variables for one run. Runs never inherit
// the test's environment, so no real credential can reach them.
type env map[string]string

func (e env) merge(others ...env) env {
	out := env{}
	for _, m := range append([]env{e}, others...) {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func (e env) get(k string) string { return e[k] }

// exe runs the built binary with args and exactly the environment e.
func exe(t *testing.T, e env, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = []string{}
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err, "running rolecall %v", args)
	}
	return r
}

// inproc calls run in this process, for fast coverage.
func inproc(t *testing.T, e env, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run(t.Context(), args, e.get, &stdout, &stderr)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code, took: time.Since(start)}
}

// fast are the flags that keep retries short against a local fake.
var fast = []string{"--max-retries", "2", "--retry-wait", "1ms", "--rate-limit-wait", "1s"}

func args(a ...[]string) []string { return slices.Concat(a...) }

// formatArgs are the flags that write a report in format, the table with
// every column (--wide), for parseReport.
func formatArgs(format string) []string {
	if format == "table" {
		return []string{"--format", format, "--wide"}
	}
	return []string{"--format", format}
}

// fake starts a fake provider with a small tenant and returns it with the
// environment that points rolecall at it.
func fake(t *testing.T, provider string, users int, opts providertest.Options) (*providertest.Server, env) {
	t.Helper()
	if opts.Tenant == nil {
		opts.Tenant = providertest.NewTenant(provider, users, 7)
	}
	srv := providertest.NewServer(t, provider, opts)
	return srv, envFor(provider, srv.URL(), srv.Token())
}

// envFor is the environment for provider at url with credential token.
func envFor(provider, url, token string) env {
	switch provider {
	case "cortex":
		return env{"CORTEX_API_TOKEN": token, "CORTEX_BASE_URL": url}
	case "openai":
		return env{"OPENAI_ADMIN_KEY": token, "OPENAI_BASE_URL": url}
	case "vectara":
		return env{"VECTARA_API_KEY": token, "VECTARA_BASE_URL": url}
	case "logto":
		return env{"LOGTO_ACCESS_TOKEN": token, "LOGTO_ENDPOINT": url}
	}
	panic(provider)
}

// fakes starts one fake per provider.
func fakes(t *testing.T, users int, opts providertest.Options) (map[string]*providertest.Server, env) {
	t.Helper()
	srvs := map[string]*providertest.Server{}
	e := env{}
	for _, p := range providerNames {
		o := opts
		o.Tenant = nil
		srv, pe := fake(t, p, users, o)
		srvs[p] = srv
		e = e.merge(pe)
	}
	return srvs, e
}

// parseReport parses rolecall's output in format into rows.
func parseReport(t *testing.T, format, out string) []report.Row {
	t.Helper()
	if format == "table" {
		return parseTable(t, out)
	}
	if format == "json" || format == "ndjson" {
		checkJSONShape(t, format, out)
	}
	rep, err := report.Read(strings.NewReader(out))
	if strings.TrimSpace(out) == "" && format == "ndjson" {
		return nil
	}
	require.NoError(t, err, "output:\n%s", out)
	require.EqualValues(t, format, rep.Format)
	return rep.Rows
}

// checkJSONShape checks that every object carries exactly the report's
// fields, with permissions an array.
func checkJSONShape(t *testing.T, format, out string) {
	t.Helper()
	var objs []map[string]any
	if format == "json" {
		var env struct {
			Run         *report.Run      `json:"run"`
			Assignments []map[string]any `json:"assignments"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &env))
		require.NotNil(t, env.Run, "a JSON report carries its run record")
		objs = env.Assignments
	} else {
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &m), "line %q", line)
			objs = append(objs, m)
		}
	}
	want := slices.Clone(report.Fields)
	sort.Strings(want)
	for _, o := range objs {
		var keys []string
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		require.Equal(t, want, keys)
		_, isArray := o["permissions"].([]any)
		require.True(t, isArray, "permissions must be an array: %v", o["permissions"])
		_, isBool := o["disabled"].(bool)
		require.True(t, isBool)
	}
}

// parseTable reads the table format back, by the header's column offsets.
func parseTable(t *testing.T, out string) []report.Row {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.NotEmpty(t, lines)
	header := []rune(lines[0])
	var starts []int
	for i, r := range header {
		if r != ' ' && (i == 0 || header[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	require.Len(t, starts, len(report.TableHeader), "header %q", lines[0])
	require.Equal(t, report.TableHeader, strings.Fields(lines[0]))
	var rows []report.Row
	for _, line := range lines[1:] {
		r := []rune(line)
		cells := make([]string, len(starts))
		for i, s := range starts {
			end := len(r)
			if i+1 < len(starts) {
				end = min(starts[i+1], len(r))
			}
			if s < len(r) {
				cells[i] = strings.TrimSpace(string(r[s:end]))
			}
			if cells[i] == report.TableEmpty {
				cells[i] = ""
			}
		}
		col := func(header string) string { return cells[slices.Index(report.TableHeader, header)] }
		row := report.Row{Provider: col("PROVIDER"), UserID: col("USER_ID"), Email: col("EMAIL"), Name: col("NAME"),
			Username: col("USERNAME"), Disabled: col("DISABLED") == "yes", RoleID: col("ROLE_ID"),
			RoleName: col("ROLE_NAME"), RoleKind: col("KIND"), Scope: col("SCOPE"), Via: col("VIA"),
			Status: col("STATUS"), AccountType: col("TYPE"), Created: col("CREATED"), Updated: col("UPDATED"),
			LastActivity: col("LAST_ACTIVITY"), Privileged: col("PRIVILEGED") == "yes",
			PrincipalKind: col("PRINCIPAL"), OwnerKind: col("OWNER_KIND"), OwnerID: col("OWNER_ID"),
			OwnerName: col("OWNER_NAME"), ScopeKind: col("SCOPE_KIND"), ScopeID: col("SCOPE_ID"),
			ScopeName: col("SCOPE_NAME"), Held: col("HELD"), Expires: col("EXPIRES")}
		if row.ScopeName == row.ScopeID || row.ScopeName == row.Scope {
			row.ScopeName = "" // the table shows the scope's id or text where it has no name
		}
		require.Contains(t, []string{"yes", "no"}, col("DISABLED"))
		require.Contains(t, []string{"yes", "no"}, col("PRIVILEGED"))
		if p := col("PERMISSIONS"); p != "" {
			row.Permissions = strings.Split(p, ",")
		}
		rows = append(rows, row)
	}
	return rows
}

// oracle converts report rows of one provider to the fake's rows, sorted
// like Tenant.Rows.
func oracle(rows []report.Row, provider string) []providertest.Row {
	var out []providertest.Row
	for _, r := range rows {
		if r.Provider != provider {
			continue
		}
		var perms []string
		if len(r.Permissions) > 0 {
			perms = r.Permissions
		}
		out = append(out, providertest.Row{Provider: r.Provider, UserID: r.UserID, Email: r.Email, Name: r.Name,
			Username: r.Username, Disabled: r.Disabled, RoleID: r.RoleID, RoleName: r.RoleName, RoleKind: r.RoleKind,
			Scope: r.Scope, Permissions: perms, Via: r.Via, Principal: r.Kind(), OwnerKind: r.OwnerKind,
			OwnerID: r.OwnerID, OwnerName: r.OwnerName, ScopeKind: r.ScopeKind, ScopeID: r.ScopeID,
			ScopeName: r.ScopeName, Held: r.Held})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.UserID != b.UserID {
			return a.UserID < b.UserID
		}
		if a.RoleID != b.RoleID {
			return a.RoleID < b.RoleID
		}
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		return a.Principal < b.Principal
	})
	return out
}

// wantRows is the fake's oracle, with nil for an empty listing.
func wantRows(tn *providertest.Tenant) []providertest.Row {
	rows := tn.Rows()
	if len(rows) == 0 {
		return nil
	}
	return rows
}

// requireSorted checks the sorted formats' order.
func requireSorted(t *testing.T, rows []report.Row) {
	t.Helper()
	require.True(t, slices.IsSortedFunc(rows, func(a, b report.Row) int { return report.Compare(&a, &b) }),
		"rows are not in report order")
}

// closedURL returns an http URL on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

// linesAbout returns the lines of s that start with prefix.
func linesAbout(s, prefix string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}
