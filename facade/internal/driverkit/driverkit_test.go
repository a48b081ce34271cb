package driverkit

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/httpx"
)

func newKit(t *testing.T, spec Spec, o facade.Options) (*Kit, *httpx.Transport) {
	t.Helper()
	if spec.Provider == "" {
		spec.Provider = "test"
	}
	if spec.MaxPageSize == 0 {
		spec.MaxPageSize = 10
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://127.0.0.1:1"
	}
	k, err := New(spec, o, nil)
	require.NoError(t, err)
	return k, k.HTTP.Transport.(*httpx.Transport)
}

// A documented "N per window" is a bucket of N at N/window; --rate-limit's
// rate is spent evenly (a bucket of one); a negative rate none (learnt
// from 429s).
func TestRateBudgets(t *testing.T) {
	budget := Spec{Budget: Budget{Requests: 1000, Window: time.Minute}}
	_, tr := newKit(t, budget, facade.Options{})
	assert.InDelta(t, 1000.0/60, float64(tr.Rate()), 1e-9)
	assert.Equal(t, 1000, tr.Burst(), "a short listing spends the whole window's allowance at once")

	_, tr = newKit(t, budget, facade.Options{RateLimit: 2.5})
	assert.InDelta(t, 2.5, float64(tr.Rate()), 1e-9)
	assert.Equal(t, 1, tr.Burst(), "a rate, not a window: one request at a time")

	_, tr = newKit(t, budget, facade.Options{RateLimit: -1})
	assert.Equal(t, rate.Inf, tr.Rate(), "none until the server says")

	_, tr = newKit(t, Spec{}, facade.Options{})
	assert.Equal(t, rate.Inf, tr.Rate(), "no documented limit: none until the server says")
}

// cutServer answers 503 on odd attempts and cuts the body short on even
// ones, counting attempts.
func cutServer(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Length", "100")
		_, _ = io.WriteString(w, `{"partial":`)
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// A page is attempted at most MaxRetries+1 times for 5xx, connection
// errors and cut bodies together: the kit's re-fetch of a cut body and the
// transport's retries draw on one count, not one inside the other.
func TestPageAttemptsAtMostMaxRetriesPlusOne(t *testing.T) {
	for _, retries := range []int{-1, 1, 2, 5} {
		url, n := cutServer(t)
		k, _ := newKit(t, Spec{}, facade.Options{BaseURL: url, RateLimit: -1,
			Retry: facade.RetryPolicy{MaxRetries: retries, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
		_, err := k.Fetch(context.Background(), "get page", func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			return k.HTTP.Do(req)
		}, nil)
		require.Error(t, err)
		want := max(retries, 0) + 1
		assert.Equal(t, int32(want), n.Load(), "MaxRetries %d", retries)
	}
}

// A listing stopped by its deadline while requests wait for the rate
// model reports Canceled with the deadline's cause, not an unavailable
// provider.
func TestDeadlineWhileRateLimitedIsCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	k, _ := newKit(t, Spec{}, facade.Options{BaseURL: srv.URL, Retry: facade.RetryPolicy{MaxRetryAfter: 2 * time.Hour, RateLimitBudget: 2 * time.Hour}})
	cause := errors.New("the --timeout of 200ms passed")
	ctx, cancel := context.WithTimeoutCause(context.Background(), 200*time.Millisecond, cause)
	defer cancel()
	// The hour's pause must end with the deadline: a fetch still running a
	// minute later (a bound no load comes near) outlived it.
	done := make(chan error, 1)
	go func() {
		_, err := k.Fetch(ctx, "get page", func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			return k.HTTP.Do(req)
		}, nil)
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the hour's pause outlived the 200ms deadline")
	}
	var fe *facade.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, facade.Canceled, fe.Code)
	assert.ErrorIs(t, err, cause)
	assert.NotContains(t, err.Error(), "check the network")
}
