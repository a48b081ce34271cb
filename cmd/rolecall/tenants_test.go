package main

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
)

// sixTenants starts six fakes, two per provider for cortex, openai and
// vectara, each with its own data and token, and writes a tenants file
// naming them, their credentials in environment variables. It returns the
// file, the environment and each tenant's oracle by name.
func sixTenants(t *testing.T) (string, env, map[string]*providertest.Tenant) {
	t.Helper()
	return sixTenantsVia(t, nil)
}

// sixTenantsVia is sixTenants with each fake served through via(fake)
// when via is set, on a server of its own.
func sixTenantsVia(t *testing.T, via func(http.Handler) http.Handler) (string, env, map[string]*providertest.Tenant) {
	t.Helper()
	urls := map[string]string{"cortex": "CORTEX_BASE_URL", "openai": "OPENAI_BASE_URL", "vectara": "VECTARA_BASE_URL"}
	keys := map[string]string{"cortex": "CORTEX_API_TOKEN", "openai": "OPENAI_ADMIN_KEY", "vectara": "VECTARA_API_KEY"}
	var b strings.Builder
	b.WriteString("tenants:\n")
	e := env{}
	oracles := map[string]*providertest.Tenant{}
	seed := int64(10)
	for _, p := range []string{"cortex", "openai", "vectara"} {
		for _, suffix := range []string{"a", "b"} {
			seed++
			name := p + "-" + suffix
			tn := providertest.NewTenant(p, 5, seed)
			srv := providertest.NewServer(t, p, providertest.Options{Tenant: tn, Token: "token-" + name})
			url := srv.URL()
			if via != nil {
				hs := httptest.NewServer(via(srv))
				t.Cleanup(hs.Close)
				url = hs.URL + strings.TrimPrefix(url, "http://"+hostOf(url))
			}
			v := strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_SECRET"
			e[v] = srv.Token()
			fmt.Fprintf(&b, "  - name: %s\n    provider: %s\n    settings: {%s: %q}\n    credentials: {%s: {env: %s}}\n",
				name, p, urls[p], url, keys[p], v)
			oracles[name] = tn
		}
	}
	file := filepath.Join(t.TempDir(), "tenants.yaml")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))
	return file, e, oracles
}

// Six tenants from one file, in every format: each tenant's assignments
// exactly once (its fake's oracle), tagged with the tenant; the report
// checks against its run record, which has one entry per tenant (provider,
// tenant, digest) and the file's digest.
func TestListTenants(t *testing.T) {
	file, e, oracles := sixTenants(t)
	sum, err := os.ReadFile(file)
	require.NoError(t, err)
	for _, format := range []string{"json", "ndjson", "csv"} {
		out := filepath.Join(t.TempDir(), "r."+format)
		r := inproc(t, e, args([]string{"list", "--tenants", file, "--output", out, "--format", format}, fast)...)
		require.Equal(t, 0, r.code, r.stderr)
		rep, err := report.ReadFile(out)
		require.NoError(t, err, format) // checked against the run record
		require.Len(t, rep.Run.Providers, 6)
		assert.Equal(t, fmt.Sprintf("%x", sha256.Sum256(sum)), rep.Run.TenantsSHA256, "the file's digest")
		for _, pr := range rep.Run.Providers {
			assert.Equal(t, report.StatusComplete, pr.Status)
			assert.Equal(t, pr.Provider, strings.Split(pr.Tenant, "-")[0], "%s: the tenant's provider", pr.Tenant)
			var rows []report.Row
			for _, row := range rep.Rows {
				if row.Tenant == pr.Tenant {
					rows = append(rows, row)
				}
			}
			assert.Equal(t, wantRows(oracles[pr.Tenant]), oracle(rows, pr.Provider), "%s %s", format, pr.Tenant)
			assert.EqualValues(t, len(rows), pr.Assignments)
		}
		for _, row := range rep.Rows {
			require.Contains(t, oracles, row.Tenant, "every row is tagged with its tenant")
		}
		requireSorted(t, rep.Rows)
	}
	// The table shows the tenant after the provider.
	r := inproc(t, e, args([]string{"list", "--tenants", file, "--provider", "vectara"}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)
	header := strings.Fields(strings.SplitN(r.stdout, "\n", 2)[0])
	assert.Equal(t, []string{"PROVIDER", "TENANT"}, header[:2])
	assert.Contains(t, r.stdout, "vectara-b")
	assert.NotContains(t, r.stdout, "openai-a", "--provider picks the tenants of a provider")
}

// One tenant failing costs that tenant alone: the others are in the
// report, the failed one is in the run record as failed, the exit status
// is 1 and the report goes to .partial; the failure line names the tenant.
func TestListTenantsOneFails(t *testing.T) {
	file, e, _ := sixTenants(t)
	e["OPENAI_B_SECRET"] = "a-wrong-token"
	out := filepath.Join(t.TempDir(), "r.json")
	r := inproc(t, e, args([]string{"list", "--tenants", file, "--output", out, "--format", "json"}, fast)...)
	require.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "tenant openai-b: openai: ")
	assert.NotContains(t, r.stderr, "a-wrong-token")
	rep, err := report.ReadFile(out + ".partial")
	require.NoError(t, err)
	var failed []string
	for _, pr := range rep.Run.Providers {
		if pr.Status != report.StatusComplete {
			failed = append(failed, pr.Tenant)
		} else {
			assert.Positive(t, pr.Assignments, pr.Tenant)
		}
	}
	assert.Equal(t, []string{"openai-b"}, failed)
	assert.False(t, slices.ContainsFunc(rep.Rows, func(r report.Row) bool { return r.Tenant == "openai-b" }))
	_, err = os.Stat(out)
	assert.True(t, os.IsNotExist(err), "the report itself is not written")
}

// A literal secret and a missing variable are usage errors naming the
// tenant and what to do, never echoing the secret.
func TestListTenantsRefused(t *testing.T) {
	dir := t.TempDir()
	literal := filepath.Join(dir, "literal.yaml")
	require.NoError(t, os.WriteFile(literal, []byte("tenants:\n  - name: openai-eu\n    provider: openai\n"+
		"    credentials: {OPENAI_ADMIN_KEY: sk-admin-PASTED}\n"), 0o600))
	r := inproc(t, env{}, "list", "--tenants", literal)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "tenant openai-eu: credentials: OPENAI_ADMIN_KEY holds a value; a tenants file holds credentials by reference only")
	assert.Contains(t, r.stderr, "write OPENAI_ADMIN_KEY: {env: VARIABLE}")
	assert.NotContains(t, r.stderr, "PASTED")

	missing := filepath.Join(dir, "missing.yaml")
	require.NoError(t, os.WriteFile(missing, []byte("tenants:\n  - name: openai-eu\n    provider: openai\n"+
		"    credentials: {OPENAI_ADMIN_KEY: {env: OPENAI_EU_KEY}}\n"), 0o600))
	r = inproc(t, env{}, "list", "--tenants", missing)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "tenant openai-eu: OPENAI_ADMIN_KEY: the environment variable OPENAI_EU_KEY is not set")
}

// A report written without a tenants file and one of the same listing
// with a tenants file naming each tenant after its provider compare equal:
// old reports diff against new ones.
func TestTenantsDiffOldReport(t *testing.T) {
	srv, e := fake(t, "openai", 5, providertest.Options{})
	dir := t.TempDir()
	file := filepath.Join(dir, "tenants.yaml")
	require.NoError(t, os.WriteFile(file, []byte(fmt.Sprintf("tenants:\n  - name: openai\n    provider: openai\n"+
		"    settings: {OPENAI_BASE_URL: %q}\n    credentials: {OPENAI_ADMIN_KEY: {env: KEY}}\n", srv.URL())), 0o600))
	old, nw := filepath.Join(dir, "old.csv"), filepath.Join(dir, "new.csv")
	r := inproc(t, e, args([]string{"list", "--output", old, "--format", "csv"}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)
	r = inproc(t, env{"KEY": srv.Token()}, args([]string{"list", "--tenants", file, "--output", nw, "--format", "csv"}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)
	head, err := os.ReadFile(nw)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(head), strings.Join(report.TenantFields, ",")+"\n"), "the new report has the tenant column")
	r = inproc(t, env{}, "diff", old, nw)
	assert.Equal(t, 0, r.code, r.stdout+r.stderr)
	o, err := report.ReadFile(old)
	require.NoError(t, err)
	n, err := report.ReadFile(nw)
	require.NoError(t, err)
	assert.Equal(t, o.Run.Providers[0].RowsSHA256, n.Run.Providers[0].RowsSHA256, "the same digest: a tenant named after its provider is its one tenant")
}

// --max-tenants bounds the requests in flight of the whole run: six
// tenants listed with --max-tenants 2 --concurrency 1 never have more
// than two requests at once at their fakes (all six counted together),
// and every tenant still lists completely.
func TestListTenantsMaxTenants(t *testing.T) {
	var mu sync.Mutex
	running, most := 0, 0
	count := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			running++
			most = max(most, running)
			mu.Unlock()
			defer func() { mu.Lock(); running--; mu.Unlock() }()
			h.ServeHTTP(w, r)
		})
	}
	file, e, oracles := sixTenantsVia(t, count)
	out := filepath.Join(t.TempDir(), "r.json")
	r := inproc(t, e, args([]string{"list", "--tenants", file, "--max-tenants", "2", "--concurrency", "1",
		"--output", out, "--format", "json"}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)
	rep, err := report.ReadFile(out)
	require.NoError(t, err) // checked against the run record
	assert.Len(t, rep.Run.Providers, len(oracles))
	for _, p := range rep.Run.Providers {
		assert.Equal(t, report.StatusComplete, p.Status, p.Name())
	}
	mu.Lock()
	defer mu.Unlock()
	assert.LessOrEqual(t, most, 2, "requests in flight at once, all tenants together")
	assert.Positive(t, most)

	r = inproc(t, e, "list", "--tenants", file, "--max-tenants", "-1")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--max-tenants must be between 1 and 1024")
}
