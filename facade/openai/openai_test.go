package openai_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
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
	l := orgLister(t, func(w http.ResponseWriter, r *http.Request) {
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

// looping is a server of users whose role cursors never end (a new cursor
// each page, no roles), over a role catalogue of catalogue roles. It
// counts its requests by kind, and each user's role pages.
type looping struct {
	users                 string // the users page's data
	catalogue             string // the catalogue page's data
	usersCalls, roleCalls atomic.Int32
	catalogueCalls        atomic.Int32
	mu                    sync.Mutex
	pages                 map[string]int // role pages served, by user path
}

func newLooping(users, catalogue int) *looping {
	s := &looping{pages: map[string]int{}}
	var b strings.Builder
	for i := range users {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"object":"organization.user","id":"user_%d","name":"U","email":"u%d@x.com","role":"reader","added_at":1}`, i, i)
	}
	s.users = b.String()
	b.Reset()
	for i := range catalogue {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"object":"role","id":"role_%d","name":"R%d","description":null,"permissions":[],"resource_type":"api.organization","predefined_role":false}`, i, i)
	}
	s.catalogue = b.String()
	return s
}

func (s *looping) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/v1/organization/users":
		s.usersCalls.Add(1)
		testkit.WriteRaw(w, 200, `{"object":"list","data":[`+s.users+`],"has_more":false,"last_id":null}`)
	case "/v1/organization/roles":
		s.catalogueCalls.Add(1)
		testkit.WriteRaw(w, 200, `{"object":"list","data":[`+s.catalogue+`],"has_more":false,"next":null}`)
	default:
		n := s.roleCalls.Add(1)
		s.mu.Lock()
		s.pages[r.URL.Path]++
		s.mu.Unlock()
		testkit.WriteRaw(w, 200, fmt.Sprintf(`{"object":"list","data":[],"has_more":true,"next":"cur_%d"}`, n))
	}
}

// maxPages is the most role pages one user was served.
func (s *looping) maxPages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Max(slices.Collect(maps.Values(s.pages)))
}

// 50 users whose role cursors never end, over an empty role catalogue:
// the catalogue is asked, once a listing, before a user's third role page,
// and it allows none, so each user's walk stops after its second page. The
// listing makes at most 1 users request + 50*2 role requests + 1
// catalogue request = 102 (about 470 when the catalogue was asked after
// the tenth page; issue 15 then 28), whichever users the workers reach
// before the first failure stops the rest.
func TestNeverEndingRoleCursorsFailFast(t *testing.T) {
	const users = 50
	s := newLooping(users, 0)
	l := orgLister(t, s.serve, facade.Options{})
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	var fe *facade.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "openai", fe.Provider)
	assert.Equal(t, facade.InvalidResponse, fe.Code)
	assert.Regexp(t, `^list roles of user "user_\d+"$`, fe.Op)
	assert.Contains(t, err.Error(), "page 3, 0 roles so far, but the organization's role catalogue has 0 roles")
	assert.Contains(t, fe.Hint, "probably looping")

	assert.Equal(t, 2, s.maxPages(), "no user is walked past its second role page")
	assert.Equal(t, int32(1), s.catalogueCalls.Load(), "the catalogue is counted once a listing, not once a user")
	total := s.usersCalls.Load() + s.roleCalls.Load() + s.catalogueCalls.Load()
	assert.LessOrEqual(t, total, int32(1+users*2+1))
}

// A looping user over a catalogue of five roles is walked to the bound
// the catalogue gives, five roles plus a tenth plus two pages (seven), and
// no further.
func TestRoleWalkBoundIsTheCatalogue(t *testing.T) {
	s := newLooping(1, 5)
	l := orgLister(t, s.serve, facade.Options{})
	testkit.ExpectInvalid(t, l, "page 8, 0 roles so far", "role catalogue has 5 roles")
	assert.Equal(t, 7, s.maxPages())
	assert.Equal(t, int32(1), s.catalogueCalls.Load())
}

// A user with three pages of roles, the catalogue holding just them, lists
// completely: the catalogue, asked before the third page, allows it.
func TestThreeRolePagesWithinTheCatalogue(t *testing.T) {
	var catalogueCalls atomic.Int32
	role := func(i int) string {
		return fmt.Sprintf(`{"id":"role_%d","name":"R%d","permissions":[],"resource_type":"api.organization","predefined_role":false,`+
			`"description":null,"created_at":null,"updated_at":null,"created_by":null,"created_by_user_obj":null,"metadata":null}`, i, i)
	}
	l := orgLister(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/organization/users":
			testkit.WriteRaw(w, 200, oneUser)
		case "/v1/organization/roles":
			catalogueCalls.Add(1)
			testkit.WriteRaw(w, 200, `{"object":"list","data":[`+role(0)+`,`+role(1)+`,`+role(2)+`],"has_more":false,"next":null}`)
		case "/v1/organization/users/user_1/roles":
			assert.Equal(t, "1", r.URL.Query().Get("limit"))
			i := map[string]int{"": 0, "cur_1": 1, "cur_2": 2}[r.URL.Query().Get("after")]
			next := fmt.Sprintf(`"cur_%d"`, i+1)
			if i == 2 {
				next = "null"
			}
			testkit.WriteRaw(w, 200, fmt.Sprintf(`{"object":"list","data":[%s],"has_more":%t,"next":%s}`, role(i), i < 2, next))
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	}, facade.Options{PageSize: 1})
	got := testkit.List(t, l)
	var roles []string
	for _, a := range got {
		roles = append(roles, a.RoleID)
	}
	assert.ElementsMatch(t, []string{"owner", "role_0", "role_1", "role_2"}, roles)
	assert.Equal(t, int32(1), catalogueCalls.Load(), "the third page asks the catalogue")
}

func TestMoreWithoutACursorIsInvalid(t *testing.T) {
	l := orgLister(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/organization/users" {
			testkit.WriteRaw(w, 200, oneUser)
			return
		}
		testkit.WriteRaw(w, 200, `{"object":"list","data":[],"has_more":true,"next":null}`)
	}, facade.Options{})
	testkit.ExpectInvalid(t, l, "gave no cursor")
}

func TestMappingAndServerSideEmailFilter(t *testing.T) {
	l := orgLister(t, func(w http.ResponseWriter, r *http.Request) {
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
				 "description":null,"created_at":1,"updated_at":2,"created_by":"x","created_by_user_obj":{},"metadata":{}},
				{"id":"role_c","name":"Team Writer","permissions":[],"resource_type":"api.project","predefined_role":false,
				 "assignment_sources":[{"principal_id":"grp_9","principal_type":"group"}]}],
				"has_more":false,"next":null}`)
		default:
			t.Errorf("unexpected %s", r.URL)
		}
	}, facade.Options{})
	got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{"ada@x.com"}}))
	require.NoError(t, err)
	require.Len(t, got, 4)
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
	// The model's fields: the organization role is the legacy field; the
	// others are direct unless only a group grants them.
	for role, want := range map[string][2]string{
		"owner":  {"organization", "legacy"},
		"role_a": {"organization", "direct"}, // the user and a group: direct
		"role_b": {"project", "direct"},      // no sources: a direct assignment
		"role_c": {"project", "group"},       // the group alone
	} {
		a := byRole[role]
		assert.Equal(t, facade.User, a.Principal, role)
		assert.Equal(t, want, [2]string{string(a.ScopeKind), string(a.Held)}, role)
		assert.Empty(t, a.ScopeID, role)
	}
	assert.Equal(t, "group/grp_9", byRole["role_c"].Via)
}

func TestUsersAreFollowedByLastID(t *testing.T) {
	var afters []string
	l := orgLister(t, func(w http.ResponseWriter, r *http.Request) {
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
	l := orgLister(t, func(w http.ResponseWriter, r *http.Request) {
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

// orgLister is harness.Lister over a server whose handler h answers the
// organization's users, their roles and the role catalogue, the listings
// this package's hand-written servers exercise; every other list (groups,
// projects, keys, invites) is answered with an empty page.
func orgLister(t *testing.T, h http.HandlerFunc, o facade.Options) facade.Lister {
	return harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "/v1/organization/users" || p == "/v1/organization/roles" ||
			strings.HasPrefix(p, "/v1/organization/users/") {
			h(w, r)
			return
		}
		testkit.WriteRaw(w, 200, `{"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false,"next":null}`)
	}, o)
}
