package facade

import (
	"context"
	"iter"
)

// RoleKind says whether a role is defined by the provider or by the tenant.
type RoleKind string

// The role kinds.
const (
	// Builtin is a role the provider defines (Cortex BASIC, OpenAI
	// predefined, every Vectara role).
	Builtin RoleKind = "builtin"
	// Custom is a role the tenant defined (Cortex CUSTOM, OpenAI custom
	// roles, every Logto role).
	Custom RoleKind = "custom"
)

// Assignment is one user holding one role in one provider's tenant. Its
// fields are the access report's columns; see the package documentation
// for how each provider fills them.
type Assignment struct {
	Provider    string   // "cortex", "openai", "vectara" or "logto"
	UserID      string   // the provider's user id (Cortex has none: the email)
	Email       string   // the user's email, "" when the provider has none
	Name        string   // display name, "" when the provider has none
	Username    string   // login name, "" when the provider has none
	Disabled    bool     // the account is disabled or suspended
	RoleID      string   // the role's id (Cortex custom roles: the tag)
	RoleName    string   // the role's display name
	RoleKind    RoleKind // Builtin or Custom
	Scope       string   // what the role applies to, "" for the whole tenant
	Permissions []string // the role's permissions, where the provider lists them
	Via         string   // for inherited roles, the principals they come through

	// Record is the provider's decoded record behind this assignment, for
	// fields the model lacks: *cortex.UserRoleAssignment,
	// *openai.AssignedRoleDetails or *openai.OrganizationUser,
	// *vectara.User, *logto.UserProfile (packages under gen/). Several
	// assignments may share one record, and the records of one page may
	// share values (strings, empty maps); treat them as read-only.
	Record any
}

// Key identifies an assignment within one provider's listing: the same
// user holding the same role in the same scope is one assignment.
func (a *Assignment) Key() string {
	return a.UserID + "\x00" + a.RoleID + "\x00" + a.Scope
}

// Lister lists one provider's role assignments. The drivers in
// facade/cortex, facade/openai, facade/vectara and facade/logto implement it.
type Lister interface {
	// Provider names the provider ("cortex", "openai", "vectara", "logto").
	Provider() string
	// ListAssignments lists every assignment, each once, or ends with an
	// error (*Error): never a silent partial answer. Results stream as
	// pages arrive, so memory is bounded by the pages in flight. Breaking
	// out of the loop or cancelling ctx stops every request in flight.
	ListAssignments(ctx context.Context, opts *ListOptions) iter.Seq2[Assignment, error]
}

// ListOptions narrows a listing. The zero value (or nil) lists everything.
type ListOptions struct {
	// Emails keeps only the users with one of these emails, matched
	// case-insensitively: on the server where the API can filter,
	// otherwise on the client.
	Emails []string
}

// Collect gathers a listing into a slice, for tenants small enough to hold
// in memory. It stops at the first error and returns what came before it.
func Collect(seq iter.Seq2[Assignment, error]) ([]Assignment, error) {
	var out []Assignment
	for a, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}
