package openai

import (
	"context"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/openai"
)

// invites lists the organization's pending invitations (GET
// /organization/invites, list-invites): each holds, once accepted, its
// organization role and the project roles it names. Accepted invitations
// are listed as users, and expired ones grant nothing: neither is listed.
// A project an invitation names is given its name when the listing saw
// the project (projects are listed too), else its id alone.
func (l *listing) invites(ctx context.Context) error {
	invites := pager[api.InviteListResponse, api.Invite]{
		op: "list invites",
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListInvites(ctx, &api.ListInvitesParams{Limit: limit(l.kit, MaxUsersPageSize), After: after})
		},
		cursor: func(e *api.InviteListResponse) (*string, *bool) { return e.LastId, &e.HasMore },
		id:     func(i *api.Invite) string { return i.Id },
	}
	err := invites.walk(ctx, l.kit, func(page []*api.Invite) error {
		var batch []facade.Assignment
		for _, inv := range page {
			if inv.Status != api.InviteStatusPending {
				continue
			}
			base := facade.Assignment{Provider: "openai", Principal: facade.Invitation, UserID: inv.Id, Email: inv.Email,
				RoleKind: facade.Builtin, Held: facade.Legacy, Created: driverkit.UnixSeconds(&inv.CreatedAt),
				Expires: driverkit.UnixSeconds(inv.ExpiresAt), Record: inv}
			if inv.Role != "" {
				a := base
				a.RoleID, a.RoleName, a.Privileged = string(inv.Role), string(inv.Role), inv.Role == "owner"
				a.Scope, a.ScopeKind = OrgScope, facade.ScopeOrganization
				batch = append(batch, a)
			}
			for _, p := range inv.Projects {
				a := base
				a.RoleID, a.RoleName, a.Privileged = string(p.Role), string(p.Role), p.Role == "owner"
				sc := scope{kind: facade.ScopeProject, id: p.Id, name: l.projectName(p.Id)}
				sc.set(&a)
				batch = append(batch, a)
			}
		}
		if len(batch) == 0 {
			return nil
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.Invitation)
}
