package cortex_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
)

// page wraps users (JSON text) in a one-page answer.
func page(users string) string {
	return fmt.Sprintf(`{"page":0,"total":2,"totalPages":1,"users":[%s]}`, users)
}

// TestKeysCannotCollide is issue 15's reproduction: user u@example.com
// with the custom role tagged "r\x00s", and user "u@example.com\x00r"
// with the one tagged "s", are two assignments (a key joining the fields
// with NUL made them one and dropped the Superuser).
func TestKeysCannotCollide(t *testing.T) {
	l := rolesLister(t, func(w http.ResponseWriter, _ *http.Request) {
		testkit.WriteRaw(w, 200, page(`{"email":"u@example.com","name":"U","roles":[{"type":"CUSTOM","name":"Reader","tag":"r\u0000s"}]},
			{"email":"u@example.com\u0000r","name":"V","roles":[{"type":"CUSTOM","name":"Superuser","tag":"s"}]}`))
	}, facade.Options{})
	got := testkit.List(t, l)
	require.Len(t, got, 2)
	assert.Equal(t, "Reader", got[0].RoleName)
	assert.Equal(t, "Superuser", got[1].RoleName)
}

// TestBodiesBreakingJSONRulesAreInvalid: invalid UTF-8 in an email or a
// role (never folded to U+FFFD, which could merge distinct ids), a key
// given twice in a record, as spelled or in another case, and the users
// list given twice are each an InvalidResponse naming the place.
func TestBodiesBreakingJSONRulesAreInvalid(t *testing.T) {
	for _, c := range []struct{ name, body, where string }{
		{"invalid UTF-8 in an email", page("{\"email\":\"u\xff@example.com\",\"name\":\"U\",\"roles\":[{\"type\":\"BASIC\",\"role\":\"ADMIN\"}]}"), `"/users/0/email"`},
		{"invalid UTF-8 in a role", page("{\"email\":\"u@example.com\",\"name\":\"U\",\"roles\":[{\"type\":\"BASIC\",\"role\":\"AD\xc3\"}]}"), `"/users/0/roles/0/role"`},
		{"lone surrogate in a tag", page(`{"email":"u@example.com","name":"U","roles":[{"type":"CUSTOM","name":"N","tag":"t\ud800"}]}`), `"/users/0/roles/0/tag"`},
		{"duplicate key", page(`{"email":"a@example.com","email":"b@example.com","name":"U","roles":[{"type":"BASIC","role":"ADMIN"}]}`), `duplicate object member name "email" within "/users/0"`},
		{"case-variant key", page(`{"email":"a@example.com","Email":"b@example.com","name":"U","roles":[{"type":"BASIC","role":"ADMIN"}]}`), `duplicate object member name "Email" within "/users/0"`},
		{"case-variant key in a role", page(`{"email":"a@example.com","name":"U","roles":[{"type":"BASIC","role":"ADMIN","ROLE":"VIEWER"}]}`), `"ROLE" within "/users/0/roles/0"`},
		{"users twice", `{"page":0,"total":2,"totalPages":1,"users":[{"email":"a@example.com","roles":[]}],"Users":[{"email":"b@example.com","roles":[]}]}`, `duplicate object member name "Users"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := rolesLister(t, func(w http.ResponseWriter, _ *http.Request) { testkit.WriteRaw(w, 200, c.body) }, facade.Options{})
			testkit.ExpectInvalid(t, l, c.where)
		})
	}
}

// TestEnvelopeIsTheGeneratedType: a page's envelope decodes into
// cortexapi.UserRoleAssignmentsResponse, so a member it does not declare
// is skipped, one given twice (in another case) is refused, one of the
// wrong type fails naming the generated field's Go type and place, and
// an absent or null page, total or totalPages (an int32 there, 0 either
// way) is still told apart from a 0.
func TestEnvelopeIsTheGeneratedType(t *testing.T) {
	const user = `{"email":"a@example.com","name":"A","roles":[{"type":"BASIC","role":"ADMIN"}]}`
	l := rolesLister(t, func(w http.ResponseWriter, _ *http.Request) {
		testkit.WriteRaw(w, 200, `{"page":0,"cursor":{"next":null},"total":1,"totalPages":1,"users":[`+user+`]}`)
	}, facade.Options{})
	got := testkit.List(t, l)
	require.Len(t, got, 1)
	assert.Equal(t, "ADMIN", got[0].RoleID)

	for _, c := range []struct{ name, body, where string }{
		{"totalPages twice", `{"page":0,"total":1,"totalPages":1,"TotalPages":2,"users":[` + user + `]}`, `duplicate object member name "TotalPages"`},
		{"totalPages a string", `{"page":0,"total":1,"totalPages":"1","users":[` + user + `]}`, `Go int32 within "/totalPages"`},
		{"totalPages absent", `{"page":0,"total":1,"users":[` + user + `]}`, "lacks page, total or totalPages"},
		{"page null", `{"page":null,"total":1,"totalPages":1,"users":[` + user + `]}`, "lacks page, total or totalPages"},
		{"null", `null`, "envelope, got null"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := rolesLister(t, func(w http.ResponseWriter, _ *http.Request) { testkit.WriteRaw(w, 200, c.body) }, facade.Options{})
			testkit.ExpectInvalid(t, l, c.where)
		})
	}
}
