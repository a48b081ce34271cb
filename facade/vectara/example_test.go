package vectara_test

import (
	"context"
	"fmt"
	"log"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/vectara"
	"github.com/rolecall/rolecall/gen/vectara"
	"github.com/rolecall/rolecall/providertest"
)

// Read a field the portable model lacks from the provider's own record:
// Assignment.Record holds the generated type (here *vectaraapi.User).
func Example_record() {
	srv, err := providertest.Start("vectara", providertest.Options{Tenant: providertest.NewTenant("vectara", 3, 1)})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	lister, err := vectara.New(vectara.Config{
		APIKey:  srv.Token(), // a Personal API key, for real
		Options: facade.Options{BaseURL: srv.URL()},
	})
	if err != nil {
		log.Fatal(err)
	}
	var last *vectaraapi.User
	for a, err := range lister.ListAssignments(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		// A user's assignments share one record.
		if u := a.Record.(*vectaraapi.User); u != last && u.CreatedAt != nil {
			fmt.Printf("%s (%s) was created on %s\n", a.Username, a.Email, u.CreatedAt.Format("2006-01-02"))
			last = u
		}
	}
	// Output:
	// hedy.turing0 (hedy.turing0@corp.example.net) was created on 2024-01-02
	// barbara.perlman1 (Barbara.Perlman1@Example.com) was created on 2024-01-02
}
