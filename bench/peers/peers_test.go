package peers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/providertest"
)

// rolecallListing lists the organization with rolecall's OpenAI driver.
func rolecallListing(ctx context.Context, srv *providertest.Server, o facade.Options) (map[Key]bool, error) {
	o.BaseURL = srv.URL()
	l, err := openai.New(openai.Config{AdminKey: srv.Token(), Options: o})
	if err != nil {
		return nil, err
	}
	out := map[Key]bool{}
	for a, err := range l.ListAssignments(ctx, nil) {
		if err != nil {
			return out, err
		}
		out[Key{a.UserID, a.RoleID, a.Scope}] = true
	}
	return out, nil
}

func oracle(t *providertest.Tenant) map[Key]bool {
	out := map[Key]bool{}
	for _, r := range t.Rows() {
		out[Key{r.UserID, r.RoleID, r.Scope}] = true
	}
	return out
}

func diff(got, want map[Key]bool) error {
	missing, extra := 0, 0
	for k := range want {
		if !got[k] {
			missing++
		}
	}
	for k := range got {
		if !want[k] {
			extra++
		}
	}
	if missing+extra > 0 {
		return fmt.Errorf("%d assignments missing, %d extra (of %d)", missing, extra, len(want))
	}
	return nil
}

// usersOnly is an OpenAI organization of n users and their roles, with no
// groups, projects, admin keys or invites: what the SDK loop lists (it
// walks list-users and list-user-role-assignments only), so that the two
// listings compare; rolecall asks the four other root lists too and finds
// them empty (4 requests more).
func usersOnly(n int) *providertest.Tenant {
	return providertest.NewOpenAITenant(providertest.OpenAIShape{Users: n, Projects: providertest.None,
		Groups: providertest.None, AdminKeys: providertest.None, Invites: providertest.None}, 1)
}

// TestSameAssignments checks, on a spec-validating fake, that the SDK
// listing and rolecall see exactly the tenant's assignments.
func TestSameAssignments(t *testing.T) {
	tenant := usersOnly(120)
	srv := providertest.NewServer(t, "openai", providertest.Options{Tenant: tenant})
	want := oracle(tenant)
	ours, err := rolecallListing(context.Background(), srv, facade.Options{RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := diff(ours, want); err != nil {
		t.Errorf("rolecall: %v", err)
	}
	for _, limit := range []int64{0, 100} {
		sdk, _, err := SDKListing(context.Background(), srv.URL(), srv.Token(), limit)
		if err != nil {
			t.Fatal(err)
		}
		if err := diff(sdk, want); err != nil {
			t.Errorf("openai-go (limit %d): %v", limit, err)
		}
	}
}

// Users is the organization size of the peer benchmark.
const Users = 1000

// Latency is the simulated round trip.
const Latency = 50 * time.Millisecond

// BenchmarkOpenAIPeer lists a 1000-user organization from the fake with
// 50 ms a request: rolecall at its defaults (concurrency
// openai.DefaultConcurrency, 16; client rate limiter off since the fake has
// none; and at the other drivers' default, 8, for comparison), then openai-go's auto-paging
// iterators at the API's default page size and at limit 100 (the users
// listing's maximum). Each listing is compared with the tenant's oracle:
// the same assignments, or the benchmark fails.
func BenchmarkOpenAIPeer(b *testing.B) {
	tenant := usersOnly(Users)
	srv := providertest.NewServer(b, "openai", providertest.Options{Tenant: tenant, Latency: Latency, NoValidate: true})
	want := oracle(tenant)
	var ours time.Duration
	for _, c := range []int{openai.DefaultConcurrency, facade.DefaultConcurrency} {
		name := "rolecall"
		if c != openai.DefaultConcurrency {
			name = fmt.Sprintf("rolecall-c%d", c)
		}
		b.Run(name, func(b *testing.B) {
			n0 := srv.Requests()
			for b.Loop() {
				got, err := rolecallListing(context.Background(), srv, facade.Options{RateLimit: -1, Concurrency: c})
				if err != nil {
					b.Fatal(err)
				}
				if err := diff(got, want); err != nil {
					b.Fatal(err)
				}
			}
			wall := b.Elapsed() / time.Duration(b.N)
			if c == openai.DefaultConcurrency {
				ours = wall
			}
			b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
			b.ReportMetric(float64(srv.Requests()-n0)/float64(b.N), "requests")
			b.ReportMetric(float64(len(want)), "assignments")
			b.ReportMetric(float64(len(want))/wall.Seconds(), "assignments/s")
		})
	}
	for _, limit := range []int64{0, 100} {
		name := "openai-go"
		if limit > 0 {
			name = fmt.Sprintf("openai-go-limit%d", limit)
		}
		b.Run(name, func(b *testing.B) {
			var reqs int
			for b.Loop() {
				got, n, err := SDKListing(context.Background(), srv.URL(), srv.Token(), limit)
				if err != nil {
					b.Fatal(err)
				}
				if err := diff(got, want); err != nil {
					b.Fatal(err)
				}
				reqs = n
			}
			wall := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(wall.Milliseconds()), "wall-ms")
			b.ReportMetric(float64(reqs), "requests")
			b.ReportMetric(float64(len(want))/wall.Seconds(), "assignments/s")
			if ours > 0 {
				b.ReportMetric(float64(wall)/float64(ours), "x-slower-than-rolecall")
			}
		})
	}
}
