package facade

import (
	"context"
	"encoding/binary"
	"iter"
	"time"
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

// Status is an account's state as its provider reports it.
type Status string

// The account states. The zero value means the provider does not say.
const (
	// StatusActive is an account the provider reports as enabled.
	StatusActive Status = "active"
	// StatusDisabled is an account turned off (Vectara enabled=false,
	// OpenAI user.enabled=false).
	StatusDisabled Status = "disabled"
	// StatusSuspended is an account barred by the provider or an
	// administrator (Logto isSuspended, OpenAI user.banned).
	StatusSuspended Status = "suspended"
)

// AccountType says whether an account belongs to a person or to a
// program. The zero value means the provider does not say.
type AccountType string

// The account types.
const (
	// Human is a person's account.
	Human AccountType = "human"
	// Service is an account a program uses (OpenAI is_service_account).
	Service AccountType = "service"
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

	// What the provider says of the account, in the same response: the
	// zero value where it says nothing (see the package documentation's
	// mapping). Times are UTC.
	Status       Status      // active, disabled or suspended; "" when unknown
	AccountType  AccountType // human or service; "" when unknown
	Created      time.Time   // when the account was created or added to the tenant
	Updated      time.Time   // when the account's record last changed
	LastActivity time.Time   // the account's last sign-in or use the provider reports

	// Privileged is true when the role is privileged by the provider's
	// default rule (the package documentation's mapping); a review policy
	// may override it (package review).
	Privileged bool

	// Record is the provider's decoded record behind this assignment, as
	// the generated type (packages under gen/) holds it, every field the
	// spec declares included: *cortexapi.UserRoleAssignment,
	// *openaiapi.AssignedRoleDetails or *openaiapi.OrganizationUser,
	// *vectaraapi.User, *logtoapi.UserProfile. Each record is decoded on
	// its own and shares no memory with another; the assignments made from
	// one record (a user's several roles) point to that one record. It is
	// as the provider sent it: unlike the fields above, a credential
	// returned as data is not replaced in it, and its text may hold any
	// character; package report never writes it.
	Record any
}

// Key identifies an assignment within one provider's listing: the same
// user holding the same role in the same scope is one assignment. The user
// and role ids are each preceded by their length, so two different
// assignments never make the same key, whatever bytes their ids hold.
func (a *Assignment) Key() string {
	b := make([]byte, 0, 2*binary.MaxVarintLen64+len(a.UserID)+len(a.RoleID)+len(a.Scope))
	b = binary.AppendUvarint(b, uint64(len(a.UserID)))
	b = append(b, a.UserID...)
	b = binary.AppendUvarint(b, uint64(len(a.RoleID)))
	b = append(b, a.RoleID...)
	b = append(b, a.Scope...)
	return string(b)
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
// in memory. It stops at the first error and returns what came before it;
// over ListAll, that is the first provider's error: use CollectAll to keep
// every provider's results.
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
