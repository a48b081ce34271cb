package providertest

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// This file holds the OpenAI organization's principal graph beyond its
// users: groups, projects (their members, groups, service accounts and API
// keys), admin API keys and invites, and how NewTenant draws them.

// Group is an OpenAI organization group: its members and the organization
// roles it holds. In a tenant NewTenant builds, the groups are consistent
// with the users' grants: a group's Grants are exactly the roles some user
// inherits through it (Grant.Via), its Members are exactly the users
// holding a grant through it, and every member holds every one of its roles
// through it.
type Group struct {
	// ID is the group's id ("group_…").
	ID string
	// Name is the group's display name.
	Name string
	// Type is the group_type, "group" or "tenant_group".
	Type string
	// Created is when the group was created.
	Created time.Time
	// Members are the ids of the users in the group, in user listing
	// order (list-group-users serves them newest first by default: desc).
	Members []string
	// Grants are the organization roles the group holds
	// (list-group-role-assignments). Via is empty: a group's roles are
	// its own.
	Grants []Grant
}

// Project is an OpenAI project: a scope, with its members, the groups
// given access to it, its service accounts and its API keys.
type Project struct {
	// ID is the project's id ("proj_…").
	ID string
	// Name is the project's name.
	Name string
	// Archived hides the project from list-projects unless
	// include_archived=true; its archived_at is Created plus 30 days.
	// Archived projects have members but no service accounts or keys.
	Archived bool
	// Created is when the project was created.
	Created time.Time
	// ExternalKeyID is the project's external_key_id, "" for null. It is
	// a secret-bearing field (Tenant.Secrets).
	ExternalKeyID string
	// Users are the project's members, in listing order.
	Users []ProjectUser
	// Groups are the groups with access to the project, in listing order.
	Groups []ProjectGroup
	// ServiceAccounts are the project's service accounts, in listing order.
	ServiceAccounts []ServiceAccount
	// Keys are the project's enabled API keys, in listing order.
	Keys []APIKey
}

// ProjectUser is an organization user's membership of a project.
type ProjectUser struct {
	// ID is the org user's id (Tenant.Users).
	ID string
	// Role is the legacy project role, "owner" or "member".
	Role string
	// Added is when the user was added to the project (added_at).
	Added time.Time
	// Grants are the user's RBAC project roles (roles of ResourceType
	// "api.project"); Via names the group a role is inherited through.
	Grants []Grant
}

// ProjectGroup is a group's access to a project.
type ProjectGroup struct {
	// GroupID is the id of a Tenant.Groups group.
	GroupID string
	// Added is when the group was given access (created_at).
	Added time.Time
	// Grants are the project roles the group holds in the project. Every
	// member of the group who is a user of the project holds each of them
	// through the group (Grant.Via).
	Grants []Grant
}

// ServiceAccount is a project service account.
type ServiceAccount struct {
	// ID is the service account's id ("svc_acct_…").
	ID string
	// Name is its name.
	Name string
	// Role is its project role: "owner", "member" or "none".
	Role string
	// Created is when it was created.
	Created time.Time
}

// APIKey is an enabled project API key, of a user or of a service account.
type APIKey struct {
	// ID is the key's id ("key_…").
	ID string
	// Name is the key's name.
	Name string
	// Redacted is its redacted_value, a secret-bearing field
	// ("fake-proj-key-SECRET-<n>…", Tenant.Secrets).
	Redacted string
	// Created is when the key was created.
	Created time.Time
	// LastUsed is when it was last used; zero renders null.
	LastUsed time.Time
	// Owner is the user or service account the key belongs to.
	Owner KeyOwner
	// OwnerActive is false for an orphaned key: its owner (a user who
	// left the project) lost access to it. It is listed only with
	// owner_project_access=inactive or any, and reports
	// owner_project_access "inactive".
	OwnerActive bool
}

// KeyOwner is the owner of a project API key.
type KeyOwner struct {
	// Type is "user" or "service_account".
	Type string
	// ID is the org user's id (a project member's, or for an orphaned key
	// a user's who is not a member) or the project service account's.
	ID string
}

// AdminKey is an organization admin API key.
type AdminKey struct {
	// ID is the key's id ("key_…").
	ID string
	// Name is the key's name, "" for null.
	Name string
	// Redacted is its redacted_value, a secret-bearing field
	// ("fake-admin-key-SECRET-<n>…", Tenant.Secrets).
	Redacted string
	// Created is when the key was created.
	Created time.Time
	// LastUsed is when it was last used; zero renders null.
	LastUsed time.Time
	// Expires is when it expires; zero renders null (it never does).
	Expires time.Time
	// OwnerID is the id of the org user owning the key (owner.role is
	// "owner").
	OwnerID string
}

// Invite is an invitation to join the organization.
type Invite struct {
	// ID is the invite's id ("invite-…").
	ID string
	// Email is the invited address.
	Email string
	// Role is the organization role it grants, "owner" or "reader".
	Role string
	// Status is "pending", "accepted" or "expired". Only pending invites
	// grant anything (Rows).
	Status string
	// Created is when it was sent.
	Created time.Time
	// Expires is when it expires.
	Expires time.Time
	// Accepted is when it was accepted; zero renders null.
	Accepted time.Time
	// Projects are the project memberships it grants. An id may name a
	// project the organization no longer lists.
	Projects []InviteProject
}

// InviteProject is a project membership an invite grants.
type InviteProject struct {
	// ID is the project's id.
	ID string
	// Role is "member" or "owner".
	Role string
}

// OpenAIProjectScope is the ResourceType of the OpenAI project roles in a
// tenant's catalogue (list-project-roles); the organization roles have
// OpenAIOrgScope.
const OpenAIProjectScope = "api.project"

// OpenAIShape is the size of an OpenAI tenant NewOpenAITenant builds. A
// zero field takes DefaultOpenAIShape(Users)'s value; a negative one (None)
// asks for none: an organization of users only, say, is
// OpenAIShape{Users: n, Projects: None, Groups: None, AdminKeys: None,
// Invites: None}.
type OpenAIShape struct {
	// Users is the number of organization users.
	Users int
	// Projects is the number of projects, the last of them archived (when
	// there are at least two).
	Projects int
	// ProjectMembers is the number of users in each project (at most
	// Users; a group member may be added to the first project so that it
	// inherits a project role through its group).
	ProjectMembers int
	// Groups is the number of groups.
	Groups int
	// GroupsPerProject is the number of groups given access to each
	// project.
	GroupsPerProject int
	// ServiceAccounts is the number of service accounts of each active
	// project.
	ServiceAccounts int
	// AdminKeys is the number of admin API keys (none without users).
	AdminKeys int
	// Invites is the number of invites, pending, expired and accepted.
	Invites int
}

// None, as a field of OpenAIShape, asks for none of it (a zero field
// takes the default).
const None = -1

// DefaultOpenAIShape is the shape NewTenant("openai", users, seed) builds:
// min(2+users/15, 20) projects of min(users, 2+users/10, 15) members,
// min(2+users/100, 40) groups, two of them (at most) per project, two
// service accounts per active project, three admin keys and min(5+users/50,
// 20) invites.
func DefaultOpenAIShape(users int) OpenAIShape {
	users = max(users, 0)
	groups := min(2+users/100, 40)
	return OpenAIShape{Users: users, Projects: min(2+users/15, 20), ProjectMembers: min(users, 2+users/10, 15),
		Groups: groups, GroupsPerProject: min(groups, 2), ServiceAccounts: 2, AdminKeys: 3, Invites: min(5+users/50, 20)}
}

// NewOpenAITenant builds a deterministic synthetic OpenAI tenant of the
// given shape, as NewTenant does for "openai" (which calls it with
// DefaultOpenAIShape): the same (shape, seed) always yields the same
// tenant. Its users are NewTenant's when the shape's Groups is the
// default's (the group ids are drawn before the users).
func NewOpenAITenant(shape OpenAIShape, seed int64) *Tenant {
	def := DefaultOpenAIShape(shape.Users)
	fill := func(v *int, d int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0 // None
		}
	}
	shape.Users = def.Users
	fill(&shape.Projects, def.Projects)
	fill(&shape.ProjectMembers, def.ProjectMembers)
	fill(&shape.Groups, def.Groups)
	fill(&shape.GroupsPerProject, def.GroupsPerProject)
	fill(&shape.ServiceAccounts, def.ServiceAccounts)
	fill(&shape.AdminKeys, def.AdminKeys)
	fill(&shape.Invites, def.Invites)
	h := fnv.New64a()
	h.Write([]byte("openai"))
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), h.Sum64())), seed: seed, provider: "openai",
		shared: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	t := &Tenant{Provider: "openai"}
	g.openai(t, shape)
	return t
}

var openaiGroupNames = []string{"Engineering", "Support Team", "Sales", "Data Science", "Security", "Finance",
	"Research", "Platform", "Marketing", "Legal"}

var openaiProjectNames = []string{"Default project", "Chatbot", "Search", "Batch jobs", "Evals", "Fine-tuning",
	"Support assistant", "Analytics", "Prototypes", "Billing bot"}

// openaiProjectRoleDefs is the project role catalogue. The custom roles
// carry metadata with a secret-bearing value.
var openaiProjectRoleDefs = []openaiRoleDef{
	{"Project Owner", true, []string{"api.project.write", "api.project.read", "api.project.members.write"}},
	{"Project Member", true, []string{"api.project.read", "api.model.request"}},
	{"Project Viewer", true, []string{"api.project.read"}},
	{"Fine-tune Operator", false, []string{"api.fine_tuning.jobs.write", "api.files.write"}},
	{"Org Key Rotator", false, []string{"api.organization.api_keys.write", "api.project.read"}},
}

// openaiGraph draws the organization's groups, projects, admin keys and
// invites, after the users (so that the users are NewTenant's as before
// the graph existed), and makes the groups consistent with the users'
// grants.
func (g *gen) openaiGraph(t *Tenant, sh OpenAIShape, groupIDs []string) {
	secret := 0
	next := func() int { secret++; return secret }

	// Role metadata: every other custom organization role carries a
	// secret-bearing value.
	custom := 0
	for i := range t.Roles {
		if !t.Roles[i].Builtin {
			if custom%2 == 0 {
				t.Roles[i].Metadata = map[string]string{"secret": fmt.Sprintf("meta-SECRET-%d", next())}
			}
			custom++
		}
	}
	firstProjectRole := len(t.Roles)
	for i, d := range openaiProjectRoleDefs {
		r := Role{ID: "role_01J" + g.id(23, upperAlnum), Name: d.name, Builtin: d.predefined,
			ResourceType: OpenAIProjectScope, Permissions: slices.Clone(d.permissions)}
		if !d.predefined && i%2 == 1 {
			r.Metadata = map[string]string{"secret": fmt.Sprintf("meta-SECRET-%d", next())}
		}
		t.Roles = append(t.Roles, r)
	}
	projectRoles := t.Roles[firstProjectRole:]

	// Groups, consistent with the users' grants.
	for i, id := range groupIDs {
		name := openaiGroupNames[i%len(openaiGroupNames)]
		if i >= len(openaiGroupNames) {
			name = fmt.Sprintf("%s %d", name, i/len(openaiGroupNames)+1)
		}
		typ := "group"
		if i == len(groupIDs)-1 && i > 0 {
			typ = "tenant_group"
		}
		t.Groups = append(t.Groups, Group{ID: id, Name: name, Type: typ,
			Created: epoch.Add(time.Duration(i)*24*time.Hour + 17*time.Minute)})
	}
	consistentGroups(t)
	groupOnlyPrivileged(t)
	members := make(map[string][]int, len(t.Groups)) // group id → member user indexes
	userIx := make(map[string]int, len(t.Users))
	for i, u := range t.Users {
		userIx[u.ID] = i
	}
	for _, gr := range t.Groups {
		for _, m := range gr.Members {
			members[gr.ID] = append(members[gr.ID], userIx[m])
		}
	}

	// Projects.
	n := len(t.Users)
	for p := range sh.Projects {
		name := openaiProjectNames[p%len(openaiProjectNames)]
		if p >= len(openaiProjectNames) {
			name = fmt.Sprintf("%s %d", name, p/len(openaiProjectNames)+1)
		}
		pr := Project{ID: "proj_" + g.id(24, alnum), Name: name, Archived: sh.Projects >= 2 && p == sh.Projects-1,
			Created: epoch.Add(time.Duration(p)*48*time.Hour + 3*time.Minute)}
		if p%2 == 0 {
			pr.ExternalKeyID = fmt.Sprintf("ekey-SECRET-%d", next())
		}
		picked := g.pick(n, min(sh.ProjectMembers, n))
		// Groups with access; the first project's first group is one
		// with members, one of whom is made a project member, so that
		// some user inherits a project role through a group.
		var groups []int
		if len(t.Groups) > 0 {
			groups = g.pick(len(t.Groups), min(sh.GroupsPerProject, len(t.Groups)))
		}
		if p == 0 {
			if k := slices.IndexFunc(t.Groups, func(gr Group) bool { return len(gr.Members) > 0 }); k >= 0 {
				if j := slices.Index(groups, k); j >= 0 {
					groups[0], groups[j] = groups[j], groups[0]
				} else if len(groups) > 0 {
					groups[0] = k
				} else {
					groups = []int{k}
				}
				if !slices.ContainsFunc(members[t.Groups[k].ID], func(ui int) bool { return slices.Contains(picked, ui) }) {
					picked = append(picked, members[t.Groups[k].ID][0])
				}
			}
		}
		slices.Sort(picked)
		for j, ui := range picked {
			pu := ProjectUser{ID: t.Users[ui].ID, Role: "member", Added: pr.Created.Add(time.Duration(j+1) * time.Hour)}
			if j == 0 || g.r.IntN(6) == 0 {
				pu.Role = "owner"
			}
			if g.r.IntN(20) < 7 {
				pu.Grants = append(pu.Grants, Grant{RoleID: projectRoles[g.r.IntN(len(projectRoles))].ID})
			}
			pr.Users = append(pr.Users, pu)
		}
		for j, gi := range groups {
			pg := ProjectGroup{GroupID: t.Groups[gi].ID, Added: pr.Created.Add(time.Duration(j+1)*time.Hour + 30*time.Minute)}
			pg.Grants = []Grant{{RoleID: projectRoles[g.r.IntN(len(projectRoles))].ID}}
			pr.Groups = append(pr.Groups, pg)
		}
		if !pr.Archived {
			for j := range sh.ServiceAccounts {
				sa := ServiceAccount{ID: "svc_acct_" + g.id(24, alnum), Name: fmt.Sprintf("%s bot %d", strings.ToLower(name), j+1),
					Role:    []string{"owner", "member", "member", "none"}[g.r.IntN(4)],
					Created: pr.Created.Add(time.Duration(j+1) * 90 * time.Minute)}
				if p == 0 && j < 2 {
					sa.Role = []string{"owner", "none"}[j] // one owner, one with no role
				}
				pr.ServiceAccounts = append(pr.ServiceAccounts, sa)
			}
			g.projectKeys(&pr, t, picked, next)
		}
		t.Projects = append(t.Projects, pr)
	}
	consistentProjectGroups(t)

	// Admin keys, owned by organization owners.
	var owners []string
	for _, u := range t.Users {
		if u.OrgRole == "owner" {
			owners = append(owners, u.ID)
		}
	}
	for k := range sh.AdminKeys {
		if len(owners) == 0 {
			break
		}
		ak := AdminKey{ID: "key_" + g.id(16, alnum), Name: fmt.Sprintf("Admin key %d", k+1),
			Created: epoch.Add(time.Duration(k)*72*time.Hour + 11*time.Minute), OwnerID: owners[k%len(owners)]}
		ak.Redacted = fmt.Sprintf("fake-admin-key-SECRET-%d...%s", next(), ak.ID[len(ak.ID)-4:])
		switch k {
		case 0: // never expires, used recently
			ak.LastUsed = recent(k + 3)
		case 1: // expires, never used
			ak.Expires = AsOf.Add(90 * 24 * time.Hour)
		default:
			ak.Expires = AsOf.Add(time.Duration(30+k) * 24 * time.Hour)
			ak.LastUsed = recent(k + 3)
		}
		if k == 2 {
			ak.Name = "" // a null name
		}
		t.AdminKeys = append(t.AdminKeys, ak)
	}

	// Invites: a pending owner invite with a project role, an expired one,
	// an accepted one (to an existing user), one naming a project the
	// organization no longer lists, then pending readers.
	active := slices.IndexFunc(t.Projects, func(p Project) bool { return !p.Archived })
	for k := range sh.Invites {
		iv := Invite{ID: "invite-" + g.id(20, alnum), Email: fmt.Sprintf("invitee%d@%s", k, domains[k%len(domains)]),
			Role: "reader", Status: "pending", Created: AsOf.Add(-time.Duration(3+k%4) * 24 * time.Hour)}
		iv.Expires = iv.Created.Add(7 * 24 * time.Hour)
		switch k {
		case 0:
			iv.Role = "owner"
			if active >= 0 {
				iv.Projects = []InviteProject{{ID: t.Projects[active].ID, Role: "member"}}
			}
		case 1:
			iv.Status = "expired"
			iv.Created = AsOf.Add(-40 * 24 * time.Hour)
			iv.Expires = iv.Created.Add(7 * 24 * time.Hour)
			if active >= 0 {
				iv.Projects = []InviteProject{{ID: t.Projects[active].ID, Role: "owner"}}
			}
		case 2:
			iv.Status = "accepted"
			iv.Created = AsOf.Add(-60 * 24 * time.Hour)
			iv.Expires = iv.Created.Add(7 * 24 * time.Hour)
			iv.Accepted = iv.Created.Add(26 * time.Hour)
			if n > 1 && t.Users[1].Email != "" {
				iv.Email = t.Users[1].Email
			}
		case 3:
			iv.Projects = []InviteProject{{ID: "proj_" + g.id(24, alnum), Role: "owner"}} // a deleted project
		default:
			if k%3 == 1 {
				iv.Email = strings.ToUpper(iv.Email[:1]) + iv.Email[1:]
			}
			if len(t.Projects) > 0 && g.r.IntN(2) == 0 {
				iv.Projects = []InviteProject{{ID: t.Projects[g.r.IntN(len(t.Projects))].ID, Role: "member"}}
			}
		}
		t.Invites = append(t.Invites, iv)
	}
}

// projectKeys draws the keys of an active project: about one member in
// three and every service account hold one, and one key belongs to an
// organization user who is not a member (an orphaned key).
func (g *gen) projectKeys(pr *Project, t *Tenant, picked []int, next func() int) {
	key := func(name string, owner KeyOwner, active bool, k int) APIKey {
		id := "key_" + g.id(16, alnum)
		ak := APIKey{ID: id, Name: name, Owner: owner, OwnerActive: active,
			Created:  pr.Created.Add(time.Duration(k+2) * 2 * time.Hour),
			Redacted: fmt.Sprintf("fake-proj-key-SECRET-%d...%s", next(), id[len(id)-4:])}
		if g.r.IntN(4) != 0 {
			ak.LastUsed = recent(k + len(pr.Keys))
		}
		return ak
	}
	k := 0
	for j, pu := range pr.Users {
		if j == 0 || g.r.IntN(3) == 0 {
			pr.Keys = append(pr.Keys, key(fmt.Sprintf("user key %d", j+1), KeyOwner{Type: "user", ID: pu.ID}, true, k))
			k++
		}
	}
	for _, sa := range pr.ServiceAccounts {
		pr.Keys = append(pr.Keys, key(sa.Name+" key", KeyOwner{Type: "service_account", ID: sa.ID}, true, k))
		k++
	}
	for i := len(t.Users) - 1; i >= 0; i-- {
		if !slices.Contains(picked, i) {
			pr.Keys = append(pr.Keys, key("left-over key", KeyOwner{Type: "user", ID: t.Users[i].ID}, false, k))
			break
		}
	}
}

// consistentGroups fills each group's Members and Grants from the users'
// grants and adds, to every member, every role of the group through it:
// a grant of the role gains the group as a source, or a new grant is
// appended. One pass suffices: neither change adds a member or a role.
func consistentGroups(t *Tenant) {
	at := make(map[string]int, len(t.Groups))
	for i := range t.Groups {
		at[t.Groups[i].ID] = i
	}
	for _, u := range t.Users {
		for _, gr := range u.Grants {
			for _, src := range gr.Via {
				i, ok := at[src.ID]
				if src.Type != "group" || !ok {
					continue
				}
				grp := &t.Groups[i]
				if !slices.Contains(grp.Members, u.ID) {
					grp.Members = append(grp.Members, u.ID)
				}
				if !slices.ContainsFunc(grp.Grants, func(x Grant) bool { return x.RoleID == gr.RoleID }) {
					grp.Grants = append(grp.Grants, Grant{RoleID: gr.RoleID})
				}
			}
		}
	}
	for i := range t.Users {
		u := &t.Users[i]
		for _, grp := range t.Groups {
			if !slices.Contains(grp.Members, u.ID) {
				continue
			}
			for _, role := range grp.Grants {
				u.Grants = inherit(u.Grants, role.RoleID, "", grp.ID)
			}
		}
	}
	// Members in user listing order.
	order := make(map[string]int, len(t.Users))
	for i, u := range t.Users {
		order[u.ID] = i
	}
	for i := range t.Groups {
		slices.SortFunc(t.Groups[i].Members, func(a, b string) int { return order[a] - order[b] })
	}
}

// orgPrivileged reports whether an organization role is privileged by the
// default rule: a permission that writes organization settings.
func orgPrivileged(r *Role) bool {
	return r.ResourceType == OpenAIOrgScope && slices.ContainsFunc(r.Permissions, func(p string) bool {
		return strings.HasPrefix(p, "api.organization.") && strings.HasSuffix(p, ".write")
	})
}

// groupOnlyPrivileged makes sure some user holds a privileged organization
// role only through a group (a review's privileged-via-group case): when
// no user does, the first group with a member gets the first privileged
// role that one of its members would hold only through it (alsoDirect
// false; else the first such user joins it), and every member inherits it.
// A tenant that has the case is left as it is.
func groupOnlyPrivileged(t *Tenant) {
	for _, u := range t.Users {
		for _, gr := range u.Grants {
			if r := t.Role(gr.RoleID); r != nil && len(gr.Via) > 0 && orgPrivileged(r) && !alsoDirect(u.ID, r.ID) {
				return
			}
		}
	}
	if len(t.Groups) == 0 {
		return
	}
	ri := slices.IndexFunc(t.Roles, func(r Role) bool { return orgPrivileged(&r) })
	if ri < 0 {
		return
	}
	r, grp := &t.Roles[ri], &t.Groups[0]
	if !slices.ContainsFunc(grp.Members, func(id string) bool { return !alsoDirect(id, r.ID) }) {
		// No member would hold it through the group alone: the first user
		// who would joins the group (and so holds its roles).
		ui := slices.IndexFunc(t.Users, func(u User) bool { return !alsoDirect(u.ID, r.ID) })
		if ui < 0 {
			return
		}
		grp.Members = append(grp.Members, t.Users[ui].ID)
		order := make(map[string]int, len(t.Users))
		for i, u := range t.Users {
			order[u.ID] = i
		}
		slices.SortFunc(grp.Members, func(a, b string) int { return order[a] - order[b] })
	}
	if !slices.ContainsFunc(grp.Grants, func(g Grant) bool { return g.RoleID == r.ID }) {
		grp.Grants = append(grp.Grants, Grant{RoleID: r.ID})
	}
	for ui := range t.Users {
		if slices.Contains(grp.Members, t.Users[ui].ID) {
			for _, gr := range grp.Grants {
				t.Users[ui].Grants = inherit(t.Users[ui].Grants, gr.RoleID, "", grp.ID)
			}
		}
	}
}

// consistentProjectGroups gives every project user who is a member of a
// group with access to the project each of the group's project roles
// through it.
func consistentProjectGroups(t *Tenant) {
	for pi := range t.Projects {
		pr := &t.Projects[pi]
		for _, pg := range pr.Groups {
			grp := t.Group(pg.GroupID)
			if grp == nil {
				continue
			}
			for ui := range pr.Users {
				pu := &pr.Users[ui]
				if !slices.Contains(grp.Members, pu.ID) {
					continue
				}
				for _, role := range pg.Grants {
					pu.Grants = inherit(pu.Grants, role.RoleID, "", grp.ID)
				}
			}
		}
	}
}

// inherit makes grants hold role (in scope) through group gid: the grant
// of the role gains the group as a source, or a new grant is appended.
func inherit(grants []Grant, role, scope, gid string) []Grant {
	src := Source{Type: "group", ID: gid}
	for i := range grants {
		if grants[i].RoleID == role && grants[i].Scope == scope {
			if !slices.Contains(grants[i].Via, src) {
				grants[i].Via = append(grants[i].Via, src)
			}
			return grants
		}
	}
	return append(grants, Grant{RoleID: role, Scope: scope, Via: []Source{src}})
}

// Group returns the group with the given id, or nil.
func (t *Tenant) Group(id string) *Group {
	for i := range t.Groups {
		if t.Groups[i].ID == id {
			return &t.Groups[i]
		}
	}
	return nil
}

// Project returns the project with the given id, or nil.
func (t *Tenant) Project(id string) *Project {
	for i := range t.Projects {
		if t.Projects[i].ID == id {
			return &t.Projects[i]
		}
	}
	return nil
}

// User returns the user with the given id, or nil.
func (t *Tenant) User(id string) *User {
	for i := range t.Users {
		if t.Users[i].ID == id {
			return &t.Users[i]
		}
	}
	return nil
}

// Secrets returns every secret-bearing value the server can send for the
// tenant: the project and admin keys' redacted values, the projects'
// external key ids and the values of the roles' metadata (OpenAI); the API
// keys' secret_key and the app clients' client_secret (Vectara); the API
// keys' last4 (Cortex); the Logto applications' legacy secrets and
// customData notes. A client must
// never let one reach a record, report, log or error.
func (t *Tenant) Secrets() []string {
	var out []string
	for _, r := range t.Roles {
		for _, k := range sortedKeys(r.Metadata) {
			out = append(out, r.Metadata[k])
		}
	}
	for _, p := range t.Projects {
		if p.ExternalKeyID != "" {
			out = append(out, p.ExternalKeyID)
		}
		for _, k := range p.Keys {
			out = append(out, k.Redacted)
		}
	}
	for _, k := range t.AdminKeys {
		out = append(out, k.Redacted)
	}
	out = append(append(out, t.vectaraSecrets()...), t.cortexSecrets()...) // Vectara key and client secrets; Cortex keys' last4
	return append(out, t.logtoSecrets()...)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
