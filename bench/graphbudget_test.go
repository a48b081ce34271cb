package bench

import (
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/providertest"
)

// graphBudgetCase is one tenant of BenchmarkGraphBudget: the provider's
// whole principal graph behind its documented rate limit, a token bucket
// of Burst requests refilling at Rate a second.
type graphBudgetCase struct {
	provider string
	users    int
	rate     float64 // requests a second
	burst    int
}

// graphBudgetCases are issue 23's Logto tenant (2,000 users, 200
// organizations, 42 tenant roles: NewTenant's) under Logto Cloud's 200
// requests per 10 s, and a Cortex workspace of 20,000 users and 500 API
// keys under Cortex's 1000 requests a minute: each the driver's default
// budget (driverkit.Budget: the window's allowance at once, then the
// rate).
var graphBudgetCases = []graphBudgetCase{
	{provider: "logto", users: 2000, rate: 20, burst: 200},
	{provider: "cortex", users: 20_000, rate: 1000.0 / 60, burst: 1000},
}

// BudgetTime is the least time a token bucket of burst requests refilling
// at rate a second lets requests requests be answered in, each taking
// latency: the first burst at once, the rest at the rate, the last one's
// answer latency after it is sent.
func BudgetTime(requests, burst int, rate float64, latency time.Duration) time.Duration {
	wait := time.Duration(float64(max(0, requests-burst)) / rate * float64(time.Second))
	return wait + latency
}

// ChainRoundTrips is the longest chain of requests a listing of t sends
// each of which cannot be sent before the previous one is answered,
// because its answer names what to ask next, for Cortex and Logto (see
// GraphRoundTrips for OpenAI's). A paged list takes one round trip, or
// two past one page (the first page tells the total; the others then go
// at once); an item on the first page names its own lists after one, an
// item further on after two.
//
//   - Cortex: the users' times, their roles and the API keys are three
//     lists none of which names another: the longest list's.
//   - Logto: the roles list, then a role's scopes and its users or
//     applications; the organizations list, then an organization's users
//     and applications; the invitations (one request).
func ChainRoundTrips(t *providertest.Tenant) int {
	walk := func(n, size int) int { return min(2, max(1, ceilDiv(n, size))) }
	at := func(i, size int) int { return min(2, i/size+1) } // when item i is known
	switch t.Provider {
	case "cortex":
		return max(walk(len(t.Users), CortexMaxPage), walk(len(t.CortexKeys), CortexMaxPage))
	case "logto":
		holders := map[string]int{}
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
		chain := walk(len(t.Roles), LogtoMaxPage)
		for i, r := range t.Roles {
			chain = max(chain, at(i, LogtoMaxPage)+walk(holders[r.ID], LogtoMaxPage))
		}
		chain = max(chain, walk(len(t.Organizations), LogtoMaxPage))
		for i, o := range t.Organizations {
			chain = max(chain, at(i, LogtoMaxPage)+max(walk(len(o.Members), LogtoMaxPage), walk(len(o.Apps), LogtoMaxPage)))
		}
		return chain
	}
	panic("bench: ChainRoundTrips of " + t.Provider)
}

// TestChainRoundTrips pins ChainRoundTrips and BudgetTime on
// hand-countable tenants.
func TestChainRoundTrips(t *testing.T) {
	// Roles a, b and m fit one page; a's 150 users take two: roles page,
	// a's first users page, the second. The second organization's 101
	// members take two as well.
	if got := ChainRoundTrips(logtoCounted()); got != 3 {
		t.Errorf("logtoCounted: chain %d, want 3", got)
	}
	// 101 organizations: the 101st is on page 2, and its one member page
	// follows it.
	lt := &providertest.Tenant{Provider: "logto", Organizations: make([]providertest.LogtoOrganization, 101)}
	if got := ChainRoundTrips(lt); got != 3 {
		t.Errorf("101 organizations: chain %d, want 3", got)
	}
	if got := ChainRoundTrips(&providertest.Tenant{Provider: "cortex", Users: make([]providertest.User, 1000)}); got != 1 {
		t.Errorf("cortex, 1000 users: chain %d, want 1", got)
	}
	if got := ChainRoundTrips(&providertest.Tenant{Provider: "cortex", Users: make([]providertest.User, 1001)}); got != 2 {
		t.Errorf("cortex, 1001 users: chain %d, want 2", got)
	}
	// 488 requests, 200 at once, 288 at 20 a second: 14.4 s, and the last
	// answer 50 ms later.
	if got := BudgetTime(488, 200, 20, 50*time.Millisecond); got != 14450*time.Millisecond {
		t.Errorf("BudgetTime(488, 200, 20/s) = %v, want 14.45s", got)
	}
	if got := BudgetTime(41, 1000, 1000.0/60, 50*time.Millisecond); got != 50*time.Millisecond {
		t.Errorf("BudgetTime within the burst = %v, want one latency", got)
	}
}

// BenchmarkGraphBudget lists each of graphBudgetCases (every kind of
// principal) with the driver's default options, its default rate budget
// included, from a fake in a child process that adds Latency to every
// request and enforces the same limit with 429s (Retry-After) as
// BenchmarkRateLimit's fake does: the client's budget, not the server's
// refusals, should pace the listing, and 429s counts any refusal. Each
// listing starts with both buckets full (a new lister; the fake's bucket
// given 10 s to fill again between listings).
//
// requests is what the client sent (429s included), min-requests
// MinRequests. The bound is the larger of what the budget allows
// (BudgetTime: burst requests at once, then the rate, the last answer
// Latency later) and the round trips the API forces (max(ChainRoundTrips,
// ⌈min-requests / concurrency⌉) × Latency, at the driver's default
// concurrency); x-bound divides the wall time by it (the target: at most
// 1.2).
func BenchmarkGraphBudget(b *testing.B) {
	for _, c := range graphBudgetCases {
		b.Run(c.provider, func(b *testing.B) {
			cfg := FakeConfig{Provider: c.provider, Users: c.users, Latency: Latency, RateLimit: c.rate, Burst: c.burst}
			tn := cfg.tenant(1) // the fake's tenant, for its chain and counts
			f := startFake(b, cfg)
			want := f.Expect
			minReq := int(total(f.Min))
			conc := defaultConcurrency(c.provider)
			var wall time.Duration
			var requests, limited int64
			first := true
			for b.Loop() {
				b.StopTimer()
				if !first {
					time.Sleep(10 * time.Second) // the fake's bucket fills again
				}
				first = false
				stats := &facade.Stats{}
				l := newLister(b, c.provider, f, facade.Options{Stats: stats})
				b.StartTimer()
				t := time.Now()
				list(b, l, want, true)
				wall += time.Since(t)
				s := stats.Snapshot()
				requests += s.Requests
				limited += s.RateLimited
			}
			n := time.Duration(b.N)
			wall /= n
			budget := BudgetTime(minReq, c.burst, c.rate, Latency)
			trips := time.Duration(max(ChainRoundTrips(tn), ceilDiv(minReq, conc))) * Latency
			bound := max(budget, trips)
			b.ReportMetric(float64(requests)/float64(b.N), "requests")
			b.ReportMetric(float64(minReq), "min-requests")
			b.ReportMetric(float64(limited)/float64(b.N), "429s")
			b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
			b.ReportMetric(float64(budget.Milliseconds()), "budget-bound-ms")
			b.ReportMetric(float64(trips.Milliseconds()), "trips-bound-ms")
			b.ReportMetric(float64(bound.Milliseconds()), "bound-ms")
			b.ReportMetric(float64(wall)/float64(bound), "x-bound")
			b.ReportMetric(float64(want.Assignments), "assignments")
			b.ReportMetric(float64(len(tn.Users)), "users")
			b.ReportMetric(float64(len(tn.Organizations)), "organizations")
			b.ReportMetric(float64(len(tn.CortexKeys)), "keys")
			b.ReportMetric(float64(ChainRoundTrips(tn)), "chain")
		})
	}
}
