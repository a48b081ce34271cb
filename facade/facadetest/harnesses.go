package facadetest

import (
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/facade/vectara"
	"github.com/rolecall/rolecall/providertest"
)

// Harnesses returns a Harness for each of rolecall's drivers, in report
// order.
func Harnesses() []Harness {
	return []Harness{
		{Provider: "cortex", New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = baseURL(srv, o)
			return cortex.New(cortex.Config{Token: cred, Options: o})
		}},
		{Provider: "openai", New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = baseURL(srv, o)
			return openai.New(openai.Config{AdminKey: cred, Options: o})
		}},
		{Provider: "vectara", New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = baseURL(srv, o)
			return vectara.New(vectara.Config{APIKey: cred, Options: o})
		}},
		{Provider: "logto", New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = baseURL(srv, o)
			return logto.New(logto.Config{AccessToken: cred, Options: o})
		}},
	}
}

// HarnessFor returns the Harness of provider; it panics for an unknown one.
func HarnessFor(provider string) Harness {
	for _, h := range Harnesses() {
		if h.Provider == provider {
			return h
		}
	}
	panic("facadetest: no harness for " + provider)
}

// baseURL is opts.BaseURL when set (to point a driver elsewhere), else the
// fake's URL.
func baseURL(srv *providertest.Server, o facade.Options) string {
	if o.BaseURL != "" {
		return o.BaseURL
	}
	return srv.URL()
}
