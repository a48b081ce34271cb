package logto

import (
	"context"
	"fmt"
	"net/http"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/logto"
)

// MemberRole is the role of an organization member (a user or an
// application) that holds no organization role, and of an invitation
// that grants none: membership alone still gives access to the
// organization (its sign-in, its tokens), as the OpenAI driver lists a
// group's members with the role "member". It is builtin; a member with
// organization roles is listed with those roles only.
const MemberRole = "member"

// orgScope is an organization as an assignment's scope.
type orgScope struct{ id, name string }

func (o orgScope) set(a *facade.Assignment) {
	a.Scope, a.ScopeKind, a.ScopeID, a.ScopeName = string(facade.ScopeLogtoOrganization)+"/"+o.id, facade.ScopeLogtoOrganization, o.id, o.name
}

// orgRoles appends base once per organization role, or once as a member
// (MemberRole) when there are none.
func orgRoles(batch []facade.Assignment, base facade.Assignment, roles []api.OrganizationRoleEntity) []facade.Assignment {
	if len(roles) == 0 {
		base.RoleID, base.RoleName, base.RoleKind = MemberRole, MemberRole, facade.Builtin
		return append(batch, base)
	}
	for _, r := range roles {
		a := base
		a.RoleID, a.RoleName, a.RoleKind, a.Privileged = r.Id, r.Name, facade.Custom, Privileged(r.Name)
		batch = append(batch, a)
	}
	return batch
}

// walkOrgs walks the organizations (GET /api/organizations), re-listing
// on a shortfall (the list has no ORDER BY), and hands each organization,
// once, to found. It keeps each organization's name for the invitations.
func (l *listing) walkOrgs(ctx context.Context, found func(orgScope)) error {
	p := pager[api.Organization]{op: "list organizations", what: "organizations",
		send: func(ctx context.Context, page, size int) (*http.Response, error) {
			return l.client.ListOrganizations(ctx, &api.ListOrganizationsParams{Page: &page, PageSize: &size})
		},
		id: func(o *api.Organization) string { return o.Id }}
	return p.walk(ctx, l.kit, func(orgs []*api.Organization) error {
		for _, o := range orgs {
			l.mu.Lock()
			_, dup := l.orgs[o.Id]
			l.orgs[o.Id] = o.Name
			l.mu.Unlock()
			if !dup {
				found(orgScope{id: o.Id, name: o.Name})
			}
		}
		return nil
	})
}

// orgUsers lists organization o's user members with their organization
// roles (GET /api/organizations/{id}/users, ordered by user id).
func (l *listing) orgUsers(ctx context.Context, o orgScope) error {
	p := pager[api.UserWithOrganizationRoles]{op: fmt.Sprintf("list users of organization %q", o.name), what: "users",
		send: func(ctx context.Context, page, size int) (*http.Response, error) {
			return l.client.ListOrganizationUsers(ctx, o.id, &api.ListOrganizationUsersParams{Page: &page, PageSize: &size})
		},
		id: func(u *api.UserWithOrganizationRoles) string { return u.Id }}
	err := p.walk(ctx, l.kit, func(users []*api.UserWithOrganizationRoles) error {
		var batch []facade.Assignment
		for _, u := range users {
			base := userAssignment(u.Id, u.PrimaryEmail, u.Name, u.Username, u.IsSuspended, u.CreatedAt, u.UpdatedAt, u.LastSignInAt, u)
			o.set(&base)
			batch = orgRoles(batch, base, u.OrganizationRoles)
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.User)
}

// orgApps lists organization o's machine-to-machine applications with
// their organization roles (GET /api/organizations/{id}/applications, no
// ORDER BY: re-listed on a shortfall).
func (l *listing) orgApps(ctx context.Context, o orgScope) error {
	p := pager[api.ApplicationWithOrganizationRoles]{op: fmt.Sprintf("list applications of organization %q", o.name), what: "applications",
		send: func(ctx context.Context, page, size int) (*http.Response, error) {
			return l.client.ListOrganizationApplications(ctx, o.id, &api.ListOrganizationApplicationsParams{Page: &page, PageSize: &size})
		},
		id: func(a *api.ApplicationWithOrganizationRoles) string { return a.Id }}
	err := p.walk(ctx, l.kit, func(apps []*api.ApplicationWithOrganizationRoles) error {
		var batch []facade.Assignment
		for _, a := range apps {
			a.Secret, a.CustomData = nil, nil // credentials, or free-form data that may hold some
			base := facade.Assignment{Provider: "logto", Principal: facade.Application, UserID: a.Id, Name: a.Name,
				AccountType: facade.Service, Created: driverkit.UnixMillis(&a.CreatedAt), Held: facade.Direct, Record: a}
			o.set(&base)
			batch = orgRoles(batch, base, a.OrganizationRoles)
		}
		return l.emit(batch)
	})
	return driverkit.Refused(ctx, err, facade.Application)
}

// invitations lists the pending organization invitations (GET
// /api/organization-invitations: one request, unpaged), each with the
// organization roles it grants once accepted. Accepted invitations are
// listed as the members they made; expired and revoked ones grant
// nothing.
func (l *listing) invitations(ctx context.Context) error {
	op := "list organization invitations"
	body, err := l.kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
		return l.client.ListOrganizationInvitations(ctx, nil)
	}, nil)
	if err != nil {
		return driverkit.Refused(ctx, err, facade.Invitation)
	}
	invs, err := decodeAll(body, l.kit.MaxBody, func(i *api.OrganizationInvitation) string { return i.Id })
	if err != nil {
		return l.kit.Invalid(op, err)
	}
	var batch []facade.Assignment
	for _, inv := range invs {
		if inv.Status != api.OrganizationInvitationStatusPending {
			continue
		}
		l.mu.Lock()
		name := l.orgs[inv.OrganizationId]
		l.mu.Unlock()
		base := facade.Assignment{Provider: "logto", Principal: facade.Invitation, UserID: inv.Id, Email: inv.Invitee,
			Created: driverkit.UnixMillis(&inv.CreatedAt), Expires: driverkit.UnixMillis(&inv.ExpiresAt), Held: facade.Direct, Record: inv}
		orgScope{id: inv.OrganizationId, name: name}.set(&base)
		batch = orgRoles(batch, base, inv.OrganizationRoles)
	}
	if len(batch) == 0 {
		return nil
	}
	return l.emit(batch)
}
