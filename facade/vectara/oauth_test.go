package vectara_test

import (
	"context"
	"io"
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
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/vectara"
	"github.com/rolecall/rolecall/providertest"
)

// sentinel is a credential that must never appear in an error or a log.
const sentinel = "SENTINEL-9f8e7d6c5b4a-credential"

// The token endpoint misbehaving (issue 15).

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
// each attempt. The endpoint holds every request until the test ends, so
// the listing ending at all shows the client left it.
func TestTokenEndpointThatNeverAnswers(t *testing.T) {
	done := make(chan struct{})
	var asked atomic.Int32
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // then the server notices the client leave
		asked.Add(1)
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer stuck.Close()
	defer close(done)

	t.Run("cancelled", func(t *testing.T) {
		_, l := vectaraOAuth(t, stuck.URL, facade.Options{RequestTimeout: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		asked.Store(0)
		go func() { // Ctrl-C once the token request is held
			for asked.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		_, err := testkit.Collect(t, ctx, l)
		assert.ErrorIs(t, err, facade.ErrCanceled, "Ctrl-C ends the run, with no answer and an hour's request timeout")
	})
	t.Run("request timeout", func(t *testing.T) {
		_, l := vectaraOAuth(t, stuck.URL, facade.Options{RequestTimeout: 100 * time.Millisecond,
			Retry: facade.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond}})
		_, err := testkit.Collect(t, context.Background(), l)
		assert.ErrorIs(t, err, facade.ErrUnavailable)
		assert.Contains(t, err.Error(), "request timeout")
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
	got := testkit.List(t, l)
	assert.NotEmpty(t, got)
	assert.Equal(t, int32(3), calls.Load())
}
