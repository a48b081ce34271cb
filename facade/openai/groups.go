package openai

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/openai"
)

// MemberRole is the role id and name of a group membership: a user who is
// a member of a group holds "member" in the group's scope (ScopeGroup).
const MemberRole = "member"

// groups lists the organization's groups (GET /organization/groups,
// operation list-groups) and, for each as a task of the fan-out, its
// members (GET /organization/groups/{group_id}/users, list-group-users)
// when users are listed, and its organization roles (GET
// /organization/groups/{group_id}/roles, list-group-role-assignments)
// when groups are.
func (l *listing) groups(ctx context.Context) error {
	groups := pager[api.GroupListResource, api.GroupResponse]{
		op: "list groups",
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListGroups(ctx, &api.ListGroupsParams{Limit: limit(l.kit, MaxRolesPageSize), After: after})
		},
		cursor: func(e *api.GroupListResource) (*string, *bool) { return e.Next, &e.HasMore },
		id:     func(g *api.GroupResponse) string { return g.Id },
	}
	err := groups.walk(ctx, l.kit, func(page []*api.GroupResponse) error {
		for _, g := range page {
			if driverkit.Wants(ctx, facade.User) {
				if err := l.outer.Send(func(ctx context.Context) error { return l.groupMembers(ctx, g) }); err != nil {
					return err
				}
			}
			if driverkit.Wants(ctx, facade.Group) {
				if err := l.outer.Send(func(ctx context.Context) error { return l.groupRoles(ctx, g) }); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return driverkit.Refused(ctx, err, facade.User, facade.Group)
}

// groupMembers lists group g's members, each holding MemberRole in the
// group's scope.
func (l *listing) groupMembers(ctx context.Context, g *api.GroupResponse) error {
	sc := &scope{kind: facade.ScopeGroup, id: g.Id, name: g.Name}
	members := pager[api.UserListResource, api.GroupUser]{
		op: fmt.Sprintf("list the members of group %q", g.Id),
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListGroupUsers(ctx, g.Id, &api.ListGroupUsersParams{Limit: limit(l.kit, MaxRolesPageSize), After: after})
		},
		cursor: func(e *api.UserListResource) (*string, *bool) { return e.Next, &e.HasMore },
		id:     func(u *api.GroupUser) string { return u.Id },
	}
	err := members.walk(ctx, l.kit, func(page []*api.GroupUser) error {
		batch := make([]facade.Assignment, len(page))
		for i, u := range page {
			a := &batch[i]
			*a = facade.Assignment{Provider: "openai", Principal: facade.User, UserID: u.Id, Email: driverkit.Deref(u.Email),
				Name: u.Name, RoleID: MemberRole, RoleName: MemberRole, RoleKind: facade.Builtin, Held: facade.Direct, Record: u}
			sc.set(a)
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.User)
}

// groupRoles lists group g's organization role assignments.
func (l *listing) groupRoles(ctx context.Context, g *api.GroupResponse) error {
	h := &holder{kind: facade.Group, id: g.Id, name: g.Name, selfType: "group",
		fill: func(a *facade.Assignment) { a.Created = driverkit.UnixSeconds(&g.CreatedAt) }}
	err := roleWalk(ctx, l.kit, h, fmt.Sprintf("list roles of group %q", g.Id), l.orgRoles, l.emit,
		func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListGroupRoleAssignments(ctx, g.Id, &api.ListGroupRoleAssignmentsParams{
				Limit: limit(l.kit, MaxRolesPageSize), After: after})
		})
	return driverkit.Refused(ctx, err, facade.Group)
}
