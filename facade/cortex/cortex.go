// Package cortex is rolecall's Cortex driver: it lists who holds which role
// in a Cortex workspace, its users and its API keys, through the generated
// clients in gen/cortex (the vendored spec) and gen/cortexadmin (the
// operations written from Cortex's docs, api/specs/cortex-admin.yaml).
//
// # What it lists
//
//	kind     operation(s)                                role                               scope      held
//	user     getUserRoleAssignments (GET /api/v1/users/roles)
//	         + listUsers (GET /api/v1/users)             each BASIC and CUSTOM role          workspace  direct
//	api_key  listApiKeys (GET /api/v1/auth/key)          each DEFAULT and CUSTOM role        workspace  direct
//
// Users: user_id and email are the user's email (the API has no user id);
// a BASIC role is builtin with role_id = role_name = its name; a CUSTOM
// role is custom with role_id = its tag and role_name = its name. Created
// is the user's join date and LastActivity its last activity, from
// listUsers joined by email (case-insensitively); status and account type
// stay empty (the API says nothing of them). Whether the role list
// includes the roles a user inherits from a team is not documented: each
// listed role is taken as held directly.
//
// API keys: one row per role, principal api_key, user_id the key's cid and
// name its name, no email and no owner (the API names no creator); a
// DEFAULT role (READ_ONLY, USER, ADMIN: not the users' BASIC roles) is
// builtin with role_id = role_name = the role; a CUSTOM role is custom
// with role_id = role_name = its tag (the key listing does not name it).
// Created is createdDate, Expires expirationDate (zero: the key never
// expires); LastActivity stays zero: the API reports no last use of a
// key. Keys have no address, so a listing filtered by email lists none.
//
// Privileged: the BASIC role ADMIN of a user and the DEFAULT role ADMIN of
// a key (Cortex's docs: the role with every permission, settings and API
// keys included); custom roles are not, as the listing does not say what
// they grant (a review policy can name them).
//
// Secrets: a key's last4 is the end of its secret value. The driver clears
// it in the decoded record before anything else sees it: it reaches no
// Assignment.Record, report, log or error.
//
// Permissions: the users' operations need View Roles; listApiKeys needs
// Edit API keys, a write permission the least-privilege reporting key
// lacks. A 403 there is recorded in the listing's Coverage as api_key
// not_permitted, the users are listed all the same, and the listing ends
// with a PermissionDenied error naming api_key (rolecall --principals user
// leaves the keys out and asks nothing of them).
//
// # Requests
//
// Each list is walked from page 0 in pages of P = 1000 (the API's maximum;
// Options.PageSize asks fewer); page 0 tells totalPages and the remaining
// pages are fetched at once. With U users (every user, roles or none) and
// K keys, a listing sends
//
//	max(1, ⌈U/P⌉)     listUsers: the role walk joins its times
//	+ max(1, ⌈U/P⌉)   getUserRoleAssignments, beside listUsers (its pages
//	                  are decoded once the times are in; with an email
//	                  filter, of the users asked for: Cortex filters on
//	                  the server)
//	+ max(1, ⌈K/P⌉)   listApiKeys, beside the two (none with an email
//	                  filter, or when api_key is not asked for)
//
// and each walk is listed again, up to twice, when it comes out short of
// the total its first page reported or that total changed between pages
// (rows moved between pages). 100,000 users and 300 keys: 100 + 100 + 1 =
// 201 requests. Every request takes one of the driver's requests under
// Cortex's documented budget of 1000 requests a minute per client
// (driverkit.Budget): the walks share it, so the listing of 201 requests
// fits in one minute's budget.
package cortex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/cortex"
	admin "github.com/rolecall/rolecall/gen/cortexadmin"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// DefaultBaseURL is Cortex's API host.
const DefaultBaseURL = "https://api.getcortexapp.com"

// MaxPageSize is the largest pageSize the API accepts.
const MaxPageSize = 1000

var spec = driverkit.Spec{
	Provider:       "cortex",
	DefaultBaseURL: DefaultBaseURL,
	Budget:         driverkit.Budget{Requests: 1000, Window: time.Minute}, // documented: 1000 requests per minute per client
	MaxPageSize:    MaxPageSize,
	Kinds:          []facade.PrincipalKind{facade.User, facade.APIKey},
	ErrorBody:      errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the API key (cortex.Config.Token) is missing, wrong or revoked",
		http.StatusForbidden: "the API key lacks the permission: View Roles for users (an ADMIN key or a custom role that grants it), " +
			"Edit API keys for API keys",
	},
	RetryAfterFromBody: retryAfterFromBody,
	Credentials:        "a Cortex API key with the View Roles permission is required (and Edit API keys to list API keys)",
}

// clients are the driver's two generated clients, on one HTTP client.
type clients struct {
	roles *api.Client   // the vendored spec: getUserRoleAssignments
	admin *admin.Client // cortex-admin.yaml: listUsers, listApiKeys
}

// newClients builds both clients for server, each over the doers given
// (driverkit.Open hands the kit's HTTP client).
func newClients(server string, doers ...api.HttpRequestDoer) (*clients, error) {
	var ro []api.ClientOption
	var ao []admin.ClientOption
	for _, d := range doers {
		ro, ao = append(ro, api.WithHTTPClient(d)), append(ao, admin.WithHTTPClient(d))
	}
	r, err := api.NewClient(server, ro...)
	if err != nil {
		return nil, err
	}
	a, err := admin.NewClient(server, ao...)
	if err != nil {
		return nil, err
	}
	return &clients{roles: r, admin: a}, nil
}

// withDoer is the option newClients takes: the HTTP client itself.
func withDoer(d api.HttpRequestDoer) api.HttpRequestDoer { return d }

// listAll lists the kinds asked for: the users (their times, and beside
// them their roles, decoded once the times are in) and, beside them, the
// API keys; see the package documentation.
//
// The role and keys' walks start once the first users page is in (or the
// users' walk was refused, or users are not listed): a wrong key, or a server that
// refuses every request, costs one request and gives one error.
func listAll(ctx context.Context, kit *driverkit.Kit, c *clients, emails []string, emit driverkit.Emit) error {
	g, ctx := errgroup.WithContext(ctx)
	var gate driverkit.Gate
	if driverkit.Wants(ctx, facade.User) {
		acc := newAccounts()
		g.Go(func() error {
			err := listAccounts(ctx, kit, c.admin, acc, gate.Open)
			acc.finish(err)
			if err = driverkit.Refused(ctx, err, facade.User); err == nil {
				gate.Open() // refused (403) or done: the others may go on; an error stops them
			}
			return err
		})
		g.Go(gate.After(ctx, func(ctx context.Context) error { // beside the users walk: see accounts
			err := list(ctx, kit, c.roles, emails, acc, emit)
			select {
			case <-acc.ready: // acc.err is set
				if acc.err != nil && errors.Is(err, acc.err) {
					return nil // the users walk's own error, reported (or recorded) there
				}
			default:
			}
			return driverkit.Refused(ctx, err, facade.User)
		}))
	} else {
		gate.Open()
	}
	if len(emails) == 0 && driverkit.Wants(ctx, facade.APIKey) {
		g.Go(gate.After(ctx, func(ctx context.Context) error {
			return listKeys(ctx, kit, c.admin, emit)
		}))
	}
	return g.Wait()
}

// list lists the users' role assignments, page 0 first, then the rest at
// once, with each user's account times from acc.
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, emails []string, acc *accounts, emit driverkit.Emit) error {
	users := paging.NewTally() // over every pass
	return kit.Relist(ctx, "list user role assignments", "users", func(ctx context.Context) (int, int, bool, error) {
		var total atomic.Int32
		total.Store(-1)
		var changed atomic.Bool
		// More tasks than requests in flight: a task decodes its page
		// after its request's slot is free (driverkit.Tasks).
		err := paging.Numbered(ctx, driverkit.Tasks(kit.Concurrency), 0, kit.MaxPages, func(ctx context.Context, n int) (paging.Page, error) {
			page, err := fetchPage(ctx, kit, client, n, emails, users, acc, emit)
			if err == nil && !total.CompareAndSwap(-1, page.Total) && total.Load() != page.Total {
				changed.Store(true)
			}
			return paging.Page{Pages: int(page.TotalPages), Next: int(page.Page)+1 < int(page.TotalPages)}, err
		})
		if err == nil {
			kit.ReportUsers(int(total.Load()), users.Len())
		}
		return int(total.Load()), users.Len(), changed.Load(), err
	})
}

// Config configures New.
type Config struct {
	// Token is a Cortex API key with the View Roles permission.
	Token string
	facade.Options
}

// New returns a lister of the workspace's role assignments, its users' and
// its API keys' (only the users with ListOptions.Emails, if given: Cortex
// filters on the server). A bad cfg is an InvalidArgument *facade.Error
// naming the field.
//
// Cortex API: GET /api/v1/users, /api/v1/users/roles, /api/v1/auth/key.
func New(cfg Config) (*facade.Source, error) {
	return driverkit.Open(spec, cfg.Options, newClients, withDoer, listAll, driverkit.BearerToken("Token", cfg.Token))
}

// pageInfo is a page's pagination fields (-1: absent or null).
type pageInfo struct {
	Page, Total, TotalPages int32
}

// fetchPage fetches page n and emits its assignments. The body is read whole
// first, so that the request's slot is free for the next request while
// this page decodes.
func fetchPage(ctx context.Context, kit *driverkit.Kit, client *api.Client, n int, emails []string, users *paging.Tally, acc *accounts, emit driverkit.Emit) (pageInfo, error) {
	op := fmt.Sprintf("list user role assignments (page %d)", n)
	params := &api.GetUserRoleAssignmentsParams{PageSize: int32(kit.PageSize), Page: int32(n), Email: driverkit.Filter(emails)}
	body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
		return client.GetUserRoleAssignments(ctx, params)
	}, nil)
	if err != nil {
		return pageInfo{Page: -1, Total: -1, TotalPages: -1}, err
	}
	if err := acc.wait(ctx); err != nil { // the users' times, before a row is made
		return pageInfo{Page: -1, Total: -1, TotalPages: -1}, err
	}
	batch, seen, info, err := decodePage(body, kit.MaxBody, acc)
	switch {
	case err != nil:
	case info.TotalPages < 0 || info.Total < 0 || info.Page < 0:
		err = fmt.Errorf("the page lacks page, total or totalPages")
	case int(info.Page) != n:
		err = fmt.Errorf("asked for page %d, got page %d", n, info.Page)
	case info.TotalPages > info.Total+1:
		// Every page but the last holds a user at least: more pages than
		// users is a lie that would have the listing walk them all.
		err = fmt.Errorf("the server reports %d pages for %d users", info.TotalPages, info.Total)
	}
	if err != nil {
		return info, kit.Invalid(op, err)
	}
	for _, e := range seen {
		users.AddFold(e)
	}
	if len(batch) > 0 {
		return info, emit(batch)
	}
	return info, nil
}

// decodePage decodes a page into the generated envelope, streaming its
// users one by one, and maps each user to assignments; emails are the
// page's users. The envelope's page, total and totalPages are int32s that
// cannot tell an absent or null member from 0: the members the body gave
// tell them apart, and one it lacks is -1 in info.
func decodePage(body []byte, maxBody int64, acc *accounts) (batch []facade.Assignment, emails []string, info pageInfo, err error) {
	var env api.UserRoleAssignmentsResponse
	given, err := jsonstream.Decode(bytes.NewReader(body), maxBody, &env, func(u *api.UserRoleAssignment) error {
		emails = append(emails, u.Email)
		first := len(batch)
		var err error
		batch, err = appendAssignments(batch, u)
		for i := first; i < len(batch); i++ {
			acc.fill(&batch[i], u.Email)
		}
		return err
	})
	or := func(v *int32) int32 {
		if !given.Has(v) {
			return -1
		}
		return *v
	}
	return batch, emails, pageInfo{or(&env.Page), or(&env.Total), or(&env.TotalPages)}, err
}

// appendAssignments maps one user's record to assignments.
func appendAssignments(out []facade.Assignment, u *api.UserRoleAssignment) ([]facade.Assignment, error) {
	if u.Email == "" && len(u.Roles) > 0 {
		return out, fmt.Errorf("a user with roles but without an email, the only way Cortex names a user")
	}
	for _, r := range u.Roles {
		a := facade.Assignment{Provider: "cortex", Principal: facade.User, UserID: u.Email, Email: u.Email, Name: u.Name,
			ScopeKind: facade.ScopeWorkspace, Held: facade.Direct, Record: u}
		switch r.Type {
		case api.AssignedRoleTypeBASIC:
			if r.Role == nil || *r.Role == "" {
				return out, fmt.Errorf("user %q: a BASIC role without its role name", u.Email)
			}
			a.RoleID, a.RoleName, a.RoleKind = *r.Role, *r.Role, facade.Builtin
		case api.AssignedRoleTypeCUSTOM:
			if r.Tag == nil || *r.Tag == "" {
				return out, fmt.Errorf("user %q: a CUSTOM role without its tag", u.Email)
			}
			a.RoleID, a.RoleKind = *r.Tag, facade.Custom
			a.RoleName = *r.Tag
			if r.Name != nil {
				a.RoleName = *r.Name
			}
		default:
			// A role type this client does not know yet: keep it, named
			// as well as the record allows, rather than drop an access.
			a.RoleKind = facade.Custom
			a.RoleID = firstNonEmpty(r.Tag, r.Role, r.Name)
			a.RoleName = firstNonEmpty(r.Name, r.Role, r.Tag)
			if a.RoleID == "" {
				a.RoleID = string(r.Type)
			}
			if a.RoleID == "" {
				return out, fmt.Errorf("user %q: a role with neither a type nor a name", u.Email)
			}
			if a.RoleName == "" {
				a.RoleName = a.RoleID
			}
		}
		a.Privileged = a.RoleKind == facade.Builtin && a.RoleID == string(PrivilegedRole)
		out = append(out, a)
	}
	return out, nil
}

// PrivilegedRole is the BASIC role that is privileged by default.
const PrivilegedRole = "ADMIN"

func firstNonEmpty(ps ...*string) string {
	for _, p := range ps {
		if p != nil && *p != "" {
			return *p
		}
	}
	return ""
}

func errorBody(status int, body []byte) (string, string, any) {
	if status == http.StatusTooManyRequests {
		var p api.TooManyRequestsProblemDetail
		if json.Unmarshal(body, &p) == nil && p.Title != "" {
			msg := p.Title
			if p.Detail != nil && *p.Detail != "" {
				msg += ": " + *p.Detail
			}
			return msg, "", &p
		}
	}
	var e api.ErrorResponse
	if json.Unmarshal(body, &e) != nil || (e.Message == "" && e.Type == "") {
		return "", "", nil
	}
	reqID := ""
	if e.RequestId != nil {
		reqID = *e.RequestId
	}
	msg := e.Message
	if e.Type != "" {
		msg = string(e.Type) + ": " + msg
	}
	return msg, reqID, &e
}

func retryAfterFromBody(body []byte) (time.Duration, bool) {
	var p api.TooManyRequestsProblemDetail
	if json.Unmarshal(body, &p) != nil || p.RetryAfter == nil || *p.RetryAfter < 0 {
		return 0, false
	}
	return time.Duration(*p.RetryAfter) * time.Second, true
}
