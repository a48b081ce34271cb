package facadetest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/providertest"
)

const sentinel = "SENTINEL-9f8e7d6c5b4a-credential"

// hostile answers like a compromised provider: it echoes the credential it
// received into every error body, header and status it can.
func hostile(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cred := r.Header.Get("Authorization") + " " + r.Header.Get("x-api-key")
		w.Header().Set("X-Request-Id", "req "+cred)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		body := `{"message":"you sent CRED","type":"FORBIDDEN","requestId":"CRED","error":{"message":"CRED","type":"x","code":"CRED","param":null},` +
			`"messages":["CRED"],"request_id":"CRED","code":"CRED","users":5}`
		_, _ = w.Write([]byte(strings.ReplaceAll(body, "CRED", cred)))
	}
}

// testSentinelNeverLeaks pushes a sentinel credential through every error
// path of the driver — each error status, an undecodable body, a
// network failure — with debug logging on, and requires that neither an
// error nor a log line ever carries it.
func testSentinelNeverLeaks(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		for _, status := range []int{400, 401, 403, 404, 429, 500, 502, 200} {
			t.Run(http.StatusText(status), func(t *testing.T) {
				srv := providertest.NewServer(t, h.Provider, providertest.Options{})
				evil := httptest.NewServer(hostile(status))
				defer evil.Close()
				logs := &testkit.LogBuffer{}
				o := facade.Options{Retry: facade.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxRetryAfter: time.Millisecond, RateLimitBudget: 20 * time.Millisecond},
					RateLimit: -1, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
				o.BaseURL = evil.URL + basePath(t, h) // the hostile server instead of the fake
				l, err := h.open(srv, sentinel, o)
				require.NoError(t, err)
				_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
				require.Error(t, err)
				assert.NotEqual(t, facade.Unknown, facade.Code(err), "%v", err)
				assert.NotContains(t, err.Error(), sentinel)
				assert.NotContains(t, logs.String(), sentinel)
				assert.NotEmpty(t, logs.String(), "debug logging was on")
			})
		}
	}
}

func testNetworkErrorsCarryNoCredential(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		srv := providertest.NewServer(t, h.Provider, providertest.Options{})
		l, err := h.open(srv, sentinel, facade.Options{RateLimit: -1, Retry: facade.RetryPolicy{MaxRetries: -1}})
		require.NoError(t, err)
		srv.Close() // nothing answers now
		_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
		assert.ErrorIs(t, err, facade.ErrUnavailable)
		assert.NotContains(t, err.Error(), sentinel)
	}
}
