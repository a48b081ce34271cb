package facadetest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/providertest"
)

// A provider that stops answering is reported, not waited on forever: each
// attempt gives up after the request timeout, retries are bounded, and the
// listing ends Unavailable.
func testSilentProvider(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		release := make(chan struct{})
		silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select { // answer nothing until the client gives up or the test ends
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer silent.Close()
		defer close(release)
		srv := providertest.NewServer(t, h.Provider, providertest.Options{})
		defer srv.Close()
		l, err := h.open(srv, srv.Token(), facade.Options{BaseURL: silent.URL + basePath(t, h), RateLimit: -1, RequestTimeout: 50 * time.Millisecond,
			Retry: facade.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
		require.NoError(t, err)
		start := time.Now()
		_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
		assert.ErrorIs(t, err, facade.ErrUnavailable)
		assert.Contains(t, err.Error(), "did not answer in time")
		assert.Less(t, time.Since(start), 5*time.Second, "three 50ms attempts, not a hang")
	}
}

// The caller's deadline bounds the whole listing, retry waits included.
func testDeadlineBoundsRetryWaits(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		srv := providertest.NewServer(t, h.Provider, providertest.Options{Faults: providertest.Faults{Seed: 3, Rate: 1,
			Kinds: []providertest.FaultKind{providertest.FaultRateLimit}}})
		l, err := h.open(srv, srv.Token(), facade.Options{RateLimit: -1,
			Retry: facade.RetryPolicy{MaxRetries: 10, MaxRetryAfter: time.Minute}})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = facade.Collect(l.ListAssignments(ctx, nil))
		assert.ErrorIs(t, err, facade.ErrCanceled)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 2*time.Second, "a 1s Retry-After sleep is cut short by the deadline")
	}
}
