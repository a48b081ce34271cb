package providertest

import (
	"slices"
	"strings"
)

// The oracle of the Logto principal graph: the rows beyond the users' own
// tenant roles, and their account fields.

// LogtoMemberRole is the role of an organization member (a user or an
// application) that holds no organization role, and of an invitation that
// grants none: membership alone, which still gives access to the
// organization. Its row is builtin.
const LogtoMemberRole = "member"

// logtoPermissions are a tenant role's permissions as a listing reports
// them; nil when it carries no scope.
func logtoPermissions(r *Role) []string {
	var out []string
	for _, s := range r.Scopes {
		out = append(out, s.Permission())
	}
	return out
}

// logtoManagesAll reports whether permission p is the Management API's
// all scope: a resource indicator https://<tenant id>.logto.app/api
// (getManagementApiResourceIndicator, packages/schemas/src/seeds/
// management-api.ts) and the scope all, which "allows all permissions".
func logtoManagesAll(p string) bool {
	indicator, name, ok := strings.Cut(p, "#")
	if !ok || name != "all" {
		return false
	}
	host, ok := strings.CutPrefix(indicator, "https://")
	if !ok {
		return false
	}
	tenant, ok := strings.CutSuffix(host, ".logto.app/api")
	return ok && tenant != "" && !strings.ContainsAny(tenant, "./")
}

// inLogtoOrg sets r's scope to organization o.
func inLogtoOrg(r Row, o *LogtoOrganization) Row {
	r.Scope, r.ScopeKind, r.ScopeID, r.ScopeName = "logto_organization/"+o.ID, "logto_organization", o.ID, o.Name
	return r
}

// logtoOrgRoleRows returns r once per organization role (by id) or, with
// none, once as a member.
func (t *Tenant) logtoOrgRoleRows(r Row, roleIDs []string) []Row {
	if len(roleIDs) == 0 {
		r.RoleID, r.RoleName, r.RoleKind = LogtoMemberRole, LogtoMemberRole, KindBuiltin
		return []Row{r}
	}
	out := make([]Row, 0, len(roleIDs))
	for _, id := range roleIDs {
		rr := r
		rr.RoleID, rr.RoleName, rr.RoleKind = id, id, KindCustom
		if role := t.OrgRole(id); role != nil {
			rr.RoleName = role.Name
		}
		out = append(out, rr)
	}
	return out
}

// logtoGraphRows returns the rows of the organizations' members (users
// and applications), the applications' tenant roles and the pending
// invitations. Unsorted.
func (t *Tenant) logtoGraphRows(roles map[string]*Role) []Row {
	var rows []Row
	for i := range t.Organizations {
		o := &t.Organizations[i]
		for _, m := range o.Members {
			r := Row{Provider: "logto", Principal: "user", UserID: m.ID, Held: "direct"}
			if u := t.User(m.ID); u != nil {
				r.Email, r.Name, r.Username, r.Disabled = u.Email, u.Name, u.Username, u.Disabled
			}
			rows = append(rows, t.logtoOrgRoleRows(inLogtoOrg(r, o), m.Roles)...)
		}
		for _, m := range o.Apps {
			r := Row{Provider: "logto", Principal: "application", UserID: m.ID, Held: "direct"}
			if a := t.Application(m.ID); a != nil {
				r.Name = a.Name
			}
			rows = append(rows, t.logtoOrgRoleRows(inLogtoOrg(r, o), m.Roles)...)
		}
	}
	for _, a := range t.Applications {
		for _, id := range a.Roles {
			role := roles[id]
			if role == nil {
				role = &Role{ID: id, Name: id}
			}
			rows = append(rows, Row{Provider: "logto", Principal: "application", UserID: a.ID, Name: a.Name,
				RoleID: role.ID, RoleName: role.Name, RoleKind: KindCustom, Permissions: logtoPermissions(role),
				ScopeKind: "tenant", Held: "direct"})
		}
	}
	for _, inv := range t.OrgInvitations {
		o := t.Organization(inv.OrgID)
		if inv.Status != "Pending" || o == nil {
			continue
		}
		r := Row{Provider: "logto", Principal: "invitation", UserID: inv.ID, Email: inv.Invitee, Held: "direct"}
		rows = append(rows, t.logtoOrgRoleRows(inLogtoOrg(r, o), inv.Roles)...)
	}
	return rows
}

// logtoAccount is the account of a Logto row whose principal is not a
// user: an application's creation (account type service), an
// invitation's creation and expiry.
func (t *Tenant) logtoAccount(r *Row) (Account, bool) {
	switch r.Principal {
	case "application":
		if a := t.Application(r.UserID); a != nil {
			return Account{AccountType: "service", Created: a.Created}, true
		}
	case "invitation":
		for _, inv := range t.OrgInvitations {
			if inv.ID == r.UserID {
				return Account{Created: inv.Created, Expires: inv.Expires}, true
			}
		}
	}
	return Account{}, false
}

// logtoFilter keeps in out (FilterEmails' copy of t) the organizations
// with only the kept users as members and no applications, the
// invitations to matching addresses, and no applications.
func (t *Tenant) logtoFilter(out *Tenant, kept map[string]bool, match func(string) bool) {
	out.OrgRoles = slices.Clone(t.OrgRoles)
	for _, o := range t.Organizations {
		o.Apps = nil
		o.Members = slices.DeleteFunc(slices.Clone(o.Members), func(m LogtoMember) bool { return !kept[m.ID] })
		out.Organizations = append(out.Organizations, o)
	}
	for _, inv := range t.OrgInvitations {
		if match(inv.Invitee) {
			out.OrgInvitations = append(out.OrgInvitations, inv)
		}
	}
}
