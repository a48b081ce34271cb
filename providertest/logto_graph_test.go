package providertest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/rolecall/rolecall/gen/logto"
	"github.com/rolecall/rolecall/providertest"
)

// logtoPages walks a Logto page-numbered listing (page from 1, size 3)
// until no Link rel="next".
func logtoPages(t *testing.T, what string, get func(page, size int) (*http.Response, error)) {
	t.Helper()
	for page := 1; ; {
		resp, err := get(page, 3)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s page %d: %v %v", what, page, err, resp)
		}
		next, ok := links(t, resp.Header)["next"]
		if !ok {
			return
		}
		page = next
	}
}

// logtoRoleScopes lists a tenant role's scopes (unpaged) as permissions.
func logtoRoleScopes(t *testing.T, cl *logtoapi.ClientWithResponses, id string) []string {
	t.Helper()
	resp, err := cl.ListRoleScopesWithResponse(context.Background(), id, nil)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("scopes of %s: %v", id, err)
	}
	if resp.HTTPResponse.Header.Get("Total-Number") != "" {
		t.Errorf("scopes of %s: unpaged, yet a Total-Number", id)
	}
	var out []string
	for _, s := range *resp.JSON200 {
		out = append(out, s.Resource.Indicator+"#"+s.Name)
	}
	return out
}

// listLogtoGraph lists the organizations' members and applications, the
// applications' tenant roles and the pending invitations, mapped by the
// contract (providertest.Tenant.Rows), through the generated client. With
// emails, only the members and invitations with those addresses.
func listLogtoGraph(t *testing.T, cl *logtoapi.ClientWithResponses, emails []string) []providertest.Row {
	ctx := context.Background()
	keep := func(e string) bool {
		if len(emails) == 0 {
			return true
		}
		for _, w := range emails {
			if e != "" && strings.EqualFold(e, w) {
				return true
			}
		}
		return false
	}
	var rows []providertest.Row
	orgRows := func(r providertest.Row, roles []logtoapi.OrganizationRoleEntity) {
		if len(roles) == 0 {
			r.RoleID, r.RoleName, r.RoleKind = "member", "member", "builtin"
			rows = append(rows, r)
			return
		}
		for _, role := range roles {
			rr := r
			rr.RoleID, rr.RoleName, rr.RoleKind = role.Id, role.Name, "custom"
			rows = append(rows, rr)
		}
	}
	names := map[string]string{}
	var orgs []logtoapi.Organization
	logtoPages(t, "organizations", func(page, size int) (*http.Response, error) {
		resp, err := cl.ListOrganizationsWithResponse(ctx, &logtoapi.ListOrganizationsParams{Page: &page, PageSize: &size})
		if err == nil && resp.JSON200 != nil {
			orgs = append(orgs, *resp.JSON200...)
		}
		return resp.HTTPResponse, err
	})
	for _, o := range orgs {
		names[o.Id] = o.Name
		scope := providertest.Row{Provider: "logto", Held: "direct", Scope: "logto_organization/" + o.Id, ScopeKind: "logto_organization",
			ScopeID: o.Id, ScopeName: o.Name}
		logtoPages(t, "org users", func(page, size int) (*http.Response, error) {
			resp, err := cl.ListOrganizationUsersWithResponse(ctx, o.Id, &logtoapi.ListOrganizationUsersParams{Page: &page, PageSize: &size})
			if err == nil && resp.JSON200 != nil {
				for _, u := range *resp.JSON200 {
					r := scope
					r.Principal, r.UserID, r.Email, r.Name, r.Username, r.Disabled = "user", u.Id, deref(u.PrimaryEmail), deref(u.Name),
						deref(u.Username), u.IsSuspended
					if keep(r.Email) {
						orgRows(r, u.OrganizationRoles)
					}
				}
			}
			return resp.HTTPResponse, err
		})
		if len(emails) > 0 {
			continue
		}
		logtoPages(t, "org apps", func(page, size int) (*http.Response, error) {
			resp, err := cl.ListOrganizationApplicationsWithResponse(ctx, o.Id, &logtoapi.ListOrganizationApplicationsParams{Page: &page, PageSize: &size})
			if err == nil && resp.JSON200 != nil {
				for _, a := range *resp.JSON200 {
					r := scope
					r.Principal, r.UserID, r.Name = "application", a.Id, a.Name
					orgRows(r, a.OrganizationRoles)
				}
			}
			return resp.HTTPResponse, err
		})
	}
	if len(emails) == 0 {
		typ := logtoapi.RoleTypeMachineToMachine
		var roles []logtoapi.RoleWithStats
		logtoPages(t, "machine roles", func(page, size int) (*http.Response, error) {
			resp, err := cl.ListRolesWithResponse(ctx, &logtoapi.ListRolesParams{Page: &page, PageSize: &size, Type: &typ})
			if err == nil && resp.JSON200 != nil {
				roles = append(roles, *resp.JSON200...)
			}
			return resp.HTTPResponse, err
		})
		for _, role := range roles {
			perms := logtoRoleScopes(t, cl, role.Id)
			logtoPages(t, "role apps", func(page, size int) (*http.Response, error) {
				resp, err := cl.ListRoleApplicationsWithResponse(ctx, role.Id, &logtoapi.ListRoleApplicationsParams{Page: &page, PageSize: &size})
				if err == nil && resp.JSON200 != nil {
					for _, a := range *resp.JSON200 {
						rows = append(rows, providertest.Row{Provider: "logto", Principal: "application", UserID: a.Id, Name: a.Name,
							RoleID: role.Id, RoleName: role.Name, RoleKind: "custom", Permissions: perms, ScopeKind: "tenant", Held: "direct"})
					}
				}
				return resp.HTTPResponse, err
			})
		}
	}
	resp, err := cl.ListOrganizationInvitationsWithResponse(ctx, nil)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("invitations: %v", err)
	}
	for _, inv := range *resp.JSON200 {
		if inv.Status != "Pending" || !keep(inv.Invitee) {
			continue
		}
		orgRows(providertest.Row{Provider: "logto", Principal: "invitation", UserID: inv.Id, Email: inv.Invitee, Held: "direct",
			Scope: "logto_organization/" + inv.OrganizationId, ScopeKind: "logto_organization", ScopeID: inv.OrganizationId,
			ScopeName: names[inv.OrganizationId]}, inv.OrganizationRoles)
	}
	return rows
}
