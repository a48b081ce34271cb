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
	"strings"
	"sync"
	"testing"

	"github.com/rolecall/rolecall"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/fixture"
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
	srv := providertest.NewServer(t, provider, providertest.Options{Tenant: providertest.NewTenant(provider, users, 7)})
	rec := &recorder{suffix: suffix}
	l, err := drivers.New(provider, srv.Token(), facade.Options{BaseURL: srv.URL(), RateLimit: -1,
		HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := facade.Collect(l.ListAssignments(t.Context(), nil)); err != nil {
		t.Fatal(err)
	}
	if len(rec.bodies) == 0 {
		t.Fatalf("listing the fake sent no request ending in %s", suffix)
	}
	return append(out, rec.bodies...)
}

// recorder keeps the bodies of 200 answers to requests ending in suffix.
type recorder struct {
	suffix string
	mu     sync.Mutex
	bodies [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(req.URL.Path, r.suffix) {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
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
