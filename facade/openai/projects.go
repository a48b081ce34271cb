package openai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/openai"
)

// project is one project being listed: its scope and role catalogue.
type project struct {
	*api.Project
	scope *scope
	roles *catalogue // GET /projects/{project_id}/roles, only when a walk runs long
}

// projects lists the organization's projects, archived ones included (GET
// /organization/projects?include_archived=true, operation list-projects),
// and hands each project's listings to the fan-out: its users, groups,
// service accounts and API keys, as the kinds asked for need them (only
// its users when filtered by email). It also names the projects for
// invites.
func (l *listing) projects(ctx context.Context, filtered bool) error {
	archived := true
	projects := pager[api.ProjectListResponse, api.Project]{
		op: "list projects",
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListProjects(ctx, &api.ListProjectsParams{Limit: limit(l.kit, MaxUsersPageSize), After: after,
				IncludeArchived: &archived})
		},
		cursor: func(e *api.ProjectListResponse) (*string, *bool) { return e.LastId, &e.HasMore },
		id:     func(p *api.Project) string { return p.Id },
	}
	err := projects.walk(ctx, l.kit, func(page []*api.Project) error {
		for _, ap := range page {
			ap.ExternalKeyId = nil // the id of the project's encryption key: not an access fact
			p := &project{Project: ap, scope: &scope{kind: facade.ScopeProject, id: ap.Id, name: driverkit.Deref(ap.Name)}}
			l.mu.Lock()
			l.names[p.Id] = p.scope.name
			l.mu.Unlock()
			p.roles = &catalogue{kit: l.kit, name: fmt.Sprintf("the role catalogue of project %q", p.Id),
				send: func(ctx context.Context, after *string) (*http.Response, error) {
					return l.client.ListProjectRoles(ctx, p.Id, &api.ListProjectRolesParams{Limit: limit(l.kit, MaxRolesPageSize), After: after})
				}}
			for _, w := range []struct {
				kind facade.PrincipalKind
				walk func(context.Context, *project) error
			}{{facade.User, l.projectUsers}, {facade.Group, l.projectGroups},
				{facade.ServiceAccount, l.serviceAccounts}, {facade.APIKey, l.projectKeys}} {
				if !driverkit.Wants(ctx, w.kind) || filtered && w.kind != facade.User {
					continue
				}
				walk := w.walk
				if err := l.outer.Send(func(ctx context.Context) error { return l.archived(ctx, p, walk(ctx, p)) }); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return driverkit.Refused(ctx, err, facade.User, facade.Group, facade.ServiceAccount, facade.APIKey)
}

// archived takes the error of a walk of project p. OpenAI documents a 400
// for the users and service accounts of an archived project: an archived
// project's members cannot be listed, and it grants nothing while it is
// archived. That 400 is logged as a warning and the listing goes on; any
// other error, or a 400 for a project that is not archived, is returned.
func (l *listing) archived(ctx context.Context, p *project, err error) error {
	if err == nil || !errors.Is(err, facade.ErrInvalidArgument) || p.ArchivedAt == nil && driverkit.Deref(p.Status) != "archived" {
		return err
	}
	l.kit.Logger.LogAttrs(ctx, slog.LevelWarn, "OpenAI refuses to list part of an archived project (400); it grants nothing while archived",
		slog.String("project", p.Id), slog.String("error", err.Error()))
	return nil
}

// projectUsers lists project p's users (GET
// /organization/projects/{project_id}/users, list-project-users), each
// holding its project role (owner or member, the legacy field), and hands
// each user's project role assignments to the fan-out.
func (l *listing) projectUsers(ctx context.Context, p *project) error {
	users := pager[api.ProjectUserListResponse, api.ProjectUser]{
		op: fmt.Sprintf("list the users of project %q", p.Id),
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListProjectUsers(ctx, p.Id, &api.ListProjectUsersParams{Limit: limit(l.kit, MaxUsersPageSize), After: after})
		},
		cursor: func(e *api.ProjectUserListResponse) (*string, *bool) { return e.LastId, &e.HasMore },
		id:     func(u *api.ProjectUser) string { return u.Id },
	}
	err := users.walk(ctx, l.kit, func(page []*api.ProjectUser) error {
		var batch []facade.Assignment
		for _, u := range page {
			if u.Role == "" {
				continue
			}
			a := facade.Assignment{Provider: "openai", Principal: facade.User, UserID: u.Id, Email: driverkit.Deref(u.Email),
				Name: driverkit.Deref(u.Name), RoleID: u.Role, RoleName: u.Role, RoleKind: facade.Builtin, Held: facade.Legacy,
				Created: driverkit.UnixSeconds(&u.AddedAt), Privileged: u.Role == "owner", Record: u}
			p.scope.set(&a)
			batch = append(batch, a)
		}
		if len(batch) > 0 {
			if err := l.emit(batch); err != nil {
				return err
			}
		}
		for _, u := range page {
			if err := l.inner.Send(func(ctx context.Context) error { return l.projectUserRoles(ctx, p, u) }); err != nil {
				return err
			}
		}
		return nil
	})
	return driverkit.Refused(ctx, err, facade.User)
}

// projectUserRoles lists user u's role assignments in project p (GET
// /projects/{project_id}/users/{user_id}/roles,
// list-project-user-role-assignments).
func (l *listing) projectUserRoles(ctx context.Context, p *project, u *api.ProjectUser) error {
	h := &holder{kind: facade.User, id: u.Id, email: driverkit.Deref(u.Email), name: driverkit.Deref(u.Name), selfType: "user",
		scope: p.scope, fill: func(a *facade.Assignment) { a.Created = driverkit.UnixSeconds(&u.AddedAt) }}
	err := roleWalk(ctx, l.kit, h, fmt.Sprintf("list roles of user %q in project %q", u.Id, p.Id), p.roles, l.emit,
		func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListProjectUserRoleAssignments(ctx, p.Id, u.Id, &api.ListProjectUserRoleAssignmentsParams{
				Limit: limit(l.kit, MaxRolesPageSize), After: after})
		})
	return driverkit.Refused(ctx, err, facade.User)
}

// projectGroups lists the groups with access to project p (GET
// /organization/projects/{project_id}/groups, list-project-groups) and
// hands each group's project role assignments to the fan-out.
func (l *listing) projectGroups(ctx context.Context, p *project) error {
	groups := pager[api.ProjectGroupListResource, api.ProjectGroup]{
		op: fmt.Sprintf("list the groups of project %q", p.Id),
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListProjectGroups(ctx, p.Id, &api.ListProjectGroupsParams{Limit: limit(l.kit, MaxProjectGroupsPageSize), After: after})
		},
		cursor: func(e *api.ProjectGroupListResource) (*string, *bool) { return e.Next, &e.HasMore },
		id:     func(g *api.ProjectGroup) string { return g.GroupId },
	}
	err := groups.walk(ctx, l.kit, func(page []*api.ProjectGroup) error {
		for _, g := range page {
			if err := l.inner.Send(func(ctx context.Context) error { return l.projectGroupRoles(ctx, p, g) }); err != nil {
				return err
			}
		}
		return nil
	})
	return driverkit.Refused(ctx, err, facade.Group)
}

// projectGroupRoles lists group g's role assignments in project p (GET
// /projects/{project_id}/groups/{group_id}/roles,
// list-project-group-role-assignments).
func (l *listing) projectGroupRoles(ctx context.Context, p *project, g *api.ProjectGroup) error {
	h := &holder{kind: facade.Group, id: g.GroupId, name: g.GroupName, selfType: "group", scope: p.scope,
		fill: func(a *facade.Assignment) { a.Created = driverkit.UnixSeconds(&g.CreatedAt) }}
	err := roleWalk(ctx, l.kit, h, fmt.Sprintf("list roles of group %q in project %q", g.GroupId, p.Id), p.roles, l.emit,
		func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListProjectGroupRoleAssignments(ctx, p.Id, g.GroupId, &api.ListProjectGroupRoleAssignmentsParams{
				Limit: limit(l.kit, MaxRolesPageSize), After: after})
		})
	return driverkit.Refused(ctx, err, facade.Group)
}

// serviceAccounts lists project p's service accounts (GET
// /organization/projects/{project_id}/service_accounts,
// list-project-service-accounts), each holding its project role (owner,
// member or none: the only role a service account has in the API).
func (l *listing) serviceAccounts(ctx context.Context, p *project) error {
	accounts := pager[api.ProjectServiceAccountListResponse, api.ProjectServiceAccount]{
		op: fmt.Sprintf("list the service accounts of project %q", p.Id),
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return l.client.ListProjectServiceAccounts(ctx, p.Id, &api.ListProjectServiceAccountsParams{
				Limit: limit(l.kit, MaxUsersPageSize), After: after})
		},
		cursor: func(e *api.ProjectServiceAccountListResponse) (*string, *bool) { return e.LastId, &e.HasMore },
		id:     func(s *api.ProjectServiceAccount) string { return s.Id },
	}
	err := accounts.walk(ctx, l.kit, func(page []*api.ProjectServiceAccount) error {
		batch := make([]facade.Assignment, len(page))
		for i, s := range page {
			role := string(s.Role)
			if role == "" {
				role = "none"
			}
			a := &batch[i]
			*a = facade.Assignment{Provider: "openai", Principal: facade.ServiceAccount, UserID: s.Id, Name: s.Name,
				RoleID: role, RoleName: role, RoleKind: facade.Builtin, Held: facade.Legacy, AccountType: facade.Service,
				Created: driverkit.UnixSeconds(&s.CreatedAt), Privileged: role == "owner", Record: s}
			p.scope.set(a)
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.ServiceAccount)
}
