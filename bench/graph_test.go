package bench

import (
	"strconv"
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
	openaidrv "github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/providertest"
)

// graphShape is BenchmarkGraph's OpenAI organization: 300 users, 20
// projects of 15 members, 10 groups, 3 of them per project (and the
// default service accounts, admin keys and invites).
var graphShape = providertest.OpenAIShape{Users: 300, Projects: 20, ProjectMembers: 15, Groups: 10, GroupsPerProject: 3}

// graphSizes are the organizations BenchmarkGraph's memory measurement
// lists, the second ten times the first (groups included).
var graphSizes = []providertest.OpenAIShape{
	graphShape,
	{Users: 3000, Projects: 200, ProjectMembers: 15, Groups: 100, GroupsPerProject: 3},
}

// GraphRoundTrips is how many round trips a listing of an OpenAI
// organization's whole access graph, requests requests at concurrency
// conc, needs at least: max(chain, ⌈requests/conc⌉). A round trip carries
// at most conc requests, hence the second term. The first is the longest
// chain of requests each of which cannot be sent before the previous one
// is answered, because its answer names what to ask next (graphChain):
// the first users page goes alone (the other root walks start once it is
// in), and then, for instance, a projects page names a project, whose
// users page names a user, whose project roles are one more request: 4
// round trips, plus the pages before each along the way (a cursor's
// pages are sequential).
//
// Against ForcedRoundTrips (1 + ⌈(requests-1)/conc⌉, the first request
// alone and every other one free to go at once): both are lower bounds;
// ForcedRoundTrips is 1 round trip tighter when the requests dominate (the
// first round trip carries one request, not conc), GraphRoundTrips is
// tighter when the chain does (a small organization at high concurrency).
// Neither counts the fan-out's drain: the requests a late page names
// cannot fill the slots of the round trips before it.
func GraphRoundTrips(t *providertest.Tenant, requests, conc int) int {
	return max(graphChain(t), ceilDiv(requests, max(conc, 1)))
}

// graphChain is the longest dependency chain of an OpenAI organization's
// listing, in requests (see GraphRoundTrips): item i of a cursor's list
// arrives with its page i/size+1, and a walk it names starts after that.
func graphChain(t *providertest.Tenant) int {
	page := func(i, size int) int { return i/size + 1 }
	pages := func(n, size int) int { return max(1, ceilDiv(n, size)) }
	chain := pages(len(t.Users), OpenAIUsersMaxPage) // an empty organization: one users page
	for i, u := range t.Users {
		chain = max(chain, page(i, OpenAIUsersMaxPage)+pages(len(u.Grants), OpenAIRolesMaxPage))
	}
	const first = 1 // the other root walks start after the first users page
	chain = max(chain, first+pages(len(t.Groups), OpenAIRolesMaxPage),
		first+pages(len(t.AdminKeys), OpenAIUsersMaxPage), first+pages(len(t.Invites), OpenAIUsersMaxPage))
	for i, g := range t.Groups {
		at := first + page(i, OpenAIRolesMaxPage)
		chain = max(chain, at+pages(len(g.Members), OpenAIRolesMaxPage), at+pages(len(g.Grants), OpenAIRolesMaxPage))
	}
	chain = max(chain, first+pages(len(t.Projects), OpenAIUsersMaxPage))
	for i, p := range t.Projects {
		at := first + page(i, OpenAIUsersMaxPage)
		chain = max(chain, at+pages(len(p.Users), OpenAIUsersMaxPage), at+pages(len(p.Groups), OpenAIUsersMaxPage),
			at+pages(len(p.ServiceAccounts), OpenAIUsersMaxPage), at+pages(len(p.Keys), OpenAIUsersMaxPage))
		for j, u := range p.Users {
			chain = max(chain, at+page(j, OpenAIUsersMaxPage)+pages(len(u.Grants), OpenAIRolesMaxPage))
		}
		for j, g := range p.Groups {
			chain = max(chain, at+page(j, OpenAIUsersMaxPage)+pages(len(g.Grants), OpenAIRolesMaxPage))
		}
	}
	return chain
}

// TestGraphRoundTrips pins GraphRoundTrips on hand-countable
// organizations.
func TestGraphRoundTrips(t *testing.T) {
	// Users page 1, a projects page, a project users page, a project
	// user's roles.
	g := providertest.NewOpenAITenant(graphShape, 1)
	if got := GraphRoundTrips(g, 0, 16); got != 4 {
		t.Errorf("graphShape's chain: %d round trips, want 4", got)
	}
	if got := GraphRoundTrips(g, 801, 16); got != 51 {
		t.Errorf("graphShape, 801 requests at 16: %d round trips, want 51", got)
	}
	// 301 invites: users page 1, then four invites pages.
	sh := pagedShape
	sh.Invites = 301
	if got := GraphRoundTrips(providertest.NewOpenAITenant(sh, 1), 1, 16); got != 5 {
		t.Errorf("301 invites: %d round trips, want 5", got)
	}
	// 1000 users: ten users pages, then the last user's roles.
	u := providertest.NewOpenAITenant(usersOnlyShape(1000), 1)
	if got := GraphRoundTrips(u, 0, 16); got != 11 {
		t.Errorf("1000 users only: %d round trips, want 11", got)
	}
}

// BenchmarkGraph lists an OpenAI organization's whole access graph
// (graphShape: 300 users, 20 projects of 15 members, 10 groups, 3 per
// project; every kind of principal) with the driver's default options
// (16 requests in flight), the client rate limiter off.
//
// latency: from a fake that adds Latency to every request (its memoizing
// front server, after a warm-up listing, as BenchmarkLatency does).
// bound-ms is GraphRoundTrips × Latency: the round trips the dependency
// chain and the concurrency force; x-bound divides the wall time by it
// (the target: at most 1.2). forced-bound-ms is ForcedRoundTrips ×
// Latency, for comparison.
//
// memory: the organization and one ten times its size (graphSizes), each
// listed from a fake in a child process with no latency, the heap
// sampled every millisecond as BenchmarkThroughput does: peak-heap-MiB
// (garbage not yet collected included) and peak-live-MiB above the heap
// before the listing, and each per assignment listed; x-flat is the
// larger organization's peak bytes a assignment over the smaller's (1:
// the peak grows no faster than the assignments, which the dedupe set
// does).
func BenchmarkGraph(b *testing.B) {
	b.Run("latency", func(b *testing.B) {
		tn := providertest.NewOpenAITenant(graphShape, 1) // the fake's tenant (seed 1), for its chain
		sh := graphShape
		f := startFake(b, FakeConfig{Provider: "openai", Users: sh.Users, Latency: Latency, Memo: true, OpenAI: &sh})
		want := f.Expect
		conc := openaidrv.DefaultConcurrency
		l := newLister(b, "openai", f, facade.Options{RateLimit: -1})
		warm(b, f, func() { list(b, l, want, true) })
		s0, err := f.Stats()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			list(b, l, want, true)
		}
		wall := b.Elapsed() / time.Duration(b.N)
		s1, err := f.Stats()
		if err != nil {
			b.Fatal(err)
		}
		reqs := (s1.Served - s0.Served) / int64(b.N)
		bound := time.Duration(GraphRoundTrips(tn, int(reqs), conc)) * Latency
		b.ReportMetric(float64(reqs), "requests")
		b.ReportMetric(float64(total(f.Min)), "min-requests")
		b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
		b.ReportMetric(float64(bound.Milliseconds()), "bound-ms")
		b.ReportMetric(float64(wall)/float64(bound), "x-bound")
		b.ReportMetric(float64((time.Duration(ForcedRoundTrips("openai", int(reqs), conc, nil)) * Latency).Milliseconds()), "forced-bound-ms")
		b.ReportMetric(float64(want.Assignments), "assignments")
		b.ReportMetric(float64(graphChain(tn)), "chain")
	})
	b.Run("memory", func(b *testing.B) {
		fakes := make([]*Fake, len(graphSizes))
		for i, sh := range graphSizes {
			fakes[i] = startFake(b, FakeConfig{Provider: "openai", Users: sh.Users, OpenAI: &sh})
		}
		peak := make([]uint64, len(graphSizes))
		live := make([]uint64, len(graphSizes))
		for b.Loop() {
			for i, f := range fakes {
				b.StopTimer()
				l := newLister(b, "openai", f, facade.Options{RateLimit: -1})
				heap0 := HeapNow()
				hs := SampleHeap()
				b.StartTimer()
				list(b, l, f.Expect, true)
				b.StopTimer()
				pk, lv := hs.Stop()
				peak[i] = max(peak[i], pk-min(pk, heap0))
				live[i] = max(live[i], lv-min(lv, heap0))
				b.StartTimer()
			}
		}
		var perA []float64
		for i, sh := range graphSizes {
			n := float64(fakes[i].Expect.Assignments)
			sfx := "-" + strconv.Itoa(sh.Users)
			b.ReportMetric(float64(peak[i])/(1<<20), "peak-heap-MiB"+sfx)
			b.ReportMetric(float64(live[i])/(1<<20), "peak-live-MiB"+sfx)
			b.ReportMetric(float64(peak[i])/n, "B/assignment"+sfx)
			b.ReportMetric(float64(live[i])/n, "live-B/assignment"+sfx)
			b.ReportMetric(n, "assignments"+sfx)
			perA = append(perA, float64(peak[i])/n)
		}
		b.ReportMetric(perA[len(perA)-1]/perA[0], "x-flat")
	})
}
