package vectara

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/vectara"
)

// keys lists the account's API keys (GET /v2/api_keys, listApiKeys): each
// holds its api_key_role at the account scope and on each corpus its
// api_policy names. A key's secret_key is cleared as it is decoded.
func (l *listing) keys(ctx context.Context) error {
	p := pager[api.ListApiKeysResponse, api.ApiKey]{op: "list API keys",
		send: func(ctx context.Context, limit *int32, key *string) (*http.Response, error) {
			return l.client.ListApiKeys(ctx, &api.ListApiKeysParams{Limit: limit, PageKey: key})
		},
		meta:  func(e *api.ListApiKeysResponse) *api.ListMetadata { return e.Metadata },
		clean: func(k *api.ApiKey) { k.SecretKey = nil }, // the key itself: never kept
	}
	err := p.walk(ctx, l.kit, func(page []*api.ApiKey) error {
		l.gate.Open()
		var batch []facade.Assignment
		for _, k := range page {
			var err error
			if batch, err = appendKey(batch, k); err != nil {
				return l.kit.Invalid("list API keys", err)
			}
		}
		if err := l.nameScopes(ctx, batch); err != nil {
			return err
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.APIKey)
}

// appendKey appends key k's assignments to out: its api_key_role at the
// account scope, then on each corpus of its policy (policyCorpora).
func appendKey(out []facade.Assignment, k *api.ApiKey) ([]facade.Assignment, error) {
	id, role := driverkit.Deref(k.Id), driverkit.Deref(k.ApiKeyRole)
	switch {
	case id == "" && role == "":
		return out, nil // nothing to report about it
	case id == "":
		return out, fmt.Errorf("an API key with a role but without an id")
	case role == "":
		return out, fmt.Errorf("API key %q: no api_key_role", id)
	}
	base := facade.Assignment{Provider: "vectara", Principal: facade.APIKey, Held: facade.Direct, UserID: id, Name: driverkit.Deref(k.Name),
		RoleID: string(role), RoleName: string(role), RoleKind: facade.Builtin, Record: k}
	base.Status, base.Disabled = status(k.Enabled)
	a := base
	a.ScopeKind, a.Privileged = facade.ScopeAccount, PrivilegedKeyRoles[string(role)]
	out = append(out, a)
	for _, c := range policyCorpora(k.ApiPolicy) {
		a := base
		a.Scope, a.ScopeKind, a.ScopeID = corpusScope+c, facade.ScopeCorpus, c
		out = append(out, a)
	}
	return out, nil
}

// PrivilegedKeyRoles are the api_key_role values whose key is privileged
// by default, on its account-scope assignment.
//
// personal: "A personal API key has all the same permissions as the
// creator of the API key" (ApiKeyRole in Vectara's OpenAPI document); "A
// Personal API Key inherits the permissions of its associated user
// account ... treat Personal API Keys with the same caution as passwords",
// its scope "Account-wide" (docs: security/authentication/
// api-key-management.md). The API does not say whose key it is, so it
// may carry an owner's rights.
//
// serving_and_indexing is not: it "can perform both indexing and query
// type requests on its corpora" (ApiKeyRole), as the IndexService key
// "Index and query", "Corpus-specific" (api-key-management.md), the rights
// of the corpus-level Indexing role ("Enables adding data and querying",
// security/authorization/role-based-access-control.md), which a user holds
// unprivileged (the corpus role editor); it cannot manage users, keys or
// the corpus's permissions, which is what the account-level owner and
// administrator and the corpus Administrator do. Its corpora are listed,
// so a policy can mark it (package review).
var PrivilegedKeyRoles = map[string]bool{string(api.ApiKeyRolePersonal): true}

// policyCorpora returns the corpus keys policy p allows, each once, in a
// fixed order: the values of every resource path whose last element is
// corpus_key ("path.corpus_key", "body.corpus_key"), of every operation.
// An operation allowed on any resource names none.
func policyCorpora(p *api.ApiPolicy) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, op := range slices.Sorted(maps.Keys(p.AllowedOperations)) {
		o := p.AllowedOperations[op]
		if o == nil || o.AllowedResources == nil {
			continue
		}
		res := *o.AllowedResources
		for _, path := range slices.Sorted(maps.Keys(res)) {
			if path != "corpus_key" && !strings.HasSuffix(path, ".corpus_key") {
				continue
			}
			for _, c := range res[path] {
				if c != "" && !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// apps lists the account's app clients (GET /v2/app_clients,
// listAppClient): each holds its api_roles at the account scope. An app
// client's client_secret is cleared as it is decoded.
func (l *listing) apps(ctx context.Context) error {
	p := pager[api.ListAppClientsResponse, api.AppClient]{op: "list app clients",
		send: func(ctx context.Context, limit *int32, key *string) (*http.Response, error) {
			return l.client.ListAppClient(ctx, &api.ListAppClientParams{Limit: limit, PageKey: key})
		},
		meta:  func(e *api.ListAppClientsResponse) *api.ListMetadata { return e.Metadata },
		clean: func(a *api.AppClient) { a.ClientSecret = nil }, // a credential: never kept
	}
	err := p.walk(ctx, l.kit, func(page []*api.AppClient) error {
		l.gate.Open()
		var batch []facade.Assignment
		for _, a := range page {
			var err error
			if batch, err = appendApp(batch, a); err != nil {
				return l.kit.Invalid("list app clients", err)
			}
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.Application)
}

// appendApp appends app client c's assignments to out: one per API role,
// at the account scope.
func appendApp(out []facade.Assignment, c *api.AppClient) ([]facade.Assignment, error) {
	id := driverkit.Deref(c.Id)
	if c.ApiRoles == nil || len(*c.ApiRoles) == 0 {
		return out, nil
	}
	if id == "" {
		return out, fmt.Errorf("an app client with roles but without an id")
	}
	for _, r := range *c.ApiRoles {
		if r == "" {
			return out, fmt.Errorf("app client %q: an empty role value", id)
		}
		out = append(out, facade.Assignment{Provider: "vectara", Principal: facade.Application, Held: facade.Direct, UserID: id,
			Name: driverkit.Deref(c.Name), RoleID: string(r), RoleName: string(r), RoleKind: facade.Builtin, ScopeKind: facade.ScopeAccount,
			Privileged: PrivilegedRoles[string(r)], Record: c})
	}
	return out, nil
}

// status is the status and disabled flag of a principal given its
// enabled field: unknown when absent.
func status(enabled *bool) (facade.Status, bool) {
	switch {
	case enabled == nil:
		return "", false
	case *enabled:
		return facade.StatusActive, false
	}
	return facade.StatusDisabled, true
}
