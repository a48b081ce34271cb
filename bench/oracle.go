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
//   - OpenAI: ceil(N/100) user pages (at least one), then one roles call
//     per user for each started 1000 roles (at least one: a user's roles
//     cannot be known without asking).
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
		m := map[string]int64{"list-users": int64(max(1, ceilDiv(n, OpenAIUsersMaxPage)))}
		if n > 0 {
			var roles int64
			for _, u := range t.Users {
				roles += int64(max(1, ceilDiv(len(u.Grants), OpenAIRolesMaxPage)))
			}
			m["list-user-role-assignments"] = roles
		}
		return m
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
