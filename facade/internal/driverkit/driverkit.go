// Package driverkit is the machinery the four drivers share: options and
// defaults, the HTTP client (through internal/httpx), one page fetch with
// status mapping and retry of bodies cut off mid-stream, error building and
// scrubbing, and the streaming iterator with dedupe and email filtering.
// A driver supplies what is particular to its provider: a Spec, the ways
// its Config authenticates, its generated client's constructor and its
// List (paging through request builders from gen/, and the mapping from
// records to assignments); Open makes of them the *facade.Source its New
// returns.
package driverkit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/time/rate"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/counters"
	"github.com/rolecall/rolecall/internal/httpx"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
	"github.com/rolecall/rolecall/internal/scrub"
)

// Spec is what a driver tells the kit about its provider.
type Spec struct {
	Provider       string
	DefaultBaseURL string
	// Kinds are the principal kinds the driver lists (nil: User only).
	Kinds []facade.PrincipalKind
	// Budget is the provider's documented rate limit (zero: none), spent
	// as a token bucket that holds a whole window's allowance.
	Budget Budget
	// MaxPageSize is the largest page the listing API allows.
	MaxPageSize int
	// DefaultConcurrency is the requests in flight when
	// Options.Concurrency is zero (0: facade.DefaultConcurrency).
	DefaultConcurrency int
	// ErrorBody decodes an error body into the provider's message, request
	// id and decoded type (for facade.ErrorAs). It may return zero values.
	ErrorBody func(status int, body []byte) (message, requestID string, detail any)
	// Hints says what to do about a status, by status code.
	Hints map[int]string
	// Credentials says what the credentials are, when a Config lacks
	// them or gives more than one kind (Open).
	Credentials string
	// RetryAfterFromBody reads a delay from a 429 body, where the provider
	// puts one there.
	RetryAfterFromBody func(body []byte) (time.Duration, bool)
}

// Budget is a documented rate limit: Requests per Window.
type Budget struct {
	Requests int
	Window   time.Duration
}

// bucket returns the rate and burst of the token bucket that spends b:
// b.Requests at once, refilling at b.Requests per b.Window.
func (b Budget) bucket() (rate.Limit, int) {
	if b.Requests <= 0 || b.Window <= 0 {
		return 0, 0
	}
	return rate.Limit(float64(b.Requests) / b.Window.Seconds()), b.Requests
}

// Kit is one driver's configured machinery.
type Kit struct {
	Spec
	Base        *url.URL     // the base URL, ending in "/"
	HTTP        *http.Client // retrying, rate-limited, authorizing
	Plain       *http.Client // the caller's client, for token exchanges
	PageSize    int
	Concurrency int
	MaxBody     int64
	MaxPages    int // bound on a listing's pages, all its walks together, and on each walk's (0: paging's default)
	Logger      *slog.Logger
	Stats       *counters.Counters // nil when Options.Stats is
	retry       httpx.RetryPolicy
	timeout     time.Duration // one attempt's bound
	auth        Auth
	scrub       *scrub.Scrubber // the credentials, and the tokens obtained for them
}

// Auth adds a credential to a request.
type Auth func(*http.Request) error

// New configures a Kit. auth adds the credential (nil: none yet; see
// OAuth2); secrets are the credential strings the kit must scrub from
// anything it reports.
func New(spec Spec, o facade.Options, auth Auth, secrets ...string) (*Kit, error) {
	raw := o.BaseURL
	if raw == "" {
		raw = spec.DefaultBaseURL
	}
	if raw == "" {
		return nil, ConfigError(spec.Provider, "", "%s.Config.BaseURL is not set", spec.Provider)
	}
	base, err := httpx.CheckBaseURL(raw)
	if err != nil {
		return nil, ConfigError(spec.Provider, "", "%s.Config.BaseURL: %w", spec.Provider, err)
	}
	k := &Kit{Spec: spec, Base: base, Logger: o.Logger, Stats: counters.Of(o.Stats), MaxBody: o.MaxBodyBytes, MaxPages: o.MaxPages,
		auth: auth, scrub: scrub.New(secrets...)}
	if k.auth == nil {
		k.auth = func(*http.Request) error { return nil }
	}
	if k.Logger == nil {
		k.Logger = slog.New(slog.DiscardHandler)
	}
	// Every line the kit logs (the transport's too) is scrubbed of its
	// secrets, whatever handler the caller gave.
	k.Logger = slog.New(scrub.Handler(k.Logger.Handler(), k.scrub)).With(slog.String("provider", spec.Provider))
	if k.MaxBody <= 0 {
		k.MaxBody = jsonstream.DefaultMaxBytes
	}
	switch {
	case o.PageSize < 0:
		return nil, ConfigError(spec.Provider, "", "%s.Config.PageSize %d is negative", spec.Provider, o.PageSize)
	case o.PageSize == 0 || o.PageSize > spec.MaxPageSize:
		k.PageSize = spec.MaxPageSize
	default:
		k.PageSize = o.PageSize
	}
	if o.Concurrency > facade.MaxConcurrency {
		return nil, fmt.Errorf("%s: concurrency %d is more than %d", spec.Provider, o.Concurrency, facade.MaxConcurrency)
	}
	k.Concurrency = o.Concurrency
	if k.Concurrency <= 0 {
		k.Concurrency = cmp.Or(spec.DefaultConcurrency, facade.DefaultConcurrency)
	}
	k.timeout = o.RequestTimeout
	if k.timeout <= 0 {
		k.timeout = 60 * time.Second
	}
	k.retry = o.Retry.WithDefaults()

	plain := o.HTTPClient
	if plain == nil {
		plain = &http.Client{Transport: defaultTransport(k.Concurrency)}
	}
	base0 := plain.Transport
	if base0 == nil {
		base0 = http.DefaultTransport
	}
	var limit rate.Limit // 0: none known, learnt from the server's 429s
	var burst int
	switch {
	case o.RateLimit == 0:
		limit, burst = spec.Budget.bucket()
	case o.RateLimit > 0:
		// A rate, not a window: spent evenly, so that no server's bucket,
		// however small its burst, meets more at once than it refills.
		limit, burst = rate.Limit(o.RateLimit), 1
	}
	t := httpx.New(httpx.Config{
		Base:               base0,
		Origin:             base.Scheme + "://" + base.Host,
		Authorize:          func(r *http.Request) error { return k.auth(r) },
		Retry:              k.retry,
		RateLimit:          limit,
		Burst:              burst,
		MaxInFlight:        k.Concurrency,
		RequestTimeout:     k.timeout,
		RetryAfterFromBody: spec.RetryAfterFromBody,
		Logger:             k.Logger,
		Observer:           k.observer(),
	})
	k.HTTP = &http.Client{
		Transport: t,
		Jar:       plain.Jar,
		// Credentials are added per request by the transport, only for the
		// provider's origin; a redirect is followed only on that origin.
		CheckRedirect: httpx.CheckRedirect(base.Scheme + "://" + base.Host),
	}
	k.Plain = plain
	return k, nil
}

// observer is the transports' Observer: the Stats, if any.
func (k *Kit) observer() httpx.Observer {
	if k.Stats == nil {
		return nil
	}
	return k.Stats
}

func defaultTransport(conc int) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = conc + 4
	t.ResponseHeaderTimeout = 0 // the per-attempt timeout covers it
	return t
}

// URL returns the base URL a generated client is built with.
func (k *Kit) URL() string { return k.Base.String() }

// PageFunc sends one page's request.
type PageFunc func(ctx context.Context) (*http.Response, error)

// DecodeFunc decodes one page's body. It must not emit anything before the
// body has been decoded whole: a page cut off mid-stream is fetched again.
type DecodeFunc func(resp *http.Response, body io.Reader) error

// Page fetches and decodes one page: it sends the request (the transport
// retries on transient statuses), maps a failing status to a *facade.Error,
// and, when the body is cut off mid-stream or its read times out, fetches
// the page again. The transport's retries and these share one count: a
// page is attempted at most MaxRetries+1 times for 5xx, connection errors
// and cut bodies (429s are bounded by the retry policy's wait budget).
func (k *Kit) Page(ctx context.Context, op string, send PageFunc, decode DecodeFunc) error {
	if err := paging.BudgetFrom(ctx).Take(); err != nil {
		return k.Fail(op, facade.InvalidResponse, err,
			"the provider kept announcing more pages than the listing's budget (Options.MaxPages); it is probably looping")
	}
	ctx = httpx.WithAttempts(ctx)
	for attempt := 0; ; attempt++ {
		resp, err := send(ctx)
		if err != nil {
			return k.TransportError(ctx, op, err)
		}
		if err := k.Status(op, resp); err != nil {
			return err
		}
		body := &trackedBody{r: resp.Body}
		err = decode(resp, body)
		_ = resp.Body.Close()
		if err == nil {
			if k.Stats != nil {
				k.Stats.Page()
			}
			return nil
		}
		var fe *facade.Error
		if errors.As(err, &fe) {
			return err
		}
		if body.err == nil || errors.Is(body.err, jsonstream.ErrTooLarge) {
			return k.Invalid(op, err)
		}
		if ctx.Err() != nil {
			return k.TransportError(ctx, op, ctx.Err())
		}
		if !httpx.Retry(ctx, k.retry) {
			return k.TransportError(ctx, op, body.err)
		}
		wait := k.retry.Backoff(attempt)
		k.Logger.LogAttrs(ctx, slog.LevelDebug, "page cut off; fetching it again", slog.String("op", op),
			slog.Int("attempt", attempt+1), slog.Duration("wait", wait))
		if k.Stats != nil {
			k.Stats.Retry(wait)
		}
		if err := httpx.Sleep(ctx, wait); err != nil {
			return k.TransportError(ctx, op, err)
		}
	}
}

// trackedBody records an error from the body's reader (as opposed to one
// from decoding what it read).
type trackedBody struct {
	r   io.Reader
	err error
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// Status returns nil for a 2xx response and a *facade.Error for any other,
// built from the provider's error body. It consumes and closes the body of
// a failing response.
func (k *Kit) Status(op string, resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	code := codeFor(resp.StatusCode)
	var msg, reqID string
	var detail any
	if k.ErrorBody != nil && len(body) > 0 {
		msg, reqID, detail = k.ErrorBody(resp.StatusCode, body)
	}
	if msg == "" && len(body) > 0 && detail == nil {
		msg = string(body)
	}
	if reqID == "" {
		for _, h := range []string{"X-Request-Id", "Request-Id", "X-Request-ID"} {
			if v := resp.Header.Get(h); v != "" {
				reqID = v
				break
			}
		}
	}
	e := &facade.Error{Provider: k.Provider, Op: op, Code: code, Detail: detail}
	e.StatusCode = resp.StatusCode
	e.Message = k.scrub.Cut(msg, 200) // scrubbed whole, then cut
	e.RequestID = k.scrub.Cut(reqID, 80)
	e.Hint = k.Hints[resp.StatusCode]
	if e.Hint == "" {
		e.Hint = defaultHints[code]
	}
	if code == facade.RateLimited {
		if d, ok := httpx.RetryAfter(resp.Header, time.Now()); ok {
			e.RetryAfter = d
		} else if k.RetryAfterFromBody != nil {
			e.RetryAfter, _ = k.RetryAfterFromBody(body)
		}
	}
	return e
}

var defaultHints = map[facade.ErrorCode]string{
	facade.Unauthenticated:  "the credential is missing, wrong or expired",
	facade.PermissionDenied: "the credential lacks a permission this listing needs",
	facade.NotFound:         "check the base URL",
	facade.RateLimited:      "the provider's rate limit held after retries; wait and run again, or lower the rate limit",
	facade.Unavailable:      "the provider is failing; try again later",
	facade.InvalidArgument:  "the provider refused the request as malformed",
}

func codeFor(status int) facade.ErrorCode {
	switch {
	case status == http.StatusUnauthorized:
		return facade.Unauthenticated
	case status == http.StatusForbidden:
		return facade.PermissionDenied
	case status == http.StatusNotFound:
		return facade.NotFound
	case status == http.StatusTooManyRequests:
		return facade.RateLimited
	case status == http.StatusRequestTimeout || status >= 500:
		return facade.Unavailable
	case status >= 400:
		return facade.InvalidArgument
	default:
		return facade.InvalidResponse // 1xx, 3xx: not an answer we can use
	}
}

// TransportError maps an error from sending a request (or reading its
// body) to a *facade.Error: Canceled when ctx ended, Unavailable otherwise.
func (k *Kit) TransportError(ctx context.Context, op string, err error) error {
	var fe *facade.Error
	if errors.As(err, &fe) {
		return fe
	}
	code := facade.Unavailable
	hint := "the provider did not answer; check the network and the base URL, then try again"
	var re *httpx.RedirectError
	if errors.As(err, &re) {
		code, hint = facade.InvalidResponse, "the provider answered with a redirect rolecall does not follow; check the base URL"
	}
	if ctx.Err() != nil {
		code, hint = facade.Canceled, ""
		err = context.Cause(ctx)
	} else if ne := (net.Error)(nil); errors.As(err, &ne) && ne.Timeout() {
		hint = "the provider did not answer in time; raise the request timeout or try again later"
	}
	e := &facade.Error{Provider: k.Provider, Op: op, Code: code}
	e.Err = scrubbedError{msg: k.Scrub(err.Error()), err: err}
	e.Hint = hint
	return e
}

// Invalid reports a body that cannot be decoded or breaks the schema.
func (k *Kit) Invalid(op string, err error) error {
	e := &facade.Error{Provider: k.Provider, Op: op, Code: facade.InvalidResponse}
	e.Err = scrubbedError{msg: k.scrub.Cut(err.Error(), 300), err: err}
	e.Hint = "the response does not match the API's documented shape; run 'rolecall verify' to see how"
	if errors.Is(err, jsonstream.ErrTooLarge) {
		e.Hint = fmt.Sprintf("a page was larger than the %d MiB cap", k.MaxBody>>20)
	}
	return e
}

// Fail reports an error of the given code with a cause.
func (k *Kit) Fail(op string, code facade.ErrorCode, err error, hint string) error {
	e := &facade.Error{Provider: k.Provider, Op: op, Code: code}
	e.Err = scrubbedError{msg: k.Scrub(err.Error()), err: err}
	e.Hint = hint
	return e
}

// scrubbedError shows a scrubbed message but unwraps to the original, so
// errors.Is and errors.As still reach the cause.
type scrubbedError struct {
	msg string
	err error
}

func (e scrubbedError) Error() string { return e.msg }
func (e scrubbedError) Unwrap() error { return e.err }

// Scrub removes the kit's secrets (in every encoding a server may echo
// them in), anything shaped like a credential, and URL query strings
// (package scrub).
func (k *Kit) Scrub(s string) string { return k.scrub.String(s) }

// Bearer returns an Auth that sends token as a bearer token.
func Bearer(token string) Auth {
	v := "Bearer " + token
	return func(r *http.Request) error {
		r.Header.Set("Authorization", v)
		return nil
	}
}

// BearerToken is the Way of a Config that authenticates with one token,
// its field name, sent as a Bearer token.
func BearerToken(name, token string) Way {
	return Way{Auth: Bearer(token), Fields: []Field{{Name: name, Value: token, Secret: true}}}
}

// Header returns an Auth that sends value in the named header.
func Header(name, value string) Auth {
	return func(r *http.Request) error {
		r.Header.Set(name, value)
		return nil
	}
}

// Deref returns *p, or "" for a nil p: the report reads a JSON null (or an
// absent field) as empty.
func Deref[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}
