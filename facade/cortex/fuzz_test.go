package cortex_test

import (
	"net/http"
	"testing"

	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/internal/testkit"
)

// FuzzListing feeds arbitrary page bodies (and pagination headers) to the
// driver: it must end, with assignments or a typed error, never panic or
// loop. Seeds live here and in testdata/fuzz/FuzzListing.
func FuzzListing(f *testing.F) {
	f.Add([]byte(`{"page":0,"total":2,"totalPages":1,"users":[{"email":"a@x.com","name":"A","roles":[{"type":"BASIC","role":"ADMIN"},{"type":"CUSTOM","name":"N","tag":"t"}]}]}`), []byte(nil), "")
	f.Add([]byte(`{"page":0,"total":5,"totalPages":9999999,"users":[]}`), []byte(nil), "")
	f.Add([]byte(`{"page":0,"total":1,"totalPages":1,"users":[{"email":"a@x.com","name":"A","roles":"ADMIN"}]}`), []byte(nil), "")
	f.Add([]byte(`{"page":0,"total":1,"totalPages":1,"users":[{"email":"a@x.com","name":"A","roles":[{"type":"GROUP"}]}]}`), []byte(nil), "")
	f.Add([]byte(`{"page":0,"users":[`), []byte(nil), "")
	f.Fuzz(func(t *testing.T, body, body2 []byte, hdr string) {
		_ = body2
		c := &testkit.Canned{Responses: []testkit.CannedResponse{{PathSuffix: "/api/v1/users/roles", Body: body, Header: http.Header{"Total-Number": {hdr}}}}}
		l, err := cortex.New(cortex.Config{Token: "fuzz-token", Options: testkit.FuzzOptions(c)})
		if err != nil {
			t.Fatal(err)
		}
		testkit.CheckListing(t, l)
	})
}
