package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/facade/vectara"
	"github.com/rolecall/rolecall/internal/scrub"
)

// providerNames are the providers, in report order.
var providerNames = []string{"cortex", "openai", "vectara", "logto"}

// credentialVars names each provider's credential variables, for the
// message shown when none is set.
var credentialVars = map[string]string{
	"cortex":  "CORTEX_API_TOKEN",
	"openai":  "OPENAI_ADMIN_KEY",
	"vectara": "VECTARA_API_KEY (or VECTARA_CLIENT_ID + VECTARA_CLIENT_SECRET)",
	"logto":   "LOGTO_ACCESS_TOKEN (or LOGTO_APP_ID + LOGTO_APP_SECRET) with LOGTO_ENDPOINT",
}

// secretVars are the variables whose values are secrets: never printed, and
// scrubbed from anything rolecall writes to stderr.
var secretVars = []string{"CORTEX_API_TOKEN", "OPENAI_ADMIN_KEY", "VECTARA_API_KEY", "VECTARA_CLIENT_SECRET",
	"LOGTO_ACCESS_TOKEN", "LOGTO_APP_SECRET"}

// getenv reads one variable, trimmed.
type getenv func(string) string

func (e getenv) get(name string) string { return strings.TrimSpace(e(name)) }

// secrets returns the values of the secret variables that are set.
func (e getenv) secrets() []string {
	var s []string
	for _, v := range secretVars {
		if x := e.get(v); x != "" {
			s = append(s, x)
		}
	}
	return s
}

// scrubber removes the secret variables' values (package scrub) from what
// rolecall writes.
func (e getenv) scrubber() *scrub.Scrubber { return scrub.New(e.secrets()...) }

// configured reports whether any of provider's credential variables is
// set.
func (e getenv) configured(provider string) bool {
	var vars []string
	switch provider {
	case "cortex":
		vars = []string{"CORTEX_API_TOKEN"}
	case "openai":
		vars = []string{"OPENAI_ADMIN_KEY"}
	case "vectara":
		vars = []string{"VECTARA_API_KEY", "VECTARA_CLIENT_ID", "VECTARA_CLIENT_SECRET"}
	case "logto":
		vars = []string{"LOGTO_ACCESS_TOKEN", "LOGTO_APP_ID", "LOGTO_APP_SECRET"}
	}
	for _, v := range vars {
		if e.get(v) != "" {
			return true
		}
	}
	return false
}

// noCredentials is the message shown when no provider's credentials are
// set.
func noCredentials() string {
	var b strings.Builder
	b.WriteString("no provider credentials are set. Set the variables of at least one provider:\n")
	for _, p := range providerNames {
		fmt.Fprintf(&b, "  %-8s %s\n", p, credentialVars[p])
	}
	b.WriteString("or run 'rolecall demo' to see the report over recorded fixtures, with no credentials.")
	return b.String()
}

// parseProviders splits a --provider value; "" means every provider whose
// credentials are set.
func parseProviders(flagValue string, env getenv) ([]string, error) {
	if strings.TrimSpace(flagValue) == "" {
		var ps []string
		for _, p := range providerNames {
			if env.configured(p) {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return nil, usageErrorf("%s", noCredentials())
		}
		return ps, nil
	}
	var ps []string
	for _, p := range strings.Split(flagValue, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if !slices.Contains(providerNames, p) {
			return nil, usageErrorf("--provider: unknown provider %q (want %s)", p, strings.Join(providerNames, ", "))
		}
		if !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return nil, usageErrorf("--provider: no provider named")
	}
	return ps, nil
}

// newLister configures provider's driver from the environment and opts.
// A missing or contradictory variable, or a base URL the driver refuses,
// is a usage error naming the variable (never its value, when it is a
// secret).
func newLister(provider string, env getenv, opts facade.Options) (facade.Lister, error) {
	need := func(name string) error {
		if env.get(name) == "" {
			return usageErrorf("%s: %s is not set", provider, name)
		}
		return nil
	}
	base := func(name string) string {
		opts.BaseURL = env.get(name)
		return name
	}
	var (
		l       facade.Lister
		err     error
		urlVars []string
	)
	switch provider {
	case "cortex":
		if err := need("CORTEX_API_TOKEN"); err != nil {
			return nil, err
		}
		urlVars = append(urlVars, base("CORTEX_BASE_URL"))
		l, err = cortex.New(cortex.Config{Token: env.get("CORTEX_API_TOKEN"), Options: opts})
	case "openai":
		if err := need("OPENAI_ADMIN_KEY"); err != nil {
			return nil, err
		}
		urlVars = append(urlVars, base("OPENAI_BASE_URL"))
		l, err = openai.New(openai.Config{AdminKey: env.get("OPENAI_ADMIN_KEY"), Options: opts})
	case "vectara":
		key, id, secret := env.get("VECTARA_API_KEY"), env.get("VECTARA_CLIENT_ID"), env.get("VECTARA_CLIENT_SECRET")
		switch {
		case key != "" && (id != "" || secret != ""):
			return nil, usageErrorf("vectara: set VECTARA_API_KEY, or VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET, not both")
		case key == "" && id == "" && secret == "":
			return nil, usageErrorf("vectara: VECTARA_API_KEY (or VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET) is not set")
		case key == "" && id == "":
			return nil, usageErrorf("vectara: VECTARA_CLIENT_SECRET is set but VECTARA_CLIENT_ID is not")
		case key == "" && secret == "":
			return nil, usageErrorf("vectara: VECTARA_CLIENT_ID is set but VECTARA_CLIENT_SECRET is not")
		}
		urlVars = append(urlVars, base("VECTARA_BASE_URL"), "VECTARA_AUTH_URL")
		l, err = vectara.New(vectara.Config{APIKey: key, ClientID: id, ClientSecret: secret,
			TokenURL: env.get("VECTARA_AUTH_URL"), Options: opts})
	case "logto":
		token, id, secret := env.get("LOGTO_ACCESS_TOKEN"), env.get("LOGTO_APP_ID"), env.get("LOGTO_APP_SECRET")
		switch {
		case token != "" && (id != "" || secret != ""):
			return nil, usageErrorf("logto: set LOGTO_ACCESS_TOKEN, or LOGTO_APP_ID and LOGTO_APP_SECRET, not both")
		case token == "" && id == "" && secret == "":
			return nil, usageErrorf("logto: LOGTO_ACCESS_TOKEN (or LOGTO_APP_ID and LOGTO_APP_SECRET) is not set")
		case token == "" && id == "":
			return nil, usageErrorf("logto: LOGTO_APP_SECRET is set but LOGTO_APP_ID is not")
		case token == "" && secret == "":
			return nil, usageErrorf("logto: LOGTO_APP_ID is set but LOGTO_APP_SECRET is not")
		}
		if env.get("LOGTO_ENDPOINT") == "" {
			return nil, usageErrorf("logto: LOGTO_ENDPOINT is not set; it is required (the tenant endpoint, e.g. https://tenant.logto.app)")
		}
		urlVars = append(urlVars, base("LOGTO_ENDPOINT"))
		l, err = logto.New(logto.Config{AccessToken: token, AppID: id, AppSecret: secret,
			Resource: env.get("LOGTO_RESOURCE"), Options: opts})
	default:
		return nil, usageErrorf("unknown provider %q", provider)
	}
	if err != nil {
		// The drivers name the provider and the problem (a base URL with
		// plain http for a host that is not loopback, say); add where the
		// value came from.
		return nil, usageErrorf("%s (check %s)", env.scrubber().String(err.Error()), strings.Join(urlVars, " or "))
	}
	return l, nil
}
