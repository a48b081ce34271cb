package openai

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/openai"
)

// projectKeys lists project p's API keys, of users and service accounts
// alike, including those whose owner has lost access to the project (GET
// /organization/projects/{project_id}/api_keys?owner_project_access=any,
// list-project-api-keys: left out, the server hides some enabled keys).
// A key holds its owner's project role (ThroughOwner); a key whose owner
// lost access is StatusOrphaned.
func (l *listing) projectKeys(ctx context.Context, p *project) error {
	access := api.OwnerProjectAccessFilter("any")
	keys := pager[api.ProjectApiKeyListResponse, api.ProjectApiKey]{
		op: fmt.Sprintf("list the API keys of project %q", p.Id),
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListProjectApiKeys(ctx, p.Id, &api.ListProjectApiKeysParams{Limit: limit(l.kit, MaxUsersPageSize),
				After: after, OwnerProjectAccess: &access})
		},
		cursor: func(e *api.ProjectApiKeyListResponse) (*string, *bool) { return e.LastId, &e.HasMore },
		id:     func(k *api.ProjectApiKey) string { return k.Id },
	}
	err := keys.walk(ctx, l.kit, func(page []*api.ProjectApiKey) error {
		batch := make([]facade.Assignment, len(page))
		for i, k := range page {
			k.RedactedValue = "" // part of the secret: never kept
			a := &batch[i]
			*a = facade.Assignment{Provider: "openai", Principal: facade.APIKey, UserID: k.Id, Name: k.Name,
				RoleKind: facade.Builtin, Held: facade.ThroughOwner, Status: facade.StatusActive,
				Created: driverkit.UnixSeconds(&k.CreatedAt), LastActivity: driverkit.UnixSeconds(k.LastUsedAt), Record: k}
			if k.OwnerProjectAccess == "inactive" {
				a.Status = facade.StatusOrphaned
			}
			role := ""
			switch o := &k.Owner; {
			case o.User != nil && (o.Type == nil || *o.Type == "user"):
				a.Owner = facade.Owner{Kind: facade.User, ID: o.User.Id, Name: o.User.Name}
				role = o.User.Role
			case o.ServiceAccount != nil:
				a.Owner = facade.Owner{Kind: facade.ServiceAccount, ID: o.ServiceAccount.Id, Name: o.ServiceAccount.Name}
				role = o.ServiceAccount.Role
			}
			if a.Owner.ID != "" {
				a.Via = string(a.Owner.Kind) + "/" + a.Owner.ID
			}
			if role == "" {
				role = "none"
			}
			a.RoleID, a.RoleName, a.Privileged = role, role, role == "owner"
			p.scope.set(a)
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.APIKey)
}

// adminKeys lists the organization's admin API keys (GET
// /organization/admin_api_keys, admin-api-keys-list): each reaches the
// whole admin API, so each holds its owner's organization role (owner, by
// the API's documentation), privileged, through its owner.
func (l *listing) adminKeys(ctx context.Context) error {
	keys := pager[api.ApiKeyList, api.AdminApiKey]{
		op: "list admin API keys",
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.AdminApiKeysList(ctx, &api.AdminApiKeysListParams{Limit: limit(l.kit, MaxUsersPageSize), After: after})
		},
		cursor: func(e *api.ApiKeyList) (*string, *bool) { return e.LastId, &e.HasMore },
		id:     func(k *api.AdminApiKey) string { return k.Id },
	}
	err := keys.walk(ctx, l.kit, func(page []*api.AdminApiKey) error {
		batch := make([]facade.Assignment, len(page))
		for i, k := range page {
			k.RedactedValue = "" // part of the secret: never kept
			role := driverkit.Deref(k.Owner.Role)
			if role == "" {
				role = "owner"
			}
			a := &batch[i]
			*a = facade.Assignment{Provider: "openai", Principal: facade.APIKey, UserID: k.Id, Name: driverkit.Deref(k.Name),
				RoleID: role, RoleName: role, RoleKind: facade.Builtin, Scope: OrgScope, ScopeKind: facade.ScopeOrganization,
				Held: facade.ThroughOwner, Status: facade.StatusActive, Privileged: true,
				Created: driverkit.UnixSeconds(&k.CreatedAt), LastActivity: driverkit.UnixSeconds(k.LastUsedAt),
				Expires: driverkit.UnixSeconds(k.ExpiresAt), NeverExpires: k.ExpiresAt == nil, Record: k}
			if id := driverkit.Deref(k.Owner.Id); id != "" {
				kind := facade.User
				if t := driverkit.Deref(k.Owner.Type); t == "service_account" {
					kind = facade.ServiceAccount
				}
				a.Owner = facade.Owner{Kind: kind, ID: id, Name: driverkit.Deref(k.Owner.Name)}
				a.Via = string(kind) + "/" + id
			}
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.APIKey)
}
