package httpx

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// An answer is what the rate model keeps of one response: when it arrived
// and whether the server let the request through (2xx) or refused it
// (429). A server decides at about the time it answers, so the order and
// spacing of answers is the best view a client has of the server's bucket.
type answer struct {
	at time.Time
	ok bool
}

// bucketStart is what is known of the server's bucket at the first answer
// of a fit.
type bucketStart int8

const (
	startFull    bucketStart = iota // a cold start: nothing was sent before
	startEmpty                      // just after a 429 (the window begins at it)
	startUnknown                    // either; the fit tries both
)

// A bucketFit is the token bucket that best explains a run of answers:
// its burst, the interval of rates that explain them equally well, and
// how many answers it cannot explain (0 for a token-bucket server seen
// through a steady network; random 429s, or another kind of limit, leave
// more).
type bucketFit struct {
	burst  int
	lo, hi rate.Limit
	cost   int
	// openLo and openHi report an interval that reaches the grid's end:
	// the answers bound the rate on one side only.
	openLo, openHi bool
}

// rate returns the fit's best single rate: the interval's lower end when
// it is narrow (within narrowFit), its geometric middle when it is wide,
// twice its bound when the answers bound it from below only, and half of
// it from above only.
func (f bucketFit) rate() rate.Limit {
	switch {
	case f.openHi:
		return 2 * f.lo
	case f.openLo:
		return f.hi / 2
	case f.hi <= f.lo*narrowFit:
		return f.lo
	}
	return rate.Limit(math.Sqrt(float64(f.lo) * float64(f.hi)))
}

// narrowFit is the widest interval of rates (hi/lo) whose lower end is
// taken: the answers tell the rate; a wider one only brackets it.
const narrowFit = 1.25

// clusterGap is how close answers must arrive to be taken as decided
// together: within it (from the first of them), the order in which a
// server looked at requests is lost in the scheduling of their answers.
const clusterGap = 4 * time.Millisecond

// cluster is a run of answers that arrived within clusterGap of its first.
type cluster struct {
	t, span float64 // seconds since the fit's origin; the run's length
	n, ok   int
}

func clusters(answers []answer, origin time.Time) []cluster {
	var cs []cluster
	for _, a := range answers {
		t := a.at.Sub(origin).Seconds()
		if len(cs) > 0 && t-cs[len(cs)-1].t <= clusterGap.Seconds() {
			c := &cs[len(cs)-1]
			c.span = t - c.t
			c.n++
			if a.ok {
				c.ok++
			}
			continue
		}
		c := cluster{t: t, n: 1}
		if a.ok {
			c.ok = 1
		}
		cs = append(cs, c)
	}
	return cs
}

// cost simulates a bucket of burst b refilled at r through the clusters
// and counts the answers it does not explain: for each cluster, how far
// the passes it allows are from those the server allowed. The bucket
// then spends what the server did, so one surprise costs once.
func cost(cs []cluster, b, r float64, level float64) int {
	n, t := 0, 0.0
	for _, c := range cs {
		level = min(b, level+r*(c.t-t))
		avail := min(b, level+r*c.span)
		pred := min(c.n, int(avail))
		if d := pred - c.ok; d < 0 {
			n -= d
		} else {
			n += d
		}
		level = max(0, avail-float64(c.ok))
		t = c.t + c.span
	}
	return n
}

// Grid of the fit: bursts one by one up to exactBursts, then by burstStep;
// rates by coarseStep, then around the best by fineStep.
const (
	exactBursts = 64
	burstStep   = 1.05
	coarseStep  = 1.15
	fineStep    = 1.005
)

// fitBucket finds the token bucket (burst at most maxBurst, rate between
// minRate and maxRate) that best explains answers, which arrived in order
// from start on, the bucket being as start says at start (startFull: at
// the first answer). Among bursts that explain them equally well it takes
// the smallest; ok is false when there is nothing to fit (no 429, or
// nothing let through).
func fitBucket(answers []answer, start time.Time, state bucketStart, maxBurst int, maxRate rate.Limit) (f bucketFit, ok bool) {
	refused, passed := false, false
	for _, a := range answers {
		refused, passed = refused || !a.ok, passed || a.ok
	}
	if !refused || !passed || maxBurst < 1 || maxRate <= minRate {
		return f, false
	}
	if state == startFull {
		start = answers[0].at
	}
	cs := clusters(answers, start)
	// A burst larger than what got through before the first refusal
	// (from a full bucket), or at all, explains nothing more.
	passes, before := 0, -1
	for _, c := range cs {
		passes += c.ok
		if before < 0 && c.ok < c.n {
			before = passes
		}
	}
	maxBurst = min(maxBurst, passes+1)
	if state == startFull {
		maxBurst = min(maxBurst, before+1)
	}
	costAt := func(b int, r float64) int {
		switch state {
		case startFull:
			return cost(cs, float64(b), r, float64(b))
		case startEmpty:
			return cost(cs, float64(b), r, 0)
		}
		return min(cost(cs, float64(b), r, float64(b)), cost(cs, float64(b), r, 0))
	}
	hi := float64(maxRate)
	// The coarse scan finds, for each burst, where the rates that explain
	// the answers best lie; the fine scan finds that interval's ends, for
	// the bursts that came near the best.
	type band struct {
		b      int
		lo, hi float64
		cost   int
	}
	var bands []band
	coarseBest := math.MaxInt
	for b := 1; b <= maxBurst; b = nextBurst(b) {
		bd := band{b: b, cost: math.MaxInt}
		for r := float64(minRate); r <= hi; r *= coarseStep {
			switch c := costAt(b, r); {
			case c < bd.cost:
				bd.lo, bd.hi, bd.cost = r, r, c
			case c == bd.cost:
				bd.hi = r
			}
		}
		bands = append(bands, bd)
		coarseBest = min(coarseBest, bd.cost)
	}
	best := math.MaxInt
	for _, bd := range bands {
		if bd.cost > coarseBest+1 {
			continue
		}
		// The band's ends, each within a coarse step on either side
		// (the two ranges are one when the band is a single step wide).
		fLo, fHi, fBest := 0.0, 0.0, math.MaxInt
		scan := func(from, to float64) {
			for r := max(float64(minRate), from); r <= min(hi, to); r *= fineStep {
				switch c := costAt(bd.b, r); {
				case c < fBest:
					fLo, fHi, fBest = r, r, c
				case c == fBest:
					fLo, fHi = min(fLo, r), max(fHi, r)
				}
			}
		}
		if bd.hi/bd.lo <= coarseStep*coarseStep {
			scan(bd.lo/coarseStep, bd.hi*coarseStep)
		} else {
			scan(bd.lo/coarseStep, bd.lo*coarseStep)
			scan(bd.hi/coarseStep, bd.hi*coarseStep)
		}
		switch {
		case fBest < best:
			best = fBest
			f = bucketFit{burst: bd.b, lo: rate.Limit(fLo), hi: rate.Limit(fHi), cost: fBest}
		case fBest == best:
			// A larger burst that explains the answers as well: the rate
			// it needs belongs to the interval (the burst stays the
			// smallest).
			f.lo, f.hi = min(f.lo, rate.Limit(fLo)), max(f.hi, rate.Limit(fHi))
		}
	}
	f.openLo, f.openHi = float64(f.lo) <= float64(minRate)*fineStep, float64(f.hi)*coarseStep > hi
	return f, best != math.MaxInt
}

func nextBurst(b int) int {
	if b < exactBursts {
		return b + 1
	}
	return max(b+1, int(float64(b)*burstStep))
}
