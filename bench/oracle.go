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
	"slices"

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
// every assignment of the tenant: the largest page everywhere and no call
// whose answer is already known.
//
//   - Cortex: ceil(N/1000) pages (at least one).
//   - Vectara: ceil(N/100) pages (at least one); the last page says
//     page_key "", so no call follows it.
//   - OpenAI, the whole access graph (the driver's package doc states
//     the same formula), each list at least one page (an answer cannot be
//     known without asking), pages of 100 (OpenAIUsersMaxPage) for users,
//     projects, project users, project groups, service accounts, project
//     and admin keys and invites, and of 1000 (OpenAIRolesMaxPage) for
//     groups, group members and every role list:
//     list-users ⌈U/100⌉ and list-user-role-assignments per user
//     ⌈roles/1000⌉; list-groups ⌈G/1000⌉, per group list-group-users
//     ⌈members/1000⌉ and list-group-role-assignments ⌈roles/1000⌉;
//     list-projects ⌈P/100⌉ (archived ones included), per project
//     list-project-users, list-project-groups,
//     list-project-service-accounts and list-project-api-keys ⌈n/100⌉
//     (keys listed with owner_project_access=any: orphaned ones count),
//     per project user list-project-user-role-assignments and per project
//     group list-project-group-role-assignments ⌈roles/1000⌉;
//     admin-api-keys-list ⌈A/100⌉; list-invites ⌈I/100⌉ (every status:
//     the list serves them all). The role catalogues (list-roles,
//     list-project-roles) are not asked: no principal's roles run past
//     two pages.
//   - Logto: ceil(R/100) pages of the R User roles (at least one), then for
//     each User role ceil(members/100) pages (at least one).
func MinRequests(t *providertest.Tenant) map[string]int64 {
	n := len(t.Users)
	switch t.Provider {
	case "cortex":
		return map[string]int64{"getUserRoleAssignments": int64(max(1, ceilDiv(n, CortexMaxPage)))}
	case "vectara":
		return map[string]int64{"listUsers": int64(max(1, ceilDiv(n, VectaraMaxPage)))}
	case "openai":
		return openAIMinRequests(t)
	case "logto":
		members := map[string]int{}
		for _, u := range t.Users {
			for _, g := range u.Grants {
				members[g.RoleID]++
			}
		}
		var userRoles []string
		for _, r := range t.Roles {
			if !r.Machine {
				userRoles = append(userRoles, r.ID)
			}
		}
		m := map[string]int64{"ListRoles": int64(max(1, ceilDiv(len(userRoles), LogtoMaxPage)))}
		var pages int64
		for _, id := range slices.Compact(slices.Sorted(slices.Values(userRoles))) {
			pages += int64(max(1, ceilDiv(members[id], LogtoMaxPage)))
		}
		if pages > 0 {
			m["ListRoleUsers"] = pages
		}
		return m
	}
	panic("bench: unknown provider " + t.Provider)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// openAIMinRequests is MinRequests of an OpenAI tenant; see there.
func openAIMinRequests(t *providertest.Tenant) map[string]int64 {
	m := map[string]int64{}
	// pages adds the pages of a list of n items at page size size: at
	// least one, the answer cannot be known without asking.
	pages := func(op string, n, size int) { m[op] += int64(max(1, ceilDiv(n, size))) }
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
	return m
}
