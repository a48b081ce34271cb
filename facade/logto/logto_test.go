package logto_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/providertest"
)

const oneRole = `[{"tenantId":"t","id":"r1","name":"admin","description":"d","type":"User","isDefault":false,"usersCount":1,"featuredUsers":[],"applicationsCount":0,"featuredApplications":[]},
	{"tenantId":"t","id":"m1","name":"machine","description":"d","type":"MachineToMachine","isDefault":false,"usersCount":0,"featuredUsers":[],"applicationsCount":1,"featuredApplications":[]}]`

// rolesOnly answers the access graph's listings (organizations,
// invitations, a role's scopes and applications) with none, and hands the
// rest to h: a tenant of roles and their users only.
func rolesOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/api/organization") || strings.HasSuffix(p, "/scopes") || strings.HasSuffix(p, "/applications") {
			w.Header().Set("Total-Number", "0")
			testkit.WriteRaw(w, 200, "[]")
			return
		}
		h(w, r)
	}
}

func user(id string) string {
	return fmt.Sprintf(`{"id":%q,"username":null,"primaryEmail":null,"primaryPhone":null,"name":"N","avatar":null,"customData":{},"identities":{},
		"lastSignInAt":null,"createdAt":1700000000000,"updatedAt":1700000000001,"profile":{},"applicationId":null,"isSuspended":true}`, id)
}

func TestLinkNextIsFollowedWithoutTotalNumber(t *testing.T) {
	var pages []string
	l := harness.Lister(t, rolesOnly(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/roles" {
			assert.Empty(t, r.URL.Query().Get("type"), "users and applications: both types in one listing")
			w.Header().Set("Total-Number", "2")
			testkit.WriteRaw(w, 200, oneRole)
			return
		}
		page := r.URL.Query().Get("page")
		pages = append(pages, page)
		assert.Equal(t, "100", r.URL.Query().Get("page_size"))
		if page == "1" { // a short page: only the Link says more follow
			w.Header().Add("Link", `<https://elsewhere.example/api/roles/r1/users?page=1>; rel="first"`)
			w.Header().Add("Link", `<https://elsewhere.example/api/roles/r1/users?page=2>; rel="next"`)
			testkit.WriteRaw(w, 200, "["+user("u1")+"]")
			return
		}
		w.Header().Add("Link", `<https://elsewhere.example/api/roles/r1/users?page=1>; rel="first"`)
		testkit.WriteRaw(w, 200, "["+user("u2")+"]")
	}), facade.Options{})
	got := testkit.List(t, l)
	assert.Equal(t, []string{"1", "2"}, pages, "the Link's URL is not followed, only its relation")
	require.Len(t, got, 2, "the MachineToMachine role is not listed")
	for _, a := range got {
		assert.Equal(t, "admin", a.RoleName)
		assert.Equal(t, "", a.Email, "a null primaryEmail reads as empty")
		assert.True(t, a.Disabled)
		assert.Equal(t, facade.Custom, a.RoleKind)
		assert.Equal(t, facade.User, a.Principal)
		assert.Equal(t, facade.ScopeTenant, a.ScopeKind)
		assert.Equal(t, facade.Direct, a.Held)
	}
}

func TestNoPaginationSignalIsInvalid(t *testing.T) {
	l := harness.Lister(t, rolesOnly(func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 200, oneRole)
	}), facade.Options{})
	testkit.ExpectInvalid(t, l, "neither Total-Number nor Link")
}

func TestALyingTotalIsBounded(t *testing.T) {
	l := harness.Lister(t, rolesOnly(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Total-Number", "1000000000000")
		testkit.WriteRaw(w, 200, "[]")
	}), facade.Options{})
	testkit.ExpectInvalid(t, l, "too many pages")
}

func TestForbiddenMessage(t *testing.T) {
	l := harness.Lister(t, rolesOnly(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/roles" {
			w.Header().Set("Total-Number", "2")
			testkit.WriteRaw(w, 200, oneRole)
			return
		}
		testkit.WriteRaw(w, 403, `{"code":"auth.forbidden","message":"Forbidden"}`)
	}), facade.Options{})
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrPermissionDenied)
	// The users' listing was refused; the applications' (none here) was not.
	assert.Equal(t, `logto: list user (refused: list users of role "admin" (page 1)): 403 forbidden: the token lacks the all scope: give the machine-to-machine app the Logto Management API access role; the provider refused to list user; give the key or client the permission to read them, or leave them out (rolecall --principals, facade.ListOptions.Principals) to list the other kinds completely (logto said "auth.forbidden: Forbidden")`, err.Error())
}

func TestSearchesEmailsOnTheServer(t *testing.T) {
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: providertest.NewTenant("logto", 60, 4)})
	var email string
	for _, u := range srv.Tenant().Users {
		if u.Email != "" && len(u.Grants) > 0 {
			email = u.Email
			break
		}
	}
	l, err := logto.New(logto.Config{AccessToken: srv.Token(), Options: facade.Options{BaseURL: srv.URL(), RateLimit: -1}})
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{email}}))
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	before := srv.RequestsByOp()["ListRoleUsers"]
	for _, a := range got {
		assert.Equal(t, email, a.Email)
	}
	assert.Positive(t, before)
}

func TestAppCredentialsAreExchangedAtTheTokenEndpoint(t *testing.T) {
	srv := providertest.NewServer(t, "logto", providertest.Options{AppID: "m2m-app", AppSecret: "m2m-secret-value"})
	l, err := logto.New(logto.Config{AppID: "m2m-app", AppSecret: "m2m-secret-value", Options: facade.Options{BaseURL: srv.URL(), RateLimit: -1}})
	require.NoError(t, err)
	for range 2 {
		got := testkit.List(t, l)
		assert.NotEmpty(t, got)
	}
	assert.EqualValues(t, 1, srv.RequestsByOp()["token"], "one token serves both listings")

	bad, err := logto.New(logto.Config{AppID: "m2m-app", AppSecret: "wrong-secret-value", Options: facade.Options{BaseURL: srv.URL(), RateLimit: -1}})
	require.NoError(t, err)
	_, err = facade.Collect(bad.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrUnauthenticated)
	assert.NotContains(t, err.Error(), "wrong-secret-value")
}

func TestDefaultResource(t *testing.T) {
	cloud, _ := url.Parse("https://abc123.logto.app")
	self, _ := url.Parse("https://auth.example.com")
	assert.Equal(t, "https://abc123.logto.app/api", logto.DefaultResource(cloud))
	assert.Equal(t, "https://default.logto.app/api", logto.DefaultResource(self))
}

func TestEndpointIsRequired(t *testing.T) {
	_, err := logto.New(logto.Config{AccessToken: "x"})
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.ErrorContains(t, err, "logto.Config.BaseURL is not set")
}

// Logto Cloud's documented 200 requests per 10 s is a budget: a listing of
// more than a second's worth of requests, within the allowance, meets no
// 429 from a server that enforces exactly that limit.
func TestDocumentedBudgetDrawsNo429(t *testing.T) {
	tn := providertest.NewTenant("logto", 60, 4)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn, RateLimit: 20, Burst: 200})
	stats := new(facade.Stats)
	l, err := logto.New(logto.Config{AccessToken: srv.Token(), Options: facade.Options{BaseURL: srv.URL(), PageSize: 2, Stats: stats}})
	require.NoError(t, err)
	got := testkit.List(t, l)
	assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
	snap := stats.Snapshot()
	assert.Zero(t, snap.RateLimited)
	assert.Greater(t, snap.Requests, int64(20))
}

// harness is this driver for the conformance suite and this package's tests.
var harness = facadetest.Harness{Provider: "logto", New: func(credential string, o facade.Options) (facade.Lister, error) {
	return logto.New(logto.Config{AccessToken: credential, Options: o})
}}

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, harness)
}
