package providertest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file holds the Logto tenant's principal graph beyond its users and
// tenant roles: organizations with their user and application members and
// organization roles, machine-to-machine applications with their global
// roles, organization invitations, the API resource scopes roles carry, and
// how NewTenant draws them.

// LogtoManagementAPI is the resource indicator of the Management API the
// fake Logto tenant serves: a self-hosted instance's, whose tenant id is
// "default" (getManagementApiResourceIndicator in Logto's
// packages/schemas/src/seeds/management-api.ts).
const LogtoManagementAPI = "https://default.logto.app/api"

// LogtoScope is an API resource scope (a permission) a Logto role carries.
type LogtoScope struct {
	// Indicator is the resource indicator of the scope's API resource.
	Indicator string
	// Name is the scope's name, e.g. "all" or "read:items".
	Name string
}

// Permission is the scope as a listing reports it among a role's
// permissions: "<indicator>#<name>".
func (s LogtoScope) Permission() string { return s.Indicator + "#" + s.Name }

// LogtoOrganization is an organization of a Logto tenant.
type LogtoOrganization struct {
	// ID is the organization's id (12 characters).
	ID string
	// Name is its display name.
	Name string
	// Created is when it was created.
	Created time.Time
	// Members are its user members, ordered by user id (as Logto lists
	// them), each with the ids of its organization roles (OrgRoles).
	Members []LogtoMember
	// Apps are its machine-to-machine application members, in listing
	// order, each with the ids of its organization roles.
	Apps []LogtoMember
}

// LogtoMember is a user or application in an organization with the
// organization roles it holds there (none: a member without a role).
type LogtoMember struct {
	ID    string
	Roles []string
}

// LogtoApplication is a machine-to-machine application of a Logto tenant.
type LogtoApplication struct {
	// ID is the application's id (21 characters).
	ID string
	// Name is its display name.
	Name string
	// Created is when it was created.
	Created time.Time
	// Secret is its legacy client secret, "" when an internal secret
	// replaced it (the server then omits the field). Secret-bearing
	// (Tenant.Secrets).
	Secret string
	// Note is a value of its customData, which a tenant may use for
	// anything, credentials included. Secret-bearing (Tenant.Secrets).
	Note string
	// Roles are the ids of the MachineToMachine tenant roles it holds.
	Roles []string
}

// LogtoInvitation is an organization invitation of a Logto tenant.
type LogtoInvitation struct {
	// ID is the invitation's id.
	ID string
	// Invitee is the invited address.
	Invitee string
	// InviterID is the inviting user's id, "" for null.
	InviterID string
	// OrgID is the organization's id.
	OrgID string
	// Status is Pending, Accepted, Expired or Revoked.
	Status string
	// Roles are the ids of the organization roles the invitation grants.
	Roles []string
	// Created and Expires are its createdAt and expiresAt.
	Created, Expires time.Time
}

var logtoOrgNames = []string{"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell", "Cyberdyne", "Soylent"}

// logtoOrgRoleDefs are the organization role template: name and whether
// the role is of type MachineToMachine.
var logtoOrgRoleDefs = []struct {
	name    string
	machine bool
}{{"org-admin", false}, {"collaborator", false}, {"guest", false}, {"machine-reader", true}, {"machine-admin", true}}

// logtoGraph draws the tenant's organizations, applications and
// invitations, and the scopes of its roles. It draws after the users, so
// that the users and their tenant roles are what they were before the
// graph existed.
func (g *gen) logtoGraph(t *Tenant, n int) {
	// Scopes: the admin role (0) and the Management API access role carry
	// the Management API's all scope; the other roles an API of the
	// tenant's own, and the sync role an "all" scope of another API whose
	// indicator also ends in /api (it grants nothing in Logto).
	for i := range t.Roles {
		r := &t.Roles[i]
		switch {
		case i == 0, r.Machine && r.Name == "Management API access":
			r.Scopes = []LogtoScope{{LogtoManagementAPI, "all"}}
		case r.Machine:
			r.Scopes = []LogtoScope{{"https://billing.example.com/api", "all"}, {"https://api.example.com", "read:items"}}
		case i%2 == 1:
			r.Scopes = []LogtoScope{{"https://api.example.com", "read:items"}, {"https://api.example.com", "write:items"}}
		default:
			r.Scopes = []LogtoScope{{"https://api.example.com", "read:items"}}
		}
	}
	if n == 0 {
		return
	}
	var userRoles, machineRoles []string
	for _, r := range logtoOrgRoleDefs {
		id := g.id(21, alnum)
		t.OrgRoles = append(t.OrgRoles, Role{ID: id, Name: r.name, Machine: r.machine})
		if r.machine {
			machineRoles = append(machineRoles, id)
		} else {
			userRoles = append(userRoles, id)
		}
	}
	var m2m []string
	for _, r := range t.Roles {
		if r.Machine {
			m2m = append(m2m, r.ID)
		}
	}
	apps := max(2, n/40)
	for i := range apps {
		a := LogtoApplication{ID: g.id(21, alnum), Name: fmt.Sprintf("Service %d", i+1),
			Created: epoch.Add(time.Duration(i) * 2 * time.Hour)}
		if i%3 == 0 {
			a.Secret = "legacy-app-secret-" + g.id(24, alnum)
		}
		a.Note = "customdata-note-" + g.id(16, alnum)
		switch {
		case i == 0:
			a.Roles = []string{m2m[0]} // a full tenant administrator
		case i%4 == 3: // none
		default:
			for _, k := range g.pick(len(m2m), 1+g.r.IntN(len(m2m))) {
				a.Roles = append(a.Roles, m2m[k])
			}
		}
		t.Applications = append(t.Applications, a)
	}
	// Org members come from the users who are not app-only (see logto).
	people := n - min(2, n/10)*2
	orgs := max(2, n/10)
	for i := range orgs {
		name := logtoOrgNames[i%len(logtoOrgNames)]
		if i >= len(logtoOrgNames) {
			name = fmt.Sprintf("%s %d", name, i/len(logtoOrgNames)+1)
		}
		o := LogtoOrganization{ID: g.id(12, alnum), Name: name, Created: epoch.Add(time.Duration(i) * 24 * time.Hour)}
		k := min(people, 1+g.r.IntN(12))
		if i == 0 {
			k = min(people, 8)
		}
		for _, ui := range g.pick(people, k) {
			m := LogtoMember{ID: t.Users[ui].ID}
			if g.r.IntN(6) != 0 { // about one in six holds no role
				for _, ri := range g.pick(len(userRoles), 1+g.r.IntN(2)) {
					m.Roles = append(m.Roles, userRoles[ri])
				}
			}
			o.Members = append(o.Members, m)
		}
		slices.SortFunc(o.Members, func(a, b LogtoMember) int { return strings.Compare(a.ID, b.ID) })
		for _, ai := range g.pick(apps, g.r.IntN(3)) {
			m := LogtoMember{ID: t.Applications[ai].ID}
			if g.r.IntN(4) != 0 {
				m.Roles = []string{machineRoles[g.r.IntN(len(machineRoles))]}
			}
			o.Apps = append(o.Apps, m)
		}
		statuses := []string{"Pending", "Pending", "Accepted", "Expired", "Revoked"}
		for j := range g.r.IntN(3) {
			inv := LogtoInvitation{ID: g.id(21, alnum), Invitee: fmt.Sprintf("invitee%d.%d@example.org", i, j), OrgID: o.ID,
				Status:  statuses[g.r.IntN(len(statuses))],
				Created: AsOf.Add(-time.Duration(1+i+j) * 24 * time.Hour)}
			if i == 0 && j == 0 {
				inv.Status = "Pending"
			}
			inv.Expires = inv.Created.Add(7 * 24 * time.Hour)
			if len(o.Members) > 0 && g.r.IntN(2) == 0 {
				inv.InviterID = o.Members[0].ID
			}
			for _, ri := range g.pick(len(userRoles), g.r.IntN(3)) {
				inv.Roles = append(inv.Roles, userRoles[ri])
			}
			t.OrgInvitations = append(t.OrgInvitations, inv)
		}
		t.Organizations = append(t.Organizations, o)
	}
}

// Organization returns the Logto organization with the given id, or nil.
func (t *Tenant) Organization(id string) *LogtoOrganization {
	for i := range t.Organizations {
		if t.Organizations[i].ID == id {
			return &t.Organizations[i]
		}
	}
	return nil
}

// Application returns the Logto application with the given id, or nil.
func (t *Tenant) Application(id string) *LogtoApplication {
	for i := range t.Applications {
		if t.Applications[i].ID == id {
			return &t.Applications[i]
		}
	}
	return nil
}

// OrgRole returns the Logto organization role with the given id, or nil.
func (t *Tenant) OrgRole(id string) *Role {
	for i := range t.OrgRoles {
		if t.OrgRoles[i].ID == id {
			return &t.OrgRoles[i]
		}
	}
	return nil
}

// logtoSecrets returns the secret-bearing values the Logto fake sends:
// the applications' legacy secrets and customData notes.
func (t *Tenant) logtoSecrets() []string {
	var out []string
	for _, a := range t.Applications {
		if a.Secret != "" {
			out = append(out, a.Secret)
		}
		out = append(out, a.Note)
	}
	return out
}
