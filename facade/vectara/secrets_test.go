package vectara_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/providertest"
)

// noSecret fails the test if out holds any of secrets.
func noSecret(t *testing.T, what, out string, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		assert.NotContains(t, out, s, "%s holds a secret the provider listed", what)
	}
}

// TestListedSecretsAreNeverKept serves an account whose API keys carry
// distinctive secret_key values and whose app clients carry distinctive
// client_secret values (providertest Tenant.Secrets), and searches every
// assignment (its fields and its decoded record, as JSON and as Go
// syntax) and every log line at debug level for them.
func TestListedSecretsAreNeverKept(t *testing.T) {
	tn := providertest.NewTenant("vectara", 40, 5)
	secrets := tn.Secrets()
	require.Len(t, secrets, len(tn.VectaraKeys)+len(tn.VectaraApps))
	for _, s := range secrets {
		require.Contains(t, s, "SECRET", "the fake's secrets are distinctive")
	}
	srv := providertest.NewServer(t, "vectara", providertest.Options{Tenant: tn})
	logs := &testkit.LogBuffer{}
	l, err := harness.New(srv.Token(), facade.Options{BaseURL: srv.URL(), RateLimit: -1,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	kinds := map[facade.PrincipalKind]int{}
	for _, a := range got {
		kinds[a.Kind()]++
		rec, err := json.Marshal(a.Record)
		require.NoError(t, err)
		noSecret(t, "a record", string(rec), secrets)
		noSecret(t, "an assignment", fmt.Sprintf("%#v", a), secrets)
		noSecret(t, "an assignment's record", fmt.Sprintf("%+v", a.Record), secrets)
	}
	noSecret(t, "the log", logs.String(), secrets)
	assert.NotZero(t, kinds[facade.APIKey], "the keys that carry the secrets are listed")
	assert.NotZero(t, kinds[facade.Application], "the app clients that carry the secrets are listed")
	assert.Contains(t, logs.String(), "api_keys", "the debug log covered the key listing")
	assert.Contains(t, logs.String(), "app_clients", "the debug log covered the app client listing")
}

// TestSecretInAnInvalidPageIsNotInTheError: a key or app client page that
// breaks the schema next to its secret (a secret where a boolean or a
// list is due) fails the listing with an error that names the place, not
// the value.
func TestSecretInAnInvalidPageIsNotInTheError(t *testing.T) {
	const secret = "zwt_SECRET-in-the-wrong-place"
	for _, c := range []struct{ path, body, where string }{
		{"/v2/api_keys", `{"api_keys":[{"id":"aky_1","name":"ci","secret_key":"` + secret + `","enabled":"` + secret +
			`","api_key_role":"serving"}],"metadata":{"page_key":""}}`, `"/api_keys/0/enabled"`},
		{"/v2/app_clients", `{"app_clients":[{"id":"app_1","client_id":"c","client_secret":"` + secret + `","api_roles":"` + secret +
			`"}],"metadata":{"page_key":""}}`, `"/app_clients/0/api_roles"`},
	} {
		t.Run(c.path, func(t *testing.T) {
			l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == c.path {
					testkit.WriteRaw(w, 200, c.body)
					return
				}
				usersOnly(func(w http.ResponseWriter, _ *http.Request) {
					testkit.WriteRaw(w, 200, `{"users":[],"metadata":{"page_key":""}}`)
				})(w, r)
			}, facade.Options{})
			_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
			require.Error(t, err)
			assert.ErrorIs(t, err, facade.ErrInvalidResponse)
			noSecret(t, "the error", err.Error(), []string{secret, "SECRET"})
			assert.Contains(t, err.Error(), c.where, "the error names the place")
		})
	}
}
