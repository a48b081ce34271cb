package openai_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
)

// serving is a Lister of a server answering every list-users request with
// users and every list-roles request with roles.
func serving(t *testing.T, users, roles string) facade.Lister {
	return orgLister(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/organization/users" {
			testkit.WriteRaw(w, 200, users)
			return
		}
		testkit.WriteRaw(w, 200, roles)
	}, facade.Options{})
}

// TestBodiesBreakingJSONRulesAreInvalid: invalid UTF-8 in a user id, an
// email or a role id, and a key given twice in a record (as spelled or in
// another case), are each an InvalidResponse naming the place.
func TestBodiesBreakingJSONRulesAreInvalid(t *testing.T) {
	const role = `{"object":"list","data":[{"id":"role_1","name":"Owner","permissions":[],"resource_type":"api.organization","predefined_role":true,"description":null,"created_at":null,"updated_at":null,"created_by":null,"created_by_user_obj":null,"metadata":null,"assignment_sources":[]}],"has_more":false,"next":null}`
	users := func(user string) string {
		return `{"object":"list","data":[` + user + `],"first_id":"user_1","last_id":"user_1","has_more":false}`
	}
	for _, c := range []struct{ name, users, roles, where string }{
		{"invalid UTF-8 in a user id", users("{\"object\":\"organization.user\",\"id\":\"user_\xff\",\"email\":\"a@x.com\",\"added_at\":1}"), role, `"/data/0/id"`},
		{"invalid UTF-8 in an email", users("{\"object\":\"organization.user\",\"id\":\"user_1\",\"email\":\"a\xc0@x.com\",\"added_at\":1}"), role, `"/data/0/email"`},
		{"invalid UTF-8 in a role id", oneUser, "{\"object\":\"list\",\"data\":[{\"id\":\"role_\xff\",\"name\":\"Owner\",\"predefined_role\":true}],\"has_more\":false}", `"/data/0/id"`},
		{"duplicate key", users(`{"object":"organization.user","id":"user_1","id":"user_2","added_at":1}`), role, `"id" within "/data/0"`},
		{"case-variant key", oneUser, `{"object":"list","data":[{"id":"role_1","name":"Owner","Name":"Reader","predefined_role":true}],"has_more":false}`, `"Name" within "/data/0"`},
		{"has_more twice", oneUser, `{"object":"list","data":[],"has_more":false,"Has_More":true}`, `duplicate object member name "Has_More"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			testkit.ExpectInvalid(t, serving(t, c.users, c.roles), c.where)
		})
	}
}

// TestEnvelopeIsTheGeneratedType: a page's envelope decodes into
// openaiapi.UserListResponse or RoleListResource, so a member they do not
// declare is skipped, one given twice is refused, one of the wrong type
// fails naming the generated field's Go type and place, and an absent or
// null has_more (a bool there, false either way) is still told apart from
// false.
func TestEnvelopeIsTheGeneratedType(t *testing.T) {
	const role = `{"id":"role_1","name":"Owner","permissions":[],"resource_type":"api.organization","predefined_role":true}`
	l := serving(t, strings.Replace(oneUser, `"has_more"`, `"total":{"n":1},"has_more"`, 1),
		`{"object":"list","data":[`+role+`],"has_more":false,"next":null,"first_id":"role_1"}`)
	got := testkit.List(t, l)
	var ids []string
	for _, a := range got {
		ids = append(ids, a.RoleID)
	}
	assert.ElementsMatch(t, []string{"owner", "role_1"}, ids, "the user's organization role, and the role listed for them")

	for _, c := range []struct{ name, users, roles, where string }{
		{"last_id twice", strings.Replace(oneUser, `"has_more"`, `"last_id":"user_9","has_more"`, 1), "", `duplicate object member name "last_id"`},
		{"next a number", oneUser, `{"object":"list","data":[],"has_more":true,"next":5}`, `Go string within "/next"`},
		{"has_more absent from the users", strings.Replace(oneUser, `,"has_more":false`, ``, 1), "", "lacks has_more"},
		{"has_more null in the roles", oneUser, `{"object":"list","data":[` + role + `],"has_more":null,"next":null}`, "lacks has_more"},
	} {
		t.Run(c.name, func(t *testing.T) {
			testkit.ExpectInvalid(t, serving(t, c.users, c.roles), c.where)
		})
	}
}
