package driverkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/httpx"
	"github.com/rolecall/rolecall/internal/scrub"
)

// OAuth2 switches the kit's credential to an OAuth2 client-credentials
// grant (golang.org/x/oauth2/clientcredentials): a token is fetched from
// cfg.TokenURL on first use and fetched again shortly before it expires.
// Token requests go through the caller's plain client, never through the
// authorizing transport; the client secret and the tokens are scrubbed
// from every error.
func (k *Kit) OAuth2(cfg *clientcredentials.Config) error {
	if _, err := httpx.CheckBaseURL(cfg.TokenURL); err != nil {
		return fmt.Errorf("%s: token URL: %w", k.Provider, err)
	}
	k.addSecret(cfg.ClientSecret)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, k.Plain)
	src := oauth2.ReuseTokenSourceWithExpiry(nil, cfg.TokenSource(ctx), 2*time.Minute)
	k.auth = func(r *http.Request) error {
		tok, err := src.Token()
		if err != nil {
			return k.tokenError(cfg.TokenURL, err)
		}
		k.addSecret(tok.AccessToken)
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return nil
	}
	return nil
}

func (k *Kit) tokenError(tokenURL string, err error) error {
	op := "exchange the client credentials for a token at " + scrub.URLs(tokenURL)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		status := re.Response.StatusCode
		code := codeFor(status)
		if status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden {
			code = facade.Unauthenticated
		}
		e := facade.NewError(k.Provider, op, code, nil)
		e.StatusCode = status
		e.Message = k.scrub.Cut(re.ErrorCode+" "+re.ErrorDescription, 200)
		e.Hint = "the token endpoint refused the client id or secret"
		if code != facade.Unauthenticated {
			e.Hint = defaultHints[code]
		}
		return e
	}
	return k.Fail(op, facade.Unavailable, err, "the token endpoint did not answer; check the URL and the network")
}

func (k *Kit) addSecret(s string) { k.scrub.Add(s) }
