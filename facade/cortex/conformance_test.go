package cortex_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/facadetest"
)

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{Provider: "cortex",
		New: func(credential string, o facade.Options) (facade.Lister, error) {
			return cortex.New(cortex.Config{Token: credential, Options: o})
		}})
}
