package review

import (
	"fmt"
	"strings"
	"time"
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
)

// Kinds lists the kinds of finding in report order.
var Kinds = []Kind{Disabled, TerminatedEmployee, Orphaned, Dormant, ActivityUnknown, NoEmail, External}

// Finding is one thing a reviewer must look at: which person, which
// provider account, which roles, and why.
type Finding struct {
	Kind     Kind
	Person   string   // the person's key (Person.Key)
	Provider string   // the account's provider
	UserID   string   // the account's user id
	Email    string   // the account's email as the provider has it
	Roles    []string // the roles concerned, "name" or "name (scope)"
	Reason   string   // why, in a sentence
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
	var out []Finding
	for pi := range people {
		person := &people[pi]
		for _, a := range person.Accounts {
			add := func(k Kind, roles []string, reason string, args ...any) {
				out = append(out, Finding{Kind: k, Person: person.Key, Provider: a.Provider, UserID: a.UserID,
					Email: a.Email, Roles: roles, Reason: fmt.Sprintf(reason, args...), Exemption: p.exemption(a, k)})
			}
			all, privileged := roleNames(a.Roles, false), roleNames(a.Roles, true)
			if a.Disabled {
				status := a.Status
				if status == "" {
					status = "disabled"
				}
				add(Disabled, all, "the account is %s but still holds %s", status, count(len(all), "role"))
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

// roleNames names an account's roles (only the privileged ones, if asked):
// "name" or "name (scope)".
func roleNames(roles []Role, privilegedOnly bool) []string {
	var out []string
	for _, r := range roles {
		if privilegedOnly && !r.Privileged {
			continue
		}
		n := r.Name
		if r.Scope != "" {
			n += " (" + r.Scope + ")"
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
