package httpx

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// bucketAnswers sends requests at times (seconds from t0) through a token
// bucket of burst b and rate r, full at the start, and returns the answers
// as a client sees them: each arrives jitter (at most) after the server
// decided, so that near-simultaneous answers may come out of order.
func bucketAnswers(t0 time.Time, times []float64, b int, r float64, jitter time.Duration, rnd *rand.Rand) []answer {
	lim := rate.NewLimiter(rate.Limit(r), b)
	var as []answer
	for _, s := range times {
		at := t0.Add(time.Duration(s * float64(time.Second)))
		ok := lim.AllowN(at, 1)
		if jitter > 0 {
			at = at.Add(time.Duration(rnd.Int64N(int64(jitter))))
		}
		as = append(as, answer{at: at, ok: ok})
	}
	// The client sees them in the order they arrive.
	for i := 1; i < len(as); i++ {
		for j := i; j > 0 && as[j].at.Before(as[j-1].at); j-- {
			as[j], as[j-1] = as[j-1], as[j]
		}
	}
	return as
}

// A cold wave of 17 at once, 15 let through, then requests paced faster
// than the server's rate until one is refused: the fit finds the burst
// (exactly, up to 64) and the rate within a few percent, for several shapes, through
// a millisecond of jitter.
func TestFitBucketFindsBurstAndRate(t *testing.T) {
	for _, tc := range []struct {
		b int
		r float64
	}{{15, 50}, {5, 200}, {30, 300}, {6, 50}, {100, 20}} {
		rnd := rand.New(rand.NewPCG(uint64(tc.b), uint64(tc.r)))
		t0 := time.Now()
		var times []float64
		for range tc.b + 2 {
			times = append(times, 0)
		}
		// A pause of a second (the bucket refills), then 1.3× its rate
		// until the first refusal, and the three requests already on
		// their way then.
		lim := rate.NewLimiter(rate.Limit(tc.r), tc.b)
		for _, s := range times {
			lim.AllowN(t0.Add(time.Duration(s*float64(time.Second))), 1)
		}
		for s, after := 1.0, -1; after < 3; s += 1 / (1.3 * tc.r) {
			times = append(times, s)
			if after >= 0 || !lim.AllowN(t0.Add(time.Duration(s*float64(time.Second))), 1) {
				after++
			}
		}
		as := bucketAnswers(t0, times, tc.b, tc.r, time.Millisecond, rnd)
		f, ok := fitBucket(as, t0, startFull, 1024, maxLearnt)
		require.True(t, ok)
		// Exact up to 64; beyond, on a grid 5% apart.
		assert.InEpsilon(t, tc.b, f.burst, 0.05, "burst of %v", tc)
		assert.LessOrEqual(t, f.burst, tc.b, "burst of %v", tc)
		assert.False(t, f.openLo || f.openHi, "the rate is bounded: %+v", f)
		assert.InEpsilon(t, tc.r, float64(f.rate()), 0.05, "rate of %v: %+v", tc, f)
		assert.LessOrEqual(t, f.cost, 2, "the answers are a bucket's: %+v", f)
	}
}

// The cold wave alone bounds the rate roughly (from the answers decided
// while its first 429 was on its way), or not at all.
func TestFitBucketColdWave(t *testing.T) {
	t0 := time.Now()
	times := make([]float64, 17) // 17 at once, then 16 more 50ms later
	for range 16 {
		times = append(times, 0.05)
	}
	f, ok := fitBucket(bucketAnswers(t0, times, 15, 50, 0, nil), t0, startFull, 1024, maxLearnt)
	require.True(t, ok)
	assert.Equal(t, 15, f.burst)
	assert.False(t, f.openHi, "the second wave bounds it from above")
	assert.LessOrEqual(t, float64(f.lo), 50.0)
	assert.GreaterOrEqual(t, float64(f.hi), 50.0)

	f, ok = fitBucket(bucketAnswers(t0, times[:17], 15, 50, 0, nil), t0, startFull, 1024, maxLearnt)
	require.True(t, ok)
	assert.Equal(t, 15, f.burst)
	assert.True(t, f.openHi, "one wave bounds no rate")
}

// No 429, or nothing let through: nothing to fit.
func TestFitBucketNeedsBoth(t *testing.T) {
	t0 := time.Now()
	_, ok := fitBucket([]answer{{t0, true}, {t0.Add(time.Second), true}}, t0, startFull, 10, maxLearnt)
	assert.False(t, ok)
	_, ok = fitBucket([]answer{{t0, false}, {t0.Add(time.Second), false}}, t0, startFull, 10, maxLearnt)
	assert.False(t, ok)
}

// Refusals at random (one request in five) are not a bucket's: the best
// fit leaves many answers unexplained, more than the rate model accepts.
func TestFitBucketRandomRefusals(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	t0 := time.Now()
	var as []answer
	for i := range 200 {
		as = append(as, answer{at: t0.Add(time.Duration(i) * 10 * time.Millisecond), ok: rnd.IntN(5) != 0})
	}
	f, ok := fitBucket(as, t0, startFull, 1024, maxLearnt)
	require.True(t, ok)
	assert.Greater(t, float64(f.cost), misfit*float64(len(as)), "%+v", f)
}

func BenchmarkFitBucket(b *testing.B) {
	t0 := time.Now()
	var times []float64
	for i := range 1000 {
		times = append(times, float64(i)/60)
	}
	as := bucketAnswers(t0, times, 15, 50, time.Millisecond, rand.New(rand.NewPCG(1, 1)))
	for b.Loop() {
		fitBucket(as, t0, startFull, 1024, maxLearnt)
	}
}
