package logto_test

import (
	"net/http"
	"testing"

	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/logto"
)

// FuzzListing feeds arbitrary page bodies (and pagination headers) to the
// driver: it must end, with assignments or a typed error, never panic or
// loop. Seeds live here and in testdata/fuzz/FuzzListing.
func FuzzListing(f *testing.F) {
	f.Add([]byte(`[{"tenantId":"t","id":"r1","name":"admin","description":"d","type":"User","isDefault":false,"usersCount":1,"featuredUsers":[],"applicationsCount":0,"featuredApplications":[]}]`),
		[]byte(`[{"id":"u1","username":null,"primaryEmail":"a@x.com","primaryPhone":null,"name":null,"avatar":null,"customData":{},"identities":{},"lastSignInAt":null,"createdAt":1,"updatedAt":2,"profile":{},"applicationId":null,"isSuspended":false}]`), "1")
	f.Add([]byte(`[{"id":"r1","name":"admin","type":"User"}]`), []byte(`[]`), "99999999999")
	f.Add([]byte(`[{"id":"r1","name":"admin","type":"User"}]`), []byte(`[{"id":"u1","createdAt":"yesterday"}]`), "x")
	f.Fuzz(func(t *testing.T, body, body2 []byte, hdr string) {
		_ = body2
		c := &testkit.Canned{Responses: []testkit.CannedResponse{{PathSuffix: "/api/roles", Body: body, Header: http.Header{"Total-Number": {hdr}}}, {PathSuffix: "/users", Body: body2, Header: http.Header{"Total-Number": {hdr}, "Link": {`<https://elsewhere.example/x?page=2>; rel="next"`}}}}}
		l, err := logto.New(logto.Config{AccessToken: "fuzz-token", Options: testkit.FuzzOptions(c)})
		if err != nil {
			t.Fatal(err)
		}
		testkit.CheckListing(t, l)
	})
}
