package openai

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/openai"
)

// users lists the organization's users a page at a time (GET
// /organization/users, operation list-users): each user's organization
// role at once, and each user's role assignments (GET
// /organization/users/{user_id}/roles, operation
// list-user-role-assignments) as a task of the listing's fan-out.
func (l *listing) users(ctx context.Context) error {
	users := pager[api.UserListResponse, api.OrganizationUser]{
		op: "list users",
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListUsers(ctx, &api.ListUsersParams{Limit: limit(l.kit, MaxUsersPageSize), After: after,
				Emails: driverkit.Filter(l.emails)})
		},
		cursor: func(e *api.UserListResponse) (*string, *bool) { return e.LastId, &e.HasMore },
		id:     func(u *api.OrganizationUser) string { return u.Id },
	}
	err := users.walk(ctx, l.kit, func(page []*api.OrganizationUser) error {
		l.gate.Open()
		var orgRoles []facade.Assignment
		for _, u := range page {
			if u.Role != nil && *u.Role != "" {
				a := facade.Assignment{Provider: "openai", Principal: facade.User, UserID: u.Id, Email: driverkit.Deref(u.Email),
					Name: driverkit.Deref(u.Name), RoleID: string(*u.Role), RoleName: string(*u.Role), RoleKind: facade.Builtin,
					Scope: OrgScope, ScopeKind: facade.ScopeOrganization, Held: facade.Legacy,
					Privileged: *u.Role == api.OrganizationUserRoleOwner, Record: u}
				account(&a, u)
				orgRoles = append(orgRoles, a)
			}
		}
		if len(orgRoles) > 0 {
			if err := l.emit(orgRoles); err != nil {
				return err
			}
		}
		for _, u := range page {
			if err := l.outer.Send(func(ctx context.Context) error { return l.userRoles(ctx, u) }); err != nil {
				return err
			}
		}
		return nil
	})
	return driverkit.Refused(ctx, err, facade.User)
}

// userRoles lists one organization user's role assignments.
func (l *listing) userRoles(ctx context.Context, u *api.OrganizationUser) error {
	h := &holder{kind: facade.User, id: u.Id, email: driverkit.Deref(u.Email), name: driverkit.Deref(u.Name),
		selfType: "user", fill: func(a *facade.Assignment) { account(a, u) }}
	err := roleWalk(ctx, l.kit, h, fmt.Sprintf("list roles of user %q", u.Id), l.orgRoles, l.emit,
		func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListUserRoleAssignments(ctx, u.Id, &api.ListUserRoleAssignmentsParams{
				Limit: limit(l.kit, MaxRolesPageSize), After: after})
		})
	return driverkit.Refused(ctx, err, facade.User)
}

// account fills a's account fields from the organization user u.
func account(a *facade.Assignment, u *api.OrganizationUser) {
	a.Created = driverkit.UnixSeconds(&u.AddedAt)
	a.LastActivity = driverkit.UnixSeconds(u.ApiKeyLastUsedAt)
	if u.IsServiceAccount != nil {
		a.AccountType = facade.Human
		if *u.IsServiceAccount {
			a.AccountType = facade.Service
		}
	}
	if d := u.User; d != nil {
		switch {
		case d.Banned != nil && *d.Banned:
			a.Status = facade.StatusSuspended
		case d.Enabled != nil && !*d.Enabled:
			a.Status = facade.StatusDisabled
		case d.Enabled != nil || d.Banned != nil:
			a.Status = facade.StatusActive
		}
	}
	a.Disabled = a.Status == facade.StatusDisabled || a.Status == facade.StatusSuspended
}
