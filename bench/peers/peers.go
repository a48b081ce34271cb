// Package peers compares rolecall with what users would pick instead: the
// official openai-go SDK (v3), listing an organization's users and each
// user's organization roles with its auto-paging iterators, on the same
// fake server (package providertest) and the same simulated latency.
//
// It is its own Go module (bench/peers/go.mod, with a replace directive to
// the repository root) so that the library's go.mod never depends on the
// SDK. Run it with: cd bench/peers && go test -run '^$' -bench . -benchtime 1x
package peers

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// Key is one assignment's identity: user id, role id, scope.
type Key struct{ UserID, RoleID, Scope string }

// OrgScope is the scope rolecall gives each user's organization role.
const OrgScope = "api.organization"

// SDKListing lists every (user, role) of an organization with openai-go:
// Admin.Organization.Users.ListAutoPaging, and for each user
// Admin.Organization.Users.Roles.ListAutoPaging, one request at a time, as
// the SDK's iterators go. limit 0 leaves the page sizes at the API's
// defaults (users 20); otherwise it is sent as both listings' limit.
// It returns the keys and the number of requests sent.
func SDKListing(ctx context.Context, baseURL, adminKey string, limit int64) (map[Key]bool, int, error) {
	var requests atomic.Int64
	client := openai.NewClient(
		option.WithBaseURL(baseURL+"/"),
		option.WithAdminAPIKey(adminKey),
		option.WithAPIKey("unused"), // the SDK wants one; admin calls send the admin key
		option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
			requests.Add(1)
			return next(r)
		}),
	)
	out := map[Key]bool{}
	var up openai.AdminOrganizationUserListParams
	var rp openai.AdminOrganizationUserRoleListParams
	if limit > 0 {
		up.Limit = openai.Int(min(limit, 100))
		rp.Limit = openai.Int(limit)
	}
	users := client.Admin.Organization.Users.ListAutoPaging(ctx, up)
	for users.Next() {
		u := users.Current()
		if u.Role != "" {
			out[Key{u.ID, u.Role, OrgScope}] = true
		}
		roles := client.Admin.Organization.Users.Roles.ListAutoPaging(ctx, u.ID, rp)
		for roles.Next() {
			r := roles.Current()
			out[Key{u.ID, r.ID, r.ResourceType}] = true
		}
		if err := roles.Err(); err != nil {
			return out, int(requests.Load()), fmt.Errorf("roles of %s: %w", u.ID, err)
		}
	}
	return out, int(requests.Load()), users.Err()
}
