package vectara_test

import (
	"encoding/json"
	"testing"

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
	fast := 0
	for _, page := range wirePages {
		if wiretest.Same(t, []byte(page), vectara.DecodeFast, vectara.DecodeSlow) {
			fast++
		}
	}
	t.Logf("%d of %d odd pages decoded fast", fast, len(wirePages))
	if fast < len(wirePages)/2 {
		t.Errorf("only %d of %d odd pages decoded fast: the comparison is mostly encoding/json against itself", fast, len(wirePages))
	}
	// The fake's pages and the recorded ones: the fast decoder must take
	// every one of them (else the benchmarks measure encoding/json).
	for _, body := range wiretest.Bodies(t, "vectara", "/v2/users", 250) {
		if !wiretest.Same(t, body, vectara.DecodeFast, vectara.DecodeSlow) {
			t.Errorf("the fast decoder gave up on a plain page:\n%.300s", body)
		}
	}
}

func TestWireAllocations(t *testing.T) {
	bodies := wiretest.Bodies(t, "vectara", "/v2/users", 500)
	body := bodies[len(bodies)-2] // a full page of the fake's
	batch, ok := vectara.DecodeFast(body)
	if !ok || len(batch) < 100 {
		t.Fatalf("fast decode: ok %v, %d assignments", ok, len(batch))
	}
	allocs := testing.AllocsPerRun(20, func() { vectara.DecodeFast(body) })
	perAssignment := allocs / float64(len(batch))
	t.Logf("%.0f allocations for %d assignments: %.2f each", allocs, len(batch), perAssignment)
	if perAssignment > 4 {
		t.Errorf("%.2f allocations an assignment, want at most 4", perAssignment)
	}
}

func FuzzWire(f *testing.F) {
	for _, page := range wirePages {
		f.Add([]byte(page))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if json.Valid(body) {
			wiretest.Same(t, body, vectara.DecodeFast, vectara.DecodeSlow)
		}
	})
}
