// Package logto is rolecall's Logto driver: it lists who holds which role
// in a Logto tenant (users, machine-to-machine applications and pending
// organization invitations, tenant-wide and in each organization) through
// the Management API client generated in gen/logto.
//
// # What it lists
//
// Each row below is one kind of assignment; all of them are listed unless
// facade.ListOptions.Principals narrows the kinds (the kind of each row is
// its Principal). Every tenant or organization role is custom and held
// directly. Tenant roles are tenant-wide (scope kind tenant, Scope "");
// organization roles apply to one organization (scope kind
// logto_organization, Scope "logto_organization/<id>", ScopeID and
// ScopeName the organization's id and name).
//
//	kind         operation(s)                                     role                                scope
//	user         ListRoles (type User), ListRoleUsers             each User tenant role               tenant
//	user         ListOrganizations, ListOrganizationUsers         each organizationRoles entry, or    logto_organization
//	                                                              MemberRole ("member", builtin)
//	application  ListRoles (type MachineToMachine),               each MachineToMachine tenant role   tenant
//	             ListRoleApplications
//	application  ListOrganizations, ListOrganizationApplications  each organizationRoles entry, or    logto_organization
//	                                                              MemberRole
//	invitation   ListOrganizationInvitations (Pending only)       each organizationRoles entry, or    logto_organization
//	                                                              MemberRole
//
// A member without an organization role still belongs to the
// organization (it signs in to it and gets its tokens), so it is listed
// with the role MemberRole rather than left out, as the OpenAI driver
// lists a group's members; a member with roles is listed with its roles
// only. An invitation that grants no role is listed the same way.
// Accepted invitations are listed as the members they made; expired and
// revoked ones grant nothing and are not listed.
//
// Account fields: a user's rows (tenant and organization alike) carry its
// account: user_id its id, email its primaryEmail, disabled its
// isSuspended (status suspended, else active), created, updated and last
// activity its createdAt, updatedAt and lastSignInAt (epoch
// milliseconds); nulls read as "". An application's rows carry its name,
// created (createdAt) and account type service; an invitation's, the
// invitee as email, created (createdAt) and expires (expiresAt).
//
// Permissions: a tenant role's scopes (GET /api/roles/{id}/scopes), each
// "<resource indicator>#<scope name>". Organization roles come inline with
// their members as id and name only: their permissions are not listed.
//
// Privileged: a role whose name contains "admin", in any case (Privileged),
// and a tenant role that carries the Management API's all scope
// (ManagesAll): Logto's Management API has that one scope, which "allows
// all permissions", so a user or application holding it is a full
// administrator of the tenant.
//
// Secrets: applications come back with their legacy client secret
// (secret, until an internal secret replaced it) and free-form
// customData. The driver clears both in the decoded record before anything
// else sees it: they reach no Assignment.Record, report, log or error.
// Application secrets (GET /api/applications/{id}/secrets) and personal
// access tokens are not requested.
//
// # Requests
//
// Lists are paged 100 items a page (the server's maximum, MaxPageSize).
// With R tenant roles, u_r users or applications holding role r, O
// organizations, and m_o users and a_o applications in organization o,
// a listing sends (⌈x⌉₁ is ⌈x/100⌉, at least 1):
//
//	⌈R⌉₁ + R                  the roles (one listing of both types), each role's scopes
//	+ Σ_r ⌈u_r⌉₁              each role's users or applications
//	+ ⌈O⌉₁ + Σ_o (⌈m_o⌉₁ + ⌈a_o⌉₁)  the organizations, each one's users and applications
//	+ 1                       the invitations (unpaged)
//
// For a tenant of 2,000 users, 200 organizations of fewer than 100
// members each and 42 roles whose holders fit a page: 1 + 42 + 42 + 2 +
// 400 + 1 = 488 requests. At Logto Cloud's documented 200 requests per
// 10 s (the driver's default rate budget, whose bucket starts full: 200 at
// once, then 20 a second) that is 14.4 s: BenchmarkGraphBudget measured
// 14.5 s, with no 429 from a server enforcing the same limit. Narrowing the kinds
// leaves out the operations that yield only the others (the roles are
// then listed with type=User or type=MachineToMachine); with
// facade.ListOptions.Emails, applications are not listed (they have no
// email), each role's users are searched on the server for up to ten
// emails (one listing per email and role), and the organizations'
// members and the invitations are filtered on the client.
//
// Each listing's first page tells the total (Total-Number), and its other
// pages are fetched concurrently; a Link rel="next" on the last counted
// page extends the walk. The organizations, the roles' users and
// applications and the organizations' users and applications are
// re-listed when they come out short of the total or the total changes
// between pages (driverkit.Relist): Logto pages by offset, and the
// organization and organization-application lists have no ORDER BY, so
// rows can move between pages. Each role's and each organization's
// listings are tasks of one fan-out, Options.Concurrency (default
// DefaultConcurrency) requests in flight. The role list is asked first:
// a wrong token costs one request and gives one error.
//
// A 403 on one kind's listing is recorded in the listing's Coverage and
// the other kinds are listed; the listing then ends with a
// PermissionDenied error naming the kinds refused.
//
// Authentication is an access token, or a machine-to-machine app's id and
// secret exchanged at {endpoint}/oidc/token (grant client_credentials,
// scope all, resource https://<tenant>.logto.app/api for *.logto.app
// endpoints and https://default.logto.app/api otherwise), refreshed before
// it expires.
package logto

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/errgroup"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/logto"
	"github.com/rolecall/rolecall/internal/paging"
)

// MaxPageSize is the largest page_size the server accepts (it answers 400
// above it).
const MaxPageSize = 100

// maxSearchEmails is how many emails are searched for on the server, one
// request per email and role; past it, the filter runs on the client.
const maxSearchEmails = 10

// DefaultConcurrency is the driver's default number of requests in flight
// (facade.Options.Concurrency 0). A listing is a request per role and per
// page of its users, with little to decode: its wall time is latency.
// Sixteen in flight lists a tenant of 20 roles and 180 pages within the
// documented 200-request burst, ~11× faster than one request at a time.
const DefaultConcurrency = 16

var spec = driverkit.Spec{
	Provider:           "logto",
	Budget:             driverkit.Budget{Requests: 200, Window: 10 * time.Second}, // Logto Cloud's guidance: 200 requests per 10 s
	DefaultConcurrency: DefaultConcurrency,
	MaxPageSize:        MaxPageSize,
	Kinds:              []facade.PrincipalKind{facade.User, facade.Application, facade.Invitation},
	ErrorBody:          errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the access token is missing, wrong or expired (logto.Config.AccessToken, or logto.Config.AppID and logto.Config.AppSecret)",
		http.StatusForbidden:    "the token lacks the all scope: give the machine-to-machine app the Logto Management API access role",
		http.StatusNotFound:     "check the tenant endpoint (logto.Config.BaseURL); a role or organization may also have been deleted while it was listed",
	},
	Credentials: "a Management API access token, or a machine-to-machine app's id and secret, is required",
}

// DefaultResource is the Management API resource indicator for an
// endpoint: https://<tenant>.logto.app/api for Logto Cloud, and
// https://default.logto.app/api for a self-hosted instance.
func DefaultResource(endpoint *url.URL) string {
	host := endpoint.Hostname()
	if strings.HasSuffix(host, ".logto.app") {
		return "https://" + host + "/api"
	}
	return "https://default.logto.app/api"
}

// listing is one listing of the tenant: its root walks (the roles, the
// organizations, the invitations) hand each role's and organization's
// listings to one fan-out of tasks; the first failure anywhere stops
// everything and is the listing's error.
type listing struct {
	kit    *driverkit.Kit
	client *api.Client
	emails []string // searched on the server in each role's users; nil: none
	emit   driverkit.Emit

	mu   sync.Mutex
	orgs map[string]string // organization names by id, as the list arrives

	gate driverkit.Gate // the other root walks wait for the first one's first answer

	cancel  context.CancelCauseFunc
	errOnce sync.Once
	err     error
}

// fail records err as the listing's error if it is the first, and stops
// the listing.
func (l *listing) fail(err error) {
	l.errOnce.Do(func() {
		l.err = err
		l.cancel(err)
	})
}

// run runs f as one goroutine of g, recording its failure.
func (l *listing) run(g *errgroup.Group, f func() error) {
	g.Go(func() error {
		if err := f(); err != nil {
			l.fail(err)
		}
		return nil
	})
}

// list lists the tenant's principals of the kinds asked for; see the
// package documentation.
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, emails []string, emit driverkit.Emit) error {
	filtered := len(emails) > 0
	if len(emails) > maxSearchEmails {
		emails = nil // the client-side filter in Stream does the work
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l := &listing{kit: kit, client: client, emails: emails, emit: emit, orgs: map[string]string{}, cancel: cancel}
	users := driverkit.Wants(ctx, facade.User)
	apps := driverkit.Wants(ctx, facade.Application) && !filtered
	invitations := driverkit.Wants(ctx, facade.Invitation)

	var tasks, roots errgroup.Group
	tasks.SetLimit(driverkit.Tasks(kit.Concurrency))
	task := func(f func(context.Context) error) { l.run(&tasks, func() error { return f(ctx) }) }
	if users || apps {
		l.run(&roots, func() error {
			err := l.walkRoles(ctx, users, apps, func(r *api.RoleWithStats) {
				task(func(ctx context.Context) error { return l.roleTask(ctx, r) })
			})
			if err == nil {
				l.gate.Open() // refused (403) or empty: the others may go on
			}
			return err
		})
	} else {
		l.gate.Open()
	}
	listed := make(chan struct{})
	if users || apps || invitations {
		l.run(&roots, l.gate.After(ctx, func(ctx context.Context) error {
			defer close(listed)
			err := l.walkOrgs(ctx, func(o orgScope) {
				if driverkit.Wants(ctx, facade.User) {
					task(func(ctx context.Context) error { return l.orgUsers(ctx, o) })
				}
				if apps && driverkit.Wants(ctx, facade.Application) {
					task(func(ctx context.Context) error { return l.orgApps(ctx, o) })
				}
			})
			// Without the organizations, no membership is listed; the
			// invitations still are, without their organizations' names.
			return driverkit.Refused(ctx, err, facade.User, facade.Application)
		}))
	} else {
		close(listed)
	}
	if invitations {
		l.run(&roots, l.gate.After(ctx, func(ctx context.Context) error {
			select { // the organizations' names first
			case <-listed:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			return l.invitations(ctx)
		}))
	}
	_ = roots.Wait()
	_ = tasks.Wait()
	return l.err
}

// Config configures New. Options.BaseURL (the tenant endpoint, e.g.
// https://tenant.logto.app) is required. Set AccessToken, or AppID and
// AppSecret.
type Config struct {
	// AccessToken is a Management API access token.
	AccessToken string
	// AppID and AppSecret are a machine-to-machine app's credentials.
	AppID, AppSecret string
	// Resource is the Management API resource indicator the token is
	// asked for (default: see the package documentation).
	Resource string
	facade.Options
}

// New returns a lister of the tenant's users, machine-to-machine
// applications and pending organization invitations with their tenant
// and organization roles (only those with ListOptions.Emails, if given;
// see the package documentation). A bad cfg is an InvalidArgument
// *facade.Error naming the fields.
func New(cfg Config) (*facade.Source, error) {
	if cfg.BaseURL == "" {
		return nil, driverkit.ConfigError(spec.Provider, "the tenant endpoint, e.g. https://tenant.logto.app", "logto.Config.BaseURL is not set; it is required")
	}
	return driverkit.Open(spec, cfg.Options, api.NewClient, api.WithHTTPClient, list, driverkit.BearerToken("AccessToken", cfg.AccessToken),
		driverkit.Way{Fields: []driverkit.Field{{Name: "AppID", Value: cfg.AppID}, {Name: "AppSecret", Value: cfg.AppSecret, Secret: true}},
			Grant: func(kit *driverkit.Kit) *clientcredentials.Config {
				return &clientcredentials.Config{
					ClientID: cfg.AppID, ClientSecret: cfg.AppSecret, TokenURL: kit.Base.JoinPath("oidc", "token").String(),
					Scopes: []string{"all"}, EndpointParams: url.Values{"resource": {cmp.Or(cfg.Resource, DefaultResource(kit.Base))}},
					AuthStyle: oauth2.AuthStyleInHeader,
				}
			}})
}

func status(suspended bool) facade.Status {
	if suspended {
		return facade.StatusSuspended
	}
	return facade.StatusActive
}

// Privileged is the default name rule for Logto roles, tenant and
// organization alike: a name containing "admin", in any case. A tenant
// role carrying the Management API's all scope is privileged whatever its
// name (ManagesAll).
func Privileged(roleName string) bool {
	return strings.Contains(strings.ToLower(roleName), "admin")
}

// pageOf reads a page's pagination headers: Total-Number (recorded in
// *total from the first page) and Link rel="next".
func pageOf(resp *http.Response, size int, total *int, n int) (paging.Page, error) {
	p := paging.Page{Pages: -1, Next: hasNext(resp.Header.Values("Link"))}
	if v := resp.Header.Get("Total-Number"); v != "" {
		t, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || t < 0 {
			return p, fmt.Errorf("Total-Number %q is not a count", v)
		}
		p.Pages = max((t+size-1)/size, 1)
		if n == 1 {
			*total = t
		}
	} else if len(resp.Header.Values("Link")) == 0 {
		return p, fmt.Errorf("neither Total-Number nor Link headers: the server gives no way to know if more pages follow")
	}
	return p, nil
}

// hasNext reports whether RFC 8288 Link header values hold rel="next".
// Only the relation is read: the URL is not followed, so a Link pointing
// elsewhere cannot redirect the listing.
func hasNext(values []string) bool {
	for _, v := range values {
		for _, link := range strings.Split(v, ",") {
			for _, param := range strings.Split(link, ";")[1:] {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if ok && strings.EqualFold(k, "rel") {
					for _, rel := range strings.Fields(strings.Trim(val, `"`)) {
						if strings.EqualFold(rel, "next") {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

func errorBody(_ int, body []byte) (string, string, any) {
	var e api.LogtoError
	if json.Unmarshal(body, &e) != nil || (e.Message == "" && e.Code == "") {
		return "", "", nil
	}
	msg := e.Message
	if e.Code != "" {
		msg = e.Code + ": " + msg
	}
	return msg, "", &e
}
