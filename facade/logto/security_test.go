package logto_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/providertest"
)

// sentinel is a credential that must never appear in an error or a log.
const sentinel = "SENTINEL-9f8e7d6c5b4a-credential"

// The M2M secret and the token it buys never reach a log or an error.
func TestTokenExchangeSecretsStayOut(t *testing.T) {
	srv := providertest.NewServer(t, "logto", providertest.Options{AppID: "app", AppSecret: sentinel, Token: "issued-" + sentinel})
	logs := &testkit.LogBuffer{}
	lg := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l, err := logto.New(logto.Config{AppID: "app", AppSecret: sentinel, Options: facade.Options{BaseURL: srv.URL(), RateLimit: -1, Logger: lg}})
	require.NoError(t, err)
	got := testkit.List(t, l)
	assert.NotEmpty(t, got)
	bad, err := logto.New(logto.Config{AppID: "app", AppSecret: "wrong-" + sentinel, Options: facade.Options{BaseURL: srv.URL(), RateLimit: -1, Logger: lg}})
	require.NoError(t, err)
	_, err = facade.Collect(bad.ListAssignments(context.Background(), nil))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), sentinel)
	assert.NotContains(t, logs.String(), sentinel)
}

// A token endpoint echoing the Basic authorization it received (base64 of
// id:secret), raw and JSON-escaped, never shows it. (Logto sends the
// credentials in the header only.)
func TestTokenEndpointEchoingBasic(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
				sent := r.Header.Get("Authorization")
				_, _ = io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				esc := strings.ReplaceAll(sent, "/", `\/`)
				bare := strings.TrimPrefix(sent, "Basic ")
				_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"you sent `+esc+` and `+bare+`"}`)
			})
			l, err := logto.New(logto.Config{AppID: "app-id", AppSecret: sentinel,
				Options: facade.Options{BaseURL: base, RateLimit: -1, Retry: facade.RetryPolicy{MaxRetries: -1}}})
			require.NoError(t, err)
			_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "you sent")
			b64 := base64.StdEncoding.EncodeToString([]byte("app-id:" + sentinel))
			for i := 0; i+8 <= len(b64); i += 4 {
				assert.NotContains(t, err.Error(), b64[i:i+8])
			}
			assert.NotContains(t, err.Error(), sentinel)
		})
	}
}
