package drivers_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/providertest"
)

func TestNew(t *testing.T) {
	for _, p := range drivers.Names() {
		l, err := drivers.New(p, "a-credential", facade.Options{BaseURL: "https://tenant.example.com"})
		require.NoError(t, err)
		assert.Equal(t, p, l.Provider())
	}
	_, err := drivers.New("okta", "x", facade.Options{})
	assert.ErrorContains(t, err, `unknown provider "okta"`)
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
}

// A bad Config is InvalidArgument, and the error names the Go field the
// caller set (or did not).
func TestConfigErrorsNameTheGoField(t *testing.T) {
	cases := map[string]string{
		"cortex":  "cortex.Config.Token is not set",
		"openai":  "openai.Config.AdminKey is not set",
		"vectara": "vectara.Config.APIKey (or vectara.Config.ClientID and vectara.Config.ClientSecret) is not set",
		"logto":   "logto.Config.AccessToken (or logto.Config.AppID and logto.Config.AppSecret) is not set",
	}
	for name, want := range cases {
		_, err := drivers.New(name, "", facade.Options{BaseURL: "https://tenant.example.com"})
		assert.ErrorIs(t, err, facade.ErrInvalidArgument, name)
		assert.ErrorContains(t, err, want, name)
		assert.Equal(t, facade.InvalidArgument, facade.Code(err))
	}
	_, err := drivers.New("cortex", "tok", facade.Options{BaseURL: "http://example.com"})
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.ErrorContains(t, err, "cortex.Config.BaseURL: ")
	_, err = drivers.New("logto", "tok", facade.Options{})
	assert.ErrorContains(t, err, "logto.Config.BaseURL is not set")
	_, err = drivers.New("openai", "k", facade.Options{PageSize: -1})
	assert.ErrorContains(t, err, "openai.Config.PageSize -1 is negative")

	p, err := drivers.Lookup("vectara")
	require.NoError(t, err)
	_, err = p.Open(drivers.Values{"APIKey": "k", "ClientID": "id", "ClientSecret": "s"}, facade.Options{})
	assert.ErrorContains(t, err, "set vectara.Config.APIKey, or vectara.Config.ClientID and vectara.Config.ClientSecret, not both")
	_, err = p.Open(drivers.Values{"Nope": "x"}, facade.Options{})
	assert.ErrorContains(t, err, "vectara.Config has no field Nope")
}

// The registry's credential kinds are the ones each driver accepts: each
// kind alone opens, each pair of kinds together is refused, and so is
// none; and it opens with every setting set.
func TestCredentialKindsMatchTheDrivers(t *testing.T) {
	o := facade.Options{BaseURL: "https://tenant.example.com"}
	for _, p := range drivers.All() {
		values := func(kinds ...drivers.Credential) drivers.Values {
			v := drivers.Values{}
			for _, k := range kinds {
				for _, f := range k.Fields {
					v[f] = "x-" + f
				}
			}
			return v
		}
		for i, k := range p.Credentials {
			l, err := p.Open(values(k), o)
			require.NoError(t, err, "%s: %s", p.Name, k.Kind)
			assert.Equal(t, p.Name, l.Provider())
			for _, other := range p.Credentials[i+1:] {
				_, err := p.Open(values(k, other), o)
				assert.ErrorIs(t, err, facade.ErrInvalidArgument, "%s: %s with %s", p.Name, k.Kind, other.Kind)
			}
		}
		_, err := p.Open(drivers.Values{}, o)
		assert.ErrorIs(t, err, facade.ErrInvalidArgument, "%s: no credential", p.Name)
		all := values(p.Credentials[0])
		for _, s := range p.Settings {
			if _, ok := all[s.Field]; !ok && !slices.ContainsFunc(p.Credentials, func(c drivers.Credential) bool { return slices.Contains(c.Fields, s.Field) }) {
				all[s.Field] = "https://" + strings.ToLower(s.Field) + ".example.com"
			}
		}
		_, err = p.Open(all, facade.Options{})
		assert.NoError(t, err, "%s: opens with every setting set", p.Name)
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// From the environment, the same errors name the variables instead.
func TestFromEnvNamesTheVariables(t *testing.T) {
	vectara, _ := drivers.Lookup("vectara")
	_, err := vectara.FromEnv(env(map[string]string{"VECTARA_CLIENT_ID": "id"}), facade.Options{})
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.ErrorContains(t, err, "VECTARA_CLIENT_ID is set but VECTARA_CLIENT_SECRET is not")
	assert.NotContains(t, err.Error(), "Config")

	logto, _ := drivers.Lookup("logto")
	_, err = logto.FromEnv(env(map[string]string{"LOGTO_ACCESS_TOKEN": "t"}), facade.Options{})
	assert.ErrorContains(t, err, "LOGTO_ENDPOINT is not set")

	// A listing's errors too: a wrong credential's 401 says which variable.
	srv := providertest.NewServer(t, "cortex", providertest.Options{})
	cortex, _ := drivers.Lookup("cortex")
	l, err := cortex.FromEnv(env(map[string]string{"CORTEX_API_TOKEN": "  wrong-token  ", "CORTEX_BASE_URL": srv.URL()}),
		facade.Options{RateLimit: -1})
	require.NoError(t, err)
	assert.Equal(t, "cortex", l.Provider())
	_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrUnauthenticated)
	assert.ErrorContains(t, err, "the API key (CORTEX_API_TOKEN) is missing")

	// And a right one lists.
	l, err = cortex.FromEnv(env(map[string]string{"CORTEX_API_TOKEN": srv.Token(), "CORTEX_BASE_URL": srv.URL()}), facade.Options{RateLimit: -1})
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	assert.NotEmpty(t, got)

	assert.True(t, vectara.Configured(env(map[string]string{"VECTARA_CLIENT_SECRET": "s"})))
	assert.False(t, vectara.Configured(env(map[string]string{"VECTARA_BASE_URL": "https://x"})))
	assert.Equal(t, "LOGTO_ACCESS_TOKEN (or LOGTO_APP_ID + LOGTO_APP_SECRET) with LOGTO_ENDPOINT", logto.EnvHelp())
}

// The registry is the one list: every provider has its spec, every spec a
// provider, every Config field it names exists, and the documentation
// names every variable.
func TestRegistryIsTheOneList(t *testing.T) {
	var files []string
	require.NoError(t, fs.WalkDir(specs.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if !d.IsDir() && !strings.Contains(p, "overlay") {
			files = append(files, p)
		}
		return err
	}))
	var named []string
	for _, p := range drivers.All() {
		named = append(named, p.Spec)
		parts, err := specs.Parts(p.Name) // its further specs (cortex-admin.yaml)
		require.NoError(t, err)
		named = append(named, parts...)
		f, err := specs.File(p.Name)
		require.NoError(t, err)
		assert.Equal(t, p.Spec, f)
		assert.NotEmpty(t, p.Credentials)
		for _, c := range p.Credentials {
			for _, f := range c.Fields {
				assert.NotEmpty(t, p.Env(f), "%s: credential field %s has a setting", p.Name, f)
			}
		}
	}
	assert.ElementsMatch(t, files, named)

	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	cmdDoc, err := os.ReadFile(filepath.Join("..", "..", "cmd", "rolecall", "doc.go"))
	require.NoError(t, err)
	for _, p := range drivers.All() {
		for _, s := range p.Settings {
			assert.Contains(t, string(cmdDoc), s.Env, "cmd/rolecall/doc.go names %s", s.Env)
			if s.Secret || s.Required {
				assert.Contains(t, string(readme), s.Env, "README.md names %s", s.Env)
			}
		}
	}
}
