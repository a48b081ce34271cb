package openai_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/providertest"
)

func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{
		Provider: "openai",
		New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = srv.URL()
			return openai.New(openai.Config{AdminKey: cred, Options: o})
		},
	})
}
