package logto_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/wiretest"
	"github.com/rolecall/rolecall/facade/logto"
)

// wirePages are ListRoleUsers bodies that are valid JSON but leave the
// plain shape in one way or another; each must decode as encoding/json
// decodes it, fast or not.
var wirePages = []string{
	`[]`, `null`, ` [ ] `,
	`[{"id":"u1","username":null,"primaryEmail":null,"primaryPhone":null,"name":null,"avatar":null,"customData":null,"identities":null,"lastSignInAt":null,"createdAt":null,"updatedAt":null,"profile":null,"applicationId":null,"isSuspended":null,"hasPassword":null}]`,
	`[{"id":"u1","customData":{"a":1,"b":[true,null,"x",{"c":{}}]},"identities":{"github":{"userId":"1","details":{"id":"1","n":2.5,"ok":false,"x":null}},"google":{"userId":"g"},"x":null}}]`,
	`[{"id":"u1","customData":{},"identities":{}},{"id":"u2","customData":{ },"identities":{}}]`,
	`[{"id":"u1","customData":[]}]`, `[{"id":"u1","customData":"x"}]`, `[{"id":"u1","identities":{"a":{"details":"x"}}}]`,
	`[{"id":"u1","identities":{"a":{"userId":"1"},"a":{"details":{}}}}]`,
	`[{"id":"u1","identities":{"a":{"userId":"1","details":{},"extra":[1]}}}]`,
	`[{"id":"u1","profile":{"givenName":"A","address":{"country":"FR"}},"ssoIdentities":[{"id":"s","issuer":"i","detail":{}}]}]`,
	`[{"id":"u1","profile":{}, "ssoIdentities":[]}]`, `[{"id":"u1","profile":"x"}]`,
	`[{"id":"u1","createdAt":1.7e12,"updatedAt":-0,"lastSignInAt":0.5}]`, `[{"id":"u1","createdAt":"1"}]`,
	`[{"id":"u1","isSuspended":true,"hasPassword":false,"hasSecurityVerificationMethod":true}]`,
	`[{"id":"u1","Id":"u2"}]`, `[{"id":"u1","id":"u2"}]`, `[{"id":"u\u0031"}]`, `[{"id":"ü1","name":"Zoë ✓"}]`,
	`[{"id":"u1","unknown":{"nested":["\"",1]},"cimdClientId":"c"}]`,
	`[{"id":""}]`, `[{}]`, `[null]`, `{}`, `[{"id":5}]`, `[{"id":"u1","createdAt":1e400}]`,
}

func TestWireMatchesEncodingJSON(t *testing.T) {
	wiretest.Check(t, "logto", "/users", 250, wirePages, logto.DecodeFast, logto.DecodeSlow)
}

func TestWireAllocations(t *testing.T) {
	if n := wiretest.AllocsPerItem(t, "logto", "/users", 300, logto.DecodeFast, count); n > 4 {
		t.Errorf("%.2f allocations an assignment, want at most 4", n)
	}
}

func FuzzWire(f *testing.F) {
	for _, page := range wirePages {
		f.Add([]byte(page))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		wiretest.Same(t, body, logto.DecodeFast, logto.DecodeSlow) // any bytes: the fast decoder must refuse what encoding/json refuses
	})
}

func count(batch []facade.Assignment) int { return len(batch) }

// BenchmarkDecode: the driver's page decoding against the decoder-only
// baseline over the same bytes (make bench reports it in BENCHMARKS.md).
func BenchmarkDecode(b *testing.B) {
	wiretest.BenchmarkDecode(b, "logto", 100_000, []string{"logto.users"}, logto.NewDecoder())
}
