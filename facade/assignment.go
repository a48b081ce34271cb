package facade

import (
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"slices"
	"strings"
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
	// StatusOrphaned is a key that still works but whose owner has lost
	// access to the key's scope (OpenAI owner_project_access inactive):
	// nobody who may still act there answers for it.
	StatusOrphaned Status = "orphaned"
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

// PrincipalKind says what kind of principal holds a role. The zero value
// reads as User (Assignment.Kind): every assignment written before kinds
// existed is a person's account's.
type PrincipalKind string

// The principal kinds.
const (
	// User is a person's account.
	User PrincipalKind = "user"
	// ServiceAccount is an account a program uses, which the provider
	// lists apart from its users.
	ServiceAccount PrincipalKind = "service_account"
	// APIKey is an API key that holds roles of its own.
	APIKey PrincipalKind = "api_key"
	// Application is an application: a machine-to-machine app, an app
	// client.
	Application PrincipalKind = "application"
	// Group is a group or team that holds a role as such.
	Group PrincipalKind = "group"
	// Invitation is a pending invitation: the role its address will hold
	// once it is accepted.
	Invitation PrincipalKind = "invitation"
)

// ScopeKind says what kind of thing a role applies to.
type ScopeKind string

// The scope kinds. The zero value means the provider does not say (a
// report written before scope kinds).
const (
	// ScopeOrganization is an OpenAI organization.
	ScopeOrganization ScopeKind = "organization"
	// ScopeProject is an OpenAI project.
	ScopeProject ScopeKind = "project"
	// ScopeAccount is a Vectara account (its api_roles).
	ScopeAccount ScopeKind = "account"
	// ScopeCorpus is a Vectara corpus.
	ScopeCorpus ScopeKind = "corpus"
	// ScopeAgent is a Vectara agent.
	ScopeAgent ScopeKind = "agent"
	// ScopeTenant is a Logto tenant (its tenant-wide roles).
	ScopeTenant ScopeKind = "tenant"
	// ScopeLogtoOrganization is an organization inside a Logto tenant.
	ScopeLogtoOrganization ScopeKind = "logto_organization"
	// ScopeWorkspace is a Cortex workspace.
	ScopeWorkspace ScopeKind = "workspace"
	// ScopeGroup is a group or team: the scope of a membership (the role
	// "member"), which passes on the group's own roles to its members.
	ScopeGroup ScopeKind = "group"
)

// HowHeld says how a principal holds a role.
type HowHeld string

// The ways a role is held. The zero value means the provider does not say
// (a report written before it).
const (
	// Direct is a role assigned to the principal itself.
	Direct HowHeld = "direct"
	// ThroughGroup is a role the principal holds as a member of a group or
	// team, which Via names.
	ThroughGroup HowHeld = "group"
	// Legacy is the provider's single-role field of the principal, beside
	// its role assignments (OpenAI's organization user role).
	Legacy HowHeld = "legacy"
	// ThroughOwner is a role a key holds as the principal it belongs to,
	// which Owner names: the key acts with its owner's role.
	ThroughOwner HowHeld = "owner"
)

// Assignment is one principal (a person's account, a service account, an
// API key, an application, a group or an invitation: Principal) holding
// one role in one scope of one provider's tenant. Its fields are the
// access report's columns; see the package documentation for how each
// provider fills them. UserID, Email and Name are the principal's id,
// address and display name whatever its kind: a key's id and name, an
// invitation's address.
type Assignment struct {
	Provider string // "cortex", "openai", "vectara" or "logto"
	// Tenant is the name of the tenant listed (package facade/tenants: a
	// tenants file names each); "" reads as the provider's name
	// (TenantName), the one tenant per provider a listing had before
	// tenants were named, so that old reports still read.
	Tenant      string
	Principal   PrincipalKind // what holds the role; "" reads as User (Kind)
	UserID      string        // the principal's id (Cortex has none: the email)
	Email       string        // the principal's email, "" when the provider has none
	Name        string        // display name, "" when the provider has none
	Username    string        // login name, "" when the provider has none
	Disabled    bool          // the account is disabled or suspended
	RoleID      string        // the role's id (Cortex custom roles: the tag)
	RoleName    string        // the role's display name
	RoleKind    RoleKind      // Builtin or Custom
	Scope       string        // what the role applies to, "" for the whole tenant (see ScopeKind)
	Permissions []string      // the role's permissions, where the provider lists them
	Via         string        // for inherited roles, the principals they come through

	// Owner is the principal a key or service account belongs to or acts
	// for, where the provider says (a user or a service account); the
	// zero value otherwise.
	Owner Owner

	// ScopeKind, ScopeID and ScopeName say what Scope is: its kind, its id
	// at the provider ("" for the tenant itself, whose id the listing
	// does not carry) and its display name ("" when the provider gives
	// none). Scope keeps the text it has always had (the package
	// documentation lists each provider's), so that reports compare key
	// for key; for a scope that has none yet it is "" for the tenant and
	// ScopeKind+"/"+ScopeID otherwise.
	ScopeKind ScopeKind
	ScopeID   string
	ScopeName string

	// Held says how the principal holds the role: directly, through a
	// group (Via names it), as the provider's legacy single-role field, or
	// as its owner (a key; Owner names it); "" when the provider does not
	// say.
	Held HowHeld

	// What the provider says of the account, in the same response: the
	// zero value where it says nothing (see the package documentation's
	// mapping). Times are UTC.
	Status       Status      // active, disabled, suspended or orphaned (a key); "" when unknown
	AccountType  AccountType // human or service; "" when unknown
	Created      time.Time   // when the account was created or added to the tenant
	Updated      time.Time   // when the account's record last changed
	LastActivity time.Time   // the account's last sign-in or use the provider reports
	Expires      time.Time   // when the principal (a key, an invitation) expires
	// NeverExpires is true when the provider's record says the principal
	// never expires (an OpenAI admin key whose expires_at is null): unlike
	// a zero Expires alone, which may also mean the provider does not say.
	NeverExpires bool

	// Privileged is true when the role is privileged by the provider's
	// default rule (the package documentation's mapping); a review policy
	// may override it (package review).
	Privileged bool

	// Record is the provider's decoded record behind this assignment, as
	// the generated type (packages under gen/) holds it, every field the
	// spec declares included, such as *cortexapi.UserRoleAssignment or
	// *cortexadmin.ApiKey; *openaiapi.AssignedRoleDetails,
	// OrganizationUser, ProjectUser, GroupUser, ProjectServiceAccount,
	// ProjectApiKey, AdminApiKey or Invite; *vectaraapi.User, ApiKey or
	// AppClient; *logtoapi.UserProfile and the organization and
	// application records (each driver's package documentation names its
	// own). Each record is decoded on its own and shares no memory with
	// another; the assignments made from one record (a user's several
	// roles) point to that one record. It is as the provider sent it,
	// except that the secret values a list response carries (a key's
	// redacted value or secret, an application's secret) are cleared as
	// the page is decoded: unlike the fields above, a credential returned
	// as data elsewhere is not replaced in it, and its text may hold any
	// character; package report never writes it.
	Record any
}

// TenantName returns the tenant's name: Tenant, or Provider when it is "".
func (a *Assignment) TenantName() string {
	if a.Tenant == "" {
		return a.Provider
	}
	return a.Tenant
}

// Owner is the principal a key or service account belongs to or acts for.
type Owner struct {
	Kind PrincipalKind // User or ServiceAccount; "" when there is no owner
	ID   string        // the owner's id at the provider
	Name string        // the owner's display name, "" when the provider has none
}

// Kind returns the kind of principal holding the role: Principal, or User
// when it is "" (an assignment made before kinds existed).
func (a *Assignment) Kind() PrincipalKind {
	if a.Principal == "" {
		return User
	}
	return a.Principal
}

// keyMark begins the key of a principal other than a user: a uvarint
// encoded in two bytes where one would do, which binary.AppendUvarint
// never writes, so no user's key begins with it.
const keyMark = "\x80\x00"

// Key identifies an assignment within one provider's listing: the same
// principal holding the same role in the same scope is one assignment. The
// user and role ids are each preceded by their length, so two different
// assignments never make the same key, whatever bytes their ids hold. A
// user's key is what it was before principal kinds (so keys made from old
// reports match); another kind's is preceded by a mark no user's key
// begins with and by the kind, length first, so a key and a user with the
// same id make two keys.
func (a *Assignment) Key() string {
	var kind PrincipalKind
	if k := a.Kind(); k != User {
		kind = k
	}
	n := 2*binary.MaxVarintLen64 + len(a.UserID) + len(a.RoleID) + len(a.Scope)
	if kind != "" {
		n += len(keyMark) + binary.MaxVarintLen64 + len(kind)
	}
	b := make([]byte, 0, n)
	if kind != "" {
		b = append(b, keyMark...)
		b = binary.AppendUvarint(b, uint64(len(kind)))
		b = append(b, kind...)
	}
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
	// Principals keeps only the assignments held by these kinds of
	// principal; the driver skips the listings that yield only other
	// kinds. Empty means every kind the driver lists (Kinds). A kind the
	// driver does not list is recorded in the listing's Coverage as
	// NotOffered.
	Principals []PrincipalKind
}

// Wants reports whether the options select principal kind k: no options
// or no Principals select every kind.
func (o *ListOptions) Wants(k PrincipalKind) bool {
	if o == nil || len(o.Principals) == 0 {
		return true
	}
	for _, p := range o.Principals {
		if p == k || (p == "" && k == User) {
			return true
		}
	}
	return false
}

// Kinds lists every principal kind, in the order reports name them.
var Kinds = []PrincipalKind{User, ServiceAccount, APIKey, Application, Group, Invitation}

// ParseKind returns the principal kind named s ("user", "service_account",
// "api_key", "application", "group", "invitation"; "-" may stand for "_"),
// or an error naming the kinds.
func ParseKind(s string) (PrincipalKind, error) {
	k := PrincipalKind(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	if slices.Contains(Kinds, k) {
		return k, nil
	}
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return "", fmt.Errorf("unknown principal kind %q (the kinds: %s)", s, strings.Join(names, ", "))
}

// KindStatus is how the listing of one kind of principal ended.
type KindStatus string

// The kind statuses of a Coverage.
const (
	// Listed: every principal of the kind was listed (perhaps none exist).
	Listed KindStatus = "listed"
	// NotPermitted: the provider refused the credentials a listing of the
	// kind (401 or 403). The kind's principals are unknown, not absent.
	NotPermitted KindStatus = "not_permitted"
	// Failed: a listing of the kind failed otherwise, or was stopped.
	Failed KindStatus = "failed"
	// NotOffered: the driver does not list this kind (the provider's API
	// has none, or the driver does not read it yet); the package
	// documentation lists each driver's kinds.
	NotOffered KindStatus = "not_offered"
	// NotAsked: ListOptions.Principals did not select the kind.
	NotAsked KindStatus = "not_asked"
)

// Coverage says, per principal kind, how a listing of one provider ended:
// StatsSnapshot.Kinds. A listing is complete only when every kind it was
// asked for and its driver offers is Listed.
type Coverage map[PrincipalKind]KindStatus

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
