package httpx

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// bucketServer answers 429 beyond a token bucket of r requests a second and
// burst b, hinting the wait with hint (nil: no hint), and records every
// request that arrives while a hint it gave is still running (beyond a
// grace for requests already on their way when the 429 left).
type bucketServer struct {
	lim   *rate.Limiter
	hint  func(w http.ResponseWriter, d time.Duration)
	grace time.Duration

	mu        sync.Mutex
	until     time.Time // the latest hinted time
	given     time.Time // when that hint was given
	early     int
	ok, limit atomic.Int64
}

func (s *bucketServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	if now.Before(s.until) && now.Sub(s.given) > s.grace {
		s.early++
	}
	res := s.lim.ReserveN(now, 1)
	d := res.DelayFrom(now)
	if d > 0 {
		res.CancelAt(now)
	}
	if d > 0 && s.hint != nil {
		s.hint(w, d)
		// What the client is told to wait, as the header says it.
		if v, ok := RetryAfter(w.Header(), now); ok && now.Add(v).After(s.until) {
			s.until, s.given = now.Add(v), now
		}
	}
	s.mu.Unlock()
	if d > 0 {
		s.limit.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.ok.Add(1)
	_, _ = io.WriteString(w, "ok")
}

// fan sends n GETs from workers goroutines and fails t on any error or
// non-200 answer.
func fan(t *testing.T, c *http.Client, url string, workers, n int) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := get(t, c, url)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				readAll(t, resp)
			}
		})
	}
	wg.Wait()
}

// An unknown token bucket is learnt: every request succeeds, nothing is
// sent while a hint runs, 429s stay few once the rate is known, and the
// learnt rate sits just below the server's, for each way of hinting.
func TestUnknownBucketIsLearnt(t *testing.T) {
	ms := func(w http.ResponseWriter, d time.Duration) {
		w.Header().Set("Retry-After-Ms", fmt.Sprint(max(d, 60*time.Millisecond).Milliseconds()))
	}
	for _, tc := range []struct {
		name  string
		r     rate.Limit
		burst int
		hint  func(http.ResponseWriter, time.Duration)
	}{
		{"ms hint r400 b20", 400, 20, ms},
		{"ms hint r200 b5", 200, 5, ms},
		{"seconds hint r300 b30", 300, 30, func(w http.ResponseWriter, d time.Duration) { w.Header().Set("Retry-After", "1") }},
		{"no hint r200 b10", 200, 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &bucketServer{lim: rate.NewLimiter(tc.r, tc.burst), hint: tc.hint, grace: 20 * time.Millisecond}
			srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, _ int) { s.ServeHTTP(w, r) })
			tr, c, obs := newTransport(t, Config{MaxInFlight: 16,
				Retry: RetryPolicy{MaxRetries: -1, BaseDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond}})
			n := int(tc.r)
			fan(t, c, srv.URL, 16, n)
			assert.Equal(t, int64(n), s.ok.Load(), "every request succeeds though none may be retried for a 5xx")
			assert.Zero(t, s.early, "no request is sent while a hint runs")
			assert.Equal(t, s.limit.Load(), obs.rateLimits.Load())
			got := tr.Rate()
			tr.pace.mu.Lock()
			pauses := tr.pace.epoch
			tr.pace.mu.Unlock()
			// The rate is learnt: the client pauses a few times (the cold
			// start, the estimate, and on a loaded machine a stall that
			// bunches requests may cost one or two more), where a client
			// that does not learn pauses about once every burst, n/burst
			// times (40 and more here): n/25 lies far from both. A pause's
			// 429s are its own and the requests already in flight when it
			// began, at most MaxInFlight. (Counting 429s alone, n/8, failed
			// about once in twenty runs: how many requests a pause finds
			// in flight depends on scheduling.)
			assert.LessOrEqual(t, pauses, n/25, "few pauses: the rate is learnt")
			assert.LessOrEqual(t, s.limit.Load(), int64(pauses*16), "a pause's 429s are the requests in flight")
			assert.Less(t, float64(got), math.Inf(1), "a rate was learnt")
			t.Logf("%d requests, %d answered 429, %d pauses, learnt %.0f/s", n, s.limit.Load(), pauses, float64(got))
		})
	}
}

// A 429 pauses every worker, not just the one that got it, for the hint
// in each of its forms.
func TestRateLimitPausesEveryWorker(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(w http.ResponseWriter)
		body string
		want time.Duration
	}{
		{"seconds", func(w http.ResponseWriter) { w.Header().Set("Retry-After", "1") }, "", time.Second},
		{"http-date", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
		}, "", time.Second}, // a date has whole seconds: at least one of the two is left
		{"body", func(w http.ResponseWriter) {}, `{"retryAfter":0.3}`, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var limitedAt time.Time
			var after []time.Duration
			srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				mu.Lock()
				defer mu.Unlock()
				if n == 1 {
					limitedAt = time.Now()
					tc.set(w)
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = io.WriteString(w, tc.body)
					return
				}
				after = append(after, time.Since(limitedAt))
			})
			var calls atomic.Int32
			var bodies []string
			var bmu sync.Mutex
			_, c, _ := newTransport(t, Config{RetryAfterFromBody: bodyDelay(&calls, &bodies, &bmu)})
			resp, err := get(t, c, srv.URL) // the 429, retried after the pause
			require.NoError(t, err)
			readAll(t, resp)
			// Workers that start after the 429 wait too.
			fan(t, c, srv.URL, 4, 4)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, after, 5)
			for _, d := range after {
				assert.GreaterOrEqual(t, d, tc.want-10*time.Millisecond, "sent before the hint passed")
			}
		})
	}
}

// A request that keeps meeting 429 is retried beyond MaxRetries, for as
// long as the wait budget allows, then gets the 429.
func TestRateLimitRetriesAreBoundedByTime(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After-Ms", "20")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	_, c, _ := newTransport(t, Config{RateLimit: 1000, Burst: 1000,
		Retry: RetryPolicy{MaxRetries: 1, MaxRetryAfter: time.Second, RateLimitBudget: 200 * time.Millisecond}})
	start := time.Now()
	resp, err := get(t, c, srv.URL)
	require.NoError(t, err)
	readAll(t, resp)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Greater(t, n.Load(), int32(2), "more than MaxRetries+1 attempts")
	assert.LessOrEqual(t, int(n.Load()), 200/20+1)
	assert.Less(t, time.Since(start), 3*time.Second, "within the budget and the last wait")
}

// The shared rate comes down on a 429 and climbs back on success, never
// past the configured rate.
func TestRateLimitLowersAndRecovers(t *testing.T) {
	var limited atomic.Bool
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if limited.CompareAndSwap(true, false) {
			w.Header().Set("Retry-After-Ms", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	tr, c, _ := newTransport(t, Config{RateLimit: 2000, Burst: 50})
	do := func() {
		// Slower than the rate (a request at most every millisecond,
		// against 2000/s): the 429 is the rate's, not the burst's (see
		// TestBurstSpentAtOnceShrinksTheBurst).
		time.Sleep(time.Millisecond)
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		readAll(t, resp)
	}
	for range 10 {
		do()
	}
	assert.Equal(t, rate.Limit(2000), tr.Rate())
	limited.Store(true)
	do()
	low := tr.Rate()
	assert.Less(t, float64(low), 2000.0, "a 429 lowers the rate")
	for range 200 {
		do()
	}
	assert.Greater(t, float64(tr.Rate()), float64(low), "successes raise it")
	assert.LessOrEqual(t, float64(tr.Rate()), 2000.0, "never past the configured rate")
}

// A configured allowance that the server does not grant at once: a 429
// while the bucket spends its burst shrinks the burst, not the rate, so the
// next burst after the pause fits the server's bucket.
func TestBurstSpentAtOnceShrinksTheBurst(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 9 { // the server's bucket held 8
			w.Header().Set("Retry-After-Ms", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	tr, c, _ := newTransport(t, Config{RateLimit: 2, Burst: 50, MaxInFlight: 1})
	for range 9 { // one at a time, far faster than 2/s: all from the burst
		resp, err := get(t, c, srv.URL)
		require.NoError(t, err)
		readAll(t, resp)
	}
	assert.Equal(t, rate.Limit(2), tr.Rate(), "the rate stays: the burst was at fault")
	// A little below what the server took before its 429 (some of that
	// may have been its refill), far below the configured 50.
	assert.InDelta(t, 7, tr.pace.lim.Burst(), 1, "the burst is about what the server took before its 429")
}

// A documented "N per window" is a bucket of N: N requests go at once.
func TestDocumentedBudgetBursts(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {})
	_, c, _ := newTransport(t, Config{RateLimit: 2, Burst: 20, MaxInFlight: 20})
	start := time.Now()
	fan(t, c, srv.URL, 20, 20)
	assert.Less(t, time.Since(start), time.Second, "the window's allowance is spent at once, not spaced at 2/s")
	assert.Equal(t, int32(20), n.Load())
}

// Rate-limit headers pause the workers before a 429 would.
func TestRateLimitHeadersPace(t *testing.T) {
	for _, h := range []map[string]string{
		{"RateLimit-Remaining": "0", "RateLimit-Reset": "0.2"},
		{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0.2"},
		{"RateLimit": `"default";r=0;t=0.2`},
		{"X-RateLimit-Remaining-Requests": "0", "X-RateLimit-Reset-Requests": "200ms"},
	} {
		t.Run(fmt.Sprint(h), func(t *testing.T) {
			var mu sync.Mutex
			var times []time.Time
			srv, _ := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
				if n == 1 {
					for k, v := range h {
						w.Header().Set(k, v)
					}
				}
			})
			_, c, obs := newTransport(t, Config{})
			fan(t, c, srv.URL, 1, 2)
			require.Len(t, times, 2)
			assert.GreaterOrEqual(t, times[1].Sub(times[0]), 190*time.Millisecond)
			assert.Zero(t, obs.rateLimits.Load())
		})
	}
}

func TestAllowance(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		h     map[string]string
		rem   int
		reset time.Duration
		ok    bool
	}{
		{map[string]string{"RateLimit-Remaining": "5", "RateLimit-Reset": "3"}, 5, 3 * time.Second, true},
		{map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000010"}, 0, 10 * time.Second, true},
		{map[string]string{"RateLimit": "limit=10, remaining=2, reset=4"}, 2, 4 * time.Second, true},
		{map[string]string{"X-RateLimit-Remaining-Requests": "1", "X-RateLimit-Reset-Requests": "6m0s"}, 1, 6 * time.Minute, true},
		{map[string]string{"RateLimit-Remaining": "x"}, 0, 0, false},
		{map[string]string{}, 0, 0, false},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		rem, reset, ok := allowance(h, now)
		assert.Equal(t, tc.ok, ok, "%v", tc.h)
		assert.Equal(t, tc.rem, rem, "%v", tc.h)
		assert.Equal(t, tc.reset, reset, "%v", tc.h)
	}
}

// One page's failed attempts are counted once across the transport's
// retries and its caller's (WithAttempts): MaxRetries+1 attempts in all.
func TestAttemptsSharedWithCaller(t *testing.T) {
	srv, n := server(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	policy := RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	_, c, _ := newTransport(t, Config{Retry: policy})
	ctx := WithAttempts(t.Context())
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := c.Do(req)
		require.NoError(t, err)
		readAll(t, resp)
		if !Retry(ctx, policy) { // as a caller that fetches the page again
			break
		}
	}
	assert.Equal(t, int32(4), n.Load(), "MaxRetries+1 attempts, not (MaxRetries+1)²")
}

// Requests take the bucket's tokens in the order they asked for them: one
// that waits longest is not overtaken by later ones (whose turn would
// otherwise come by chance, and could starve it past its wait budget).
func TestPacerServesInOrder(t *testing.T) {
	p := newPacer(20, 1)
	_, _, err := p.wait(t.Context(), time.Time{}) // the one token there is
	require.NoError(t, err)
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			_, _, err := p.wait(t.Context(), time.Time{})
			assert.NoError(t, err)
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		})
		time.Sleep(5 * time.Millisecond) // each asks after the one before
	}
	wg.Wait()
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, order)
}
