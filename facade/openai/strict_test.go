package openai_test

import (
	"net/http"
	"testing"

	"github.com/rolecall/rolecall/facade/facadetest"
)

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
		{"has_more twice", oneUser, `{"object":"list","data":[],"has_more":false,"Has_More":true}`, `"has_more" is given twice`},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLister(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v1/organization/users" {
					facadetest.WriteRaw(w, 200, c.users)
					return
				}
				facadetest.WriteRaw(w, 200, c.roles)
			})
			facadetest.ExpectInvalid(t, l, c.where)
		})
	}
}
