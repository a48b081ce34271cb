package vectara_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/wiretest"
	"github.com/rolecall/rolecall/facade/vectara"
)

// wirePages are listUsers bodies that are valid JSON but leave the plain
// shape in one way or another; each must decode as encoding/json decodes
// it, fast or not.
var wirePages = []string{
	`{"users":[]}`, `{"users":null}`, `{}`, `{"metadata":{"page_key":"x"},"users":[{"id":"usr_1","api_roles":["a"]}]}`,
	`{"users":[{"id":"usr_1","email":null,"username":null,"enabled":null,"api_roles":null,"corpus_roles":null,"agent_roles":null,"api_policy":null,"created_at":null}]}`,
	`{"users":[{"id":"usr_1","api_roles":[],"corpus_roles":[],"agent_roles":[]}]}`,
	`{"users":[{"id":"usr_1","api_roles":["a","b","c","d","e","f"],"corpus_roles":[{"corpus_key":"k1","role":"r"},{"corpus_key":"k2","role":"r"},{"corpus_key":"k3","role":"r"},{"corpus_key":"k4","role":"r"},{"corpus_key":"k5","role":"r"}]}]}`,
	`{"users":[{"id":"usr_1","corpus_roles":[null,{"corpus_key":null,"role":"x"},{}]}]}`,
	`{"users":[{"id":"usr_1","agent_roles":[{"agent_key":"a","role":"agent_user","extra":[1,{"x":"\""}]}]}]}`,
	`{"users":[{"id":"usr_1","ID":"usr_2","api_roles":["a"]}]}`,
	`{"users":[{"id":"usr_1","id":"usr_2","api_roles":["a"]}]}`,
	`{"users":[{"id":"usr_\u0031","api_roles":["a"]}]}`,
	`{"users":[{"id":"usr_1","email":"é@x.com","api_roles":["a"]}]}`,
	`{"users":[{"id":"usr_1","api_roles":[null]}]}`,
	`{"users":[{"id":"usr_1","api_roles":["a"],"enabled":"yes"}]}`,
	`{"users":[{"id":"usr_1","api_roles":["a"],"created_at":"2024-01-02T03:04:05+02:00","updated_at":"not a date"}]}`,
	`{"users":[{"id":"usr_1","api_roles":["a"],"created_at":"2024-01-02T03:04:05.123456789Z"}]}`,
	`{"users":[{"id":"usr_1","api_roles":["a"],"api_policy":{"name":"n","allowed_operations":{"a":null,"b":{"allow_any_resource":true},"c":{"allowed_resources":{"p":["x"],"q":null,"r":[]}},"d":{}}}}]}`,
	`{"users":[{"id":"usr_1","api_roles":["a"],"api_policy":{"allowed_operations":{"a":{"allow_any_resource":true},"a":{"allowed_resources":{}}}}}]}`,
	`{"users":[{"id":"usr_1","api_roles":["a"],"api_policy":{"allowed_operations":{}}}]}`,
	`{"users":[{"api_roles":["a"]}]}`, `{"users":[{"id":"","api_roles":["a"]}]}`, `{"users":[{"email":"x"}]}`,
	`{"users":[null]}`, `{"users":{}}`, `[]`, `{"users":[{"id":"usr_1"}],"users":[{"id":"usr_2","api_roles":["b"]}]}`,
	` { "users" : [ { "id" : "usr_1" , "api_roles" : [ "a" ] } ] } `,
	`{"users":[{"id":5}]}`, `{"users":[{"id":"usr_1","api_roles":["a"],"description":1e400}]}`,
}

func TestWireMatchesEncodingJSON(t *testing.T) {
	wiretest.Check(t, "vectara", "/v2/users", 250, wirePages, vectara.DecodeFast, vectara.DecodeSlow)
}

func TestWireAllocations(t *testing.T) {
	if n := wiretest.AllocsPerItem(t, "vectara", "/v2/users", 300, vectara.DecodeFast, count); n > 4 {
		t.Errorf("%.2f allocations an assignment, want at most 4", n)
	}
}

func FuzzWire(f *testing.F) {
	for _, page := range wirePages {
		f.Add([]byte(page))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		wiretest.Same(t, body, vectara.DecodeFast, vectara.DecodeSlow) // any bytes: the fast decoder must refuse what encoding/json refuses
	})
}

func count(batch []facade.Assignment) int { return len(batch) }

// BenchmarkDecode: the driver's page decoding against the decoder-only
// baseline over the same bytes (make bench reports it in BENCHMARKS.md).
func BenchmarkDecode(b *testing.B) {
	wiretest.BenchmarkDecode(b, "vectara", 100_000, []string{"vectara"}, vectara.NewDecoder())
}
