package vectara

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/vectara"
)

// corpora lists the account's corpora (GET /v2/corpora, listCorpora) and
// records each one's name by its scope, "corpus/<key>".
func (l *listing) corpora(ctx context.Context) error {
	p := pager[api.ListCorporaResponse, api.Corpus]{op: "list corpora",
		send: func(ctx context.Context, limit *int32, key *string) (*http.Response, error) {
			return l.client.ListCorpora(ctx, &api.ListCorporaParams{Limit: limit, PageKey: key})
		},
		meta: func(e *api.ListCorporaResponse) *api.ListMetadata { return e.Metadata },
	}
	err := p.walk(ctx, l.kit, func(page []*api.Corpus) error {
		for _, c := range page {
			if key := driverkit.Deref(c.Key); key != "" {
				l.setName(corpusScope+key, driverkit.Deref(c.Name))
			}
		}
		return nil
	})
	return l.namesRefused(ctx, err, "corpora")
}

// agents lists the account's agents (GET /v2/agents, listAgents) and
// records each one's name by its scope, "agent/<key>".
func (l *listing) agents(ctx context.Context) error {
	p := pager[api.ListAgentsResponse, api.Agent]{op: "list agents",
		send: func(ctx context.Context, limit *int32, key *string) (*http.Response, error) {
			return l.client.ListAgents(ctx, &api.ListAgentsParams{Limit: limit, PageKey: key})
		},
		meta: func(e *api.ListAgentsResponse) *api.ListMetadata { return &e.Metadata },
	}
	err := p.walk(ctx, l.kit, func(page []*api.Agent) error {
		for _, a := range page {
			if a.Key != "" {
				l.setName(agentScope+a.Key, a.Name)
			}
		}
		return nil
	})
	return l.namesRefused(ctx, err, "agents")
}

// namesRefused takes the error of a scope list. The scope lists only name
// the scopes the principals' roles apply to: when the credentials may not
// read one (403) or the account has none to list (404), the roles are
// listed all the same, with their scope names left empty, and a warning
// says so. Any other error is returned.
func (l *listing) namesRefused(ctx context.Context, err error, what string) error {
	if errors.Is(err, facade.ErrPermissionDenied) || errors.Is(err, facade.ErrNotFound) {
		l.kit.Logger.LogAttrs(ctx, slog.LevelWarn, "vectara: cannot list "+what+"; their roles are listed without the scope's name",
			slog.String("cause", err.Error()))
		return nil
	}
	return err
}

// setName records the name of a scope.
func (l *listing) setName(scope, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names[scope] = name
}

// nameScopes waits until the scope lists are walked, then sets the scope
// name of each corpus or agent assignment of batch.
func (l *listing) nameScopes(ctx context.Context, batch []facade.Assignment) error {
	select {
	case <-l.named:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	// The names are complete and no longer written once named is closed.
	for i := range batch {
		if a := &batch[i]; a.ScopeKind == facade.ScopeCorpus || a.ScopeKind == facade.ScopeAgent {
			a.ScopeName = l.names[a.Scope]
		}
	}
	return nil
}
