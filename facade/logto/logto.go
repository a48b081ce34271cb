// Package logto is rolecall's Logto driver: it lists every user-to-role
// assignment of a Logto tenant through the Management API client generated
// in gen/logto.
//
// It pages through GET /api/roles?type=User (operation ListRoles) and, for
// each role, GET /api/roles/{id}/users (operation ListRoleUsers), 100 items
// a page (the server's maximum). Each listing's first page tells the total
// (the Total-Number header), and the remaining pages of every listing are
// fetched concurrently; a Link rel="next" on the last counted page extends
// the walk. Machine-to-machine roles belong to applications and are not
// listed.
//
// Authentication is an access token, or a machine-to-machine app's id and
// secret exchanged at {endpoint}/oidc/token (grant client_credentials,
// scope all, resource https://<tenant>.logto.app/api for *.logto.app
// endpoints and https://default.logto.app/api otherwise), refreshed before
// it expires.
//
// Mapping: every role is custom, tenant-wide (scope kind tenant, no scope
// id) and held directly by a User; user_id is the user's id, email its
// primaryEmail, disabled its isSuspended (status suspended, else active);
// created, updated and last activity are createdAt, updatedAt and
// lastSignInAt (epoch milliseconds); nulls read as "". The account type is
// not reported (machine access goes through applications, not listed). A
// role is privileged when its name contains "admin" in any case: the
// listing does not carry a role's scopes, and checking for the Management
// API's "all" scope would cost one more request per role (a review policy
// can name such roles instead).
package logto

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/errgroup"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/logto"
	"github.com/rolecall/rolecall/internal/jsonstream"
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
	ErrorBody:          errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the access token is missing, wrong or expired (logto.Config.AccessToken, or logto.Config.AppID and logto.Config.AppSecret)",
		http.StatusForbidden:    "the token lacks the all scope: give the machine-to-machine app the Logto Management API access role",
		http.StatusNotFound:     "check the tenant endpoint (logto.Config.BaseURL); a role may also have been deleted while it was listed",
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

// list walks the roles, listing each role's users (those with one of
// emails, if given) as the walk finds it.
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, emails []string, emit driverkit.Emit) error {
	if len(emails) > maxSearchEmails {
		emails = nil // the client-side filter in Stream does the work
	}
	// As many roles listed at once as requests in flight, each
	// fanning out its pages.
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(kit.Concurrency)
	err := walkRoles(ctx, kit, client, func(r *api.RoleWithStats) {
		if len(emails) == 0 {
			g.Go(func() error { return roleUsers(ctx, kit, client, r, "", emit) })
			return
		}
		for _, e := range emails {
			g.Go(func() error { return roleUsers(ctx, kit, client, r, e, emit) })
		}
	})
	// A role's failure cancels the role walk too: then its error, not
	// the walk's cancellation, is the listing's.
	if werr := g.Wait(); err == nil || werr != nil && ctx.Err() != nil {
		err = werr
	}
	return err
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

// New returns a lister of every user's User-type roles in the tenant (only
// the users with ListOptions.Emails, if given: searched on the server for
// up to ten emails, filtered on the client past that). A bad cfg is an
// InvalidArgument *facade.Error naming the fields.
//
// Logto Management API: GET /api/roles, then GET /api/roles/{id}/users for
// each role.
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

// walkRoles walks the User-type roles, handing each to found.
func walkRoles(ctx context.Context, kit *driverkit.Kit, client *api.Client, found func(*api.RoleWithStats)) error {
	userType := api.RoleTypeUser
	size := kit.PageSize
	seen := paging.NewTally()
	total := -1
	// More tasks than requests in flight: a task decodes its page after
	// its request's slot is free (driverkit.Tasks).
	err := paging.Numbered(ctx, driverkit.Tasks(kit.Concurrency), 1, kit.MaxPages, func(ctx context.Context, n int) (paging.Page, error) {
		params := &api.ListRolesParams{Page: &n, PageSize: &size, Type: &userType}
		var roles []*api.RoleWithStats
		var page paging.Page
		op := fmt.Sprintf("list roles (page %d)", n)
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
			return client.ListRoles(ctx, params)
		}, func(resp *http.Response) (err error) {
			page, err = pageOf(resp, size, &total, n)
			return err
		})
		if err == nil {
			err = jsonstream.Array(bytes.NewReader(body), kit.MaxBody, func(r *api.RoleWithStats) error {
				if r.Id == "" {
					return fmt.Errorf("a role without an id")
				}
				roles = append(roles, r)
				return nil
			})
			if err != nil {
				err = kit.Invalid(op, err)
			}
		}
		for _, r := range roles {
			seen.Add(r.Id)
			if r.Type == api.RoleTypeUser || r.Type == "" {
				found(r)
			}
		}
		return page, err
	})
	if err != nil {
		return err
	}
	if total >= 0 {
		return kit.CheckTotal(ctx, "list roles", "roles", total, seen.Len())
	}
	return nil
}

// roleUsers lists the users holding role r (those with email, if given),
// again if the listing comes out short (driverkit.Relist).
func roleUsers(ctx context.Context, kit *driverkit.Kit, client *api.Client, r *api.RoleWithStats, email string, emit driverkit.Emit) error {
	op := fmt.Sprintf("list users of role %q", r.Name)
	seen := paging.NewTally() // over every pass
	return kit.Relist(ctx, op, "users", func(ctx context.Context) (int, int, bool, error) {
		total, changed, err := roleUsersPass(ctx, kit, client, r, email, op, seen, emit)
		return total, seen.Len(), changed, err
	})
}

// roleUsersPass lists role r's users once, and returns the total the
// first page reported and whether a later page reported another.
func roleUsersPass(ctx context.Context, kit *driverkit.Kit, client *api.Client, r *api.RoleWithStats, email, op string, seen *paging.Tally, emit driverkit.Emit) (int, bool, error) {
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
			return client.ListRoleUsers(ctx, r.Id, params)
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
			return page, emit(batch)
		}
		return page, nil
	})
	return total, changed.Load(), err
}

// decodePage decodes a ListRoleUsers page body into the generated types,
// user by user, and maps each user to its assignment of role r.
func decodePage(body []byte, r *api.RoleWithStats, maxBody int64) (batch []facade.Assignment, err error) {
	err = jsonstream.Array(bytes.NewReader(body), maxBody, func(u *api.UserProfile) error {
		var err error
		batch, err = appendUser(batch, u, r)
		return err
	})
	return batch, err
}

// appendUser appends user u's assignment of role r.
func appendUser(batch []facade.Assignment, u *api.UserProfile, r *api.RoleWithStats) ([]facade.Assignment, error) {
	if u.Id == "" {
		return batch, fmt.Errorf("a user without an id")
	}
	return append(batch, facade.Assignment{Provider: "logto", Principal: facade.User, UserID: u.Id, Email: driverkit.Deref(u.PrimaryEmail),
		Name: driverkit.Deref(u.Name), Username: driverkit.Deref(u.Username), Disabled: u.IsSuspended,
		Status: status(u.IsSuspended), Created: driverkit.UnixMillis(&u.CreatedAt), Updated: driverkit.UnixMillis(&u.UpdatedAt),
		LastActivity: driverkit.UnixMillis(u.LastSignInAt), Privileged: Privileged(r.Name),
		RoleID: r.Id, RoleName: r.Name, RoleKind: facade.Custom, ScopeKind: facade.ScopeTenant, Held: facade.Direct, Record: u}), nil
}

func status(suspended bool) facade.Status {
	if suspended {
		return facade.StatusSuspended
	}
	return facade.StatusActive
}

// Privileged is the default rule for Logto roles: a name containing
// "admin", in any case.
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
