package providertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
		self := false
		for _, src := range *r.AssignmentSources {
			if src.PrincipalId == pid && src.PrincipalType == ptype {
				self = true
				continue
			}
			via = append(via, src.PrincipalType+"/"+src.PrincipalId)
		}
		if len(via) > 0 {
			base.Via = strings.Join(via, ",")
			if !self { // held only through the groups
				base.Held = "group"
			}
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

// TestOpenAITenantHoldsEveryKind checks that NewTenant's OpenAI
// organization holds every kind of principal and every trap of the graph
// contract, and that its secret-bearing values are listed by Secrets.
func TestOpenAITenantHoldsEveryKind(t *testing.T) {
	for _, n := range []int{25, 40, 300} {
		tn := providertest.NewTenant("openai", n, 7)
		has := map[string]bool{}
		for _, u := range tn.Users {
			for _, g := range u.Grants {
				has["group-inherited org role"] = has["group-inherited org role"] || len(g.Via) > 0
			}
		}
		for _, p := range tn.Projects {
			has["archived project with members"] = has["archived project with members"] || p.Archived && len(p.Users) > 0
			for _, pu := range p.Users {
				for _, g := range pu.Grants {
					has["group-inherited project role"] = has["group-inherited project role"] || len(g.Via) > 0
				}
			}
			for _, k := range p.Keys {
				has["orphaned key"] = has["orphaned key"] || !k.OwnerActive
				has["service account key"] = has["service account key"] || k.Owner.Type == "service_account"
				if !strings.HasPrefix(k.Redacted, "fake-proj-key-SECRET-") {
					t.Errorf("key %s redacted value %q", k.ID, k.Redacted)
				}
			}
			for _, sa := range p.ServiceAccounts {
				has["service account "+sa.Role] = true
			}
		}
		for _, k := range tn.AdminKeys {
			has["admin key without expiry"] = has["admin key without expiry"] || k.Expires.IsZero()
		}
		for _, iv := range tn.Invites {
			has["pending owner invite with a project"] = has["pending owner invite with a project"] ||
				iv.Status == "pending" && iv.Role == "owner" && len(iv.Projects) > 0
			has["invite "+iv.Status] = true
		}
		for _, want := range []string{"group-inherited org role", "archived project with members", "group-inherited project role",
			"orphaned key", "service account key", "service account owner", "service account none", "admin key without expiry",
			"pending owner invite with a project", "invite expired", "invite accepted"} {
			if !has[want] {
				t.Errorf("%d users: no %s", n, want)
			}
		}
		for _, kind := range []string{"user", "group", "service_account", "api_key", "invitation"} {
			if len(tn.RowsOf(kind)) == 0 {
				t.Errorf("%d users: no %s rows", n, kind)
			}
		}
		secrets := strings.Join(tn.Secrets(), "\n")
		for _, mark := range []string{"fake-proj-key-SECRET-", "fake-admin-key-SECRET-", "ekey-SECRET-", "meta-SECRET-"} {
			if !strings.Contains(secrets, mark) {
				t.Errorf("%d users: Secrets has no %s", n, mark)
			}
		}
	}
	b := providertest.NewOpenAITenant(providertest.OpenAIShape{Users: 300, Projects: 20, ProjectMembers: 15, Groups: 10, GroupsPerProject: 3}, 1)
	if len(b.Users) != 300 || len(b.Projects) != 20 || len(b.Groups) != 10 {
		t.Fatalf("benchmark shape: %d users, %d projects, %d groups", len(b.Users), len(b.Projects), len(b.Groups))
	}
	for _, p := range b.Projects {
		if len(p.Users) < 15 || len(p.Groups) != 3 {
			t.Errorf("project %s: %d members, %d groups", p.ID, len(p.Users), len(p.Groups))
		}
	}
}

// TestOpenAIGroupsAreConsistent checks that a group's roles are exactly
// the roles users inherit through it, its members exactly those users,
// and that every member holds every role through it; and the same of the
// groups with access to a project and its members.
func TestOpenAIGroupsAreConsistent(t *testing.T) {
	for _, n := range []int{0, 1, 2, 25, 230} {
		tn := providertest.NewTenant("openai", n, 3)
		for _, g := range tn.Groups {
			roles, members := map[string]bool{}, map[string]bool{}
			for _, u := range tn.Users {
				for _, gr := range u.Grants {
					if slices.Contains(gr.Via, providertest.Source{Type: "group", ID: g.ID}) {
						roles[gr.RoleID], members[u.ID] = true, true
					}
				}
			}
			var gotRoles []string
			for _, gr := range g.Grants {
				gotRoles = append(gotRoles, gr.RoleID)
			}
			if !sameSet(gotRoles, roles) || !sameSet(g.Members, members) {
				t.Errorf("%d users, group %s: roles %v, want %v; members %v, want %v", n, g.ID, gotRoles, roles, g.Members, members)
			}
			for _, m := range g.Members {
				for _, gr := range g.Grants {
					if !holdsVia(tn.User(m).Grants, gr.RoleID, g.ID) {
						t.Errorf("%d users: member %s of %s does not hold %s through it", n, m, g.ID, gr.RoleID)
					}
				}
			}
		}
		for _, p := range tn.Projects {
			for _, pg := range p.Groups {
				g := tn.Group(pg.GroupID)
				for _, pu := range p.Users {
					for _, gr := range pg.Grants {
						if slices.Contains(g.Members, pu.ID) != holdsVia(pu.Grants, gr.RoleID, g.ID) {
							t.Errorf("%d users, project %s: member %s, group %s, role %s", n, p.ID, pu.ID, g.ID, gr.RoleID)
						}
					}
				}
			}
		}
	}
}

func sameSet(got []string, want map[string]bool) bool {
	seen := map[string]bool{}
	for _, g := range got {
		if !want[g] || seen[g] {
			return false
		}
		seen[g] = true
	}
	return len(seen) == len(want)
}

func holdsVia(grants []providertest.Grant, role, gid string) bool {
	return slices.ContainsFunc(grants, func(g providertest.Grant) bool {
		return g.RoleID == role && slices.Contains(g.Via, providertest.Source{Type: "group", ID: gid})
	})
}

// TestOpenAIRowsAreUnique checks that Rows holds each (principal kind,
// id, role, scope) once, in order, and that the contract's traps map as
// it says.
func TestOpenAIRowsAreUnique(t *testing.T) {
	for _, n := range []int{0, 2, 40, 300} {
		tn := providertest.NewTenant("openai", n, 5)
		rows := tn.Rows()
		seen := map[[4]string]bool{}
		for i, r := range rows {
			k := [4]string{r.Principal, r.UserID, r.RoleID, r.Scope}
			if seen[k] {
				t.Errorf("%d users: duplicate row %v", n, k)
			}
			seen[k] = true
			if i > 0 {
				p := rows[i-1]
				if strings.Compare(p.UserID+"\x00"+p.RoleID+"\x00"+p.Scope+"\x00"+p.Principal, r.UserID+"\x00"+r.RoleID+"\x00"+r.Scope+"\x00"+r.Principal) >= 0 {
					t.Errorf("%d users: rows %d and %d out of order", n, i-1, i)
				}
			}
		}
	}
	tn := providertest.NewTenant("openai", 40, 7)
	for _, r := range tn.RowsOf("api_key") {
		a := tn.AccountOf(&r)
		switch {
		case r.ScopeKind == "organization":
			if !providertest.Privileged(&r) || r.Held != "owner" || r.OwnerKind != "user" || a.Status != "active" {
				t.Errorf("admin key row %+v, account %+v", r, a)
			}
		case a.Status == "orphaned":
			if r.RoleID != "none" || providertest.Privileged(&r) {
				t.Errorf("orphaned key row %+v", r)
			}
		}
	}
	for _, r := range tn.RowsOf("service_account") {
		if providertest.Privileged(&r) != (r.RoleID == "owner") || tn.AccountOf(&r).AccountType != "service" {
			t.Errorf("service account row %+v", r)
		}
	}
	for _, r := range tn.RowsOf("user") {
		if r.ScopeKind == "group" && (providertest.Privileged(&r) || tn.AccountOf(&r) != (providertest.Account{})) {
			t.Errorf("group membership row %+v", r)
		}
	}
	invite := tn.Invites[0] // pending, owner, with a project
	f := tn.FilterEmails([]string{strings.ToUpper(invite.Email)})
	if got := f.RowsOf("invitation"); len(got) != 1+len(invite.Projects) || len(f.Rows()) != len(got) {
		t.Errorf("filtered by the invite's address: %+v", f.Rows())
	}
}

// page is the part of every OpenAI list response paging reads.
type page struct {
	Data    []map[string]any `json:"data"`
	HasMore bool             `json:"has_more"`
	Next    *string          `json:"next"`
	LastID  *string          `json:"last_id"`
}

// walk lists path to the end with the given limit (0: none sent), paging
// by cursor ("next", "last_id" or "item": the last item's id), and returns
// the items' idField values in order.
func walk(t *testing.T, hc *http.Client, s *providertest.Server, path, cursor, idField string, limit int) []string {
	t.Helper()
	var ids []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: no end", path)
		}
		u, err := url.Parse(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if limit > 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
		if after != "" {
			q.Set("after", after)
		}
		u.RawQuery = q.Encode()
		resp, body := get(t, hc, u.String(), s.Token())
		var p page
		if err := json.Unmarshal(body, &p); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
		}
		if limit > 0 && len(p.Data) > limit {
			t.Fatalf("%s: %d items, limit %d", u, len(p.Data), limit)
		}
		for _, it := range p.Data {
			ids = append(ids, it[idField].(string))
		}
		if !p.HasMore {
			if p.Next != nil {
				t.Fatalf("%s: next on the last page", u)
			}
			return ids
		}
		switch cursor {
		case "next":
			after = *p.Next
		case "last_id":
			after = *p.LastID
		default:
			after = p.Data[len(p.Data)-1]["id"].(string)
		}
	}
}

// TestOpenAIGraphPaging walks every graph listing with several limits,
// with and without short pages, checks that each walk yields the tenant's
// items in listing order, and validates every response against the spec.
func TestOpenAIGraphPaging(t *testing.T) {
	tn := providertest.NewTenant("openai", 60, 9)
	type listing struct {
		path, cursor, id string
		want             []string
	}
	var ls []listing
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	grantIDs := func(gs []providertest.Grant) []string {
		return ids(len(gs), func(i int) string { return gs[i].RoleID })
	}
	var projectRoles []string
	for _, r := range tn.Roles {
		if r.ResourceType == providertest.OpenAIProjectScope {
			projectRoles = append(projectRoles, r.ID)
		}
	}
	ls = append(ls, listing{"/organization/groups", "next", "id", ids(len(tn.Groups), func(i int) string { return tn.Groups[i].ID })})
	for _, g := range tn.Groups {
		members := slices.Clone(g.Members)
		slices.Reverse(members) // desc by default
		ls = append(ls, listing{"/organization/groups/" + g.ID + "/users", "next", "id", members},
			listing{"/organization/groups/" + g.ID + "/roles", "next", "id", grantIDs(g.Grants)})
	}
	ls = append(ls, listing{"/organization/projects?include_archived=true", "last_id", "id", ids(len(tn.Projects), func(i int) string { return tn.Projects[i].ID })},
		listing{"/organization/admin_api_keys", "item", "id", ids(len(tn.AdminKeys), func(i int) string { return tn.AdminKeys[i].ID })},
		listing{"/organization/invites", "last_id", "id", ids(len(tn.Invites), func(i int) string { return tn.Invites[i].ID })})
	for _, p := range tn.Projects {
		ls = append(ls, listing{"/organization/projects/" + p.ID + "/users", "last_id", "id", ids(len(p.Users), func(i int) string { return p.Users[i].ID })},
			listing{"/projects/" + p.ID + "/roles", "next", "id", projectRoles},
			listing{"/organization/projects/" + p.ID + "/groups", "next", "group_id", ids(len(p.Groups), func(i int) string { return p.Groups[i].GroupID })},
			listing{"/organization/projects/" + p.ID + "/service_accounts", "last_id", "id", ids(len(p.ServiceAccounts), func(i int) string { return p.ServiceAccounts[i].ID })},
			listing{"/organization/projects/" + p.ID + "/api_keys?owner_project_access=any", "last_id", "id", ids(len(p.Keys), func(i int) string { return p.Keys[i].ID })})
		for _, pu := range p.Users {
			ls = append(ls, listing{"/projects/" + p.ID + "/users/" + pu.ID + "/roles", "next", "id", grantIDs(pu.Grants)})
		}
		for _, pg := range p.Groups {
			ls = append(ls, listing{"/projects/" + p.ID + "/groups/" + pg.GroupID + "/roles", "next", "id", grantIDs(pg.Grants)})
		}
	}
	for _, short := range []bool{false, true} {
		s := providertest.NewServer(t, "openai", providertest.Options{Tenant: tn, ShortPages: short})
		c := newChecker(t, s, "openai")
		for _, l := range ls {
			for _, limit := range []int{0, 1, 2, 5} {
				if got := walk(t, c.client(), s, l.path, l.cursor, l.id, limit); !slices.Equal(got, l.want) && (len(got) > 0 || len(l.want) > 0) {
					t.Errorf("short=%v %s limit %d: %v, want %v", short, l.path, limit, got, l.want)
				}
			}
		}
		c.assertValid(t, s, "openai")
	}
}

// TestOpenAIGraphFilters checks include_archived and owner_project_access,
// and the 404s for unknown ids.
func TestOpenAIGraphFilters(t *testing.T) {
	tn := providertest.NewTenant("openai", 40, 7)
	s := providertest.NewServer(t, "openai", providertest.Options{Tenant: tn})
	c := newChecker(t, s, "openai")
	hc := c.client()
	var active, all []string
	for _, p := range tn.Projects {
		all = append(all, p.ID)
		if !p.Archived {
			active = append(active, p.ID)
		}
	}
	if len(active) == len(all) {
		t.Fatal("no archived project")
	}
	for q, want := range map[string][]string{"": active, "?include_archived=false": active, "?include_archived=true": all} {
		if got := walk(t, hc, s, "/organization/projects"+q, "last_id", "id", 0); !slices.Equal(got, want) {
			t.Errorf("projects%s: %v, want %v", q, got, want)
		}
	}
	orphans := 0
	for _, p := range tn.Projects {
		var act, inact, every []string
		for _, k := range p.Keys {
			every = append(every, k.ID)
			if k.OwnerActive {
				act = append(act, k.ID)
			} else {
				inact = append(inact, k.ID)
			}
		}
		orphans += len(inact)
		for q, want := range map[string][]string{"": act, "?owner_project_access=active": act,
			"?owner_project_access=inactive": inact, "?owner_project_access=any": every} {
			got := walk(t, hc, s, "/organization/projects/"+p.ID+"/api_keys"+q, "last_id", "id", 0)
			if !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
				t.Errorf("keys of %s%s: %v, want %v", p.ID, q, got, want)
			}
		}
	}
	if orphans == 0 {
		t.Error("no orphaned key")
	}
	p, g := tn.Projects[0], tn.Groups[0]
	outsider := tn.Users[len(tn.Users)-1].ID
	if slices.ContainsFunc(p.Users, func(pu providertest.ProjectUser) bool { return pu.ID == outsider }) {
		t.Fatal("the last user is a member of the first project; pick another")
	}
	for _, path := range []string{"/organization/groups/group_nosuch/users", "/organization/groups/group_nosuch/roles",
		"/organization/projects/proj_nosuch/users", "/organization/projects/proj_nosuch/api_keys", "/projects/proj_nosuch/roles",
		"/organization/projects/proj_nosuch/groups", "/organization/projects/proj_nosuch/service_accounts",
		"/projects/" + p.ID + "/users/" + outsider + "/roles", "/projects/" + p.ID + "/groups/group_nosuch/roles",
		"/projects/proj_nosuch/groups/" + g.ID + "/roles"} {
		if resp, body := get(t, hc, s.URL()+path, s.Token()); resp.StatusCode != 404 || !bytes.Contains(body, []byte(`"invalid_request_error"`)) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, body := get(t, hc, s.URL()+"/organization/invites?after=invite-nosuch", s.Token()); resp.StatusCode != 400 {
		t.Errorf("unknown after: %d %s", resp.StatusCode, body)
	}
	c.assertValid(t, s, "openai")
}

// TestOpenAIShapeNone checks that a None field of OpenAIShape asks for
// none (a zero one takes the default): an organization of users only has
// no groups, projects, admin keys or invites, and its rows are its users'
// organization roles, held directly or as the legacy role.
func TestOpenAIShapeNone(t *testing.T) {
	tn := providertest.NewOpenAITenant(providertest.OpenAIShape{Users: 300, Projects: providertest.None, Groups: providertest.None, AdminKeys: providertest.None, Invites: providertest.None}, 1)
	if len(tn.Users) != 300 || len(tn.Groups) != 0 || len(tn.Projects) != 0 || len(tn.AdminKeys) != 0 || len(tn.Invites) != 0 {
		t.Fatalf("%d users, %d groups, %d projects, %d admin keys, %d invites; want 300 users and nothing else",
			len(tn.Users), len(tn.Groups), len(tn.Projects), len(tn.AdminKeys), len(tn.Invites))
	}
	for _, r := range tn.Rows() {
		if r.Principal != "user" || r.ScopeKind != "organization" || (r.Held != "direct" && r.Held != "legacy") {
			t.Fatalf("row %+v: want only users' organization roles, held directly or legacy", r)
		}
	}
	if def := providertest.NewOpenAITenant(providertest.OpenAIShape{Users: 300}, 1); len(def.Groups) == 0 || len(def.Projects) == 0 {
		t.Errorf("a zero shape field gave %d groups and %d projects, want the defaults", len(def.Groups), len(def.Projects))
	}
}
