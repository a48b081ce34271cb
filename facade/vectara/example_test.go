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

// Read a field the portable model lacks (here the user's description) from
// the provider's own record: Assignment.Record holds the generated type,
// *vectaraapi.User.
func Example_record() {
	srv, err := providertest.Start("vectara", providertest.Options{Tenant: providertest.NewTenant("vectara", 4, 1)})
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
		// A user's assignments share one record; keys and app clients
		// have records of their own types.
		if u, ok := a.Record.(*vectaraapi.User); ok && u != last {
			last = u
			if u.Description != nil {
				fmt.Printf("%s: %s\n", a.Username, *u.Description)
			}
		}
	}
	// Output:
	// radia.lamport1: Synthetic user for rolecall tests
}
