package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/providertest"
)

// TestRequestsAreTheMinimum lists a 10k-user tenant of each provider from
// the fake server and asserts that the server counted exactly the fewest
// requests the API allows (the largest page everywhere, no wasted call),
// per operation, and that every assignment arrived once.
func TestRequestsAreTheMinimum(t *testing.T) {
	const users = 10_000
	for _, p := range Providers {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			tenant := providertest.NewTenant(p, users, 1)
			srv := providertest.NewServer(t, p, providertest.Options{Tenant: tenant})
			l, err := NewLister(p, srv.URL(), srv.Token(), facade.Options{RateLimit: -1})
			if err != nil {
				t.Fatal(err)
			}
			n, sum := 0, uint64(0)
			for a, err := range l.ListAssignments(context.Background(), nil) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				sum += KeyHash(a.UserID, a.RoleID, a.Scope)
			}
			want := Oracle(tenant)
			if n != want.Assignments || sum != want.KeySum {
				t.Errorf("listed %d assignments (key sum %x), the tenant has %d (key sum %x)", n, sum, want.Assignments, want.KeySum)
			}
			got, min := srv.RequestsByOp(), MinRequests(tenant)
			if !maps.Equal(got, min) {
				t.Errorf("requests by operation = %v, the minimum the API allows is %v", got, min)
			}
			var parts []string
			for _, op := range slices.Sorted(maps.Keys(got)) {
				parts = append(parts, fmt.Sprintf("%d %s", got[op], op))
			}
			t.Logf("%s: %d users, %d assignments, requests %s (the minimum)", p, users, n, strings.Join(parts, " + "))
		})
	}
}

// TestMinRequests pins MinRequests on hand-countable tenants, so the
// arithmetic the main test relies on is itself checked.
func TestMinRequests(t *testing.T) {
	cases := []struct {
		provider string
		users    int
	}{{"cortex", 0}, {"cortex", 1000}, {"cortex", 1001}, {"vectara", 100}, {"vectara", 101}, {"openai", 250}, {"logto", 250}}
	for _, c := range cases {
		tn := providertest.NewTenant(c.provider, c.users, 1)
		got := MinRequests(tn)
		var total int64
		for _, v := range got {
			total += v
		}
		switch c.provider {
		case "cortex":
			if want := max(1, ceilDiv(c.users, 1000)); total != int64(want) {
				t.Errorf("cortex %d users: %d requests, want %d", c.users, total, want)
			}
		case "vectara":
			if want := ceilDiv(c.users, 100); total != int64(want) {
				t.Errorf("vectara %d users: %d requests, want %d", c.users, total, want)
			}
		case "openai":
			if got["list-users"] != 3 || got["list-user-role-assignments"] != 250 {
				t.Errorf("openai 250 users: %v, want 3 user pages and 250 role calls", got)
			}
		case "logto":
			// 250 users: max(3, 250/50) = 5 User roles, one roles page, and
			// each role's members fit in one or two pages.
			if got["ListRoles"] != 1 || got["ListRoleUsers"] < 5 {
				t.Errorf("logto 250 users: %v", got)
			}
		}
	}
}
