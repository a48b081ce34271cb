package providertest

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

// The OpenAI organization's principal graph beyond its users: groups,
// projects and what they hold, admin keys and invites. Every listing goes
// through s.take (short pages), s.writeOK and s.writeError like the user
// listings, and faults, rate limits and validation apply before it.

// openaiGraph serves the graph operations.
func (s *Server) openaiGraph(w *statusWriter, c *call) {
	switch c.op {
	case "list-groups":
		s.openaiGroups(w, c)
	case "list-group-users":
		s.openaiGroupUsers(w, c)
	case "list-group-role-assignments":
		s.openaiGroupRoles(w, c)
	case "list-projects":
		s.openaiProjects(w, c)
	case "list-project-users":
		s.openaiProjectUsers(w, c)
	case "list-project-user-role-assignments":
		s.openaiProjectUserRoles(w, c)
	case "list-project-roles":
		s.openaiProjectRoles(w, c)
	case "list-project-groups":
		s.openaiProjectGroups(w, c)
	case "list-project-group-role-assignments":
		s.openaiProjectGroupRoles(w, c)
	case "list-project-service-accounts":
		s.openaiServiceAccounts(w, c)
	case "list-project-api-keys":
		s.openaiProjectKeys(w, c)
	case "admin-api-keys-list":
		s.openaiAdminKeys(w, c)
	case "list-invites":
		s.openaiInvites(w, c)
	default:
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, msg: "The fake does not serve " + c.op + "."})
	}
}

// openaiLimit reads the limit parameter: def when absent (and, with
// zeroIsDefault, when 0), at least 1, at most the API's maximum api
// (Options.MaxPageSize overrides it).
func (s *Server) openaiLimit(q url.Values, def, api int, zeroIsDefault bool) int {
	limit, _ := queryInt(q, "limit", def)
	if (limit == 0 && zeroIsDefault) || limit < 0 {
		limit = def
	}
	return max(1, min(limit, s.maxPage(api)))
}

// notFound answers 404 for the missing thing (what, e.g. "project") id.
func (s *Server) notFound(w *statusWriter, c *call, what, id string) {
	s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: id,
		msg: "No " + what + " found with id '" + id + "'."})
}

// badCursor answers 400 for an after cursor the listing did not hand out.
func (s *Server) badCursor(w *statusWriter, c *call, after string) {
	s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "after",
		msg: "Invalid 'after': '" + after + "' is not a cursor of this list."})
}

// openaiNextPage serves a page of a list of n items paged by the opaque
// next cursor (scoped to scope), at most limit items, item rendering the
// i'th item of the list (reversed when desc).
func (s *Server) openaiNextPage(w *statusWriter, c *call, scope string, n, limit int, desc bool, item func(b []byte, i int) []byte) {
	after := c.r.URL.Query().Get("after")
	start, ok := openaiCursor(after, scope, n)
	if !ok {
		s.badCursor(w, c, after)
		return
	}
	cnt := s.take(c.op, scope+"|"+after, limit, n-start)
	end := start + cnt
	b := make([]byte, 0, 96+cnt*200)
	b = append(b, `{"object":"list","data":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		if desc {
			b = item(b, n-1-i)
		} else {
			b = item(b, i)
		}
	}
	b = append(b, `],"has_more":`...)
	b = appendBool(b, end < n)
	b = append(b, `,"next":`...)
	if end < n {
		b = appendStr(b, openaiNext(scope, end))
	} else {
		b = append(b, "null"...)
	}
	s.writeOK(w, c, append(b, '}'))
}

// openaiIDPage serves a page of a list paged by object id: ord are the
// listed items in order, id(i) is item i's id, and after names the last
// item of the previous page (400 when it is not a listed item). The page
// carries first_id, last_id and has_more.
func (s *Server) openaiIDPage(w *statusWriter, c *call, key string, ord []int, id func(i int) string, limit int, item func(b []byte, i int) []byte) {
	after := c.r.URL.Query().Get("after")
	start := 0
	if after != "" {
		pos := slices.IndexFunc(ord, func(i int) bool { return id(i) == after })
		if pos < 0 {
			s.badCursor(w, c, after)
			return
		}
		start = pos + 1
	}
	cnt := s.take(c.op, key+"|"+after, limit, len(ord)-start)
	end := start + cnt
	b := make([]byte, 0, 96+cnt*300)
	b = append(b, `{"object":"list","data":[`...)
	for k := start; k < end; k++ {
		if k > start {
			b = append(b, ',')
		}
		b = item(b, ord[k])
	}
	b = append(b, `],"first_id":`...)
	if cnt > 0 {
		b = appendStr(b, id(ord[start]))
		b = append(b, `,"last_id":`...)
		b = appendStr(b, id(ord[end-1]))
	} else {
		b = append(b, `null,"last_id":null`...)
	}
	b = append(b, `,"has_more":`...)
	b = appendBool(b, end < len(ord))
	s.writeOK(w, c, append(b, '}'))
}

// seq returns 0..n-1.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// appendTimeOrNull appends t as Unix seconds, or null when it is zero.
func appendTimeOrNull(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return appendInt(b, t.Unix())
}

// openaiGroups serves GET /organization/groups: limit 0..1000 (default
// 100, 0 the default too), after = next, order asc|desc.
func (s *Server) openaiGroups(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	groups := s.tenant.Groups
	s.openaiNextPage(w, c, "groups", len(groups), s.openaiLimit(q, 100, 1000, true), q.Get("order") == "desc",
		func(b []byte, i int) []byte {
			g := &groups[i]
			b = append(b, `{"id":`...)
			b = appendStr(b, g.ID)
			b = append(b, `,"name":`...)
			b = appendStr(b, g.Name)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, g.Created.Unix())
			b = append(b, `,"is_scim_managed":`...)
			b = appendBool(b, g.Type == "tenant_group")
			b = append(b, `,"group_type":`...)
			b = appendStr(b, groupType(g.Type))
			return append(b, '}')
		})
}

func groupType(t string) string {
	if t == "" {
		return "group"
	}
	return t
}

// group returns the group of the path parameter group_id, or answers 404.
func (s *Server) group(w *statusWriter, c *call) (*Group, bool) {
	id := c.params["group_id"]
	i, ok := s.ix.groups[id]
	if !ok {
		s.notFound(w, c, "group", id)
		return nil, false
	}
	return &s.tenant.Groups[i], true
}

// openaiGroupUsers serves GET /organization/groups/{group_id}/users:
// limit 0..1000 (default 100), after = next, order desc by default.
func (s *Server) openaiGroupUsers(w *statusWriter, c *call) {
	g, ok := s.group(w, c)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	s.openaiNextPage(w, c, "group-users/"+g.ID, len(g.Members), s.openaiLimit(q, 100, 1000, true), q.Get("order") != "asc",
		func(b []byte, i int) []byte {
			id := g.Members[i]
			var name, email string
			if ui, ok := s.ix.byID[id]; ok {
				name, email = s.ix.users[ui].Name, s.ix.users[ui].Email
			}
			b = append(b, `{"id":`...)
			b = appendStr(b, id)
			b = append(b, `,"name":`...)
			b = appendStr(b, name)
			b = append(b, `,"email":`...)
			b = appendStrOrNull(b, email)
			return append(b, '}')
		})
}

// openaiGroupRoles serves GET /organization/groups/{group_id}/roles: as
// the user role assignments (limit 0..1000, the fake's default 20).
func (s *Server) openaiGroupRoles(w *statusWriter, c *call) {
	g, ok := s.group(w, c)
	if !ok {
		return
	}
	s.assignmentsOf(w, c, "group", g.ID, "group/"+g.ID, g.Grants)
}

// assignmentsOf serves a page of the role assignments of a principal,
// paged by next (limit 0..1000, the fake's default 20).
func (s *Server) assignmentsOf(w *statusWriter, c *call, ptype, pid, scope string, grants []Grant) {
	q := c.r.URL.Query()
	limit := s.openaiLimit(q, 20, 1000, true)
	start, ok := openaiCursor(q.Get("after"), scope, len(grants))
	if !ok {
		s.badCursor(w, c, q.Get("after"))
		return
	}
	s.openaiAssignments(w, c, ptype, pid, scope, grants, start, limit)
}

// openaiProjects serves GET /organization/projects: limit 1..100
// (default 20), after = last_id, archived projects only with
// include_archived=true.
func (s *Server) openaiProjects(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	archived := q.Get("include_archived") == "true"
	ps := s.tenant.Projects
	var ord []int
	for i := range ps {
		if archived || !ps[i].Archived {
			ord = append(ord, i)
		}
	}
	key := "active"
	if archived {
		key = "all"
	}
	s.openaiIDPage(w, c, key, ord, func(i int) string { return ps[i].ID }, s.openaiLimit(q, 20, 100, false),
		func(b []byte, i int) []byte {
			p := &ps[i]
			b = append(b, `{"id":`...)
			b = appendStr(b, p.ID)
			b = append(b, `,"object":"organization.project","name":`...)
			b = appendStrOrNull(b, p.Name)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, p.Created.Unix())
			b = append(b, `,"archived_at":`...)
			if p.Archived {
				b = appendInt(b, p.Created.Add(30*24*time.Hour).Unix())
				b = append(b, `,"status":"archived"`...)
			} else {
				b = append(b, `null,"status":"active"`...)
			}
			b = append(b, `,"external_key_id":`...)
			b = appendStrOrNull(b, p.ExternalKeyID)
			if i%3 == 1 {
				b = append(b, `,"residency":"US_STORAGE_PROCESSING"`...)
			}
			return append(b, '}')
		})
}

// project returns the project of the path parameter project_id, or
// answers 404.
func (s *Server) project(w *statusWriter, c *call) (*Project, bool) {
	id := c.params["project_id"]
	i, ok := s.ix.projects[id]
	if !ok {
		s.notFound(w, c, "project", id)
		return nil, false
	}
	return &s.tenant.Projects[i], true
}

// openaiProjectUsers serves GET /organization/projects/{project_id}/users:
// limit 1..100 (default 20), after = last_id. An archived project's users
// are served too (OpenAI documents a 400 for archived projects; the
// mapping contract lists them).
func (s *Server) openaiProjectUsers(w *statusWriter, c *call) {
	p, ok := s.project(w, c)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	s.openaiIDPage(w, c, p.ID, seq(len(p.Users)), func(i int) string { return p.Users[i].ID }, s.openaiLimit(q, 20, 100, false),
		func(b []byte, i int) []byte {
			pu := &p.Users[i]
			var name, email string
			if ui, ok := s.ix.byID[pu.ID]; ok {
				name, email = s.ix.users[ui].Name, s.ix.users[ui].Email
			}
			b = append(b, `{"object":"organization.project.user","id":`...)
			b = appendStr(b, pu.ID)
			b = append(b, `,"name":`...)
			b = appendStrOrNull(b, name)
			b = append(b, `,"email":`...)
			b = appendStrOrNull(b, email)
			b = append(b, `,"role":`...)
			b = appendStr(b, pu.Role)
			b = append(b, `,"added_at":`...)
			b = appendInt(b, pu.Added.Unix())
			return append(b, '}')
		})
}

// openaiProjectUserRoles serves GET /projects/{project_id}/users/{user_id}/roles:
// the user's project roles, paged by next; 404 when the user is not a
// member of the project.
func (s *Server) openaiProjectUserRoles(w *statusWriter, c *call) {
	p, ok := s.project(w, c)
	if !ok {
		return
	}
	id := c.params["user_id"]
	k := slices.IndexFunc(p.Users, func(pu ProjectUser) bool { return pu.ID == id })
	if k < 0 {
		s.notFound(w, c, "user of project "+p.ID, id)
		return
	}
	s.assignmentsOf(w, c, "user", id, "project/"+p.ID+"/user/"+id, p.Users[k].Grants)
}

// openaiProjectRoles serves GET /projects/{project_id}/roles: the project
// role catalogue (limit 0..1000, default 1000), paged by next.
func (s *Server) openaiProjectRoles(w *statusWriter, c *call) {
	p, ok := s.project(w, c)
	if !ok {
		return
	}
	s.openaiRoleList(w, c, "project-roles/"+p.ID, s.ix.projRoles)
}

// openaiProjectGroups serves GET /organization/projects/{project_id}/groups:
// limit 0..100 (default 20), after = next, order asc|desc.
func (s *Server) openaiProjectGroups(w *statusWriter, c *call) {
	p, ok := s.project(w, c)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	s.openaiNextPage(w, c, "project-groups/"+p.ID, len(p.Groups), s.openaiLimit(q, 20, 100, true), q.Get("order") == "desc",
		func(b []byte, i int) []byte {
			pg := &p.Groups[i]
			var name, typ string
			if gi, ok := s.ix.groups[pg.GroupID]; ok {
				name, typ = s.tenant.Groups[gi].Name, s.tenant.Groups[gi].Type
			}
			b = append(b, `{"object":"project.group","project_id":`...)
			b = appendStr(b, p.ID)
			b = append(b, `,"group_id":`...)
			b = appendStr(b, pg.GroupID)
			b = append(b, `,"group_name":`...)
			b = appendStr(b, name)
			b = append(b, `,"group_type":`...)
			b = appendStr(b, groupType(typ))
			b = append(b, `,"created_at":`...)
			b = appendInt(b, pg.Added.Unix())
			return append(b, '}')
		})
}

// openaiProjectGroupRoles serves GET /projects/{project_id}/groups/{group_id}/roles:
// the group's project roles, paged by next; 404 when the group has no
// access to the project.
func (s *Server) openaiProjectGroupRoles(w *statusWriter, c *call) {
	p, ok := s.project(w, c)
	if !ok {
		return
	}
	id := c.params["group_id"]
	k := slices.IndexFunc(p.Groups, func(pg ProjectGroup) bool { return pg.GroupID == id })
	if k < 0 {
		s.notFound(w, c, "group of project "+p.ID, id)
		return
	}
	s.assignmentsOf(w, c, "group", id, "project/"+p.ID+"/group/"+id, p.Groups[k].Grants)
}

// openaiServiceAccounts serves
// GET /organization/projects/{project_id}/service_accounts: limit 1..100
// (default 20), after = last_id.
func (s *Server) openaiServiceAccounts(w *statusWriter, c *call) {
	p, ok := s.project(w, c)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	sas := p.ServiceAccounts
	s.openaiIDPage(w, c, p.ID, seq(len(sas)), func(i int) string { return sas[i].ID }, s.openaiLimit(q, 20, 100, false),
		func(b []byte, i int) []byte {
			sa := &sas[i]
			b = append(b, `{"object":"organization.project.service_account","id":`...)
			b = appendStr(b, sa.ID)
			b = append(b, `,"name":`...)
			b = appendStr(b, sa.Name)
			b = append(b, `,"role":`...)
			b = appendStr(b, sa.Role)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, sa.Created.Unix())
			return append(b, '}')
		})
}

// openaiProjectKeys serves GET /organization/projects/{project_id}/api_keys:
// limit 1..100 (default 20), after = last_id; owner_project_access
// active, inactive or any, and when absent active only (the orphaned keys
// are left out).
func (s *Server) openaiProjectKeys(w *statusWriter, c *call) {
	p, ok := s.project(w, c)
	if !ok {
		return
	}
	q := c.r.URL.Query()
	access := q.Get("owner_project_access")
	var ord []int
	for i, k := range p.Keys {
		switch {
		case access == "any", access == "inactive" && !k.OwnerActive, access != "inactive" && k.OwnerActive:
			ord = append(ord, i)
		}
	}
	keys := p.Keys
	s.openaiIDPage(w, c, p.ID+"|"+access, ord, func(i int) string { return keys[i].ID }, s.openaiLimit(q, 20, 100, false),
		func(b []byte, i int) []byte {
			k := &keys[i]
			b = append(b, `{"object":"organization.project.api_key","redacted_value":`...)
			b = appendStr(b, k.Redacted)
			b = append(b, `,"name":`...)
			b = appendStr(b, k.Name)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, k.Created.Unix())
			b = append(b, `,"last_used_at":`...)
			b = appendTimeOrNull(b, k.LastUsed)
			b = append(b, `,"id":`...)
			b = appendStr(b, k.ID)
			b = append(b, `,"owner_project_access":`...)
			if k.OwnerActive {
				b = append(b, `"active"`...)
			} else {
				b = append(b, `"inactive"`...)
			}
			b = append(b, `,"owner":{"type":`...)
			b = appendStr(b, k.Owner.Type)
			if k.Owner.Type == "service_account" {
				var name, role string
				created := p.Created
				if j := slices.IndexFunc(p.ServiceAccounts, func(sa ServiceAccount) bool { return sa.ID == k.Owner.ID }); j >= 0 {
					sa := &p.ServiceAccounts[j]
					name, role, created = sa.Name, sa.Role, sa.Created
				}
				b = append(b, `,"service_account":{"id":`...)
				b = appendStr(b, k.Owner.ID)
				b = append(b, `,"name":`...)
				b = appendStr(b, name)
				b = append(b, `,"created_at":`...)
				b = appendInt(b, created.Unix())
				b = append(b, `,"role":`...)
				b = appendStr(b, role)
				return append(b, "}}}"...)
			}
			var name, email string
			var created int64
			if ui, ok := s.ix.byID[k.Owner.ID]; ok {
				name, email = s.ix.users[ui].Name, s.ix.users[ui].Email
				created = accountTimes("openai", len(s.ix.users), ui).created.Unix()
			}
			b = append(b, `,"user":{"id":`...)
			b = appendStr(b, k.Owner.ID)
			b = append(b, `,"email":`...)
			b = appendStr(b, email)
			b = append(b, `,"name":`...)
			b = appendStr(b, name)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, created)
			b = append(b, `,"role":`...)
			b = appendStr(b, keyOwnerRole(p, k))
			return append(b, "}}}"...)
		})
}

// keyOwnerRole is the project role a key's owner holds in p: the member's
// or service account's role, "" when the owner is not in the project (an
// orphaned key).
func keyOwnerRole(p *Project, k *APIKey) string {
	if k.Owner.Type == "service_account" {
		if j := slices.IndexFunc(p.ServiceAccounts, func(sa ServiceAccount) bool { return sa.ID == k.Owner.ID }); j >= 0 {
			return p.ServiceAccounts[j].Role
		}
		return ""
	}
	if !k.OwnerActive {
		return ""
	}
	if j := slices.IndexFunc(p.Users, func(pu ProjectUser) bool { return pu.ID == k.Owner.ID }); j >= 0 {
		return p.Users[j].Role
	}
	return ""
}

// openaiAdminKeys serves GET /organization/admin_api_keys: limit default
// 20 and no maximum (Options.MaxPageSize bounds it), after = the last
// key's id, order asc (the default) or desc. The second key's owner has
// no role field (the contract reads it as "owner").
func (s *Server) openaiAdminKeys(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	keys := s.tenant.AdminKeys
	limit, _ := queryInt(q, "limit", 20)
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, s.maxPage(limit))
	ord := seq(len(keys))
	if q.Get("order") == "desc" {
		slices.Reverse(ord)
	}
	s.openaiIDPage(w, c, q.Get("order"), ord, func(i int) string { return keys[i].ID }, limit,
		func(b []byte, i int) []byte {
			k := &keys[i]
			b = append(b, `{"object":"organization.admin_api_key","id":`...)
			b = appendStr(b, k.ID)
			b = append(b, `,"name":`...)
			b = appendStrOrNull(b, k.Name)
			b = append(b, `,"redacted_value":`...)
			b = appendStr(b, k.Redacted)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, k.Created.Unix())
			b = append(b, `,"expires_at":`...)
			b = appendTimeOrNull(b, k.Expires)
			b = append(b, `,"last_used_at":`...)
			b = appendTimeOrNull(b, k.LastUsed)
			var name string
			var created int64
			if ui, ok := s.ix.byID[k.OwnerID]; ok {
				name = s.ix.users[ui].Name
				created = accountTimes("openai", len(s.ix.users), ui).created.Unix()
			}
			b = append(b, `,"owner":{"type":"user","object":"organization.user","id":`...)
			b = appendStr(b, k.OwnerID)
			b = append(b, `,"name":`...)
			b = appendStr(b, name)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, created)
			if i != 1 {
				b = append(b, `,"role":"owner"`...)
			}
			return append(b, "}}"...)
		})
}

// openaiInvites serves GET /organization/invites: limit 1..100 (default
// 20), after = last_id; invites of every status.
func (s *Server) openaiInvites(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	ivs := s.tenant.Invites
	s.openaiIDPage(w, c, "invites", seq(len(ivs)), func(i int) string { return ivs[i].ID }, s.openaiLimit(q, 20, 100, false),
		func(b []byte, i int) []byte {
			iv := &ivs[i]
			b = append(b, `{"object":"organization.invite","id":`...)
			b = appendStr(b, iv.ID)
			b = append(b, `,"email":`...)
			b = appendStr(b, iv.Email)
			b = append(b, `,"role":`...)
			b = appendStr(b, iv.Role)
			b = append(b, `,"status":`...)
			b = appendStr(b, iv.Status)
			b = append(b, `,"created_at":`...)
			b = appendInt(b, iv.Created.Unix())
			b = append(b, `,"expires_at":`...)
			b = appendTimeOrNull(b, iv.Expires)
			b = append(b, `,"accepted_at":`...)
			b = appendTimeOrNull(b, iv.Accepted)
			b = append(b, `,"projects":[`...)
			for j, ip := range iv.Projects {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"id":`...)
				b = appendStr(b, ip.ID)
				b = append(b, `,"role":`...)
				b = appendStr(b, ip.Role)
				b = append(b, '}')
			}
			return append(b, "]}"...)
		})
}
