package review

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rolecall/rolecall/facade"
)

// Kind is a kind of finding.
type Kind string

// The kinds of finding, in the order a review lists them.
const (
	// Disabled: a disabled or suspended account that still holds roles.
	Disabled Kind = "disabled-with-roles"
	// Dormant: an account holding a privileged role whose last activity
	// is older than the policy's threshold.
	Dormant Kind = "dormant-privileged"
	// ActivityUnknown: an account holding a privileged role whose
	// provider reports no activity for it. It is listed for the reviewer
	// to check, not counted as dormant, and is not an open finding.
	ActivityUnknown Kind = "activity-unknown"
	// NoEmail: an account without an email, which no one can be held to.
	NoEmail Kind = "no-email"
	// External: an account whose email is outside the policy's company
	// domains.
	External Kind = "external-domain"
	// Orphaned: an account whose person is not on the roster.
	Orphaned Kind = "not-on-roster"
	// TerminatedEmployee: an account of someone the roster says is
	// terminated (whether or not the account is disabled).
	TerminatedEmployee Kind = "terminated"
	// GroupOnly: a privileged role a user holds only through a group: the
	// edge to remove is the membership (the finding names the group).
	GroupOnly Kind = "privileged-via-group"
	// MachinePrivileged: a machine principal (a service account, an API
	// key, an application) holding a privileged role.
	MachinePrivileged Kind = "machine-privileged"
	// MachineUnused: a key, service account or application never used, or
	// last used longer ago than the dormancy threshold, where its provider
	// reports use for its kind (else an ActivityUnknown notice).
	MachineUnused Kind = "machine-unused"
	// NoExpiry: a key that never expires (its provider says so) and holds
	// a privileged role (an OpenAI admin key).
	NoExpiry Kind = "privileged-key-no-expiry"
	// KeyTooOld: a key created longer ago than the policy's
	// max_key_age_days (only where the provider gives its creation time).
	KeyTooOld Kind = "key-too-old"
	// OwnerGone: a key or application whose owner has lost access (OpenAI
	// owner_project_access inactive), is disabled, or is terminated on the
	// roster.
	OwnerGone Kind = "owner-gone"
	// InvitationPrivileged: a pending invitation that carries a privileged
	// role (an invitation to an address outside the company domains is an
	// External finding).
	InvitationPrivileged Kind = "invitation-privileged"
)

// Kinds lists the kinds of finding in report order.
var Kinds = []Kind{Disabled, TerminatedEmployee, Orphaned, Dormant, ActivityUnknown, NoEmail, External, GroupOnly,
	MachinePrivileged, MachineUnused, NoExpiry, KeyTooOld, OwnerGone, InvitationPrivileged}

// Finding is one thing a reviewer must look at: which person, which
// provider account, which roles, and why.
type Finding struct {
	Kind     Kind
	Person   string // the person's key (Person.Key)
	Provider string // the account's provider
	// Tenant is the account's tenant (Account.Tenant): "" for the
	// provider's one tenant.
	Tenant string
	// Principal is the account's kind of principal (a user's account, a
	// key, …), and Owner the person a machine principal is attributed to
	// (Account.OwnerPerson; "no owner" when none is known).
	Principal facade.PrincipalKind
	Owner     string
	UserID    string   // the account's user id
	Email     string   // the account's email as the provider has it
	Roles     []string // the roles concerned, "name" or "name (scope)"
	Reason    string   // why, in a sentence
	// Exemption is the policy exemption that covers the finding, nil if
	// none: the finding is shown as exempt, not hidden.
	Exemption *Exemption
}

// Exempt reports whether a policy exemption covers the finding.
func (f *Finding) Exempt() bool { return f.Exemption != nil }

// Open reports whether the finding needs action: not exempt, and not a
// notice (ActivityUnknown). A scheduled review fails on open findings.
func (f *Finding) Open() bool { return f.Exemption == nil && f.Kind != ActivityUnknown }

// Disposition is "open", "exempt" or "notice".
func (f *Finding) Disposition() string {
	switch {
	case f.Exemption != nil:
		return "exempt"
	case f.Kind == ActivityUnknown:
		return "notice"
	}
	return "open"
}

// Options configure a review.
type Options struct {
	// Policy is the organisation's policy; nil is the defaults.
	Policy *Policy
	// Roster, if not nil, adds the Orphaned and TerminatedEmployee
	// findings.
	Roster *Roster
	// AsOf is the review's clock: dormancy is measured back from it. The
	// zero value means time.Now(); tests and the demo set it.
	AsOf time.Time
}

// Review returns the findings about people (from Join with the same
// policy), in the people's order, then their accounts', then Kinds'.
func Review(people []Person, o Options) []Finding {
	asOf := o.AsOf
	if asOf.IsZero() {
		asOf = time.Now()
	}
	asOf = asOf.UTC()
	p := o.Policy
	days := p.dormantAfterDays()
	threshold := asOf.Add(-time.Duration(days) * 24 * time.Hour)
	fold := p != nil && p.FoldPlusTags
	var roster map[string]*Employee
	if o.Roster != nil {
		roster = o.Roster.index(fold)
	}
	// A provider that reports activity for some account records none for
	// the others: they never signed in (or used a key). One that reports
	// it for no account may not report it at all.
	reports := map[string]bool{}
	for pi := range people {
		for _, a := range people[pi].Accounts {
			if !a.LastActivity.IsZero() {
				reports[a.Provider] = true
			}
		}
	}
	// The same for machine principals, per provider and kind: a provider
	// that reports a key's last use for some key records none for the
	// keys never used.
	uses := map[[2]string]bool{}
	owners := map[[3]string]*Account{}
	personOf := map[string]*Person{}
	for pi := range people {
		personOf[people[pi].Key] = &people[pi]
		for _, a := range people[pi].Accounts {
			owners[[3]string{a.TenantName(), string(a.Principal), a.UserID}] = a
			if a.Machine() && !a.LastActivity.IsZero() {
				uses[[2]string{a.Provider, string(a.Principal)}] = true
			}
		}
	}
	maxAge := 0
	if p != nil {
		maxAge = p.MaxKeyAgeDays
	}
	var out []Finding
	for pi := range people {
		person := &people[pi]
		for _, a := range person.Accounts {
			add := func(k Kind, roles []string, reason string, args ...any) {
				f := Finding{Kind: k, Person: person.Key, Provider: a.Provider, Tenant: a.Tenant, Principal: a.Principal, UserID: a.UserID,
					Email: a.Email, Roles: roles, Reason: fmt.Sprintf(reason, args...), Exemption: p.exemption(a, k)}
				if a.Machine() {
					f.Owner = cmp.Or(a.OwnerPerson, "no owner")
				}
				out = append(out, f)
			}
			all, privileged := roleNames(a.Roles, false), roleNames(a.Roles, true)
			if a.Disabled {
				status := a.Status
				if status == "" {
					status = "disabled"
				}
				add(Disabled, all, "the account is %s but still holds %s", status, count(len(all), "role"))
			}
			switch {
			case a.Machine():
				machine(a, add, privileged, uses[[2]string{a.Provider, string(a.Principal)}], threshold, asOf, days, maxAge)
				owner := owners[[3]string{a.TenantName(), string(cmp.Or(a.Owner.Kind, facade.User)), a.Owner.ID}]
				var op *Person
				if a.OwnerPerson != "" {
					op = personOf[a.OwnerPerson]
				}
				switch {
				case a.Status == string(facade.StatusOrphaned):
					add(OwnerGone, all, "its owner %s has lost access to %s; the key still works", ownerName(a), scopes(a.Roles))
				case owner != nil && owner.Disabled:
					add(OwnerGone, all, "its owner %s is %s", ownerName(a), cmp.Or(owner.Status, "disabled"))
				case op != nil && roster != nil && op.Email != "" && roster[op.Email] != nil && roster[op.Email].Status == Terminated:
					add(OwnerGone, all, "its owner %s is terminated on the roster", op.Email)
				}
				continue
			case a.Principal == facade.Invitation:
				if len(privileged) > 0 {
					add(InvitationPrivileged, privileged, "a pending invitation to %s carries %s", a.Email, count(len(privileged), "privileged role"))
				}
				if company, known := p.companyDomain(NormalizeEmail(a.Email, fold)); known && !company && a.Email != "" {
					_, domain, _ := strings.Cut(a.Email, "@")
					add(External, all, "a pending invitation to %s, not a company domain (%s)", strings.ToLower(domain), strings.Join(p.CompanyDomains, ", "))
				}
				continue
			case a.Principal != facade.User:
				continue // a group: its members' rows carry what it passes on
			}
			if roster != nil && person.Email != "" {
				switch e := roster[person.Email]; {
				case e == nil:
					add(Orphaned, all, "%s is not on the roster", person.Email)
				case e.Status == Terminated:
					add(TerminatedEmployee, all, "%s is terminated on the roster and still holds %s", person.Email,
						count(len(all), "role"))
				}
			}
			if len(privileged) > 0 {
				switch {
				case a.LastActivity.IsZero() && reports[a.Provider]:
					add(ActivityUnknown, privileged, "%s records no activity for this account (never signed in or used)%s; check it by hand",
						a.Provider, created(a.Created))
				case a.LastActivity.IsZero():
					add(ActivityUnknown, privileged, "%s reports no activity for any account; check it by hand", a.Provider)
				case a.LastActivity.Before(threshold):
					add(Dormant, privileged, "last active %s, %d days before %s (threshold %d days)",
						a.LastActivity.UTC().Format(time.DateOnly), int(asOf.Sub(a.LastActivity).Hours()/24),
						asOf.Format(time.DateOnly), days)
				}
			}
			if via := groupOnly(a.Roles); len(via) > 0 {
				for _, g := range via {
					add(GroupOnly, g.roles, "held only through %s: remove the membership, or grant the role directly if it is needed", g.via)
				}
			}
			if person.Email == "" {
				add(NoEmail, all, "the account has no email: no one to attribute it to")
			} else if company, known := p.companyDomain(person.Email); known && !company {
				_, domain, _ := strings.Cut(person.Email, "@")
				add(External, all, "%s is not a company domain (%s)", domain, strings.Join(p.CompanyDomains, ", "))
			}
		}
	}
	return out
}

// machine adds the findings about machine principal a's use, expiry, age
// and privilege.
func machine(a *Account, add func(Kind, []string, string, ...any), privileged []string, reportsUse bool,
	threshold, asOf time.Time, days, maxAge int) {
	all := roleNames(a.Roles, false)
	kind := kindName(a.Principal)
	switch {
	case a.LastActivity.IsZero() && reportsUse:
		add(MachineUnused, all, "this %s was never used%s", kind, created(a.Created))
	case a.LastActivity.IsZero():
		add(ActivityUnknown, all, "%s does not report when %s %s was last used; check it by hand", a.Provider, article(kind), kind)
	case a.LastActivity.Before(threshold):
		add(MachineUnused, all, "last used %s, %d days before %s (threshold %d days)",
			a.LastActivity.UTC().Format(time.DateOnly), int(asOf.Sub(a.LastActivity).Hours()/24), asOf.Format(time.DateOnly), days)
	}
	if a.NeverExpires && len(privileged) > 0 {
		add(NoExpiry, privileged, "this %s never expires and holds %s", kind, count(len(privileged), "privileged role"))
	}
	if maxAge > 0 && a.Principal == facade.APIKey && !a.Created.IsZero() && a.Created.Before(asOf.AddDate(0, 0, -maxAge)) {
		add(KeyTooOld, all, "created %s, %d days before %s (policy maximum %d days)", a.Created.UTC().Format(time.DateOnly),
			int(asOf.Sub(a.Created).Hours()/24), asOf.Format(time.DateOnly), maxAge)
	}
	if len(privileged) > 0 {
		add(MachinePrivileged, privileged, "%s %s holds %s; no person signs in as it", article(kind), kind, count(len(privileged), "privileged role"))
	}
}

// viaGroup is the privileged roles held only through one group.
type viaGroup struct {
	via   string
	roles []string
}

// groupOnly returns, per group, the privileged roles a holds only through
// it (no direct or legacy holding of the same role in the same scope).
func groupOnly(roles []Role) []viaGroup {
	var out []viaGroup
	for _, r := range roles {
		if !r.Privileged || r.Held != facade.ThroughGroup || r.Via == "" {
			continue
		}
		i := slices.IndexFunc(out, func(g viaGroup) bool { return g.via == r.Via })
		if i < 0 {
			out = append(out, viaGroup{via: r.Via})
			i = len(out) - 1
		}
		out[i].roles = append(out[i].roles, roleNames([]Role{r}, false)[0])
	}
	return out
}

// kindName names a kind of principal in a sentence: "API key".
func kindName(k facade.PrincipalKind) string {
	if k == facade.APIKey {
		return "API key"
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

// article is "a" or "an" before word.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiouAEIOU", rune(word[0])) {
		return "an"
	}
	return "a"
}

// ownerName names a's owner: "<kind> <name or id>".
func ownerName(a *Account) string {
	n := cmp.Or(a.Owner.Name, a.Owner.ID)
	if n == "" {
		return "(unknown)"
	}
	return strings.ReplaceAll(string(cmp.Or(a.Owner.Kind, facade.User)), "_", " ") + " " + n
}

// scopes names the scopes of roles, comma-joined.
func scopes(roles []Role) string {
	var out []string
	for _, r := range roles {
		if s := cmp.Or(r.Scope, "the tenant"); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}

// roleNames names an account's roles (only the privileged ones, if asked):
// "name" or "name (scope)".
func roleNames(roles []Role, privilegedOnly bool) []string {
	var out []string
	for _, r := range roles {
		if privilegedOnly && !r.Privileged {
			continue
		}
		n := r.Name
		switch {
		case r.Scope != "" && r.Held == facade.ThroughGroup && r.Via != "":
			n += " (" + r.Scope + ", via " + r.Via + ")"
		case r.Scope != "":
			n += " (" + r.Scope + ")"
		case r.Held == facade.ThroughGroup && r.Via != "":
			n += " (via " + r.Via + ")"
		}
		out = append(out, n)
	}
	return out
}

// created is ", created <date>" for a known creation time.
func created(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ", created " + t.UTC().Format(time.DateOnly)
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Open counts the open findings (Finding.Open).
func Open(findings []Finding) int {
	n := 0
	for i := range findings {
		if findings[i].Open() {
			n++
		}
	}
	return n
}
