package logto

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/logto"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// role is a tenant role with what its scopes make of it.
type role struct {
	*api.RoleWithStats
	perms      []string // its scopes, "<resource indicator>#<scope name>"
	privileged bool     // by name, or by the Management API's all scope
}

// kind is the principal kind a role of this type is held by.
func (r *role) kind() facade.PrincipalKind {
	if r.Type == api.RoleTypeMachineToMachine {
		return facade.Application
	}
	return facade.User
}

// walkRoles walks the tenant roles the listing wants (type User for
// users, MachineToMachine for applications, both in one listing when it
// wants both), handing each to found.
func (l *listing) walkRoles(ctx context.Context, users, apps bool, found func(*api.RoleWithStats)) error {
	var typ *api.RoleType
	var kinds []facade.PrincipalKind
	switch {
	case users && apps:
		kinds = []facade.PrincipalKind{facade.User, facade.Application}
	case users:
		t := api.RoleTypeUser
		typ, kinds = &t, []facade.PrincipalKind{facade.User}
	default:
		t := api.RoleTypeMachineToMachine
		typ, kinds = &t, []facade.PrincipalKind{facade.Application}
	}
	kit := l.kit
	size := kit.PageSize
	seen := paging.NewTally()
	total := -1
	// More tasks than requests in flight: a task decodes its page after
	// its request's slot is free (driverkit.Tasks).
	err := paging.Numbered(ctx, driverkit.Tasks(kit.Concurrency), 1, kit.MaxPages, func(ctx context.Context, n int) (paging.Page, error) {
		params := &api.ListRolesParams{Page: &n, PageSize: &size, Type: typ}
		var page paging.Page
		op := fmt.Sprintf("list roles (page %d)", n)
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
			return l.client.ListRoles(ctx, params)
		}, func(resp *http.Response) (err error) {
			page, err = pageOf(resp, size, &total, n)
			return err
		})
		if err != nil {
			return page, err
		}
		l.gate.Open()
		roles, err := decodeAll(body, kit.MaxBody, func(r *api.RoleWithStats) string { return r.Id })
		if err != nil {
			return page, kit.Invalid(op, err)
		}
		for _, r := range roles {
			seen.Add(r.Id)
			switch {
			case r.Type == api.RoleTypeMachineToMachine && apps, (r.Type == api.RoleTypeUser || r.Type == "") && users:
				found(r)
			}
		}
		return page, nil
	})
	if err == nil && total >= 0 {
		err = kit.CheckTotal(ctx, "list roles", "roles", total, seen.Len())
	}
	return driverkit.Refused(ctx, err, kinds...)
}

// roleTask lists the holders of tenant role r: first its scopes (GET
// /api/roles/{id}/scopes, unpaged), which make its permissions and may
// make it privileged, then its users or applications.
func (l *listing) roleTask(ctx context.Context, r *api.RoleWithStats) error {
	rr := &role{RoleWithStats: r}
	kind := rr.kind()
	if !driverkit.Wants(ctx, kind) {
		return nil
	}
	if err := l.roleScopes(ctx, rr); err != nil || !driverkit.Wants(ctx, kind) {
		return driverkit.Refused(ctx, err, kind)
	}
	if kind == facade.Application {
		return driverkit.Refused(ctx, l.roleApps(ctx, rr), kind)
	}
	if len(l.emails) == 0 {
		return driverkit.Refused(ctx, l.roleUsers(ctx, rr, ""), kind)
	}
	for _, e := range l.emails {
		if err := l.roleUsers(ctx, rr, e); err != nil {
			return driverkit.Refused(ctx, err, kind)
		}
	}
	return nil
}

// roleScopes reads role r's scopes into its permissions: one request,
// unpaged (Logto pages this list only when asked to).
func (l *listing) roleScopes(ctx context.Context, r *role) error {
	op := fmt.Sprintf("list scopes of role %q", r.Name)
	body, err := l.kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
		return l.client.ListRoleScopes(ctx, r.Id, nil)
	}, nil)
	if err != nil {
		return err
	}
	scopes, err := decodeAll(body, l.kit.MaxBody, func(s *api.ScopeResponse) string { return s.Id })
	if err != nil {
		return l.kit.Invalid(op, err)
	}
	r.privileged = Privileged(r.Name)
	for _, s := range scopes {
		r.perms = append(r.perms, s.Resource.Indicator+"#"+s.Name)
		if ManagesAll(s.Resource.Indicator, s.Name) {
			r.privileged = true
		}
	}
	return nil
}

// roleApps lists the machine-to-machine applications holding role r (GET
// /api/roles/{id}/applications).
func (l *listing) roleApps(ctx context.Context, r *role) error {
	p := pager[api.Application]{op: fmt.Sprintf("list applications of role %q", r.Name), what: "applications",
		send: func(ctx context.Context, page, size int) (*http.Response, error) {
			return l.client.ListRoleApplications(ctx, r.Id, &api.ListRoleApplicationsParams{Page: &page, PageSize: &size})
		},
		id: func(a *api.Application) string { return a.Id }}
	return p.walk(ctx, l.kit, func(apps []*api.Application) error {
		batch := make([]facade.Assignment, 0, len(apps))
		for _, a := range apps {
			a.Secret, a.CustomData = nil, nil // credentials, or free-form data that may hold some
			batch = append(batch, facade.Assignment{Provider: "logto", Principal: facade.Application, UserID: a.Id, Name: a.Name,
				AccountType: facade.Service, Created: driverkit.UnixMillis(&a.CreatedAt), Privileged: r.privileged,
				RoleID: r.Id, RoleName: r.Name, RoleKind: facade.Custom, Permissions: r.perms, ScopeKind: facade.ScopeTenant,
				Held: facade.Direct, Record: a})
		}
		return l.emit(batch)
	})
}

// roleUsers lists the users holding role r (those with email, if given),
// again if the listing comes out short (driverkit.Relist).
func (l *listing) roleUsers(ctx context.Context, r *role, email string) error {
	op := fmt.Sprintf("list users of role %q", r.Name)
	seen := paging.NewTally() // over every pass
	return l.kit.Relist(ctx, op, "users", func(ctx context.Context) (int, int, bool, error) {
		total, changed, err := l.roleUsersPass(ctx, r, email, op, seen)
		return total, seen.Len(), changed, err
	})
}

// roleUsersPass lists role r's users once, and returns the total the
// first page reported and whether a later page reported another.
func (l *listing) roleUsersPass(ctx context.Context, r *role, email, op string, seen *paging.Tally) (int, bool, error) {
	kit := l.kit
	size := kit.PageSize
	total := -1
	var changed atomic.Bool
	err := paging.Numbered(ctx, driverkit.Tasks(kit.Concurrency), 1, kit.MaxPages, func(ctx context.Context, n int) (paging.Page, error) {
		params := &api.ListRoleUsersParams{Page: &n, PageSize: &size}
		if email != "" {
			mode := api.SearchModeExact
			params.SearchPrimaryEmail, params.ModePrimaryEmail = &email, &mode
		}
		var page paging.Page
		pageOp := fmt.Sprintf("%s (page %d)", op, n)
		body, err := kit.Fetch(ctx, pageOp, func(ctx context.Context) (*http.Response, error) {
			return l.client.ListRoleUsers(ctx, r.Id, params)
		}, func(resp *http.Response) (err error) {
			page, err = pageOf(resp, size, &total, n)
			if n > 1 && total >= 0 && resp.Header.Get("Total-Number") != strconv.Itoa(total) {
				changed.Store(true)
			}
			return err
		})
		if err != nil {
			return page, err
		}
		batch, err := decodePage(body, r, kit.MaxBody)
		if err != nil {
			return page, kit.Invalid(pageOp, err)
		}
		for i := range batch {
			seen.Add(batch[i].UserID)
		}
		if len(batch) > 0 {
			return page, l.emit(batch)
		}
		return page, nil
	})
	return total, changed.Load(), err
}

// decodePage decodes a ListRoleUsers page body into the generated types,
// user by user, and maps each user to its assignment of role r.
func decodePage(body []byte, r *role, maxBody int64) (batch []facade.Assignment, err error) {
	err = jsonstream.Array(bytes.NewReader(body), maxBody, func(u *api.UserProfile) error {
		if u.Id == "" {
			return fmt.Errorf("a user without an id")
		}
		a := userAssignment(u.Id, u.PrimaryEmail, u.Name, u.Username, u.IsSuspended, u.CreatedAt, u.UpdatedAt, u.LastSignInAt, u)
		a.RoleID, a.RoleName, a.RoleKind, a.Permissions, a.Privileged = r.Id, r.Name, facade.Custom, r.perms, r.privileged
		a.ScopeKind = facade.ScopeTenant
		batch = append(batch, a)
		return nil
	})
	return batch, err
}

// userAssignment is a user's assignment without its role and scope: the
// account fields the user's record carries, held directly.
func userAssignment(id string, email, name, username *string, suspended bool, created, updated float64, lastSignIn *float64, record any) facade.Assignment {
	return facade.Assignment{Provider: "logto", Principal: facade.User, UserID: id, Email: driverkit.Deref(email),
		Name: driverkit.Deref(name), Username: driverkit.Deref(username), Disabled: suspended, Status: status(suspended),
		Created: driverkit.UnixMillis(&created), Updated: driverkit.UnixMillis(&updated), LastActivity: driverkit.UnixMillis(lastSignIn),
		Held: facade.Direct, Record: record}
}

// ManagesAll reports whether the scope named name of the API resource
// with the given indicator is the Management API's all scope, which makes
// whoever holds it a full administrator of the tenant: Logto seeds each
// tenant's Management API as the resource
// https://<tenant id>.logto.app/api (getManagementApiResourceIndicator;
// "default" is the tenant id of a self-hosted instance) with the single
// scope all, "Default scope for Management API, allows all permissions"
// (packages/schemas/src/seeds/management-api.ts; docs.logto.io, "Logto
// Management API": the all scope grants every Management API endpoint).
// An "all" scope of any other API grants nothing in Logto itself.
func ManagesAll(indicator, name string) bool {
	if name != "all" {
		return false
	}
	host, ok := strings.CutPrefix(indicator, "https://")
	if !ok {
		return false
	}
	tenant, ok := strings.CutSuffix(host, ".logto.app/api")
	return ok && tenant != "" && !strings.ContainsAny(tenant, "./")
}
