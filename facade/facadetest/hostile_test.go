package facadetest_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/facade/vectara"
	"github.com/rolecall/rolecall/internal/paging"
	"github.com/rolecall/rolecall/internal/scrub"
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
		o.Retry = facade.RetryPolicy{MaxRetries: -1}
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

// vectaraOAuth returns a Vectara lister over the fake, whose credentials
// are exchanged at tokenURL (a server of the test's own).
func vectaraOAuth(t *testing.T, tokenURL string, o facade.Options) (*providertest.Server, facade.Lister) {
	t.Helper()
	srv := providertest.NewServer(t, "vectara", providertest.Options{})
	o.BaseURL = srv.URL()
	if o.RateLimit == 0 {
		o.RateLimit = -1
	}
	l, err := vectara.New(vectara.Config{ClientID: "app-id", ClientSecret: sentinel, TokenURL: tokenURL, Options: o})
	require.NoError(t, err)
	return srv, l
}

// A token endpoint that never answers: cancelling the listing (Ctrl-C)
// ends it at once, and without cancellation the per-request timeout ends
// each attempt.
func TestTokenEndpointThatNeverAnswers(t *testing.T) {
	done := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // then the server notices the client leave
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer stuck.Close()
	defer close(done)

	t.Run("cancelled", func(t *testing.T) {
		_, l := vectaraOAuth(t, stuck.URL, facade.Options{})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := facade.Collect(l.ListAssignments(ctx, nil))
		assert.ErrorIs(t, err, facade.ErrCanceled)
		assert.Less(t, time.Since(start), time.Second, "Ctrl-C ends the run within a second")
	})
	t.Run("request timeout", func(t *testing.T) {
		_, l := vectaraOAuth(t, stuck.URL, facade.Options{RequestTimeout: 100 * time.Millisecond,
			Retry: facade.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond}})
		start := time.Now()
		_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		assert.ErrorIs(t, err, facade.ErrUnavailable)
		assert.Contains(t, err.Error(), "request timeout")
		assert.Less(t, time.Since(start), 5*time.Second)
	})
}

// A token endpoint failing with 500 is retried like any request.
func TestTokenEndpointFailureIsRetried(t *testing.T) {
	var calls atomic.Int32
	var token atomic.Value
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), "grant_type=client_credentials") {
			t.Errorf("attempt %d came without its body: %q", calls.Load()+1, body)
		}
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"`+token.Load().(string)+`","token_type":"Bearer","expires_in":3600}`)
	}))
	defer tokens.Close()
	srv, l := vectaraOAuth(t, tokens.URL, facade.Options{Retry: facadetest.FastRetries})
	token.Store(srv.Token())
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	assert.Equal(t, int32(3), calls.Load())
}

// A token endpoint echoing the Basic authorization it received (base64 of
// id:secret), raw and JSON-escaped, never shows it. (Logto sends the
// credentials in the header only.)
func TestTokenEndpointEchoingBasic(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusInternalServerError} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			base := facadetest.Serve(t, func(w http.ResponseWriter, r *http.Request) {
				sent := r.Header.Get("Authorization")
				_, _ = io.ReadAll(r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				esc := strings.ReplaceAll(sent, "/", `\/`)
				bare := strings.TrimPrefix(sent, "Basic ")
				_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"you sent `+esc+` and `+bare+`"}`)
			})
			l, err := logto.New(logto.Config{AppID: "app-id", AppSecret: sentinel,
				Options: facade.Options{BaseURL: base, RateLimit: -1, Retry: facade.RetryPolicy{MaxRetries: -1}}})
			require.NoError(t, err)
			_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "you sent")
			b64 := base64.StdEncoding.EncodeToString([]byte("app-id:" + sentinel))
			for i := 0; i+8 <= len(b64); i += 4 {
				assert.NotContains(t, err.Error(), b64[i:i+8])
			}
			assert.NotContains(t, err.Error(), sentinel)
		})
	}
}

// A provider returning the credential as data (a user's name, a role's
// name) never gets it into the listing: the fields carry the marker, and a
// warning names the field.
func TestCredentialReturnedAsDataIsReplaced(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		t.Run(h.Provider, func(t *testing.T) {
			tenant := providertest.NewTenant(h.Provider, 6, 1)
			tenant.Users[0].Name = "Ada " + sentinel
			tenant.Users[0].Username = "u-" + sentinel
			for i := range tenant.Roles {
				tenant.Roles[i].Name = "role " + sentinel
			}
			srv := providertest.NewServer(t, h.Provider, providertest.Options{Tenant: tenant, Token: sentinel})
			logs := &lockedBuffer{}
			l, err := h.New(srv, sentinel, facade.Options{RateLimit: -1,
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
		})
	}
}

// A credential echoed near where an error message is cut shows no piece of
// itself: the message is scrubbed whole, then cut.
func TestEchoAtTheCutShowsNoPiece(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		t.Run(h.Provider, func(t *testing.T) {
			for pad := 150; pad < 215; pad += 3 {
				msg := strings.Repeat("x", pad) + " " + sentinel + " tail"
				base := facadetest.Serve(t, func(w http.ResponseWriter, r *http.Request) {
					facadetest.WriteRaw(w, http.StatusForbidden, `{"message":"`+msg+`","type":"FORBIDDEN","requestId":"r",`+
						`"error":{"message":"`+msg+`","type":"x","code":"c","param":null},"messages":["`+msg+`"],"code":"c","request_id":"r"}`)
				})
				err := hostileList(t, h, base, facade.Options{})
				for i := 0; i+6 <= len(sentinel); i++ {
					require.NotContains(t, err.Error(), sentinel[i:i+6], "pad %d", pad)
				}
			}
		})
	}
}

// One page budget covers a whole listing, all its walks together: a
// listing that needs more pages than Options.MaxPages fails however its
// pages are spread (a walk per OpenAI user, per Logto role).
func TestPageBudgetCoversTheWholeListing(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		t.Run(h.Provider, func(t *testing.T) {
			srv := providertest.NewServer(t, h.Provider, providertest.Options{Tenant: providertest.NewTenant(h.Provider, 30, 1)})
			o := facade.Options{RateLimit: -1, PageSize: 2, MaxPages: 8}
			l, err := h.New(srv, srv.Token(), o)
			require.NoError(t, err)
			_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
			// (Logto's concurrent page walk may report the budget through a
			// sibling page it cancelled: the code is then Canceled, the
			// cause the same.)
			require.Error(t, err)
			assert.ErrorIs(t, err, paging.ErrTooManyPages)
			assert.LessOrEqual(t, srv.Requests(), int64(8+2*8), "requests stop at the budget (a few in flight may finish)")
		})
	}
}

// A concurrency past facade.MaxConcurrency is refused when the driver is
// built, not met with a panic or an allocation the size of the number.
func TestConcurrencyIsBounded(t *testing.T) {
	for _, h := range facadetest.Harnesses() {
		srv := providertest.NewServer(t, h.Provider, providertest.Options{})
		for _, n := range []int{facade.MaxConcurrency + 1, 1_000_000_000, math.MaxInt} {
			_, err := h.New(srv, srv.Token(), facade.Options{Concurrency: n})
			assert.ErrorContains(t, err, "concurrency", "%s %d", h.Provider, n)
		}
		_, err := h.New(srv, srv.Token(), facade.Options{Concurrency: facade.MaxConcurrency})
		assert.NoError(t, err, h.Provider)
	}
}
