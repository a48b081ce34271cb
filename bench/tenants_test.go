package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/tenants"
	"github.com/rolecall/rolecall/providertest"
)

// tenantsLatency is the simulated round trip of BenchmarkTenants.
const tenantsLatency = 20 * time.Millisecond

// BenchmarkTenants lists 50 fake tenants in one run (rolecall list
// --tenants: facade.ListAllN over tenants.Tag'ged listers, at most
// --max-tenants' default of 8 at once, and with no bound) against the
// slowest of them alone, the floor of any run that lists it: x-slowest is
// the run's wall time over the slowest tenant's, in the same process.
// The tenants are small Cortex and Vectara tenants (a few requests each)
// and one OpenAI organization of 300 users (a request per user, at
// OpenAI's default concurrency), served in process with 20 ms a request,
// so that waiting on the network, not the CPU, sets the time.
func BenchmarkTenants(b *testing.B) {
	type tenant struct {
		name string
		l    facade.Lister
		n    int // its assignments
	}
	var all []tenant
	slowest := -1
	for i := range 50 {
		p, users := []string{"cortex", "vectara"}[i%2], 20
		if i == 0 {
			p, users = "openai", 300
		}
		srv := providertest.NewServer(b, p, providertest.Options{Tenant: providertest.NewTenant(p, users, int64(i+1)),
			Latency: tenantsLatency, NoValidate: true})
		l, err := NewLister(p, srv.URL(), srv.Token(), facade.Options{RateLimit: -1})
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("%s-%02d", p, i)
		n := 0
		for _, err := range l.ListAssignments(context.Background(), nil) { // warm: connections, and the count
			if err != nil {
				b.Fatal(name, err)
			}
			n++
		}
		all = append(all, tenant{name: name, l: tenants.Tag(l, name), n: n})
		if i == 0 {
			slowest = len(all) - 1
		}
	}
	listRun := func(b *testing.B, ts []tenant, limit int) {
		want := map[string]int{}
		listers := make([]facade.Lister, len(ts))
		for i, t := range ts {
			want[t.name] = t.n
			listers[i] = t.l
		}
		got := map[string]int{}
		for a, err := range facade.ListAllN(context.Background(), listers, limit, nil) {
			if err != nil {
				b.Fatal(err)
			}
			got[a.Tenant]++
		}
		for name, n := range want {
			if got[name] != n {
				b.Fatalf("%s: listed %d assignments, want %d", name, got[name], n)
			}
		}
	}
	var alone time.Duration
	for _, c := range []struct {
		name  string
		ts    []tenant
		limit int
	}{
		{"slowest-alone", all[slowest : slowest+1], 0},
		{"50-tenants-max-8", all, 8},
		{"50-tenants-unbounded", all, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				listRun(b, c.ts, c.limit)
			}
			wall := b.Elapsed() / time.Duration(b.N)
			if c.name == "slowest-alone" {
				alone = wall
			}
			b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
			if alone > 0 {
				b.ReportMetric(float64(wall)/float64(alone), "x-slowest")
			}
		})
	}
}
