package openai_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/openai"
)

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{Provider: "openai",
		New: func(credential string, o facade.Options) (facade.Lister, error) {
			return openai.New(openai.Config{AdminKey: credential, Options: o})
		}})
}
