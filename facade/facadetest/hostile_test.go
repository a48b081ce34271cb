package facadetest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/providertest"
)

// The tests in this file play a hostile or broken provider (issue 15):
// each reproduces an attack and checks what stops it.

// hostileList lists h's provider at base (a server of the test's own) with
// the sentinel credential and returns the error the listing ended with.
func hostileList(t *testing.T, h facadetest.Harness, base string, o facade.Options) error {
	t.Helper()
	srv := providertest.NewServer(t, h.Provider, providertest.Options{})
	o.BaseURL = base
	if h.Provider == "openai" {
		o.BaseURL += "/v1"
	}
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	if o.Retry == (facade.RetryPolicy{}) {
		o.Retry = facade.RetryPolicy{Disable: true}
	}
	l, err := h.New(srv, sentinel, o)
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.Empty(t, got, "a redirected answer is not the tenant's data")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), sentinel)
	return err
}

// A redirect to another origin is refused: the credential never leaves,
// and whatever answers there is never reported as the tenant.
func TestRedirectOffOriginIsRefused(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		t.Run(h.Provider, func(t *testing.T) {
			var reached atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{}`))
			}))
			defer other.Close()
			base := facadetest.Serve(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
			})
			err := hostileList(t, h, base, facade.Options{})
			assert.ErrorIs(t, err, facade.ErrInvalidResponse)
			assert.Contains(t, err.Error(), "leaves the provider's origin")
			assert.Zero(t, reached.Load(), "the redirect was not followed")
		})
	}
}

// An https base URL that redirects to plain http on the same host and
// port: the credential is never sent in clear (the redirect is refused
// before any request leaves), and the listing fails.
func TestRedirectToPlainHTTPIsRefused(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		t.Run(h.Provider, func(t *testing.T) {
			var plain atomic.Int32
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.TLS == nil {
					plain.Add(1)
				}
				http.Redirect(w, r, "http://"+r.Host+r.URL.Path, http.StatusMovedPermanently)
			}))
			defer srv.Close()
			err := hostileList(t, h, srv.URL, facade.Options{HTTPClient: srv.Client()})
			assert.ErrorIs(t, err, facade.ErrInvalidResponse)
			assert.Contains(t, err.Error(), "leaves https for http")
			assert.Zero(t, plain.Load())
		})
	}
}

// A redirect loop on the provider's own origin ends after a few hops, and
// its error shows no query string (an email the listing filtered on).
func TestRedirectLoopShowsNoQuery(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		t.Run(h.Provider, func(t *testing.T) {
			var n atomic.Int32
			base := facadetest.Serve(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, facadetest.BasePath+r.URL.Path+"?email=ada%40example.com&n="+strings.Repeat("1", int(n.Add(1))), http.StatusFound)
			})
			err := hostileList(t, h, base, facade.Options{})
			assert.ErrorIs(t, err, facade.ErrInvalidResponse)
			assert.Contains(t, err.Error(), "stopped after")
			assert.NotContains(t, err.Error(), "example.com")
			assert.NotContains(t, err.Error(), "?")
		})
	}
}
