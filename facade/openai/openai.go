// Package openai is rolecall's OpenAI driver: it lists every organization
// role assignment of an OpenAI organization through the generated client in
// gen/openai.
//
// It pages through GET /organization/users (operation list-users; 100 users
// a page, cursor after = last_id while has_more) and, for each user,
// GET /organization/users/{user_id}/roles (operation
// list-user-role-assignments; 1000 roles a page, cursor after = next while
// has_more). The per-user role listings run concurrently, bounded by
// Options.Concurrency (default DefaultConcurrency, 16). The key must be an
// organization admin key.
// A user whose roles run past two pages has the rest of the walk bounded by
// the role catalogue (GET /organization/roles, operation list-roles,
// counted once a listing): a server announcing more of a user's roles than
// exist is looping.
//
// Mapping: each role is builtin when predefined_role, else custom; scope is
// its resource_type; permissions are its permissions; via lists the
// assignment_sources other than the user, as "<principal_type>/<principal_id>".
// Each user's organization role (owner or reader) is one more builtin
// assignment with scope "api.organization", held Legacy (the user's
// single-role field). Scope kinds: api.organization is organization,
// api.project project (ScopeKinds), with no scope id (the listing does not
// carry it); a role is held through a group when its assignment_sources
// name principals other than the user, else directly. Every principal is
// a User: an organization user flagged is_service_account is still listed
// as a user of the organization (account type service), since it is one
// of the organization's users, with its email and sign-in, not a project
// service account (those are listed apart by another API). Of the account: created is
// added_at (when the user joined the organization), last activity
// api_key_last_used_at, the account type service when is_service_account
// (else human when the field is present), and the status comes from the
// nested user object when present (banned: suspended; enabled false:
// disabled; else active). The organization role owner is privileged, and
// so is a role with a permission that writes organization settings
// (api.organization.*.write), per OpenAI's role reference.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/openai"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// DefaultBaseURL is OpenAI's API root, /v1 included.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultConcurrency is the driver's default number of requests in flight
// (facade.Options.Concurrency 0). Its listing sends one request per user
// (GET /organization/users/{user_id}/roles), each a few hundred bytes, so
// its wall time is latency, not bandwidth: at 8 in flight a 1000-user
// organization takes about 1000/8 round trips. OpenAI documents no rate
// limit for the admin API: the rate model learns one from its 429s.
const DefaultConcurrency = 16

// Page-size maxima of the two operations.
const (
	MaxUsersPageSize = 100
	MaxRolesPageSize = 1000
)

// OrgScope is the scope of the organization-role assignment each user has.
const OrgScope = "api.organization"

var spec = driverkit.Spec{
	Provider:       "openai",
	DefaultBaseURL: DefaultBaseURL,
	MaxPageSize:    MaxRolesPageSize,
	// One request per user: latency-bound, so more in flight.
	DefaultConcurrency: DefaultConcurrency,
	ErrorBody:          errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the admin key (openai.Config.AdminKey) is missing, wrong or revoked; a project key will not do",
		http.StatusForbidden:    "the key is not an organization admin key, or its owner cannot read the organization's users and roles",
		http.StatusNotFound:     "check the base URL (it includes /v1); a user may also have been removed while it was listed",
	},
	Credentials: "an organization admin API key is required (a project key will not do)",
}

// list lists the users a page at a time, each page's organization roles at
// once, and each user's project roles as the page's users are handed to
// the workers.
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, emails []string, emit driverkit.Emit) error {
	// Each user's roles are listed by a pool of workers (more than
	// requests in flight: a worker decodes its page after its
	// request's slot is free, driverkit.Tasks). The queue holds a whole
	// users page, so the users cursor runs a page ahead of the role
	// requests instead of waiting for them.
	cat := &catalogue{kit: kit, client: client}
	pool, ctx := paging.NewPool(ctx, driverkit.Tasks(kit.Concurrency), MaxUsersPageSize,
		func(ctx context.Context, u *api.OrganizationUser) error {
			return userRoles(ctx, kit, client, u, cat, emit)
		})
	err := paging.Cursor(ctx, kit.MaxPages, func(ctx context.Context, cursor string) (string, bool, error) {
		users, next, more, err := usersPage(ctx, kit, client, cursor, emails)
		if err != nil {
			return "", false, err
		}
		var orgRoles []facade.Assignment
		for _, u := range users {
			if u.Role != nil && *u.Role != "" {
				a := facade.Assignment{Provider: "openai", Principal: facade.User, UserID: u.Id, Email: driverkit.Deref(u.Email),
					Name: driverkit.Deref(u.Name), RoleID: string(*u.Role), RoleName: string(*u.Role), RoleKind: facade.Builtin,
					Scope: OrgScope, ScopeKind: facade.ScopeOrganization, Held: facade.Legacy,
					Privileged: *u.Role == api.OrganizationUserRoleOwner, Record: u}
				account(&a, u)
				orgRoles = append(orgRoles, a)
			}
		}
		if len(orgRoles) > 0 {
			if err := emit(orgRoles); err != nil {
				return "", false, err
			}
		}
		for _, u := range users {
			if err := pool.Send(u); err != nil {
				return "", false, err
			}
		}
		return next, !more, nil
	})
	return pool.Wait(err)
}

// Config configures New.
type Config struct {
	// AdminKey is an organization admin API key.
	AdminKey string
	facade.Options
}

// New returns a lister of the organization's role assignments (only the
// users with ListOptions.Emails, if given: OpenAI filters on the server).
// A bad cfg is an InvalidArgument *facade.Error naming the field.
//
// OpenAI API: GET /organization/users, then
// GET /organization/users/{user_id}/roles for each user.
func New(cfg Config) (*facade.Source, error) {
	return driverkit.Open(spec, cfg.Options, api.NewClient, api.WithHTTPClient, list, driverkit.BearerToken("AdminKey", cfg.AdminKey))
}

func usersPage(ctx context.Context, kit *driverkit.Kit, client *api.Client, after string, emails []string) (users []*api.OrganizationUser, next string, more bool, err error) {
	op := "list users"
	limit := min(kit.PageSize, MaxUsersPageSize)
	params := &api.ListUsersParams{Limit: &limit, Emails: driverkit.Filter(emails)}
	if after != "" {
		params.After = &after
		op = fmt.Sprintf("list users after %q", after)
	}
	body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
		return client.ListUsers(ctx, params)
	}, nil)
	if err != nil {
		return nil, "", false, err
	}
	users, c, err := decodeUsers(body, kit.MaxBody)
	if err == nil && !c.moreSet {
		err = fmt.Errorf("the page lacks has_more")
	}
	if err != nil {
		return nil, "", false, kit.Invalid(op, err)
	}
	more, next = c.more, c.next
	if more && next == "" && len(users) > 0 {
		next = users[len(users)-1].Id // the cursor is the last user's id
	}
	return users, next, more, err
}

// cursor is what a page says about the next one.
type cursor struct {
	next    string // next (roles) or last_id (users); "" when null or absent
	more    bool   // has_more
	moreSet bool   // has_more was there, and not null
}

// cursorOf is the cursor a page's envelope decoded into. The generated
// HasMore is a bool that cannot tell an absent or null has_more from
// false: given, the members the body gave, tells them apart.
func cursorOf(next *string, more *bool, given jsonstream.Given) cursor {
	return cursor{next: driverkit.Deref(next), more: *more, moreSet: given.Has(more)}
}

// decodeUsers decodes a list-users page into the generated envelope,
// streaming its users one by one.
func decodeUsers(body []byte, maxBody int64) (users []*api.OrganizationUser, c cursor, err error) {
	var env api.UserListResponse
	given, err := jsonstream.Decode(bytes.NewReader(body), maxBody, &env, func(u *api.OrganizationUser) error {
		if u.Id == "" {
			return fmt.Errorf("a user without an id")
		}
		users = append(users, u)
		return nil
	})
	return users, cursorOf(env.LastId, &env.HasMore, given), err
}

// catalogueAfter is how many of one user's role pages are walked before
// the role catalogue is asked how many more there may be. A user with more
// than one page of roles (1000 at the default page size) is already
// exceptional, so the catalogue is asked before the third: 50 users whose
// role cursors never end, over an empty catalogue, then cost at most 102
// requests, not about 470 as after ten pages. It is also the bound's slack
// (see userRoles).
const catalogueAfter = 2

// userRoles lists one user's roles, page by page. A user whose roles run
// past catalogueAfter pages has the rest of the walk bounded by the
// organization's role catalogue (cat, counted once a listing): a user
// cannot hold more roles than there are, so more than n + n/10 +
// catalogueAfter rows, or pages, for a catalogue of n roles (the tenth and
// the slack being room for roles created meanwhile) are a server that is
// looping, and an error. (The catalogue is not asked sooner: an ordinary
// listing makes no request for it.)
func userRoles(ctx context.Context, kit *driverkit.Kit, client *api.Client, u *api.OrganizationUser, cat *catalogue, emit driverkit.Emit) error {
	limit := kit.PageSize
	pages, rows := 0, 0
	return paging.Cursor(ctx, kit.MaxPages, func(ctx context.Context, cursor string) (string, bool, error) {
		op := fmt.Sprintf("list roles of user %q", u.Id)
		if pages++; pages > catalogueAfter {
			n, err := cat.count(ctx)
			if err != nil {
				return "", false, err
			}
			if allowed := n + n/10 + catalogueAfter; pages > allowed || rows > allowed {
				return "", false, kit.Fail(op, facade.InvalidResponse,
					fmt.Errorf("page %d, %d roles so far, but the organization's role catalogue has %d roles", pages, rows, n),
					"the provider keeps announcing more of this user's roles than exist; it is probably looping: list again later, and report it to OpenAI if it persists")
			}
		}
		params := &api.ListUserRoleAssignmentsParams{Limit: &limit}
		if cursor != "" {
			params.After = &cursor
		}
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
			return client.ListUserRoleAssignments(ctx, u.Id, params)
		}, nil)
		if err != nil {
			return "", false, err
		}
		batch, c, err := decodeRoles(body, u, kit.MaxBody)
		if err == nil && !c.moreSet {
			err = fmt.Errorf("the page lacks has_more")
		}
		if err != nil {
			return "", false, kit.Invalid(op, err)
		}
		rows += len(batch)
		if len(batch) > 0 {
			if err := emit(batch); err != nil {
				return "", false, err
			}
		}
		return c.next, !c.more, nil
	})
}

// catalogue counts the organization's roles (GET /organization/roles),
// once a listing and only if a user's roles run past catalogueAfter pages.
// The first user to need the count fetches it; the others wait for that
// count rather than ask again, and all of them get its result, an error
// included (which ends the listing anyway).
type catalogue struct {
	kit    *driverkit.Kit
	client *api.Client
	mu     sync.Mutex
	call   *countCall // nil until the count is first needed
}

// countCall is the listing's one count of the catalogue.
type countCall struct {
	done chan struct{} // closed once n and err are set
	n    int
	err  error
}

// count returns the number of roles in the catalogue, fetching it if no
// user has yet, or waiting for the user that is; it returns early with
// the cause of ctx's end if ctx ends first.
func (c *catalogue) count(ctx context.Context) (int, error) {
	c.mu.Lock()
	call := c.call
	if call == nil {
		call = &countCall{done: make(chan struct{})}
		c.call = call
		c.mu.Unlock()
		call.n, call.err = countRoles(ctx, c.kit, c.client)
		close(call.done)
		return call.n, call.err
	}
	c.mu.Unlock()
	select {
	case <-call.done:
		return call.n, call.err
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// countRoles counts the roles of the organization's catalogue.
func countRoles(ctx context.Context, kit *driverkit.Kit, client *api.Client) (int, error) {
	n := 0
	limit := kit.PageSize // Options.PageSize, as every request of the listing (0: MaxRolesPageSize)
	err := paging.Cursor(ctx, kit.MaxPages, func(ctx context.Context, cursor string) (string, bool, error) {
		op := "list roles (the catalogue, to bound a user's role pages)"
		params := &api.ListRolesParams{Limit: &limit}
		if cursor != "" {
			params.After = &cursor
		}
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
			return client.ListRoles(ctx, params)
		}, nil)
		if err != nil {
			return "", false, err
		}
		var page api.PublicRoleListResource
		if err := json.Unmarshal(body, &page); err != nil {
			return "", false, kit.Invalid(op, err)
		}
		n += len(page.Data)
		return driverkit.Deref(page.Next), !page.HasMore, nil
	})
	return n, err
}

// decodeRoles decodes a list-user-role-assignments page of user u into
// the generated envelope, streaming its roles one by one, and maps each
// to an assignment.
func decodeRoles(body []byte, u *api.OrganizationUser, maxBody int64) (batch []facade.Assignment, c cursor, err error) {
	var env api.RoleListResource
	given, err := jsonstream.Decode(bytes.NewReader(body), maxBody, &env, func(r *api.AssignedRoleDetails) error {
		a, err := roleAssignment(u, r)
		if err != nil {
			return err
		}
		batch = append(batch, a)
		return nil
	})
	return batch, cursorOf(env.Next, &env.HasMore, given), err
}

// roleAssignment is user u's assignment of role r.
func roleAssignment(u *api.OrganizationUser, r *api.AssignedRoleDetails) (facade.Assignment, error) {
	if r.Id == "" {
		return facade.Assignment{}, fmt.Errorf("user %q: a role without an id", u.Id)
	}
	kind := facade.Custom
	if r.PredefinedRole {
		kind = facade.Builtin
	}
	a := facade.Assignment{Provider: "openai", Principal: facade.User, UserID: u.Id, Email: driverkit.Deref(u.Email),
		Name: driverkit.Deref(u.Name), RoleID: r.Id, RoleName: r.Name, RoleKind: kind, Scope: r.ResourceType,
		ScopeKind: ScopeKinds[r.ResourceType], Permissions: r.Permissions, Via: via(u.Id, r.AssignmentSources),
		Held: held(u.Id, r.AssignmentSources), Privileged: PrivilegedPermissions(r.Permissions), Record: r}
	account(&a, u)
	return a, nil
}

// account fills a's account fields from the organization user u.
func account(a *facade.Assignment, u *api.OrganizationUser) {
	a.Created = driverkit.UnixSeconds(&u.AddedAt)
	a.LastActivity = driverkit.UnixSeconds(u.ApiKeyLastUsedAt)
	if u.IsServiceAccount != nil {
		a.AccountType = facade.Human
		if *u.IsServiceAccount {
			a.AccountType = facade.Service
		}
	}
	if d := u.User; d != nil {
		switch {
		case d.Banned != nil && *d.Banned:
			a.Status = facade.StatusSuspended
		case d.Enabled != nil && !*d.Enabled:
			a.Status = facade.StatusDisabled
		case d.Enabled != nil || d.Banned != nil:
			a.Status = facade.StatusActive
		}
	}
	a.Disabled = a.Status == facade.StatusDisabled || a.Status == facade.StatusSuspended
}

// PrivilegedPermissions is the default rule for OpenAI roles: a role is
// privileged when one of its permissions writes organization settings
// (api.organization.<area>.write).
func PrivilegedPermissions(perms []string) bool {
	for _, p := range perms {
		if strings.HasPrefix(p, "api.organization.") && strings.HasSuffix(p, ".write") {
			return true
		}
	}
	return false
}

// ScopeKinds maps a role's resource_type to its scope kind; a type not
// listed leaves the scope kind "" (the provider's text stays in Scope).
var ScopeKinds = map[string]facade.ScopeKind{
	OrgScope:      facade.ScopeOrganization,
	"api.project": facade.ScopeProject,
}

// held says how the user holds a role from its assignment_sources: directly
// when they are absent (null: a direct assignment) or name the user itself,
// else through the principals they name (a group), which via lists. A role
// held both ways is Direct: taking the group away leaves it.
func held(userID string, sources *[]api.AssignmentSource) facade.HowHeld {
	if sources == nil || len(*sources) == 0 {
		return facade.Direct
	}
	for _, s := range *sources {
		if s.PrincipalId == userID && (s.PrincipalType == "user" || s.PrincipalType == "") {
			return facade.Direct
		}
	}
	return facade.ThroughGroup
}

// via names the principals an assignment is inherited through, other than
// the user itself, as "<principal_type>/<principal_id>,…" (one allocation).
func via(userID string, sources *[]api.AssignmentSource) string {
	if sources == nil {
		return ""
	}
	self := func(s *api.AssignmentSource) bool {
		return s.PrincipalId == userID && (s.PrincipalType == "user" || s.PrincipalType == "")
	}
	n := 0
	for i := range *sources {
		if s := &(*sources)[i]; !self(s) {
			n += len(s.PrincipalType) + len(s.PrincipalId) + 2
		}
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n - 1)
	for i := range *sources {
		if s := &(*sources)[i]; !self(s) {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s.PrincipalType)
			b.WriteByte('/')
			b.WriteString(s.PrincipalId)
		}
	}
	return b.String()
}

func errorBody(_ int, body []byte) (string, string, any) {
	var e api.ErrorResponse
	if json.Unmarshal(body, &e) != nil || (e.Error.Message == "" && e.Error.Type == "") {
		return "", "", nil
	}
	msg := e.Error.Message
	if e.Error.Code != nil && *e.Error.Code != "" {
		msg = *e.Error.Code + ": " + msg
	}
	return msg, "", &e
}
