package bench

import (
	"context"
	"math"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/providertest"
)

// The benchmarks of issue 13, "listings that finish": an unknown rate limit
// learnt, and documented limits spent as budgets. Each fake runs in this
// process (the listings wait on latency, not CPU); each new connection
// costs Latency more, as a TLS handshake would.

// dialDelayClient returns a client whose every new connection takes
// Latency before it can carry a request.
func dialDelayClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	d := &net.Dialer{}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		select {
		case <-time.After(Latency):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: t}
}

// collect lists l once and fails b unless it lists want assignments.
func collect(b *testing.B, l facade.Lister, want int) {
	n := 0
	for _, err := range l.ListAssignments(context.Background(), nil) {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	if n != want {
		b.Fatalf("listed %d assignments, want %d", n, want)
	}
}

// BenchmarkFinishUnknownLimit lists an OpenAI organization of 300 users
// and nothing else (usersOnlyShape, so that its figures stay comparable
// with the runs before the driver listed the whole graph; the four empty
// lists of the other kinds add four requests) behind a token bucket the client is not told of (50 requests/s, burst 15,
// 429 with "Retry-After: 1" beyond it), at Latency a request, with the
// default options. share-of-allowed is the requests answered other than
// with a 429 over what the bucket allowed in the wall time (50/s × wall),
// over all the listings, and worst-share the lowest of one listing;
// early counts requests the fake received before a hinted time had passed.
func BenchmarkFinishUnknownLimit(b *testing.B) {
	const rate, burst = 50, 15
	tn := providertest.NewOpenAITenant(usersOnlyShape(300), 7)
	srv := providertest.NewServer(b, "openai", providertest.Options{Tenant: tn, Latency: Latency, NoValidate: true,
		RateLimit: rate, Burst: burst, RateLimitHint: providertest.HintSeconds})
	var answered, limited, wall float64
	worst := math.Inf(1)
	for b.Loop() {
		b.StopTimer()
		time.Sleep(time.Second) // the fake's bucket fills again
		stats := new(facade.Stats)
		l, err := NewLister("openai", srv.URL(), srv.Token(), facade.Options{HTTPClient: dialDelayClient(), Stats: stats})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		collect(b, l, len(tn.Rows()))
		w := time.Since(start).Seconds()
		wall += w
		s := stats.Snapshot()
		answered += float64(s.Requests - s.RateLimited)
		limited += float64(s.RateLimited)
		worst = min(worst, float64(s.Requests-s.RateLimited)/(rate*w))
	}
	n := float64(b.N)
	b.ReportMetric(answered/n, "answered")
	b.ReportMetric(limited/n, "429s")
	b.ReportMetric(wall/n*1000, "wall-ms")
	b.ReportMetric(answered/(rate*wall), "share-of-allowed")
	b.ReportMetric(worst, "worst-share")
	b.ReportMetric(float64(srv.Early()), "early")
}

// BenchmarkFinishBudget lists, at Latency a request (plus Latency for each
// new connection) with the default options, a 100-page Cortex workspace
// (100,000 users at the maximum page size) behind its documented 1000
// requests a minute, and a Logto tenant of 20 User roles whose members take
// 181 pages of 100 behind Logto Cloud's 200 per 10 s; sequential is one
// request at a time with the generated client (bench.Sequential) through
// the same kind of client, plus one round trip for Logto's token exchange,
// measured in the same run. x-sequential is the sequential wall over
// rolecall's. Both tenants have users only (FakeConfig.UsersOnly,
// Tenant.UsersOnly), as the baseline lists nothing else; rolecall still
// lists every kind, so it also sends, for Cortex, the users' times (100
// listUsers pages, walked before the roles) and an empty page of API
// keys (201 requests against the baseline's 100), and for Logto the
// token exchange, the role list, the 20 roles' scopes and the empty first
// pages of organizations and invitations (205 requests against 182).
func BenchmarkFinishBudget(b *testing.B) {
	b.Run("cortex", func(b *testing.B) {
		// A fake in a child process: rendering 100 MB of pages does not
		// take the cores the client decodes on.
		f := startFake(b, FakeConfig{Provider: "cortex", Users: 100_000, Seed: 7, Latency: Latency, RateLimit: 1000.0 / 60, Burst: 1000,
			UsersOnly: true})
		finish(b, "cortex", f.URL, f.Token, f.Expect.Assignments, 0, func(stats *facade.Stats) (facade.Lister, error) {
			return NewLister("cortex", f.URL, f.Token, facade.Options{HTTPClient: dialDelayClient(), Stats: stats})
		})
	})
	b.Run("logto", func(b *testing.B) {
		tn := logtoRolesTenant()
		srv := providertest.NewServer(b, "logto", providertest.Options{Tenant: tn, Latency: Latency, NoValidate: true,
			RateLimit: 20, Burst: 200, AppID: "bench-app", AppSecret: "bench-app-secret"})
		finish(b, "logto", srv.URL(), srv.Token(), len(tn.Rows()), Latency, func(stats *facade.Stats) (facade.Lister, error) {
			return logto.New(logto.Config{AppID: "bench-app", AppSecret: "bench-app-secret",
				Options: facade.Options{BaseURL: srv.URL(), HTTPClient: dialDelayClient(), Stats: stats}})
		})
	})
}

// finish measures one provider's listing against the sequential baseline
// (plus extra, the round trips the baseline leaves out).
func finish(b *testing.B, provider, url, token string, want int, extra time.Duration, newLister func(*facade.Stats) (facade.Lister, error)) {
	var ours, seq time.Duration
	var requests, limited int64
	for b.Loop() {
		b.StopTimer()
		time.Sleep(time.Second)
		t := time.Now()
		if _, err := Sequential(context.Background(), provider, url, token, dialDelayClient(), true); err != nil {
			b.Fatal(err)
		}
		seq += time.Since(t) + extra
		time.Sleep(10 * time.Second) // the fake's bucket fills again
		stats := new(facade.Stats)
		l, err := newLister(stats)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t = time.Now()
		collect(b, l, want)
		ours += time.Since(t)
		s := stats.Snapshot()
		requests += s.Requests
		limited += s.RateLimited
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Milliseconds())/n, "wall-ms")
	b.ReportMetric(float64(seq.Milliseconds())/n, "sequential-ms")
	b.ReportMetric(seq.Seconds()/ours.Seconds(), "x-sequential")
	b.ReportMetric(float64(requests)/n, "requests")
	b.ReportMetric(float64(limited)/n, "429s")
}

// logtoRolesTenant is a Logto tenant of 20 User roles: 19 of 900 members
// (9 pages of 100 each) and one of 1,000 (10 pages), 181 pages in all, each
// of its 18,100 users holding one role; users only (Tenant.UsersOnly).
func logtoRolesTenant() *providertest.Tenant {
	tn := providertest.NewTenant("logto", 18_100, 7).UsersOnly()
	var roles []providertest.Role
	for _, r := range tn.Roles {
		if !r.Machine && len(roles) < 20 {
			roles = append(roles, r)
		}
	}
	tn.Roles = roles
	for i := range tn.Users {
		tn.Users[i].Grants = []providertest.Grant{{RoleID: roles[min(i/900, 19)].ID}}
	}
	return tn
}
