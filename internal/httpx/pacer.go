package httpx

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer is a Transport's rate model, shared by every request it sends (all
// the workers of a driver's listings): a token bucket (golang.org/x/time/rate)
// whose rate adapts to the server, and a pause that holds every request
// until a time the server named.
//
// A 429 pauses every worker until its hint (Retry-After, Retry-After-Ms, a
// body field; a backoff without one), and lowers the rate, once per epoch
// (the requests sent since the last pause). The first 429 from a cold start
// tells the server's burst B (what got through) and a lower bound of its
// rate; from there the rate climbs quickly, doubling about every quarter
// second. A later 429 tells the server's rate R: everything sent in the
// epoch before the 429's request got through, from a full bucket, so
// R ≈ (sent−B)/T (or, for a short epoch, from the climb's overshoot of about
// √(2·c·R·B)). Once estimated the rate sits below R and climbs slowly, back
// up to the configured rate; a 429 then takes it down by a share at least
// (AIMD). Response headers announcing the remaining allowance (RateLimit-*,
// X-RateLimit-*) pause the workers before a 429 would.
type pacer struct {
	mu         sync.Mutex
	lim        *rate.Limiter
	configured rate.Limit // the documented or chosen rate; 0: unknown
	burst      int        // the server's burst, as configured or learnt (0: not yet)
	probing    bool       // the rate is a lower bound, not an estimate
	paused     time.Time  // no request is sent before
	epoch      int        // counts pauses; a request carries the epoch it was sent in
	epochStart time.Time
	sent, ok   int // requests sent and answered with success in this epoch
	hits       int // consecutive 429s without a hint, for their backoff
	inFlight   int
	coldEpoch  int        // the epoch that ended with the first 429 that taught a rate (-1: none yet)
	coldOK     int        // the successes of that epoch
	proven     rate.Limit // the highest rate that ran a second without a 429
}

// ticket is what the pacer knows of a request it let go: its epoch, its
// place in the epoch and when it went.
type ticket struct {
	epoch, seq int
	at         time.Time
}

// Tuning of the rate model.
const (
	estimateShare  = 0.9          // of the estimated server rate, once estimated
	probeClimb     = 2.8          // added per success while probing: ×2 every ~0.25s
	settledClimb   = 1.0 / 4000.0 // share of the rate added per success once estimated
	minRate        = 0.2          // requests per second, the lowest the model goes
	shortEpoch     = time.Second  // the cold epoch's rate is what got through in this long
	decrease       = 0.85         // the rate's multiplicative decrease once estimated
	headerPauseMax = time.Minute  // the longest a RateLimit-Reset pause is honoured
)

func newPacer(r rate.Limit, burst int) *pacer {
	p := &pacer{configured: r, epochStart: time.Now(), coldEpoch: -1}
	switch {
	case r > 0:
		p.burst = max(burst, 1)
		p.lim = rate.NewLimiter(r, p.burst)
	default:
		p.lim = rate.NewLimiter(rate.Inf, 1)
	}
	return p
}

// limit returns the current rate (rate.Inf: none yet).
func (p *pacer) limit() rate.Limit {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lim.Limit()
}

// errBudget reports a wait that would pass the request's deadline for
// 429 retries.
var errBudget = errors.New("the rate-limit wait budget is spent")

// wait holds a request until the pause is over and the bucket has a token
// for it, and returns the epoch it is sent in and how long it waited.
// Nothing is sent before a pause ends, even by a request that took its
// token before the pause began. A wait that would end after deadline (if
// not zero) returns errBudget at once.
func (p *pacer) wait(ctx context.Context, deadline time.Time) (tk ticket, waited time.Duration, err error) {
	start := time.Now()
	for {
		p.mu.Lock()
		now := time.Now()
		if d := p.paused.Sub(now); d > 0 {
			p.mu.Unlock()
			if !deadline.IsZero() && now.Add(d).After(deadline) {
				return tk, time.Since(start), errBudget
			}
			if err := Sleep(ctx, d); err != nil {
				return tk, time.Since(start), err
			}
			continue
		}
		r := p.lim.ReserveN(now, 1)
		p.mu.Unlock()
		if d := r.DelayFrom(now); d > 0 && !deadline.IsZero() && now.Add(d).After(deadline) {
			r.CancelAt(now)
			return tk, time.Since(start), errBudget
		} else if d > 0 {
			if err := Sleep(ctx, d); err != nil {
				r.Cancel()
				return tk, time.Since(start), err
			}
			p.mu.Lock()
			paused := time.Now().Before(p.paused)
			p.mu.Unlock()
			if paused {
				continue // a pause began meanwhile: wait it out too
			}
		}
		p.mu.Lock()
		p.sent++
		p.inFlight++
		tk = ticket{epoch: p.epoch, seq: p.sent, at: time.Now()}
		p.mu.Unlock()
		return tk, time.Since(start), nil
	}
}

// done records the answer to a request sent in epoch (status 0: no
// answer), with the header-announced allowance, and returns, for a 429,
// how long every worker now waits.
func (p *pacer) done(tk ticket, status int, h http.Header, hint time.Duration, hinted bool, backoff func(int) time.Duration) time.Duration {
	epoch := tk.epoch
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	now := time.Now()
	if status == http.StatusTooManyRequests {
		first := epoch == p.epoch // the first 429 of its epoch
		d := hint
		switch {
		case !hinted && first:
			d = backoff(p.hits)
			p.hits++
		case !hinted:
			d = 0 // sent before the pause: the pause already answers it
		}
		if first {
			p.slowDown(now, tk)
			p.epoch++
		}
		if until := now.Add(d); until.After(p.paused) {
			p.paused = until
		}
		p.epochStart, p.sent, p.ok = p.paused, 0, 0
		return max(p.paused.Sub(now), 0)
	}
	if status < 200 || status >= 300 {
		return 0
	}
	p.hits = 0
	switch {
	case epoch == p.epoch:
		p.ok++
		if now.Sub(p.epochStart) >= shortEpoch && now.After(p.paused) {
			p.proven = max(p.proven, p.lim.Limit()) // a second without a 429
		}
		p.speedUp()
	case epoch == p.coldEpoch && p.epoch == p.coldEpoch+1 && p.probing:
		// An answer from the cold epoch, arriving after its first 429:
		// it raises the lower bound of the rate (not the burst: it may
		// have taken the server's refill).
		p.coldOK++
		p.lim.SetLimit(max(p.lim.Limit(), rate.Limit(float64(p.coldOK)/shortEpoch.Seconds())))
	}
	if remaining, reset, ok := allowance(h, now); ok && remaining <= p.inFlight && reset > 0 {
		// The server's window is spent (or will be by the requests already
		// in flight): wait for its reset rather than draw a 429.
		if until := now.Add(min(reset, headerPauseMax)); until.After(p.paused) {
			p.paused = until
		}
	}
	return 0
}

// slowDown lowers the rate after the first 429 of an epoch.
func (p *pacer) slowDown(now time.Time, tk ticket) {
	elapsed := now.Sub(p.epochStart)
	cur := p.lim.Limit()
	var est rate.Limit
	switch {
	case cur == rate.Inf && p.ok == 0:
		return // nothing got through: nothing learnt but the pause
	case cur == rate.Inf:
		// The first 429 of all, from a cold start: what got through is
		// the server's burst (and a little of its refill), and what got
		// through in a second a lower bound of its rate to climb from.
		p.burst = max(p.ok, 1)
		p.coldEpoch, p.coldOK = p.epoch, p.ok
		est = rate.Limit(float64(max(p.ok, 1)) / max(elapsed, shortEpoch).Seconds())
		p.probing = true
	case p.probing && tk.seq <= p.lim.Burst(), p.configured > 0 && tk.seq <= p.lim.Burst() &&
		float64(tk.seq-1) > float64(cur)*tk.at.Sub(p.epochStart).Seconds()+1:
		// A 429 while the bucket was still spending its burst (more went
		// than its rate refills): it sent at once more than the server's
		// held, before the climb began, or a configured window's allowance
		// that the server does not grant at once. A smaller burst (not
		// above what went through before this request), the same rate.
		p.lim.SetBurst(max(1, min(tk.seq-1, p.lim.Burst()*3/4)))
		est = cur
	case tk.at.Sub(p.epochStart) >= shortEpoch/4 && tk.seq-1 > p.burst:
		// Everything sent before the 429's request got through (the
		// server's bucket ran dry just then), starting from a full bucket:
		// B + R·T requests in T. (What the server's bucket could not hold
		// while the climb was below R is missing: the estimate errs low.)
		t := tk.at.Sub(p.epochStart).Seconds()
		est = rate.Limit(float64(tk.seq-1-p.burst) / t)
		if !p.probing {
			est = min(est, cur*estimateShare)
		}
		p.probing = false
	case p.probing:
		// The climb (dr/dt = probeClimb·r) passed the server's rate R and
		// drained its bucket of burst B: the overshoot is about
		// √(2·probeClimb·R·B), so cur ≈ R + √(2·probeClimb·B)·√R.
		sq := math.Sqrt(2 * probeClimb * float64(max(p.burst, 1)))
		x := (-sq + math.Sqrt(sq*sq+4*float64(cur))) / 2
		est = rate.Limit(estimateShare * x * x)
		p.probing = false
	default:
		est = cur * decrease
	}
	if p.proven != rate.Inf {
		// One 429 does not take the rate below half of one that served a
		// whole second without any.
		est = max(est, p.proven/2)
	}
	if p.configured > 0 {
		est = min(est, p.configured)
	}
	est = max(est, minRate)
	if cur == rate.Inf {
		// Leaving "no limit": a fresh bucket, full when the pause ends,
		// as the server's is, and a little smaller than what got through
		// (some of that was the server's refill).
		p.lim = rate.NewLimiter(est, max(1, p.burst*3/4))
		return
	}
	p.lim.SetLimitAt(now, est)
}

// speedUp raises the rate after a success.
func (p *pacer) speedUp() {
	cur := p.lim.Limit()
	if cur == rate.Inf {
		return
	}
	// At least a request a second more each five seconds (dr/dt ≥ 0.2),
	// so that a low rate recovers; a share of the rate per success above
	// that.
	next := cur + max(cur*settledClimb, 0.2/cur)
	if p.probing {
		next = cur + probeClimb
	}
	if p.configured > 0 {
		next = min(next, p.configured)
	}
	if next != cur {
		p.lim.SetLimit(next)
	}
}

// allowance reads the requests left in the server's current window and
// when it resets, from RateLimit-Remaining/-Reset (IETF draft), the
// combined RateLimit field ("remaining=…, reset=…"), X-RateLimit-Remaining
// and -Reset (seconds, or a Unix time), or OpenAI's
// x-ratelimit-remaining-requests and -reset-requests ("1s", "6m0s").
func allowance(h http.Header, now time.Time) (remaining int, reset time.Duration, ok bool) {
	get := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(h.Get(n)); v != "" {
				return v
			}
		}
		return ""
	}
	rem := get("RateLimit-Remaining", "X-RateLimit-Remaining", "X-RateLimit-Remaining-Requests")
	rst := get("RateLimit-Reset", "X-RateLimit-Reset", "X-RateLimit-Reset-Requests")
	if rem == "" {
		for _, part := range strings.Split(h.Get("RateLimit"), ",") {
			for _, kv := range strings.Split(part, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				switch strings.ToLower(k) {
				case "remaining", "r":
					rem = v
				case "reset", "t":
					rst = v
				}
			}
		}
	}
	n, err := strconv.Atoi(rem)
	if err != nil || n < 0 {
		return 0, 0, false
	}
	return n, resetAfter(rst, now), true
}

// resetAfter reads a window reset: delta seconds, a Unix time, or a Go-like
// duration ("1s", "6m0s", "20ms").
func resetAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && !math.IsInf(f, 0) {
		if f > 1e9 { // a Unix time, not a delta
			return max(time.Unix(int64(f), 0).Sub(now), 0)
		}
		return time.Duration(min(f, 86400) * float64(time.Second))
	}
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return min(d, 24*time.Hour)
	}
	return 0
}
