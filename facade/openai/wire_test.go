package openai_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade/internal/wiretest"
	"github.com/rolecall/rolecall/facade/openai"
)

// roleRecord is a plain AssignedRoleDetails, to build odd pages from.
const roleRecord = `{"id":"role_1","name":"Reader","permissions":["a.read","b.read"],"resource_type":"api.organization","predefined_role":false,"description":"d","created_at":1711471533,"updated_at":1711472599,"created_by":"user_2","created_by_user_obj":{"id":"user_2","name":"Ada","email":"ada@example.com"},"metadata":{},"assignment_sources":[{"principal_id":"user_1","principal_type":"user"},{"principal_id":"group_1","principal_type":"group"}]}`

// rolePages are list-user-role-assignments bodies that are valid JSON but
// leave the plain shape in one way or another; each must decode as
// encoding/json decodes it, fast or not.
var rolePages = []string{
	`{"object":"list","data":[` + roleRecord + `],"has_more":false,"next":null}`,
	`{"object":"list","data":[` + roleRecord + `,` + roleRecord + `],"has_more":true,"next":"c1"}`,
	`{"data":[],"has_more":false}`, `{"data":null,"has_more":null,"next":null}`, `{"has_more":true}`, `{}`,
	`{"data":[{"id":"r","name":null,"permissions":null,"resource_type":null,"predefined_role":null,"description":null,"created_at":null,"updated_at":null,"created_by":null,"created_by_user_obj":null,"metadata":null,"assignment_sources":null}],"has_more":false}`,
	`{"data":[{"id":"r","permissions":[],"assignment_sources":[],"metadata":{"k":[1,"x",{"y":null}],"n":2}}],"has_more":false}`,
	`{"data":[{"id":"r","assignment_sources":[null,{"principal_id":"g","principal_type":"group"},{"principal_id":"h","principal_type":"group"},{"principal_id":"i","principal_type":"group"}]}],"has_more":false}`,
	`{"data":[{"id":"r","permissions":[null]}],"has_more":false}`, `{"data":[{"id":"r","permissions":"a"}],"has_more":false}`,
	`{"data":[{"id":"r","metadata":[]}],"has_more":false}`, `{"data":[{"id":"r","created_by_user_obj":"x"}],"has_more":false}`,
	`{"data":[{"id":"r","created_at":1.5}],"has_more":false}`, `{"data":[{"id":"r","created_at":"1"}],"has_more":false}`,
	`{"data":[{"id":"r","Name":"x"}],"has_more":false}`, `{"data":[{"id":"r","id":"s"}],"has_more":false}`,
	`{"data":[{"id":"r\u0031"}],"has_more":false}`, `{"data":[{"id":"r","name":"Lecteur é"}],"has_more":false}`,
	`{"data":[{"id":""}],"has_more":false}`, `{"data":[null],"has_more":false}`, `{"data":[{"id":"r"}],"has_more":"no"}`,
	`{"data":[{"id":"r"}],"data":[{"id":"s"}],"has_more":false,"next":"a","next":null}`,
	`{"data":[{"id":"r","extra":{"deep":["\"",{}]}}],"has_more":false,"first_id":"x"}`, `[]`,
}

var userPages = []string{
	`{"object":"list","data":[{"object":"organization.user","id":"user_1","name":"Ada","email":"ada@example.com","role":"owner","added_at":1711471533,"api_key_last_used_at":null,"is_default":true,"is_scim_managed":false,"is_service_account":false}],"first_id":"user_1","last_id":"user_1","has_more":false}`,
	`{"data":[{"id":"u","name":null,"email":null,"role":null,"added_at":null,"is_default":null}],"has_more":true,"last_id":null}`,
	`{"data":[{"id":"u","role":"member","api_key_last_used_at":5}],"has_more":false}`, `{"data":[],"has_more":false}`,
	`{"data":[{"id":""}],"has_more":false}`, `{"data":[{"id":"u","ID":"v"}],"has_more":false}`, `{"data":[{"id":"u","added_at":1e3}],"has_more":false}`,
	`{"data":[{"id":"u","email":"\u00e9@x"}],"has_more":false}`, `{"data":[{"id":"u"}],"last_id":5,"has_more":false}`,
}

func TestWireRolesMatchEncodingJSON(t *testing.T) {
	wiretest.Check(t, "openai", "/roles", 150, rolePages, openai.DecodeRolesFast, openai.DecodeRolesSlow)
}

func TestWireUsersMatchEncodingJSON(t *testing.T) {
	wiretest.Check(t, "openai", "/organization/users", 250, userPages, openai.DecodeUsersFast, openai.DecodeUsersSlow)
}

// TestWireRolesShareRepeatedValues: within one listing, the second page
// with the same role decodes without allocating its permissions, creator
// and metadata again, and still equals encoding/json's.
func TestWireRolesShareRepeatedValues(t *testing.T) {
	page := []byte(rolePages[0])
	fast := openai.DecodeRolesShared()
	first, ok := fast(page)
	if !ok {
		t.Fatal("not fast")
	}
	second, _ := fast(page)
	if &first.Assignments[0].Permissions[0] != &second.Assignments[0].Permissions[0] {
		t.Error("the permissions of the same role are not shared within a listing")
	}
	wiretest.Same(t, page, fast, openai.DecodeRolesSlow)
	// The shared permissions, creator and metadata are three allocations
	// (at least) fewer than decoding them afresh with a memo of its own.
	shared := testing.AllocsPerRun(20, func() { fast(page) })
	fresh := testing.AllocsPerRun(20, func() { openai.DecodeRolesFast(page) })
	t.Logf("a page of one role: %v allocations within a listing, %v with a fresh memo", shared, fresh)
	if shared > fresh-3 {
		t.Errorf("a page of one role: %v allocations within a listing, %v with a fresh memo: want at least 3 fewer", shared, fresh)
	}
}

func TestWireAllocations(t *testing.T) {
	shared := openai.DecodeRolesShared()
	shared([]byte(rolePages[0])) // the listing has met the organization's roles
	n := wiretest.AllocsPerItem(t, "openai", "/roles", 150, shared, func(p openai.RolesPage) int { return len(p.Assignments) })
	if n > 4 {
		t.Errorf("roles: %.2f allocations an assignment, want at most 4", n)
	}
	n = wiretest.AllocsPerItem(t, "openai", "/organization/users", 250, openai.DecodeUsersFast, func(p openai.UsersPage) int { return len(p.Users) })
	if n > 4 {
		t.Errorf("users: %.2f allocations a user, want at most 4", n)
	}
}

func FuzzWireRoles(f *testing.F) {
	for _, page := range rolePages {
		f.Add([]byte(page))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		wiretest.Same(t, body, openai.DecodeRolesFast, openai.DecodeRolesSlow) // any bytes: the fast decoder must refuse what encoding/json refuses
	})
}

func FuzzWireUsers(f *testing.F) {
	for _, page := range userPages {
		f.Add([]byte(page))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		wiretest.Same(t, body, openai.DecodeUsersFast, openai.DecodeUsersSlow) // any bytes: the fast decoder must refuse what encoding/json refuses
	})
}

// BenchmarkDecode: the driver's page decoding against the decoder-only
// baseline over the same bytes (make bench reports it in BENCHMARKS.md).
func BenchmarkDecode(b *testing.B) {
	wiretest.BenchmarkDecode(b, "openai", 10_000, []string{"openai.users", "openai.roles"}, openai.NewDecoder())
}
