package providertest

import (
	"net/http"
	"slices"
	"strings"
)

// logtoIndex holds the lookups the Logto graph's handlers need.
type logtoIndex struct {
	orgs     map[string]int   // organization id → index in Tenant.Organizations
	apps     map[string]int   // application id → index in Tenant.Applications
	roleApps map[string][]int // tenant role id → holding applications, in listing order
	orgRoles map[string]int   // organization role id → index in Tenant.OrgRoles
}

func buildLogtoIndex(t *Tenant) *logtoIndex {
	ix := &logtoIndex{orgs: map[string]int{}, apps: map[string]int{}, roleApps: map[string][]int{}, orgRoles: map[string]int{}}
	for i, o := range t.Organizations {
		ix.orgs[o.ID] = i
	}
	for i, a := range t.Applications {
		ix.apps[a.ID] = i
		for _, r := range a.Roles {
			ix.roleApps[r] = append(ix.roleApps[r], i)
		}
	}
	for i, r := range t.OrgRoles {
		ix.orgRoles[r.ID] = i
	}
	return ix
}

// logtoGraph serves the Logto operations beyond roles and their users:
// organizations (no ORDER BY: pages shift with Options.TieShifts), their
// users (ordered by user id) and applications (no ORDER BY: they shift
// too), each with organizationRoles inline; the organization invitations
// (unpaged); and a role's applications and scopes (scopes paged only when
// page or page_size is given).
func (s *Server) logtoGraph(w *statusWriter, c *call) {
	switch c.op {
	case "ListOrganizations":
		s.logtoOrganizations(w, c)
	case "ListOrganizationUsers", "ListOrganizationApplications":
		s.logtoOrgMembers(w, c)
	case "ListOrganizationInvitations":
		s.logtoInvitations(w, c)
	case "ListRoleApplications":
		s.logtoRoleApps(w, c)
	case "ListRoleScopes":
		s.logtoRoleScopes(w, c)
	}
}

// logtoShifted pages a list whose rows tie (no ORDER BY): with
// Options.TieShifts, a page after the first comes back shifted by one.
func (s *Server) logtoShifted(c *call, key string, start, end, n int) (int, int) {
	if start > 0 && start < n && s.shift(c.op+" "+key+"?"+c.r.URL.RawQuery) {
		return start - 1, end - 1
	}
	return start, end
}

func (s *Server) logtoOrganizations(w *statusWriter, c *call) {
	q := strings.ToLower(c.r.URL.Query().Get("q"))
	var idx []int
	for i, o := range s.tenant.Organizations {
		if q == "" || strings.Contains(strings.ToLower(o.ID), q) || strings.Contains(strings.ToLower(o.Name), q) {
			idx = append(idx, i)
		}
	}
	start, end, ok := s.logtoPage(w, c, len(idx))
	if !ok {
		return
	}
	start, end = s.logtoShifted(c, "", start, end, len(idx))
	b := []byte{'['}
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		o := &s.tenant.Organizations[idx[i]]
		b = append(b, `{"tenantId":"default","id":`...)
		b = appendStr(b, o.ID)
		b = append(b, `,"name":`...)
		b = appendStr(b, o.Name)
		b = append(b, `,"description":null,"customData":{},"isMfaRequired":false,"color":{},"branding":{},"customCss":null,"createdAt":`...)
		b = appendInt(b, o.Created.UnixMilli())
		b = append(b, '}')
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

// logtoOrgRoles renders organization roles by id as organizationRoles.
func (s *Server) logtoOrgRoles(b []byte, ids []string) []byte {
	b = append(b, `,"organizationRoles":[`...)
	for j, id := range ids {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendStr(b, id)
		b = append(b, `,"name":`...)
		name := id
		if k, ok := s.ix.logto.orgRoles[id]; ok {
			name = s.tenant.OrgRoles[k].Name
		}
		b = appendStr(b, name)
		b = append(b, '}')
	}
	return append(b, ']')
}

// logtoOrgMembers serves GET /api/organizations/{id}/users and
// /applications.
func (s *Server) logtoOrgMembers(w *statusWriter, c *call) {
	id := c.params["id"]
	oi, ok := s.ix.logto.orgs[id]
	if !ok {
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: id})
		return
	}
	o := &s.tenant.Organizations[oi]
	users := c.op == "ListOrganizationUsers"
	members := o.Apps
	if users {
		members = o.Members
		if rid := c.r.URL.Query().Get("organizationRoleId"); rid != "" {
			members = slices.DeleteFunc(slices.Clone(members), func(m LogtoMember) bool { return !slices.Contains(m.Roles, rid) })
		}
	}
	start, end, ok := s.logtoPage(w, c, len(members))
	if !ok {
		return
	}
	if !users {
		start, end = s.logtoShifted(c, id, start, end, len(members))
	}
	b := []byte{'['}
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		m := members[i]
		if users {
			b = s.logtoUser(b, s.ix.byID[m.ID], true)
		} else {
			b = s.logtoApp(b, &s.tenant.Applications[s.ix.logto.apps[m.ID]])
		}
		b = s.logtoOrgRoles(b[:len(b)-1], m.Roles)
		b = append(b, '}')
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

// logtoApp renders a machine-to-machine application, its legacy secret
// included when it has one (as omitInternalApplicationSecret keeps it).
func (s *Server) logtoApp(b []byte, a *LogtoApplication) []byte {
	b = append(b, `{"tenantId":"default","id":`...)
	b = appendStr(b, a.ID)
	b = append(b, `,"name":`...)
	b = appendStr(b, a.Name)
	if a.Secret != "" {
		b = append(b, `,"secret":`...)
		b = appendStr(b, a.Secret)
	}
	b = append(b, `,"description":null,"type":"MachineToMachine","oidcClientMetadata":{"redirectUris":[],"postLogoutRedirectUris":[]},"customClientMetadata":{},"protectedAppMetadata":null,"customData":{"note":`...)
	b = appendStr(b, a.Note)
	b = append(b, `},"isThirdParty":false,"appLevelAccessControlEnabled":false,"createdAt":`...)
	b = appendInt(b, a.Created.UnixMilli())
	return append(b, '}')
}

// logtoInvitations serves GET /api/organization-invitations, unpaged,
// filtered by organizationId, inviterId and invitee.
func (s *Server) logtoInvitations(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	b := []byte{'['}
	n := 0
	for _, inv := range s.tenant.OrgInvitations {
		if v := q.Get("organizationId"); v != "" && v != inv.OrgID {
			continue
		}
		if v := q.Get("inviterId"); v != "" && v != inv.InviterID {
			continue
		}
		if v := q.Get("invitee"); v != "" && v != inv.Invitee {
			continue
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = append(b, `{"tenantId":"default","id":`...)
		b = appendStr(b, inv.ID)
		b = append(b, `,"inviterId":`...)
		b = appendStrOrNull(b, inv.InviterID)
		b = append(b, `,"invitee":`...)
		b = appendStr(b, inv.Invitee)
		b = append(b, `,"acceptedUserId":null,"organizationId":`...)
		b = appendStr(b, inv.OrgID)
		b = append(b, `,"status":`...)
		b = appendStr(b, inv.Status)
		b = append(b, `,"createdAt":`...)
		b = appendInt(b, inv.Created.UnixMilli())
		b = append(b, `,"updatedAt":`...)
		b = appendInt(b, inv.Created.UnixMilli())
		b = append(b, `,"expiresAt":`...)
		b = appendInt(b, inv.Expires.UnixMilli())
		b = s.logtoOrgRoles(b, inv.Roles)
		b = append(b, '}')
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

// logtoRoleApps serves GET /api/roles/{id}/applications.
func (s *Server) logtoRoleApps(w *statusWriter, c *call) {
	id := c.params["id"]
	if _, ok := s.ix.roles[id]; !ok {
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: id})
		return
	}
	holders := s.ix.logto.roleApps[id]
	start, end, ok := s.logtoPage(w, c, len(holders))
	if !ok {
		return
	}
	b := []byte{'['}
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = s.logtoApp(b, &s.tenant.Applications[holders[i]])
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

// logtoRoleScopes serves GET /api/roles/{id}/scopes: every scope in one
// answer without page and page_size (koaPagination isOptional), else
// paged.
func (s *Server) logtoRoleScopes(w *statusWriter, c *call) {
	id := c.params["id"]
	ri, ok := s.ix.roles[id]
	if !ok {
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: id})
		return
	}
	scopes := s.tenant.Roles[ri].Scopes
	start, end := 0, len(scopes)
	q := c.r.URL.Query()
	if q.Has("page") || q.Has("page_size") {
		if start, end, ok = s.logtoPage(w, c, len(scopes)); !ok {
			return
		}
	}
	b := []byte{'['}
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		sc := scopes[i]
		rid := "res-" + shortHash(sc.Indicator)
		b = append(b, `{"tenantId":"default","id":`...)
		b = appendStr(b, "scp-"+shortHash(sc.Indicator+"#"+sc.Name))
		b = append(b, `,"resourceId":`...)
		b = appendStr(b, rid)
		b = append(b, `,"name":`...)
		b = appendStr(b, sc.Name)
		b = append(b, `,"description":null,"createdAt":`...)
		b = appendInt(b, epoch.UnixMilli())
		b = append(b, `,"resource":{"tenantId":"default","id":`...)
		b = appendStr(b, rid)
		b = append(b, `,"name":`...)
		name := "API " + sc.Indicator
		if sc.Indicator == LogtoManagementAPI {
			name = "Logto Management API"
		}
		b = appendStr(b, name)
		b = append(b, `,"indicator":`...)
		b = appendStr(b, sc.Indicator)
		b = append(b, `,"isDefault":false,"accessTokenTtl":3600}}`...)
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

// shortHash is a 12-character id derived from s.
func shortHash(s string) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	h := mix(uint64(len(s)))
	for i := 0; i < len(s); i++ {
		h = mix(h ^ uint64(s[i]))
	}
	b := make([]byte, 12)
	for i := range b {
		b[i] = digits[h%36]
		h /= 36
	}
	return string(b)
}
