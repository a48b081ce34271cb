package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/drivers"
)

func TestMain(m *testing.M) {
	ServeFakeIfChild()
	os.Exit(m.Run())
}

// Tenant sizes (users) of the benchmarks.
var (
	// throughputUsers: no latency, client CPU-bound. OpenAI needs a
	// request per user, so its tenant is smaller.
	throughputUsers = map[string]int{"cortex": 100_000, "openai": 10_000, "vectara": 100_000, "logto": 100_000}
	// latencyUsers: 50 ms a request. Sized so that the sequential
	// baseline at default page sizes stays under a minute.
	latencyUsers = map[string]int{"cortex": 100_000, "openai": 1_000, "vectara": 5_000, "logto": 5_000}
	// rateUsers: about 150-250 requests each, at 50 requests/s.
	rateUsers = map[string]int{"cortex": 150_000, "openai": 200, "vectara": 20_000, "logto": 10_000}
)

// The benchmarks that compare rolecall with a baseline listing only users
// and their roles (Sequential, ConcurrentOpenAI) list users-only tenants
// (FakeConfig.UsersOnly), so that both list the same assignments.
// rolecall still lists every kind of principal (ListOptions.Principals
// nil), so it sends more requests than the baseline (MinRequests counts
// them), per provider:
//
//   - Cortex: ⌈U/1000⌉ listUsers pages (the users' times, walked before
//     their roles) and one empty listApiKeys page;
//   - OpenAI: four empty first pages, of groups, projects, admin keys and
//     invites;
//   - Vectara: one empty page each of API keys and app clients, and the
//     corpora's and agents' pages (⌈P/100⌉ + ⌈A/100⌉, the scope names of
//     the users' corpus and agent roles), all beside the users' cursor;
//   - Logto: one scopes request a tenant role, the roles' page counting
//     the two MachineToMachine roles too, an empty applications page of
//     each of them, and the empty first pages of organizations and
//     invitations.

// Latency is the simulated round trip of the latency benchmarks.
const Latency = 50 * time.Millisecond

func startFake(b *testing.B, cfg FakeConfig) *Fake {
	b.Helper()
	f, err := StartFake(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(f.Close)
	return f
}

func newLister(b *testing.B, p string, f *Fake, o facade.Options) facade.Lister {
	b.Helper()
	l, err := NewLister(p, f.URL, f.Token, o)
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// list runs one listing and checks it against the fake's oracle (count
// always; the key fingerprint when check is set).
func list(b *testing.B, l facade.Lister, want Expect, check bool) {
	n, sum := 0, uint64(0)
	for a, err := range l.ListAssignments(context.Background(), nil) {
		if err != nil {
			b.Fatal(err)
		}
		n++
		if check {
			sum += KeyHash(a.UserID, a.RoleID, a.Scope)
		}
	}
	if n != want.Assignments || (check && sum != want.KeySum) {
		b.Fatalf("listed %d assignments (key sum %x), want %d (%x)", n, sum, want.Assignments, want.KeySum)
	}
}

func total(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// BenchmarkThroughput lists each provider's tenant from a fake server in a
// child process with no latency (loopback: the client's CPU is the limit)
// at the default options, with the client rate limiter off (the fake has
// none). rolecall is the whole ListAssignments (HTTP, decoding into the
// generated types, mapping, dedupe, iterator); cpu-s is the client
// process's CPU time a listing (the target: 100k Cortex users in at most
// 1.5 s). The tenants have users only (FakeConfig.UsersOnly), as the
// other benchmarks' baselines list nothing else; rolecall still asks for
// every kind of principal, so its requests include the empty lists of the
// other kinds and Cortex's users' times, Vectara's corpora and agents and
// Logto's role scopes (the list above Latency).
func BenchmarkThroughput(b *testing.B) {
	for _, p := range Providers {
		b.Run(p, func(b *testing.B) {
			f := startFake(b, FakeConfig{Provider: p, Users: throughputUsers[p], Memo: true, UsersOnly: true})
			want := f.Expect
			// The first listing goes through to the fake, which counts its
			// requests (and fills the memo); it is checked in full.
			l := newLister(b, p, f, facade.Options{RateLimit: -1})
			list(b, l, want, true)
			st, err := f.Stats()
			if err != nil {
				b.Fatal(err)
			}
			requests := total(st.ByOp)
			b.Run("rolecall", func(b *testing.B) {
				s0, err := f.Stats()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				var ours, cpu time.Duration
				var allocs, peak, peakLive uint64
				b.ResetTimer()
				for b.Loop() {
					b.StopTimer()
					heap0 := HeapNow()
					m0 := mallocs()
					hs := SampleHeap()
					b.StartTimer()
					t, cpu0 := time.Now(), cpuTime()
					list(b, l, want, false)
					ours += time.Since(t)
					cpu += cpuTime() - cpu0
					b.StopTimer()
					pk, lv := hs.Stop()
					allocs += mallocs() - m0
					peak = max(peak, pk-min(pk, heap0))
					peakLive = max(peakLive, lv-min(lv, heap0))
					b.StartTimer()
				}
				b.StopTimer()
				s1, err := f.Stats()
				if err != nil {
					b.Fatal(err)
				}
				a := float64(want.Assignments) * float64(b.N)
				b.ReportMetric(a/ours.Seconds(), "assignments/s")
				b.ReportMetric(float64(allocs)/a, "allocs/assignment")
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s")
				b.ReportMetric(cpu.Seconds()/ours.Seconds(), "client-cores")
				b.ReportMetric((s1.CPU-s0.CPU).Seconds()/ours.Seconds(), "server-cores")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(peakLive)/(1<<20), "peak-live-MiB")
				b.ReportMetric(float64(s1.Served-s0.Served)/float64(b.N), "served")
				b.ReportMetric(float64(requests), "requests")
				b.ReportMetric(float64(total(f.Min)), "min-requests")
				b.ReportMetric(float64(want.Assignments), "assignments")
				b.ReportMetric(float64(throughputUsers[p]), "users")
			})
		})
	}
}

// memoryUsers are Cortex tenants of about 100k and 1M assignments (the
// generator gives about 1.75 a user).
var memoryUsers = map[string]int{"100k": 57_000, "1M": 570_000}

// BenchmarkMemory streams about 100k and 1M Cortex assignments through
// ListAssignments from a fake in a child process, sampling the heap every
// millisecond, and, beside it, collects them into a slice with
// facade.Collect. peak-heap-MiB is the peak of the heap's objects above the
// heap before the listing, garbage not yet collected included (with the
// default GOGC the heap may grow to twice the live heap before a
// collection, so this follows whatever is live, sets included);
// peak-live-MiB is the peak of the live heap as the collector marks it;
// sets-MiB is what the dedupe set and the users tally take for that many
// keys (measured on twin maps afterwards, keys of the listing's key
// lengths). in-flight-MiB is what the streaming listing holds besides the
// sets: at ten checkpoints the consumer stops, the producers fill every
// slot and the iterator's queue (the worst case), and once they have all
// stopped allocating (HeapSettled: measured while they still decode, their
// garbage would count as live) the live heap is measured after a
// collection, and the sets' size at that point is taken off (twin maps
// again: the keys listed so far, by length, and the users of the pages
// decoded so far, none once the listing has ended and dropped its tally).
func BenchmarkMemory(b *testing.B) {
	for _, size := range []string{"100k", "1M"} {
		b.Run("cortex/"+size, func(b *testing.B) {
			users := memoryUsers[size]
			f := startFake(b, FakeConfig{Provider: "cortex", Users: users})
			want := f.Expect
			var keys KeyLens // the stream listing's keys, by length
			for _, mode := range []string{"stream", "collect"} {
				b.Run(mode, func(b *testing.B) {
					var peak, peakLive, heap0 uint64
					var checkpoints []KeyLens // the keys listed at each checkpoint
					var tallied []int         // and the users the tally holds by then
					var lives []uint64
					b.ReportAllocs()
					m0 := mallocs()
					b.ResetTimer()
					for b.Loop() {
						b.StopTimer()
						// A lister a listing, for its own counts: pages
						// decoded and whether it has ended.
						stats := &facade.Stats{}
						l := newLister(b, "cortex", f, facade.Options{RateLimit: -1, Stats: stats})
						heap0 = HeapNow()
						hs := SampleHeap()
						b.StartTimer()
						if mode == "stream" {
							// Ten checkpoints: the consumer stops, the
							// producers fill every slot and the queue, and
							// once they all block the live heap is measured
							// after a collection.
							step, n := max(1, want.Assignments/10), 0
							checkpoints, tallied, lives = checkpoints[:0], tallied[:0], lives[:0] // the last listing's
							keys = nil
							for a, err := range l.ListAssignments(context.Background(), nil) {
								if err != nil {
									b.Fatal(err)
								}
								keys.Add(keyLen(&a)) // for the sets' twins
								if n++; n%step == 0 {
									b.StopTimer()
									live, ok := HeapSettled(10 * time.Second)
									if !ok {
										b.Fatalf("checkpoint at %d assignments: the listing kept allocating for 10 s with its consumer stopped", n)
									}
									// The tally holds the users of every page
									// decoded (the producers run ahead of the
									// consumer: pages of 1000 users but the
									// last), until the listing ends.
									st := stats.Snapshot()
									checkpoints = append(checkpoints, keys.Clone())
									tallied = append(tallied, int(min(int64(users), st.Pages*cortex.MaxPageSize)))
									if st.ListedUsers >= 0 {
										tallied[len(tallied)-1] = 0
									}
									lives = append(lives, live-min(live, heap0))
									b.StartTimer()
								}
							}
							if n != want.Assignments {
								b.Fatalf("listed %d, want %d", n, want.Assignments)
							}
						} else {
							as, err := facade.Collect(l.ListAssignments(context.Background(), nil))
							if err != nil {
								b.Fatal(err)
							}
							if len(as) != want.Assignments {
								b.Fatalf("collected %d, want %d", len(as), want.Assignments)
							}
						}
						b.StopTimer()
						pk, lv := hs.Stop()
						peak = max(peak, pk-min(pk, heap0))
						peakLive = max(peakLive, lv-min(lv, heap0))
						b.StartTimer()
					}
					b.StopTimer()
					a := float64(want.Assignments) * float64(b.N)
					b.ReportMetric(float64(mallocs()-m0)/a, "allocs/assignment")
					b.ReportMetric(a/b.Elapsed().Seconds(), "assignments/s")
					b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
					b.ReportMetric(float64(peakLive)/(1<<20), "peak-live-MiB")
					sets := SetBytes(keys, users)
					b.ReportMetric(float64(sets)/(1<<20), "sets-MiB")
					if len(checkpoints) > 0 {
						// What the listing holds besides the sets, at the
						// worst checkpoint: the pages in flight.
						twins := SetBytesAt(checkpoints, tallied)
						var inflight uint64
						for i, tw := range twins {
							inflight = max(inflight, lives[i]-min(lives[i], tw))
							b.Logf("checkpoint %d: %d assignments, %d users tallied, live %.1f MiB, sets %.1f MiB", i+1, checkpoints[i].Len(), tallied[i], float64(lives[i])/(1<<20), float64(tw)/(1<<20))
						}
						b.ReportMetric(float64(inflight)/(1<<20), "in-flight-MiB")
					}
					b.ReportMetric(float64(want.Assignments), "assignments")
				})
			}
		})
	}
}

// keyLen is len(a.Key()) without building the key (the consumer of
// BenchmarkMemory would otherwise allocate one an assignment): the user's
// id and the role's, each after its length as a uvarint, then the scope.
func keyLen(a *facade.Assignment) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(len(a.UserID))) + len(a.UserID) +
		binary.PutUvarint(b[:], uint64(len(a.RoleID))) + len(a.RoleID) + len(a.Scope)
}

// BenchmarkLatency lists each provider's tenant from a fake that adds 50 ms
// to every request (in its memoizing front server: every timed listing
// follows a warm-up listing of the same requests with the latency off, so
// its answers are replayed and the fake's page rendering does not take the
// cores the client decodes on), at each driver's default concurrency
// (8; OpenAI 16, and 8 beside it for comparison) and with the client
// rate limiter off (the fake has none; the providers' documented limits
// would otherwise bind first: Cortex 1000/min, Logto 20/s). The bound is
// the round trips the API's own signals force (ForcedRoundTrips) × 50 ms. sequential-default
// is the naive baseline: a loop over the generated client, one request at
// a time, each API's default page size (Cortex 250, OpenAI users 20 and
// roles 20, Vectara 10, Logto 20); sequential-max is the same loop at the
// largest page size. The tenants have users only (FakeConfig.UsersOnly),
// as the baselines list no other kind: rolecall's requests include those
// the baselines do not send (the list above Latency: Cortex ⌈U/1000⌉ + 1
// more, OpenAI 4 empty pages, Vectara 2 empty pages and the corpora and
// agents beside the users' cursor, Logto a scopes request a role and 4
// empty pages). BenchmarkGraph and BenchmarkGraphBudget measure the
// graphs.
func BenchmarkLatency(b *testing.B) {
	for _, p := range Providers {
		b.Run(p, func(b *testing.B) {
			f := startFake(b, FakeConfig{Provider: p, Users: latencyUsers[p], Latency: Latency, Memo: true, UsersOnly: true})
			want := f.Expect
			minReq := total(f.Min)
			var ours time.Duration
			def := defaultConcurrency(p)
			conc := []int{def}
			if def != facade.DefaultConcurrency {
				conc = append(conc, facade.DefaultConcurrency)
			}
			for _, c := range conc {
				name := "rolecall"
				if c != def {
					name = fmt.Sprintf("rolecall-c%d", c)
				}
				b.Run(name, func(b *testing.B) {
					l := newLister(b, p, f, facade.Options{RateLimit: -1, Concurrency: c})
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
					bound := time.Duration(ForcedRoundTrips(p, int(reqs), c, f.Min)) * Latency
					if c == def {
						ours = wall
					}
					b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
					b.ReportMetric(float64(bound.Milliseconds()), "bound-ms")
					b.ReportMetric(float64(wall)/float64(bound), "x-bound")
					b.ReportMetric(float64(reqs), "requests")
					b.ReportMetric(float64(minReq), "min-requests")
					b.ReportMetric(float64(want.Assignments)/wall.Seconds(), "assignments/s")
					b.ReportMetric(float64(latencyUsers[p]), "users")
				})
			}
			for _, maxPage := range []bool{false, true} {
				name := "sequential-default"
				if maxPage {
					name = "sequential-max"
				}
				if maxPage && p == "openai" {
					continue // the openai-go peer at limit 100 (bench/peers) is this loop, and takes a minute
				}
				b.Run(name, func(b *testing.B) {
					var reqs int
					warm(b, f, func() {
						if _, err := Sequential(context.Background(), p, f.URL, f.Token, nil, maxPage); err != nil {
							b.Fatal(err)
						}
					})
					for b.Loop() {
						res, err := Sequential(context.Background(), p, f.URL, f.Token, nil, maxPage)
						if err != nil {
							b.Fatal(err)
						}
						if res.Expect != want {
							b.Fatalf("sequential listing saw %+v, want %+v", res.Expect, want)
						}
						reqs = res.Requests
					}
					wall := b.Elapsed() / time.Duration(b.N)
					b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
					b.ReportMetric(float64(reqs), "requests")
					if ours > 0 {
						b.ReportMetric(float64(wall)/float64(ours), "x-slower-than-rolecall")
					}
				})
			}
		})
	}
}

// warm runs a listing with the fake's latency off, so that its answers are
// in the memo and the timed listing after it is replayed, then puts the
// latency back.
func warm(b *testing.B, f *Fake, listing func()) {
	b.Helper()
	if err := f.SetLatency(0); err != nil {
		b.Fatal(err)
	}
	listing()
	if err := f.SetLatency(Latency); err != nil {
		b.Fatal(err)
	}
}

// RateLimit is the fake's request rate of BenchmarkRateLimit, per second.
const RateLimit = 50

// BenchmarkRateLimit lists from a fake that allows RateLimit requests per
// second (a token bucket with burst 1+RateLimit/10, like the client's;
// 429 with Retry-After beyond it). client-limited sets the client's
// RateLimit to the same R; client-unlimited turns the client's limiter off
// and leaves the work to retries. The tenants have users only
// (FakeConfig.UsersOnly: rolecall's extra requests, empty or not, are the
// list above Latency; min-requests counts them). useful-req/s counts the requests
// answered other than with a 429 over the wall time; x-R divides it by R.
func BenchmarkRateLimit(b *testing.B) {
	for _, p := range Providers {
		b.Run(p, func(b *testing.B) {
			f := startFake(b, FakeConfig{Provider: p, Users: rateUsers[p], RateLimit: RateLimit, Burst: 1 + RateLimit/10, UsersOnly: true})
			want := f.Expect
			minReq := total(f.Min)
			for _, mode := range []string{"client-limited", "client-unlimited"} {
				b.Run(mode, func(b *testing.B) {
					stats := &facade.Stats{}
					o := facade.Options{RateLimit: RateLimit, Stats: stats}
					if mode == "client-unlimited" {
						o.RateLimit = -1
					}
					l := newLister(b, p, f, o)
					failed := 0
					time.Sleep(time.Second) // let the fake's bucket fill
					for b.Loop() {
						n, sum := 0, uint64(0)
						var lerr error
						for a, err := range l.ListAssignments(context.Background(), nil) {
							if err != nil {
								lerr = err
								break
							}
							n++
							sum += KeyHash(a.UserID, a.RoleID, a.Scope)
						}
						if lerr != nil || n != want.Assignments || sum != want.KeySum {
							failed++
							b.Logf("failed listing: %v (%d of %d assignments)", lerr, n, want.Assignments)
						}
					}
					wall := b.Elapsed() / time.Duration(b.N)
					s := stats.Snapshot()
					useful := float64(s.Requests-s.RateLimited) / float64(b.N) / wall.Seconds()
					b.ReportMetric(useful, "useful-req/s")
					b.ReportMetric(useful/RateLimit, "x-R")
					b.ReportMetric(float64(s.RateLimited)/float64(b.N), "429s")
					b.ReportMetric(float64(s.Requests)/float64(b.N), "attempts")
					b.ReportMetric(float64(minReq), "min-requests")
					b.ReportMetric(float64(failed), "failed-listings")
					b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
				})
			}
		})
	}
}

// ForcedRoundTrips is how many round trips a listing of requests requests
// at concurrency c needs at least, given what each API tells and when:
// for Cortex, OpenAI and Logto the first request goes alone (its answer
// tells what follows: Cortex's totalPages, OpenAI's first users, Logto's
// Total-Number of roles), and the rest can go c at a time. Vectara's
// cursors allow one request at a time a list, and its lists (ops, the
// requests per operation) run beside each other once the users' first
// page is in: the users' pages, or one more than the longest other list.
func ForcedRoundTrips(provider string, requests, c int, ops map[string]int64) int {
	if provider == "vectara" {
		users, others := int(ops["listUsers"]), 0
		for op, n := range ops {
			if op != "listUsers" {
				others = max(others, int(n))
			}
		}
		return max(users, 1+others)
	}
	if requests <= 1 {
		return requests
	}
	return 1 + ceilDiv(requests-1, max(c, 1))
}

// defaultConcurrency is the requests in flight provider's driver sends at
// Options.Concurrency 0.
func defaultConcurrency(provider string) int {
	p, err := drivers.Lookup(provider)
	if err != nil {
		panic(err)
	}
	return p.DefaultConcurrency
}
