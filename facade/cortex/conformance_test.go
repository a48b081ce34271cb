package cortex_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/providertest"
)

func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{
		Provider: "cortex",
		New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = srv.URL()
			return cortex.New(cortex.Config{Token: cred, Options: o})
		},
	})
}
