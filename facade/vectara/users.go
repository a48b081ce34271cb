package vectara

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/vectara"
)

// users lists the account's users (GET /v2/users, listUsers) with their
// account, corpus and agent roles, which come inline.
func (l *listing) users(ctx context.Context) error {
	p := pager[api.ListUsersResponse, api.User]{op: "list users",
		send: func(ctx context.Context, limit *int32, key *string) (*http.Response, error) {
			return l.client.ListUsers(ctx, &api.ListUsersParams{Limit: limit, PageKey: key})
		},
		meta: func(e *api.ListUsersResponse) *api.ListMetadata { return e.Metadata },
	}
	err := p.walk(ctx, l.kit, func(page []*api.User) error {
		l.gate.Open()
		var batch []facade.Assignment
		sc := scopes{}
		for _, u := range page {
			var err error
			if batch, err = appendAssignments(batch, u, sc); err != nil {
				return l.kit.Invalid("list users", err)
			}
		}
		if err := l.nameScopes(ctx, batch); err != nil {
			return err
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.User)
}

// The scope texts' prefixes.
const (
	corpusScope = "corpus/"
	agentScope  = "agent/"
)

// scopes builds each page's "corpus/<key>" and "agent/<key>" scope strings
// once per key rather than once per assignment.
type scopes map[[2]string]string

func (sc scopes) of(kind, key string) string {
	if s, ok := sc[[2]string{kind, key}]; ok {
		return s
	}
	s := kind + key
	if sc != nil {
		sc[[2]string{kind, key}] = s
	}
	return s
}

func appendAssignments(out []facade.Assignment, u *api.User, sc scopes) ([]facade.Assignment, error) {
	if u.Id == nil || *u.Id == "" {
		if u.ApiRoles == nil && u.CorpusRoles == nil && u.AgentRoles == nil {
			return out, nil // nothing to report about it
		}
		return out, fmt.Errorf("a user with roles but without an id")
	}
	base := facade.Assignment{Provider: "vectara", Principal: facade.User, Held: facade.Direct, UserID: *u.Id, Email: driverkit.Deref(u.Email), Username: driverkit.Deref(u.Username),
		RoleKind: facade.Builtin, Record: u, Created: driverkit.UTC(u.CreatedAt), Updated: driverkit.UTC(u.UpdatedAt)}
	base.Status, base.Disabled = status(u.Enabled)
	var bad error
	add := func(role string, kind facade.ScopeKind, id, scope string) {
		if role == "" {
			bad = fmt.Errorf("user %q: an empty role value", *u.Id)
			return
		}
		a := base
		a.RoleID, a.RoleName, a.Scope, a.ScopeKind, a.ScopeID = role, role, scope, kind, id
		a.Privileged = scope == "" && PrivilegedRoles[role]
		out = append(out, a)
	}
	if u.ApiRoles != nil {
		for _, r := range *u.ApiRoles {
			add(string(r), facade.ScopeAccount, "", "")
		}
	}
	if u.CorpusRoles != nil {
		for _, r := range *u.CorpusRoles {
			add(string(r.Role), facade.ScopeCorpus, r.CorpusKey, sc.of(corpusScope, r.CorpusKey))
		}
	}
	if u.AgentRoles != nil {
		for _, r := range *u.AgentRoles {
			add(string(r.Role), facade.ScopeAgent, r.AgentKey, sc.of(agentScope, r.AgentKey))
		}
	}
	return out, bad
}
