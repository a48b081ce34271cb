package driverkit

import (
	"fmt"
	"strings"

	"github.com/rolecall/rolecall/facade"
)

// ConfigError is a bad Config: an InvalidArgument *facade.Error whose
// cause names the Go field at fault, qualified as callers write it
// (cortex.Config.Token). The registry's FromEnv renames such fields to the
// environment variables they came from.
func ConfigError(provider, hint, format string, args ...any) *facade.Error {
	return &facade.Error{Provider: provider, Op: "configure", Code: facade.InvalidArgument,
		Err: fmt.Errorf(format, args...), Hint: hint}
}

// Field is one field of a driver's Config: its name ("Token") and value.
type Field struct {
	Name, Value string
	// Secret marks a value the kit scrubs from all it reports (Open).
	Secret bool
}

// Credential picks the one way to authenticate that cfg gives: each of
// kinds is a set of fields that go together (an API key; a client id and
// secret), and exactly one set must be given whole. It returns that set's
// index, or a ConfigError that names the fields (as provider.Config.Name)
// and says what is missing or contradictory; hint says what the
// credentials are.
func Credential(provider, hint string, kinds ...[]Field) (int, error) {
	q := func(f Field) string { return provider + ".Config." + f.Name }
	given := -1
	for i, fields := range kinds {
		var set, unset []string
		for _, f := range fields {
			if f.Value != "" {
				set = append(set, q(f))
			} else {
				unset = append(unset, q(f))
			}
		}
		if len(set) == 0 {
			continue
		}
		if given >= 0 {
			return 0, ConfigError(provider, hint, "set %s, not both", alternatives(provider, kinds, ", or "))
		}
		if len(unset) > 0 {
			return 0, ConfigError(provider, hint, "%s is set but %s is not", strings.Join(set, " and "), strings.Join(unset, " and "))
		}
		given = i
	}
	if given < 0 {
		first := alternatives(provider, kinds[:1], "")
		if len(kinds) > 1 {
			first += " (or " + alternatives(provider, kinds[1:], ", or ") + ")"
		}
		return 0, ConfigError(provider, hint, "%s is not set", first)
	}
	return given, nil
}

// alternatives renders sets of fields: "cortex.Config.A, or
// cortex.Config.B and cortex.Config.C".
func alternatives(provider string, kinds [][]Field, sep string) string {
	var alts []string
	for _, fields := range kinds {
		var names []string
		for _, f := range fields {
			names = append(names, provider+".Config."+f.Name)
		}
		alts = append(alts, strings.Join(names, " and "))
	}
	return strings.Join(alts, sep)
}
