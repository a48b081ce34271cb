package facade

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/rolecall/rolecall/facade/internal/counters"
	"github.com/rolecall/rolecall/internal/httpx"
)

// Options are the settings every driver shares. The zero value is ready to
// use: each driver fills in its provider's documented defaults.
type Options struct {
	// BaseURL is the provider's API root. Plain http is refused except for
	// loopback hosts. Each driver documents its default.
	BaseURL string
	// HTTPClient sends the requests; its Transport is wrapped with
	// retries, rate limiting and credentials. nil: a client with sensible
	// connection pooling.
	HTTPClient *http.Client
	// PageSize is the page size to ask for; 0 means the largest the API
	// allows, which is also the fewest requests.
	PageSize int
	// Concurrency bounds the requests in flight. 0 means the driver's
	// default: DefaultConcurrency, unless the driver documents its own
	// (openai.DefaultConcurrency and logto.DefaultConcurrency: their
	// listings are many small requests). More than MaxConcurrency is an
	// error.
	Concurrency int
	// Retry is the retry policy (zero value: the defaults: 4 retries of a
	// failed attempt, 429s retried for up to 3 minutes).
	Retry RetryPolicy
	// RateLimit is the client-side request rate per second, shared by all
	// of a driver's workers. 0 means the provider's documented limit, spent
	// as a budget: a token bucket holding the documented window's
	// allowance (Cortex 1000 a minute, Logto Cloud 200 per 10 s), so that
	// a short listing runs at full concurrency and a long one settles at
	// the documented rate; OpenAI and Vectara document none. A positive
	// rate is spent evenly (a bucket of one request), which no server's
	// burst, however small, refuses. Negative means no
	// client-side limit. In every case the server's 429s and rate-limit
	// headers pause every worker until the time the server names, and
	// lower the rate (learnt from them when none is known), which climbs
	// back on success.
	RateLimit float64
	// RequestTimeout bounds one attempt (default 60s); the caller's
	// context bounds the whole listing.
	RequestTimeout time.Duration
	// Logger receives debug lines about requests (method, host, path,
	// status, attempt; never credentials, query strings or bodies) and
	// warnings, such as a total the listing did not reach. nil: discard.
	Logger *slog.Logger
	// Stats, if set, counts the driver's work as it happens (for progress
	// displays).
	Stats *Stats
	// MaxBodyBytes caps one response body (default 64 MiB).
	MaxBodyBytes int64
	// MaxPages bounds a listing's pages, all its paged walks together (a
	// walk per OpenAI user, per Logto role) as well as each one (default
	// 100000): a server that keeps announcing more pages, or reports a page
	// count past it, ends the listing with InvalidResponse instead of a
	// loop.
	MaxPages int
}

// RetryPolicy says when and how long to wait before a request is tried
// again; its zero value is the default policy (see its fields). It is the
// one retry policy of rolecall: the drivers hand it to their shared HTTP
// transport as given.
type RetryPolicy = httpx.RetryPolicy

// DefaultConcurrency is the number of requests in flight when
// Options.Concurrency is zero.
const DefaultConcurrency = 8

// MaxConcurrency is the most requests in flight Options.Concurrency may ask
// for: far past what any provider's rate limit lets through, and small
// enough that the buffers sized from it stay small.
const MaxConcurrency = 1024

// Stats counts a listing's work, for progress displays: set
// Options.Stats and read the counters with Snapshot while the listing runs.
// It is safe for concurrent use. The driver advances the counters; callers
// only read them.
type Stats struct {
	c counters.Counters
}

func init() {
	counters.Of = func(s any) *counters.Counters {
		if st, _ := s.(*Stats); st != nil {
			return &st.c
		}
		return nil
	}
}

// StatsSnapshot is a copy of a Stats' counters.
type StatsSnapshot struct {
	Requests    int64         // HTTP attempts sent
	Retries     int64         // attempts that were retries
	RateLimited int64         // 429 answers received
	Waited      time.Duration // time spent waiting: backoff and rate limiting
	Pages       int64         // pages decoded
	Assignments int64         // assignments listed
	// ReportedUsers is the number of users the provider said the tenant
	// has (Cortex), or -1 when its API reports none.
	ReportedUsers int64
	// ListedUsers is the number of users the listing walked, with a role
	// or none, where the provider reports a total (Cortex): the figure
	// ReportedUsers counts, so the two agree on a complete listing unless
	// the tenant changed meanwhile; -1 when the provider reports no total.
	// (Assignments name only the users holding a role.)
	ListedUsers int64
	// Kinds says, per principal kind, how the last listing ended, once it
	// has (nil before): its Coverage.
	Kinds Coverage
}

// Snapshot returns the counters' current values.
func (s *Stats) Snapshot() StatsSnapshot {
	c := &s.c
	return StatsSnapshot{Requests: c.Requests.Load(), Retries: c.Retries.Load(), RateLimited: c.RateLimited.Load(),
		Waited: time.Duration(c.Waited.Load()), Pages: c.Pages.Load(), Assignments: c.Assignments.Load(),
		ReportedUsers: c.ReportedUsers.Load() - 1, ListedUsers: c.ListedUsers.Load() - 1, Kinds: coverageOf(c.Kinds())}
}

func coverageOf(m map[string]string) Coverage {
	if m == nil {
		return nil
	}
	cov := make(Coverage, len(m))
	for k, v := range m {
		cov[PrincipalKind(k)] = KindStatus(v)
	}
	return cov
}
