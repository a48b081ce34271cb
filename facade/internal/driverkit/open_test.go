package driverkit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/rolecall/rolecall/facade"
)

// The shapes of an oapi-codegen client package: Client, ClientOption,
// HttpRequestDoer, NewClient and WithHTTPClient.
type (
	genDoer interface {
		Do(*http.Request) (*http.Response, error)
	}
	genClient struct {
		server string
		doer   genDoer
	}
	genOption func(*genClient) error
)

func genNew(server string, opts ...genOption) (*genClient, error) {
	c := &genClient{server: server}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func genWithHTTPClient(d genDoer) genOption {
	return func(c *genClient) error { c.doer = d; return nil }
}

func TestOpen(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	spec := Spec{Provider: "p", MaxPageSize: 10}
	key, id, secret := "key-"+strings.Repeat("k", 12), "the-client-id", "secret-"+strings.Repeat("s", 12)
	ways := func(key, id, secret string) []Way {
		return []Way{
			{Auth: Header("x-api-key", key), Fields: []Field{{Name: "APIKey", Value: key, Secret: true}}},
			{Fields: []Field{{Name: "ClientID", Value: id}, {Name: "ClientSecret", Value: secret, Secret: true}}},
		}
	}

	// The way given whole is the one whose Auth the kit sends, on the
	// client built with the kit's HTTP client and base URL.
	kit, c, err := Open(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, "what they are", ways(key, "", "")...)
	require.NoError(t, err)
	assert.Equal(t, kit.URL(), c.server)
	assert.Same(t, kit.HTTP, c.doer)
	req, err := http.NewRequest(http.MethodGet, c.server+"users", nil)
	require.NoError(t, err)
	resp, err := c.doer.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, key, got.Get("x-api-key"))

	// Secret fields are scrubbed, the others are not. A way's Grant is
	// asked for, with the kit, only when the way is the one given.
	var granted *Kit
	grant := func(tokenURL string) func(*Kit) *clientcredentials.Config {
		return func(k *Kit) *clientcredentials.Config {
			granted = k
			return &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: tokenURL}
		}
	}
	w := ways(key, "", "")
	w[1].Grant = grant(srv.URL + "/token")
	_, _, err = Open(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, "what they are", w...)
	require.NoError(t, err)
	assert.Nil(t, granted)
	w = ways("", id, secret)
	w[1].Grant = grant(srv.URL + "/token")
	kit, _, err = Open(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, "what they are", w...)
	require.NoError(t, err)
	assert.Same(t, kit, granted)
	w[1].Grant = grant("ftp://127.0.0.1/token")
	_, _, err = Open(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, "what they are", w...)
	assert.ErrorContains(t, err, "p: token URL")
	s := kit.Scrub("id " + id + " secret " + secret)
	assert.Contains(t, s, id)
	assert.NotContains(t, s, secret)

	// A bad Config is Credential's error; the generated client's is
	// wrapped in the provider's name.
	_, c, err = Open(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, "what they are", ways("", "", "")...)
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.EqualError(t, err, "p: configure: invalid argument: p.Config.APIKey (or p.Config.ClientID and p.Config.ClientSecret) is not set: what they are")
	assert.Nil(t, c)
	boom := errors.New("boom")
	failing := func(string, ...genOption) (*genClient, error) { return nil, boom }
	_, _, err = Open(spec, facade.Options{BaseURL: srv.URL}, failing, genWithHTTPClient, "", ways(key, "", "")...)
	assert.ErrorIs(t, err, boom)
	assert.EqualError(t, err, "p: boom")
}
