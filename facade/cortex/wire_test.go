package cortex

import (
	"encoding/json"
	"reflect"
	"testing"

	api "github.com/rolecall/rolecall/gen/cortex"
)

// decodeBoth decodes a roles array the driver's way (wireRoles inside a
// user object, as encoding/json calls it) and encoding/json's way.
func decodeBoth(t *testing.T, roles string) (fast, slow []api.AssignedRole, fastErr, slowErr error) {
	t.Helper()
	doc := []byte(`{"email":"a@x.com","name":"A","roles":` + roles + `}`)
	w := wireUser{Roles: wireRoles{in: newInterner()}}
	fastErr = json.Unmarshal(doc, &w)
	var u api.UserRoleAssignment
	slowErr = json.Unmarshal(doc, &u)
	return w.Roles.roles, u.Roles, fastErr, slowErr
}

func checkSame(t *testing.T, roles string) {
	t.Helper()
	fast, slow, fe, se := decodeBoth(t, roles)
	if (fe == nil) != (se == nil) {
		t.Fatalf("%s: driver error %v, encoding/json error %v", roles, fe, se)
	}
	if fe == nil && !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s:\ndriver        %s\nencoding/json %s", roles, show(fast), show(slow))
	}
}

func show(rs []api.AssignedRole) string {
	b, _ := json.Marshal(rs)
	if rs == nil {
		return "nil"
	}
	return string(b)
}

func TestWireRolesMatchesEncodingJSON(t *testing.T) {
	for _, roles := range []string{
		`[{"type":"BASIC","role":"ADMIN"},{"type":"CUSTOM","name":"Security Reviewer","tag":"security-reviewer"}]`,
		`[]`, ` [ ] `, `null`, `[{}]`,
		`[ { "type" : "BASIC" , "role" : "USER" } , {"type":"CUSTOM","tag":"t"} ]`,
		`[{"type":"BASIC","role":null,"name":null,"tag":null}]`,
		`[{"type":null,"role":"X"}]`,
		`[{"type":"BASIC","role":"A","role":"B"}]`, // the last duplicate wins
		`[{"type":"BASIC","role":"A","extra":"x","more":null}]`,
		`[{"type":"BASIC","role":"A","extra":{"nested":[1,2]}}]`,  // not plain: encoding/json
		`[{"Type":"BASIC","ROLE":"A"}]`,                           // case-insensitive keys
		`[{"type":"CUSTOM","name":"R\u00e9viseur","tag":"r\"q"}]`, // escapes
		`[{"type":"CUSTOM","name":"Réviseur ✓","tag":"ü"}]`,       // plain UTF-8
		`[{"type":5}]`, `[{"role":true}]`, `["BASIC"]`, `[null]`, `"ADMIN"`, `{"type":"BASIC"}`, `5`,
		`[{"type":"A"},{"type":"B"},{"type":"C"},{"type":"D"},{"type":"E"},{"type":"F"},{"type":"G"},{"type":"H"},{"type":"I"},{"type":"J"}]`,
	} {
		checkSame(t, roles)
	}
}

func TestWireRolesInterns(t *testing.T) {
	in := newInterner()
	a, ok1 := in.roles([]byte(`[{"type":"BASIC","role":"USER"}]`))
	b, ok2 := in.roles([]byte(`[{"type":"BASIC","role":"USER"}]`))
	if !ok1 || !ok2 || a[0].Role != b[0].Role {
		t.Fatalf("the same value in one page should share one *string")
	}
}

func FuzzWireRoles(f *testing.F) {
	f.Add(`[{"type":"BASIC","role":"ADMIN"},{"type":"CUSTOM","name":"N","tag":"t"}]`)
	f.Add(`[{"type":"CUSTOM","name":"R\u00e9","tag":null}]`)
	f.Add(`[{"Tag":"x"}]`)
	f.Fuzz(func(t *testing.T, roles string) {
		if !json.Valid([]byte(roles)) {
			return
		}
		checkSame(t, roles)
	})
}
