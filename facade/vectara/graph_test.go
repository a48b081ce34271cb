package vectara_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/providertest"
)

// gated serves tn through the fake, except that each list whose path ends
// in one of refused is answered 403; it returns the fake and a lister
// over it.
func gated(t *testing.T, tn *providertest.Tenant, o facade.Options, refused ...string) (*providertest.Server, facade.Lister) {
	t.Helper()
	srv := providertest.NewServer(t, "vectara", providertest.Options{Tenant: tn})
	u, err := url.Parse(srv.URL())
	require.NoError(t, err)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range refused {
			if strings.HasSuffix(r.URL.Path, p) {
				testkit.WriteRaw(w, http.StatusForbidden, `{"messages":["Permissions do not allow this."],"request_id":"req_403"}`)
				return
			}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)
	o.BaseURL, o.RateLimit, o.Retry = gate.URL+u.Path, -1, facadetest.FastRetries
	l, err := harness.New(srv.Token(), o)
	require.NoError(t, err)
	return srv, l
}

// A 403 on one kind's list (the app clients', the keys') is recorded as
// not permitted for that kind, the other kinds are listed whole, and the
// listing ends with a PermissionDenied error naming the kind refused:
// never "no app clients".
func TestRefusedKindIsNotPermitted(t *testing.T) {
	for _, c := range []struct {
		path  string
		kind  facade.PrincipalKind
		other string
	}{{"/v2/app_clients", facade.Application, "api_key"}, {"/v2/api_keys", facade.APIKey, "application"}} {
		t.Run(string(c.kind), func(t *testing.T) {
			tn := providertest.NewTenant("vectara", 40, 3)
			var stats facade.Stats
			_, l := gated(t, tn, facade.Options{Stats: &stats}, c.path)
			got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
			require.Error(t, err)
			assert.ErrorIs(t, err, facade.ErrPermissionDenied)
			assert.Contains(t, err.Error(), "list "+string(c.kind)+" (refused: ")
			assert.Equal(t, tn.RowsOf("user", c.other), facadetest.Rows(t, got), "the other kinds are listed whole")
			cov := stats.Snapshot().Kinds
			assert.Equal(t, facade.NotPermitted, cov[c.kind])
			assert.Equal(t, facade.Listed, cov[facade.User])
			assert.Equal(t, facade.NotOffered, cov[facade.Group])
		})
	}
}

// A 403 on a scope list (corpora) is a warning, not a failure: every role
// is listed, its corpus scopes without a name, and the log says why.
func TestRefusedScopeListLeavesNamesEmpty(t *testing.T) {
	tn := providertest.NewTenant("vectara", 30, 2)
	logs := &testkit.LogBuffer{}
	_, l := gated(t, tn, facade.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, "/v2/corpora")
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	want := tn.Rows()
	corpora := 0
	for i := range want {
		if want[i].ScopeKind == "corpus" {
			want[i].ScopeName = ""
			corpora++
		}
	}
	require.NotZero(t, corpora)
	assert.Equal(t, want, facadetest.Rows(t, got))
	assert.Contains(t, logs.String(), "cannot list corpora")
}

// The requests are the formula of the package documentation: one list
// per kind asked for, plus the scope lists those kinds need, each
// ⌈n/100⌉ pages (at least one); narrowing the kinds leaves lists out.
func TestRequestsAreTheFormula(t *testing.T) {
	tn := providertest.NewTenant("vectara", 230, 1)
	for _, c := range []struct {
		kinds []facade.PrincipalKind
		want  map[string]int64
	}{
		{nil, map[string]int64{"listUsers": 3, "listApiKeys": 1, "listAppClient": 1, "listCorpora": 1, "listAgents": 1}},
		{[]facade.PrincipalKind{facade.User}, map[string]int64{"listUsers": 3, "listCorpora": 1, "listAgents": 1}},
		{[]facade.PrincipalKind{facade.APIKey}, map[string]int64{"listApiKeys": 1, "listCorpora": 1}},
		{[]facade.PrincipalKind{facade.Application}, map[string]int64{"listAppClient": 1}},
	} {
		srv := providertest.NewServer(t, "vectara", providertest.Options{Tenant: tn})
		l, err := harness.New(srv.Token(), facade.Options{BaseURL: srv.URL(), RateLimit: -1})
		require.NoError(t, err)
		got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Principals: c.kinds}))
		require.NoError(t, err)
		var kinds []string
		for _, k := range c.kinds {
			kinds = append(kinds, string(k))
		}
		if len(kinds) == 0 {
			kinds = []string{"user", "api_key", "application"}
		}
		assert.Equal(t, tn.RowsOf(kinds...), facadetest.Rows(t, got), "%v", c.kinds)
		assert.Equal(t, c.want, srv.RequestsByOp(), "%v", c.kinds)
	}
}

// Under an email filter only users are listed: keys and app clients have
// no address, so their lists are not asked for.
func TestEmailFilterSkipsKeysAndApps(t *testing.T) {
	tn := providertest.NewTenant("vectara", 30, 2)
	srv := providertest.NewServer(t, "vectara", providertest.Options{Tenant: tn})
	l, err := harness.New(srv.Token(), facade.Options{BaseURL: srv.URL(), RateLimit: -1})
	require.NoError(t, err)
	email := tn.Users[0].Email
	got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{email}}))
	require.NoError(t, err)
	assert.Equal(t, tn.FilterEmails([]string{email}).Rows(), facadetest.Rows(t, got))
	ops := srv.RequestsByOp()
	assert.Zero(t, ops["listApiKeys"]+ops["listAppClient"])
	assert.Positive(t, ops["listCorpora"], "the corpus names are still wanted")
}
