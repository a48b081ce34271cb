package openai_test

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

// TestListedSecretsAreNeverKept serves an organization whose keys carry
// distinctive redacted values, whose projects carry external key ids and
// whose roles carry metadata (providertest Tenant.Secrets), and searches
// every assignment (its fields and its decoded record, as JSON and as Go
// syntax) and every log line at debug level for them.
func TestListedSecretsAreNeverKept(t *testing.T) {
	tn := providertest.NewTenant("openai", 40, 5)
	secrets := tn.Secrets()
	require.NotEmpty(t, secrets)
	for _, s := range secrets {
		require.Contains(t, s, "SECRET", "the fake's secrets are distinctive")
	}
	srv := providertest.NewServer(t, "openai", providertest.Options{Tenant: tn})
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
	}
	noSecret(t, "the log", logs.String(), secrets)
	assert.NotZero(t, kinds[facade.APIKey], "the keys that carry the secrets are listed")
	assert.Contains(t, logs.String(), "api_keys", "the debug log covered the key listings")
}

// TestSecretInAnInvalidPageIsNotInTheError: a key page that breaks the
// schema next to its secret (a redacted value where a time is due) fails
// the listing with an error that names the place, not the value.
func TestSecretInAnInvalidPageIsNotInTheError(t *testing.T) {
	const secret = "fake-admin-key-SECRET-in-the-wrong-place"
	keys := `{"object":"list","data":[{"object":"organization.admin_api_key","id":"key_1","name":"ci","redacted_value":"` + secret +
		`","created_at":"` + secret + `","expires_at":null,"owner":{"type":"user","id":"user_1","name":"Ada","role":"owner"}}],"first_id":"key_1","last_id":"key_1","has_more":false}`
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/organization/admin_api_keys" {
			testkit.WriteRaw(w, 200, keys)
			return
		}
		testkit.WriteRaw(w, 200, `{"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false,"next":null}`)
	}, facade.Options{})
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, facade.ErrInvalidResponse)
	assert.Contains(t, err.Error(), "list admin API keys")
	noSecret(t, "the error", err.Error(), []string{secret, "SECRET"})
	assert.Contains(t, err.Error(), `"/data/0/created_at"`, "the error names the place")
}
