package logto_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
)

// TestBodiesBreakingJSONRulesAreInvalid: invalid UTF-8 in a user id, an
// email or a role name, and a key given twice in a record (as spelled or
// in another case), are each an InvalidResponse naming the place.
func TestBodiesBreakingJSONRulesAreInvalid(t *testing.T) {
	for _, c := range []struct{ name, roles, users, where string }{
		{"invalid UTF-8 in a user id", oneRole, "[{\"id\":\"u\xff\",\"name\":\"N\"}]", `"/0/id"`},
		{"invalid UTF-8 in an email", oneRole, "[{\"id\":\"u1\",\"primaryEmail\":\"a\xff@x.com\"}]", `"/0/primaryEmail"`},
		{"invalid UTF-8 in a role name", strings.Replace(oneRole, `"admin"`, "\"adm\xffin\"", 1), "[" + user("u1") + "]", `"/0/name"`},
		{"duplicate key", oneRole, `[{"id":"u1","id":"u2"}]`, `"id" within "/0"`},
		{"case-variant key", oneRole, `[{"id":"u1","primaryEmail":"a@x.com","PrimaryEmail":"b@x.com"}]`, `"PrimaryEmail" within "/0"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := harness.Lister(t, rolesOnly(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Total-Number", "1")
				if r.URL.Path == "/api/roles" {
					testkit.WriteRaw(w, 200, c.roles)
					return
				}
				testkit.WriteRaw(w, 200, c.users)
			}), facade.Options{})
			testkit.ExpectInvalid(t, l, c.where)
		})
	}
}
