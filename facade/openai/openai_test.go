package openai_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/openai"
	api "github.com/rolecall/rolecall/gen/openai"
)

const oneUser = `{"object":"list","data":[{"object":"organization.user","id":"user_1","name":"Ada","email":"ada@x.com","role":"owner","added_at":1}],"first_id":"user_1","last_id":"user_1","has_more":false}`

func TestRepeatedRoleCursorEndsTheListing(t *testing.T) {
	calls := 0
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/organization/users":
			testkit.WriteRaw(w, 200, oneUser)
			return
		case "/v1/organization/roles":
			testkit.WriteRaw(w, 200, `{"object":"list","data":[],"has_more":false,"next":null}`)
			return
		}
		calls++
		testkit.WriteRaw(w, 200, `{"object":"list","data":[],"has_more":true,"next":"cur_same"}`)
	}, facade.Options{})
	testkit.ExpectInvalid(t, l, "repeated a cursor")
	assert.Equal(t, 2, calls, "stopped at the first repeat, no loop")
}

// 50 users whose role cursors never end (a new cursor each page): the
// role catalogue bounds each user's walk, so the listing fails after a few
// requests a user, not after hundreds of thousands (issue 15).
func TestNeverEndingRoleCursorsFailFast(t *testing.T) {
	var users strings.Builder
	for i := range 50 {
		if i > 0 {
			users.WriteByte(',')
		}
		fmt.Fprintf(&users, `{"object":"organization.user","id":"user_%d","name":"U","email":"u%d@x.com","role":"reader","added_at":1}`, i, i)
	}
	var roleCalls, catalogueCalls atomic.Int32
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/organization/users":
			testkit.WriteRaw(w, 200, `{"object":"list","data":[`+users.String()+`],"first_id":"user_0","last_id":"user_49","has_more":false}`)
		case "/v1/organization/roles":
			catalogueCalls.Add(1)
			testkit.WriteRaw(w, 200, `{"object":"list","data":[],"has_more":false,"next":null}`)
		default:
			n := roleCalls.Add(1)
			testkit.WriteRaw(w, 200, fmt.Sprintf(`{"object":"list","data":[],"has_more":true,"next":"cur_%d"}`, n))
		}
	}, facade.Options{})
	testkit.ExpectInvalid(t, l, "role catalogue has 0 roles")
	assert.Less(t, roleCalls.Load(), int32(50*12), "a dozen pages a user at most")
	assert.Equal(t, int32(1), catalogueCalls.Load(), "the catalogue is counted once a listing")
}

func TestMoreWithoutACursorIsInvalid(t *testing.T) {
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/organization/users" {
			testkit.WriteRaw(w, 200, oneUser)
			return
		}
		testkit.WriteRaw(w, 200, `{"object":"list","data":[],"has_more":true,"next":null}`)
	}, facade.Options{})
	testkit.ExpectInvalid(t, l, "gave no cursor")
}

func TestMappingAndServerSideEmailFilter(t *testing.T) {
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/organization/users":
			assert.Equal(t, []string{"ada@x.com"}, r.URL.Query()["emails"])
			assert.Equal(t, "100", r.URL.Query().Get("limit"), "the users listing's largest page")
			testkit.WriteRaw(w, 200, oneUser)
		case "/v1/organization/users/user_1/roles":
			assert.Equal(t, "1000", r.URL.Query().Get("limit"), "the roles listing's largest page")
			testkit.WriteRaw(w, 200, `{"object":"list","data":[
				{"id":"role_a","name":"Group Manager","permissions":["api.groups.read"],"resource_type":"api.organization","predefined_role":false,
				 "description":null,"created_at":null,"updated_at":null,"created_by":null,"created_by_user_obj":null,"metadata":null,
				 "assignment_sources":[{"principal_id":"user_1","principal_type":"user"},{"principal_id":"grp_9","principal_type":"group"}]},
				{"id":"role_b","name":"Reader","permissions":[],"resource_type":"api.project","predefined_role":true,
				 "description":null,"created_at":1,"updated_at":2,"created_by":"x","created_by_user_obj":{},"metadata":{}}],
				"has_more":false,"next":null}`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	}, facade.Options{})
	got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{"ada@x.com"}}))
	require.NoError(t, err)
	require.Len(t, got, 3)
	byRole := map[string]facade.Assignment{}
	for _, a := range got {
		byRole[a.RoleID] = a
	}
	assert.Equal(t, openai.OrgScope, byRole["owner"].Scope)
	assert.Equal(t, facade.Builtin, byRole["owner"].RoleKind)
	assert.IsType(t, &api.OrganizationUser{}, byRole["owner"].Record)
	a := byRole["role_a"]
	assert.Equal(t, "group/grp_9", a.Via, "the user's own source is not a via")
	assert.Equal(t, facade.Custom, a.RoleKind)
	assert.Equal(t, []string{"api.groups.read"}, a.Permissions)
	assert.Equal(t, "", byRole["role_b"].Via)
	assert.Equal(t, "api.project", byRole["role_b"].Scope)
	assert.IsType(t, &api.AssignedRoleDetails{}, a.Record)
}

func TestUsersAreFollowedByLastID(t *testing.T) {
	var afters []string
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/organization/users" {
			testkit.WriteRaw(w, 200, `{"object":"list","data":[],"has_more":false,"next":null}`)
			return
		}
		after := r.URL.Query().Get("after")
		afters = append(afters, after)
		if after == "" { // a short page that still has more
			testkit.WriteRaw(w, 200, strings.ReplaceAll(oneUser, `"has_more":false`, `"has_more":true`))
			return
		}
		testkit.WriteRaw(w, 200, `{"object":"list","data":[{"object":"organization.user","id":"user_2","name":null,"email":null,"role":"reader","added_at":1}],"first_id":"user_2","last_id":"user_2","has_more":false}`)
	}, facade.Options{})
	got := testkit.List(t, l)
	assert.Equal(t, []string{"", "user_1"}, afters)
	assert.Len(t, got, 2, "one org-role assignment per user")
}

func TestUnauthorizedHint(t *testing.T) {
	// A key-shaped string, assembled so that no key-shaped literal sits in
	// the source for scanners to flag.
	echoed := "sk-" + "admin-" + "0123456789abcdef"
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 401, `{"error":{"code":"invalid_api_key","message":"Incorrect API key provided: `+echoed+`","param":null,"type":"invalid_request_error"}}`)
	}, facade.Options{})
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrUnauthenticated)
	assert.Contains(t, err.Error(), "openai: list users: 401 unauthorized: the admin key (openai.Config.AdminKey)")
	assert.NotContains(t, err.Error(), "0123456789abcdef", "a key echoed by the server is scrubbed")
	var body *api.ErrorResponse
	require.True(t, facade.ErrorAs(err, &body))
	assert.Equal(t, "invalid_request_error", body.Error.Type)
}

// harness is this driver for the conformance suite and this package's tests.
var harness = facadetest.Harness{Provider: "openai", New: func(credential string, o facade.Options) (facade.Lister, error) {
	return openai.New(openai.Config{AdminKey: credential, Options: o})
}}

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, harness)
}
