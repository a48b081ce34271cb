package driverkit

import (
	"context"
	"fmt"
	"iter"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/rolecall/rolecall/facade"
)

// Way is one way a driver's Config authenticates: the fields that go
// together (an API key; a client id and secret) and either the Auth they
// make or the OAuth2 grant they make.
type Way struct {
	Fields []Field
	Auth   Auth
	// Grant returns the client-credentials grant the kit switches to
	// (Kit.OAuth2), given the configured kit (its Base, for a token URL on
	// the provider's host).
	Grant func(*Kit) *clientcredentials.Config
}

// List is a driver's listing of every assignment (only those of emails, if
// the API can filter on the server) through kit and its generated client:
// it pages, maps records to assignments and hands them to emit.
type List[C any] func(ctx context.Context, kit *Kit, client C, emails []string, emit Emit) error

// Open does what every driver's New does: it checks that cfg gives exactly
// one of ways whole (Credential; Spec.Credentials says what they are),
// configures a Kit with that way's Auth or Grant and every Secret field
// (New, Kit.OAuth2), builds the driver's generated client on the Kit's
// HTTP client, and returns the facade.Source that streams list's
// assignments (Kit.Stream, over Emails of the listing's options).
// newClient and withHTTPClient are the generated package's NewClient and
// WithHTTPClient; D is its HttpRequestDoer.
func Open[C, O, D any](spec Spec, o facade.Options, newClient func(server string, opts ...O) (C, error),
	withHTTPClient func(D) O, list List[C], ways ...Way) (*facade.Source, error) {
	kit, client, err := dial(spec, o, newClient, withHTTPClient, ways...)
	if err != nil {
		return nil, err
	}
	return facade.NewSource(spec.Provider, func(ctx context.Context, opts *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
		emails := Emails(opts)
		return kit.Stream(ctx, opts, func(ctx context.Context, emit Emit) error {
			return list(ctx, kit, client, emails, emit)
		})
	}), nil
}

// dial is Open up to the listing: the Kit and the generated client.
func dial[C, O, D any](spec Spec, o facade.Options, newClient func(server string, opts ...O) (C, error),
	withHTTPClient func(D) O, ways ...Way) (*Kit, C, error) {
	var client C
	kinds := make([][]Field, len(ways))
	var secrets []string
	for i, w := range ways {
		kinds[i] = w.Fields
		for _, f := range w.Fields {
			if f.Secret {
				secrets = append(secrets, f.Value)
			}
		}
	}
	kind, err := Credential(spec.Provider, spec.Credentials, kinds...)
	if err != nil {
		return nil, client, err
	}
	way := ways[kind]
	kit, err := New(spec, o, way.Auth, secrets...)
	if err != nil {
		return nil, client, err
	}
	if way.Grant != nil {
		if err := kit.OAuth2(way.Grant(kit)); err != nil {
			return nil, client, err
		}
	}
	doer, ok := any(kit.HTTP).(D)
	if !ok {
		return nil, client, fmt.Errorf("%s: the generated client cannot send requests with an *http.Client", spec.Provider)
	}
	client, err = newClient(kit.URL(), withHTTPClient(doer))
	if err != nil {
		return nil, client, fmt.Errorf("%s: %w", spec.Provider, err)
	}
	return kit, client, nil
}
