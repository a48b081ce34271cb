package vectara_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/vectara"
)

// emptyLists answers the account's lists other than users (keys, app
// clients, corpora, agents) with an empty last page, and reports whether
// r was one of them.
func emptyLists(w http.ResponseWriter, r *http.Request) bool {
	for _, l := range []string{"api_keys", "app_clients", "corpora", "agents"} {
		if strings.HasSuffix(r.URL.Path, "/v2/"+l) {
			testkit.WriteRaw(w, 200, `{"`+l+`":[],"metadata":{"page_key":""}}`)
			return true
		}
	}
	return false
}

// usersOnly serves h for the users list and emptyLists for the others.
func usersOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !emptyLists(w, r) {
			h(w, r)
		}
	}
}

func TestAbsentPageKeyEndsTheListing(t *testing.T) {
	var keys []string
	l := harness.Lister(t, usersOnly(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, facadetest.Credential, r.Header.Get("x-api-key"))
		assert.Equal(t, "100", r.URL.Query().Get("limit"))
		keys = append(keys, r.URL.Query().Get("page_key"))
		if r.URL.Query().Get("page_key") == "" {
			testkit.WriteRaw(w, 200, `{"users":[{"id":"usr_1","email":"a@x.com","username":"a","enabled":false,
				"api_roles":["owner","future_role"],"corpus_roles":[{"corpus_key":"docs","role":"editor"}],"agent_roles":[{"agent_key":"bot","role":"agent_user"}]}],
				"metadata":{"page_key":"k2"}}`)
			return
		}
		testkit.WriteRaw(w, 200, `{"users":[{"id":"usr_2","email":"b@x.com","username":"b","enabled":true}],"metadata":{}}`)
	}), facade.Options{})
	got := testkit.List(t, l)
	assert.Equal(t, []string{"", "k2"}, keys)
	require.Len(t, got, 4, "a user without roles yields nothing")
	scopes := map[string]string{}
	kinds := map[string][2]string{}
	for _, a := range got {
		scopes[a.RoleID] = a.Scope
		kinds[a.RoleID] = [2]string{string(a.ScopeKind), a.ScopeID}
		assert.Equal(t, facade.User, a.Principal)
		assert.Equal(t, facade.Direct, a.Held)
		assert.True(t, a.Disabled)
		assert.Equal(t, facade.Builtin, a.RoleKind)
		assert.Equal(t, a.RoleID, a.RoleName)
	}
	assert.Equal(t, map[string]string{"owner": "", "future_role": "", "editor": "corpus/docs", "agent_user": "agent/bot"}, scopes,
		"an unknown role value is kept")
	assert.Equal(t, map[string][2]string{"owner": {"account", ""}, "future_role": {"account", ""},
		"editor": {"corpus", "docs"}, "agent_user": {"agent", "bot"}}, kinds, "scope kind and id")
}

func TestRepeatedPageKeyEndsTheListing(t *testing.T) {
	calls := 0
	l := harness.Lister(t, usersOnly(func(w http.ResponseWriter, r *http.Request) {
		calls++
		testkit.WriteRaw(w, 200, `{"users":[],"metadata":{"page_key":"same"}}`)
	}), facade.Options{})
	testkit.ExpectInvalid(t, l, `repeated a cursor "same"`)
	assert.Equal(t, 2, calls)
}

func TestEmailFilterRunsOnTheClient(t *testing.T) {
	l := harness.Lister(t, usersOnly(func(w http.ResponseWriter, r *http.Request) {
		assert.Empty(t, r.URL.Query().Get("email"), "Vectara has no email filter")
		testkit.WriteRaw(w, 200, `{"users":[{"id":"usr_1","email":"A@x.com","api_roles":["owner"]},{"id":"usr_2","email":"b@x.com","api_roles":["owner"]}],"metadata":{"page_key":""}}`)
	}), facade.Options{})
	got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{"a@X.com"}}))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "usr_1", got[0].UserID)
}

func TestOAuthClientCredentials(t *testing.T) {
	tokens := 0
	base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/oauth2/token":
			tokens++
			require.NoError(t, r.ParseForm())
			assert.Equal(t, "client_credentials", r.Form.Get("grant_type"))
			testkit.WriteRaw(w, 200, `{"access_token":"jwt-from-vectara","token_type":"Bearer","expires_in":1800}`)
		case "/v2/users":
			assert.Equal(t, "Bearer jwt-from-vectara", r.Header.Get("Authorization"))
			testkit.WriteRaw(w, 200, `{"users":[{"id":"usr_1","api_roles":["owner"]}],"metadata":{"page_key":""}}`)
		default:
			assert.Equal(t, "Bearer jwt-from-vectara", r.Header.Get("Authorization"))
			assert.True(t, emptyLists(w, r), r.URL.Path)
		}
	})
	l := oauthLister(t, base)
	for range 2 {
		got := testkit.List(t, l)
		assert.Len(t, got, 1)
	}
	assert.Equal(t, 1, tokens, "the token is reused until it nears expiry")
}

func TestOAuthRefusalIsUnauthenticated(t *testing.T) {
	base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 401, `{"error":"invalid_client","error_description":"bad secret shh-secret"}`)
	})
	l := oauthLister(t, base)
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrUnauthenticated)
	assert.Contains(t, err.Error(), "token endpoint refused")
	assert.NotContains(t, err.Error(), "shh-secret")
}

func TestCredentialsAreRequired(t *testing.T) {
	_, err := vectara.New(vectara.Config{})
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.ErrorContains(t, err, "vectara.Config.APIKey (or vectara.Config.ClientID and vectara.Config.ClientSecret) is not set")
	_, err = vectara.New(vectara.Config{APIKey: "k", ClientID: "c", ClientSecret: "s"})
	assert.ErrorContains(t, err, "not both")
	_, err = vectara.New(vectara.Config{APIKey: "k", ClientSecret: "s"})
	assert.ErrorContains(t, err, "not both", "a stray secret is not ignored")
}

// A token is reused for a fraction of its lifetime, even a short one (no
// exchange per request); a token without a lifetime (expires_in 0 or
// absent) serves one request, never for ever.
func TestOAuthTokenLifetimes(t *testing.T) {
	for _, tc := range []struct {
		expiresIn string
		once      bool // a token per request, else one for both listings
	}{
		{`,"expires_in":60`, false},   // refreshed after 45s: both listings use it
		{`,"expires_in":3600`, false}, // refreshed two minutes before it expires
		{`,"expires_in":0`, true},     // used once
		{``, true},                    // no lifetime: used once
	} {
		t.Run(tc.expiresIn, func(t *testing.T) {
			var tokens, requests atomic.Int32
			base := testkit.Serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/oauth2/token" {
					tokens.Add(1)
					testkit.WriteRaw(w, 200, `{"access_token":"short-lived-token","token_type":"Bearer"`+tc.expiresIn+`}`)
					return
				}
				requests.Add(1)
				if !emptyLists(w, r) {
					testkit.WriteRaw(w, 200, `{"users":[],"metadata":{"page_key":""}}`)
				}
			})
			l := oauthLister(t, base)
			for range 2 {
				_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
				require.NoError(t, err)
			}
			want := int32(1)
			if tc.once {
				want = requests.Load()
				assert.EqualValues(t, 10, want, "two listings of five lists each")
			}
			assert.Equal(t, want, tokens.Load())
		})
	}
}

// oauthLister returns a Lister with client credentials, exchanged at
// base's /oauth2/token, over base.
func oauthLister(t *testing.T, base string) *facade.Source {
	t.Helper()
	tokenURL, _ := url.JoinPath(base, "oauth2/token")
	l, err := vectara.New(vectara.Config{ClientID: "app", ClientSecret: "shh-secret", TokenURL: tokenURL,
		Options: facade.Options{BaseURL: base, Retry: facadetest.FastRetries}})
	require.NoError(t, err)
	return l
}

// harness is this driver for the conformance suite and this package's tests.
var harness = facadetest.Harness{Provider: "vectara", New: func(credential string, o facade.Options) (facade.Lister, error) {
	return vectara.New(vectara.Config{APIKey: credential, Options: o})
}}

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, harness)
}
