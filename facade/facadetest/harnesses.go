package facadetest

import (
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/providertest"
)

// Harnesses returns a Harness for each of rolecall's drivers, in report
// order.
func Harnesses() []Harness {
	var hs []Harness
	for _, p := range drivers.Names() {
		hs = append(hs, Harness{Provider: p, New: func(srv *providertest.Server, cred string, o facade.Options) (facade.Lister, error) {
			o.BaseURL = baseURL(srv, o)
			return drivers.New(p, cred, o)
		}})
	}
	return hs
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
