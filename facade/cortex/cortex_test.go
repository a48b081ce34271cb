package cortex_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	api "github.com/rolecall/rolecall/gen/cortex"
)

func TestEmailFilterIsOneCommaJoinedParameter(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		assert.Equal(t, "/api/v1/users/roles", r.URL.Path)
		assert.Equal(t, "Bearer "+facadetest.Credential, r.Header.Get("Authorization"))
		testkit.WriteRaw(w, 200, `{"page":0,"total":1,"totalPages":1,"users":[{"email":"A@x.com","name":"A","roles":[{"type":"BASIC","role":"ADMIN"}]}]}`)
	}, facade.Options{})
	got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{"a@x.com", "b@y.com"}}))
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Len(t, queries, 1)
	assert.Equal(t, "email=a%40x.com,b%40y.com&pageSize=1000&page=0", queries[0], "largest page, one email parameter")
}

func TestPagesAfterTheFirstAreFetchedConcurrently(t *testing.T) {
	var mu sync.Mutex
	inFlight, peak := 0, 0
	overlap := make(chan struct{}) // closed once two pages are in flight at once
	var once sync.Once
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		if inFlight >= 2 {
			once.Do(func() { close(overlap) })
		}
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		page := r.URL.Query().Get("page")
		if page != "0" {
			// Each later page waits for another to be in flight beside it:
			// a listing that fetches them concurrently meets that at once;
			// one that fetches them one by one gets a peak of 1 after the
			// wait (a minute: no timing to race, only a bound on a hang).
			select {
			case <-overlap:
			case <-time.After(time.Minute):
			case <-r.Context().Done():
			}
		}
		testkit.WriteRaw(w, 200, fmt.Sprintf(`{"page":%s,"total":6,"totalPages":6,"users":[{"email":"u%s@x.com","name":"U","roles":[{"type":"CUSTOM","name":"Auditor","tag":"auditor"}]}]}`, page, page))
	}, facade.Options{PageSize: 1, Concurrency: 5})
	got := testkit.List(t, l)
	assert.Len(t, got, 6)
	assert.Greater(t, peak, 1, "pages 1..5 overlap once page 0 tells totalPages")
	assert.Equal(t, facade.Assignment{Provider: "cortex", Principal: facade.User, UserID: "u0@x.com", Email: "u0@x.com", Name: "U",
		RoleID: "auditor", RoleName: "Auditor", RoleKind: facade.Custom, ScopeKind: facade.ScopeWorkspace, Held: facade.Direct,
		Record: got[0].Record}, findUser(got, "u0@x.com"))
	_, ok := got[0].Record.(*api.UserRoleAssignment)
	assert.True(t, ok, "the record is the generated type")
}

func findUser(as []facade.Assignment, id string) facade.Assignment {
	for _, a := range as {
		if a.UserID == id {
			return a
		}
	}
	return facade.Assignment{}
}

func TestFewerUsersThanTheTotalIsIncomplete(t *testing.T) {
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 200, `{"page":0,"total":3,"totalPages":1,"users":[
			{"email":"a@x.com","name":"A","roles":[]},{"email":"b@x.com","name":"B","roles":[{"type":"BASIC","role":"USER"}]}]}`)
	}, facade.Options{})
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrIncomplete)
	assert.Contains(t, err.Error(), "reported 3 users but the listing saw 2")
	assert.Len(t, got, 1, "what arrived is still handed over before the error")
}

func TestSchemaBreakingRecordFailsNamingTheOperation(t *testing.T) {
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 200, `{"page":0,"total":1,"totalPages":1,"users":[{"email":"a@x.com","name":"A","roles":"ADMIN"}]}`)
	}, facade.Options{})
	testkit.ExpectInvalid(t, l, "cortex: list user role assignments (page 0): invalid response")
}

func TestOddRecordsAreTolerated(t *testing.T) {
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 200, `{"page":0,"total":1,"totalPages":1,"extra":{"x":1},"users":[{"email":"a@x.com","name":"A","new":true,
			"roles":[{"type":"GROUP","name":"Platform"},{"type":"BASIC","role":"ADMIN","since":"2026"}]}]}`)
	}, facade.Options{})
	got := testkit.List(t, l)
	require.Len(t, got, 2)
	assert.Equal(t, "Platform", got[0].RoleID, "an unknown role type is kept, not dropped")
	assert.Equal(t, "ADMIN", got[1].RoleID)
}

func TestPageNumberMismatchIsInvalid(t *testing.T) {
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 200, `{"page":0,"total":4,"totalPages":2,"users":[{"email":"a@x.com","name":"A","roles":[]}]}`)
	}, facade.Options{PageSize: 2})
	testkit.ExpectInvalid(t, l, "asked for page 1, got page 0")
}

func TestForbiddenSaysWhatToDo(t *testing.T) {
	calls := 0
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		testkit.WriteRaw(w, 403, `{"message":"Missing permission","type":"FORBIDDEN","requestId":"req-42"}`)
	}, facade.Options{})
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrPermissionDenied)
	assert.Equal(t, 1, calls, "403 is not retried")
	// The role walk's 403 refuses the user kind (the keys are listed
	// beside it): the error names the kind, the operation refused, and the
	// permission (the driver's hint).
	assert.Equal(t, `cortex: list user (refused: list user role assignments (page 0)): 403 forbidden: the API key lacks the permission: View Roles for users (an ADMIN key or a custom role that grants it), Edit API keys for API keys; the provider refused to list user; give the key or client the permission to read them, or leave them out (rolecall --principals, facade.ListOptions.Principals) to list the other kinds completely (cortex said "FORBIDDEN: Missing permission"; request id req-42)`, err.Error())
	var body *api.ErrorResponse
	require.True(t, facade.ErrorAs(err, &body))
	assert.Equal(t, api.ErrorResponseTypeFORBIDDEN, body.Type)
}

func TestProblemRetryAfterIsHonoured(t *testing.T) {
	calls := 0
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		if calls++; calls == 1 {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(429)
			_, _ = w.Write([]byte(`{"type":"about:blank","title":"Too Many Requests","status":429,"retryAfter":1}`))
			return
		}
		testkit.WriteRaw(w, 200, `{"page":0,"total":0,"totalPages":0,"users":[]}`)
	}, facade.Options{})
	start := time.Now()
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	assert.Equal(t, 2, calls)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "the body's retryAfter (1s) is waited")
}

func TestProblemRetryAfterPastTheCapIsReported(t *testing.T) {
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(429)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Too Many Requests","status":429,"retryAfter":120}`))
	}, facade.Options{})
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	var fe *facade.Error
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, facade.RateLimited, fe.Code)
	assert.Equal(t, 2*time.Minute, fe.RetryAfter)
}

func TestRefusesPlainHTTPOffLoopback(t *testing.T) {
	_, err := cortex.New(cortex.Config{Token: "t0k3n", Options: facade.Options{BaseURL: "http://cortex.example.com"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "plain http is accepted only for loopback hosts")
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	_, err = cortex.New(cortex.Config{})
	assert.ErrorIs(t, err, facade.ErrInvalidArgument)
	assert.ErrorContains(t, err, "cortex.Config.Token is not set", "a library error names the Go field")
}

func TestBodyPastTheCapIsRefused(t *testing.T) {
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		testkit.WriteRaw(w, 200, `{"page":0,"total":1,"totalPages":1,"users":[{"email":"a@x.com","name":"`+strings.Repeat("x", 4096)+`","roles":[]}]}`)
	}, facade.Options{MaxBodyBytes: 1024})
	testkit.ExpectInvalid(t, l, "larger than the")
}

// A totalPages past what the total allows (more pages than users) fails at
// the first page instead of walking 99,999 pages (issue 15).
func TestTotalPagesBeyondTheTotal(t *testing.T) {
	var calls atomic.Int32
	l := rolesLister(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		testkit.WriteRaw(w, 200, fmt.Sprintf(`{"page":%s,"total":5,"totalPages":99999,"users":[{"email":"a@x.com","name":"A","roles":[{"type":"BASIC","role":"ADMIN"}]}]}`,
			r.URL.Query().Get("page")))
	}, facade.Options{})
	testkit.ExpectInvalid(t, l, "99999 pages for 5 users")
	assert.Equal(t, int32(1), calls.Load())
}

// harness is this driver for the conformance suite and this package's tests.
var harness = facadetest.Harness{Provider: "cortex", New: func(credential string, o facade.Options) (facade.Lister, error) {
	return cortex.New(cortex.Config{Token: credential, Options: o})
}}

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, harness)
}

// rolesLister is harness.Lister for a handler of GET /api/v1/users/roles
// alone: the users' times (GET /api/v1/users) and the API keys (GET
// /api/v1/auth/key) are empty pages, so a test of the role walk sees it as
// it was before those lists, and its handler counts only its requests.
func rolesLister(t testing.TB, roles http.HandlerFunc, o facade.Options) facade.Lister {
	return harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/users":
			testkit.WriteRaw(w, 200, `{"page":0,"total":0,"totalPages":0,"users":[]}`)
		case "/api/v1/auth/key":
			testkit.WriteRaw(w, 200, `{"apiKeys":[],"page":0,"total":0,"totalPages":0}`)
		default:
			roles(w, r)
		}
	}, o)
}
