package facadetest

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/internal/paging"
	"github.com/rolecall/rolecall/internal/scrub"
	"github.com/rolecall/rolecall/providertest"
)

// The tests in this file play a hostile or broken provider (issue 15):
// each reproduces an attack and checks what stops it.

// hostileList lists h's provider at base (a server of the test's own) with
// the sentinel credential and returns the error the listing ended with.
func hostileList(t *testing.T, h Harness, base string, o facade.Options) error {
	t.Helper()
	srv := providertest.NewServer(t, h.Provider, providertest.Options{})
	o.BaseURL = base + basePath(t, h)
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	if o.Retry == (facade.RetryPolicy{}) {
		o.Retry = facade.RetryPolicy{MaxRetries: -1}
	}
	l, err := h.open(srv, sentinel, o)
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.Empty(t, got, "a redirected answer is not the tenant's data")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), sentinel)
	return err
}

// A redirect to another origin is refused: the credential never leaves,
// and whatever answers there is never reported as the tenant.
func testRedirectOffOrigin(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		var reached atomic.Int32
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{}`))
		}))
		defer other.Close()
		base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
		})
		err := hostileList(t, h, base, facade.Options{})
		assert.ErrorIs(t, err, facade.ErrInvalidResponse)
		assert.Contains(t, err.Error(), "leaves the provider's origin")
		assert.Zero(t, reached.Load(), "the redirect was not followed")
	}
}

// An https base URL that redirects to plain http on the same host and
// port: the credential is never sent in clear (the redirect is refused
// before any request leaves), and the listing fails.
func testRedirectToPlainHTTP(h Harness) func(*testing.T) {
	return func(t *testing.T) {
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
	}
}

// A redirect loop on the provider's own origin ends after a few hops, and
// its error shows no query string (an email the listing filtered on).
func testRedirectLoop(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		var n atomic.Int32
		base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, testkit.BasePath+r.URL.Path+"?email=ada%40example.com&n="+strings.Repeat("1", int(n.Add(1))), http.StatusFound)
		})
		err := hostileList(t, h, base, facade.Options{})
		assert.ErrorIs(t, err, facade.ErrInvalidResponse)
		assert.Contains(t, err.Error(), "stopped after")
		assert.NotContains(t, err.Error(), "example.com")
		assert.NotContains(t, err.Error(), "?")
	}
}

// A provider returning the credential as data (a user's name, a role's
// name) never gets it into the listing: the fields carry the marker, and a
// warning names the field.
func testCredentialAsData(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		tenant := providertest.NewTenant(h.Provider, 6, 1)
		tenant.Users[0].Name = "Ada " + sentinel
		tenant.Users[0].Username = "u-" + sentinel
		for i := range tenant.Roles {
			tenant.Roles[i].Name = "role " + sentinel
		}
		srv := providertest.NewServer(t, h.Provider, providertest.Options{Tenant: tenant, Token: sentinel})
		logs := &testkit.LogBuffer{}
		l, err := h.open(srv, sentinel, facade.Options{RateLimit: -1,
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		require.NoError(t, err)
		got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		require.NoError(t, err)
		require.NotEmpty(t, got)
		marked := 0
		for _, a := range got {
			row := strings.Join(append([]string{a.UserID, a.Email, a.Name, a.Username, a.RoleID, a.RoleName, a.Scope, a.Via}, a.Permissions...), "|")
			assert.NotContains(t, row, sentinel)
			if strings.Contains(row, scrub.Marker) {
				marked++
			}
		}
		assert.NotZero(t, marked, "the fields that held it carry the marker")
		assert.Contains(t, logs.String(), "returned a credential as data")
		assert.NotContains(t, logs.String(), sentinel)
	}
}

// A credential echoed near where an error message is cut shows no piece of
// itself: the message is scrubbed whole, then cut.
func testEchoAtTheCut(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		for pad := 150; pad < 215; pad += 3 {
			msg := strings.Repeat("x", pad) + " " + sentinel + " tail"
			base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
				testkit.WriteRaw(w, http.StatusForbidden, `{"message":"`+msg+`","type":"FORBIDDEN","requestId":"r",`+
					`"error":{"message":"`+msg+`","type":"x","code":"c","param":null},"messages":["`+msg+`"],"code":"c","request_id":"r"}`)
			})
			err := hostileList(t, h, base, facade.Options{})
			for i := 0; i+6 <= len(sentinel); i++ {
				require.NotContains(t, err.Error(), sentinel[i:i+6], "pad %d", pad)
			}
		}
	}
}

// One page budget covers a whole listing, all its walks together: a
// listing that needs more pages than Options.MaxPages fails however its
// pages are spread (a walk per OpenAI user, per Logto role).
func testPageBudget(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		srv := providertest.NewServer(t, h.Provider, providertest.Options{Tenant: providertest.NewTenant(h.Provider, 30, 1)})
		o := facade.Options{RateLimit: -1, PageSize: 2, MaxPages: 8}
		l, err := h.open(srv, srv.Token(), o)
		require.NoError(t, err)
		_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
		// (Logto's concurrent page walk may report the budget through a
		// sibling page it cancelled: the code is then Canceled, the
		// cause the same.)
		require.Error(t, err)
		assert.ErrorIs(t, err, paging.ErrTooManyPages)
		assert.LessOrEqual(t, srv.Requests(), int64(8+2*8), "requests stop at the budget (a few in flight may finish)")
	}
}

// A concurrency past facade.MaxConcurrency is refused when the driver is
// built, not met with a panic or an allocation the size of the number.
func testConcurrencyIsBounded(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		srv := providertest.NewServer(t, h.Provider, providertest.Options{})
		for _, n := range []int{facade.MaxConcurrency + 1, 1_000_000_000, math.MaxInt} {
			_, err := h.open(srv, srv.Token(), facade.Options{Concurrency: n})
			assert.ErrorContains(t, err, "concurrency", "%s %d", h.Provider, n)
		}
		_, err := h.open(srv, srv.Token(), facade.Options{Concurrency: facade.MaxConcurrency})
		assert.NoError(t, err, h.Provider)
	}
}
