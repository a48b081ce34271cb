package baseline

import "testing"

func TestKindOf(t *testing.T) {
	for _, c := range []struct{ provider, path, want string }{
		{"cortex", "/base/api/v1/users/roles", "cortex"},
		{"vectara", "/v2/users", "vectara"},
		{"openai", "/v1/organization/users", "openai.users"},
		{"openai", "/v1/organization/users/user_1/roles", "openai.roles"},
		{"openai", "/v1/organization/roles", ""},
		{"logto", "/api/roles", "logto.roles"},
		{"logto", "/api/roles/r1/users", "logto.users"},
		{"logto", "/api/users/u1/roles", ""},
		{"cortex", "/v2/users", ""},
	} {
		if got := KindOf(c.provider, c.path); got != c.want {
			t.Errorf("KindOf(%q, %q) = %q, want %q", c.provider, c.path, got, c.want)
		}
	}
}

func TestDecodeOnlyCountsAssignments(t *testing.T) {
	bodies := []Body{
		{Kind: "cortex", Data: []byte(`{"page":0,"users":[{"email":"a","roles":[{"type":"BASIC","role":"A"},{"type":"CUSTOM","tag":"t"}]},{"email":"b","roles":[]}]}`)},
		{Kind: "vectara", Data: []byte(`{"users":[{"id":"u","api_roles":["a"],"corpus_roles":[{"corpus_key":"c","role":"r"}],"agent_roles":null}]}`)},
		{Kind: "openai.users", Data: []byte(`{"data":[{"id":"u","role":"owner"},{"id":"v","role":null}],"has_more":false}`)},
		{Kind: "openai.roles", Data: []byte(`{"data":[{"id":"r1"},{"id":"r2"},{"id":"r3"}],"has_more":false}`)},
		{Kind: "logto.roles", Data: []byte(`[{"id":"r","name":"n"}]`)},
		{Kind: "logto.users", Data: []byte(`[{"id":"u1"},{"id":"u2"}]`)},
	}
	n, err := DecodeOnly(bodies)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + 2 + 1 + 3 + 0 + 2; n != want {
		t.Errorf("DecodeOnly counted %d assignments, want %d", n, want)
	}
	if _, err := DecodeOnly([]Body{{Kind: "cortex", Data: []byte(`{"users":[{"email":5}]}`)}}); err == nil {
		t.Error("a body of the wrong shape decoded without an error")
	}
	if _, err := DecodeOnly([]Body{{Kind: "nope", Data: []byte(`{}`)}}); err == nil {
		t.Error("an unknown kind decoded without an error")
	}
}
