package tenants_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/tenants"
	"github.com/rolecall/rolecall/providertest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const twoTenants = `
tenants:
  - name: openai-eu
    provider: openai
    settings: {OPENAI_BASE_URL: "https://api.openai.com/v1"}
    credentials: {OPENAI_ADMIN_KEY: {env: OPENAI_EU_ADMIN_KEY}}
  - name: logto-us
    provider: logto
    settings: {LOGTO_ENDPOINT: "https://us.logto.app"}
    credentials:
      LOGTO_APP_ID: {env: LOGTO_US_APP_ID}
      LOGTO_APP_SECRET: {file: logto-us.secret}
`

// The form parses, in YAML and in JSON, with its digest; the
// credentials are references, read when a tenant is opened (a relative
// file beside the tenants file).
func TestParse(t *testing.T) {
	ts, err := tenants.Parse([]byte(twoTenants))
	require.NoError(t, err)
	require.Len(t, ts.Tenants, 2)
	assert.Equal(t, tenants.Tenant{Name: "openai-eu", Provider: "openai",
		Settings:    map[string]string{"OPENAI_BASE_URL": "https://api.openai.com/v1"},
		Credentials: map[string]tenants.Ref{"OPENAI_ADMIN_KEY": {Env: "OPENAI_EU_ADMIN_KEY"}}}, ts.Tenants[0])
	assert.Equal(t, tenants.Ref{File: "logto-us.secret"}, ts.Tenants[1].Credentials["LOGTO_APP_SECRET"])
	assert.Len(t, ts.SHA256, 64)

	js, err := tenants.Parse([]byte(`{"tenants": [{"name": "openai-eu", "provider": "openai",
		"settings": {"OPENAI_BASE_URL": "https://api.openai.com/v1"},
		"credentials": {"OPENAI_ADMIN_KEY": {"env": "OPENAI_EU_ADMIN_KEY"}}}]}`))
	require.NoError(t, err)
	assert.Equal(t, ts.Tenants[0], js.Tenants[0])
	assert.NotEqual(t, ts.SHA256, js.SHA256)

	dir := t.TempDir()
	name := filepath.Join(dir, "tenants.yaml")
	require.NoError(t, os.WriteFile(name, []byte(twoTenants), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "logto-us.secret"), []byte("s3cret\n"), 0o600))
	ts, err = tenants.ReadFile(name)
	require.NoError(t, err)
	ts.Getenv = env(map[string]string{"LOGTO_US_APP_ID": "app"})
	v, err := ts.Values(ts.Lookup("logto-us"))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"LOGTO_ENDPOINT": "https://us.logto.app", "LOGTO_APP_ID": "app",
		"LOGTO_APP_SECRET": "s3cret"}, v)
	assert.ElementsMatch(t, []string{"s3cret"}, ts.Secrets())
	l, err := ts.Open(ts.Lookup("logto-us"), facade.Options{})
	require.NoError(t, err)
	assert.Equal(t, "logto", l.Provider())
}

// Every mistake in a file is refused with an error naming the tenant
// (where there is one) and what to write instead; a literal secret is
// never echoed.
func TestParseRefuses(t *testing.T) {
	tenant := func(body string) string {
		return "tenants:\n  - name: openai-eu\n    provider: openai\n" + body
	}
	cases := []struct{ name, file, want string }{
		{"literal credential", tenant("    credentials: {OPENAI_ADMIN_KEY: sk-admin-LITERAL}\n"),
			"tenant openai-eu: credentials: OPENAI_ADMIN_KEY holds a value; a tenants file holds credentials by reference only, so that the file is no secret: write OPENAI_ADMIN_KEY: {env: VARIABLE} (an environment variable holding it) or OPENAI_ADMIN_KEY: {file: PATH} (a file holding it)"},
		{"secret in settings", tenant("    settings: {OPENAI_ADMIN_KEY: sk-admin-LITERAL}\n    credentials: {OPENAI_ADMIN_KEY: {env: K}}\n"),
			"tenant openai-eu: settings: OPENAI_ADMIN_KEY is a secret and may not be written in the file: move it to credentials as OPENAI_ADMIN_KEY: {env: VARIABLE} or {file: PATH}"},
		{"unknown key", tenant("    credentials: {OPENAI_ADMIN_KEY: {env: K}}\n    region: eu\n"), "field region not found"},
		{"unknown ref key", tenant("    credentials: {OPENAI_ADMIN_KEY: {vault: K}}\n"), `tenant openai-eu: credentials: OPENAI_ADMIN_KEY: unknown key "vault"`},
		{"both refs", tenant("    credentials: {OPENAI_ADMIN_KEY: {env: K, file: F}}\n"), "write one of {env: VARIABLE} and {file: PATH}"},
		{"another provider's variable", tenant("    credentials: {CORTEX_API_TOKEN: {env: K}}\n"), "tenant openai-eu: credentials: CORTEX_API_TOKEN is not a openai variable (want OPENAI_ADMIN_KEY, OPENAI_BASE_URL)"},
		{"no credentials", tenant(""), "tenant openai-eu: no credentials: write credentials: {OPENAI_ADMIN_KEY: {env: VARIABLE}} (OPENAI_ADMIN_KEY)"},
		{"unknown provider", "tenants:\n  - name: okta-1\n    provider: okta\n    credentials: {X: {env: K}}\n", `tenant okta-1: provider "okta": want one of cortex, openai, vectara, logto`},
		{"bad name", "tenants:\n  - name: 'a b'\n    provider: openai\n", `tenant 1: the name "a b" is not a name`},
		{"twice", tenant("    credentials: {OPENAI_ADMIN_KEY: {env: K}}\n") + "  - name: openai-eu\n    provider: openai\n    credentials: {OPENAI_ADMIN_KEY: {env: K}}\n",
			"tenant openai-eu: the name is used twice"},
		{"named after another provider", "tenants:\n  - name: cortex\n    provider: openai\n    credentials: {OPENAI_ADMIN_KEY: {env: K}}\n",
			"tenant cortex: a openai tenant may not be named after the provider cortex"},
		{"empty", "tenants: []\n", "lists no tenant"},
	}
	for _, c := range cases {
		_, err := tenants.Parse([]byte(c.file))
		require.Error(t, err, c.name)
		assert.Contains(t, err.Error(), c.want, c.name)
		assert.NotContains(t, err.Error(), "LITERAL", c.name)
	}
}

// A reference that does not resolve names the tenant, the variable and
// the reference.
func TestOpenMissingReference(t *testing.T) {
	ts, err := tenants.Parse([]byte(twoTenants))
	require.NoError(t, err)
	ts.Getenv = env(nil)
	_, err = ts.Open(ts.Lookup("openai-eu"), facade.Options{})
	assert.EqualError(t, err, "tenant openai-eu: OPENAI_ADMIN_KEY: the environment variable OPENAI_EU_ADMIN_KEY is not set: set it, or change the reference")
	ts.Dir = t.TempDir()
	ts.Getenv = env(map[string]string{"LOGTO_US_APP_ID": "app"})
	_, err = ts.Open(ts.Lookup("logto-us"), facade.Options{})
	assert.ErrorContains(t, err, "tenant logto-us: LOGTO_APP_SECRET: reading {file: logto-us.secret}: no such file or directory")
}

// Six tenants, two per provider for three providers, each a fake of its
// own with different data, listed at once from one file: every tenant's
// assignments arrive exactly once, tagged with the tenant, and a tenant
// whose credential is refused fails alone, its error naming it.
func TestSixTenants(t *testing.T) {
	var b strings.Builder
	b.WriteString("tenants:\n")
	vars := map[string]string{}
	want := map[string][]string{}
	seed := int64(1)
	for _, p := range []struct{ provider, url, key string }{
		{"cortex", "CORTEX_BASE_URL", "CORTEX_API_TOKEN"},
		{"openai", "OPENAI_BASE_URL", "OPENAI_ADMIN_KEY"},
		{"vectara", "VECTARA_BASE_URL", "VECTARA_API_KEY"},
	} {
		for _, suffix := range []string{"a", "b"} {
			seed++
			name := p.provider + "-" + suffix
			tn := providertest.NewTenant(p.provider, 6, seed)
			srv := providertest.NewServer(t, p.provider, providertest.Options{Tenant: tn, Token: "token-" + name})
			envName := strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_KEY"
			vars[envName] = srv.Token()
			fmt.Fprintf(&b, "  - name: %s\n    provider: %s\n    settings: {%s: %q}\n    credentials: {%s: {env: %s}}\n",
				name, p.provider, p.url, srv.URL(), p.key, envName)
			for _, r := range tn.Rows() {
				want[name] = append(want[name], key(r.Principal, r.UserID, r.RoleID, r.Scope))
			}
			require.NotEmpty(t, want[name])
		}
	}
	b.WriteString("  - name: openai-refused\n    provider: openai\n    settings: {OPENAI_BASE_URL: \"" +
		providertest.NewServer(t, "openai", providertest.Options{}).URL() + "\"}\n    credentials: {OPENAI_ADMIN_KEY: {env: WRONG}}\n")
	vars["WRONG"] = "not-the-token"

	ts, err := tenants.Parse([]byte(b.String()))
	require.NoError(t, err)
	ts.Getenv = env(vars)
	var listers []facade.Lister
	for i := range ts.Tenants {
		l, err := ts.Open(&ts.Tenants[i], facade.Options{RateLimit: -1})
		require.NoError(t, err)
		listers = append(listers, l)
	}
	got := map[string][]string{}
	var errs []error
	for a, err := range facade.ListAll(context.Background(), listers, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got[a.Tenant] = append(got[a.Tenant], key(string(a.Kind()), a.UserID, a.RoleID, a.Scope))
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], facade.ErrUnauthenticated)
	assert.True(t, strings.HasPrefix(errs[0].Error(), "tenant openai-refused: openai: "), errs[0].Error())
	require.Len(t, got, 6)
	for name, rows := range want {
		slices.Sort(rows)
		slices.Sort(got[name])
		assert.Equal(t, rows, got[name], name) // each exactly once: duplicates would show
	}
}

func key(kind, user, role, scope string) string {
	return strings.Join([]string{kind, user, role, scope}, "\x00")
}
