package driverkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/httpx"
	"github.com/rolecall/rolecall/internal/scrub"
)

// RefreshMargin is how long before its expiry a token is fetched again,
// at most: a token living less than four times this is fetched again once
// three quarters of its lifetime have passed.
const RefreshMargin = 2 * time.Minute

// OAuth2 switches the kit's credential to an OAuth2 client-credentials
// grant (golang.org/x/oauth2/clientcredentials): a token is fetched from
// cfg.TokenURL on first use and fetched again before it expires (see
// RefreshMargin); a token without a lifetime (expires_in absent or 0) is
// used for one request, and the next one fetches a fresh token.
//
// The exchange runs under the listing's context (cancelling the listing
// cancels it), through the caller's client wrapped like the kit's own: the
// per-request timeout, the retry policy (a token request is safe to
// repeat), and redirects only on the token URL's origin; it never carries
// the kit's credential. The client secret and the tokens are scrubbed from
// every error.
func (k *Kit) OAuth2(cfg *clientcredentials.Config) error {
	u, err := httpx.CheckBaseURL(cfg.TokenURL)
	if err != nil {
		return fmt.Errorf("%s: token URL: %w", k.Provider, err)
	}
	k.addSecret(cfg.ClientSecret)
	base := k.Plain.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	t := httpx.New(httpx.Config{Base: base, Retry: k.retry, RequestTimeout: k.timeout, Logger: k.Logger, Observer: k.observer()})
	src := &tokenSource{cfg: cfg, turn: make(chan struct{}, 1), client: &http.Client{
		Transport:     repeatable{t},
		CheckRedirect: httpx.CheckRedirect(u.Scheme + "://" + u.Host),
	}}
	k.auth = func(r *http.Request) error {
		tok, err := src.token(r.Context())
		if err != nil {
			return k.tokenError(r.Context(), cfg.TokenURL, err)
		}
		k.addSecret(tok.AccessToken)
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return nil
	}
	return nil
}

// repeatable marks token requests as safe to send again, the way net/http
// does (an Idempotency-Key header with no value, which is not sent), so
// that the retrying transport retries them.
type repeatable struct{ next http.RoundTripper }

func (r repeatable) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header["Idempotency-Key"] = nil
	return r.next.RoundTrip(req)
}

// tokenSource hands out a token, fetching a new one when the last is due
// for refresh; one fetch at a time, each waiting caller free to give up
// when its context ends.
type tokenSource struct {
	cfg    *clientcredentials.Config
	client *http.Client
	turn   chan struct{} // held while fetching

	mu        sync.Mutex
	tok       *oauth2.Token
	refreshAt time.Time // when tok is due for refresh
}

// cached returns the current token if it is still good to use.
func (s *tokenSource) cached(now time.Time) *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && now.Before(s.refreshAt) {
		return s.tok
	}
	return nil
}

func (s *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	if tok := s.cached(time.Now()); tok != nil {
		return tok, nil
	}
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	defer func() { <-s.turn }()
	if tok := s.cached(time.Now()); tok != nil { // fetched while we waited
		return tok, nil
	}
	fetched := time.Now()
	tok, err := s.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, s.client))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok, s.refreshAt = tok, refreshAt(fetched, tok.Expiry)
	return tok, nil
}

// refreshAt is when a token fetched at fetched and expiring at expiry is
// due for refresh: RefreshMargin before its expiry, or after three
// quarters of its lifetime when that is shorter. A token with no expiry
// (expires_in absent or 0) is due at once: it serves the request it was
// fetched for, and the next one asks again.
func refreshAt(fetched, expiry time.Time) time.Time {
	if expiry.IsZero() {
		return fetched
	}
	life := expiry.Sub(fetched)
	if life <= 0 {
		return fetched
	}
	return fetched.Add(life - min(RefreshMargin, life/4))
}

func (k *Kit) tokenError(ctx context.Context, tokenURL string, err error) error {
	op := "exchange the client credentials for a token at " + scrub.URLs(tokenURL)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		status := re.Response.StatusCode
		code := codeFor(status)
		if status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden {
			code = facade.Unauthenticated
		}
		e := &facade.Error{Provider: k.Provider, Op: op, Code: code}
		e.StatusCode = status
		e.Message = k.scrub.Cut(re.ErrorCode+" "+re.ErrorDescription, 200)
		e.Hint = "the token endpoint refused the client id or secret"
		if code != facade.Unauthenticated {
			e.Hint = defaultHints[code]
		}
		return e
	}
	if ctx.Err() != nil {
		return k.TransportError(ctx, op, err)
	}
	return k.Fail(op, facade.Unavailable, err, "the token endpoint did not answer; check the URL and the network")
}

func (k *Kit) addSecret(s string) { k.scrub.Add(s) }
