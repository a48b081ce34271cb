// Package openai is rolecall's OpenAI driver: it lists who holds which role
// in an OpenAI organization, every kind of principal and every scope the
// Admin API exposes, through the generated client in gen/openai. The key
// must be an organization admin key.
//
// # What it lists
//
// Each row below is one kind of assignment; all of them are listed unless
// facade.ListOptions.Principals narrows the kinds (the kind of each row
// is its Principal). Scope texts are "api.organization" (OrgScope),
// "project/<project_id>" and "group/<group_id>"; a role listed by a
// role-assignment operation is builtin when predefined_role, else custom,
// with its permissions, and is held directly, or through a group when its
// assignment_sources name principals other than the holder (which Via
// lists as "<principal_type>/<principal_id>").
//
//	kind             operation(s)                                      role                           scope         held
//	user             list-users                                        role (owner, reader)           organization  legacy
//	user             list-user-role-assignments                        each RBAC role                 resource_type direct/group
//	user             list-groups, list-group-users                     MemberRole ("member")          group         direct
//	user             list-projects, list-project-users                 role (owner, member)           project       legacy
//	user             list-project-user-role-assignments                each RBAC project role         project       direct/group
//	group            list-groups, list-group-role-assignments          each RBAC role                 resource_type direct
//	group            list-project-groups, ...-group-role-assignments   each RBAC project role         project       direct
//	service_account  list-project-service-accounts                     role (owner, member, none)     project       legacy
//	api_key          list-project-api-keys (owner_project_access=any)  the owner's project role       project       owner
//	api_key          admin-api-keys-list                               the owner's role (owner)       organization  owner
//	invitation       list-invites (pending only)                       role, and each project's role  organization, project  legacy
//
// Projects are listed with include_archived=true, so the access still held
// in archived projects is listed; OpenAI documents a 400 for the users and
// service accounts of an archived project, which is then logged as a
// warning (an archived project grants nothing while archived), not a
// failure. Project keys are listed with
// owner_project_access=any: left out, the server hides the keys whose
// owner lost access to the project; those are listed with status
// StatusOrphaned. A key's Owner is the user or service account it belongs
// to, and Via names it too. Accepted invitations are listed as the users
// they became, and expired ones grant nothing: only pending invitations
// are listed.
//
// Account fields: an organization user's rows from list-users and its role
// assignments carry its account (created is added_at, last activity
// api_key_last_used_at, the account type service when is_service_account,
// and the status from the nested user object: banned is suspended, enabled
// false disabled); a project membership's rows carry created = the
// membership's added_at; a group's, its created_at; a service account's,
// created_at and account type service; a key's, created_at, last_used_at
// as last activity, expires_at (admin keys) and status active or orphaned;
// an invitation's, created_at and expires_at. A group membership carries
// none.
//
// Privileged: the organization role owner; a role with a permission that
// writes organization settings (api.organization.*.write, per OpenAI's
// role reference); the predefined project owner role and the project role
// owner (of users, service accounts, and the keys that act as them); every
// admin key; an invitation to be an owner.
//
// Secrets: list responses carry part of each key (redacted_value), a
// project's encryption key id (external_key_id) and free-form role
// metadata. The driver clears them in the decoded record before anything
// else sees it: they reach no Assignment.Record, report, log or error.
//
// # Requests
//
// The listing sends, with U users, G groups, P projects, and m_p users,
// g_p groups, s_p service accounts and k_p keys in project p, A admin keys
// and I invitations (every list walked costs at least one page, even when
// empty; pages hold 100 users, projects, project users, project groups,
// service accounts, keys and invites, and 1000 groups, group members and
// roles; ⌈x⌉⁺ below is max(1, ⌈x⌉)):
//
//	⌈U/100⌉⁺ + U                      users, and each user's roles
//	+ ⌈G/1000⌉⁺ + 2G                  groups, each group's members and roles
//	+ ⌈P/100⌉⁺                        projects
//	+ Σ_p (⌈m_p/100⌉⁺ + ⌈g_p/100⌉⁺    each project's users, groups,
//	     + ⌈s_p/100⌉⁺ + ⌈k_p/100⌉⁺)   service accounts and keys
//	+ Σm_p + Σg_p                     each project user's and group's roles
//	+ ⌈A/100⌉⁺ + ⌈I/100⌉⁺             admin keys, invites
//
// (a principal with more than 1000 roles costs a page per 1000). For 300
// users, 10 groups and 20 projects of 15 users and 3 groups each, that is
// 3 + 300 + 1 + 20 + 1 + 80 + 300 + 60 + 2 = 767 requests: what
// bench.MinRequests counts and TestRequestsAreTheMinimum holds the driver
// to (BenchmarkGraph: 767 requests, 1.05–1.10× the round trips that
// concurrency forces at 50 ms a request).
//
// Narrowing the kinds leaves out the operations that yield only the
// others. The walks run concurrently (a root walk per operation above,
// its per-principal walks as a fan-out), bounded by Options.Concurrency
// (default DefaultConcurrency, 16) requests in flight. A principal whose
// roles run past two pages has the rest of its walk bounded by the role
// catalogue (GET /organization/roles, list-roles, or the project's GET
// /projects/{project_id}/roles, list-project-roles, counted once a
// listing): a server announcing more roles than exist is looping.
//
// A 403 on one kind's listing (a key that may not read groups, say) is
// recorded in the listing's Coverage and the other kinds are listed; the
// listing then ends with a PermissionDenied error naming the kinds
// refused. With facade.ListOptions.Emails, only users and invitations
// with those addresses are listed (the server filters list-users; the
// rest is filtered on the client).
package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/openai"
	"github.com/rolecall/rolecall/internal/paging"
)

// DefaultBaseURL is OpenAI's API root, /v1 included.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultConcurrency is the driver's default number of requests in flight
// (facade.Options.Concurrency 0). Its listing sends about one request per
// principal (a user's roles, a project member's project roles), each a few
// hundred bytes, so its wall time is latency, not bandwidth: at 16 in
// flight a 1000-user organization takes about 1000/16 round trips. OpenAI documents no rate
// limit for the admin API: the rate model learns one from its 429s.
const DefaultConcurrency = 16

// Page-size maxima: MaxUsersPageSize of the lists of users, projects,
// project users, service accounts, keys and invites; MaxRolesPageSize of
// the lists of groups, group members and roles.
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
	Kinds:              []facade.PrincipalKind{facade.User, facade.Group, facade.ServiceAccount, facade.APIKey, facade.Invitation},
	ErrorBody:          errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the admin key (openai.Config.AdminKey) is missing, wrong or revoked; a project key will not do",
		http.StatusForbidden:    "the key is not an organization admin key, or its owner may not read this part of the organization",
		http.StatusNotFound:     "check the base URL (it includes /v1); a user may also have been removed while it was listed",
	},
	Credentials: "an organization admin API key is required (a project key will not do)",
}

// MaxProjectGroupsPageSize is the page-size maximum of list-project-groups,
// the one listing whose maximum is neither MaxUsersPageSize nor
// MaxRolesPageSize.
const MaxProjectGroupsPageSize = 100

// queue is how many tasks wait in each level of the fan-out: a page of
// users or projects, so that a cursor runs a page ahead of the tasks it
// makes, while the memory held stays flat as the organization grows.
const queue = MaxUsersPageSize

// task is one walk of the fan-out: a principal's roles, a project's users.
type task func(context.Context) error

// listing is one listing of the organization. Its root walks (users,
// groups, projects, admin keys, invites) run at once; each hands the
// walks it finds to the fan-out's outer level (a user's roles, a group's
// members, a project's users), which hands the walks they find to the
// inner level (a project user's roles). Each level is a pool of
// driverkit.Tasks workers over a bounded queue, and every request takes
// one of the Options.Concurrency slots, so the slots stay busy whichever
// walks have work; a level only ever waits on the one below it, so the
// fan-out cannot deadlock.
type listing struct {
	kit          *driverkit.Kit
	client       *api.Client
	emails       []string
	emit         driverkit.Emit
	orgRoles     *catalogue
	outer, inner *paging.Pool[task]

	mu     sync.Mutex
	names  map[string]string // project names by id, as the project list arrives
	listed chan struct{}     // closed once the project list is walked
	gate   driverkit.Gate    // the other root walks wait for the first one's first answer
}

// list lists the organization's principals of the kinds asked for; see
// the package documentation.
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, emails []string, emit driverkit.Emit) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l := &listing{kit: kit, client: client, emails: emails, emit: emit, names: map[string]string{}, listed: make(chan struct{})}
	l.orgRoles = &catalogue{kit: kit, name: "the organization's role catalogue",
		send: func(ctx context.Context, after *string) (*http.Response, error) {
			return client.ListRoles(ctx, &api.ListRolesParams{Limit: limit(kit, MaxRolesPageSize), After: after})
		}}
	work := func(ctx context.Context, t task) error {
		err := t(ctx)
		if err != nil {
			cancel(err) // every level stops
		}
		return err
	}
	n := driverkit.Tasks(kit.Concurrency)
	inner, ictx := paging.NewPool(ctx, n, queue, work)
	outer, octx := paging.NewPool(ictx, n, queue, work)
	l.inner, l.outer = inner, outer
	g, gctx := errgroup.WithContext(octx)
	// With an email filter, only the principals with an address are kept
	// (users, invitations): the keys', groups' and service accounts'
	// listings are not made.
	filtered := len(emails) > 0
	if driverkit.Wants(gctx, facade.User) {
		g.Go(func() error {
			err := l.users(gctx)
			if err == nil { // refused (403) or done: the others may go on; an error stops them all
				l.gate.Open()
			}
			return err
		})
	} else {
		l.gate.Open()
	}
	if driverkit.Wants(gctx, facade.User) || !filtered && driverkit.Wants(gctx, facade.Group) {
		g.Go(l.gate.After(gctx, l.groups))
	}
	if driverkit.WantsAny(gctx, facade.User, facade.Invitation) ||
		!filtered && driverkit.WantsAny(gctx, facade.Group, facade.ServiceAccount, facade.APIKey) {
		g.Go(l.gate.After(gctx, func(ctx context.Context) error { return l.listProjects(ctx, filtered) }))
	} else {
		close(l.listed)
	}
	if !filtered && driverkit.Wants(gctx, facade.APIKey) {
		g.Go(l.gate.After(gctx, l.adminKeys))
	}
	if driverkit.Wants(gctx, facade.Invitation) {
		g.Go(l.gate.After(gctx, func(ctx context.Context) error {
			select { // the project names first: the same listing, the same rows
			case <-l.listed:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			return l.invites(ctx)
		}))
	}
	err := g.Wait()
	err = outer.Wait(err)
	return inner.Wait(err)
}

// listProjects runs projects, then lets invites name the projects.
func (l *listing) listProjects(ctx context.Context, filtered bool) error {
	defer close(l.listed)
	return l.projects(ctx, filtered)
}

// projectName is the name of the listed project id, "" when it was not
// listed.
func (l *listing) projectName(id string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.names[id]
}

// Config configures New.
type Config struct {
	// AdminKey is an organization admin API key.
	AdminKey string
	facade.Options
}

// New returns a lister of the organization's role assignments, of every
// kind of principal (see the package documentation). A bad cfg is an
// InvalidArgument *facade.Error naming the field.
//
// OpenAI API: GET /organization/users, /organization/groups,
// /organization/projects, /organization/admin_api_keys,
// /organization/invites, and the lists under them.
func New(cfg Config) (*facade.Source, error) {
	return driverkit.Open(spec, cfg.Options, api.NewClient, api.WithHTTPClient, list, driverkit.BearerToken("AdminKey", cfg.AdminKey))
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
