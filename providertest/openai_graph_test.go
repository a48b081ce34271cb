package providertest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/rolecall/rolecall/gen/openai"
	"github.com/rolecall/rolecall/providertest"
)

// openaiLister lists the whole OpenAI principal graph through the
// generated client, with small pages, mapping each response by the graph
// contract (docs/graph-contract, rows 1–12) independently of
// Tenant.Rows.
type openaiLister struct {
	t      *testing.T
	cl     *openaiapi.ClientWithResponses
	ctx    context.Context
	rows   []providertest.Row
	emails map[string]bool // a listing by email keeps the rows with one of them
}

func listOpenAI(t *testing.T, s *providertest.Server, hc *http.Client, emails []string) []providertest.Row {
	cl, err := openaiapi.NewClientWithResponses(s.URL(), openaiapi.WithHTTPClient(hc), openaiapi.WithRequestEditorFn(bearer(s.Token())))
	if err != nil {
		t.Fatal(err)
	}
	l := &openaiLister{t: t, cl: cl, ctx: context.Background()}
	if len(emails) > 0 {
		l.emails = map[string]bool{}
		for _, e := range emails {
			l.emails[strings.ToLower(e)] = true
		}
	}
	l.users(emails)
	projects := l.projects()
	names := map[string]string{}
	for _, p := range projects {
		names[p.Id] = deref(p.Name)
	}
	l.groups()
	for _, p := range projects {
		l.project(p)
	}
	l.adminKeys()
	l.invites(names)
	var out []providertest.Row
	for _, r := range l.rows {
		if l.emails == nil || (r.Email != "" && l.emails[strings.ToLower(r.Email)]) {
			out = append(out, r)
		}
	}
	sortRows(out)
	return out
}

func (l *openaiLister) fail(what string, err error, body []byte) {
	l.t.Helper()
	l.t.Fatalf("%s: %v %s", what, err, body)
}

// nextPages calls page with each next cursor until has_more is false,
// checking that the last page carries no cursor.
func (l *openaiLister) nextPages(what string, page func(after *string) (hasMore bool, next *string)) {
	var after *string
	for {
		more, next := page(after)
		if !more {
			if next != nil {
				l.t.Fatalf("%s: next %q on the last page", what, *next)
			}
			return
		}
		if next == nil {
			l.t.Fatalf("%s: has_more without next", what)
		}
		after = next
	}
}

// idPages calls page with each last_id until has_more is false.
func (l *openaiLister) idPages(what string, page func(after *string) (hasMore bool, lastID *string)) {
	var after *string
	for {
		more, last := page(after)
		if !more {
			return
		}
		if last == nil {
			l.t.Fatalf("%s: has_more without last_id", what)
		}
		after = last
	}
}

// roleRow fills base for an assignment r of the principal (ptype, pid).
func roleRow(base providertest.Row, r openaiapi.AssignedRoleDetails, ptype, pid string) providertest.Row {
	base.RoleID, base.RoleName, base.Permissions = r.Id, r.Name, r.Permissions
	base.RoleKind = map[bool]string{true: "builtin", false: "custom"}[r.PredefinedRole]
	if base.ScopeKind == "" {
		base.Scope = r.ResourceType
		base.ScopeKind = map[string]string{"api.organization": "organization", "api.project": "project"}[r.ResourceType]
	}
	base.Held = "direct"
	if r.AssignmentSources != nil {
		var via []string
		for _, src := range *r.AssignmentSources {
			if src.PrincipalId == pid && src.PrincipalType == ptype {
				continue
			}
			via = append(via, src.PrincipalType+"/"+src.PrincipalId)
		}
		if len(via) > 0 {
			base.Held, base.Via = "group", strings.Join(via, ",")
		}
	}
	if len(base.Permissions) == 0 {
		base.Permissions = nil
	}
	return base
}

func legacy(base providertest.Row, role, held string) providertest.Row {
	base.RoleID, base.RoleName, base.RoleKind, base.Held = role, role, "builtin", held
	return base
}

func inProject(r providertest.Row, p openaiapi.Project) providertest.Row {
	r.Scope, r.ScopeKind, r.ScopeID, r.ScopeName = "project/"+p.Id, "project", p.Id, deref(p.Name)
	return r
}

// roles lists the assignments of one principal with fetch, pages of 2.
func (l *openaiLister) roles(what string, base providertest.Row, ptype, pid string,
	fetch func(limit int, after *string) (*openaiapi.RoleListResource, []byte, error)) {
	l.nextPages(what, func(after *string) (bool, *string) {
		res, body, err := fetch(2, after)
		if err != nil || res == nil {
			l.fail(what, err, body)
		}
		for _, r := range res.Data {
			l.rows = append(l.rows, roleRow(base, r, ptype, pid))
		}
		return res.HasMore, res.Next
	})
}

func (l *openaiLister) users(emails []string) {
	limit := 7
	p := &openaiapi.ListUsersParams{Limit: &limit}
	if len(emails) > 0 {
		p.Emails = &emails
	}
	l.idPages("users", func(after *string) (bool, *string) {
		p.After = after
		resp, err := l.cl.ListUsersWithResponse(l.ctx, p)
		if err != nil || resp.JSON200 == nil {
			l.fail("users", err, resp.Body)
		}
		for _, u := range resp.JSON200.Data {
			base := providertest.Row{Provider: "openai", Principal: "user", UserID: u.Id, Email: deref(u.Email), Name: deref(u.Name)}
			if u.User != nil {
				base.Disabled = (u.User.Enabled != nil && !*u.User.Enabled) || (u.User.Banned != nil && *u.User.Banned)
			}
			org := legacy(base, string(*u.Role), "legacy")
			org.Scope, org.ScopeKind = "api.organization", "organization"
			l.rows = append(l.rows, org)
			l.roles("roles of "+u.Id, base, "user", u.Id, func(limit int, after *string) (*openaiapi.RoleListResource, []byte, error) {
				rr, err := l.cl.ListUserRoleAssignmentsWithResponse(l.ctx, u.Id, &openaiapi.ListUserRoleAssignmentsParams{Limit: &limit, After: after})
				return rr.JSON200, rr.Body, err
			})
		}
		return resp.JSON200.HasMore, resp.JSON200.LastId
	})
}

func (l *openaiLister) projects() []openaiapi.Project {
	var out []openaiapi.Project
	limit, all := 2, true
	l.idPages("projects", func(after *string) (bool, *string) {
		resp, err := l.cl.ListProjectsWithResponse(l.ctx, &openaiapi.ListProjectsParams{Limit: &limit, After: after, IncludeArchived: &all})
		if err != nil || resp.JSON200 == nil {
			l.fail("projects", err, resp.Body)
		}
		out = append(out, resp.JSON200.Data...)
		return resp.JSON200.HasMore, resp.JSON200.LastId
	})
	return out
}

func (l *openaiLister) groups() {
	limit := 1
	l.nextPages("groups", func(after *string) (bool, *string) {
		resp, err := l.cl.ListGroupsWithResponse(l.ctx, &openaiapi.ListGroupsParams{Limit: &limit, After: after})
		if err != nil || resp.JSON200 == nil {
			l.fail("groups", err, resp.Body)
		}
		for _, g := range resp.JSON200.Data {
			ulimit := 3
			l.nextPages("users of "+g.Id, func(after *string) (bool, *string) {
				ur, err := l.cl.ListGroupUsersWithResponse(l.ctx, g.Id, &openaiapi.ListGroupUsersParams{Limit: &ulimit, After: after})
				if err != nil || ur.JSON200 == nil {
					l.fail("users of "+g.Id, err, ur.Body)
				}
				for _, u := range ur.JSON200.Data {
					r := providertest.Row{Provider: "openai", Principal: "user", UserID: u.Id, Email: deref(u.Email), Name: u.Name,
						Scope: "group/" + g.Id, ScopeKind: "group", ScopeID: g.Id, ScopeName: g.Name}
					l.rows = append(l.rows, legacy(r, "member", "direct"))
				}
				return ur.JSON200.HasMore, ur.JSON200.Next
			})
			base := providertest.Row{Provider: "openai", Principal: "group", UserID: g.Id, Name: g.Name}
			l.roles("roles of "+g.Id, base, "group", g.Id, func(limit int, after *string) (*openaiapi.RoleListResource, []byte, error) {
				rr, err := l.cl.ListGroupRoleAssignmentsWithResponse(l.ctx, g.Id, &openaiapi.ListGroupRoleAssignmentsParams{Limit: &limit, After: after})
				return rr.JSON200, rr.Body, err
			})
		}
		return resp.JSON200.HasMore, resp.JSON200.Next
	})
}

func (l *openaiLister) project(p openaiapi.Project) {
	limit := 2
	l.idPages("users of "+p.Id, func(after *string) (bool, *string) {
		resp, err := l.cl.ListProjectUsersWithResponse(l.ctx, p.Id, &openaiapi.ListProjectUsersParams{Limit: &limit, After: after})
		if err != nil || resp.JSON200 == nil {
			l.fail("users of "+p.Id, err, resp.Body)
		}
		for _, u := range resp.JSON200.Data {
			base := inProject(providertest.Row{Provider: "openai", Principal: "user", UserID: u.Id, Email: deref(u.Email), Name: deref(u.Name)}, p)
			l.rows = append(l.rows, legacy(base, u.Role, "legacy"))
			l.roles("roles of "+u.Id+" in "+p.Id, base, "user", u.Id, func(limit int, after *string) (*openaiapi.RoleListResource, []byte, error) {
				rr, err := l.cl.ListProjectUserRoleAssignmentsWithResponse(l.ctx, p.Id, u.Id, &openaiapi.ListProjectUserRoleAssignmentsParams{Limit: &limit, After: after})
				return rr.JSON200, rr.Body, err
			})
		}
		return resp.JSON200.HasMore, resp.JSON200.LastId
	})
	l.nextPages("groups of "+p.Id, func(after *string) (bool, *string) {
		glimit := 1
		resp, err := l.cl.ListProjectGroupsWithResponse(l.ctx, p.Id, &openaiapi.ListProjectGroupsParams{Limit: &glimit, After: after})
		if err != nil || resp.JSON200 == nil {
			l.fail("groups of "+p.Id, err, resp.Body)
		}
		for _, g := range resp.JSON200.Data {
			base := inProject(providertest.Row{Provider: "openai", Principal: "group", UserID: g.GroupId, Name: g.GroupName}, p)
			l.roles("roles of "+g.GroupId+" in "+p.Id, base, "group", g.GroupId, func(limit int, after *string) (*openaiapi.RoleListResource, []byte, error) {
				rr, err := l.cl.ListProjectGroupRoleAssignmentsWithResponse(l.ctx, p.Id, g.GroupId, &openaiapi.ListProjectGroupRoleAssignmentsParams{Limit: &limit, After: after})
				return rr.JSON200, rr.Body, err
			})
		}
		return resp.JSON200.HasMore, resp.JSON200.Next
	})
	l.idPages("service accounts of "+p.Id, func(after *string) (bool, *string) {
		resp, err := l.cl.ListProjectServiceAccountsWithResponse(l.ctx, p.Id, &openaiapi.ListProjectServiceAccountsParams{Limit: &limit, After: after})
		if err != nil || resp.JSON200 == nil {
			l.fail("service accounts of "+p.Id, err, resp.Body)
		}
		for _, sa := range resp.JSON200.Data {
			r := inProject(providertest.Row{Provider: "openai", Principal: "service_account", UserID: sa.Id, Name: sa.Name}, p)
			l.rows = append(l.rows, legacy(r, string(sa.Role), "legacy"))
		}
		return resp.JSON200.HasMore, resp.JSON200.LastId
	})
	anyKey := openaiapi.OwnerProjectAccessFilter("any")
	l.idPages("keys of "+p.Id, func(after *string) (bool, *string) {
		resp, err := l.cl.ListProjectApiKeysWithResponse(l.ctx, p.Id, &openaiapi.ListProjectApiKeysParams{Limit: &limit, After: after, OwnerProjectAccess: &anyKey})
		if err != nil || resp.JSON200 == nil {
			l.fail("keys of "+p.Id, err, resp.Body)
		}
		for _, k := range resp.JSON200.Data {
			r := inProject(providertest.Row{Provider: "openai", Principal: "api_key", UserID: k.Id, Name: k.Name}, p)
			role := ""
			switch {
			case k.Owner.User != nil:
				r.OwnerKind, r.OwnerID, r.OwnerName, role = "user", k.Owner.User.Id, k.Owner.User.Name, k.Owner.User.Role
			case k.Owner.ServiceAccount != nil:
				r.OwnerKind, r.OwnerID, r.OwnerName, role = "service_account", k.Owner.ServiceAccount.Id, k.Owner.ServiceAccount.Name, k.Owner.ServiceAccount.Role
			}
			if k.Owner.Type == nil || string(*k.Owner.Type) != r.OwnerKind {
				l.t.Fatalf("key %s: owner type %v, owner %s", k.Id, k.Owner.Type, r.OwnerKind)
			}
			if role == "" {
				role = "none"
			}
			r.Via = r.OwnerKind + "/" + r.OwnerID
			l.rows = append(l.rows, legacy(r, role, "owner"))
		}
		return resp.JSON200.HasMore, resp.JSON200.LastId
	})
}

func (l *openaiLister) adminKeys() {
	limit := 1
	l.idPages("admin keys", func(after *string) (bool, *string) {
		resp, err := l.cl.AdminApiKeysListWithResponse(l.ctx, &openaiapi.AdminApiKeysListParams{Limit: &limit, After: after})
		if err != nil || resp.JSON200 == nil {
			l.fail("admin keys", err, resp.Body)
		}
		for _, k := range resp.JSON200.Data {
			o := k.Owner
			r := providertest.Row{Provider: "openai", Principal: "api_key", UserID: k.Id, Name: deref(k.Name), Scope: "api.organization",
				ScopeKind: "organization", OwnerKind: "user", OwnerID: deref(o.Id), OwnerName: deref(o.Name), Via: "user/" + deref(o.Id)}
			role := deref(o.Role)
			if role == "" {
				role = "owner"
			}
			l.rows = append(l.rows, legacy(r, role, "owner"))
		}
		var last *string
		if n := len(resp.JSON200.Data); n > 0 {
			last = &resp.JSON200.Data[n-1].Id // the SDK pages by the last item's id
		}
		return resp.JSON200.HasMore, last
	})
}

func (l *openaiLister) invites(projects map[string]string) {
	limit := 2
	l.idPages("invites", func(after *string) (bool, *string) {
		resp, err := l.cl.ListInvitesWithResponse(l.ctx, &openaiapi.ListInvitesParams{Limit: &limit, After: after})
		if err != nil || resp.JSON200 == nil {
			l.fail("invites", err, resp.Body)
		}
		for _, iv := range resp.JSON200.Data {
			if iv.Status != "pending" {
				continue
			}
			base := providertest.Row{Provider: "openai", Principal: "invitation", UserID: iv.Id, Email: iv.Email}
			org := legacy(base, string(iv.Role), "legacy")
			org.Scope, org.ScopeKind = "api.organization", "organization"
			l.rows = append(l.rows, org)
			for _, ip := range iv.Projects {
				r := legacy(base, string(ip.Role), "legacy")
				r.Scope, r.ScopeKind, r.ScopeID, r.ScopeName = "project/"+ip.Id, "project", ip.Id, projects[ip.Id]
				l.rows = append(l.rows, r)
			}
		}
		return resp.JSON200.HasMore, resp.JSON200.LastId
	})
}
