package tenants_test

import (
	"fmt"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/tenants"
)

// A tenants file names each tenant, its provider, its settings and its
// credentials by reference; Open builds each tenant's own driver, whose
// assignments carry the tenant's name.
func Example() {
	ts, err := tenants.Parse([]byte(`
tenants:
  - name: openai-eu
    provider: openai
    settings: {OPENAI_BASE_URL: "https://api.openai.com/v1"}
    credentials: {OPENAI_ADMIN_KEY: {env: OPENAI_EU_ADMIN_KEY}}
  - name: openai-us
    provider: openai
    credentials: {OPENAI_ADMIN_KEY: {file: /var/run/secrets/openai-us}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ts.Getenv = func(string) string { return "" } // as if OPENAI_EU_ADMIN_KEY were not set
	for i := range ts.Tenants {
		t := &ts.Tenants[i]
		_, err := ts.Open(t, facade.Options{})
		fmt.Println(t.Name, t.Provider, err)
	}
	// The listers would then list at once, each within its own rate limit:
	//   for a, err := range facade.ListAll(ctx, listers, nil) { … a.Tenant … }

	// Output:
	// openai-eu openai tenant openai-eu: OPENAI_ADMIN_KEY: the environment variable OPENAI_EU_ADMIN_KEY is not set: set it, or change the reference
	// openai-us openai tenant openai-us: OPENAI_ADMIN_KEY: reading {file: /var/run/secrets/openai-us}: no such file or directory
}
