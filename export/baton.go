package export

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/report"
)

// BatonFile is the baton-file input the Baton export writes (the JSON form
// of baton-file's LoadedData, format of v0.0.4 and later: "id", "trait",
// "resource_id", "entitlement_slug", "direct_user_grants"), with the
// sections and fields rolecall fills.
//
// Every principal but a group is a user: type "service" for service
// accounts, API keys and applications (and accounts the provider calls
// service accounts), "human" otherwise; a pending invitation is a user
// whose status_details says so. Each system is a resource of trait app;
// each scope a resource (trait app, parent the system), but a group's scope,
// which is the group: a resource of trait group with a "member"
// entitlement. Each role in a scope is a resource of trait role, parent its
// scope, with one entitlement, "assigned"; each row is a direct user grant
// of it (a group's role, a grant inheritance mapping from the group's
// members to the role).
type BatonFile struct {
	Users                    []BatonUser        `json:"users"`
	Resources                []BatonResource    `json:"resources"`
	Entitlements             []BatonEntitlement `json:"entitlements"`
	DirectUserGrants         []BatonGrant       `json:"direct_user_grants"`
	GrantInheritanceMappings []BatonInheritance `json:"grant_inheritance_mappings"`
}

// BatonUser is one entry of the users section.
type BatonUser struct {
	ID            string         `json:"id"`
	DisplayName   string         `json:"display_name"`
	Email         string         `json:"email,omitempty"`
	Status        string         `json:"status"` // active, disabled
	StatusDetails string         `json:"status_details,omitempty"`
	Type          string         `json:"type"`                 // human, service
	LastLogin     string         `json:"last_login,omitempty"` // RFC 3339 UTC
	Login         string         `json:"login,omitempty"`
	Profile       map[string]any `json:"profile,omitempty"`
}

// BatonResource is one entry of the resources section.
type BatonResource struct {
	ResourceType   string         `json:"resource_type"`
	Trait          string         `json:"trait"` // app, group, role
	ID             string         `json:"id"`
	DisplayName    string         `json:"display_name"`
	Description    string         `json:"description,omitempty"`
	ParentResource string         `json:"parent_resource,omitempty"`
	Profile        map[string]any `json:"profile,omitempty"`
}

// BatonEntitlement is one entry of the entitlements section.
type BatonEntitlement struct {
	ResourceID      string `json:"resource_id"`
	EntitlementSlug string `json:"entitlement_slug"`
	DisplayName     string `json:"display_name"`
	Description     string `json:"description,omitempty"`
}

// BatonGrant is one entry of the direct_user_grants section.
type BatonGrant struct {
	PrincipalID     string `json:"principal_id"`
	ResourceID      string `json:"resource_id"`
	EntitlementSlug string `json:"entitlement_slug"`
}

// BatonInheritance is one entry of the grant_inheritance_mappings section:
// whoever holds the principal entitlement holds the inherited one.
type BatonInheritance struct {
	PrincipalResourceID      string `json:"principal_resource_id"`
	PrincipalEntitlementSlug string `json:"principal_entitlement_slug"`
	InheritedResourceID      string `json:"inherited_resource_id"`
	InheritedEntitlementSlug string `json:"inherited_entitlement_slug"`
	InheritanceDepth         string `json:"inheritance_depth"` // full
}

// The entitlement slugs of the Baton export.
const (
	slugAssigned = "assigned" // a role's
	slugMember   = "member"   // a group's
)

// baton renders rows (in report order) as a baton-file JSON document.
func baton(rows []report.Row) ([]byte, error) {
	var f BatonFile
	users := map[string]bool{}
	resources := map[string]bool{}
	ents := map[[2]string]bool{}
	grants := map[BatonGrant]bool{}
	maps := map[BatonInheritance]bool{}
	addResource := func(r BatonResource) {
		if !resources[r.ID] {
			resources[r.ID] = true
			f.Resources = append(f.Resources, r)
		}
	}
	addEnt := func(e BatonEntitlement) {
		if k := [2]string{e.ResourceID, e.EntitlementSlug}; !ents[k] {
			ents[k] = true
			f.Entitlements = append(f.Entitlements, e)
		}
	}
	addGroup := func(sys, groupID, name string) string {
		gid := id(sys, "group", groupID)
		addResource(BatonResource{ResourceType: sys + "_group", Trait: "group", ID: gid, ParentResource: sys,
			DisplayName: safe(cmp.Or(name, groupID)), Profile: profile("group_id", groupID)})
		addEnt(BatonEntitlement{ResourceID: gid, EntitlementSlug: slugMember,
			DisplayName: safe(cmp.Or(name, groupID) + " member")})
		return gid
	}
	for i := range rows {
		r := &rows[i]
		sys := system(r)
		addResource(BatonResource{ResourceType: "tenant", Trait: "app", ID: sys, DisplayName: safe(sys),
			Description: safe("the " + sys + " tenant listed by rolecall")})
		var resourceID, slug string
		if r.ScopeKind == "group" && r.ScopeID != "" {
			// A role in a group (its members): an entitlement of the group.
			resourceID, slug = addGroup(sys, r.ScopeID, r.ScopeName), r.RoleID
			if slug != slugMember {
				addEnt(BatonEntitlement{ResourceID: resourceID, EntitlementSlug: slug,
					DisplayName: safe(cmp.Or(r.ScopeName, r.ScopeID) + " " + cmp.Or(r.RoleName, r.RoleID))})
			}
		} else {
			scope := id(sys, "scope", r.Scope)
			addResource(BatonResource{ResourceType: sys + "_" + cmp.Or(r.ScopeKind, "scope"), Trait: "app", ID: scope,
				ParentResource: sys, DisplayName: safe(scopeName(r)),
				Profile: profile("scope", r.Scope, "scope_kind", r.ScopeKind, "scope_id", r.ScopeID)})
			resourceID, slug = id(sys, "role", r.Scope, r.RoleID), slugAssigned
			p := profile("role_id", r.RoleID, "role_kind", r.RoleKind, "scope", r.Scope,
				"permissions", strings.Join(r.Permissions, ";"))
			p["privileged"] = r.Privileged
			addResource(BatonResource{ResourceType: sys + "_role", Trait: "role", ID: resourceID, ParentResource: scope,
				DisplayName: safe(cmp.Or(r.RoleName, r.RoleID) + " (" + scopeName(r) + ")"), Profile: p})
			addEnt(BatonEntitlement{ResourceID: resourceID, EntitlementSlug: slug,
				DisplayName: safe(cmp.Or(r.RoleName, r.RoleID) + " in " + scopeName(r))})
		}
		if r.Kind() == "group" {
			gid := addGroup(sys, r.UserID, r.Name)
			m := BatonInheritance{PrincipalResourceID: gid, PrincipalEntitlementSlug: slugMember,
				InheritedResourceID: resourceID, InheritedEntitlementSlug: slug, InheritanceDepth: "full"}
			if !maps[m] {
				maps[m] = true
				f.GrantInheritanceMappings = append(f.GrantInheritanceMappings, m)
			}
			continue
		}
		uid := principalID(r)
		if !users[uid] {
			users[uid] = true
			f.Users = append(f.Users, batonUser(uid, r))
		}
		g := BatonGrant{PrincipalID: uid, ResourceID: resourceID, EntitlementSlug: slug}
		if !grants[g] {
			grants[g] = true
			f.DirectUserGrants = append(f.DirectUserGrants, g)
		}
	}
	slices.SortFunc(f.Users, func(a, b BatonUser) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(f.Resources, func(a, b BatonResource) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(f.Entitlements, func(a, b BatonEntitlement) int {
		return cmp.Or(strings.Compare(a.ResourceID, b.ResourceID), strings.Compare(a.EntitlementSlug, b.EntitlementSlug))
	})
	slices.SortFunc(f.DirectUserGrants, func(a, b BatonGrant) int {
		return cmp.Or(strings.Compare(a.ResourceID, b.ResourceID), strings.Compare(a.EntitlementSlug, b.EntitlementSlug),
			strings.Compare(a.PrincipalID, b.PrincipalID))
	})
	slices.SortFunc(f.GrantInheritanceMappings, func(a, b BatonInheritance) int {
		return cmp.Or(strings.Compare(a.InheritedResourceID, b.InheritedResourceID),
			strings.Compare(a.InheritedEntitlementSlug, b.InheritedEntitlementSlug),
			strings.Compare(a.PrincipalResourceID, b.PrincipalResourceID))
	})
	b, err := json.MarshalIndent(&f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// batonUser is the users entry of a row's principal.
func batonUser(uid string, r *report.Row) BatonUser {
	u := BatonUser{ID: uid, DisplayName: safe(cmp.Or(r.Name, r.Email, r.Username, r.UserID)), Email: safe(r.Email),
		Status: "active", Type: "human", LastLogin: r.LastActivity, Login: safe(r.Username),
		Profile: profile("provider", r.Provider, "principal_kind", r.Kind(), "user_id", r.UserID,
			"account_status", r.Status, "account_type", r.AccountType, "created", r.Created, "expires", r.Expires,
			"owner_kind", r.OwnerKind, "owner_id", r.OwnerID, "owner_name", r.OwnerName)}
	if deactivated(r) {
		u.Status = "disabled"
	}
	if machine(r) {
		u.Type = "service"
	}
	if r.Kind() == "invitation" {
		u.StatusDetails = "pending invitation"
	}
	return u
}

// profile is a profile map of the non-empty values of key, value pairs,
// each value neutralised.
func profile(kv ...string) map[string]any {
	p := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			p[kv[i]] = safe(kv[i+1])
		}
	}
	return p
}

// safe neutralises a display text against spreadsheet formulas: baton-file
// and ConductorOne export what they load to CSV and XLSX.
func safe(s string) string { return report.Neutralize(s) }
