// Package wiretest holds a driver's hand-written page decoder to
// encoding/json's: the same assignments and records for every body the
// fast decoder accepts. Drivers' tests feed it the recorded fixtures, pages
// of providertest's fake and fuzzed bodies.
package wiretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rolecall/rolecall"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/fixture"
	"github.com/rolecall/rolecall/internal/baseline"
	"github.com/rolecall/rolecall/providertest"
)

// Same fails t unless fast gives up on body (ok false) or returns what
// slow returns (and slow succeeds); it reports whether fast decoded body.
// T is a page's decoded form: its assignments, or its users, and cursor.
func Same[T any](t testing.TB, body []byte, fast func([]byte) (T, bool), slow func([]byte) (T, error)) bool {
	t.Helper()
	got, ok := fast(body)
	if !ok {
		return false
	}
	want, err := slow(body)
	if err != nil {
		t.Fatalf("the fast decoder accepted a page encoding/json rejects (%v):\n%s", err, body)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the decoders differ:\nfast          %s\nencoding/json %s\npage: %s", show(got), show(want), body)
	}
	return true
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(b)
}

// Bodies returns the 200 bodies of provider's requests whose path ends
// with suffix: from the recorded fixtures, then from listing a generated
// tenant of users users on providertest's fake.
func Bodies(t testing.TB, provider, suffix string, users int) [][]byte {
	t.Helper()
	exs, err := fixture.LoadDir(rolecall.Fixtures, "testdata/fixtures/"+provider)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, ex := range exs {
		if ex.Response.Status == http.StatusOK && strings.HasSuffix(ex.Request.Path, suffix) {
			out = append(out, ex.Response.BodyBytes())
		}
	}
	n := len(out)
	for _, p := range Pages(t, provider, users, 7) {
		if strings.HasSuffix(p.path, suffix) {
			out = append(out, p.Data)
		}
	}
	if len(out) == n {
		t.Fatalf("listing the fake sent no request ending in %s", suffix)
	}
	return out
}

// page is a listing's 200 body and the path it answered.
type page struct {
	baseline.Body
	path string
}

// Pages lists a generated tenant (providertest.NewTenant(provider, users,
// seed)) from providertest's fake with provider's driver at its defaults,
// and returns the 200 bodies it received, in no particular order.
func Pages(t testing.TB, provider string, users int, seed int64) []page {
	t.Helper()
	srv := providertest.NewServer(t, provider, providertest.Options{Tenant: providertest.NewTenant(provider, users, seed), NoValidate: users > 5000})
	rec := &recorder{provider: provider}
	l, err := drivers.New(provider, srv.Token(), facade.Options{BaseURL: srv.URL(), RateLimit: -1,
		HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := facade.Collect(l.ListAssignments(t.Context(), nil)); err != nil {
		t.Fatal(err)
	}
	return rec.pages
}

// recorder keeps the bodies of 200 answers.
type recorder struct {
	provider string
	mu       sync.Mutex
	pages    []page
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.pages = append(r.pages, page{baseline.Body{Kind: baseline.KindOf(r.provider, req.URL.Path), Data: body}, req.URL.Path})
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// Check holds fast to slow on odd (valid JSON pages off the plain path in
// one way or another), of which at least a third must decode fast so that
// the comparison is not encoding/json against itself, then on every body of
// Bodies(t, provider, suffix, users), all of which must decode fast (else
// the benchmarks measure encoding/json).
func Check[T any](t *testing.T, provider, suffix string, users int, odd []string, fast func([]byte) (T, bool), slow func([]byte) (T, error)) {
	t.Helper()
	n := 0
	for _, page := range odd {
		if Same(t, []byte(page), fast, slow) {
			n++
		}
	}
	t.Logf("%d of %d odd pages decoded fast", n, len(odd))
	if n < len(odd)/3 {
		t.Errorf("only %d of %d odd pages decoded fast", n, len(odd))
	}
	for _, body := range Bodies(t, provider, suffix, users) {
		if !Same(t, body, fast, slow) {
			t.Errorf("the fast decoder gave up on a plain page:\n%.300s", body)
		}
	}
}

// AllocsPerItem decodes the largest of provider's pages from the fake (a
// tenant of users users) with fast, and returns the allocations an item
// (count says how many a page holds): those of the page, the growth of
// its slice included, over its items.
func AllocsPerItem[T any](t *testing.T, provider, suffix string, users int, fast func([]byte) (T, bool), count func(T) int) float64 {
	t.Helper()
	var body []byte
	for _, b := range Bodies(t, provider, suffix, users) {
		if len(b) > len(body) {
			body = b
		}
	}
	page, ok := fast(body)
	n := count(page)
	if !ok || n == 0 {
		t.Fatalf("fast decode of the largest page: ok %v, %d items", ok, n)
	}
	allocs := testing.AllocsPerRun(20, func() { fast(body) })
	t.Logf("%.0f allocations for %d items (%d bytes): %.2f each", allocs, n, len(body), allocs/float64(n))
	return allocs / float64(n)
}

// BenchmarkDecode measures a driver's page decoding against the
// decoder-only baseline over the same bytes: the assignment-bearing pages
// (see kinds) of a listing of providertest.NewTenant(provider, users, 1),
// the tenant of the end-to-end throughput benchmark. Sub-benchmark
// "rolecall" decodes every page with decode (the driver's own page
// decoder, fast path and fallback, batches reused as its free lists do)
// and "decoder-only" with baseline.DecodeOnly; both report assignments/s
// and allocs/assignment, and must count the same assignments. No HTTP, no
// iterator, no dedupe: only decoding and the mapping to assignments.
func BenchmarkDecode(b *testing.B, provider string, users int, kinds []string, decode func(baseline.Body) (int, error)) {
	var bodies []baseline.Body
	size := 0
	for _, p := range Pages(b, provider, users, 1) {
		if slices.Contains(kinds, p.Kind) {
			bodies = append(bodies, p.Body)
			size += len(p.Data)
		}
	}
	want, err := baseline.DecodeOnly(bodies)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, decodeAll func() (int, error)) {
		b.SetBytes(int64(size))
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for b.Loop() {
			n, err := decodeAll()
			if err != nil {
				b.Fatal(err)
			}
			if n != want {
				b.Fatalf("%d assignments, the decoder-only baseline counts %d", n, want)
			}
		}
		runtime.ReadMemStats(&m1)
		total := float64(want) * float64(b.N)
		b.ReportMetric(total/b.Elapsed().Seconds(), "assignments/s")
		b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/total, "allocs/assignment")
		b.ReportMetric(float64(want), "assignments")
		b.ReportMetric(float64(len(bodies)), "pages")
	}
	b.Run("rolecall", func(b *testing.B) {
		run(b, func() (int, error) {
			n := 0
			for _, body := range bodies {
				k, err := decode(body)
				if err != nil {
					return n, fmt.Errorf("%s: %w", body.Kind, err)
				}
				n += k
			}
			return n, nil
		})
	})
	b.Run("decoder-only", func(b *testing.B) {
		run(b, func() (int, error) { return baseline.DecodeOnly(bodies) })
	})
}
