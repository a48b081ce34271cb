package driverkit

import (
	"context"
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

func TestDial(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	spec := Spec{Provider: "p", MaxPageSize: 10, Credentials: "what they are"}
	key, id, secret := "key-"+strings.Repeat("k", 12), "the-client-id", "secret-"+strings.Repeat("s", 12)
	ways := func(key, id, secret string) []Way {
		return []Way{
			{Auth: Header("x-api-key", key), Fields: []Field{{Name: "APIKey", Value: key, Secret: true}}},
			{Fields: []Field{{Name: "ClientID", Value: id}, {Name: "ClientSecret", Value: secret, Secret: true}}},
		}
	}

	// The way given whole is the one whose Auth the kit sends, on the
	// client built with the kit's HTTP client and base URL.
	kit, c, err := dial(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, ways(key, "", "")...)
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
	_, _, err = dial(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, w...)
	require.NoError(t, err)
	assert.Nil(t, granted)
	w = ways("", id, secret)
	w[1].Grant = grant(srv.URL + "/token")
	kit, _, err = dial(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, w...)
	require.NoError(t, err)
	assert.Same(t, kit, granted)
	w[1].Grant = grant("ftp://127.0.0.1/token")
	_, _, err = dial(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, w...)
	assert.ErrorContains(t, err, "p: token URL")
	s := kit.Scrub("id " + id + " secret " + secret)
	assert.Contains(t, s, id)
	assert.NotContains(t, s, secret)

	// A bad Config is Credential's error; the generated client's is
	// wrapped in the provider's name.
	_, c, err = dial(spec, facade.Options{BaseURL: srv.URL}, genNew, genWithHTTPClient, ways("", "", "")...)
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.EqualError(t, err, "p: configure: invalid argument: p.Config.APIKey (or p.Config.ClientID and p.Config.ClientSecret) is not set: what they are")
	assert.Nil(t, c)
	boom := errors.New("boom")
	failing := func(string, ...genOption) (*genClient, error) { return nil, boom }
	_, _, err = dial(spec, facade.Options{BaseURL: srv.URL}, failing, genWithHTTPClient, ways(key, "", "")...)
	assert.ErrorIs(t, err, boom)
	assert.EqualError(t, err, "p: boom")
}

// Open's Source names the provider and streams the driver's List, which
// gets the kit, the generated client and the options' emails; a bad Config
// is dial's error.
func TestOpen(t *testing.T) {
	spec := Spec{Provider: "p", MaxPageSize: 10, DefaultBaseURL: "https://p.example.com"}
	var gotKit *Kit
	var gotClient *genClient
	var gotEmails []string
	list := func(_ context.Context, kit *Kit, client *genClient, emails []string, emit Emit) error {
		gotKit, gotClient, gotEmails = kit, client, emails
		return emit([]facade.Assignment{{Provider: "p", UserID: "u1", Email: "ada@x.com", RoleID: "r"}, {Provider: "p", UserID: "u2", Email: "bob@x.com", RoleID: "r"}})
	}
	src, err := Open(spec, facade.Options{}, genNew, genWithHTTPClient, list, BearerToken("Token", "t"))
	require.NoError(t, err)
	assert.Equal(t, "p", src.Provider())
	got, err := facade.Collect(src.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{" Ada@x.com ", "ada@x.com"}}))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "u1", got[0].UserID)
	assert.Equal(t, []string{"Ada@x.com"}, gotEmails)
	require.NotNil(t, gotKit)
	assert.Equal(t, gotKit.URL(), gotClient.server)
	assert.Same(t, gotKit.HTTP, gotClient.doer)

	_, err = Open(spec, facade.Options{}, genNew, genWithHTTPClient, list, BearerToken("Token", ""))
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.EqualError(t, err, "p: configure: invalid argument: p.Config.Token is not set")
}
