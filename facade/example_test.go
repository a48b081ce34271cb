package facade_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"log"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/providertest"
)

// fake starts a fake provider on 127.0.0.1 so that the examples run
// anywhere; with real credentials, leave BaseURL empty (or set the
// tenant's endpoint) and pass the real secret.
func fake(provider string, users int) *providertest.Server {
	srv, err := providertest.Start(provider, providertest.Options{Tenant: providertest.NewTenant(provider, users, 1)})
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

// List every role assignment in one Cortex workspace.
func Example() {
	srv := fake("cortex", 3)
	defer srv.Close()

	lister, err := cortex.New(cortex.Config{
		Token:   srv.Token(), // os.Getenv("CORTEX_API_TOKEN") for real
		Options: facade.Options{BaseURL: srv.URL()},
	})
	if err != nil {
		log.Fatal(err)
	}
	for a, err := range lister.ListAssignments(context.Background(), nil) {
		if err != nil {
			log.Fatal(err) // an *facade.Error: provider, operation, status, what to do
		}
		fmt.Printf("%s %s holds %s (%s)\n", a.Kind(), cmp.Or(a.Email, a.Name), a.RoleName, a.RoleKind)
	}
	// The users' and the keys' walks run at once: their rows interleave.

	// Unordered output:
	// user donald.knuth.90@example.com holds ADMIN (builtin)
	// user donald.knuth.90@example.com holds Security Reviewer (custom)
	// user donald.knuth.90@example.com holds Catalog Editor (custom)
	// api_key CI reporting holds ADMIN (builtin)
}

// List several providers at once, each built by name through the registry
// (facade/drivers); assignments stream as they arrive, and a provider that
// fails reports its error while the others carry on.
func ExampleListAll() {
	var listers []facade.Lister
	for _, p := range drivers.Names() {
		srv := fake(p, 20)
		defer srv.Close()
		l, err := drivers.New(p, srv.Token(), facade.Options{BaseURL: srv.URL()})
		if err != nil {
			log.Fatal(err)
		}
		listers = append(listers, l)
	}

	count := map[string]int{}
	for a, err := range facade.ListAll(context.Background(), listers, nil) {
		if err != nil {
			fmt.Println("failed:", err) // an *facade.Error naming its provider
			continue
		}
		count[a.Provider]++
	}
	for _, p := range drivers.Names() {
		fmt.Printf("%s: %d assignments\n", p, count[p])
	}
	// Output:
	// cortex: 30 assignments
	// openai: 186 assignments
	// vectara: 81 assignments
	// logto: 43 assignments
}

// Keep each provider's results apart: one wrong credential costs that
// provider's listing, not the others'.
func ExampleCollectAll() {
	var listers []facade.Lister
	for _, p := range []string{"cortex", "openai"} {
		srv := fake(p, 20)
		defer srv.Close()
		credential := srv.Token()
		if p == "openai" {
			credential = "a-revoked-key"
		}
		l, err := drivers.New(p, credential, facade.Options{BaseURL: srv.URL()})
		if err != nil {
			log.Fatal(err)
		}
		listers = append(listers, l)
	}

	for _, r := range facade.CollectAll(context.Background(), listers, nil) {
		switch {
		case errors.Is(r.Err, facade.ErrUnauthenticated):
			fmt.Printf("%s: the credential was refused: %v\n", r.Provider, facade.Code(r.Err))
		case r.Err != nil:
			fmt.Printf("%s: %v\n", r.Provider, r.Err)
		default:
			fmt.Printf("%s: %d assignments\n", r.Provider, len(r.Assignments))
		}
	}
	// Output:
	// cortex: 30 assignments
	// openai: the credential was refused: unauthenticated
}

// Review only some people: Cortex, OpenAI and Logto filter on the server,
// Vectara on the client; matching ignores case.
func ExampleListOptions() {
	srv := fake("openai", 10)
	defer srv.Close()
	lister, err := openai.New(openai.Config{AdminKey: srv.Token(), Options: facade.Options{BaseURL: srv.URL()}})
	if err != nil {
		log.Fatal(err)
	}
	email := srv.Tenant().Users[0].Email
	got, err := facade.Collect(lister.ListAssignments(context.Background(), &facade.ListOptions{Emails: []string{email}}))
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range got {
		if a.Email != email {
			log.Fatalf("unexpected %s", a.Email)
		}
	}
	fmt.Println(len(got) > 0)
	// Output: true
}

// A Source over a listing function of one's own: what a driver's New
// returns, here a fixed tenant standing in for one (in a test of code that
// takes a facade.Lister, say).
func ExampleNewSource() {
	fixed := facade.NewSource("fixed", func(context.Context, *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
		return func(yield func(facade.Assignment, error) bool) {
			yield(facade.Assignment{Provider: "fixed", UserID: "u1", Email: "ada@example.com", RoleID: "admin", RoleName: "Admin"}, nil)
		}
	})
	got, err := facade.Collect(fixed.ListAssignments(context.Background(), nil))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fixed.Provider(), got[0].Email, got[0].RoleName)
	// Output:
	// fixed ada@example.com Admin
}
