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
	tenants := map[string]func() *providertest.Tenant{"openai-pages": func() *providertest.Tenant {
		return providertest.NewOpenAITenant(pagedShape, 1)
	}}
	for _, p := range Providers {
		tenants[p] = func() *providertest.Tenant { return providertest.NewTenant(p, users, 1) }
	}
	for _, name := range slices.Sorted(maps.Keys(tenants)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tenant := tenants[name]()
			p := tenant.Provider
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
			t.Logf("%s: %d users, %d assignments, requests %s (the minimum)", name, len(tenant.Users), n, strings.Join(parts, " + "))
		})
	}
}

// pagedShape is an OpenAI organization whose lists of service accounts,
// project keys, admin keys and invites run past one page of 100.
var pagedShape = providertest.OpenAIShape{Users: 250, Projects: 3, ProjectMembers: 5, Groups: 2, GroupsPerProject: 1,
	ServiceAccounts: 101, AdminKeys: 150, Invites: 201}

// TestMinRequests pins MinRequests on hand-countable tenants, so the
// arithmetic the main test relies on is itself checked.
func TestMinRequests(t *testing.T) {
	t.Run("openai-pages", func(t *testing.T) {
		tn := providertest.NewOpenAITenant(pagedShape, 1)
		got := MinRequests(tn)
		var projectUsers int64
		for _, p := range tn.Projects {
			projectUsers += int64(len(p.Users))
		}
		// Three projects, the last archived (no service accounts, no
		// keys); each active one has 101 service accounts, each with a
		// key: two pages of each.
		want := map[string]int64{"list-users": 3, "list-user-role-assignments": 250,
			"list-groups": 1, "list-group-users": 2, "list-group-role-assignments": 2,
			"list-projects": 1, "list-project-users": 3, "list-project-groups": 3,
			"list-project-service-accounts": 2 + 2 + 1, "list-project-api-keys": 2 + 2 + 1,
			"list-project-user-role-assignments": projectUsers, "list-project-group-role-assignments": 3,
			"admin-api-keys-list": 2, "list-invites": 3}
		if !maps.Equal(got, want) {
			t.Errorf("MinRequests = %v, want %v", got, want)
		}
	})
	t.Run("openai", func(t *testing.T) {
		got := MinRequests(providertest.NewTenant("openai", 250, 1))
		if got["list-users"] != 3 || got["list-user-role-assignments"] != 250 {
			t.Errorf("openai 250 users: %v, want 3 user pages and 250 role calls", got)
		}
	})
	// Hand-built tenants: each list one item past a page, exactly a page,
	// or empty (still one request).
	cases := []struct {
		name   string
		tenant *providertest.Tenant
		want   map[string]int64
	}{
		{"cortex-empty", &providertest.Tenant{Provider: "cortex"},
			map[string]int64{"listUsers": 1, "getUserRoleAssignments": 1, "listApiKeys": 1}},
		{"cortex", &providertest.Tenant{Provider: "cortex", Users: make([]providertest.User, 1001), CortexKeys: make([]providertest.CortexKey, 1000)},
			map[string]int64{"listUsers": 2, "getUserRoleAssignments": 2, "listApiKeys": 1}},
		{"vectara", &providertest.Tenant{Provider: "vectara", Users: make([]providertest.User, 101), VectaraKeys: make([]providertest.VectaraKey, 100),
			VectaraCorpora: make([]providertest.VectaraCorpus, 201), VectaraAgents: make([]providertest.VectaraAgent, 1)},
			map[string]int64{"listUsers": 2, "listApiKeys": 1, "listAppClient": 1, "listCorpora": 3, "listAgents": 1}},
		{"logto", logtoCounted(),
			// Roles a (150 users), b (none), m (101 applications); two
			// organizations: 100 members, then 101 members and an
			// application.
			map[string]int64{"ListRoles": 1, "ListRoleScopes": 3, "ListRoleUsers": 2 + 1, "ListRoleApplications": 2,
				"ListOrganizations": 1, "ListOrganizationUsers": 1 + 2, "ListOrganizationApplications": 1 + 1,
				"ListOrganizationInvitations": 1}},
	}
	for _, c := range cases {
		if got := MinRequests(c.tenant); !maps.Equal(got, c.want) {
			t.Errorf("%s: MinRequests = %v, want %v", c.name, got, c.want)
		}
	}
}

// logtoCounted is TestMinRequests' Logto tenant: User roles a (held by 150
// users) and b (by none), MachineToMachine role m (held by 101
// applications), and two organizations, of 100 members and of 101
// members and one application.
func logtoCounted() *providertest.Tenant {
	t := &providertest.Tenant{Provider: "logto", Roles: []providertest.Role{{ID: "a"}, {ID: "b"}, {ID: "m", Machine: true}},
		Users: make([]providertest.User, 150), Applications: make([]providertest.LogtoApplication, 101),
		Organizations: []providertest.LogtoOrganization{{Members: make([]providertest.LogtoMember, 100)},
			{Members: make([]providertest.LogtoMember, 101), Apps: make([]providertest.LogtoMember, 1)}}}
	for i := range t.Users {
		t.Users[i].Grants = []providertest.Grant{{RoleID: "a"}}
	}
	for i := range t.Applications {
		t.Applications[i].Roles = []string{"m"}
	}
	return t
}
