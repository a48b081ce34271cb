package bench

import (
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
)

// NewLister returns provider's rolecall driver for a server at baseURL
// with credential token.
func NewLister(provider, baseURL, token string, o facade.Options) (facade.Lister, error) {
	o.BaseURL = baseURL
	return drivers.New(provider, token, o)
}
