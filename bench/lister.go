package bench

import (
	"fmt"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/facade/vectara"
)

// NewLister returns provider's rolecall driver for a server at baseURL
// with credential token.
func NewLister(provider, baseURL, token string, o facade.Options) (facade.Lister, error) {
	o.BaseURL = baseURL
	switch provider {
	case "cortex":
		return cortex.New(cortex.Config{Token: token, Options: o})
	case "openai":
		return openai.New(openai.Config{AdminKey: token, Options: o})
	case "vectara":
		return vectara.New(vectara.Config{APIKey: token, Options: o})
	case "logto":
		return logto.New(logto.Config{AccessToken: token, Options: o})
	}
	return nil, fmt.Errorf("unknown provider %q", provider)
}
