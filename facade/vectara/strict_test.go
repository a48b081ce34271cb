package vectara_test

import (
	"github.com/rolecall/rolecall/facade"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"net/http"
	"testing"

	"github.com/rolecall/rolecall/facade/internal/testkit"
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
			l := harness.Lister(t, usersOnly(func(w http.ResponseWriter, _ *http.Request) {
				testkit.WriteRaw(w, 200, `{"users":[`+c.users+`],"metadata":{"page_key":""}}`)
			}), facade.Options{})
			testkit.ExpectInvalid(t, l, c.where)
		})
	}
}

// TestEnvelopeIsTheGeneratedType: a page's envelope decodes into
// vectaraapi.ListUsersResponse (its users a *[]User), so a member it does
// not declare is skipped, one given twice (in another case) is refused,
// and one of the wrong type fails naming the generated field's Go type
// and place.
func TestEnvelopeIsTheGeneratedType(t *testing.T) {
	l := harness.Lister(t, usersOnly(func(w http.ResponseWriter, _ *http.Request) {
		testkit.WriteRaw(w, 200, `{"users":[{"id":"u1","api_roles":["owner"]}],"total":1,"metadata":{"page_key":"","cursor":{}}}`)
	}), facade.Options{})
	got := testkit.List(t, l)
	require.Len(t, got, 1)
	assert.Equal(t, "u1", got[0].UserID)

	for _, c := range []struct{ name, body, where string }{
		{"metadata twice", `{"users":[],"metadata":{"page_key":"k"},"Metadata":{"page_key":""}}`, `duplicate object member name "Metadata"`},
		{"page_key twice", `{"users":[],"metadata":{"page_key":"k","PAGE_KEY":""}}`, `duplicate object member name "PAGE_KEY" within "/metadata"`},
		{"page_key a number", `{"users":[],"metadata":{"page_key":5}}`, `Go string within "/metadata/page_key"`},
		{"users an object", `{"users":{"id":"u1"}}`, `want an array at "/users"`},
		{"null", `null`, "envelope, got null"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := harness.Lister(t, usersOnly(func(w http.ResponseWriter, _ *http.Request) { testkit.WriteRaw(w, 200, c.body) }), facade.Options{})
			testkit.ExpectInvalid(t, l, c.where)
		})
	}
}
