package facade_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
)

func key(user, role, scope string) string {
	return (&facade.Assignment{UserID: user, RoleID: role, Scope: scope}).Key()
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

// FuzzKey: two assignments share a key if and only if their user, role
// and scope are the same.
func FuzzKey(f *testing.F) {
	f.Add("u@example.com", "r\x00s", "", "u@example.com\x00r", "s", "")
	f.Add("a", "b", "c", "a", "b", "c")
	f.Add("", "", "", "", "", "")
	f.Add("a", "bc", "", "ab", "c", "")
	f.Add(string(make([]byte, 200)), "r", "", string(make([]byte, 199)), "\x00r", "")
	f.Fuzz(func(t *testing.T, u1, r1, s1, u2, r2, s2 string) {
		same := u1 == u2 && r1 == r2 && s1 == s2
		if got := key(u1, r1, s1) == key(u2, r2, s2); got != same {
			t.Fatalf("(%q, %q, %q) and (%q, %q, %q): same key %v, same assignment %v", u1, r1, s1, u2, r2, s2, got, same)
		}
	})
}
