package openai_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/openai"
)

// FuzzListing feeds arbitrary page bodies (and pagination headers) to the
// driver: it must end, with assignments or a typed error, never panic or
// loop. Seeds live here and in testdata/fuzz/FuzzListing.
func FuzzListing(f *testing.F) {
	f.Add([]byte(`{"object":"list","data":[{"object":"organization.user","id":"user_1","name":"A","email":"a@x.com","role":"owner","added_at":1}],"first_id":"user_1","last_id":"user_1","has_more":false}`),
		[]byte(`{"object":"list","data":[{"id":"r","name":"R","permissions":[],"resource_type":"api.organization","predefined_role":true,"description":null,"created_at":null,"updated_at":null,"created_by":null,"created_by_user_obj":null,"metadata":null,"assignment_sources":null}],"has_more":false,"next":null}`), "")
	f.Add([]byte(`{"object":"list","data":[{"object":"organization.user","id":"user_1","role":"future"}],"last_id":"user_1","has_more":true}`),
		[]byte(`{"object":"list","data":[],"has_more":true,"next":"same"}`), "")
	f.Add([]byte(`{"data":[{"id":""}],"has_more":true}`), []byte(`{"data":[{"id":5}]}`), "")
	f.Fuzz(func(t *testing.T, body, body2 []byte, hdr string) {
		_ = body2
		c := &testkit.Canned{Responses: []testkit.CannedResponse{{PathSuffix: "/organization/users", Body: body}, {PathSuffix: "/roles", Body: body2}}}
		l, err := openai.New(openai.Config{AdminKey: "fuzz-token", Options: testkit.FuzzOptions(c)})
		if err != nil {
			t.Fatal(err)
		}
		testkit.CheckListing(t, l)
	})
}
