package providertest

import (
	"cmp"
	"hash/fnv"
	"io"
	"slices"
	"strings"
)

// The oracle of the OpenAI principal graph: the rows of the mapping
// contract (issue 22) beyond the users' own, and their account fields.

// openaiScopeKinds maps a role's resource_type to its scope kind.
var openaiScopeKinds = map[string]string{OpenAIOrgScope: "organization", OpenAIProjectScope: "project"}

// openaiRoleRow fills r (its principal, email and names already set) for
// an RBAC role assignment: role, kind, permissions, the scope (resource_type
// unless r's scope is set already), and how it is held: through a group
// when via names one (unless it is also held directly: alsoDirect), else
// directly.
func openaiRoleRow(r Row, role *Role, resourceType string, via []Source) Row {
	r.RoleID, r.RoleName, r.RoleKind = role.ID, role.Name, KindCustom
	if role.Builtin {
		r.RoleKind = KindBuiltin
	}
	if r.ScopeKind == "" {
		r.Scope, r.ScopeKind = resourceType, openaiScopeKinds[resourceType]
	}
	r.Permissions = slices.Clone(role.Permissions)
	r.Held, r.Via = "direct", ""
	if len(via) > 0 {
		names := make([]string, len(via))
		for i, s := range via {
			names[i] = s.Type + "/" + s.ID
		}
		r.Held, r.Via = "group", strings.Join(names, ",")
		if alsoDirect(r.UserID, role.ID) {
			r.Held = "direct" // also held directly: taking the group away leaves it
		}
	}
	return r
}

// selfHash is the hash that decides how the fake renders the
// assignment_sources of principal pid's grant of a role: a pure function
// of the two, so that the server and the oracle agree.
func selfHash(pid, roleID string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, pid)
	h.Write([]byte{0})
	io.WriteString(h, roleID)
	return mix(h.Sum64())
}

// alsoDirect reports whether principal pid holds an inherited grant of a
// role directly too: the fake then names pid itself among its
// assignment_sources, beside the groups.
func alsoDirect(pid, roleID string) bool { return selfHash(pid, roleID)%2 == 0 }

// legacyRow fills r for a single-role field (role_id = role_name = role,
// builtin) in scope.
func legacyRow(r Row, role, held string) Row {
	r.RoleID, r.RoleName, r.RoleKind, r.Held = role, role, KindBuiltin, held
	return r
}

// inProject sets r's scope to project p (whose name may be "").
func inProject(r Row, id, name string) Row {
	r.Scope, r.ScopeKind, r.ScopeID, r.ScopeName = "project/"+id, "project", id, name
	return r
}

// openaiGraphRows returns the rows of the contract's rows 3–12: group
// memberships and roles, project members and their roles, project group
// roles, service accounts, project keys (orphaned ones included), admin
// keys and pending invites. Unsorted.
func (t *Tenant) openaiGraphRows(roles map[string]*Role) []Row {
	users := make(map[string]*User, len(t.Users))
	for i := range t.Users {
		users[t.Users[i].ID] = &t.Users[i]
	}
	role := func(id string) *Role {
		if r := roles[id]; r != nil {
			return r
		}
		return &Role{ID: id, Name: id}
	}
	person := func(id string) Row {
		r := Row{Provider: "openai", Principal: "user", UserID: id}
		if u := users[id]; u != nil {
			r.Email, r.Name = u.Email, u.Name
		}
		return r
	}
	groupName := func(id string) string {
		if g := t.Group(id); g != nil {
			return g.Name
		}
		return ""
	}
	var rows []Row
	for _, g := range t.Groups {
		for _, m := range g.Members { // row 3
			r := person(m)
			r.Scope, r.ScopeKind, r.ScopeID, r.ScopeName = "group/"+g.ID, "group", g.ID, g.Name
			rows = append(rows, legacyRow(r, "member", "direct"))
		}
		for _, gr := range g.Grants { // row 4
			base := Row{Provider: "openai", Principal: "group", UserID: g.ID, Name: g.Name}
			rr := role(gr.RoleID)
			rows = append(rows, openaiRoleRow(base, rr, rr.ResourceType, gr.Via))
		}
	}
	projectNames := make(map[string]string, len(t.Projects))
	for _, p := range t.Projects {
		projectNames[p.ID] = p.Name
		for _, pu := range p.Users {
			base := inProject(person(pu.ID), p.ID, p.Name)
			rows = append(rows, legacyRow(base, pu.Role, "legacy")) // row 5
			for _, gr := range pu.Grants {                          // row 6
				rows = append(rows, openaiRoleRow(base, role(gr.RoleID), "", gr.Via))
			}
		}
		for _, pg := range p.Groups { // row 7
			base := inProject(Row{Provider: "openai", Principal: "group", UserID: pg.GroupID, Name: groupName(pg.GroupID)}, p.ID, p.Name)
			for _, gr := range pg.Grants {
				rows = append(rows, openaiRoleRow(base, role(gr.RoleID), "", gr.Via))
			}
		}
		for _, sa := range p.ServiceAccounts { // row 8
			r := inProject(Row{Provider: "openai", Principal: "service_account", UserID: sa.ID, Name: sa.Name}, p.ID, p.Name)
			rows = append(rows, legacyRow(r, sa.Role, "legacy"))
		}
		for i := range p.Keys { // row 9
			k := &p.Keys[i]
			r := inProject(Row{Provider: "openai", Principal: "api_key", UserID: k.ID, Name: k.Name}, p.ID, p.Name)
			r.OwnerKind, r.OwnerID, r.Via = k.Owner.Type, k.Owner.ID, k.Owner.Type+"/"+k.Owner.ID
			if k.Owner.Type == "service_account" {
				if j := slices.IndexFunc(p.ServiceAccounts, func(sa ServiceAccount) bool { return sa.ID == k.Owner.ID }); j >= 0 {
					r.OwnerName = p.ServiceAccounts[j].Name
				}
			} else if u := users[k.Owner.ID]; u != nil {
				r.OwnerName = u.Name
			}
			rows = append(rows, legacyRow(r, cmp.Or(keyOwnerRole(&p, k), "none"), "owner"))
		}
	}
	for _, k := range t.AdminKeys { // row 10
		r := Row{Provider: "openai", Principal: "api_key", UserID: k.ID, Name: k.Name, Scope: OpenAIOrgScope,
			ScopeKind: "organization", OwnerKind: "user", OwnerID: k.OwnerID, Via: "user/" + k.OwnerID}
		if u := users[k.OwnerID]; u != nil {
			r.OwnerName = u.Name
		}
		rows = append(rows, legacyRow(r, "owner", "owner"))
	}
	for _, iv := range t.Invites {
		if iv.Status != "pending" {
			continue // accepted invites are users now; expired ones grant nothing
		}
		base := Row{Provider: "openai", Principal: "invitation", UserID: iv.ID, Email: iv.Email}
		org := base
		org.Scope, org.ScopeKind = OpenAIOrgScope, "organization"
		rows = append(rows, legacyRow(org, iv.Role, "legacy")) // row 11
		for _, ip := range iv.Projects {                       // row 12
			rows = append(rows, legacyRow(inProject(base, ip.ID, projectNames[ip.ID]), ip.Role, "legacy"))
		}
	}
	return rows
}

// openaiAccount returns the account fields of an OpenAI graph row (rows
// 3–12 of the contract), and false for a user's own rows (1 and 2).
func (t *Tenant) openaiAccount(r *Row) (Account, bool) {
	project := func() *Project { return t.Project(r.ScopeID) }
	switch r.Principal {
	case "", "user":
		switch r.ScopeKind {
		case "group":
			return Account{}, true
		case "project":
			if p := project(); p != nil {
				if j := slices.IndexFunc(p.Users, func(pu ProjectUser) bool { return pu.ID == r.UserID }); j >= 0 {
					return Account{Created: p.Users[j].Added}, true
				}
			}
			return Account{}, true
		}
		return Account{}, false
	case "group":
		if r.ScopeKind == "project" {
			if p := project(); p != nil {
				if j := slices.IndexFunc(p.Groups, func(pg ProjectGroup) bool { return pg.GroupID == r.UserID }); j >= 0 {
					return Account{Created: p.Groups[j].Added}, true
				}
			}
		} else if g := t.Group(r.UserID); g != nil {
			return Account{Created: g.Created}, true
		}
	case "service_account":
		if p := project(); p != nil {
			if j := slices.IndexFunc(p.ServiceAccounts, func(sa ServiceAccount) bool { return sa.ID == r.UserID }); j >= 0 {
				return Account{Created: p.ServiceAccounts[j].Created, AccountType: "service"}, true
			}
		}
	case "api_key":
		if r.ScopeKind == "project" {
			if p := project(); p != nil {
				if j := slices.IndexFunc(p.Keys, func(k APIKey) bool { return k.ID == r.UserID }); j >= 0 {
					k := &p.Keys[j]
					a := Account{Created: k.Created, LastActivity: k.LastUsed, Status: "active"}
					if !k.OwnerActive {
						a.Status = "orphaned"
					}
					return a, true
				}
			}
		} else if j := slices.IndexFunc(t.AdminKeys, func(k AdminKey) bool { return k.ID == r.UserID }); j >= 0 {
			k := &t.AdminKeys[j]
			return Account{Created: k.Created, LastActivity: k.LastUsed, Expires: k.Expires, Status: "active"}, true
		}
	case "invitation":
		if j := slices.IndexFunc(t.Invites, func(iv Invite) bool { return iv.ID == r.UserID }); j >= 0 {
			return Account{Created: t.Invites[j].Created, Expires: t.Invites[j].Expires}, true
		}
	}
	return Account{}, true
}
