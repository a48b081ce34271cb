package providertest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"golang.org/x/time/rate"

	"github.com/rolecall/rolecall/api/specs"
)

// Defaults of Options.
const (
	// DefaultBasePath is the path prefix everything is mounted under.
	DefaultBasePath = "/fake"
	// DefaultToken is the credential the fake expects when Options.Token is
	// empty. It is not a secret.
	DefaultToken = "test-token-not-a-secret"
	// DefaultAppID and DefaultAppSecret are the Logto machine-to-machine
	// application credentials the token endpoint accepts by default.
	DefaultAppID     = "test-app-id"
	DefaultAppSecret = "test-app-secret"
	// DefaultUsers and DefaultSeed make the tenant used when Options.Tenant
	// is nil.
	DefaultUsers = 25
	DefaultSeed  = 1
)

// OpToken is the key under which RequestsByOp counts requests to Logto's
// token endpoint (POST {BasePath}/oidc/token), which has no operationId.
const OpToken = "token"

// OpUnrouted is the key under which RequestsByOp counts requests that match
// no operation of the spec (each is also a violation).
const OpUnrouted = "unrouted"

// Options configure a fake provider server. The zero value serves the
// default tenant with no latency, rate limit or faults.
type Options struct {
	// Tenant is the data to serve; nil means NewTenant(provider, 25, 1).
	// It must not be changed while the server runs.
	Tenant *Tenant
	// BasePath mounts every route under this path prefix (default "/fake";
	// "/" mounts at the root). For OpenAI the spec's paths are additionally
	// under "/v1", which URL includes.
	BasePath string
	// Token is the credential the fake expects (default
	// "test-token-not-a-secret"): "Authorization: Bearer <Token>" for Cortex,
	// OpenAI and Logto; "x-api-key: <Token>" or the bearer form for Vectara.
	// Logto's token endpoint hands out this value.
	Token string
	// AppID and AppSecret are the Logto machine-to-machine credentials the
	// token endpoint accepts (default "test-app-id" / "test-app-secret").
	AppID, AppSecret string
	// Latency is added to every response.
	Latency time.Duration
	// ShortPages makes pages shorter than asked while more items remain,
	// still honest in each API's own pagination signals. See the package
	// documentation for what that means per provider.
	ShortPages bool
	// MaxPageSize is the largest page the fake serves; 0 means the API's
	// real maximum (Cortex 1000, OpenAI users 100 and roles 1000, Vectara
	// 100, Logto 100). Larger requests get the API's real answer: Logto
	// answers 400 guard.invalid_pagination, the others serve this many.
	MaxPageSize int
	// RateLimit, when positive, is a token-bucket limit in requests per
	// second, with Burst (default 1) requests of burst; requests beyond it
	// get 429 with Retry-After in whole seconds (at least 1) and the
	// provider's error body (Cortex: application/problem+json with
	// retryAfter).
	RateLimit float64
	Burst     int
	// RateLimitHint is how a 429 beyond RateLimit tells the wait:
	// HintSeconds (the default), HintDate, HintBody or HintNone.
	RateLimitHint Hint
	// RateLimitHeaders adds RateLimit-Limit, RateLimit-Remaining and
	// RateLimit-Reset (IETF draft) to every answer under RateLimit.
	RateLimitHeaders bool
	// TieShifts makes the first TieShifts requests of each page but the
	// first of a page-numbered listing whose rows tie on the sort key
	// (Cortex's users; Logto's users of a role) come back shifted, as a
	// server without a tiebreaker orders tied rows differently from one
	// call to the next: the page repeats the last row of the page before
	// and omits its own last row, while the total stays the same.
	TieShifts int
	// Faults injects failures into a fraction of the requests.
	Faults Faults
	// VectaraEndKey says how the last page of a Vectara listing ends: ""
	// (the default) sends metadata.page_key "", "absent" leaves page_key out.
	VectaraEndKey string
	// NoValidate skips validating requests against the spec (routing to an
	// operation still happens, so counts per operation stay exact). For
	// benchmarks, where validation would spend CPU on the cores the client
	// under measurement runs on; tests should leave it false.
	NoValidate bool
	// ExpectViolations keeps the server from failing the test on a request
	// that violates the spec: the violation is still recorded (Violations)
	// and answered with 400. For tests that send bad requests on purpose.
	ExpectViolations bool
	// Logger, if set, receives one debug record per request. Credentials are
	// never logged.
	Logger *slog.Logger
}

// Hint is how a rate-limited answer tells how long to wait.
type Hint int

const (
	// HintSeconds sends Retry-After in whole seconds, at least 1.
	HintSeconds Hint = iota
	// HintDate sends Retry-After as an HTTP-date.
	HintDate
	// HintBody sends no header: the wait is in the body only (Cortex's
	// problem+json retryAfter; the other providers have no such field, so
	// for them it is HintNone).
	HintBody
	// HintNone tells nothing.
	HintNone
)

// earlyGrace is how long after a 429 a request may still arrive without
// counting as early (Early): it was on its way before the 429 arrived.
const earlyGrace = 100 * time.Millisecond

// Faults configure deterministic fault injection.
type Faults struct {
	// Seed makes the fault sequence reproducible.
	Seed int64
	// Rate is the probability that a request gets a fault. Whether it does
	// is decided from a hash of (Seed, method, path and query, and how many
	// times that exact URL was requested before), so the same run of
	// requests gets the same faults, and a retry of a failed request gets a
	// fresh draw.
	Rate float64
	// Kinds are the faults to draw from, uniformly; empty means all.
	// Unused when Sequence is set.
	Kinds []FaultKind
	// Sequence, if set, replaces the fresh draw of each call with a fault
	// sequence per request: a request chosen by the draw at its first
	// call (that exact URL's first), with probability Rate, gets on its
	// n-th call (0-based) a fault drawn uniformly from Sequence[n], for
	// n < len(Sequence), then is answered; a request not chosen is
	// answered at once, every time. For example
	// [][]FaultKind{{FaultRateLimit, FaultRateLimitDate}, {FaultServerError}}
	// refuses a chosen request with a 429, then a 5xx, then answers it:
	// faults that follow the request, not the rate it is sent at.
	Sequence [][]FaultKind
	// SlowDelay is how long FaultSlow waits (default 2s).
	SlowDelay time.Duration
	// Max bounds the faults injected in all (0: no bound).
	Max int
}

// FaultKind is one kind of injected failure. Logto's token endpoint never
// gets faults (nor rate limiting): token requests are not retried by OAuth2
// clients, and the fake exercises the API calls.
type FaultKind int

// The fault kinds.
const (
	// FaultRateLimit answers 429 with "Retry-After: 1" and the provider's
	// rate-limit body.
	FaultRateLimit FaultKind = iota + 1
	// FaultRateLimitDate answers 429 with an HTTP-date Retry-After about a
	// second ahead.
	FaultRateLimitDate
	// FaultRateLimitBare answers 429 without Retry-After (and, for Cortex,
	// without retryAfter in the body).
	FaultRateLimitBare
	// FaultServerError answers 500, 502 or 503 in rotation (502 as an HTML
	// gateway page, the others in the provider's error shape).
	FaultServerError
	// FaultReset closes the connection without any response (with a TCP
	// reset where the platform allows).
	FaultReset
	// FaultTruncate sends the real response's headers, including its full
	// Content-Length, and half of its body, then closes the connection.
	FaultTruncate
	// FaultSlow waits Faults.SlowDelay, then answers normally.
	FaultSlow
)

// AllFaultKinds lists every FaultKind.
var AllFaultKinds = []FaultKind{FaultRateLimit, FaultRateLimitDate, FaultRateLimitBare, FaultServerError, FaultReset, FaultTruncate, FaultSlow}

// String returns the kind's name, e.g. "FaultReset".
func (k FaultKind) String() string {
	switch k {
	case FaultRateLimit:
		return "FaultRateLimit"
	case FaultRateLimitDate:
		return "FaultRateLimitDate"
	case FaultRateLimitBare:
		return "FaultRateLimitBare"
	case FaultServerError:
		return "FaultServerError"
	case FaultReset:
		return "FaultReset"
	case FaultTruncate:
		return "FaultTruncate"
	case FaultSlow:
		return "FaultSlow"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// Server is a fake provider API server on 127.0.0.1. Create one with
// NewServer; it closes itself when the test ends.
type Server struct {
	t        testing.TB
	provider string
	opts     Options
	tenant   *Tenant
	ix       *index
	hs       *httptest.Server
	url      string // the base URL clients use
	prefix   string // path prefix of every operation
	host     string // 127.0.0.1:port
	doc      *specs.Document
	limiter  *rate.Limiter
	log      *slog.Logger
	shortKey uint64

	requests atomic.Int64
	faults   atomic.Int64
	drawn    atomic.Int64 // faults drawn, for Faults.Max
	errSeq   atomic.Int64

	mu         sync.Mutex
	byOp       map[string]int64
	seen       map[string]int64
	shifted    map[string]int
	violations []string
	hintUntil  time.Time // the latest time a 429 told clients to wait for
	hintGiven  time.Time // when that 429 was sent
	early      int64

	closeOnce sync.Once
}

// NewServer starts a fake server for provider ("cortex", "openai",
// "vectara" or "logto") on 127.0.0.1 and registers its Close with
// t.Cleanup. t may be a *testing.T or a *testing.B. Every request is
// validated against the provider's vendored spec; a violation fails t (see
// Options.ExpectViolations). Bad options fail t at once.
func NewServer(t testing.TB, provider string, opts Options) *Server {
	t.Helper()
	s, err := newServer(t, provider, opts)
	if err != nil {
		t.Fatalf("providertest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start is NewServer for code that has no testing.TB, such as TestMain, a
// program driving a subprocess, or an Example: spec violations are recorded
// (Violations) and answered 400 but fail nothing, and the caller must Close
// the server.
func Start(provider string, opts Options) (*Server, error) {
	return newServer(nil, provider, opts)
}

func newServer(t testing.TB, provider string, opts Options) (*Server, error) {
	if _, err := specs.File(provider); err != nil {
		return nil, err
	}
	opts = withDefaults(opts)
	if opts.Tenant == nil {
		opts.Tenant = NewTenant(provider, DefaultUsers, DefaultSeed)
	}
	if opts.Tenant.Provider != "" && opts.Tenant.Provider != provider {
		return nil, fmt.Errorf("tenant is for %q, server for %q", opts.Tenant.Provider, provider)
	}
	switch opts.VectaraEndKey {
	case "", "absent":
	default:
		return nil, fmt.Errorf("VectaraEndKey %q: want \"\" or \"absent\"", opts.VectaraEndKey)
	}
	for _, k := range opts.Faults.Kinds {
		if k < FaultRateLimit || k > FaultSlow {
			return nil, fmt.Errorf("unknown %v", k)
		}
	}
	for n, kinds := range opts.Faults.Sequence {
		if len(kinds) == 0 {
			return nil, fmt.Errorf("Faults.Sequence[%d] is empty: want at least one FaultKind", n)
		}
		for _, k := range kinds {
			if k < FaultRateLimit || k > FaultSlow {
				return nil, fmt.Errorf("Faults.Sequence[%d]: unknown %v", n, k)
			}
		}
	}
	doc, err := specs.Open(context.Background(), provider)
	if err != nil {
		return nil, err
	}
	s := &Server{
		doc:      doc,
		t:        t,
		provider: provider,
		opts:     opts,
		tenant:   opts.Tenant,
		byOp:     map[string]int64{},
		seen:     map[string]int64{},
		shifted:  map[string]int{},
		log:      opts.Logger,
		shortKey: mix(uint64(opts.Faults.Seed) ^ 0x5eed5107),
	}
	s.ix = buildIndex(provider, s.tenant)
	if opts.RateLimit > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(opts.RateLimit), max(opts.Burst, 1))
	}
	s.hs = httptest.NewUnstartedServer(s)
	s.host = s.hs.Listener.Addr().String()
	s.prefix = opts.BasePath
	if provider == "openai" {
		s.prefix += "/v1"
	}
	s.url = "http://" + s.host + s.prefix
	s.hs.Start()
	return s, nil
}

func withDefaults(o Options) Options {
	switch {
	case o.BasePath == "":
		o.BasePath = DefaultBasePath
	case o.BasePath == "/":
		o.BasePath = ""
	default:
		o.BasePath = "/" + strings.Trim(o.BasePath, "/")
	}
	if o.Token == "" {
		o.Token = DefaultToken
	}
	if o.AppID == "" {
		o.AppID = DefaultAppID
	}
	if o.AppSecret == "" {
		o.AppSecret = DefaultAppSecret
	}
	if o.Faults.SlowDelay <= 0 {
		o.Faults.SlowDelay = 2 * time.Second
	}
	if len(o.Faults.Kinds) == 0 {
		o.Faults.Kinds = AllFaultKinds
	}
	return o
}

// URL returns the base URL a client should use: scheme, 127.0.0.1:port and
// BasePath, plus "/v1" for OpenAI (the OpenAI spec's server URL ends in /v1
// and its paths do not start with it). It has no trailing slash.
func (s *Server) URL() string { return s.url }

// Token returns the credential the server expects.
func (s *Server) Token() string { return s.opts.Token }

// Tenant returns the data the server serves.
func (s *Server) Tenant() *Tenant { return s.tenant }

// Requests returns how many requests the server has received, of any kind.
func (s *Server) Requests() int64 { return s.requests.Load() }

// RequestsByOp returns how many requests the server received per
// operationId (plus OpToken and OpUnrouted).
func (s *Server) RequestsByOp() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.byOp))
	for k, v := range s.byOp {
		out[k] = v
	}
	return out
}

// Faults returns how many faults the server has injected.
func (s *Server) Faults() int64 { return s.faults.Load() }

// Early returns how many requests arrived while a wait a 429 of the rate
// limit hinted was still running (beyond a short grace for requests that
// were on their way when the 429 left): a client that sends them does not
// honour Retry-After.
func (s *Server) Early() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.early
}

// Shifted returns how many pages were served shifted (Options.TieShifts).
func (s *Server) Shifted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.shifted {
		n += min(c, s.opts.TieShifts)
	}
	return n
}

// shift reports whether this request for page key should come back
// shifted (Options.TieShifts).
func (s *Server) shift(key string) bool {
	if s.opts.TieShifts <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shifted[key]++
	return s.shifted[key] <= s.opts.TieShifts
}

// Violations returns the spec violations seen in requests, in arrival order.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// Client returns an HTTP client configured for requests to the server, like
// httptest.Server.Client. It is closed with the server.
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Close shuts the server down, blocking until all outstanding requests have
// completed. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.hs.CloseClientConnections()
		s.hs.Close()
	})
}

// call is one request being served.
type call struct {
	r      *http.Request
	op     string
	params map[string]string
	reqID  string
}

// ServeHTTP serves one request: counting, latency, spec validation, fault
// injection, rate limiting, authentication, then the operation. Requests
// must address the paths under URL; anything else is a violation.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	c := &call{r: r, reqID: fmt.Sprintf("req_%016x", mix(uint64(n)^s.shortKey))}
	route, params, isToken := s.route(r)
	switch {
	case isToken:
		c.op = OpToken
	case route != nil:
		c.op = route.Operation.OperationID
		c.params = params
	default:
		c.op = OpUnrouted
	}
	s.mu.Lock()
	s.byOp[c.op]++
	if now := time.Now(); now.Before(s.hintUntil) && now.Sub(s.hintGiven) > earlyGrace {
		s.early++
	}
	s.mu.Unlock()

	sw := &statusWriter{ResponseWriter: w}
	start := time.Now()
	outcome := s.serve(sw, c, route)
	if s.log != nil {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "providertest request",
			slog.String("provider", s.provider), slog.String("op", c.op), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.String("outcome", outcome),
			slog.Duration("elapsed", time.Since(start)))
	}
}

func (s *Server) serve(w *statusWriter, c *call, route *routers.Route) (outcome string) {
	r := c.r
	if d := s.opts.Latency; d > 0 && !sleep(r.Context(), d) {
		return "canceled"
	}
	if c.op == OpUnrouted {
		s.violation(c, fmt.Sprintf("%s %s matches no operation of the %s spec", r.Method, r.URL.Path, s.provider))
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, msg: "No such route " + r.Method + " " + r.URL.Path})
		return "violation"
	}
	if c.op != OpToken {
		if !s.opts.NoValidate {
			if err := s.validate(r, route, c.params); err != nil {
				s.violation(c, fmt.Sprintf("%s %s: %v", r.Method, r.URL.RequestURI(), err))
				s.writeError(w, c, s.violationError(err))
				return "violation"
			}
		}
		if kind, ok := s.drawFault(r); ok {
			s.faults.Add(1)
			switch kind {
			case FaultSlow:
				if !sleep(r.Context(), s.opts.Faults.SlowDelay) {
					return "canceled"
				}
			case FaultRateLimit:
				s.writeError(w, c, apiError{status: http.StatusTooManyRequests, kind: errRateLimited, retryAfter: "1"})
				return kind.String()
			case FaultRateLimitDate:
				at := time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
				s.writeError(w, c, apiError{status: http.StatusTooManyRequests, kind: errRateLimited, retryAfter: at})
				return kind.String()
			case FaultRateLimitBare:
				s.writeError(w, c, apiError{status: http.StatusTooManyRequests, kind: errRateLimited})
				return kind.String()
			case FaultServerError:
				s.serverError(w, c)
				return kind.String()
			case FaultReset:
				s.reset(w)
				return kind.String()
			case FaultTruncate:
				rec := httptest.NewRecorder()
				s.answer(&statusWriter{ResponseWriter: rec}, c)
				s.truncate(w, rec)
				return kind.String()
			}
		}
	}
	s.answer(w, c)
	return "ok"
}

// answer applies the rate limit and authentication, then serves the
// operation.
func (s *Server) answer(w *statusWriter, c *call) {
	if c.op == OpToken {
		s.logtoToken(w, c)
		return
	}
	if s.limiter != nil && !s.limited(w, c) {
		return
	}
	if !s.authorized(c.r) {
		s.writeError(w, c, apiError{status: http.StatusUnauthorized, kind: errUnauthorized})
		return
	}
	switch s.provider {
	case "cortex":
		switch c.op {
		case "listUsers":
			s.cortexUsers(w, c)
		case "listApiKeys":
			s.cortexKeys(w, c)
		default:
			s.cortex(w, c)
		}
	case "openai":
		s.openai(w, c)
	case "vectara":
		s.vectara(w, c)
	case "logto":
		s.logto(w, c)
	}
}

// limited applies the rate limit: it reports whether the request may be
// served, and answers 429 with the hint Options.RateLimitHint asks for when
// it may not.
func (s *Server) limited(w *statusWriter, c *call) bool {
	now := time.Now()
	s.mu.Lock()
	res := s.limiter.ReserveN(now, 1)
	d := res.DelayFrom(now)
	if d > 0 {
		res.CancelAt(now)
	}
	tokens := s.limiter.TokensAt(now)
	s.mu.Unlock()
	if s.opts.RateLimitHeaders {
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(max(s.opts.Burst, 1)))
		h.Set("RateLimit-Remaining", strconv.Itoa(max(int(tokens), 0)))
		// Seconds until one more request is allowed, at least 1 when none
		// is left.
		reset := 0
		if tokens < 1 {
			reset = max(1, int(math.Ceil((1-tokens)/s.opts.RateLimit)))
		}
		h.Set("RateLimit-Reset", strconv.Itoa(reset))
	}
	if d <= 0 {
		return true
	}
	secs := max(1, int(math.Ceil(d.Seconds())))
	e := apiError{status: http.StatusTooManyRequests, kind: errRateLimited, retryAfter: strconv.Itoa(secs)}
	wait := time.Duration(secs) * time.Second
	switch s.opts.RateLimitHint {
	case HintDate:
		at := now.Add(wait).UTC().Truncate(time.Second).Add(time.Second)
		e.retryAfter = at.Format(http.TimeFormat)
		wait = at.Sub(now)
	case HintBody:
		e.bodyOnly = true
		if s.provider != "cortex" {
			wait = 0
		}
	case HintNone:
		e.retryAfter, wait = "", 0
	}
	if wait > 0 {
		s.mu.Lock()
		if until := now.Add(wait); until.After(s.hintUntil) {
			s.hintUntil, s.hintGiven = until, now
		}
		s.mu.Unlock()
	}
	s.writeError(w, c, e)
	return false
}

// route finds the request's operation under the server's mount point
// (Options.BasePath). The match ignores the Host header, so a client
// addressing the server as localhost is served too.
func (s *Server) route(r *http.Request) (route *routers.Route, params map[string]string, isToken bool) {
	if s.provider == "logto" && r.URL.Path == s.prefix+"/oidc/token" {
		return nil, nil, true
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), s.opts.BasePath)
	if !ok || (rest != "" && rest[0] != '/') {
		return nil, nil, false
	}
	r2 := *r
	u := *r.URL
	u.Path, u.RawPath = "", ""
	if u.Path, _ = url.PathUnescape(rest); u.Path != rest {
		u.RawPath = rest
	}
	r2.URL = &u
	route, params, err := s.doc.FindRoute(&r2)
	if err != nil {
		return nil, nil, false
	}
	return route, params, false
}

func (s *Server) validate(r *http.Request, route *routers.Route, params map[string]string) error {
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
		},
	}
	err := openapi3filter.ValidateRequest(r.Context(), in)
	if err == nil {
		err = undeclaredQuery(r, route)
	}
	return err
}

// undeclaredQuery reports query parameters the operation does not declare:
// kin-openapi accepts them, and a real server ignores them, so a misspelt or
// misserialised parameter (say emails[] for emails) would silently lose the
// client's intent.
func undeclaredQuery(r *http.Request, route *routers.Route) error {
	declared := map[string]bool{}
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	var unknown []string
	for name := range r.URL.Query() {
		if !declared[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return &openapi3filter.RequestError{
		Input:  &openapi3filter.RequestValidationInput{Request: r, Route: route},
		Reason: fmt.Sprintf("query parameter(s) %s not declared by operation %s", strings.Join(unknown, ", "), route.Operation.OperationID),
	}
}

// violationError turns a request validation error into the provider's 400.
func (s *Server) violationError(err error) apiError {
	e := apiError{status: http.StatusBadRequest, kind: errBadRequest, msg: "Invalid request: " + err.Error()}
	var params []string
	var me openapi3.MultiError
	errs := []error{err}
	if errors.As(err, &me) {
		errs = me
	}
	for _, x := range errs {
		var re *openapi3filter.RequestError
		if errors.As(x, &re) && re.Parameter != nil {
			params = append(params, re.Parameter.Name)
		}
	}
	if len(params) > 0 {
		e.param = params[0]
	}
	if s.provider == "logto" && len(params) > 0 {
		pagination := true
		for _, p := range params {
			pagination = pagination && (p == "page" || p == "page_size")
		}
		if pagination {
			e.kind = errInvalidPagination
		}
	}
	return e
}

func (s *Server) violation(c *call, msg string) {
	s.mu.Lock()
	s.violations = append(s.violations, msg)
	s.mu.Unlock()
	if s.t != nil && !s.opts.ExpectViolations {
		s.t.Errorf("providertest: %s request violates its spec: %s", s.provider, msg)
	}
}

// authorized checks the credential. Vectara accepts x-api-key or a bearer
// token; the others a bearer token.
func (s *Server) authorized(r *http.Request) bool {
	if s.provider == "vectara" && r.Header.Get("x-api-key") == s.opts.Token {
		return true
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && tok == s.opts.Token
}

// drawFault decides, deterministically, whether this request gets a fault.
func (s *Server) drawFault(r *http.Request) (FaultKind, bool) {
	f := s.opts.Faults
	if f.Rate <= 0 {
		return 0, false
	}
	key := r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery
	s.mu.Lock()
	n := s.seen[key]
	s.seen[key] = n + 1
	s.mu.Unlock()
	kinds := f.Kinds
	draw := n
	if len(f.Sequence) > 0 {
		if n >= int64(len(f.Sequence)) {
			return 0, false
		}
		kinds, draw = f.Sequence[n], 0 // chosen or not at the first call
	}
	x := faultHash(f.Seed, key, draw)
	if float64(x>>11)/(1<<53) >= f.Rate {
		return 0, false
	}
	if f.Max > 0 && s.drawn.Add(1) > int64(f.Max) {
		return 0, false
	}
	if len(f.Sequence) > 0 {
		x = faultHash(f.Seed, key, n) // the kind of this call's fault
	}
	return kinds[mix(x)%uint64(len(kinds))], true
}

// faultHash hashes (seed, key, n) for drawFault.
func faultHash(seed int64, key string, n int64) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	for i := range buf {
		buf[i] = byte(uint64(seed) >> (8 * i))
	}
	h.Write(buf[:])
	io.WriteString(h, key)
	h.Write([]byte{0})
	io.WriteString(h, strconv.FormatInt(n, 10))
	return mix(h.Sum64())
}

// fail reports a failure of the fake itself.
func (s *Server) fail(format string, args ...any) {
	if s.t != nil {
		s.t.Errorf(format, args...)
	} else if s.log != nil {
		s.log.Error(fmt.Sprintf(format, args...))
	}
}

// mix is splitmix64's finalizer.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// hashOf hashes strings with the server's short-page key.
func (s *Server) hashOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return mix(h.Sum64() ^ s.shortKey)
}

// pageSize returns the page size the fake serves for a page-number API
// (Cortex, Logto) when size was asked and total items match: with
// ShortPages, a fixed size in [ceil(m/2), m-1] with m = min(size, total),
// so that page boundaries are stable across the calls of one listing and
// the first page is short even when everything would fit in one.
func (s *Server) pageSize(op string, size, total int) int {
	m := min(size, total)
	if !s.opts.ShortPages || m <= 1 {
		return size
	}
	lo := (m + 1) / 2
	return lo + int(s.hashOf(op, strconv.Itoa(size), strconv.Itoa(total))%uint64(m-lo))
}

// take returns how many items a cursor page serves when limit was asked and
// remaining items are left: with ShortPages and at least two left, between 1
// and min(limit, remaining-1), so the page is short and more remain.
func (s *Server) take(op, cursor string, limit, remaining int) int {
	n := min(limit, remaining)
	if !s.opts.ShortPages || remaining < 2 || limit < 2 {
		return n
	}
	hi := min(limit, remaining-1)
	return 1 + int(s.hashOf(op, cursor, strconv.Itoa(limit))%uint64(hi))
}

// maxPage returns the largest page size served, given the API's own maximum.
func (s *Server) maxPage(api int) int {
	if s.opts.MaxPageSize > 0 {
		return s.opts.MaxPageSize
	}
	return api
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// statusWriter records the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// reset closes the connection without a response.
func (s *Server) reset(w *statusWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.fail("providertest: hijack: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
	w.status = -1
}

// truncate sends rec's status line and headers and half its body, then
// closes the connection.
func (s *Server) truncate(w *statusWriter, rec *httptest.ResponseRecorder) {
	conn, bw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.fail("providertest: hijack: %v", err)
		return
	}
	defer conn.Close()
	body := rec.Body.Bytes()
	hdr := rec.Header().Clone()
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Del("Transfer-Encoding")
	writeRaw(bw, rec.Code, hdr, body[:len(body)/2])
	w.status = -rec.Code
}

func writeRaw(bw *bufio.ReadWriter, code int, hdr http.Header, body []byte) {
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	hdr.Write(bw)
	bw.WriteString("\r\n")
	bw.Write(body)
	bw.Flush()
}

// errKind is what went wrong, rendered in each provider's error shape.
type errKind int

const (
	errBadRequest errKind = iota
	errInvalidPagination
	errUnauthorized
	errNotFound
	errRateLimited
	errServer
)

// apiError is an error answer.
type apiError struct {
	status     int
	kind       errKind
	msg        string
	param      string // the offending parameter, if known
	id         string // the id not found
	retryAfter string // Retry-After header value; "" sends none
	bodyOnly   bool   // retryAfter goes in the body only (Cortex), not in a header
	code       string // a provider-specific error code, overriding the kind's
}

// serverError answers 500, 502 or 503 in rotation.
func (s *Server) serverError(w *statusWriter, c *call) {
	switch s.errSeq.Add(1) % 3 {
	case 1:
		s.writeError(w, c, apiError{status: http.StatusInternalServerError, kind: errServer})
	case 2:
		body := []byte("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusBadGateway)
		w.Write(body)
	default:
		s.writeError(w, c, apiError{status: http.StatusServiceUnavailable, kind: errServer})
	}
}

// writeError renders e in the provider's error shape. It never echoes a
// credential.
func (s *Server) writeError(w *statusWriter, c *call, e apiError) {
	if e.retryAfter != "" && !e.bodyOnly {
		w.Header().Set("Retry-After", e.retryAfter)
	}
	ctype := "application/json"
	var body any
	switch s.provider {
	case "cortex":
		body, ctype = cortexError(c, e)
	case "openai":
		body = openaiError(e)
	case "vectara":
		body = vectaraError(c, e)
	case "logto":
		body = logtoError(e)
	}
	if c.op == OpToken {
		body = map[string]string{"error": "invalid_request", "error_description": e.msg}
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	s.write(w, c, e.status, ctype, b)
}

// write sends a complete response.
func (s *Server) write(w *statusWriter, c *call, status int, ctype string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if s.provider == "openai" {
		h.Set("X-Request-Id", c.reqID)
	}
	w.WriteHeader(status)
	w.Write(body)
}

func (s *Server) writeOK(w *statusWriter, c *call, body []byte) {
	s.write(w, c, http.StatusOK, "application/json", body)
}

// queryInt returns the query parameter name as an int, or def when absent.
// Validation has already checked the type where the spec declares it.
func queryInt(q url.Values, name string, def int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}
