package providertest

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Tenant is the synthetic data one fake provider serves: its users, the roles
// they may hold, and who holds what. NewTenant builds a realistic one from a
// seed; tests may also build or edit one by hand before passing it to
// NewServer (and must not change it afterwards).
//
// Users are kept in the provider's own listing order (for Logto, newest
// first).
type Tenant struct {
	// Provider is one of "cortex", "openai", "vectara" or "logto".
	Provider string
	// Users are the tenant's users, in listing order.
	Users []User
	// Roles is the role catalogue. For Vectara it lists every role value the
	// tenant uses (API, corpus and agent roles share one namespace here).
	// For OpenAI it holds the organization roles (ResourceType
	// OpenAIOrgScope, list-roles) and the project roles (OpenAIProjectScope,
	// list-project-roles).
	Roles []Role

	// The OpenAI organization's principal graph beyond its users (see
	// openai_tenant.go); nil for the other providers.
	Groups    []Group    // groups, in listing order
	Projects  []Project  // projects, archived ones included, in listing order
	AdminKeys []AdminKey // admin API keys, in listing order
	Invites   []Invite   // invites of every status, in listing order

	// The Vectara account's access graph beyond its users (see
	// vectara_tenant.go); nil for the other providers.
	VectaraCorpora []VectaraCorpus // corpora, in listing order
	VectaraAgents  []VectaraAgent  // agents, in listing order
	VectaraKeys    []VectaraKey    // API keys, in listing order
	VectaraApps    []VectaraApp    // app clients, in listing order
	// CortexKeys are the Cortex workspace's API keys, in listing order
	// (see cortex_graph.go); nil for the other providers.
	CortexKeys []CortexKey
	// The Logto tenant's principal graph beyond its users and tenant roles
	// (see logto_tenant.go); nil for the other providers.
	Organizations  []LogtoOrganization // organizations, in listing order
	OrgRoles       []Role              // the organization role template (Machine: type MachineToMachine)
	Applications   []LogtoApplication  // machine-to-machine applications, in listing order
	OrgInvitations []LogtoInvitation   // organization invitations of every status
}

// User is one user of a tenant and the roles they hold.
//
// An empty Email, Name or Username is rendered as JSON null where the
// provider's schema allows null (OpenAI name and email, Logto primaryEmail,
// name and username), and mapped to "" in Rows, as the report contract says.
type User struct {
	// ID is the provider's user id. For Cortex, whose API has no user id, it
	// is the email address.
	ID string
	// Email is the user's (primary) email address, possibly mixed-case.
	Email string
	// Name is the display name (Cortex, OpenAI, Logto).
	Name string
	// Username is the login name (Vectara, Logto).
	Username string
	// Disabled is true for a disabled Vectara user (enabled=false) or a
	// suspended Logto user (isSuspended=true).
	Disabled bool
	// OrgRole is the OpenAI organization role, "owner" or "reader".
	OrgRole string
	// Banned is an OpenAI user whose account is banned (the nested user
	// object's banned). Disabled, for OpenAI, renders enabled=false there.
	Banned bool
	// Service is an OpenAI service account (is_service_account).
	Service bool
	// LastActive is the user's last activity: OpenAI api_key_last_used_at,
	// Logto lastSignInAt, Cortex lastActive (listUsers); the zero time
	// renders null. Vectara reports none.
	LastActive time.Time
	// Grants are the roles the user holds, in the order the provider lists
	// them.
	Grants []Grant
}

// Grant is one role held by a user.
type Grant struct {
	// RoleID is the id of a Role in the tenant's catalogue (for Vectara the
	// role value, for Cortex BASIC roles the role name, for Cortex CUSTOM
	// roles the tag).
	RoleID string
	// Scope is where the grant applies. Vectara: "" for an API role,
	// "corpus/<corpus_key>" or "agent/<agent_key>". Empty elsewhere.
	Scope string
	// Via lists the principals other than the user through which an OpenAI
	// role is inherited (OpenAI's assignment_sources). Empty for a direct
	// assignment.
	Via []Source
}

// Source is a principal through which an OpenAI role assignment is inherited.
type Source struct {
	// Type is the principal type, e.g. "group".
	Type string
	// ID is the principal's id.
	ID string
}

// Role is one role of a tenant's catalogue.
type Role struct {
	// ID is the role's id (see Grant.RoleID).
	ID string
	// Name is the role's display name.
	Name string
	// Builtin is true for a role the provider defines (Cortex BASIC, OpenAI
	// predefined, every Vectara role).
	Builtin bool
	// ResourceType is the OpenAI resource type, e.g. "api.organization".
	ResourceType string
	// Permissions are the OpenAI role's permissions.
	Permissions []string
	// Machine marks a Logto MachineToMachine role. Its members are not user
	// assignments and never appear in Rows.
	Machine bool
	// Metadata is an OpenAI custom role's metadata (rendered in its role
	// assignments); its values are secret-bearing (Tenant.Secrets).
	Metadata map[string]string
	// Scopes are a Logto role's API resource scopes (GET
	// /api/roles/{id}/scopes), which a listing reports as the role's
	// permissions (LogtoScope.Permission).
	Scopes []LogtoScope
}

// Row is one line of the access report: one principal holding one role
// in one scope. It is the oracle a correct client's output is compared
// with; its fields mirror the report contract (provider, user_id, email,
// name, username, disabled, role_id, role_name, role_kind, scope,
// permissions, via, and the model's principal_kind, owner_*, scope_kind,
// scope_id, scope_name, held). For a principal other than a user, UserID,
// Email and Name are its id, address and display name (a key's id and
// name, an invitation's address).
type Row struct {
	Provider    string   // "cortex", "openai", "vectara" or "logto"
	UserID      string   // the principal's id (Cortex: the email)
	Email       string   // "" when null
	Name        string   // "" for Vectara and when null
	Username    string   // Vectara and Logto only; "" when null
	Disabled    bool     // Vectara !enabled, Logto isSuspended, OpenAI banned or disabled
	RoleID      string   // see the mapping in Tenant.Rows
	RoleName    string   // see the mapping in Tenant.Rows
	RoleKind    string   // KindBuiltin or KindCustom
	Scope       string   // Vectara corpus/<key> or agent/<key>; OpenAI the resource type, project/<id> or group/<id>
	Permissions []string // OpenAI only; nil elsewhere
	Via         string   // OpenAI inherited sources, or a key's owner, as "<type>/<id>", comma-joined

	Principal string // "user", "service_account", "api_key", "application", "group", "invitation"
	OwnerKind string // a key's owner: "user" or "service_account"; "" otherwise
	OwnerID   string // the owner's id
	OwnerName string // the owner's display name
	ScopeKind string // "organization", "project", "group", "account", "corpus", "agent", "tenant", "logto_organization", "workspace"
	ScopeID   string // the project, group, corpus or agent id; "" for the tenant itself
	ScopeName string // the project's, group's, corpus's or agent's name; "" elsewhere
	Held      string // "direct", "group", "legacy" or "owner"
}

// Role kinds of a Row.
const (
	KindBuiltin = "builtin"
	KindCustom  = "custom"
)

// OpenAIOrgScope is the scope of the Row that reports an OpenAI user's
// organization role.
const OpenAIOrgScope = "api.organization"

// Rows returns exactly the assignments a correct client must list for the
// tenant, each once, sorted by (UserID, RoleID, Scope, Principal); nil when
// there are none. It applies the report contract's mapping independently
// of any client code:
//
//   - Cortex: user_id = email; BASIC roles have role_id = role_name = the
//     role, builtin; CUSTOM roles role_id = tag, role_name = name, custom.
//     Scope kind workspace, held direct. Then one row per role of each API
//     key (cortexKeyRows).
//   - OpenAI: the rows of the mapping contract (docs: the graph contract of
//     issue 22, rows 1–12): per user one builtin legacy row for the
//     organization role (role_id = role_name = OrgRole, scope
//     "api.organization"), plus one per role: role id and name, builtin iff
//     predefined, scope = resource_type, permissions, via = the Via sources
//     as "<type>/<id>" comma-joined, held group when there are some, else
//     direct; then the groups' memberships and roles, the projects' members,
//     member roles, group roles, service accounts and keys, the admin keys
//     and the pending invites (openaiGraphRows).
//   - Vectara: role_id = role_name = the role value, builtin, scope "" for
//     API roles (scope kind account), "corpus/<key>" or "agent/<key>"
//     (scope kind corpus or agent, scope id the key, scope name the listed
//     corpus's or agent's name); name "", disabled = !enabled; held
//     direct. Then the API keys' and app clients' rows (vectaraGraphRows).
//   - Logto: role id and name, custom, only roles of type User; disabled =
//     isSuspended; scope kind tenant, held direct; the role's scopes as its
//     permissions ("<indicator>#<name>"); then the organizations' members,
//     the applications' tenant and organization roles and the pending
//     invitations (logtoGraphRows).
func (t *Tenant) Rows() []Row {
	roles := make(map[string]*Role, len(t.Roles))
	for i := range t.Roles {
		roles[t.Roles[i].ID] = &t.Roles[i]
	}
	// Sort the users, then each user's few rows: no global sort of the
	// (large) rows, except for OpenAI's graph.
	order := make([]int, len(t.Users))
	n := 0
	for i := range order {
		order[i] = i
		n += len(t.Users[i].Grants) + 1
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(t.Users[a].ID, t.Users[b].ID) })
	rows := make([]Row, 0, n)
	var scopeNames map[string]string
	if t.Provider == "vectara" {
		scopeNames = t.vectaraScopeNames()
	}
	for _, ui := range order {
		u := &t.Users[ui]
		first := len(rows)
		base := Row{Provider: t.Provider, UserID: u.ID, Email: u.Email, Principal: "user", Held: "direct"}
		switch t.Provider {
		case "cortex":
			base.Name, base.ScopeKind = u.Name, "workspace"
		case "openai":
			base.Name, base.Disabled = u.Name, u.Disabled || u.Banned
		case "vectara":
			base.Username = u.Username
			base.Disabled = u.Disabled
		case "logto":
			base.Name, base.Username, base.Disabled, base.ScopeKind = u.Name, u.Username, u.Disabled, "tenant"
		}
		if t.Provider == "openai" && u.OrgRole != "" {
			r := base
			r.RoleID, r.RoleName, r.RoleKind, r.Scope = u.OrgRole, u.OrgRole, KindBuiltin, OpenAIOrgScope
			r.ScopeKind, r.Held = "organization", "legacy"
			rows = append(rows, r)
		}
		for _, g := range u.Grants {
			role := roles[g.RoleID]
			if role == nil {
				role = &Role{ID: g.RoleID, Name: g.RoleID}
			}
			r := base
			r.RoleID, r.RoleName, r.Scope = role.ID, role.Name, g.Scope
			r.RoleKind = KindCustom
			if role.Builtin {
				r.RoleKind = KindBuiltin
			}
			switch t.Provider {
			case "openai":
				r = openaiRoleRow(r, role, role.ResourceType, g.Via)
			case "vectara":
				r.RoleKind = KindBuiltin
				r.ScopeKind = "account"
				if kind, id, ok := strings.Cut(g.Scope, "/"); ok {
					r.ScopeKind, r.ScopeID, r.ScopeName = kind, id, scopeNames[g.Scope]
				}
			case "logto":
				if role.Machine {
					continue
				}
				r.RoleKind = KindCustom
				r.Permissions = logtoPermissions(role)
			}
			rows = append(rows, r)
		}
		mine := rows[first:]
		slices.SortFunc(mine, func(a, b Row) int {
			return cmp.Or(cmp.Compare(a.RoleID, b.RoleID), cmp.Compare(a.Scope, b.Scope))
		})
	}
	if t.Provider == "logto" {
		if more := t.logtoGraphRows(roles); len(more) > 0 {
			rows = append(rows, more...)
			slices.SortFunc(rows, compareRows)
		}
	}
	if t.Provider == "openai" {
		if more := t.openaiGraphRows(roles); len(more) > 0 {
			rows = append(rows, more...)
			slices.SortFunc(rows, compareRows)
		}
	}
	if t.Provider == "vectara" {
		if more := t.vectaraGraphRows(scopeNames); len(more) > 0 {
			rows = append(rows, more...)
			slices.SortFunc(rows, compareRows)
		}
	}
	if t.Provider == "cortex" && len(t.CortexKeys) > 0 {
		rows = append(rows, t.cortexKeyRows()...)
		slices.SortFunc(rows, compareRows)
	}
	if len(rows) == 0 {
		return nil
	}
	return rows
}

// compareRows orders rows by (UserID, RoleID, Scope, Principal): the order
// of Rows.
func compareRows(a, b Row) int {
	return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.RoleID, b.RoleID), cmp.Compare(a.Scope, b.Scope),
		cmp.Compare(a.Principal, b.Principal))
}

// RowsOf returns the rows of Rows whose principal is one of kinds ("user",
// "service_account", "api_key", "application", "group", "invitation"), as a listing
// restricted to those principal kinds yields them; nil when there are
// none.
func (t *Tenant) RowsOf(kinds ...string) []Row {
	var out []Row
	for _, r := range t.Rows() {
		if slices.Contains(kinds, r.Principal) {
			out = append(out, r)
		}
	}
	return out
}

// Account is what a provider reports of a user's account, as a correct
// client maps it (the facade's mapping table): the zero value where the
// provider says nothing.
type Account struct {
	Status       string    // "active", "disabled", "suspended"
	AccountType  string    // "human", "service"
	Created      time.Time // Cortex: the join date (listUsers), a key's createdDate
	Updated      time.Time // Vectara and Logto only
	LastActivity time.Time // OpenAI, Logto and Cortex users only
	Expires      time.Time // OpenAI admin keys and invitations only
}

// times are a user's creation and update times as the fake serves them,
// derived from its position so that responses are deterministic.
type times struct{ created, updated time.Time }

// accountTimes are the times of user i of n in provider's listing order.
func accountTimes(provider string, n, i int) times {
	switch provider {
	case "openai":
		return times{created: epoch.Add(time.Duration(i) * time.Hour)}
	case "vectara":
		c := epoch.Add(time.Duration(i) * time.Hour)
		return times{created: c, updated: c.Add(36*time.Hour + 250*time.Millisecond)}
	case "logto": // newest first
		c := epoch.Add(time.Duration(n-i) * time.Hour)
		return times{created: c, updated: c.Add(24*time.Hour + 123*time.Millisecond)}
	case "cortex": // the join date
		return times{created: epoch.Add(time.Duration(i)*time.Hour + 30*time.Minute + 500*time.Millisecond)}
	}
	return times{}
}

// Accounts returns each user's Account, by user id: the oracle of the
// account fields a correct client lists with every assignment of a user's
// own rows (for OpenAI: its organization and organization-role rows;
// AccountOf covers every row).
func (t *Tenant) Accounts() map[string]Account {
	out := make(map[string]Account, len(t.Users))
	for i := range t.Users {
		out[t.Users[i].ID] = t.userAccount(i)
	}
	return out
}

// userAccount is the Account of user i.
func (t *Tenant) userAccount(i int) Account {
	u := &t.Users[i]
	at := accountTimes(t.Provider, len(t.Users), i)
	a := Account{Created: at.created, Updated: at.updated}
	switch t.Provider {
	case "openai":
		a.Status, a.AccountType, a.LastActivity = "active", "human", u.LastActive
		if u.Service {
			a.AccountType = "service"
		}
		switch {
		case u.Banned:
			a.Status = "suspended"
		case u.Disabled:
			a.Status = "disabled"
		}
	case "vectara":
		a.Status = "active"
		if u.Disabled {
			a.Status = "disabled"
		}
	case "logto":
		a.Status, a.LastActivity = "active", u.LastActive
		if u.Disabled {
			a.Status = "suspended"
		}
	case "cortex":
		a.LastActivity = u.LastActive
	}
	return a
}

// AccountOf returns the account fields a correct client lists with row r
// (a row of Rows), by the report contract: for a user's own rows its
// Account as Accounts has it; for OpenAI's other rows the fields of the
// graph contract (a project membership's added_at, a group's or service
// account's creation, a key's use, status and expiry, an invitation's
// creation and expiry), zero where it says nothing. It returns the zero
// Account for a row the tenant does not hold.
func (t *Tenant) AccountOf(r *Row) Account {
	if t.Provider == "openai" {
		if a, ok := t.openaiAccount(r); ok {
			return a
		}
	}
	if t.Provider == "vectara" {
		if a, ok := t.vectaraAccount(r); ok {
			return a
		}
	}
	if t.Provider == "cortex" && r.Principal == "api_key" {
		return t.cortexKeyAccount(r)
	}
	if t.Provider == "logto" {
		if a, ok := t.logtoAccount(r); ok {
			return a
		}
	}
	if r.Principal != "" && r.Principal != "user" {
		return Account{}
	}
	for i := range t.Users {
		if t.Users[i].ID == r.UserID {
			return t.userAccount(i)
		}
	}
	return Account{}
}

// Privileged reports whether row r's role is privileged by the report
// contract's default rule: Cortex ADMIN; for OpenAI the organization role
// owner, a role with an api.organization.*.write permission, any admin
// key, a legacy project role, key owner role or invitation role "owner",
// and a predefined project role named "owner" or "project owner" (any
// case); never a group membership; Vectara owner or administrator at the
// account level (scope ""), of a user or an app client, and a personal API
// key's account row; a Logto role whose name contains "admin", in
// any case, or whose permissions hold the Management API's all scope
// (a resource indicator https://<tenant>.logto.app/api, scope all).
func Privileged(r *Row) bool {
	switch r.Provider {
	case "cortex":
		return r.RoleKind == KindBuiltin && r.RoleID == "ADMIN"
	case "openai":
		switch {
		case r.Scope == OpenAIOrgScope && r.RoleID == "owner" && r.RoleKind == KindBuiltin && r.Permissions == nil:
			return true
		case r.Principal == "api_key" && r.ScopeKind == "organization":
			return true // an admin key reaches the whole admin API
		case r.Held == "legacy" || r.Held == "owner":
			return r.RoleID == "owner"
		case r.ScopeKind == "group":
			return false
		}
		for _, p := range r.Permissions {
			if strings.HasPrefix(p, "api.organization.") && strings.HasSuffix(p, ".write") {
				return true
			}
		}
		if r.ScopeKind == "project" && r.RoleKind == KindBuiltin {
			name := strings.ToLower(r.RoleName)
			return name == "owner" || name == "project owner"
		}
	case "vectara":
		if r.Principal == "api_key" {
			return r.Scope == "" && r.RoleID == "personal" // a personal key acts with its creator's full rights
		}
		return r.Scope == "" && (r.RoleID == "owner" || r.RoleID == "administrator")
	case "logto":
		return strings.Contains(strings.ToLower(r.RoleName), "admin") || slices.ContainsFunc(r.Permissions, logtoManagesAll)
	}
	return false
}

// FilterEmails returns a copy of the tenant keeping only the users whose
// email matches one of emails, case-insensitively, and every role: its
// Rows are what a listing restricted to those emails yields. Users without
// an email never match. For OpenAI it keeps the kept users' group and
// project memberships (user rows carrying their email) and the invites to
// those addresses, and drops what has no email: the groups' and project
// groups' roles, service accounts, project and admin keys. The projects
// stay, for their names. For Vectara it drops the API keys and app
// clients, and keeps the corpora and agents, for their names. For Logto it
// keeps the kept users' organization memberships and the invitations to
// those addresses, and drops the applications (they have no email). The
// result is an oracle, not a tenant to serve.
func (t *Tenant) FilterEmails(emails []string) *Tenant {
	want := make(map[string]bool, len(emails))
	for _, e := range emails {
		want[strings.ToLower(strings.TrimSpace(e))] = true
	}
	match := func(e string) bool { return e != "" && want[strings.ToLower(e)] }
	out := &Tenant{Provider: t.Provider, Roles: slices.Clone(t.Roles)}
	kept := map[string]bool{}
	for _, u := range t.Users {
		if match(u.Email) {
			out.Users = append(out.Users, u)
			kept[u.ID] = true
		}
	}
	for _, g := range t.Groups {
		g.Grants = nil
		g.Members = slices.DeleteFunc(slices.Clone(g.Members), func(id string) bool { return !kept[id] })
		out.Groups = append(out.Groups, g)
	}
	for _, p := range t.Projects {
		p.Groups, p.ServiceAccounts, p.Keys = nil, nil, nil
		p.Users = slices.DeleteFunc(slices.Clone(p.Users), func(pu ProjectUser) bool { return !kept[pu.ID] })
		out.Projects = append(out.Projects, p)
	}
	for _, iv := range t.Invites {
		if match(iv.Email) {
			out.Invites = append(out.Invites, iv)
		}
	}
	// Vectara's keys and app clients have no email: dropped; the corpora
	// and agents stay, for their names.
	out.VectaraCorpora, out.VectaraAgents = t.VectaraCorpora, t.VectaraAgents
	t.logtoFilter(out, kept, match)
	return out
}

// UsersOnly returns a copy of a Cortex, Vectara or Logto tenant that keeps
// its users, the roles they hold and nothing else of its principal graph:
// it drops Cortex's API keys, Vectara's API keys and app clients, and
// Logto's organizations (with their members), organization role template,
// machine-to-machine applications and invitations. What the users' rows
// name stays: the role catalogue (Logto's roles with their scopes, its
// MachineToMachine roles then held by no application) and Vectara's
// corpora and agents, for their names. Its Rows are t's rows of
// principal user, less Logto's organization memberships. A listing of
// every kind of principal still asks each list of the other kinds once
// and finds it empty. It is for benchmarks that compare a listing with a
// baseline that lists users only. An OpenAI organization's users inherit
// roles through groups and projects: build it from an OpenAIShape without
// them instead (UsersOnly panics).
func (t *Tenant) UsersOnly() *Tenant {
	if t.Provider == "openai" {
		panic("providertest: UsersOnly of an OpenAI tenant: use NewOpenAITenant with Projects, Groups, AdminKeys and Invites None")
	}
	out := *t
	out.CortexKeys = nil
	out.VectaraKeys, out.VectaraApps = nil, nil
	out.Organizations, out.OrgRoles, out.Applications, out.OrgInvitations = nil, nil, nil, nil
	return &out
}

// Role returns the catalogue role with the given id, or nil.
func (t *Tenant) Role(id string) *Role {
	for i := range t.Roles {
		if t.Roles[i].ID == id {
			return &t.Roles[i]
		}
	}
	return nil
}

// AsOf is the synthetic tenants' "now": NewTenant sets last activity
// relative to it, so that a review as of AsOf is deterministic (recent
// activity is 1 to 30 days before it; the dormant accounts are 200 and 400
// days before it).
var AsOf = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// SharedPeople is how many people NewTenant puts in every provider's tenant
// with the same seed: users 0 and 4 of each tenant (when it has that many)
// are the same two people, with the same name and email in a different
// case per provider, as a review's person join must match them.
const SharedPeople = 2

// The other people NewTenant's review scenario holds, when the tenant has
// enough users (see NewTenant).
const (
	// ExternalDomain is the email domain of the OpenAI and Cortex user 3,
	// outside the generated company domains (example.com, example.org,
	// corp.example.net).
	ExternalDomain = "partner.example"
	// BreakGlassEmail is the email of Logto user 5: a break-glass
	// administrator, dormant for 400 days.
	BreakGlassEmail = "break-glass@example.com"
)

// NewTenant builds a deterministic synthetic tenant of the given provider
// with the given number of users: the same (provider, users, seed) always
// yields the same tenant. The mix is realistic: some users hold no role, some
// hold several; a few are disabled (Vectara enabled=false, Logto
// isSuspended=true); Vectara has exactly one unknown enum value (the API role
// "future_role"); Logto has max(3, users/50) User roles plus two
// MachineToMachine roles whose members are app-only users (they hold nothing
// else and must not be listed), and some users with a null primaryEmail or
// username; OpenAI users each have an organization role and 0-3 roles, some
// inherited through groups; Cortex has BASIC and CUSTOM roles.
//
// Every tenant of one seed also holds the same review scenario, where it
// has the users: users 0 and 4 are the SharedPeople (user 0 an
// administrator everywhere); the disabled Vectara user 3 and the suspended
// Logto user 3 hold a privileged role (administrator, admin); the OpenAI
// owner (user 0) last used its key 200 days before AsOf; the Logto user 1
// has no email but holds a role; the Cortex and OpenAI user 3 have emails
// at ExternalDomain; the OpenAI user 2 is a service account; the Logto
// user 5 is a break-glass admin (BreakGlassEmail) dormant for 400 days.
// Other OpenAI and Logto users were active 1 to 30 days before AsOf,
// except about one in three (OpenAI) or four (Logto) with no activity.
//
// It panics on an unknown provider.
func NewTenant(provider string, users int, seed int64) *Tenant {
	users = max(users, 0)
	h := fnv.New64a()
	h.Write([]byte(provider))
	g := &gen{r: rand.New(rand.NewPCG(uint64(seed), h.Sum64())), seed: seed, provider: provider,
		shared: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	t := &Tenant{Provider: provider}
	switch provider {
	case "cortex":
		g.cortex(t, users)
	case "openai":
		g.openai(t, DefaultOpenAIShape(users))
	case "vectara":
		g.vectara(t, users)
	case "logto":
		g.logto(t, users)
	default:
		panic(fmt.Sprintf("providertest: unknown provider %q", provider))
	}
	return t
}

type gen struct {
	r        *rand.Rand
	seed     int64
	provider string
	shared   *rand.Rand // draws the shared people: the same for every provider
	people   [][3]string
}

var firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
	"Radia", "Leslie", "Katherine", "John", "Hedy", "Tim", "Annie", "Niklaus", "Shafi", "Robin"}

var lastNames = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
	"Ritchie", "Perlman", "Lamport", "Johnson", "McCarthy", "Lamarr", "Berners-Lee", "Easley", "Wirth", "Goldwasser", "Milner"}

var domains = []string{"example.com", "example.org", "corp.example.net"}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func (g *gen) id(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// person returns a name, a unique email (mixed-case for about one user in
// seven) and a username derived from it. Users 0 and 4 are the shared
// people, their email cased per provider.
func (g *gen) person(i int) (name, email, username string) {
	if k := slices.Index(sharedAt, i); k >= 0 {
		return g.sharedPerson(k)
	}
	first, last := firstNames[g.r.IntN(len(firstNames))], lastNames[g.r.IntN(len(lastNames))]
	username = fmt.Sprintf("%s.%s%d", strings.ToLower(first), strings.ToLower(last), i)
	domain := domains[g.r.IntN(len(domains))]
	email = username + "@" + domain
	if g.r.IntN(7) == 0 {
		email = fmt.Sprintf("%s.%s%d@%s", first, last, i, strings.ToUpper(domain[:1])+domain[1:])
	}
	return first + " " + last, email, username
}

// sharedAt are the user indexes of the shared people.
var sharedAt = []int{0, 4}

// sharedPerson returns shared person k, drawn from the seed alone, with the
// email's case varied by provider (as people type it differently).
func (g *gen) sharedPerson(k int) (name, email, username string) {
	for len(g.people) <= k {
		j := len(g.people)
		first, last := firstNames[g.shared.IntN(len(firstNames))], lastNames[g.shared.IntN(len(lastNames))]
		user := fmt.Sprintf("%s.%s.%d", strings.ToLower(first), strings.ToLower(last), 90+j)
		g.people = append(g.people, [3]string{first + " " + last, user + "@example.com", user})
	}
	p := g.people[k]
	name, email, username = p[0], p[1], p[2]
	local, domain, _ := strings.Cut(email, "@")
	switch g.provider {
	case "openai":
		email = strings.ToUpper(local[:1]) + local[1:] + "@" + domain
	case "vectara":
		email = local + "@" + strings.ToUpper(domain)
	case "logto":
		email = strings.ToUpper(email)
	}
	return name, email, username
}

// recent is a last-activity time 1 to 30 days before AsOf, varied by user.
func recent(i int) time.Time {
	return AsOf.Add(-time.Duration(1+(i*7919)%30) * 24 * time.Hour).Add(-time.Duration(i%24) * time.Hour)
}

// external moves email to ExternalDomain.
func external(email string) string {
	local, _, _ := strings.Cut(email, "@")
	return local + "@" + ExternalDomain
}

// pick returns k distinct indexes below n, in random order.
func (g *gen) pick(n, k int) []int {
	k = min(k, n)
	if 2*k > n {
		return g.r.Perm(n)[:k]
	}
	out := make([]int, 0, k)
	for len(out) < k {
		if x := g.r.IntN(n); !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func slug(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), " ", "-")
}

var cortexCustomNames = []string{"Security Reviewer", "Catalog Editor", "Scorecard Owner", "On-call Lead",
	"Platform Engineer", "Data Steward", "Release Manager", "Compliance Auditor"}

func (g *gen) cortex(t *Tenant, n int) {
	for _, b := range []string{"ADMIN", "USER", "MANAGER", "VIEWER"} {
		t.Roles = append(t.Roles, Role{ID: b, Name: b, Builtin: true})
	}
	custom := min(3+n/200, 24)
	for i := range custom {
		name := cortexCustomNames[i%len(cortexCustomNames)]
		if i >= len(cortexCustomNames) {
			name = fmt.Sprintf("%s %d", name, i/len(cortexCustomNames)+1)
		}
		t.Roles = append(t.Roles, Role{ID: slug(name), Name: name})
	}
	basics := []string{"USER", "USER", "USER", "USER", "USER", "VIEWER", "VIEWER", "MANAGER", "MANAGER", "ADMIN"}
	for i := range n {
		name, email, _ := g.person(i)
		if i == 3 {
			email = external(email)
		}
		u := User{ID: email, Email: email, Name: name, LastActive: cortexLastActive(i)}
		switch {
		case i == 0: // an administrator with several roles
			u.Grants = []Grant{{RoleID: "ADMIN"}, {RoleID: t.Roles[4].ID}, {RoleID: t.Roles[5].ID}}
		case i == 2 || g.r.IntN(12) == 0: // no roles
		default:
			if g.r.IntN(10) != 0 {
				u.Grants = append(u.Grants, Grant{RoleID: basics[g.r.IntN(len(basics))]})
			}
			for _, c := range g.pick(custom, g.r.IntN(3)) {
				u.Grants = append(u.Grants, Grant{RoleID: t.Roles[4+c].ID})
			}
		}
		t.Users = append(t.Users, u)
	}
	g.cortexKeys(t, n)
}

type openaiRoleDef struct {
	name        string
	predefined  bool
	permissions []string
}

var openaiRoleDefs = []openaiRoleDef{
	{"Billing Viewer", true, []string{"api.organization.billing.read"}},
	{"Usage Viewer", true, []string{"api.organization.usage.read"}},
	{"Project Creator", true, []string{"api.organization.projects.write"}},
	{"API Group Manager", false, []string{"api.groups.read", "api.groups.write"}},
	{"Security Auditor", false, []string{"api.organization.audit_logs.read", "api.organization.users.read"}},
	{"Data Exporter", false, []string{"api.organization.usage.read", "api.files.read"}},
	{"Model Deployer", false, []string{"api.model.deploy", "api.model.read", "api.fine_tuning.jobs.write"}},
}

const upperAlnum = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func (g *gen) openai(t *Tenant, sh OpenAIShape) {
	n := sh.Users
	for _, d := range openaiRoleDefs {
		t.Roles = append(t.Roles, Role{ID: "role_01J" + g.id(23, upperAlnum), Name: d.name, Builtin: d.predefined,
			ResourceType: "api.organization", Permissions: slices.Clone(d.permissions)})
	}
	groups := make([]string, sh.Groups)
	for i := range groups {
		groups[i] = "group_" + g.id(24, alnum)
	}
	for i := range n {
		name, email, _ := g.person(i)
		if i == 3 {
			email = external(email)
		}
		u := User{ID: "user-" + g.id(24, alnum), Email: email, Name: name, OrgRole: "reader", Service: i == 2}
		if i == 6 {
			u.Name = "" // OpenAI documents a nullable name
		}
		switch {
		case i == 0:
			u.LastActive = AsOf.Add(-200 * 24 * time.Hour) // the dormant owner
		case i%3 != 0:
			u.LastActive = recent(i)
		}
		if i == 0 || g.r.IntN(8) == 0 {
			u.OrgRole = "owner"
		}
		k := g.r.IntN(4)
		if i == 0 {
			k = 3
		} else if i == 2 {
			k = 0
		}
		for j, ri := range g.pick(len(t.Roles), k) {
			gr := Grant{RoleID: t.Roles[ri].ID}
			if (i == 0 && j == 0) || g.r.IntN(10) < 3 {
				for _, gi := range g.pick(len(groups), 1+g.r.IntN(2)) {
					gr.Via = append(gr.Via, Source{Type: "group", ID: groups[gi]})
				}
			}
			u.Grants = append(u.Grants, gr)
		}
		t.Users = append(t.Users, u)
	}
	g.openaiGraph(t, sh, groups)
}

// VectaraUnknownRole is the API role value, unknown to the spec's ApiRole
// enum, that NewTenant gives exactly one Vectara user.
const VectaraUnknownRole = "future_role"

var (
	vectaraAPIRoles    = []string{"owner", "administrator", "billing_administrator", "corpus_administrator", "corpus_developer", "agent_administrator", "agent_viewer", "agent_developer"}
	vectaraCorpusRoles = []string{"owner", "administrator", "viewer", "editor"}
	vectaraAgentRoles  = []string{"agent_administrator", "agent_viewer", "agent_developer", "agent_user"}
	vectaraCorpora     = []string{"docs", "support-kb", "legal_archive", "eng-wiki", "sales_deck", "hr=policies"}
	vectaraAgents      = []string{"agt_helpdesk", "agt_onboarding", "agt_research"}
)

func (g *gen) vectara(t *Tenant, n int) {
	seen := map[string]bool{}
	addRole := func(v string) {
		if !seen[v] {
			seen[v] = true
			t.Roles = append(t.Roles, Role{ID: v, Name: v, Builtin: true})
		}
	}
	for _, list := range [][]string{vectaraAPIRoles, vectaraCorpusRoles, vectaraAgentRoles, {VectaraUnknownRole}} {
		for _, v := range list {
			addRole(v)
		}
	}
	corpora := vectaraCorpora[:min(len(vectaraCorpora), 2+n/10)]
	for i := range n {
		_, email, username := g.person(i)
		u := User{ID: "usr_" + g.id(10, alnum), Email: email, Username: username, Disabled: i == 3 || g.r.IntN(12) == 0}
		if i == 2 {
			t.Users = append(t.Users, u) // no roles at all
			continue
		}
		switch x := g.r.IntN(10); {
		case i == 0:
			u.Grants = append(u.Grants, Grant{RoleID: "owner"}, Grant{RoleID: "billing_administrator"})
		case i == 3: // disabled, and still an administrator
			u.Grants = append(u.Grants, Grant{RoleID: "administrator"})
		case x < 6:
			u.Grants = append(u.Grants, Grant{RoleID: vectaraAPIRoles[g.r.IntN(len(vectaraAPIRoles))]})
		case x < 7:
			for _, ri := range g.pick(len(vectaraAPIRoles), 2) {
				u.Grants = append(u.Grants, Grant{RoleID: vectaraAPIRoles[ri]})
			}
		}
		if i == min(1, n-1) {
			u.Grants = append(u.Grants, Grant{RoleID: VectaraUnknownRole})
		}
		k := g.r.IntN(4)
		if i == 0 {
			k = 2
		}
		for _, ci := range g.pick(len(corpora), k) {
			u.Grants = append(u.Grants, Grant{RoleID: vectaraCorpusRoles[g.r.IntN(len(vectaraCorpusRoles))], Scope: "corpus/" + corpora[ci]})
		}
		for _, ai := range g.pick(len(vectaraAgents), g.r.IntN(3)) {
			u.Grants = append(u.Grants, Grant{RoleID: vectaraAgentRoles[g.r.IntN(len(vectaraAgentRoles))], Scope: "agent/" + vectaraAgents[ai]})
		}
		t.Users = append(t.Users, u)
	}
	g.vectaraGraph(t, n)
}

var logtoRoleNames = []string{"admin", "editor", "viewer", "support", "billing", "auditor", "developer", "analyst"}

func (g *gen) logto(t *Tenant, n int) {
	userRoles := max(3, n/50)
	for i := range userRoles {
		name := logtoRoleNames[i%len(logtoRoleNames)]
		if i >= len(logtoRoleNames) {
			name = fmt.Sprintf("%s-%d", name, i/len(logtoRoleNames)+1)
		}
		t.Roles = append(t.Roles, Role{ID: g.id(21, alnum), Name: name})
	}
	machine := []string{"Management API access", "Sync service"}
	for _, name := range machine {
		t.Roles = append(t.Roles, Role{ID: g.id(21, alnum), Name: name, Machine: true})
	}
	appOnly := min(2, n/10) // per machine role, taken from the end of the list
	for i := range n {
		name, email, username := g.person(i)
		if i == 5 {
			name, email, username = "Break Glass", BreakGlassEmail, "break-glass"
		}
		u := User{ID: g.id(12, alnum), Email: email, Name: name, Username: username, Disabled: i == 3 || g.r.IntN(12) == 0}
		if i == 1 || g.r.IntN(9) == 0 && !slices.Contains(sharedAt, i) && i != 5 {
			u.Email = ""
		}
		if i == 1 || g.r.IntN(6) == 0 {
			u.Username = ""
		}
		if g.r.IntN(10) == 0 {
			u.Name = ""
		}
		switch {
		case i == 5:
			u.LastActive = AsOf.Add(-400 * 24 * time.Hour)
		case i%4 != 3:
			u.LastActive = recent(i)
		}
		if back := n - 1 - i; back < appOnly*len(machine) {
			u.Grants = []Grant{{RoleID: t.Roles[userRoles+back/appOnly].ID}}
			t.Users = append(t.Users, u)
			continue
		}
		k := g.r.IntN(4)
		switch {
		case i == 0:
			k = 3
		case i == 2 || g.r.IntN(10) == 0:
			k = 0
		}
		if i == 1 {
			k = max(k, 1) // the user without an email holds a role
		}
		picked := g.pick(userRoles, k)
		if i == 3 || i == 5 { // the suspended admin and the break-glass admin
			picked = []int{0}
		}
		for _, ri := range picked {
			u.Grants = append(u.Grants, Grant{RoleID: t.Roles[ri].ID})
		}
		t.Users = append(t.Users, u)
	}
	g.logtoGraph(t, n)
}
