package vectara_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/vectara"
	"github.com/rolecall/rolecall/providertest"
)

func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{
		Provider: "vectara",
		New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = srv.URL()
			return vectara.New(vectara.Config{APIKey: cred, Options: o})
		},
	})
}
