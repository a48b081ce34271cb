// Package bench measures rolecall at tenant scale against the fake provider
// servers of package providertest: requests against the minimum each API
// allows, throughput and CPU time over loopback, allocations (for
// information), peak heap while streaming, wall time under simulated
// latency against the round trips the API forces and against a sequential
// loop over the generated clients, and behaviour under a server-side rate
// limit.
//
// The package's one default test (TestRequestsAreTheMinimum) asserts exact
// request counts; everything else is a benchmark (go test -bench), and
// performance is reported as ratios measured in the same run, never
// asserted on wall-clock time. make bench runs every benchmark through
// bench/report, which writes BENCHMARKS.md; the openai-go peer comparison
// lives in its own module, bench/peers, so that the library's go.mod never
// depends on the SDK.
//
// The benchmarks that measure the client's CPU, allocations and heap run
// the fake server in a child process (the test binary started again, see
// StartFake), so that the server's tenant and its work stay out of the
// numbers; the machine's cores are still shared with it.
package bench

import (
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/providertest"
)

// Providers are the providers, in report order: the registry's.
var Providers = drivers.Names()

// KeyHash hashes an assignment's identity (user id, role id, scope) with
// FNV-1a. Summing it over a listing gives an order-independent fingerprint
// of the set of assignments that a listing can be checked against without
// holding it.
func KeyHash(userID, roleID, scope string) uint64 {
	h := fnvString(fnvOffset, userID)
	h *= fnvPrime // a 0 byte between the parts: h ^ 0 is h
	h = fnvString(h, roleID)
	h *= fnvPrime
	return mix(fnvString(h, scope))
}

// FNV-1a, inline: hash/fnv's Hash would allocate in the measured loops.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

// mix is splitmix64's finalizer, so that sums of hashes do not cancel.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Expect is what a correct listing of a tenant yields: how many
// assignments, and the sum of their KeyHash.
type Expect struct {
	Assignments int
	KeySum      uint64
}

// Oracle computes Expect from the tenant's oracle rows.
func Oracle(t *providertest.Tenant) Expect {
	var e Expect
	for _, r := range t.Rows() {
		e.Assignments++
		e.KeySum += KeyHash(r.UserID, r.RoleID, r.Scope)
	}
	return e
}

// Page-size maxima and defaults of the four listing APIs, as documented.
const (
	CortexMaxPage      = 1000
	CortexDefaultPage  = 250
	VectaraMaxPage     = 100
	VectaraDefaultPage = 10
	OpenAIUsersMaxPage = 100
	OpenAIUsersDefault = 20
	OpenAIRolesMaxPage = 1000
	OpenAIRolesDefault = 20 // undocumented; the fake's choice
	LogtoMaxPage       = 100
	LogtoDefaultPage   = 20
)

// MinRequests returns, per operation id, the fewest requests that list
// every assignment of the tenant, every kind of principal the driver
// lists: the largest page everywhere, each list at least one page (an
// answer cannot be known without asking) and no call whose answer is
// already known. ⌈n/s⌉₁ below is ⌈n/s⌉, at least 1. The formulas are the
// drivers' package docs' (facade/cortex, facade/vectara, facade/openai,
// facade/logto), in the tenant's terms (providertest.Tenant):
//
//   - Cortex, pages of 1000 (CortexMaxPage), with U users (every user,
//     roles or none) and K API keys (CortexKeys): listUsers ⌈U/1000⌉₁ (the
//     users' times), getUserRoleAssignments ⌈U/1000⌉₁ and listApiKeys
//     ⌈K/1000⌉₁.
//   - Vectara, pages of 100 (VectaraMaxPage; the last page says page_key
//     "", so no call follows it), with U users, K API keys (VectaraKeys),
//     C app clients (VectaraApps), P corpora (VectaraCorpora) and A agents
//     (VectaraAgents): listUsers ⌈U/100⌉₁, listApiKeys ⌈K/100⌉₁,
//     listAppClient ⌈C/100⌉₁, listCorpora ⌈P/100⌉₁ and listAgents
//     ⌈A/100⌉₁.
//   - OpenAI, the whole access graph, pages of 100 (OpenAIUsersMaxPage)
//     for users, projects, project users, project groups, service
//     accounts, project and admin keys and invites, and of 1000
//     (OpenAIRolesMaxPage) for groups, group members and every role list:
//     list-users ⌈U/100⌉₁ and list-user-role-assignments per user
//     ⌈roles/1000⌉₁; list-groups ⌈G/1000⌉₁, per group list-group-users
//     ⌈members/1000⌉₁ and list-group-role-assignments ⌈roles/1000⌉₁;
//     list-projects ⌈P/100⌉₁ (archived ones included), per project
//     list-project-users, list-project-groups,
//     list-project-service-accounts and list-project-api-keys ⌈n/100⌉₁
//     (keys listed with owner_project_access=any: orphaned ones count),
//     per project user list-project-user-role-assignments and per project
//     group list-project-group-role-assignments ⌈roles/1000⌉₁;
//     admin-api-keys-list ⌈A/100⌉₁; list-invites ⌈I/100⌉₁ (every status:
//     the list serves them all). The role catalogues (list-roles,
//     list-project-roles) are not asked: no principal's roles run past
//     two pages.
//   - Logto, pages of 100 (LogtoMaxPage), with R tenant roles (Roles, User
//     and MachineToMachine alike), O organizations (Organizations):
//     ListRoles ⌈R/100⌉₁ (one listing of both types); ListRoleScopes R
//     (one unpaged request a role); per User role ListRoleUsers
//     ⌈u_r/100⌉₁, u_r the users holding it; per MachineToMachine role
//     ListRoleApplications ⌈a_r/100⌉₁, a_r the applications holding it
//     (Applications' Roles); ListOrganizations ⌈O/100⌉₁; per
//     organization ListOrganizationUsers ⌈m_o/100⌉₁ and
//     ListOrganizationApplications ⌈a_o/100⌉₁ (its Members and Apps);
//     ListOrganizationInvitations 1 (unpaged, every status).
func MinRequests(t *providertest.Tenant) map[string]int64 {
	m := map[string]int64{}
	// pages adds the pages of a list of n items at page size size.
	pages := func(op string, n, size int) { m[op] += int64(max(1, ceilDiv(n, size))) }
	switch t.Provider {
	case "cortex":
		pages("listUsers", len(t.Users), CortexMaxPage)
		pages("getUserRoleAssignments", len(t.Users), CortexMaxPage)
		pages("listApiKeys", len(t.CortexKeys), CortexMaxPage)
	case "vectara":
		pages("listUsers", len(t.Users), VectaraMaxPage)
		pages("listApiKeys", len(t.VectaraKeys), VectaraMaxPage)
		pages("listAppClient", len(t.VectaraApps), VectaraMaxPage)
		pages("listCorpora", len(t.VectaraCorpora), VectaraMaxPage)
		pages("listAgents", len(t.VectaraAgents), VectaraMaxPage)
	case "openai":
		openAIMinRequests(t, pages)
	case "logto":
		logtoMinRequests(t, pages)
	default:
		panic("bench: unknown provider " + t.Provider)
	}
	return m
}

// logtoMinRequests adds the pages of a Logto tenant's listing; see
// MinRequests.
func logtoMinRequests(t *providertest.Tenant, pages func(op string, n, size int)) {
	holders := map[string]int{} // by role id: its users, or its applications
	for _, u := range t.Users {
		for _, g := range u.Grants {
			holders[g.RoleID]++
		}
	}
	for _, a := range t.Applications {
		for _, id := range a.Roles {
			holders[id]++
		}
	}
	pages("ListRoles", len(t.Roles), LogtoMaxPage)
	for _, r := range t.Roles {
		pages("ListRoleScopes", 0, 1) // one request, unpaged
		if r.Machine {
			pages("ListRoleApplications", holders[r.ID], LogtoMaxPage)
		} else {
			pages("ListRoleUsers", holders[r.ID], LogtoMaxPage)
		}
	}
	pages("ListOrganizations", len(t.Organizations), LogtoMaxPage)
	for _, o := range t.Organizations {
		pages("ListOrganizationUsers", len(o.Members), LogtoMaxPage)
		pages("ListOrganizationApplications", len(o.Apps), LogtoMaxPage)
	}
	pages("ListOrganizationInvitations", 0, 1) // unpaged
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// openAIMinRequests adds the pages of an OpenAI organization's listing;
// see MinRequests.
func openAIMinRequests(t *providertest.Tenant, pages func(op string, n, size int)) {
	pages("list-users", len(t.Users), OpenAIUsersMaxPage)
	for _, u := range t.Users {
		pages("list-user-role-assignments", len(u.Grants), OpenAIRolesMaxPage)
	}
	pages("list-groups", len(t.Groups), OpenAIRolesMaxPage)
	for _, g := range t.Groups {
		pages("list-group-users", len(g.Members), OpenAIRolesMaxPage)
		pages("list-group-role-assignments", len(g.Grants), OpenAIRolesMaxPage)
	}
	pages("list-projects", len(t.Projects), OpenAIUsersMaxPage)
	for _, p := range t.Projects {
		pages("list-project-users", len(p.Users), OpenAIUsersMaxPage)
		pages("list-project-groups", len(p.Groups), OpenAIUsersMaxPage)
		pages("list-project-service-accounts", len(p.ServiceAccounts), OpenAIUsersMaxPage)
		pages("list-project-api-keys", len(p.Keys), OpenAIUsersMaxPage)
		for _, u := range p.Users {
			pages("list-project-user-role-assignments", len(u.Grants), OpenAIRolesMaxPage)
		}
		for _, g := range p.Groups {
			pages("list-project-group-role-assignments", len(g.Grants), OpenAIRolesMaxPage)
		}
	}
	pages("admin-api-keys-list", len(t.AdminKeys), OpenAIUsersMaxPage)
	pages("list-invites", len(t.Invites), OpenAIUsersMaxPage)
}
