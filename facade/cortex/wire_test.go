package cortex_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/internal/wiretest"
)

// user is a plain UserRoleAssignment, to build odd pages from.
const user = `{"email":"a@x.com","name":"A","roles":[{"type":"BASIC","role":"ADMIN"},{"type":"CUSTOM","name":"Security Reviewer","tag":"security-reviewer"}]}`

// wirePages are getUserRoleAssignments bodies that are valid JSON but leave
// the plain shape in one way or another; each must decode as encoding/json
// decodes it, fast or not.
var wirePages = []string{
	`{"page":0,"total":1,"totalPages":1,"users":[` + user + `]}`,
	`{"users":[` + user + `,` + user + `],"page":3,"total":9,"totalPages":5}`,
	`{"page":0,"total":0,"totalPages":0,"users":[]}`, `{"users":null}`, `{}`, `{"page":null,"total":null}`,
	`{"page":0,"users":[{"email":"a@x.com","name":"A","roles":[]},{"email":"b@x.com","name":"B","roles":null}]}`,
	`{"page":0,"users":[{"email":"a@x.com","name":"A","roles":[{"type":"BASIC","role":null,"name":null,"tag":null},{"type":null,"role":"X"},{}]}]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[null]}]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[{"type":"A","role":"1"},{"type":"B","role":"2"},{"type":"C","role":"3"},{"type":"D","role":"4"},{"type":"E","role":"5"},{"type":"F","tag":"6"}]}]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[{"type":"BASIC","role":"A","role":"B"}]}]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[{"type":"BASIC","role":"A","extra":{"nested":[1,"\""]}}]}]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[{"Type":"BASIC","ROLE":"A"}]}]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[{"type":"CUSTOM","name":"R\u00e9viseur","tag":"r\"q"}]}]}`,
	`{"page":0,"users":[{"email":"ü@x.com","name":"Zoë ✓","roles":[{"type":"CUSTOM","name":"Réviseur","tag":"ü"}]}]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[{"type":5}]}]}`, `{"page":0,"users":[{"email":"a@x.com","roles":"ADMIN"}]}`,
	`{"page":0,"users":[{"roles":[{"type":"BASIC","role":"A"}]}]}`, `{"page":0,"users":[null]}`,
	`{"page":1.5,"users":[]}`, `{"page":2147483648,"users":[]}`, `{"page":-2147483648,"total":"1","users":[]}`,
	`{"page":0,"users":[{"email":"a@x.com","roles":[{"type":"BASIC"}]}]}`, `{"page":0,"users":[{"email":"a@x.com","roles":[{"type":"GROUP"}]}]}`,
	`{"page":0,"users":[` + user + `],"users":[{"email":"b@x.com","name":"B","roles":[{"type":"BASIC","role":"USER"}]}]}`,
	` { "page" : 0 , "users" : [ { "email" : "a@x.com" , "roles" : [ { "type" : "BASIC" , "role" : "USER" } ] } ] } `, `[]`,
}

func TestWireMatchesEncodingJSON(t *testing.T) {
	wiretest.Check(t, "cortex", "/api/v1/users/roles", 250, wirePages, cortex.DecodeFast, cortex.DecodeSlow)
}

func TestWireAllocations(t *testing.T) {
	n := wiretest.AllocsPerItem(t, "cortex", "/api/v1/users/roles", 1200, cortex.DecodeFast,
		func(p cortex.Page) int { return len(p.Assignments) })
	if n > 4 {
		t.Errorf("%.2f allocations an assignment, want at most 4", n)
	}
}

func FuzzWire(f *testing.F) {
	for _, page := range wirePages {
		f.Add([]byte(page))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		wiretest.Same(t, body, cortex.DecodeFast, cortex.DecodeSlow) // any bytes: the fast decoder must refuse what encoding/json refuses
	})
}

// BenchmarkDecode: the driver's page decoding against the decoder-only
// baseline over the same bytes (make bench reports it in BENCHMARKS.md).
func BenchmarkDecode(b *testing.B) {
	wiretest.BenchmarkDecode(b, "cortex", 100_000, []string{"cortex"}, cortex.NewDecoder())
}
