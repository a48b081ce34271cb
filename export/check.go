package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// CheckBaton checks a baton-file JSON document as baton-file's loader does
// before a sync (pkg/client: ValidateLoadedData, ValidateUniqueIDs,
// ValidateTraits, ValidateEntitlementFields, ValidateReferences; the rules
// of the format since v0.0.4), for the sections the Baton export writes:
// no section or field of the format before v0.0.4 ("grants", "name",
// "resource_function", "resource_name", "entitlement"); every id unique
// across users and resources; every resource of a known trait; every
// entitlement with a resource id and slug; every parent, entitlement,
// grant and inheritance mapping referring to an existing id and
// entitlement, a grant's principal being a user. Unknown fields are
// refused too, so that a field the export misspells is caught here
// rather than dropped by the loader.
func CheckBaton(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("baton-file: %w", err)
	}
	if _, ok := raw["grants"]; ok {
		return fmt.Errorf("baton-file: the \"grants\" section is no longer supported; use \"direct_user_grants\"")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f BatonFile
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("baton-file: %w", err)
	}
	users := map[string]bool{}
	all := map[string]bool{}
	for _, u := range f.Users {
		if u.ID == "" {
			return fmt.Errorf("baton-file: a user has no id")
		}
		if all[u.ID] {
			return fmt.Errorf("baton-file: duplicate id %q", u.ID)
		}
		users[u.ID], all[u.ID] = true, true
	}
	for _, r := range f.Resources {
		if r.ID == "" {
			return fmt.Errorf("baton-file: a resource of type %q has no id", r.ResourceType)
		}
		if all[r.ID] {
			return fmt.Errorf("baton-file: duplicate id %q", r.ID)
		}
		all[r.ID] = true
		switch strings.ToLower(r.Trait) {
		case "user", "group", "role", "app", "secret":
		default:
			return fmt.Errorf("baton-file: resource %q has trait %q; want user, group, role, app or secret", r.ID, r.Trait)
		}
	}
	for _, r := range f.Resources {
		if r.ParentResource != "" && !all[r.ParentResource] {
			return fmt.Errorf("baton-file: resource %q has parent_resource %q, which is no user or resource", r.ID,
				r.ParentResource)
		}
	}
	ents := map[string]bool{}
	for i, e := range f.Entitlements {
		if e.ResourceID == "" || e.EntitlementSlug == "" {
			return fmt.Errorf("baton-file: entitlement #%d lacks resource_id or entitlement_slug", i+1)
		}
		if !all[e.ResourceID] {
			return fmt.Errorf("baton-file: entitlement %q is on resource_id %q, which is no user or resource",
				e.EntitlementSlug, e.ResourceID)
		}
		ents[e.ResourceID+":"+e.EntitlementSlug] = true
	}
	for i, g := range f.DirectUserGrants {
		if !users[g.PrincipalID] {
			return fmt.Errorf("baton-file: direct_user_grant #%d has principal_id %q, which is no user", i+1, g.PrincipalID)
		}
		if !ents[g.ResourceID+":"+g.EntitlementSlug] {
			return fmt.Errorf("baton-file: direct_user_grant #%d refers to entitlement %q, which is not defined", i+1,
				g.ResourceID+":"+g.EntitlementSlug)
		}
	}
	for i, m := range f.GrantInheritanceMappings {
		for _, k := range []string{m.PrincipalResourceID + ":" + m.PrincipalEntitlementSlug,
			m.InheritedResourceID + ":" + m.InheritedEntitlementSlug} {
			if !ents[k] {
				return fmt.Errorf("baton-file: grant_inheritance_mapping #%d refers to entitlement %q, which is not defined",
					i+1, k)
			}
		}
		if m.InheritanceDepth != "full" && m.InheritanceDepth != "shallow" {
			return fmt.Errorf("baton-file: grant_inheritance_mapping #%d has inheritance_depth %q; want full or shallow",
				i+1, m.InheritanceDepth)
		}
	}
	return nil
}
