package providertest_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"testing"

	"github.com/rolecall/rolecall/gen/cortex"
	"github.com/rolecall/rolecall/gen/openai"
	"github.com/rolecall/rolecall/providertest"
)

// A fake Cortex with five users, listed page by page with the generated
// client. In a test, use NewServer(t, …) instead of Start: it closes the
// server when the test ends and fails the test on any request that
// violates the spec.
func Example() {
	s, err := providertest.Start("cortex", providertest.Options{Tenant: providertest.NewTenant("cortex", 5, 1)})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	client, err := cortexapi.NewClientWithResponses(s.URL(), cortexapi.WithHTTPClient(s.Client()),
		cortexapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+s.Token())
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	assignments := 0
	for page := int32(0); ; page++ {
		resp, err := client.GetUserRoleAssignmentsWithResponse(context.Background(),
			&cortexapi.GetUserRoleAssignmentsParams{Page: page, PageSize: 2})
		if err != nil || resp.JSON200 == nil {
			log.Fatalf("page %d: %v %s", page, err, resp.Body)
		}
		for _, u := range resp.JSON200.Users {
			fmt.Printf("%s: %d roles\n", u.Email, len(u.Roles))
			assignments += len(u.Roles)
		}
		if page+1 >= resp.JSON200.TotalPages {
			break
		}
	}
	// The users' rows: the workspace's API keys hold rows of their own
	// (GET /api/v1/auth/key, in gen/cortexadmin).
	fmt.Println("assignments:", assignments, "expected:", len(s.Tenant().RowsOf("user")))
	fmt.Println("requests:", s.Requests(), "violations:", len(s.Violations()))
	// Output:
	// donald.knuth.90@example.com: 3 roles
	// donald.hopper1@corp.example.net: 0 roles
	// john.thompson2@example.com: 0 roles
	// ada.goldwasser3@partner.example: 2 roles
	// tim.dijkstra.91@example.com: 0 roles
	// assignments: 5 expected: 5
	// requests: 3 violations: 0
}

// The shape of a test that uses the fake: short pages, a listing through
// the generated OpenAI client, and the tenant's Rows as the oracle. (An example has no *testing.T, so this one is compiled but
// not run.)
func ExampleNewServer() {
	var t *testing.T // the test's t
	s := providertest.NewServer(t, "openai", providertest.Options{ShortPages: true})
	client, err := openaiapi.NewClientWithResponses(s.URL(), openaiapi.WithHTTPClient(s.Client()),
		openaiapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+s.Token())
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	limit := 100
	params := &openaiapi.ListUsersParams{Limit: &limit}
	users := 0
	for {
		resp, err := client.ListUsersWithResponse(context.Background(), params)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("list users: %v %s", err, resp.Body)
		}
		users += len(resp.JSON200.Data)
		if !resp.JSON200.HasMore {
			break
		}
		params.After = resp.JSON200.LastId
	}
	if users != len(s.Tenant().Users) {
		t.Errorf("listed %d users, want %d", users, len(s.Tenant().Users))
	}
	want := s.Tenant().Rows() // what a complete listing of assignments must return
	t.Logf("%d requests for %d users; %d assignments expected", s.Requests(), users, len(want))
}
