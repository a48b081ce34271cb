package logto_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/logto"
)

// TestConformance runs the conformance suite against this driver, with
// its static credential.
func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{Provider: "logto",
		New: func(credential string, o facade.Options) (facade.Lister, error) {
			return logto.New(logto.Config{AccessToken: credential, Options: o})
		}})
}
