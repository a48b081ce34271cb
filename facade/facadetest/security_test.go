package facadetest_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/providertest"
)

const sentinel = "SENTINEL-9f8e7d6c5b4a-credential"

// lockedBuffer is a log sink safe for the drivers' concurrent writers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

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

// TestSentinelNeverLeaks pushes a sentinel credential through every error
// path of every driver — each error status, an undecodable body, a
// network failure — with debug logging on, and requires that neither an
// error nor a log line ever carries it.
func TestSentinelNeverLeaks(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		for _, status := range []int{400, 401, 403, 404, 429, 500, 502, 200} {
			t.Run(h.Provider+"/"+http.StatusText(status), func(t *testing.T) {
				srv := providertest.NewServer(t, h.Provider, providertest.Options{})
				evil := httptest.NewServer(hostile(status))
				defer evil.Close()
				logs := &lockedBuffer{}
				o := facade.Options{Retry: facade.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxRetryAfter: time.Millisecond, RateLimitBudget: 20 * time.Millisecond},
					RateLimit: -1, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
				o.BaseURL = evil.URL // the hostile server instead of the fake
				if h.Provider == "openai" {
					o.BaseURL += "/v1"
				}
				l, err := h.New(srv, sentinel, o)
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

func TestNetworkErrorsCarryNoCredential(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		t.Run(h.Provider, func(t *testing.T) {
			srv := providertest.NewServer(t, h.Provider, providertest.Options{})
			l, err := h.New(srv, sentinel, facade.Options{RateLimit: -1, Retry: facade.RetryPolicy{MaxRetries: -1}})
			require.NoError(t, err)
			srv.Close() // nothing answers now
			_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
			assert.ErrorIs(t, err, facade.ErrUnavailable)
			assert.NotContains(t, err.Error(), sentinel)
		})
	}
}

// The M2M secret and the token it buys never reach a log or an error.
func TestTokenExchangeSecretsStayOut(t *testing.T) {
	srv := providertest.NewServer(t, "logto", providertest.Options{AppID: "app", AppSecret: sentinel, Token: "issued-" + sentinel})
	logs := &lockedBuffer{}
	lg := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l, err := logto.New(logto.Config{AppID: "app", AppSecret: sentinel, Options: facade.Options{BaseURL: srv.URL(), RateLimit: -1, Logger: lg}})
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	bad, err := logto.New(logto.Config{AppID: "app", AppSecret: "wrong-" + sentinel, Options: facade.Options{BaseURL: srv.URL(), RateLimit: -1, Logger: lg}})
	require.NoError(t, err)
	_, err = facade.Collect(bad.ListAssignments(context.Background(), nil))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), sentinel)
	assert.NotContains(t, logs.String(), sentinel)
}
