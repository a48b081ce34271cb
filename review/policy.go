package review

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/rolecall/rolecall/facade"
)

// DefaultDormantAfterDays is the dormancy threshold when the policy sets
// none: 90 days, as CIS Controls v8 5.3 and most review programmes use.
const DefaultDormantAfterDays = 90

// Policy is what a review takes from the organisation rather than from the
// providers: which roles are privileged, which email domains are the
// company's, when an account is dormant, and which accounts are exempt
// from which findings. The zero value (or nil) is the defaults: each
// provider's own privileged rule (the facade's mapping), no company
// domains, 90 days, no exemptions.
//
// A policy file is YAML or JSON (JSON is YAML) with these keys, all
// optional:
//
//	privileged:            # per provider: role names or patterns (path.Match
//	  cortex: [ADMIN, "security-*"]   # syntax), matched case-insensitively
//	  logto: ["*admin*"]   # against the role's name and id; a provider
//	                       # listed here drops its default rule
//	company_domains: [example.com, example.org]   # subdomains included
//	dormant_after_days: 90
//	fold_plus_tags: false  # true: ada+ops@x.com is ada@x.com
//	exemptions:
//	  - email: break-glass@example.com   # or user_id (with provider),
//	    type: break-glass                # or account_type: service
//	    reason: sealed credentials, tested quarterly
//	    findings: [dormant-privileged]   # default: every kind
type Policy struct {
	Privileged       map[string][]string `yaml:"privileged"`
	CompanyDomains   []string            `yaml:"company_domains"`
	DormantAfterDays int                 `yaml:"dormant_after_days"`
	FoldPlusTags     bool                `yaml:"fold_plus_tags"`
	// MaxKeyAgeDays is the age past which an API key is a KeyTooOld
	// finding, where its provider gives its creation time; 0: no maximum.
	MaxKeyAgeDays int         `yaml:"max_key_age_days"`
	Exemptions    []Exemption `yaml:"exemptions"`
}

// The exemption types.
const (
	BreakGlass     = "break-glass" // an emergency account, dormant by design
	ServiceAccount = "service"     // an account a program uses
)

// Exemption exempts the accounts it matches from findings: they are still
// reported, marked exempt with the exemption's type and reason. Every
// field given must match; at least one of UserID, Email and AccountType
// must be given, or Principal.
type Exemption struct {
	Provider string `yaml:"provider"` // "" any provider
	// Principal is the kind of principal exempted (facade.PrincipalKind:
	// service_account, api_key, …); "" any kind.
	Principal   string `yaml:"principal"`
	UserID      string `yaml:"user_id"`      // the provider's user id
	Email       string `yaml:"email"`        // matched normalised
	AccountType string `yaml:"account_type"` // "human" or "service"
	Type        string `yaml:"type"`         // BreakGlass or ServiceAccount
	Reason      string `yaml:"reason"`       // why: shown with each exempt finding
	Findings    []Kind `yaml:"findings"`     // the kinds exempted; none: every kind
}

// ReadPolicyFile reads a policy file (YAML or JSON).
func ReadPolicyFile(name string) (*Policy, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("review: policy: %w", err)
	}
	p, err := ParsePolicy(b)
	if err != nil {
		return nil, fmt.Errorf("review: policy %s: %w", name, err)
	}
	return p, nil
}

// ParsePolicy parses a policy (YAML or JSON) and checks it: unknown keys,
// bad patterns, a negative threshold, an exemption that matches nothing
// or lacks its type or reason are errors.
func ParsePolicy(data []byte) (*Policy, error) {
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return &p, nil
}

func (p *Policy) check() error {
	var errs []error
	for prov, pats := range p.Privileged {
		for _, pat := range pats {
			if _, err := path.Match(strings.ToLower(pat), ""); err != nil || strings.TrimSpace(pat) == "" {
				errs = append(errs, fmt.Errorf("privileged: %s: bad pattern %q", prov, pat))
			}
		}
	}
	if p.DormantAfterDays < 0 {
		errs = append(errs, fmt.Errorf("dormant_after_days: %d is negative", p.DormantAfterDays))
	}
	if p.MaxKeyAgeDays < 0 {
		errs = append(errs, fmt.Errorf("max_key_age_days: %d is negative", p.MaxKeyAgeDays))
	}
	for i, d := range p.CompanyDomains {
		if d = strings.TrimSpace(d); d == "" || strings.Contains(d, "@") {
			errs = append(errs, fmt.Errorf("company_domains: %q is not a domain", p.CompanyDomains[i]))
		}
	}
	for i, e := range p.Exemptions {
		at := fmt.Sprintf("exemptions[%d]", i)
		if e.UserID == "" && e.Email == "" && e.AccountType == "" && e.Principal == "" {
			errs = append(errs, fmt.Errorf("%s: names no account (user_id, email, account_type or principal)", at))
		}
		if e.Principal != "" {
			if _, err := facade.ParseKind(e.Principal); err != nil {
				errs = append(errs, fmt.Errorf("%s: principal: %w", at, err))
			}
		}
		if e.UserID != "" && e.Provider == "" {
			errs = append(errs, fmt.Errorf("%s: user_id %q needs its provider", at, e.UserID))
		}
		if e.AccountType != "" && e.AccountType != string(facade.Human) && e.AccountType != string(facade.Service) {
			errs = append(errs, fmt.Errorf("%s: account_type %q is not human or service", at, e.AccountType))
		}
		if e.Type != BreakGlass && e.Type != ServiceAccount {
			errs = append(errs, fmt.Errorf("%s: type %q is not %s or %s", at, e.Type, BreakGlass, ServiceAccount))
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, fmt.Errorf("%s: a reason is required (an auditor will ask)", at))
		}
		for _, k := range e.Findings {
			if !slices.Contains(Kinds, k) {
				errs = append(errs, fmt.Errorf("%s: unknown finding %q", at, k))
			}
		}
	}
	return errors.Join(errs...)
}

// dormantAfterDays is the threshold in days.
func (p *Policy) dormantAfterDays() int {
	if p == nil || p.DormantAfterDays == 0 {
		return DefaultDormantAfterDays
	}
	return p.DormantAfterDays
}

// Apply sets a.Privileged by the policy: by its patterns when it names
// a's provider; otherwise a keeps the provider's default rule. A nil
// policy changes nothing.
func (p *Policy) Apply(a *facade.Assignment) {
	r := Role{ID: a.RoleID, Name: a.RoleName}
	a.Privileged = p.privileged(a.Provider, &r, a.Privileged)
}

// privileged reports whether role is privileged for provider: by the
// policy's patterns when it names the provider, else by the provider's
// default rule (def).
func (p *Policy) privileged(provider string, r *Role, def bool) bool {
	if p == nil {
		return def
	}
	pats, ok := p.Privileged[provider]
	if !ok {
		return def
	}
	for _, pat := range pats {
		pat = strings.ToLower(pat)
		for _, s := range []string{r.Name, r.ID} {
			if ok, _ := path.Match(pat, strings.ToLower(s)); ok {
				return true
			}
		}
	}
	return false
}

// companyDomain reports whether email's domain is one of the company's (or
// a subdomain of one); known is false when the policy names none.
func (p *Policy) companyDomain(email string) (company, known bool) {
	if p == nil || len(p.CompanyDomains) == 0 {
		return false, false
	}
	_, domain, ok := strings.Cut(email, "@")
	if !ok {
		return false, true
	}
	for _, d := range p.CompanyDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true, true
		}
	}
	return false, true
}

// exemption returns the first exemption of account a from findings of
// kind k, or nil.
func (p *Policy) exemption(a *Account, k Kind) *Exemption {
	if p == nil {
		return nil
	}
	for i := range p.Exemptions {
		e := &p.Exemptions[i]
		switch {
		case e.Provider != "" && !strings.EqualFold(e.Provider, a.Provider),
			e.UserID != "" && e.UserID != a.UserID,
			e.Email != "" && NormalizeEmail(e.Email, p.FoldPlusTags) != NormalizeEmail(a.Email, p.FoldPlusTags),
			e.AccountType != "" && e.AccountType != a.AccountType,
			e.Principal != "" && !principalIs(e.Principal, a.Principal),
			len(e.Findings) > 0 && !slices.Contains(e.Findings, k):
			continue
		}
		return e
	}
	return nil
}

// NormalizeEmail is the person join's key for an email: trimmed and
// case-folded; with foldPlus, a "+tag" in the local part is dropped
// (ada+ops@x.com is ada@x.com). "" stays "".
func NormalizeEmail(email string, foldPlus bool) string {
	e := strings.ToLower(strings.TrimSpace(email))
	if foldPlus {
		if local, domain, ok := strings.Cut(e, "@"); ok {
			if base, _, tagged := strings.Cut(local, "+"); tagged && base != "" {
				e = base + "@" + domain
			}
		}
	}
	return e
}

// principalIs reports whether the exemption's principal names kind k.
func principalIs(name string, k facade.PrincipalKind) bool {
	p, err := facade.ParseKind(name)
	return err == nil && p == cmp.Or(k, facade.User)
}
