package httpx

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// The rate model's tests run in a synctest bubble: a fake clock that moves
// only when every goroutine of the test is waiting on it, with a server
// that answers in-process after a fixed latency on that clock. What they
// count (pauses, 429s, waits) then follows from the model and the server
// alone, never from how a loaded machine schedules the goroutines; the
// hints of seconds cost no real time.

// memTransport serves each request in-process with h, latency/2 after it
// is sent, and delivers the answer latency/2 later (on the bubble's clock).
type memTransport struct {
	h       http.Handler
	latency time.Duration
}

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := Sleep(r.Context(), m.latency/2); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	if err := Sleep(r.Context(), m.latency/2); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// memURL is where memServer's server is reached (by no network).
const memURL = "http://api.rolecall.test/"

// memServer is server's twin for a bubble: a base transport that answers
// with h (given the 1-based number of the attempt it serves) after
// latency, and the count of attempts served.
func memServer(latency time.Duration, h func(w http.ResponseWriter, r *http.Request, n int)) (http.RoundTripper, *atomic.Int32) {
	var n atomic.Int32
	return memTransport{latency: latency, h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(w, r, int(n.Add(1)))
	})}, &n
}

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
			synctest.Test(t, func(t *testing.T) {
				s := &bucketServer{lim: rate.NewLimiter(tc.r, tc.burst), hint: tc.hint, grace: 2 * time.Millisecond}
				base, _ := memServer(2*time.Millisecond, func(w http.ResponseWriter, r *http.Request, _ int) { s.ServeHTTP(w, r) })
				tr, c, obs := newTransport(t, Config{Base: base, MaxInFlight: 16,
					Retry: RetryPolicy{MaxRetries: -1, BaseDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond}})
				n := int(tc.r)
				fan(t, c, memURL, 16, n)
				assert.Equal(t, int64(n), s.ok.Load(), "every request succeeds though none may be retried for a 5xx")
				assert.Zero(t, s.early, "no request is sent while a hint runs")
				assert.Equal(t, s.limit.Load(), obs.rateLimits.Load())
				got := tr.Rate()
				tr.pace.mu.Lock()
				pauses, refusals := tr.pace.epoch, tr.pace.refusals
				tr.pace.mu.Unlock()
				// The rate is learnt: the client pauses a few times (the cold
				// start, the estimate), where a client that does not learn
				// pauses about once every burst, n/burst times (40 and more
				// here). A pause's 429s are its own and the requests already
				// in flight when it began, at most MaxInFlight.
				assert.LessOrEqual(t, pauses, 3, "few pauses: the rate is learnt")
				assert.LessOrEqual(t, s.limit.Load(), int64(pauses*16), "a pause's 429s are the requests in flight")
				assert.Less(t, float64(got), math.Inf(1), "a rate was learnt")
				assert.InDelta(t, float64(tc.r), float64(got), float64(tc.r)/4, "the rate learnt is about the server's")
				assert.False(t, refusals, "a bucket's 429s are the rate's")
				t.Logf("%d requests, %d answered 429, %d pauses, learnt %.0f/s", n, s.limit.Load(), pauses, float64(got))
			})
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
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				var limitedAt time.Time
				var after []time.Duration
				base, _ := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
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
				_, c, _ := newTransport(t, Config{Base: base, RetryAfterFromBody: bodyDelay(&calls, &bodies, &bmu)})
				resp, err := get(t, c, memURL) // the 429, retried after the pause
				require.NoError(t, err)
				readAll(t, resp)
				// Workers that start after the 429 wait too.
				fan(t, c, memURL, 4, 4)
				mu.Lock()
				defer mu.Unlock()
				require.Len(t, after, 5)
				for _, d := range after {
					assert.GreaterOrEqual(t, d, tc.want-10*time.Millisecond, "sent before the hint passed")
				}
			})
		})
	}
}

// A request that keeps meeting 429 is retried beyond MaxRetries, for as
// long as the wait budget allows, then gets the 429.
func TestRateLimitRetriesAreBoundedByTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After-Ms", "20")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		_, c, _ := newTransport(t, Config{Base: base, RateLimit: 1000, Burst: 1000,
			Retry: RetryPolicy{MaxRetries: 1, MaxRetryAfter: time.Second, RateLimitBudget: 200 * time.Millisecond}})
		start := time.Now()
		resp, err := get(t, c, memURL)
		require.NoError(t, err)
		readAll(t, resp)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Greater(t, n.Load(), int32(2), "more than MaxRetries+1 attempts")
		assert.LessOrEqual(t, int(n.Load()), 200/20+1)
		assert.Less(t, time.Since(start), 3*time.Second, "within the budget and the last wait")
	})
}

// The shared rate comes down on a 429 and climbs back on success, never
// past the configured rate.
func TestRateLimitLowersAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var limited atomic.Bool
		base, _ := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			if limited.CompareAndSwap(true, false) {
				w.Header().Set("Retry-After-Ms", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		})
		tr, c, _ := newTransport(t, Config{Base: base, RateLimit: 2000, Burst: 50})
		do := func() {
			// Slower than the rate (a request at most every millisecond,
			// against 2000/s): the 429 is the rate's, not the burst's (see
			// TestBurstSpentAtOnceShrinksTheBurst).
			time.Sleep(time.Millisecond)
			resp, err := get(t, c, memURL)
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
	})
}

// A configured allowance that the server does not grant at once: a 429
// while the bucket spends its burst shrinks the burst, not the rate, so the
// next burst after the pause fits the server's bucket.
func TestBurstSpentAtOnceShrinksTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, _ := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 9 { // the server's bucket held 8
				w.Header().Set("Retry-After-Ms", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		})
		tr, c, _ := newTransport(t, Config{Base: base, RateLimit: 2, Burst: 50, MaxInFlight: 1})
		for range 9 { // one at a time, far faster than 2/s: all from the burst
			resp, err := get(t, c, memURL)
			require.NoError(t, err)
			readAll(t, resp)
		}
		assert.Equal(t, rate.Limit(2), tr.Rate(), "the rate stays: the burst was at fault")
		// A little below what the server took before its 429 (some of that
		// may have been its refill), far below the configured 50.
		assert.InDelta(t, 7, tr.pace.lim.Burst(), 1, "the burst is about what the server took before its 429")
	})
}

// A documented "N per window" is a bucket of N: N requests go at once.
func TestDocumentedBudgetBursts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {})
		_, c, _ := newTransport(t, Config{Base: base, RateLimit: 2, Burst: 20, MaxInFlight: 20})
		start := time.Now()
		fan(t, c, memURL, 20, 20)
		assert.Less(t, time.Since(start), time.Second, "the window's allowance is spent at once, not spaced at 2/s")
		assert.Equal(t, int32(20), n.Load())
	})
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
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				var times []time.Time
				base, _ := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
					mu.Lock()
					times = append(times, time.Now())
					mu.Unlock()
					if n == 1 {
						for k, v := range h {
							w.Header().Set(k, v)
						}
					}
				})
				_, c, obs := newTransport(t, Config{Base: base})
				fan(t, c, memURL, 1, 2)
				require.Len(t, times, 2)
				assert.GreaterOrEqual(t, times[1].Sub(times[0]), 190*time.Millisecond)
				assert.Zero(t, obs.rateLimits.Load())
			})
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
	synctest.Test(t, func(t *testing.T) {
		base, n := memServer(time.Millisecond, func(w http.ResponseWriter, r *http.Request, n int) {
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		policy := RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
		_, c, _ := newTransport(t, Config{Base: base, Retry: policy})
		ctx := WithAttempts(t.Context())
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, memURL, nil)
			resp, err := c.Do(req)
			require.NoError(t, err)
			readAll(t, resp)
			if !Retry(ctx, policy) { // as a caller that fetches the page again
				break
			}
		}
		assert.Equal(t, int32(4), n.Load(), "MaxRetries+1 attempts, not (MaxRetries+1)²")
	})
}

// Requests take the bucket's tokens in the order they asked for them: one
// that waits longest is not overtaken by later ones (whose turn would
// otherwise come by chance, and could starve it past its wait budget).
func TestPacerServesInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(20, 1)
		_, _, err := p.wait(t.Context(), time.Time{}, false) // the one token there is
		require.NoError(t, err)
		var mu sync.Mutex
		var order []int
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Go(func() {
				_, _, err := p.wait(t.Context(), time.Time{}, false)
				assert.NoError(t, err)
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
			})
			time.Sleep(5 * time.Millisecond) // each asks after the one before
		}
		wg.Wait()
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, order)
	})
}

// A single 429 never exhausts a listing. One refusal early on (the second
// request, as a listing's first pages go one at a time) tells the model
// little of the server's rate, and it starts low (about a request a
// second here, climbing as requests pass); but the wait for the
// transport's own tokens is not the server's refusal and spends no wait
// budget, so the refused request, queued behind the workers that came
// meanwhile, still goes. (Before, it failed at once with its 429, its
// token due past its budget: the openai conformance test
// RateLimitedThenSuccess failed that way about once in three runs.)
func TestSingleRefusalNeverExhausts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		p := newPacer(0, 0)
		backoff := func(int) time.Duration { return 0 }
		tk, _, err := p.wait(ctx, time.Time{}, false)
		require.NoError(t, err)
		p.done(tk, http.StatusOK, nil, 0, false, backoff)
		tk, _, err = p.wait(ctx, time.Time{}, false)
		require.NoError(t, err)
		p.done(tk, http.StatusTooManyRequests, nil, time.Second, true, backoff)
		time.Sleep(1100 * time.Millisecond) // the pause is over
		var wg sync.WaitGroup
		for range 16 { // workers that ask before the refused request does again
			wg.Go(func() {
				tk, _, err := p.wait(ctx, time.Time{}, false)
				if assert.NoError(t, err) {
					p.done(tk, http.StatusOK, nil, 0, false, backoff)
				}
			})
			synctest.Wait()
		}
		tk, _, err = p.wait(ctx, time.Now().Add(3*time.Second), true)
		require.NoError(t, err, "the refused request goes, its budget unspent by the line")
		p.done(tk, http.StatusOK, nil, 0, false, backoff)
		wg.Wait()
	})
}

// refuser refuses the first call of every distinct request (its path) with
// 429, hinting as hint says by the request's number (a second, two, or
// nothing), and answers the ones in always 429 every time: refusals that
// do not follow the rate.
type refuser struct {
	mu     sync.Mutex
	seen   map[string]int
	always string
	hint   func(w http.ResponseWriter, i int)
	ok     atomic.Int64
}

func (s *refuser) serve(w http.ResponseWriter, r *http.Request, _ int) {
	s.mu.Lock()
	calls := s.seen[r.URL.Path]
	s.seen[r.URL.Path]++
	s.mu.Unlock()
	if calls == 0 || r.URL.Path == s.always {
		var i int
		_, _ = fmt.Sscanf(r.URL.Path, "/r/%d", &i)
		s.hint(w, i)
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.ok.Add(1)
}

// Refusals that do not follow the rate (every distinct request refused
// once, whatever the rate) are told from a rate limit: after the probes
// that follow two pauses are refused, a 429 pauses no one and lowers
// nothing, each request waits its own hint as a failed attempt, and the
// listing takes about as long as one whose requests each wait their own
// hint (on the bubble's clock, not the machine's), where reading each 429
// as the rate's paused every worker for every request. A request refused
// every time still ends, after the policy's attempts.
func TestRefusalsAreNotTheRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		hint func(w http.ResponseWriter, i int)
		wait time.Duration // the longest a request waits for its refusal
	}{
		{"one or two seconds", func(w http.ResponseWriter, i int) { w.Header().Set("Retry-After", fmt.Sprint(1+i%2)) }, 2 * time.Second},
		{"some without a hint", func(w http.ResponseWriter, i int) {
			if i%3 != 0 {
				w.Header().Set("Retry-After", "1")
			}
		}, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const workers, n, latency = 16, 320, 10 * time.Millisecond
				s := &refuser{seen: map[string]int{}, always: "/r/always", hint: tc.hint}
				base, _ := memServer(latency, s.serve)
				policy := RetryPolicy{MaxRetries: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: time.Second, MaxRetryAfter: 3 * time.Second}
				tr, c, _ := newTransport(t, Config{Base: base, MaxInFlight: workers, Retry: policy})
				start := time.Now()
				var next atomic.Int64
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						for i := next.Add(1); i <= n; i = next.Add(1) {
							resp, err := get(t, c, fmt.Sprintf("%sr/%d", memURL, i))
							if assert.NoError(t, err) {
								assert.Equal(t, http.StatusOK, resp.StatusCode)
								readAll(t, resp)
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				assert.Equal(t, int64(n), s.ok.Load(), "every request gets through")
				tr.pace.mu.Lock()
				refusals, pauses := tr.pace.refusals, tr.pace.epoch
				tr.pace.mu.Unlock()
				assert.True(t, refusals, "the 429s are taken for refusals")
				// A pause ends with a probe; a retried request, whose retry
				// this server lets through, is often first in line, and
				// the probe passes. A few such pauses before two probes
				// are refused, where reading every 429 as the rate's
				// pauses for every wave of new requests, n/workers times.
				assert.LessOrEqual(t, pauses, n/workers/2, "few pauses")
				assert.Equal(t, rate.Inf, tr.Rate(), "the rate is the one before the 429s began")
				// A client that retries each request on its own hint: each
				// worker's requests take two round trips and a wait each.
				own := time.Duration(n/workers) * (tc.wait + 2*latency)
				assert.LessOrEqual(t, elapsed, 2*own, "within twice the time of a client that waits each hint alone")
				t.Logf("%d requests in %v (own-hint client: at most %v), %d pauses", n, elapsed, own, pauses)

				// A request refused every time ends with its 429 after the
				// policy's attempts, not the 3-minute wait budget.
				resp, err := get(t, c, memURL+"r/always")
				require.NoError(t, err)
				readAll(t, resp)
				assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
				assert.Equal(t, policy.MaxRetries+1, s.seen[s.always], "MaxRetries+1 attempts")
			})
		})
	}
}
