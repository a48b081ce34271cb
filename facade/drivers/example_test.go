package drivers_test

import (
	"context"
	"fmt"
	"log"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/providertest"
)

// Build a driver by name with one static credential.
func ExampleNew() {
	srv, err := providertest.Start("logto", providertest.Options{Tenant: providertest.NewTenant("logto", 10, 1)})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// For real: drivers.New("logto", os.Getenv("LOGTO_ACCESS_TOKEN"),
	// facade.Options{BaseURL: "https://<tenant>.logto.app"}).
	lister, err := drivers.New("logto", srv.Token(), facade.Options{BaseURL: srv.URL()})
	if err != nil {
		log.Fatal(err)
	}
	got, err := facade.Collect(lister.ListAssignments(context.Background(), nil))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(lister.Provider(), len(got) > 0)
	// Output: logto true
}

// Configure a driver from the environment variables the rolecall command
// reads; its errors then name the variables.
func ExampleProvider_FromEnv() {
	p, err := drivers.Lookup("vectara")
	if err != nil {
		log.Fatal(err)
	}
	env := map[string]string{"VECTARA_CLIENT_ID": "my-app"} // os.Getenv, for real
	_, err = p.FromEnv(func(name string) string { return env[name] }, facade.Options{})
	fmt.Println(err)
	// Output: vectara: configure: invalid argument: VECTARA_CLIENT_ID is set but VECTARA_CLIENT_SECRET is not: a Personal API key, or an OAuth application's client id and secret, is required
}

// List the providers and the variables that hold their credentials.
func ExampleAll() {
	for _, p := range drivers.All() {
		fmt.Printf("%-8s %-13s %s\n", p.Name, p.Spec, p.EnvHelp())
	}
	// Output:
	// cortex   cortex.json   CORTEX_API_TOKEN
	// openai   openai.yaml   OPENAI_ADMIN_KEY
	// vectara  vectara.yaml  VECTARA_API_KEY (or VECTARA_CLIENT_ID + VECTARA_CLIENT_SECRET)
	// logto    logto.yaml    LOGTO_ACCESS_TOKEN (or LOGTO_APP_ID + LOGTO_APP_SECRET) with LOGTO_ENDPOINT
}
