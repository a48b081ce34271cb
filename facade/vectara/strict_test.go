package vectara_test

import (
	"net/http"
	"testing"

	"github.com/rolecall/rolecall/facade/facadetest"
)

// TestBodiesBreakingJSONRulesAreInvalid: invalid UTF-8 in a user id or a
// role, and a key given twice in a record (as spelled or in another case),
// are each an InvalidResponse naming the place.
func TestBodiesBreakingJSONRulesAreInvalid(t *testing.T) {
	for _, c := range []struct{ name, users, where string }{
		{"invalid UTF-8 in an id", "{\"id\":\"u\xfe1\",\"api_roles\":[\"owner\"]}", `"/users/0/id"`},
		{"invalid UTF-8 in a role", "{\"id\":\"u1\",\"api_roles\":[\"own\xe2\x82\"]}", `"/users/0/api_roles/0"`},
		{"invalid UTF-8 in an email", "{\"id\":\"u1\",\"email\":\"a\xff@x.com\",\"api_roles\":[\"owner\"]}", `"/users/0/email"`},
		{"duplicate key", `{"id":"u1","id":"u2","api_roles":["owner"]}`, `"id" within "/users/0"`},
		{"case-variant key", `{"id":"u1","api_roles":["owner"],"API_ROLES":["administrator"]}`, `"API_ROLES" within "/users/0"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLister(t, func(w http.ResponseWriter, _ *http.Request) {
				facadetest.WriteRaw(w, 200, `{"users":[`+c.users+`],"metadata":{"page_key":""}}`)
			})
			facadetest.ExpectInvalid(t, l, c.where)
		})
	}
}
