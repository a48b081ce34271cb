package review

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/rolecall/rolecall/facade"
)

// Role is one role an account holds.
type Role struct {
	ID         string
	Name       string
	Kind       facade.RoleKind
	Scope      string // "" for the whole tenant
	Privileged bool   // by the policy, else the provider's default rule
	// Held says how the account holds the role (facade.HowHeld); Via
	// names the group a role held through one comes from.
	Held facade.HowHeld
	Via  string
}

// TenantName is the account's tenant: Tenant, or Provider when it is "".
func (a *Account) TenantName() string { return cmp.Or(a.Tenant, a.Provider) }

// Account is one provider account and the roles it holds: the
// assignments of one (tenant, principal kind, user id).
type Account struct {
	Provider string
	// Tenant is the tenant's name (facade.Assignment.Tenant); "" is the
	// provider's one tenant (TenantName).
	Tenant string
	// Principal is what the account is: a person's account (facade.User),
	// or another principal (a key, an application…), which is a person of
	// its own, never joined to one by its email.
	Principal    facade.PrincipalKind
	UserID       string
	Email        string
	Name         string
	Username     string
	Status       string    // active, disabled, suspended; "" unknown
	AccountType  string    // human, service; "" unknown
	Disabled     bool      // disabled or suspended
	Created      time.Time // zero when unknown
	LastActivity time.Time // zero when unknown
	Expires      time.Time // zero when unknown or never
	NeverExpires bool      // the provider says it never expires
	Roles        []Role    // ordered by scope, then name
	// Owner is the principal a key or service account belongs to, where
	// the provider says (facade.Owner), and OwnerPerson the key of the
	// Person it is attributed to: the person holding the owner's account
	// (or the owning service account's own key); "" when it has no owner.
	Owner       facade.Owner
	OwnerPerson string
}

// Machine reports whether the account is a machine principal: a service
// account, an API key or an application.
func (a *Account) Machine() bool {
	switch a.Principal {
	case facade.ServiceAccount, facade.APIKey, facade.Application:
		return true
	}
	return false
}

// Privileged reports whether the account holds a privileged role.
func (a *Account) Privileged() bool {
	return slices.ContainsFunc(a.Roles, func(r Role) bool { return r.Privileged })
}

// merge adds what assignment as says of its account to a. An account's
// rows need not agree (an OpenAI user's organization rows carry its last
// activity, its project memberships only when it joined them), and come in
// the order the listing's requests finish, so each field takes a value
// that does not depend on that order: the latest activity, the earliest
// creation and expiry, the most severe status, the service account type
// over the human one, and the smallest non-empty text.
func (a *Account) merge(as *facade.Assignment) {
	minText := func(dst *string, v string) {
		if v != "" && (*dst == "" || v < *dst) {
			*dst = v
		}
	}
	minTime := func(dst *time.Time, v time.Time) {
		if !v.IsZero() && (dst.IsZero() || v.Before(*dst)) {
			*dst = v
		}
	}
	minText(&a.Email, as.Email)
	minText(&a.Name, as.Name)
	minText(&a.Username, as.Username)
	if statusRank(string(as.Status)) > statusRank(a.Status) {
		a.Status = string(as.Status)
	}
	if as.AccountType == facade.Service || a.AccountType == "" {
		if as.AccountType != "" {
			a.AccountType = string(as.AccountType)
		}
	}
	a.Disabled = a.Disabled || as.Disabled || as.Status == facade.StatusDisabled || as.Status == facade.StatusSuspended
	minTime(&a.Created, as.Created)
	if as.LastActivity.After(a.LastActivity) {
		a.LastActivity = as.LastActivity
	}
	minTime(&a.Expires, as.Expires)
	a.NeverExpires = a.NeverExpires || as.NeverExpires
	if as.Owner.ID != "" && (a.Owner.ID == "" || as.Owner.ID < a.Owner.ID) {
		a.Owner = as.Owner
	}
}

// statusRank orders account statuses by severity: a status more severe
// wins when an account's rows disagree.
func statusRank(s string) int {
	switch facade.Status(s) {
	case facade.StatusActive:
		return 1
	case facade.StatusOrphaned:
		return 2
	case facade.StatusDisabled:
		return 3
	case facade.StatusSuspended:
		return 4
	}
	return 0
}

// Person is everyone's accounts that share a normalised email, or one
// account without an email (no one to attribute it to).
type Person struct {
	// Key identifies the person: the normalised email, or
	// "<provider>:<user_id>" for an account without one.
	Key string
	// Email is the normalised email, "" for an account without one.
	Email string
	// Name is the first display name among the accounts, "" if none.
	Name string
	// Accounts are the person's accounts, ordered by provider and user id.
	Accounts []*Account
	// Owns are the machine principals (keys, service accounts,
	// applications) attributed to the person: those whose owner is one of
	// the person's accounts. Each is also a person of its own.
	Owns []*Account
}

// Providers lists the providers the person has accounts in, in order.
func (p *Person) Providers() []string {
	var out []string
	for _, a := range p.Accounts {
		if !slices.Contains(out, a.Provider) {
			out = append(out, a.Provider)
		}
	}
	return out
}

// Privileged reports whether the person holds a privileged role anywhere.
func (p *Person) Privileged() bool {
	return slices.ContainsFunc(p.Accounts, (*Account).Privileged)
}

// Disabled reports whether one of the person's accounts is disabled or
// suspended.
func (p *Person) Disabled() bool {
	return slices.ContainsFunc(p.Accounts, func(a *Account) bool { return a.Disabled })
}

// LastActivity is the latest activity any provider reports for the
// person; zero when none reports any.
func (p *Person) LastActivity() time.Time {
	var t time.Time
	for _, a := range p.Accounts {
		if a.LastActivity.After(t) {
			t = a.LastActivity
		}
	}
	return t
}

// Join groups assignments into accounts, one per (provider, principal
// kind, user id), and the users' accounts into people, one per normalised
// email (NormalizeEmail, with the policy's FoldPlusTags); an account
// without an email, and a principal that is not a user (a key, an
// application, a group, an invitation), is a person of its own, whose Key
// is "<provider>:<kind>:<id>". Roles are privileged by the policy where it names the provider,
// else by the provider's rule (Assignment.Privileged). People come with an
// email first, ordered by it, then the accounts without one, by key.
func Join(assignments []facade.Assignment, policy *Policy) []Person {
	fold := policy != nil && policy.FoldPlusTags
	accounts := map[[3]string]*Account{}
	var order []*Account
	for i := range assignments {
		as := &assignments[i]
		k := [3]string{as.TenantName(), string(as.Kind()), as.UserID}
		a := accounts[k]
		if a == nil {
			a = &Account{Provider: as.Provider, Tenant: as.Tenant, Principal: as.Kind(), UserID: as.UserID}
			accounts[k] = a
			order = append(order, a)
		}
		a.merge(as)
		r := Role{ID: as.RoleID, Name: as.RoleName, Kind: as.RoleKind, Scope: as.Scope, Held: as.Held, Via: as.Via}
		if r.Name == "" {
			r.Name = r.ID
		}
		r.Privileged = policy.privileged(as.Provider, &r, as.Privileged)
		a.Roles = append(a.Roles, r)
	}
	people := map[string]*Person{}
	var keys []string
	for _, a := range order {
		slices.SortFunc(a.Roles, func(x, y Role) int {
			return cmp.Or(strings.Compare(x.Scope, y.Scope), strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
		})
		var email, key string
		switch {
		case a.Principal != facade.User:
			key = a.TenantName() + ":" + string(a.Principal) + ":" + a.UserID
		default:
			email = NormalizeEmail(a.Email, fold)
			key = email
			if key == "" {
				key = a.TenantName() + ":" + a.UserID
			}
		}
		p := people[key]
		if p == nil {
			p = &Person{Key: key, Email: email}
			people[key] = p
			keys = append(keys, key)
		}
		p.Accounts = append(p.Accounts, a)
	}
	// Attribution: a machine principal belongs to the person holding its
	// owner's account in the same provider.
	personOf := map[*Account]*Person{}
	for _, k := range keys {
		for _, a := range people[k].Accounts {
			personOf[a] = people[k]
		}
	}
	for _, a := range order {
		if a.Owner.ID == "" || a.Principal == facade.User {
			continue
		}
		kind := a.Owner.Kind
		if kind == "" {
			kind = facade.User
		}
		owner := accounts[[3]string{a.TenantName(), string(kind), a.Owner.ID}]
		if owner == nil || owner == a {
			continue
		}
		if p := personOf[owner]; p != nil {
			a.OwnerPerson = p.Key
			p.Owns = append(p.Owns, a)
		}
	}
	out := make([]Person, 0, len(keys))
	for _, k := range keys {
		p := people[k]
		slices.SortFunc(p.Owns, func(x, y *Account) int {
			return cmp.Or(strings.Compare(x.Provider, y.Provider), strings.Compare(string(x.Principal), string(y.Principal)),
				strings.Compare(x.UserID, y.UserID))
		})
		slices.SortFunc(p.Accounts, func(x, y *Account) int {
			return cmp.Or(strings.Compare(x.Provider, y.Provider), strings.Compare(x.UserID, y.UserID),
				strings.Compare(string(x.Principal), string(y.Principal)))
		})
		for _, a := range p.Accounts {
			if a.Name != "" {
				p.Name = a.Name
				break
			}
		}
		out = append(out, *p)
	}
	slices.SortFunc(out, func(x, y Person) int {
		return cmp.Or(cmp.Compare(boolInt(x.Email == ""), boolInt(y.Email == "")), strings.Compare(x.Key, y.Key))
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
