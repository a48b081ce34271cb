// Package httpx is the HTTP transport every rolecall driver shares: it adds
// credentials (only for the provider's own host), bounds the requests in
// flight, paces them with one rate model shared by every request of the
// transport (a token bucket that learns the server's limit from its 429s
// and rate-limit headers, and pauses every worker until a time the server
// names), and retries idempotent requests: on 429 for as long as a wait
// budget allows, and on connection errors, 408 and 5xx (not 501) a few
// times, with capped, jittered exponential backoff that honours
// Retry-After.
//
// The transport never returns an error for an HTTP status: when retries run
// out it returns the last response, unread, so that the caller can turn its
// status and body into a typed error.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/rolecall/rolecall/internal/scrub"
)

// RetryPolicy says when and how long to wait before a request is tried
// again. Its zero value is DefaultRetryPolicy; each zero field takes the
// default's value. Only idempotent requests are retried: on 429 until the
// wait budget is spent, and on connection errors, 408 and 5xx except 501 up
// to MaxRetries times; never on another 4xx.
type RetryPolicy struct {
	// MaxRetries is how many retries may follow a failed attempt (a
	// connection error, 408 or 5xx, or a body cut off mid-read): one page
	// is attempted at most MaxRetries+1 times. Zero means the default (4);
	// a negative value means no retries.
	MaxRetries int
	// BaseDelay is the first backoff (default 500ms), doubled each retry
	// with up to 25% jitter, up to MaxDelay (default 8s).
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter caps how long one server hint (Retry-After) is
	// obeyed (default 30s); a server asking for more gets a RateLimited
	// error that carries the wait instead of a stalled run.
	MaxRetryAfter time.Duration
	// RateLimitBudget bounds how long one request keeps being retried
	// after 429 answers, counted from its first (default 3m): a request
	// that meets 429 while the shared rate adapts is not a failure, but a
	// limit that never lets it through is.
	RateLimitBudget time.Duration
}

// DefaultRetryPolicy is the policy a zero RetryPolicy stands for.
var DefaultRetryPolicy = RetryPolicy{MaxRetries: 4, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second,
	MaxRetryAfter: 30 * time.Second, RateLimitBudget: 3 * time.Minute}

// WithDefaults returns p with its zero fields taken from
// DefaultRetryPolicy (a negative MaxRetries stays -1: no retries). It is
// idempotent.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	switch {
	case p.MaxRetries < 0:
		d.MaxRetries = -1
	case p.MaxRetries > 0:
		d.MaxRetries = p.MaxRetries
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	if p.MaxRetryAfter > 0 {
		d.MaxRetryAfter = p.MaxRetryAfter
	}
	if p.RateLimitBudget > 0 {
		d.RateLimitBudget = p.RateLimitBudget
	}
	return d
}

// Retries returns how many retries p allows: MaxRetries of the completed
// policy, 0 for "none".
func (p RetryPolicy) Retries() int { return max(p.WithDefaults().MaxRetries, 0) }

// Backoff returns the delay before retry number n (0-based) without a
// server hint: BaseDelay·2ⁿ, capped at MaxDelay, less up to 25% jitter.
func (p RetryPolicy) Backoff(n int) time.Duration {
	d := p.BaseDelay
	for i := 0; i < n && d < p.MaxDelay; i++ {
		if d > p.MaxDelay/2 { // doubling would pass the cap (or overflow)
			d = p.MaxDelay
			break
		}
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// Config configures a Transport.
type Config struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Origin is the provider's origin, scheme://host[:port] (a base URL
	// will do: its path is ignored). Credentials are added only to requests
	// for the same scheme, host and port, so neither a redirect elsewhere
	// nor one from https to http on the same host ever carries them.
	Origin string
	// Authorize adds credentials to a request for Host.
	Authorize func(*http.Request) error
	// Retry is the retry policy, already completed (see
	// RetryPolicy.WithDefaults); New completes it again, which changes
	// nothing for a completed policy.
	Retry RetryPolicy
	// RateLimit is the sustained request rate the transport starts at and
	// never exceeds; zero means unknown: no limit until the server answers
	// 429, from which the rate model learns one.
	RateLimit rate.Limit
	// Burst is how many requests may go at once beyond RateLimit: a
	// documented "N requests per window" is a bucket of N refilling at
	// N/window (default 1: evenly spaced).
	Burst int
	// MaxInFlight bounds the requests in flight at once (0: unbounded).
	MaxInFlight int
	// RequestTimeout bounds one attempt, from sending the request to
	// reading the last byte of its body (0: no bound but the context's).
	RequestTimeout time.Duration
	// RetryAfterFromBody reads a server delay from a 429 body where the
	// provider puts one there (Cortex's problem+json retryAfter).
	RetryAfterFromBody func(body []byte) (time.Duration, bool)
	// Logger receives one debug line per attempt (method, host, path,
	// status, attempt, duration: never headers, query strings or bodies).
	Logger *slog.Logger
	// Observer, when set, is told what the transport does.
	Observer Observer
}

// Observer is told what a Transport does; its methods must be safe for
// concurrent use.
type Observer interface {
	Request()                 // an attempt is sent
	Retry(wait time.Duration) // a retry follows after wait
	RateLimit()               // a 429 arrived
	Wait(d time.Duration)     // the rate limiter held a request for d
}

type nopObserver struct{}

func (nopObserver) Request()            {}
func (nopObserver) Retry(time.Duration) {}
func (nopObserver) RateLimit()          {}
func (nopObserver) Wait(time.Duration)  {}

// Transport is an http.RoundTripper; see the package documentation.
type Transport struct {
	cfg   Config
	retry RetryPolicy
	pace  *pacer
	sem   chan struct{}
}

// New returns a Transport for cfg.
func New(cfg Config) *Transport {
	t := &Transport{cfg: cfg, retry: cfg.Retry.WithDefaults()}
	if cfg.Base == nil {
		t.cfg.Base = http.DefaultTransport
	}
	if cfg.Logger == nil {
		t.cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		t.cfg.Observer = nopObserver{}
	}
	t.pace = newPacer(cfg.RateLimit, cfg.Burst)
	if cfg.MaxInFlight > 0 {
		t.sem = make(chan struct{}, cfg.MaxInFlight)
	}
	return t
}

// Rate returns the transport's current request rate per second (rate.Inf
// while no limit is known).
func (t *Transport) Rate() rate.Limit { return t.pace.limit() }

// Burst returns how many requests the transport's bucket lets go at once.
func (t *Transport) Burst() int {
	t.pace.mu.Lock()
	defer t.pace.mu.Unlock()
	return t.pace.lim.Burst()
}

// attempts counts the failed attempts of one page, across the transport's
// retries and its caller's (see WithAttempts).
type attempts struct{ failed atomic.Int32 }

type attemptsKey struct{}

// WithAttempts returns a context under which every request sent through a
// Transport, and every Retry call, draws on one count of failed attempts:
// a caller that fetches a page again (its body was cut off mid-read) does
// not multiply the transport's own retries.
func WithAttempts(ctx context.Context) context.Context {
	if _, ok := ctx.Value(attemptsKey{}).(*attempts); ok {
		return ctx
	}
	return context.WithValue(ctx, attemptsKey{}, new(attempts))
}

// Retry records a failed attempt under ctx's count (see WithAttempts) and
// reports whether policy allows another.
func Retry(ctx context.Context, policy RetryPolicy) bool {
	a, ok := ctx.Value(attemptsKey{}).(*attempts)
	if !ok {
		a = new(attempts)
	}
	return int(a.failed.Add(1)) <= policy.Retries()
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	idempotent := Idempotent(req)
	if _, ok := ctx.Value(attemptsKey{}).(*attempts); !ok {
		ctx = WithAttempts(ctx)
	}
	var limited *http.Response // this request's last 429, kept to return
	var deadline time.Time     // its wait budget's end
	after429 := false          // the last attempt was answered 429
	for n := 0; ; n++ {
		resp, pause, err := t.attempt(req, n, deadline, after429)
		after429 = err == nil && resp.StatusCode == http.StatusTooManyRequests
		if errors.Is(err, errBudget) {
			return limited, nil
		}
		if !idempotent || ctx.Err() != nil {
			return resp, err
		}
		var wait time.Duration
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			// The rate model holds every worker for pause; this request
			// waits it out like the others, within the wait budget.
			if pause.hinted && pause.hint > t.retry.MaxRetryAfter {
				return resp, err // not worth a stall: the caller reports the wait
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(t.retry.RateLimitBudget)
			}
			if limited, err = keep(resp); err != nil {
				return nil, err
			}
			if pause.own {
				// A refusal that does not follow the rate: this request
				// alone waits, its hint or its backoff, and the attempt
				// counts against the policy's retries.
				wait := pause.hint
				if !pause.hinted {
					wait = t.retry.Backoff(n)
				}
				if !Retry(ctx, t.retry) || time.Now().Add(wait).After(deadline) {
					return limited, nil
				}
				t.cfg.Observer.Retry(wait)
				t.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "refused; retrying", slog.String("host", req.URL.Host),
					slog.String("path", req.URL.Path), slog.Int("attempt", n+1), slog.Duration("wait", wait))
				if err := Sleep(ctx, wait); err != nil {
					return nil, err
				}
				continue
			}
			if time.Now().Add(pause.wait).After(deadline) {
				return limited, nil
			}
			t.cfg.Observer.Retry(pause.wait)
			t.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "rate limited; waiting", slog.String("host", req.URL.Host),
				slog.String("path", req.URL.Path), slog.Int("attempt", n+1), slog.Duration("wait", pause.wait))
			continue // the rate model holds the next attempt until the pause ends
		}
		var retry bool
		if wait, retry = t.shouldRetry(ctx, resp, err, n); !retry || !Retry(ctx, t.retry) {
			return resp, err
		}
		if resp != nil {
			drain(resp.Body)
		}
		t.cfg.Observer.Retry(wait)
		t.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "retrying", slog.String("host", req.URL.Host),
			slog.String("path", req.URL.Path), slog.Int("attempt", n+1), slog.Duration("wait", wait))
		if err := Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// Idempotent reports whether req may be sent again: a GET or HEAD, or a
// request marked the way net/http marks one (an Idempotency-Key or
// X-Idempotency-Key header, even with no value) whose body can be had
// again (GetBody).
func Idempotent(req *http.Request) bool {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return (key || xkey) && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
}

// keep reads a 429 answer's body (its first 64 KiB) and closes it, and
// returns a copy of the answer that can be handed to the caller later.
func keep(resp *http.Response) (*http.Response, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	drain(resp.Body)
	if err != nil && resp.Request.Context().Err() != nil {
		return nil, err
	}
	c := *resp
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return &c, nil
}

// pause is what a 429 told the rate model: the server's hint, if any, and
// how long every worker now waits, or (own) that the refusal does not
// follow the rate and the request alone waits.
type pause struct {
	hint   time.Duration
	hinted bool
	wait   time.Duration
	own    bool
}

// attempt sends req once, with credentials, the in-flight bound, the rate
// model and the per-attempt timeout.
func (t *Transport) attempt(orig *http.Request, n int, deadline time.Time, after429 bool) (*http.Response, pause, error) {
	ctx := orig.Context()
	if t.sem != nil {
		select {
		case t.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, pause{}, ctx.Err()
		}
	}
	release := func() {
		if t.sem != nil {
			<-t.sem
		}
	}
	tk, waited, err := t.pace.wait(ctx, deadline, after429)
	if waited > time.Millisecond {
		t.cfg.Observer.Wait(waited)
	}
	if err != nil {
		release()
		return nil, pause{}, err
	}
	actx, cancel := ctx, context.CancelFunc(func() {})
	if t.cfg.RequestTimeout > 0 {
		actx, cancel = context.WithTimeout(ctx, t.cfg.RequestTimeout)
	}
	// Authorize sees the caller's context, not the attempt's: a token
	// exchange it runs has its own attempts and timeouts.
	req := orig.Clone(ctx)
	if n > 0 && orig.GetBody != nil {
		body, err := orig.GetBody()
		if err != nil {
			t.pace.done(tk, 0, nil, 0, false, t.retry.Backoff)
			cancel()
			release()
			return nil, pause{}, err
		}
		req.Body = body
	}
	if t.cfg.Authorize != nil && SameOrigin(req.URL, t.cfg.Origin) {
		if err := t.cfg.Authorize(req); err != nil {
			t.pace.done(tk, 0, nil, 0, false, t.retry.Backoff)
			cancel()
			release()
			return nil, pause{}, err
		}
	}
	req = req.WithContext(actx)
	t.cfg.Observer.Request()
	start := time.Now()
	resp, err := t.cfg.Base.RoundTrip(req)
	level := slog.LevelDebug
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("host", req.URL.Host),
		slog.String("path", req.URL.Path), slog.Int("attempt", n), slog.Duration("elapsed", time.Since(start))}
	if err != nil {
		t.pace.done(tk, 0, nil, 0, false, t.retry.Backoff)
		timedOut := actx.Err() != nil && ctx.Err() == nil // read before cancel() sets it
		cancel()
		release()
		if timedOut {
			err = &TimeoutError{After: t.cfg.RequestTimeout, Err: err}
		}
		t.cfg.Logger.LogAttrs(ctx, level, "request failed", append(attrs, slog.String("error", scrub.URLs(err.Error())))...)
		return nil, pause{}, err
	}
	t.cfg.Logger.LogAttrs(ctx, level, "response", append(attrs, slog.Int("status", resp.StatusCode))...)
	var p pause
	if resp.StatusCode == http.StatusTooManyRequests {
		t.cfg.Observer.RateLimit()
		p.hint, p.hinted = t.serverDelay(resp)
	}
	// A hint past the cap fails this request (RoundTrip) and holds the
	// others no longer than the cap.
	p.wait, p.own = t.pace.done(tk, resp.StatusCode, resp.Header, min(p.hint, t.retry.MaxRetryAfter), p.hinted, t.retry.Backoff)
	// The slot and the attempt's context are held until the body is
	// closed: a body still being read is a request in flight.
	resp.Body = &releaseBody{ReadCloser: resp.Body, done: func() { cancel(); release() }, ctx: actx, parent: ctx, timeout: t.cfg.RequestTimeout}
	return resp, p, nil
}

// shouldRetry decides whether to retry after one attempt, and how long to
// wait first.
func (t *Transport) shouldRetry(ctx context.Context, resp *http.Response, err error, n int) (time.Duration, bool) {
	if ctx.Err() != nil {
		return 0, false
	}
	if err != nil {
		if !retryableError(err) {
			return 0, false
		}
		return t.retry.Backoff(n), true
	}
	switch code := resp.StatusCode; {
	case code == http.StatusRequestTimeout, code >= 500 && code != http.StatusNotImplemented:
		wait, hinted := t.serverDelay(resp)
		if !hinted {
			return t.retry.Backoff(n), true
		}
		if wait > t.retry.MaxRetryAfter {
			return 0, false // not worth a stall: the caller reports the wait
		}
		return wait, true
	default:
		return 0, false
	}
}

// serverDelay reads the delay a response asks for: Retry-After-Ms,
// Retry-After (seconds or HTTP-date), or the provider's body field.
func (t *Transport) serverDelay(resp *http.Response) (time.Duration, bool) {
	if d, ok := RetryAfter(resp.Header, time.Now()); ok {
		return d, true
	}
	if t.cfg.RetryAfterFromBody != nil && resp.StatusCode == http.StatusTooManyRequests {
		body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(strings.NewReader(string(body)), resp.Body), resp.Body}
		if err == nil {
			return t.cfg.RetryAfterFromBody(body)
		}
	}
	return 0, false
}

// RetryAfter parses the server's requested delay from Retry-After-Ms or
// Retry-After (delta-seconds or an HTTP-date, RFC 9110 §10.2.3).
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			// Capped like Retry-After below; a huge float would otherwise
			// convert to a negative Duration.
			ms = min(ms, float64(24*time.Hour/time.Millisecond))
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// TimeoutError reports an attempt that exceeded the per-request timeout.
type TimeoutError struct {
	After time.Duration
	Err   error
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no complete answer within the %s request timeout", e.After)
}
func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout reports true, so that net.Error checks treat it as a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports true; with Timeout it makes TimeoutError a net.Error.
func (e *TimeoutError) Temporary() bool { return true }

func retryableError(err error) bool {
	var te *TimeoutError
	if errors.As(err, &te) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "redirect") {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

// SameOrigin reports whether u has origin's scheme, host and port (a
// missing port is the scheme's default). An origin that does not parse
// matches nothing.
func SameOrigin(u *url.URL, origin string) bool {
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" {
		return false
	}
	return strings.EqualFold(u.Scheme, o.Scheme) && strings.EqualFold(u.Hostname(), o.Hostname()) &&
		port(u) == port(o)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// MaxRedirects is how many redirects CheckRedirect follows.
const MaxRedirects = 5

// RedirectError reports a redirect refused by CheckRedirect. Its message
// shows the target without query string or userinfo.
type RedirectError struct {
	To     string // the target: scheme://host/path
	Reason string
}

func (e *RedirectError) Error() string { return "redirect to " + e.To + " refused: " + e.Reason }

// CheckRedirect returns an http.Client CheckRedirect policy for a
// provider at origin: a redirect is followed only while it stays on the
// origin (same scheme, host and port), at most MaxRedirects times. A
// redirect from https to plain http, to plain http off loopback, or to
// another origin is refused with a *RedirectError: whatever answers there
// is not the provider, and its answer must not pass for the tenant's data.
func CheckRedirect(origin string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		to := (&url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host, Path: req.URL.Path}).String()
		from := via[len(via)-1].URL
		switch {
		case strings.EqualFold(from.Scheme, "https") && !strings.EqualFold(req.URL.Scheme, "https"):
			return &RedirectError{To: to, Reason: "it leaves https for " + req.URL.Scheme + ", where the credential would travel in clear"}
		case strings.EqualFold(req.URL.Scheme, "http") && !IsLoopback(req.URL.Hostname()):
			return &RedirectError{To: to, Reason: "plain http is accepted only for loopback hosts"}
		case !SameOrigin(req.URL, origin):
			return &RedirectError{To: to, Reason: "it leaves the provider's origin " + origin}
		case len(via) >= MaxRedirects:
			return &RedirectError{To: to, Reason: fmt.Sprintf("stopped after %d redirects", MaxRedirects)}
		}
		return nil
	}
}

// Sleep waits for d or until ctx ends, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func drain(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	_ = body.Close()
}

// releaseBody frees an attempt's slot and context when its body is closed,
// and turns a read cut short by the per-attempt timeout into a TimeoutError.
type releaseBody struct {
	io.ReadCloser
	once    sync.Once
	done    func()
	ctx     context.Context
	parent  context.Context
	timeout time.Duration
}

func (b *releaseBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.ctx.Err() != nil && b.parent.Err() == nil {
		err = &TimeoutError{After: b.timeout, Err: err}
	}
	return n, err
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

// IsLoopback reports whether host (a URL's Hostname) is a loopback address
// or "localhost".
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckBaseURL parses a provider base URL and refuses plain http except for
// loopback hosts, so that a credential never crosses a network in clear.
func CheckBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue's message repeats raw, credentials and all
		}
		return nil, fmt.Errorf("base URL: %w", err)
	}
	// Error messages show the URL without userinfo or query (a key may sit
	// in either).
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("base URL must not carry credentials")
	case u.Host == "":
		return nil, fmt.Errorf("base URL %q has no host", shown)
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
	case u.Scheme == "http":
		return nil, fmt.Errorf("base URL %q: plain http is accepted only for loopback hosts; use https", shown)
	default:
		return nil, fmt.Errorf("base URL %q: scheme must be https", shown)
	}
	u.RawQuery, u.Fragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/" // oapi-codegen resolves operation paths against it
	}
	return u, nil
}
