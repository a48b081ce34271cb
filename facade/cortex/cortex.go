// Package cortex is rolecall's Cortex driver: it lists every user-to-role
// assignment in a Cortex workspace through the generated client in
// gen/cortex.
//
// It calls GET /api/v1/users/roles (operation getUserRoleAssignments),
// asking for pages of 1000 (the API's maximum) from page 0; page 0 tells
// totalPages, and the remaining pages are fetched concurrently. The API
// key needs the View Roles permission.
//
// Mapping: user_id and email are the user's email (the API has no user
// id); a BASIC role is builtin with role_id = role_name = its name; a
// CUSTOM role is custom with role_id = its tag and role_name = its name.
// Every role is held directly by a User over the whole workspace (scope
// kind workspace, no scope id). The endpoint says nothing of the account (status, creation, activity,
// type): those fields stay empty. The BASIC role ADMIN is privileged
// (Cortex's docs: the role with every permission, settings included);
// custom roles are not, as the listing does not say what they grant (a
// review policy can name them).
package cortex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/cortex"
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
	ErrorBody:      errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the API key (cortex.Config.Token) is missing, wrong or revoked",
		http.StatusForbidden:    "the API key lacks the View Roles permission: use an ADMIN key or a custom role that grants View Roles",
	},
	RetryAfterFromBody: retryAfterFromBody,
	Credentials:        "a Cortex API key with the View Roles permission is required",
}

// list lists the assignments, page 0 first, then the rest at once.
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, emails []string, emit driverkit.Emit) error {
	users := paging.NewTally() // over every pass
	return kit.Relist(ctx, "list user role assignments", "users", func(ctx context.Context) (int, int, bool, error) {
		var total atomic.Int32
		total.Store(-1)
		var changed atomic.Bool
		// More tasks than requests in flight: a task decodes its page
		// after its request's slot is free (driverkit.Tasks).
		err := paging.Numbered(ctx, driverkit.Tasks(kit.Concurrency), 0, kit.MaxPages, func(ctx context.Context, n int) (paging.Page, error) {
			page, err := fetchPage(ctx, kit, client, n, emails, users, emit)
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

// New returns a lister of the workspace's role assignments (only the
// users with ListOptions.Emails, if given: Cortex filters on the server).
// A bad cfg is an InvalidArgument *facade.Error naming the field.
//
// Cortex API: GET /api/v1/users/roles
func New(cfg Config) (*facade.Source, error) {
	return driverkit.Open(spec, cfg.Options, api.NewClient, api.WithHTTPClient, list, driverkit.BearerToken("Token", cfg.Token))
}

// pageInfo is a page's pagination fields (-1: absent or null).
type pageInfo struct {
	Page, Total, TotalPages int32
}

// fetchPage fetches page n and emits its assignments. The body is read whole
// first, so that the request's slot is free for the next request while
// this page decodes.
func fetchPage(ctx context.Context, kit *driverkit.Kit, client *api.Client, n int, emails []string, users *paging.Tally, emit driverkit.Emit) (pageInfo, error) {
	op := fmt.Sprintf("list user role assignments (page %d)", n)
	params := &api.GetUserRoleAssignmentsParams{PageSize: int32(kit.PageSize), Page: int32(n), Email: driverkit.Filter(emails)}
	body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
		return client.GetUserRoleAssignments(ctx, params)
	}, nil)
	if err != nil {
		return pageInfo{Page: -1, Total: -1, TotalPages: -1}, err
	}
	batch, seen, info, err := decodePage(body, kit.MaxBody)
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
func decodePage(body []byte, maxBody int64) (batch []facade.Assignment, emails []string, info pageInfo, err error) {
	var env api.UserRoleAssignmentsResponse
	given, err := jsonstream.Decode(bytes.NewReader(body), maxBody, &env, func(u *api.UserRoleAssignment) error {
		emails = append(emails, u.Email)
		var err error
		batch, err = appendAssignments(batch, u)
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
