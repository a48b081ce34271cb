package logto_test

import (
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/providertest"
)

func TestConformance(t *testing.T) {
	facadetest.RunConformanceTests(t, facadetest.Harness{
		Provider: "logto",
		New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = srv.URL()
			return logto.New(logto.Config{AccessToken: cred, Options: o})
		},
	})
}
