package vectara_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/vectara"
)

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{Provider: "vectara",
		New: func(credential string, o facade.Options) (facade.Lister, error) {
			return vectara.New(vectara.Config{APIKey: credential, Options: o})
		}})
}
