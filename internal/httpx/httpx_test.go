package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fastRetry retries up to 3 times with millisecond backoffs.
var fastRetry = RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: 2 * time.Second}

// countingObserver records what a Transport tells its Observer.
type countingObserver struct {
	requests, retries, rateLimits, waits atomic.Int64

	mu         sync.Mutex
	retryWaits []time.Duration
	onRetry    func() // called as a retry's wait begins
}

func (o *countingObserver) Request() { o.requests.Add(1) }
func (o *countingObserver) Retry(wait time.Duration) {
	o.retries.Add(1)
	o.mu.Lock()
	o.retryWaits = append(o.retryWaits, wait)
	o.mu.Unlock()
	if o.onRetry != nil {
		o.onRetry()
	}
}
func (o *countingObserver) RateLimit()         { o.rateLimits.Add(1) }
func (o *countingObserver) Wait(time.Duration) { o.waits.Add(1) }

func (o *countingObserver) waitsSeen() []time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]time.Duration(nil), o.retryWaits...)
}

// newTransport builds a Transport over a fresh base transport (so that no
// pooled connection leaks between tests) with fastRetry unless cfg says
// otherwise, and a counting observer unless cfg has one.
func newTransport(t *testing.T, cfg Config) (*Transport, *http.Client, *countingObserver) {
	t.Helper()
	if cfg.Base == nil {
		base := &http.Transport{}
		t.Cleanup(base.CloseIdleConnections)
		cfg.Base = base
	}
	if cfg.Retry == (RetryPolicy{}) {
		cfg.Retry = fastRetry
	}
	obs, _ := cfg.Observer.(*countingObserver)
	if cfg.Observer == nil {
		obs = &countingObserver{}
		cfg.Observer = obs
	}
	tr := New(cfg)
	return tr, &http.Client{Transport: tr}, obs
}

// server starts an httptest server on 127.0.0.1 whose handler is given the
// 1-based number of the attempt it serves.
func server(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, int(n.Add(1)))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// hangUp closes the connection without answering; with reset it sends a TCP
// RST instead of a FIN.
func hangUp(t *testing.T, w http.ResponseWriter, reset bool) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	require.NoError(t, err)
	return c.Do(req)
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestRetriesOnConnectionErrors(t *testing.T) {
	for _, reset := range []bool{true, false} {
		t.Run(fmt.Sprintf("reset=%v", reset), func(t *testing.T) {
			srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n <= 2 {
					hangUp(t, w, reset)
					return
				}
				_, _ = io.WriteString(w, "ok")
			})
			_, c, obs := newTransport(t, Config{})
			resp, err := get(t, c, srv.URL)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "ok", readAll(t, resp))
			assert.Equal(t, int32(3), n.Load())
			assert.Equal(t, int64(3), obs.requests.Load())
			assert.Equal(t, int64(2), obs.retries.Load())
		})
	}
}

func TestConnectionErrorsExhaustRetries(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) { hangUp(t, w, false) })
	_, c, _ := newTransport(t, Config{Retry: RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	resp, err := get(t, c, srv.URL)
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.Equal(t, int32(3), n.Load())
}

func TestRetriesOnTransientStatus(t *testing.T) {
	for _, code := range []int{408, 429, 500, 502, 503, 504} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n <= 2 {
					w.WriteHeader(code)
					_, _ = io.WriteString(w, "transient")
					return
				}
				_, _ = io.WriteString(w, "ok")
			})
			_, c, obs := newTransport(t, Config{})
			resp, err := get(t, c, srv.URL)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "ok", readAll(t, resp))
			assert.Equal(t, int32(3), n.Load())
			assert.Equal(t, int64(2), obs.retries.Load())
		})
	}
}

func TestNoRetryOnPermanentStatus(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 501} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(code)
				_, _ = fmt.Fprintf(w, "status %d", code)
			})
			_, c, obs := newTransport(t, Config{})
			resp, err := get(t, c, srv.URL)
			require.NoError(t, err)
			assert.Equal(t, code, resp.StatusCode)
			assert.Equal(t, fmt.Sprintf("status %d", code), readAll(t, resp))
			assert.Equal(t, int32(1), n.Load())
			assert.Equal(t, int64(0), obs.retries.Load())
		})
	}
}

func TestMaxRetriesReturnsLastResponseUnread(t *testing.T) {
	for _, maxRetries := range []int{-1, 1, 2} {
		t.Run(strconv.Itoa(maxRetries), func(t *testing.T) {
			srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("X-Attempt", strconv.Itoa(n))
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = fmt.Fprintf(w, "attempt %d", n)
			})
			_, c, obs := newTransport(t, Config{Retry: RetryPolicy{MaxRetries: maxRetries, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
			resp, err := get(t, c, srv.URL)
			require.NoError(t, err, "a status is never an error")
			want := max(maxRetries, 0) + 1
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			assert.Equal(t, strconv.Itoa(want), resp.Header.Get("X-Attempt"))
			assert.Equal(t, fmt.Sprintf("attempt %d", want), readAll(t, resp))
			assert.Equal(t, int32(want), n.Load())
			assert.Equal(t, int64(want-1), obs.retries.Load())
		})
	}
}

func TestRetryAfterSecondsHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			_, _ = io.WriteString(w, "ok")
		})
		_, c, obs := newTransport(t, Config{Base: base})
		start := time.Now()
		resp, err := get(t, c, memURL)
		elapsed := time.Since(start)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.GreaterOrEqual(t, elapsed, time.Second)
		assert.Equal(t, int32(2), n.Load())
		assert.Equal(t, []time.Duration{time.Second}, obs.waitsSeen())
		assert.Equal(t, int64(1), obs.rateLimits.Load())
	})
}

func TestRetryAfterMsHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After-Ms", "40")
				w.Header().Set("Retry-After", "3600") // Retry-After-Ms wins
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = io.WriteString(w, "ok")
		})
		_, c, obs := newTransport(t, Config{Base: base})
		start := time.Now()
		resp, err := get(t, c, memURL)
		elapsed := time.Since(start)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.GreaterOrEqual(t, elapsed, 40*time.Millisecond)
		assert.Equal(t, int32(2), n.Load())
		assert.Equal(t, []time.Duration{40 * time.Millisecond}, obs.waitsSeen())
	})
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Run("past", func(t *testing.T) {
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat))
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			_, _ = io.WriteString(w, "ok")
		})
		_, c, obs := newTransport(t, Config{})
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.Equal(t, int32(2), n.Load())
		assert.Equal(t, []time.Duration{0}, obs.waitsSeen(), "a date in the past means retry now")
	})
	t.Run("far future is not waited for", func(t *testing.T) {
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, "slow down")
		})
		_, c, obs := newTransport(t, Config{})
		start := time.Now()
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, "slow down", readAll(t, resp))
		assert.Equal(t, int32(1), n.Load())
		assert.Equal(t, int64(0), obs.retries.Load())
	})
}

func TestRetryAfterBeyondCapReturnsImmediately(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"error":"rate limited"}`)
		})
		_, c, obs := newTransport(t, Config{Base: base, Retry: RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 2 * time.Second}})
		start := time.Now()
		resp, err := get(t, c, memURL)
		elapsed := time.Since(start)
		require.NoError(t, err)
		assert.Less(t, elapsed, time.Second)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, "3600", resp.Header.Get("Retry-After"), "the caller reports how long the server asked")
		assert.Equal(t, `{"error":"rate limited"}`, readAll(t, resp))
		assert.Equal(t, int32(1), n.Load())
		assert.Equal(t, int64(0), obs.retries.Load())
		assert.Equal(t, int64(1), obs.rateLimits.Load())
	})
}

// bodyDelay is a RetryAfterFromBody reading {"retryAfter": seconds}.
func bodyDelay(calls *atomic.Int32, bodies *[]string, mu *sync.Mutex) func([]byte) (time.Duration, bool) {
	return func(b []byte) (time.Duration, bool) {
		calls.Add(1)
		mu.Lock()
		*bodies = append(*bodies, string(b))
		mu.Unlock()
		var v struct {
			RetryAfter *float64 `json:"retryAfter"`
		}
		if json.Unmarshal(b, &v) != nil || v.RetryAfter == nil {
			return 0, false
		}
		return time.Duration(*v.RetryAfter * float64(time.Second)), true
	}
}

func TestRetryAfterFromBody(t *testing.T) {
	t.Run("used without a header", func(t *testing.T) {
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"retryAfter":0.03}`)
				return
			}
			_, _ = io.WriteString(w, "ok")
		})
		var calls atomic.Int32
		var bodies []string
		var mu sync.Mutex
		_, c, obs := newTransport(t, Config{RetryAfterFromBody: bodyDelay(&calls, &bodies, &mu)})
		start := time.Now()
		resp, err := get(t, c, srv.URL)
		elapsed := time.Since(start)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.GreaterOrEqual(t, elapsed, 30*time.Millisecond)
		assert.Equal(t, int32(2), n.Load())
		assert.Equal(t, int32(1), calls.Load())
		assert.Equal(t, []string{`{"retryAfter":0.03}`}, bodies)
		assert.Equal(t, []time.Duration{30 * time.Millisecond}, obs.waitsSeen())
	})
	t.Run("header wins", func(t *testing.T) {
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.Header().Set("Retry-After-Ms", "5")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"retryAfter":3600}`)
				return
			}
			_, _ = io.WriteString(w, "ok")
		})
		var calls atomic.Int32
		var bodies []string
		var mu sync.Mutex
		_, c, obs := newTransport(t, Config{RetryAfterFromBody: bodyDelay(&calls, &bodies, &mu)})
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.Equal(t, int32(2), n.Load())
		assert.Equal(t, int32(0), calls.Load())
		assert.Equal(t, []time.Duration{5 * time.Millisecond}, obs.waitsSeen())
	})
	t.Run("not consulted for 5xx", func(t *testing.T) {
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, `{"retryAfter":3600}`)
				return
			}
			_, _ = io.WriteString(w, "ok")
		})
		var calls atomic.Int32
		var bodies []string
		var mu sync.Mutex
		_, c, _ := newTransport(t, Config{RetryAfterFromBody: bodyDelay(&calls, &bodies, &mu)})
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.Equal(t, int32(2), n.Load())
		assert.Equal(t, int32(0), calls.Load())
	})
	t.Run("beyond the cap leaves the body readable", func(t *testing.T) {
		body := `{"retryAfter":3600,"detail":"` + strings.Repeat("x", 100<<10) + `"}` // longer than the 64 KiB peek
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, body)
		})
		var calls atomic.Int32
		var bodies []string
		var mu sync.Mutex
		_, c, obs := newTransport(t, Config{
			Retry: RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxRetryAfter: 10 * time.Millisecond},
			RetryAfterFromBody: func(b []byte) (time.Duration, bool) {
				calls.Add(1)
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
				return time.Hour, true
			},
			MaxInFlight: 1,
		})
		start := time.Now()
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, body, readAll(t, resp))
		assert.Equal(t, int32(1), n.Load())
		assert.Equal(t, int32(1), calls.Load())
		require.Len(t, bodies, 1)
		assert.Equal(t, body[:64<<10], bodies[0])
		assert.Equal(t, int64(0), obs.retries.Load())

		// Closing the re-wrapped body still frees the in-flight slot.
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err = c.Do(req)
		require.NoError(t, err)
		assert.Equal(t, body, readAll(t, resp))
	})
}

func TestContextCancelledDuringBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var sleepStart atomic.Value
		// Cancel 20ms into the (10s) backoff sleep that follows the first 503.
		obs := &countingObserver{onRetry: func() {
			sleepStart.Store(time.Now())
			time.AfterFunc(20*time.Millisecond, cancel)
		}}
		_, c, _ := newTransport(t, Config{Base: base, Observer: obs, Retry: RetryPolicy{MaxRetries: 3, BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second}})
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, memURL, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.Error(t, err)
		assert.Nil(t, resp)
		assert.ErrorIs(t, err, context.Canceled)
		require.NotNil(t, sleepStart.Load())
		slept := time.Since(sleepStart.Load().(time.Time))
		assert.Less(t, slept, 2*time.Second, "the sleep ends with the context")
		assert.GreaterOrEqual(t, slept, 20*time.Millisecond)
		assert.Equal(t, int32(1), n.Load())
		assert.Equal(t, int64(1), obs.retries.Load())
	})
}

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		assert.NoError(t, Sleep(t.Context(), 0))
		assert.NoError(t, Sleep(t.Context(), -time.Second))
		assert.ErrorIs(t, Sleep(ctx, 0), context.Canceled)
		start := time.Now()
		assert.ErrorIs(t, Sleep(ctx, time.Hour), context.Canceled)
		assert.Less(t, time.Since(start), time.Second)

		start = time.Now()
		require.NoError(t, Sleep(t.Context(), 20*time.Millisecond))
		assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)

		ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		start = time.Now()
		assert.ErrorIs(t, Sleep(ctx, time.Hour), context.DeadlineExceeded)
		assert.Less(t, time.Since(start), time.Second)
	})
}

func TestOnlyGetAndHeadAreRetried(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		t.Run(method+" status", func(t *testing.T) {
			srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(http.StatusServiceUnavailable)
			})
			_, c, _ := newTransport(t, Config{})
			req, err := http.NewRequestWithContext(t.Context(), method, srv.URL, strings.NewReader("payload"))
			require.NoError(t, err)
			resp, err := c.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
			assert.Equal(t, int32(1), n.Load())
		})
	}
	t.Run("POST connection reset", func(t *testing.T) {
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) { hangUp(t, w, true) })
		_, c, _ := newTransport(t, Config{})
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader("payload"))
		require.NoError(t, err)
		_, err = c.Do(req)
		require.Error(t, err)
		assert.Equal(t, int32(1), n.Load())
	})
	t.Run("HEAD is retried", func(t *testing.T) {
		srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				w.WriteHeader(http.StatusBadGateway)
			}
		})
		_, c, _ := newTransport(t, Config{})
		req, err := http.NewRequestWithContext(t.Context(), http.MethodHead, srv.URL, nil)
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, int32(2), n.Load())
	})
}

func TestAuthorizeOnlyForProviderHost(t *testing.T) {
	var otherAuth, otherSeen atomic.Value
	other, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		otherSeen.Store(true)
		otherAuth.Store(r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, "landed")
	})
	var mu sync.Mutex
	providerAuth := map[string]string{}
	provider, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		providerAuth[r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/next", http.StatusFound)
		case "/next":
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		}
	})
	pu, err := url.Parse(provider.URL)
	require.NoError(t, err)
	ou, err := url.Parse(other.URL)
	require.NoError(t, err)
	require.NotEqual(t, pu.Host, ou.Host)

	var authCalls atomic.Int32
	_, c, _ := newTransport(t, Config{
		Origin: provider.URL,
		Authorize: func(r *http.Request) error {
			authCalls.Add(1)
			r.Header.Set("Authorization", "Bearer s3cret")
			return nil
		},
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, provider.URL+"/start", nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	assert.Equal(t, "landed", readAll(t, resp))
	assert.Equal(t, other.URL+"/landing", resp.Request.URL.String())

	mu.Lock()
	assert.Equal(t, map[string]string{"/start": "Bearer s3cret", "/next": "Bearer s3cret"}, providerAuth)
	mu.Unlock()
	assert.Equal(t, true, otherSeen.Load())
	assert.Equal(t, "", otherAuth.Load(), "credentials must not follow a redirect to another host")
	assert.Equal(t, int32(2), authCalls.Load())
	assert.Empty(t, req.Header.Get("Authorization"), "the caller's request must not be mutated")
}

func TestRoundTripDoesNotMutateRequest(t *testing.T) {
	var got atomic.Value
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		got.Store(r.Header.Get("Authorization"))
	})
	u, _ := url.Parse(srv.URL)
	tr, _, _ := newTransport(t, Config{Origin: u.Scheme + "://" + u.Host, Authorize: func(r *http.Request) error {
		r.Header.Set("Authorization", "Bearer s3cret")
		return nil
	}})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/x", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/json")
	before := req.Header.Clone()
	resp, err := tr.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "Bearer s3cret", got.Load())
	assert.Equal(t, before, req.Header)
	assert.Equal(t, srv.URL+"/x", req.URL.String())
}

func TestAuthorizeError(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	u, _ := url.Parse(srv.URL)
	errNoToken := errors.New("no token")
	tr, _, obs := newTransport(t, Config{Origin: u.Scheme + "://" + u.Host, MaxInFlight: 1, Authorize: func(*http.Request) error { return errNoToken }})
	for range 2 { // a leaked in-flight slot would block the second call
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := tr.RoundTrip(req)
		cancel()
		assert.Nil(t, resp)
		assert.ErrorIs(t, err, errNoToken)
	}
	assert.Equal(t, int32(0), n.Load())
	assert.Equal(t, int64(0), obs.requests.Load())
}

// stall blocks until the client gives up on the request (or 3s pass).
func stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(3 * time.Second):
	}
}

func TestRequestTimeoutRetriedThenTimeoutError(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) { stall(r) })
	tr, _, obs := newTransport(t, Config{RequestTimeout: 30 * time.Millisecond,
		Retry: RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	start := time.Now()
	resp, err := tr.RoundTrip(req)
	elapsed := time.Since(start)
	require.Error(t, err)
	assert.Nil(t, resp)
	assert.GreaterOrEqual(t, elapsed, 90*time.Millisecond)
	assert.Less(t, elapsed, 2*time.Second)
	assert.Equal(t, int64(3), obs.requests.Load())
	assert.Equal(t, int64(2), obs.retries.Load())

	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 30*time.Millisecond, te.After)
	assert.Contains(t, te.Error(), "30ms")
	_, isNetErr := any(te).(net.Error)
	assert.True(t, isNetErr, "*TimeoutError must itself satisfy net.Error")
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	assert.NotErrorIs(t, err, context.Canceled)

	// Through an http.Client the error is wrapped in a *url.Error.
	c := &http.Client{Transport: tr}
	_, err = c.Do(req)
	require.ErrorAs(t, err, &te)
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}

func TestRequestTimeoutDuringBody(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"users":[`)
		w.(http.Flusher).Flush()
		stall(r)
	})
	_, c, _ := newTransport(t, Config{RequestTimeout: 50 * time.Millisecond, MaxInFlight: 1})
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err, "the headers arrive in time")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	start := time.Now()
	b, err := io.ReadAll(resp.Body)
	assert.Less(t, time.Since(start), 2*time.Second)
	require.Error(t, err)
	assert.Equal(t, `{"users":[`, string(b))
	var te *TimeoutError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, 50*time.Millisecond, te.After)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, int32(1), n.Load(), "a response already handed over is not retried")
}

func TestRequestTimeoutNotReportedForCallerCancel(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) { stall(r) })
	tr, _, obs := newTransport(t, Config{RequestTimeout: time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := tr.RoundTrip(req)
	require.Error(t, err)
	var te *TimeoutError
	assert.False(t, errors.As(err, &te), "the caller's own deadline is not a per-request timeout: %v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, int64(1), obs.requests.Load(), "the caller's deadline is not retried")
}

func TestMaxInFlightBoundsConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 3
		var cur, peak atomic.Int32
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			c := cur.Add(1)
			for {
				p := peak.Load()
				if c <= p || peak.CompareAndSwap(p, c) {
					break
				}
			}
			// Hold until the bound has been reached once (or a while), so that
			// the peak does not depend on scheduling luck.
			deadline := time.Now().Add(2 * time.Second)
			for peak.Load() < limit && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(2 * time.Millisecond)
			cur.Add(-1)
			_, _ = io.WriteString(w, "ok")
		})
		_, c, _ := newTransport(t, Config{Base: base, MaxInFlight: limit})
		var wg sync.WaitGroup
		var failures atomic.Int32
		for range 20 {
			wg.Go(func() {
				resp, err := get(t, c, memURL)
				if err != nil {
					failures.Add(1)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
		assert.Equal(t, int32(0), failures.Load())
		assert.Equal(t, int32(20), n.Load())
		assert.Equal(t, int32(limit), peak.Load())
	})
}

func TestMaxInFlightSlotHeldUntilBodyClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			_, _ = fmt.Fprintf(w, "response %d", n)
		})
		_, c, _ := newTransport(t, Config{Base: base, MaxInFlight: 1})
		first, err := get(t, c, memURL)
		require.NoError(t, err)

		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, memURL, nil)
		_, err = c.Do(req)
		require.Error(t, err, "the only slot is held by the unclosed body")
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, int32(1), n.Load())

		assert.Equal(t, "response 1", readAll(t, first)) // closes the body
		resp, err := get(t, c, memURL)
		require.NoError(t, err)
		assert.Equal(t, "response 2", readAll(t, resp))
	})
}

func TestMaxInFlightReleasedAcrossRetries(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			hangUp(t, w, false)
		default:
			_, _ = io.WriteString(w, "ok")
		}
	})
	_, c, _ := newTransport(t, Config{MaxInFlight: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	assert.Equal(t, "ok", readAll(t, resp))
	assert.Equal(t, int32(3), n.Load())
}

func TestRateLimitPacesRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {})
		_, c, obs := newTransport(t, Config{Base: base, RateLimit: 50, Burst: 1})
		start := time.Now()
		for range 10 {
			resp, err := get(t, c, memURL)
			require.NoError(t, err)
			readAll(t, resp)
		}
		// 1 immediate + 9 × 20ms.
		assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
		assert.Equal(t, int32(10), n.Load())
		assert.Positive(t, obs.waits.Load(), "the observer hears of limiter waits")
	})
}

func TestObserverCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, _ := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			if n <= 2 {
				w.Header().Set("Retry-After-Ms", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			if n == 3 {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			_, _ = io.WriteString(w, "ok")
		})
		_, c, obs := newTransport(t, Config{Base: base})
		resp, err := get(t, c, memURL)
		require.NoError(t, err)
		assert.Equal(t, "ok", readAll(t, resp))
		assert.Equal(t, int64(4), obs.requests.Load())
		assert.Equal(t, int64(3), obs.retries.Load())
		assert.Equal(t, int64(2), obs.rateLimits.Load())
		waits := obs.waitsSeen()
		require.Len(t, waits, 3)
		assert.Equal(t, time.Millisecond, waits[0])
		assert.Equal(t, time.Millisecond, waits[1])
		assert.LessOrEqual(t, waits[2], fastRetry.MaxDelay)
	})
}

func TestNilObserverAndLogger(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	c := &http.Client{Transport: New(Config{Base: base, Retry: fastRetry, RateLimit: 1000})}
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	assert.Equal(t, "ok", readAll(t, resp))
	assert.Equal(t, int32(2), n.Load())
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		ra, ms string
		want   time.Duration
		wantOK bool
	}{
		{name: "none"},
		{name: "seconds", ra: "5", want: 5 * time.Second, wantOK: true},
		{name: "zero", ra: "0", want: 0, wantOK: true},
		{name: "spaces", ra: "  7 ", want: 7 * time.Second, wantOK: true},
		{name: "negative", ra: "-1"},
		{name: "fraction", ra: "1.5"},
		{name: "garbage", ra: "soon"},
		{name: "capped at a day", ra: "999999999", want: 24 * time.Hour, wantOK: true},
		{name: "overflow", ra: "99999999999999999999999"},
		{name: "IMF-fixdate", ra: "Tue, 04 Mar 2025 05:07:37 GMT", want: 90 * time.Second, wantOK: true},
		{name: "RFC 850 date", ra: "Tuesday, 04-Mar-25 05:06:17 GMT", want: 10 * time.Second, wantOK: true},
		{name: "asctime date", ra: "Tue Mar  4 05:06:27 2025", want: 20 * time.Second, wantOK: true},
		{name: "past date", ra: "Tue, 04 Mar 2025 05:00:00 GMT", want: 0, wantOK: true},
		{name: "ms", ms: "250", want: 250 * time.Millisecond, wantOK: true},
		{name: "ms fraction", ms: "1.5", want: 1500 * time.Microsecond, wantOK: true},
		{name: "ms wins", ms: "20", ra: "100", want: 20 * time.Millisecond, wantOK: true},
		{name: "bad ms falls back", ms: "soon", ra: "3", want: 3 * time.Second, wantOK: true},
		{name: "negative ms falls back", ms: "-3", ra: "4", want: 4 * time.Second, wantOK: true},
		{name: "NaN ms", ms: "NaN"},
		{name: "huge ms capped at a day", ms: "1e300", want: 24 * time.Hour, wantOK: true},
		{name: "infinite ms capped at a day", ms: "+Inf", want: 24 * time.Hour, wantOK: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.ra != "" {
				h.Set("Retry-After", tc.ra)
			}
			if tc.ms != "" {
				h.Set("Retry-After-Ms", tc.ms)
			}
			got, ok := RetryAfter(h, now)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func FuzzRetryAfter(f *testing.F) {
	f.Add("5", "")
	f.Add("", "250")
	f.Add("Tue, 04 Mar 2025 05:07:37 GMT", "")
	f.Add("-1", "-1")
	f.Add("99999999999999999999", "1e300")
	f.Add("", "Inf")
	f.Add("Fri, 31 Dec 9999 23:59:59 GMT", "NaN")
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	f.Fuzz(func(t *testing.T, ra, ms string) {
		h := http.Header{}
		h.Set("Retry-After", ra)
		h.Set("Retry-After-Ms", ms)
		d, ok := RetryAfter(h, now)
		if !ok {
			if d != 0 {
				t.Fatalf("not ok but %v", d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("Retry-After %q, Retry-After-Ms %q: negative delay %v", ra, ms, d)
		}
		if _, err := http.ParseTime(strings.TrimSpace(ra)); err != nil && d > 24*time.Hour {
			t.Fatalf("Retry-After %q, Retry-After-Ms %q: %v is more than a day", ra, ms, d)
		}
		if s, err := strconv.ParseInt(strings.TrimSpace(ra), 10, 64); err == nil && s >= 0 && s < 86400 && strings.TrimSpace(ms) == "" {
			if d != time.Duration(s)*time.Second {
				t.Fatalf("Retry-After %q: got %v", ra, d)
			}
		}
		d2, ok2 := RetryAfter(h, now)
		if d2 != d || ok2 != ok {
			t.Fatal("not deterministic")
		}
	})
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		want *= time.Millisecond
		lo, hi := want-want/4, want
		var seen []time.Duration
		for range 200 {
			d := p.Backoff(n)
			seen = append(seen, d)
			require.GreaterOrEqual(t, d, lo, "retry %d", n)
			require.LessOrEqual(t, d, hi, "retry %d", n)
		}
		distinct := map[time.Duration]bool{}
		for _, d := range seen {
			distinct[d] = true
		}
		assert.Greater(t, len(distinct), 1, "retry %d: jitter varies the delay", n)
	}
	for _, n := range []int{50, 63, 64, 100, 1000} {
		d := p.Backoff(n)
		assert.GreaterOrEqual(t, d, 750*time.Millisecond, "retry %d", n)
		assert.LessOrEqual(t, d, time.Second, "retry %d", n)
	}
}

func TestBackoffNeverNegative(t *testing.T) {
	for _, p := range []RetryPolicy{
		{BaseDelay: time.Second, MaxDelay: math.MaxInt64},
		{BaseDelay: 3 * time.Second, MaxDelay: math.MaxInt64 - 1},
		{BaseDelay: time.Nanosecond, MaxDelay: math.MaxInt64},
		{BaseDelay: time.Hour, MaxDelay: time.Minute},
		{BaseDelay: 0, MaxDelay: time.Second},
		{},
	} {
		for n := range 200 {
			var d time.Duration
			require.NotPanics(t, func() { d = p.Backoff(n) }, "%+v retry %d", p, n)
			require.GreaterOrEqual(t, d, time.Duration(0), "%+v retry %d", p, n)
			if p.MaxDelay > 0 {
				require.LessOrEqual(t, d, p.MaxDelay, "%+v retry %d", p, n)
			}
		}
	}
	p := RetryPolicy{BaseDelay: time.Second, MaxDelay: math.MaxInt64}
	assert.GreaterOrEqual(t, p.Backoff(100), time.Duration(math.MaxInt64/4*3), "a huge cap is reached, not wrapped around")
	p = RetryPolicy{BaseDelay: time.Hour, MaxDelay: time.Minute}
	assert.GreaterOrEqual(t, p.Backoff(0), 45*time.Second, "the cap applies to the first delay too")
}

func TestWithDefaults(t *testing.T) {
	assert.Equal(t, DefaultRetryPolicy, RetryPolicy{}.WithDefaults(), "the zero value is the default policy")
	assert.Equal(t, 4, RetryPolicy{}.Retries())
	none := RetryPolicy{MaxRetries: -5}.WithDefaults()
	assert.Equal(t, -1, none.MaxRetries, "negative: no retries")
	assert.Equal(t, 0, none.Retries())
	assert.Equal(t, none, none.WithDefaults(), "idempotent")
	custom := RetryPolicy{MaxRetries: 7, BaseDelay: time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: time.Minute, RateLimitBudget: time.Hour}
	assert.Equal(t, custom, custom.WithDefaults())
	assert.Equal(t, RetryPolicy{MaxRetries: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: 30 * time.Second, RateLimitBudget: 3 * time.Minute},
		RetryPolicy{BaseDelay: -time.Second, MaxDelay: time.Second}.WithDefaults())
}

func TestCheckBaseURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://api.example.com", "https://api.example.com/"},
		{"https://api.example.com/", "https://api.example.com/"},
		{"https://api.example.com/v1", "https://api.example.com/v1/"},
		{"https://api.example.com:8443/v1/", "https://api.example.com:8443/v1/"},
		{"https://api.example.com/v1?debug=1#frag", "https://api.example.com/v1/"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"http://127.0.0.2/api", "http://127.0.0.2/api/"},
		{"http://localhost:3000/api", "http://localhost:3000/api/"},
		{"http://LOCALHOST", "http://LOCALHOST/"},
		{"http://[::1]:9000", "http://[::1]:9000/"},
		{"HTTPS://api.example.com", "https://api.example.com/"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			u, err := CheckBaseURL(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, u.String())
		})
	}
	for _, in := range []string{
		"http://example.com",
		"http://10.0.0.1",
		"http://localhost.example.com",
		"http://127.0.0.1.nip.io",
		"ftp://example.com",
		"ws://localhost",
		"https://user:s3cret@api.example.com",
		"http://user:s3cret@127.0.0.1",
		"https://user:s3cret@/v1",
		"https://tokenonly@api.example.com",
		"https:///v1",
		"/v1/users",
		"api.example.com",
		"",
		"https://api.example.com:port/",
		"https://api example.com",
		"https://user:s3cret@api example.com",
		"https://user:s3cret@api.example.com:port/",
		"http://example.com/?key=s3cret",
	} {
		t.Run("refuse "+in, func(t *testing.T) {
			u, err := CheckBaseURL(in)
			require.Error(t, err)
			assert.Nil(t, u)
			assert.NotContains(t, err.Error(), "s3cret", "an error must not echo a credential")
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost":         true,
		"LocalHost":         true,
		"127.0.0.1":         true,
		"127.1.2.3":         true,
		"::1":               true,
		"0:0:0:0:0:0:0:1":   true,
		"":                  false,
		"example.com":       false,
		"localhost.evil.io": false,
		"10.0.0.1":          false,
		"0.0.0.0":           false,
		"::":                false,
		"[::1]":             false, // a Hostname, never bracketed
	} {
		assert.Equal(t, want, IsLoopback(host), host)
	}
}

func TestTimeoutError(t *testing.T) {
	inner := context.DeadlineExceeded
	err := error(&TimeoutError{After: 2 * time.Second, Err: inner})
	assert.Equal(t, "no complete answer within the 2s request timeout", err.Error())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, retryableError(err))
	assert.True(t, retryableError(fmt.Errorf("wrapped: %w", err)))
	assert.False(t, retryableError(context.Canceled))
	assert.False(t, retryableError(context.DeadlineExceeded))
	assert.True(t, retryableError(io.ErrUnexpectedEOF))
	assert.True(t, retryableError(&url.Error{Op: "Get", URL: "https://x", Err: io.EOF}))
	assert.False(t, retryableError(errors.New("unsupported protocol scheme")))
}

func TestConnectionRefusedIsNotATimeout(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there now
	tr := New(Config{Retry: RetryPolicy{MaxRetries: -1}, RequestTimeout: time.Minute})
	req, _ := http.NewRequest(http.MethodGet, addr, nil)
	_, err := tr.RoundTrip(req)
	require.Error(t, err)
	var te *TimeoutError
	assert.False(t, errors.As(err, &te), "a refused connection is not a timeout: %v", err)
}

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		u, origin string
		want      bool
	}{
		{"https://api.example.com/v1/x", "https://api.example.com", true},
		{"https://API.example.com:443/x", "https://api.example.com/v1/", true},
		{"http://api.example.com/x", "https://api.example.com", false},
		{"http://127.0.0.1:8443/x", "https://127.0.0.1:8443", false},
		{"https://api.example.com:8443/x", "https://api.example.com", false},
		{"https://evil.example.com/x", "https://api.example.com", false},
		{"https://api.example.com/x", "", false},
	} {
		u, err := url.Parse(tc.u)
		require.NoError(t, err)
		assert.Equal(t, tc.want, SameOrigin(u, tc.origin), "%s vs %s", tc.u, tc.origin)
	}
}

func TestCheckRedirect(t *testing.T) {
	check := CheckRedirect("https://api.example.com")
	req := func(raw string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, raw, nil)
		require.NoError(t, err)
		return r
	}
	via := []*http.Request{req("https://api.example.com/v1/users")}
	assert.NoError(t, check(req("https://api.example.com/v1/users?page=2"), via))
	for raw, why := range map[string]string{
		"http://api.example.com/v1/users":       "leaves https",
		"https://api.example.com:8443/v1/users": "origin",
		"https://elsewhere.example.com/v1":      "origin",
		"http://10.0.0.1/v1":                    "leaves https",
	} {
		err := check(req(raw+"?email=ada@example.com"), via)
		var re *RedirectError
		require.ErrorAs(t, err, &re, raw)
		assert.Contains(t, err.Error(), why)
		assert.NotContains(t, err.Error(), "ada@")
	}
	plain := CheckRedirect("http://127.0.0.1:8080")
	err := plain(req("http://10.0.0.1:8080/x"), []*http.Request{req("http://127.0.0.1:8080/x")})
	assert.ErrorContains(t, err, "loopback")
	long := make([]*http.Request, MaxRedirects)
	for i := range long {
		long[i] = via[0]
	}
	assert.ErrorContains(t, check(req("https://api.example.com/v1/users"), long), "stopped after")
}

// A POST is retried only when marked idempotent the net/http way, and its
// body is sent again each time.
func TestIdempotentPostIsRetriedWithItsBody(t *testing.T) {
	var bodies []string
	var mu sync.Mutex
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if _, sent := r.Header["Idempotency-Key"]; sent {
			t.Error("the marker was sent")
		}
		if n < 3 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	tr, _, _ := newTransport(t, Config{})
	post := func(mark bool) *http.Response {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader("grant_type=x"))
		require.NoError(t, err)
		if mark {
			req.Header["Idempotency-Key"] = nil
		}
		resp, err := tr.RoundTrip(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	assert.Equal(t, http.StatusInternalServerError, post(false).StatusCode, "an unmarked POST is not retried")
	assert.Equal(t, int32(1), n.Load())
	assert.Equal(t, http.StatusOK, post(true).StatusCode)
	assert.Equal(t, int32(3), n.Load())
	assert.Equal(t, []string{"grant_type=x", "grant_type=x", "grant_type=x"}, bodies)
}
