package facadetest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/providertest"
)

// A provider that stops answering is reported, not waited on forever: each
// attempt gives up after the request timeout, retries are bounded, and the
// listing ends Unavailable. The silent server holds every request until
// the test ends, so the listing ending at all shows that the client
// abandoned each attempt.
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
		var stats facade.Stats
		l, err := h.open(srv, srv.Token(), facade.Options{BaseURL: silent.URL + basePath(t, h), RateLimit: -1, RequestTimeout: 50 * time.Millisecond,
			Stats: &stats, Retry: facade.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
		require.NoError(t, err)
		_, err = testkit.Collect(t, context.Background(), l)
		assert.ErrorIs(t, err, facade.ErrUnavailable)
		assert.Contains(t, err.Error(), "did not answer in time")
		s := stats.Snapshot()
		assert.Positive(t, s.Requests)
		assert.LessOrEqual(t, 3*s.Retries, 2*s.Requests, "retries are bounded: at most two for each first attempt (%d requests, %d retries)", s.Requests, s.Retries)
	}
}

// The caller's deadline bounds the whole listing, retry waits included: the
// server asks to wait an hour, allowed by the policy, and the listing ends
// at the caller's 300ms deadline, with the one request it sent.
func testDeadlineBoundsRetryWaits(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		var requests atomic.Int64
		base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			w.Header().Set("Retry-After", "3600")
			testkit.WriteRaw(w, http.StatusTooManyRequests, `{"message":"slow down","error":{"message":"slow down","type":"rate_limit","code":"rate_limited","param":null},"messages":["slow down"]}`)
		})
		srv := providertest.NewServer(t, h.Provider, providertest.Options{})
		l, err := h.open(srv, srv.Token(), facade.Options{BaseURL: base + basePath(t, h), RateLimit: -1,
			Retry: facade.RetryPolicy{MaxRetries: 10, MaxRetryAfter: 2 * time.Hour, RateLimitBudget: 2 * time.Hour}})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err = testkit.Collect(t, ctx, l)
		assert.ErrorIs(t, err, facade.ErrCanceled)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Positive(t, requests.Load(), "the wait was the server's")
	}
}

// Cancelling a listing ends it at once, with an error that says so: every
// request sent after the cancel is held by the server until the client
// leaves it, so the listing ending at all shows that it abandoned its
// requests in flight and sent none it waited for.
func testCancel(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		tn := providertest.NewTenant(h.Provider, 300, 9)
		srv := providertest.NewServer(t, h.Provider, providertest.Options{Tenant: tn, Latency: 20 * time.Millisecond})
		defer srv.Close() // before the leak check: the fake's own goroutines are not the driver's
		u, err := url.Parse(srv.URL())
		require.NoError(t, err)
		cancelled, release := make(chan struct{}), make(chan struct{})
		var held atomic.Int64
		gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-cancelled:
				held.Add(1)
				select { // until the client leaves, or the test ends
				case <-r.Context().Done():
				case <-release:
				}
				return
			default:
			}
			srv.ServeHTTP(w, r)
		}))
		defer gate.Close()
		defer close(release)
		l, err := h.open(srv, srv.Token(), facade.Options{BaseURL: gate.URL + u.Path, PageSize: 10, RateLimit: -1, Retry: FastRetries})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		var last error
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, err := range l.ListAssignments(ctx, nil) {
				if err != nil {
					last = err
					break
				}
				if n++; n == 1 {
					close(cancelled)
					cancel()
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(testkit.Hung):
			t.Fatalf("the cancelled listing has not ended after %v (%d requests held since the cancel)", testkit.Hung, held.Load())
		}
		require.Positive(t, n, "the listing was cancelled after its first assignment")
		require.Error(t, last, "a cancelled listing ends with an error, not silently")
		assert.ErrorIs(t, last, facade.ErrCanceled)
		assert.True(t, errors.Is(last, context.Canceled), "the cause is reachable: %v", last)
	}
}
