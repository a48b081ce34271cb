package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/internal/scrub"
)

// providerNames are the providers, in report order.
var providerNames = drivers.Names()

// getenv reads one variable, trimmed.
type getenv func(string) string

func (e getenv) get(name string) string { return strings.TrimSpace(e(name)) }

// secrets returns the values of the secret variables that are set.
func (e getenv) secrets() []string {
	var s []string
	for _, p := range drivers.All() {
		for _, v := range p.Settings {
			if x := e.get(v.Env); v.Secret && x != "" {
				s = append(s, x)
			}
		}
	}
	return s
}

// scrubber removes the secret variables' values (package scrub) from what
// rolecall writes.
func (e getenv) scrubber() *scrub.Scrubber { return scrub.New(e.secrets()...) }

// envHelp lists each provider's variables, one provider a line: its
// credentials, then its other settings.
func envHelp() string {
	var b strings.Builder
	for _, p := range drivers.All() {
		var other []string
		for _, s := range p.Settings {
			if !s.Required && !slices.ContainsFunc(p.Credentials, func(c drivers.Credential) bool { return slices.Contains(c.Fields, s.Field) }) {
				other = append(other, s.Env)
			}
		}
		fmt.Fprintf(&b, "  %-8s %s; also %s\n", p.Name, p.EnvHelp(), strings.Join(other, ", "))
	}
	return b.String()
}

// defaultConcurrencies renders the drivers' default concurrency: "8;
// openai 16" (the most common first, then the others by name).
func defaultConcurrencies() string {
	count := map[int]int{}
	for _, p := range drivers.All() {
		count[p.DefaultConcurrency]++
	}
	common := 0
	for c, n := range count {
		if n > count[common] || (n == count[common] && c < common) {
			common = c
		}
	}
	parts := []string{strconv.Itoa(common)}
	for _, p := range drivers.All() {
		if p.DefaultConcurrency != common {
			parts = append(parts, fmt.Sprintf("%s %d", p.Name, p.DefaultConcurrency))
		}
	}
	return strings.Join(parts, "; ")
}

// noCredentials is the message shown when no provider's credentials are
// set.
func noCredentials() string {
	var b strings.Builder
	b.WriteString("no provider credentials are set. Set the variables of at least one provider:\n")
	for _, p := range drivers.All() {
		fmt.Fprintf(&b, "  %-8s %s\n", p.Name, p.EnvHelp())
	}
	b.WriteString("or run 'rolecall demo' to see the report over recorded fixtures, with no credentials.")
	return b.String()
}

// parseProviders splits a --provider value; "" means every provider whose
// credentials are set.
func parseProviders(flagValue string, env getenv) ([]string, error) {
	if strings.TrimSpace(flagValue) == "" {
		var ps []string
		for _, p := range drivers.All() {
			if p.Configured(env.get) {
				ps = append(ps, p.Name)
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

// newLister configures provider's driver from the environment (the
// registry's variables) and opts. A missing or contradictory variable, or
// a base URL the driver refuses, is a usage error naming the variable
// (never its value, when it is a secret).
func newLister(provider string, env getenv, opts facade.Options) (facade.Lister, error) {
	p, err := drivers.Lookup(provider)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	l, err := p.FromEnv(env.get, opts)
	if err != nil {
		return nil, usageErrorf("%s", env.scrubber().String(err.Error()))
	}
	return l, nil
}
