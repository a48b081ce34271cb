package review

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
)

// org is an OpenAI organization holding one case of each machine-access
// finding, and beside each its absent case.
func org() []facade.Assignment {
	ada := facade.Owner{Kind: facade.User, ID: "u-ada", Name: "Ada"}
	bob := facade.Owner{Kind: facade.User, ID: "u-bob", Name: "Bob"}
	key := func(id string, a facade.Assignment) facade.Assignment {
		a.Provider, a.Principal, a.UserID, a.Held = "openai", facade.APIKey, id, facade.ThroughOwner
		if a.RoleID == "" {
			a.RoleID, a.RoleName, a.Scope = "member", "member", "project/p1"
		}
		return a
	}
	return []facade.Assignment{
		{Provider: "openai", UserID: "u-ada", Email: "ada@example.com", RoleID: "owner", RoleName: "owner", Scope: "api.organization",
			Held: facade.Legacy, Status: facade.StatusActive, LastActivity: days(3), Privileged: true},
		{Provider: "openai", UserID: "u-bob", Email: "bob@example.com", RoleID: "reader", RoleName: "reader", Scope: "api.organization",
			Held: facade.Legacy, Status: facade.StatusDisabled, Disabled: true, LastActivity: days(3)},
		{Provider: "openai", UserID: "u-cy", Email: "cy@example.com", RoleID: "reader", RoleName: "reader", Scope: "api.organization",
			Held: facade.Legacy, Status: facade.StatusActive, LastActivity: days(3)},
		// privileged-via-group: Ada's org writer through a group only; her
		// billing role both ways (held direct) is no finding.
		{Provider: "openai", UserID: "u-ada", Email: "ada@example.com", RoleID: "r-w", RoleName: "Org writer", Scope: "api.organization",
			Held: facade.ThroughGroup, Via: "group/g-eng", LastActivity: days(3), Privileged: true},
		{Provider: "openai", UserID: "u-ada", Email: "ada@example.com", RoleID: "r-b", RoleName: "Billing admin", Scope: "api.organization",
			Held: facade.Direct, Via: "group/g-fin", LastActivity: days(3), Privileged: true},
		// keys: the admin key that never expires; one that does; a used one,
		// a stale one and one never used; an orphaned one; one of a
		// disabled owner; an old one.
		key("k-admin", facade.Assignment{RoleID: "owner", RoleName: "owner", Scope: "api.organization", Owner: ada, NeverExpires: true,
			Privileged: true, LastActivity: days(1), Created: days(10), Status: facade.StatusActive}),
		key("k-admin-exp", facade.Assignment{RoleID: "owner", RoleName: "owner", Scope: "api.organization", Owner: ada,
			Expires: asOf.AddDate(0, 1, 0), Privileged: true, LastActivity: days(1), Created: days(10), Status: facade.StatusActive}),
		key("k-stale", facade.Assignment{Owner: ada, LastActivity: days(200), Created: days(300), Status: facade.StatusActive}),
		key("k-never", facade.Assignment{Owner: ada, Created: days(30), Status: facade.StatusActive}),
		key("k-orphan", facade.Assignment{Owner: facade.Owner{Kind: facade.User, ID: "u-gone"}, LastActivity: days(2), Created: days(30),
			Status: facade.StatusOrphaned}),
		key("k-bob", facade.Assignment{Owner: bob, LastActivity: days(2), Created: days(30), Status: facade.StatusActive}),
		key("k-old", facade.Assignment{Owner: facade.Owner{Kind: facade.ServiceAccount, ID: "sa-ci"}, LastActivity: days(2), Created: days(800),
			Status: facade.StatusActive}),
		// service accounts: OpenAI reports no use for them (a notice); the
		// owner one is privileged, the member one not.
		{Provider: "openai", Principal: facade.ServiceAccount, UserID: "sa-ci", Name: "ci", RoleID: "owner", RoleName: "owner",
			Scope: "project/p1", Held: facade.Legacy, AccountType: facade.Service, Privileged: true},
		{Provider: "openai", Principal: facade.ServiceAccount, UserID: "sa-bot", Name: "bot", RoleID: "member", RoleName: "member",
			Scope: "project/p1", Held: facade.Legacy, AccountType: facade.Service},
		// invitations: an owner invite, a reader one, one outside the domains.
		{Provider: "openai", Principal: facade.Invitation, UserID: "inv-1", Email: "new@example.com", RoleID: "owner", RoleName: "owner",
			Scope: "api.organization", Held: facade.Legacy, Privileged: true},
		{Provider: "openai", Principal: facade.Invitation, UserID: "inv-2", Email: "temp@example.com", RoleID: "reader", RoleName: "reader",
			Scope: "api.organization", Held: facade.Legacy},
		{Provider: "openai", Principal: facade.Invitation, UserID: "inv-3", Email: "x@partner.example", RoleID: "reader", RoleName: "reader",
			Scope: "api.organization", Held: facade.Legacy},
	}
}

// findingsOf is the kinds found for each principal id.
func findingsOf(fs []Finding) map[string][]Kind {
	out := map[string][]Kind{}
	for _, f := range fs {
		out[f.UserID] = append(out[f.UserID], f.Kind)
	}
	return out
}

func TestMachineAccessFindings(t *testing.T) {
	p := &Policy{CompanyDomains: []string{"example.com"}, MaxKeyAgeDays: 365}
	roster, err := ReadRoster(strings.NewReader("email,status\nada@example.com,active\nbob@example.com,active\ncy@example.com,terminated\n"))
	require.NoError(t, err)
	people := Join(org(), p)
	got := findingsOf(Review(people, Options{Policy: p, Roster: roster, AsOf: asOf}))

	assert.Equal(t, []Kind{GroupOnly}, got["u-ada"], "the writer role through a group only; billing is also held directly")
	assert.Equal(t, []Kind{NoExpiry, MachinePrivileged}, got["k-admin"])
	assert.Equal(t, []Kind{MachinePrivileged}, got["k-admin-exp"], "it expires")
	assert.Equal(t, []Kind{MachineUnused}, got["k-stale"], "last used 200 days ago")
	assert.Equal(t, []Kind{MachineUnused}, got["k-never"], "never used, while OpenAI reports other keys' use")
	assert.Equal(t, []Kind{OwnerGone}, got["k-orphan"], "its owner lost access")
	assert.Equal(t, []Kind{OwnerGone}, got["k-bob"], "its owner is disabled")
	assert.Equal(t, []Kind{KeyTooOld}, got["k-old"], "800 days old, past 365")
	assert.Equal(t, []Kind{ActivityUnknown, MachinePrivileged}, got["sa-ci"], "no use reported for service accounts: a notice")
	assert.Equal(t, []Kind{ActivityUnknown}, got["sa-bot"])
	assert.Equal(t, []Kind{InvitationPrivileged}, got["inv-1"])
	assert.Empty(t, got["inv-2"], "a reader invite inside the domains")
	assert.Equal(t, []Kind{External}, got["inv-3"])
	for id, kinds := range got {
		assert.NotContains(t, kinds, NoEmail, "%s: a machine principal or invitation is no account without an email", id)
	}

	// The owner terminated on the roster.
	fs := Review(Join(append(org(), facade.Assignment{Provider: "openai", Principal: facade.APIKey, UserID: "k-cy", RoleID: "member",
		RoleName: "member", Scope: "project/p1", Owner: facade.Owner{Kind: facade.User, ID: "u-cy"}, LastActivity: days(1),
		Status: facade.StatusActive}), p), Options{Policy: p, Roster: roster, AsOf: asOf})
	assert.Equal(t, []Kind{OwnerGone}, findingsOf(fs)["k-cy"])

	// Without a maximum age, no key is too old.
	assert.Empty(t, findingsOf(Review(Join(org(), nil), Options{AsOf: asOf}))["k-old"])
}

func TestMachinePrincipalsAreAttributed(t *testing.T) {
	people := Join(org(), nil)
	byKey := map[string]*Person{}
	for i := range people {
		byKey[people[i].Key] = &people[i]
	}
	ada := byKey["ada@example.com"]
	require.NotNil(t, ada)
	var owns []string
	for _, a := range ada.Owns {
		owns = append(owns, a.UserID)
	}
	assert.Equal(t, []string{"k-admin", "k-admin-exp", "k-never", "k-stale"}, owns)
	ci := byKey["openai:service_account:sa-ci"]
	require.NotNil(t, ci)
	require.Len(t, ci.Owns, 1, "a key owned by a service account is attributed to it")
	assert.Equal(t, "k-old", ci.Owns[0].UserID)
	fs := Review(people, Options{AsOf: asOf})
	for _, f := range fs {
		switch f.UserID {
		case "k-admin":
			assert.Equal(t, "ada@example.com", f.Owner)
			assert.Equal(t, facade.APIKey, f.Principal)
		case "k-orphan":
			assert.Equal(t, "no owner", f.Owner, "its owner holds no listed account")
		}
	}
	assert.Contains(t, roleNames(ada.Accounts[0].Roles, false), "Org writer (api.organization, via group/g-eng)")
}

func TestExemptionByPrincipal(t *testing.T) {
	p, err := ParsePolicy([]byte("exemptions:\n  - provider: openai\n    principal: service-account\n    type: service\n    reason: CI accounts, reviewed by platform\n"))
	require.NoError(t, err)
	for _, f := range Review(Join(org(), p), Options{Policy: p, AsOf: asOf}) {
		assert.Equal(t, f.Principal == facade.ServiceAccount, f.Exempt(), "%s %s", f.UserID, f.Kind)
	}
	_, err = ParsePolicy([]byte("exemptions:\n  - principal: robot\n    type: service\n    reason: x\n"))
	assert.ErrorContains(t, err, "unknown principal kind")
	_, err = ParsePolicy([]byte("max_key_age_days: -1\n"))
	assert.ErrorContains(t, err, "max_key_age_days")
}

// An account's rows in any order give the same account: an OpenAI user's
// project membership (no activity, a later created time) listed before or
// after its organization row.
func TestJoinDoesNotDependOnRowOrder(t *testing.T) {
	rows := []facade.Assignment{
		{Provider: "openai", UserID: "u-1", Email: "ada@example.com", Name: "Ada", RoleID: "member", RoleName: "member",
			Scope: "project/p1", Held: facade.Legacy, Created: days(10)},
		{Provider: "openai", UserID: "u-1", Email: "ada@example.com", Name: "Ada", RoleID: "owner", RoleName: "owner",
			Scope: "api.organization", Held: facade.Legacy, Status: facade.StatusActive, AccountType: facade.Human,
			Created: days(400), LastActivity: days(2), Privileged: true},
	}
	forward := Join(rows, nil)
	backward := Join([]facade.Assignment{rows[1], rows[0]}, nil)
	require.Len(t, forward, 1)
	a, b := forward[0].Accounts[0], backward[0].Accounts[0]
	assert.Equal(t, days(2), a.LastActivity, "the organization row's activity")
	assert.Equal(t, days(400), a.Created, "the earliest creation")
	assert.Equal(t, "active", a.Status)
	assert.Equal(t, a, b)
	assert.Empty(t, Review(forward, Options{AsOf: asOf}), "active two days ago: no activity-unknown finding")
}
