package cortex

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	admin "github.com/rolecall/rolecall/gen/cortexadmin"
)

// listKeys lists the workspace's API keys (GET /api/v1/auth/key,
// listApiKeys), one assignment per role of each key. The operation needs
// the Edit API keys permission, more than the View Roles a reporting key
// is given: a 403 records the api_key kind as not permitted
// (driverkit.Refused) and the listing goes on with the users.
func listKeys(ctx context.Context, kit *driverkit.Kit, client *admin.Client, emit driverkit.Emit) error {
	w := &numbered[admin.ApiKeysResponse, admin.ApiKey]{
		op: "list API keys",
		send: func(ctx context.Context, page int) (*http.Response, error) {
			return client.ListApiKeys(ctx, &admin.ListApiKeysParams{PageSize: int32(kit.PageSize), Page: int32(page)})
		},
		info: func(e *admin.ApiKeysResponse) (*int32, *int32, *int32) { return &e.Page, &e.Total, &e.TotalPages },
		id:   func(k *admin.ApiKey) string { return k.Cid },
		each: func(keys []*admin.ApiKey) error {
			var batch []facade.Assignment
			for _, k := range keys {
				var err error
				if batch, err = appendKey(batch, k); err != nil {
					return kit.Invalid("list API keys", err)
				}
			}
			if len(batch) == 0 {
				return nil
			}
			return emit(batch)
		},
	}
	return driverkit.Refused(ctx, w.walk(ctx, kit, "API keys"), facade.APIKey)
}

// appendKey maps one key to its assignments, one a role. last4, the end of
// the key's secret, is cleared first: it reaches no record, report, log or
// error.
func appendKey(out []facade.Assignment, k *admin.ApiKey) ([]facade.Assignment, error) {
	k.Last4 = nil // part of the secret: never kept
	for _, r := range k.Roles {
		a := facade.Assignment{Provider: "cortex", Principal: facade.APIKey, UserID: k.Cid, Name: k.Name,
			ScopeKind: facade.ScopeWorkspace, Held: facade.Direct,
			Created: driverkit.UTC(&k.CreatedDate), Expires: driverkit.UTC(k.ExpirationDate), Record: k}
		switch r.Type {
		case admin.ApiKeyRoleTypeDEFAULT:
			role := driverkit.Deref(r.Role)
			if role == "" {
				return out, fmt.Errorf("API key %q: a DEFAULT role without its role", k.Cid)
			}
			a.RoleID, a.RoleName, a.RoleKind = role, role, facade.Builtin
		case admin.ApiKeyRoleTypeCUSTOM:
			tag := driverkit.Deref(r.Tag)
			if tag == "" {
				return out, fmt.Errorf("API key %q: a CUSTOM role without its tag", k.Cid)
			}
			a.RoleID, a.RoleName, a.RoleKind = tag, tag, facade.Custom // the listing names a custom role by its tag only
		default:
			// A role type this client does not know yet: kept, as a custom
			// role, rather than drop an access.
			a.RoleKind = facade.Custom
			a.RoleID = firstNonEmpty(r.Tag, (*string)(r.Role))
			if a.RoleID == "" {
				a.RoleID = string(r.Type)
			}
			if a.RoleID == "" {
				return out, fmt.Errorf("API key %q: a role with neither a type nor a name", k.Cid)
			}
			a.RoleName = a.RoleID
		}
		// Privileged: the DEFAULT role ADMIN. Cortex's docs list the key
		// roles READ_ONLY, USER and ADMIN
		// (https://docs.cortex.io/api/rest/api-keys.md), and ADMIN is the
		// role with every permission, settings and API keys included
		// (https://docs.cortex.io/configure/settings/managing-users/permissioning).
		a.Privileged = a.RoleKind == facade.Builtin && a.RoleID == PrivilegedRole
		out = append(out, a)
	}
	return out, nil
}
