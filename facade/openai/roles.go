package openai

import (
	"bytes"
	"context"
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

// holder is a principal whose role assignments a walk lists (a user or a
// group), and the scope they are listed in.
type holder struct {
	kind     facade.PrincipalKind
	id       string
	email    string
	name     string
	selfType string // the principal's principal_type in assignment_sources: "user" or "group"
	// scope is the project the roles are listed in; nil for the
	// organization's roles, whose scope is their resource_type.
	scope *scope
	// fill sets the assignment's account fields (nil: none).
	fill func(*facade.Assignment)
}

// scope is a scope with an id: a project, a group.
type scope struct {
	kind     facade.ScopeKind
	id, name string
}

// text is the scope's Scope text: "<kind>/<id>".
func (s *scope) text() string { return string(s.kind) + "/" + s.id }

// set sets a's scope to s.
func (s *scope) set(a *facade.Assignment) {
	a.Scope, a.ScopeKind, a.ScopeID, a.ScopeName = s.text(), s.kind, s.id, s.name
}

// catalogueAfter is how many of one principal's role pages are walked
// before the role catalogue is asked how many more there may be. A
// principal with more than one page of roles (1000 at the default page
// size) is already exceptional, so the catalogue is asked before the
// third: 50 users whose role cursors never end, over an empty catalogue,
// then cost at most 102 requests, not about 470 as after ten pages. It is
// also the bound's slack (see roleWalk).
const catalogueAfter = 2

// roleWalk lists the role assignments of h, page by page (send requests
// the page after a cursor). A principal whose roles run past
// catalogueAfter pages has the rest of the walk bounded by the role
// catalogue that applies (cat, counted once a listing): a principal
// cannot hold more roles than there are, so more than n + n/10 +
// catalogueAfter rows, or pages, for a catalogue of n roles (the tenth and
// the slack being room for roles created meanwhile) are a server that is
// looping, and an error. (The catalogue is not asked sooner: an ordinary
// listing makes no request for it.)
func roleWalk(ctx context.Context, kit *driverkit.Kit, h *holder, op string, cat *catalogue, emit driverkit.Emit,
	send func(ctx context.Context, after *string) (*http.Response, error)) error {
	pages, rows := 0, 0
	return paging.Cursor(ctx, kit.MaxPages, func(ctx context.Context, cursor string) (string, bool, error) {
		if pages++; pages > catalogueAfter {
			n, err := cat.count(ctx)
			if err != nil {
				return "", false, err
			}
			if allowed := n + n/10 + catalogueAfter; pages > allowed || rows > allowed {
				return "", false, kit.Fail(op, facade.InvalidResponse,
					fmt.Errorf("page %d, %d roles so far, but %s has %d roles", pages, rows, cat.name, n),
					"the provider keeps announcing more of these roles than exist; it is probably looping: list again later, and report it to OpenAI if it persists")
			}
		}
		var after *string
		if cursor != "" {
			after = &cursor
		}
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) { return send(ctx, after) }, nil)
		if err != nil {
			return "", false, err
		}
		batch, c, err := decodeRoles(body, h, kit.MaxBody)
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

// decodeRoles decodes a page of h's role assignments into the generated
// envelope, streaming its roles one by one, and maps each to an
// assignment.
func decodeRoles(body []byte, h *holder, maxBody int64) (batch []facade.Assignment, c cursor, err error) {
	var env api.RoleListResource
	given, err := jsonstream.Decode(bytes.NewReader(body), maxBody, &env, func(r *api.AssignedRoleDetails) error {
		a, err := roleAssignment(h, r)
		if err != nil {
			return err
		}
		batch = append(batch, a)
		return nil
	})
	return batch, cursorOf(env.Next, &env.HasMore, given), err
}

// roleAssignment is h's assignment of role r.
func roleAssignment(h *holder, r *api.AssignedRoleDetails) (facade.Assignment, error) {
	if r.Id == "" {
		return facade.Assignment{}, fmt.Errorf("%s %q: a role without an id", h.selfType, h.id)
	}
	r.Metadata = nil // free-form: it may carry what no report should
	kind := facade.Custom
	if r.PredefinedRole {
		kind = facade.Builtin
	}
	a := facade.Assignment{Provider: "openai", Principal: h.kind, UserID: h.id, Email: h.email, Name: h.name,
		RoleID: r.Id, RoleName: r.Name, RoleKind: kind, Permissions: r.Permissions,
		Via: via(h, r.AssignmentSources), Held: held(h, r.AssignmentSources), Record: r}
	if h.scope == nil {
		a.Scope, a.ScopeKind = r.ResourceType, ScopeKinds[r.ResourceType]
		a.Privileged = PrivilegedPermissions(r.Permissions)
	} else {
		h.scope.set(&a)
		a.Privileged = PrivilegedPermissions(r.Permissions) || r.PredefinedRole && projectOwner(r.Name)
	}
	if h.fill != nil {
		h.fill(&a)
	}
	return a, nil
}

// projectOwner reports whether a predefined project role's name is the
// project owner's.
func projectOwner(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	return n == "owner" || n == "project owner"
}

// PrivilegedPermissions is the default rule for OpenAI roles: a role is
// privileged when one of its permissions writes organization settings
// (api.organization.<area>.write). A project role is privileged too when
// it is the predefined project owner role.
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

// self reports whether an assignment source is h itself.
func (h *holder) self(s *api.AssignmentSource) bool {
	return s.PrincipalId == h.id && (s.PrincipalType == h.selfType || s.PrincipalType == "")
}

// held says how h holds a role from its assignment_sources: directly when
// they are absent (null: a direct assignment) or name h itself, else
// through the principals they name (a group), which via lists. A role held
// both ways is Direct: taking the group away leaves it.
func held(h *holder, sources *[]api.AssignmentSource) facade.HowHeld {
	if sources == nil || len(*sources) == 0 {
		return facade.Direct
	}
	for i := range *sources {
		if h.self(&(*sources)[i]) {
			return facade.Direct
		}
	}
	return facade.ThroughGroup
}

// via names the principals an assignment is inherited through, other than
// h itself, as "<principal_type>/<principal_id>,…" (one allocation).
func via(h *holder, sources *[]api.AssignmentSource) string {
	if sources == nil {
		return ""
	}
	n := 0
	for i := range *sources {
		if s := &(*sources)[i]; !h.self(s) {
			n += len(s.PrincipalType) + len(s.PrincipalId) + 2
		}
	}
	if n == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(n - 1)
	for i := range *sources {
		if s := &(*sources)[i]; !h.self(s) {
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

// catalogue counts a role catalogue (the organization's, or a project's),
// once a listing and only if a principal's roles run past catalogueAfter
// pages. The first walk to need the count fetches it; the others wait for
// that count rather than ask again, and all of them get its result, an
// error included (which ends the listing anyway).
type catalogue struct {
	kit  *driverkit.Kit
	name string // "the organization's role catalogue", `the role catalogue of project "p"`
	send func(ctx context.Context, after *string) (*http.Response, error)
	mu   sync.Mutex
	call *countCall // nil until the count is first needed
}

// countCall is the listing's one count of the catalogue.
type countCall struct {
	done chan struct{} // closed once n and err are set
	n    int
	err  error
}

// count returns the number of roles in the catalogue, fetching it if no
// walk has yet, or waiting for the walk that is; it returns early with
// the cause of ctx's end if ctx ends first.
func (c *catalogue) count(ctx context.Context) (int, error) {
	c.mu.Lock()
	call := c.call
	if call == nil {
		call = &countCall{done: make(chan struct{})}
		c.call = call
		c.mu.Unlock()
		call.n, call.err = c.fetch(ctx)
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

// fetch counts the roles of the catalogue.
func (c *catalogue) fetch(ctx context.Context) (int, error) {
	n := 0
	l := pager[api.PublicRoleListResource, api.Role]{
		op:     "list " + c.name + " (to bound a principal's role pages)",
		send:   c.send,
		cursor: func(e *api.PublicRoleListResource) (*string, *bool) { return e.Next, &e.HasMore },
		id:     func(r *api.Role) string { return r.Id },
	}
	err := l.walk(ctx, c.kit, func(items []*api.Role) error {
		n += len(items)
		return nil
	})
	return n, err
}
