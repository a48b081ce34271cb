package cortex_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	admin "github.com/rolecall/rolecall/gen/cortexadmin"
	"github.com/rolecall/rolecall/providertest"
)

// TestKeysRefusedAreNotPermitted: a key without the Edit API keys
// permission is answered 403 on GET /api/v1/auth/key. The users are listed
// whole, the run's Coverage says api_key not_permitted (never "no keys"),
// and the listing ends with a PermissionDenied error naming api_key.
func TestKeysRefusedAreNotPermitted(t *testing.T) {
	tn := providertest.NewTenant("cortex", 40, 5)
	require.NotEmpty(t, tn.CortexKeys)
	srv := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tn})
	refused := 0
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/api/v1/auth/key") {
			refused++
			testkit.WriteRaw(w, 403, `{"message":"Missing permission: Edit API keys","type":"FORBIDDEN","requestId":"req-7"}`)
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	stats := new(facade.Stats)
	mount, err := url.Parse(srv.URL()) // the fake's mount point, kept in front of it
	require.NoError(t, err)
	l, err := harness.New(srv.Token(), facade.Options{BaseURL: front.URL + mount.Path, RateLimit: -1, Retry: facadetest.FastRetries, Stats: stats})
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, facade.ErrPermissionDenied)
	assert.Contains(t, err.Error(), "list api_key (refused: list API keys (page 0))")
	assert.Equal(t, 1, refused, "a 403 is not retried")
	assert.Equal(t, tn.RowsOf("user"), facadetest.Rows(t, got), "every user row, none of the keys'")
	kinds := stats.Snapshot().Kinds
	assert.Equal(t, facade.NotPermitted, kinds[facade.APIKey])
	assert.Equal(t, facade.Listed, kinds[facade.User])
}

// TestKeysAreNotAskedForUsersOnly: with the principals narrowed to users,
// the key listing (which needs a write permission) is never requested.
func TestKeysAreNotAskedForUsersOnly(t *testing.T) {
	tn := providertest.NewTenant("cortex", 20, 5)
	srv := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tn})
	l, err := harness.New(srv.Token(), facade.Options{BaseURL: srv.URL(), RateLimit: -1})
	require.NoError(t, err)
	got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Principals: []facade.PrincipalKind{facade.User}}))
	require.NoError(t, err)
	assert.Equal(t, tn.RowsOf("user"), facadetest.Rows(t, got))
	assert.Zero(t, srv.RequestsByOp()["listApiKeys"])
	assert.Equal(t, int64(1), srv.RequestsByOp()["listUsers"])
}

// pagesLister is harness.Lister over canned bodies by path (the roles,
// users and keys lists); a path without one is an empty page.
func pagesLister(t *testing.T, pages map[string]string, o facade.Options) facade.Lister {
	t.Helper()
	empty := map[string]string{
		"/api/v1/users/roles": `{"page":0,"total":0,"totalPages":0,"users":[]}`,
		"/api/v1/users":       `{"page":0,"total":0,"totalPages":0,"users":[]}`,
		"/api/v1/auth/key":    `{"apiKeys":[],"page":0,"total":0,"totalPages":0}`,
	}
	return harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			body = empty[r.URL.Path]
		}
		testkit.WriteRaw(w, 200, body)
	}, o)
}

// TestKeyLast4IsNeverKept serves keys whose last4 (the end of the key's
// secret) are distinctive, and searches every assignment (its fields, its
// decoded record as JSON and as Go syntax) and every debug log line for
// them.
func TestKeyLast4IsNeverKept(t *testing.T) {
	secrets := []string{"Qz7§", "ǂW9x"}
	keys := fmt.Sprintf(`{"apiKeys":[
		{"cid":"cid-1","name":"ci","description":"d","last4":%q,"createdDate":"2026-01-02T03:04:05Z","expirationDate":null,"roles":[{"type":"DEFAULT","role":"ADMIN"}]},
		{"cid":"cid-2","name":"sync","description":null,"last4":%q,"createdDate":"2026-02-02T03:04:05Z","expirationDate":"2027-02-02T03:04:05Z","roles":[{"type":"CUSTOM","tag":"auditor"},{"type":"DEFAULT","role":"READ_ONLY"}]}
		],"page":0,"total":2,"totalPages":1}`, secrets[0], secrets[1])
	logs := &testkit.LogBuffer{}
	l := pagesLister(t, map[string]string{"/api/v1/auth/key": keys},
		facade.Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	require.Len(t, got, 3)
	for _, a := range got {
		rec, err := json.Marshal(a.Record)
		require.NoError(t, err)
		for _, s := range secrets {
			assert.NotContains(t, string(rec), s, "a record holds a key's last4")
			assert.NotContains(t, fmt.Sprintf("%#v", a), s, "an assignment holds a key's last4")
			assert.NotContains(t, fmt.Sprintf("%#v", *a.Record.(*admin.ApiKey)), s, "a record holds a key's last4")
		}
	}
	for _, s := range secrets {
		assert.NotContains(t, logs.String(), s, "the log holds a key's last4")
	}
	assert.Contains(t, logs.String(), "auth/key", "the debug log covered the key listing")
}

// TestKeyMapping maps each kind of key role: DEFAULT roles builtin (ADMIN
// privileged), a CUSTOM role by its tag, a role type the client does not
// know kept as custom; createdDate and expirationDate (null: never) in
// UTC; no owner, no email, no last use.
func TestKeyMapping(t *testing.T) {
	keys := `{"apiKeys":[
		{"cid":"cid-1","name":"ci","description":"d","createdDate":"2026-01-02T04:04:05+01:00","expirationDate":null,"roles":[{"type":"DEFAULT","role":"ADMIN"}]},
		{"cid":"cid-2","name":"sync","createdDate":"2026-02-02T03:04:05Z","expirationDate":"2027-02-02T03:04:05Z","roles":[{"type":"CUSTOM","tag":"auditor"},{"type":"DEFAULT","role":"READ_ONLY"},{"type":"SCOPED","tag":"later"}]}
		],"page":0,"total":2,"totalPages":1}`
	l := pagesLister(t, map[string]string{"/api/v1/auth/key": keys}, facade.Options{})
	got := testkit.List(t, l)
	created1 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	created2 := time.Date(2026, 2, 2, 3, 4, 5, 0, time.UTC)
	expires2 := time.Date(2027, 2, 2, 3, 4, 5, 0, time.UTC)
	key := func(id, name, role string, kind facade.RoleKind, priv bool, created, expires time.Time) facade.Assignment {
		return facade.Assignment{Provider: "cortex", Principal: facade.APIKey, UserID: id, Name: name, RoleID: role, RoleName: role,
			RoleKind: kind, ScopeKind: facade.ScopeWorkspace, Held: facade.Direct, Created: created, Expires: expires, Privileged: priv}
	}
	want := []facade.Assignment{
		key("cid-1", "ci", "ADMIN", facade.Builtin, true, created1, time.Time{}),
		key("cid-2", "sync", "READ_ONLY", facade.Builtin, false, created2, expires2),
		key("cid-2", "sync", "auditor", facade.Custom, false, created2, expires2),
		key("cid-2", "sync", "later", facade.Custom, false, created2, expires2),
	}
	for i := range got {
		require.IsType(t, &admin.ApiKey{}, got[i].Record)
		got[i].Record = nil
		assert.Equal(t, time.UTC, got[i].Created.Location())
	}
	sortByRole := func(as []facade.Assignment) {
		slices.SortFunc(as, func(a, b facade.Assignment) int { return strings.Compare(a.UserID+"/"+a.RoleID, b.UserID+"/"+b.RoleID) })
	}
	sortByRole(got)
	assert.Equal(t, want, got)
}

// TestUserTimesJoinByEmail: a user's rows carry its join date and last
// activity from GET /api/v1/users, matched case-insensitively; a user the
// users' list lacks, or never active, has none.
func TestUserTimesJoinByEmail(t *testing.T) {
	l := pagesLister(t, map[string]string{
		"/api/v1/users": `{"page":0,"total":3,"totalPages":1,"users":[
			{"email":"Ada@X.com","name":"Ada","joinDate":"2025-03-01T09:30:00Z","lastActive":"2026-11-20T17:05:12.5Z"},
			{"email":"bob@x.com","name":"Bob","joinDate":"2025-04-01T09:30:00Z","lastActive":null},
			{"email":"eve@x.com","name":"Eve","joinDate":null,"lastActive":null}]}`,
		"/api/v1/users/roles": `{"page":0,"total":3,"totalPages":1,"users":[
			{"email":"ada@x.com","name":"Ada","roles":[{"type":"BASIC","role":"ADMIN"}]},
			{"email":"bob@x.com","name":"Bob","roles":[{"type":"BASIC","role":"USER"}]},
			{"email":"new@x.com","name":"New","roles":[{"type":"BASIC","role":"VIEWER"}]}]}`,
	}, facade.Options{})
	got := testkit.List(t, l)
	require.Len(t, got, 3)
	at := map[string][2]time.Time{}
	for _, a := range got {
		at[a.UserID] = [2]time.Time{a.Created, a.LastActivity}
	}
	assert.Equal(t, [2]time.Time{time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC), time.Date(2026, 11, 20, 17, 5, 12, 5e8, time.UTC)}, at["ada@x.com"])
	assert.Equal(t, [2]time.Time{time.Date(2025, 4, 1, 9, 30, 0, 0, time.UTC), {}}, at["bob@x.com"])
	assert.Equal(t, [2]time.Time{}, at["new@x.com"], "not in the users' list: nothing known")
}
