package vectara_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/vectara"
)

// FuzzListing feeds arbitrary page bodies (and pagination headers) to the
// driver: it must end, with assignments or a typed error, never panic or
// loop. Seeds live here and in testdata/fuzz/FuzzListing.
func FuzzListing(f *testing.F) {
	f.Add([]byte(`{"users":[{"id":"usr_1","email":"a@x.com","enabled":true,"api_roles":["owner","future_role"],"corpus_roles":[{"corpus_key":"c","role":"viewer"}],"agent_roles":[{"agent_key":"a","role":"agent_user"}]}],"metadata":{"page_key":""}}`), []byte(nil), "")
	f.Add([]byte(`{"users":[],"metadata":{"page_key":"again"}}`), []byte(nil), "")
	f.Add([]byte(`{"users":[{"id":"usr_1","api_roles":"owner"}]}`), []byte(nil), "")
	f.Add([]byte(`{"users":null,"metadata":null}`), []byte(nil), "")
	f.Add([]byte(`{"users":[],"metadata":{"page_key":""}}`), []byte(`{"api_keys":[{"id":"aky_1","secret_key":"s","api_key_role":"serving","api_policy":{"name":"x","allowed_operations":{"query":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":["c"]}}}}}],"app_clients":[{"id":"app_1","api_roles":["owner"]}],"corpora":[{"key":"c","name":"C"}],"agents":[{"key":"a","name":"A","enabled":true}],"metadata":{"page_key":""}}`), "")
	f.Fuzz(func(t *testing.T, body, body2 []byte, hdr string) {
		c := &testkit.Canned{Responses: []testkit.CannedResponse{{PathSuffix: "/v2/users", Body: body},
			{PathSuffix: "/v2/api_keys", Body: body2}, {PathSuffix: "/v2/app_clients", Body: body2},
			{PathSuffix: "/v2/corpora", Body: body2}, {PathSuffix: "/v2/agents", Body: body2}}}
		l, err := vectara.New(vectara.Config{APIKey: "fuzz-token", Options: testkit.FuzzOptions(c)})
		if err != nil {
			t.Fatal(err)
		}
		testkit.CheckListing(t, l)
	})
}
