package facade_test

import (
	"encoding/binary"
	"testing"

	"github.com/rolecall/rolecall/facade"
)

func key(user, role, scope string) string {
	return (&facade.Assignment{UserID: user, RoleID: role, Scope: scope}).Key()
}

func kindKey(kind facade.PrincipalKind, user, role, scope string) string {
	return (&facade.Assignment{Principal: kind, UserID: user, RoleID: role, Scope: scope}).Key()
}

// TestKeyCannotCollide holds Key to its promise on the inputs that broke
// a key joining the fields with NUL (issue 15): a separator moved from one
// field into its neighbour makes another key.
func TestKeyCannotCollide(t *testing.T) {
	for _, c := range [][2][3]string{
		{{"u@example.com", "r\x00s", ""}, {"u@example.com\x00r", "s", ""}},
		{{"a", "b\x00", "c"}, {"a", "b", "\x00c"}},
		{{"", "\x00", ""}, {"\x00", "", ""}},
		{{"ab", "", ""}, {"a", "b", ""}},
		{{"a", "b", "c"}, {"a", "bc", ""}},
	} {
		a, b := c[0], c[1]
		if key(a[0], a[1], a[2]) == key(b[0], b[1], b[2]) {
			t.Errorf("%q and %q make one key", a, b)
		}
	}
	a, b := key("u", "r", "s"), key(string([]byte("u")), "r", string([]byte{'s'}))
	if a != b {
		t.Error("one assignment, two keys")
	}
}

// TestKeyOfUsersUnchanged: a user's key is the one made before principal
// kinds (so keys of old reports match new ones), whether Principal is ""
// or User.
func TestKeyOfUsersUnchanged(t *testing.T) {
	// The encoding before kinds: length-prefixed user and role ids, then
	// the scope.
	before := func(user, role, scope string) string {
		b := binary.AppendUvarint(nil, uint64(len(user)))
		b = append(b, user...)
		b = binary.AppendUvarint(b, uint64(len(role)))
		b = append(b, role...)
		return string(append(b, scope...))
	}
	for _, c := range [][3]string{{"u1", "owner", "api.organization"}, {"", "", ""}, {"a@example.com", "ADMIN", ""}} {
		want := before(c[0], c[1], c[2])
		if got := key(c[0], c[1], c[2]); got != want {
			t.Errorf("%q: key %q, want %q", c, got, want)
		}
		if got := kindKey(facade.User, c[0], c[1], c[2]); got != want {
			t.Errorf("%q as User: key %q, want %q", c, got, want)
		}
	}
}

// TestKeyOfKindsDistinct: a key, a service account and a user with one id
// holding one role make three keys, and no kind's key is a user's whose
// ids spell the kind.
func TestKeyOfKindsDistinct(t *testing.T) {
	kinds := []facade.PrincipalKind{facade.User, facade.ServiceAccount, facade.APIKey, facade.Application,
		facade.Group, facade.Invitation}
	seen := map[string]facade.PrincipalKind{}
	for _, k := range kinds {
		got := kindKey(k, "id1", "reader", "project/p1")
		if prev, ok := seen[got]; ok {
			t.Errorf("%s and %s make one key", prev, k)
		}
		seen[got] = k
	}
	// A kind's key made of the kind length-prefixed before a user's key
	// would be this user's: [7]api_key [1]k [1]r s.
	if kindKey(facade.APIKey, "k", "r", "s") == key("api_key", "k", "\x01rs") {
		t.Error("an API key's key is a user's")
	}
	if (&facade.Assignment{}).Kind() != facade.User {
		t.Error(`Kind of "" is not User`)
	}
}

// FuzzKey: two assignments share a key if and only if their principal
// kind ("" read as User), id, role and scope are the same.
func FuzzKey(f *testing.F) {
	f.Add("", "u@example.com", "r\x00s", "", "", "u@example.com\x00r", "s", "")
	f.Add("", "a", "b", "c", "user", "a", "b", "c")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("", "a", "bc", "", "", "ab", "c", "")
	f.Add("api_key", "k", "r", "", "", "\x80\x00", "api_key", "")
	f.Add("api_key", "k", "r", "", "", "\x80", "\x07api_key\x01kr", "")
	f.Add("", string(make([]byte, 200)), "r", "", "", string(make([]byte, 199)), "\x00r", "")
	f.Fuzz(func(t *testing.T, k1, u1, r1, s1, k2, u2, r2, s2 string) {
		a := facade.Assignment{Principal: facade.PrincipalKind(k1), UserID: u1, RoleID: r1, Scope: s1}
		b := facade.Assignment{Principal: facade.PrincipalKind(k2), UserID: u2, RoleID: r2, Scope: s2}
		same := a.Kind() == b.Kind() && u1 == u2 && r1 == r2 && s1 == s2
		if got := a.Key() == b.Key(); got != same {
			t.Fatalf("(%q, %q, %q, %q) and (%q, %q, %q, %q): same key %v, same assignment %v",
				k1, u1, r1, s1, k2, u2, r2, s2, got, same)
		}
	})
}
