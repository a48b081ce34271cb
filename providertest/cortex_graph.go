package providertest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// The Cortex workspace beyond its users' role assignments (issue 23): the
// users' account times (GET /api/v1/users, listUsers) and the API keys
// with their roles (GET /api/v1/auth/key, listApiKeys), as
// api/specs/cortex-admin.yaml declares them.

// CortexKey is a Cortex API key (listApiKeys).
type CortexKey struct {
	// CID is the key's id (cid).
	CID string
	// Name and Description are the key's; an empty Description renders
	// null.
	Name, Description string
	// Last4 is the end of the key's secret value: secret-bearing
	// (Tenant.Secrets).
	Last4 string
	// Created is createdDate; Expires is expirationDate, the zero time
	// rendering null (the key never expires).
	Created, Expires time.Time
	// Roles are the key's roles, in listing order.
	Roles []CortexKeyRole
}

// CortexKeyRole is one role of a Cortex API key: a DEFAULT role (Role is
// READ_ONLY, USER or ADMIN) or a CUSTOM one (Tag names it).
type CortexKeyRole struct {
	Type string // "DEFAULT" or "CUSTOM"
	Role string // DEFAULT only
	Tag  string // CUSTOM only
}

var cortexKeyNames = []string{"CI reporting", "Scorecard sync", "Terraform provider", "Catalog import", "Incident bot",
	"Deploy tracker", "Access review export"}

// cortexKeys draws the workspace's API keys: one per 15 users, rounded up
// (none for an empty workspace). Key 0 is an ADMIN key that never
// expires; about one key in three expires a year after its creation; most
// hold a DEFAULT role, some a CUSTOM role beside it or alone.
func (g *gen) cortexKeys(t *Tenant, users int) {
	n := min((users+14)/15, 500)
	var custom []string
	for _, r := range t.Roles {
		if !r.Builtin {
			custom = append(custom, r.ID)
		}
	}
	defaults := []string{"READ_ONLY", "READ_ONLY", "READ_ONLY", "USER", "USER", "ADMIN"}
	for i := range n {
		k := CortexKey{CID: "cid-" + g.id(12, alnum), Name: cortexKeyNames[i%len(cortexKeyNames)],
			Last4: g.id(4, upperAlnum), Created: epoch.Add(time.Duration(i)*37*time.Hour + 250*time.Millisecond)}
		if i >= len(cortexKeyNames) {
			k.Name = fmt.Sprintf("%s %d", k.Name, i/len(cortexKeyNames)+1)
		}
		if g.r.IntN(2) == 0 {
			k.Description = "Used by " + k.Name
		}
		if i%3 == 1 {
			k.Expires = k.Created.AddDate(1, 0, 0)
		}
		switch {
		case i == 0:
			k.Roles = []CortexKeyRole{{Type: "DEFAULT", Role: "ADMIN"}}
		case g.r.IntN(6) == 0 && len(custom) > 0: // a custom role alone
			k.Roles = []CortexKeyRole{{Type: "CUSTOM", Tag: custom[g.r.IntN(len(custom))]}}
		default:
			k.Roles = []CortexKeyRole{{Type: "DEFAULT", Role: defaults[g.r.IntN(len(defaults))]}}
			if g.r.IntN(3) == 0 && len(custom) > 0 {
				k.Roles = append(k.Roles, CortexKeyRole{Type: "CUSTOM", Tag: custom[g.r.IntN(len(custom))]})
			}
		}
		t.CortexKeys = append(t.CortexKeys, k)
	}
}

// cortexLastActive is the last activity of Cortex user i: a pure function
// of i (no draw: the users' roles stay what they were before Cortex
// reported activity). About one user in four was never active; the others
// 1 to 30 days before AsOf, user 0 (the administrator) 2 days before.
func cortexLastActive(i int) time.Time {
	if i%4 == 3 {
		return time.Time{}
	}
	return AsOf.Add(-time.Duration(1+(i*7)%30)*24*time.Hour + time.Duration(i%60)*time.Minute)
}

// cortexKeyRows are the rows of the workspace's API keys: one per role,
// principal api_key, id the cid and name the key's, no email and no owner;
// a DEFAULT role builtin (role id and name the role), a CUSTOM role custom
// (role id and name the tag: the key listing does not name it); scope
// kind workspace, held direct.
func (t *Tenant) cortexKeyRows() []Row {
	var rows []Row
	for _, k := range t.CortexKeys {
		for _, r := range k.Roles {
			row := Row{Provider: "cortex", UserID: k.CID, Name: k.Name, Principal: "api_key", ScopeKind: "workspace", Held: "direct"}
			if r.Type == "DEFAULT" {
				row.RoleID, row.RoleName, row.RoleKind = r.Role, r.Role, KindBuiltin
			} else {
				row.RoleID, row.RoleName, row.RoleKind = r.Tag, r.Tag, KindCustom
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// cortexKeyAccount is the account of a Cortex key row: its creation and
// expiry; the API reports no status and no last use of a key.
func (t *Tenant) cortexKeyAccount(r *Row) Account {
	if j := slices.IndexFunc(t.CortexKeys, func(k CortexKey) bool { return k.CID == r.UserID }); j >= 0 {
		return Account{Created: t.CortexKeys[j].Created, Expires: t.CortexKeys[j].Expires}
	}
	return Account{}
}

// cortexSecrets are the keys' last4 values.
func (t *Tenant) cortexSecrets() []string {
	var out []string
	for _, k := range t.CortexKeys {
		out = append(out, k.Last4)
	}
	return out
}

// cortexPage reads a Cortex page request's page (from 0) and pageSize (1
// to 1000, larger asks served 1000), answering 400 when they are bad.
func (s *Server) cortexPage(w *statusWriter, c *call) (page, size int, ok bool) {
	q := c.r.URL.Query()
	size, ok = queryInt(q, "pageSize", 250)
	if !ok || size < 1 {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "pageSize", msg: "pageSize must be between 1 and 1000"})
		return 0, 0, false
	}
	page, ok = queryInt(q, "page", 0)
	if !ok || page < 0 {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "page", msg: "page must be 0 or more"})
		return 0, 0, false
	}
	return page, min(size, s.maxPage(1000)), true
}

// cortexBounds is the range of items page serves of total, and the number
// of pages, with ShortPages and TieShifts applied as on the roles list.
func (s *Server) cortexBounds(c *call, page, size, total int) (start, end, totalPages int) {
	eff := s.pageSize(c.op, size, total)
	totalPages = (total + eff - 1) / eff
	start = min(min(page, total)*eff, total)
	end = min(start+eff, total)
	if page > 0 && start < total && s.shift(c.op+"?"+c.r.URL.RawQuery) {
		start, end = start-1, end-1 // a tied row moved: Options.TieShifts
	}
	return start, end, totalPages
}

// appendCortexEnvelope opens a page: {"page":…,"total":…,"totalPages":…,"<items>":[
func appendCortexEnvelope(b []byte, page, total, totalPages int, items string) []byte {
	b = append(b, `{"page":`...)
	b = appendInt(b, int64(page))
	b = append(b, `,"total":`...)
	b = appendInt(b, int64(total))
	b = append(b, `,"totalPages":`...)
	b = appendInt(b, int64(totalPages))
	b = append(b, `,"`...)
	b = append(b, items...)
	return append(b, `":[`...)
}

// appendDateOrNull renders t as an RFC 3339 string, or null when zero.
func appendDateOrNull(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	return appendStr(b, t.UTC().Format(time.RFC3339Nano))
}

// cortexUsers serves GET /api/v1/users (listUsers): every user of the
// workspace, page from 0, with joinDate and lastActive (null when never).
func (s *Server) cortexUsers(w *statusWriter, c *call) {
	page, size, ok := s.cortexPage(w, c)
	if !ok {
		return
	}
	total := len(s.ix.users)
	start, end, totalPages := s.cortexBounds(c, page, size, total)
	b := make([]byte, 0, 64+(end-start)*160)
	b = appendCortexEnvelope(b, page, total, totalPages, "users")
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		u := &s.ix.users[i]
		b = append(b, `{"email":`...)
		b = appendStr(b, u.Email)
		b = append(b, `,"name":`...)
		b = appendStr(b, u.Name)
		b = append(b, `,"joinDate":`...)
		b = appendDateOrNull(b, accountTimes("cortex", total, i).created)
		b = append(b, `,"lastActive":`...)
		b = appendDateOrNull(b, u.LastActive)
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	s.writeOK(w, c, b)
}

// cortexKeys serves GET /api/v1/auth/key (listApiKeys): the workspace's
// API keys, page from 0 (the docs' example says 1 for the only page; the
// documented parameter, and this fake, count from 0).
func (s *Server) cortexKeys(w *statusWriter, c *call) {
	page, size, ok := s.cortexPage(w, c)
	if !ok {
		return
	}
	keys := s.tenant.CortexKeys
	start, end, totalPages := s.cortexBounds(c, page, size, len(keys))
	b := make([]byte, 0, 32+(end-start)*256)
	b = append(b, `{"apiKeys":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		k := &keys[i]
		b = append(b, `{"cid":`...)
		b = appendStr(b, k.CID)
		b = append(b, `,"name":`...)
		b = appendStr(b, k.Name)
		b = append(b, `,"description":`...)
		b = appendStrOrNull(b, k.Description)
		b = append(b, `,"last4":`...)
		b = appendStr(b, k.Last4)
		b = append(b, `,"createdDate":`...)
		b = appendDateOrNull(b, k.Created)
		b = append(b, `,"expirationDate":`...)
		b = appendDateOrNull(b, k.Expires)
		b = append(b, `,"roles":[`...)
		for j, r := range k.Roles {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"type":`...)
			b = appendStr(b, r.Type)
			if r.Type == "DEFAULT" {
				b = append(b, `,"role":`...)
				b = appendStr(b, r.Role)
			} else {
				b = append(b, `,"tag":`...)
				b = appendStr(b, r.Tag)
			}
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}
	b = append(b, `],"page":`...)
	b = appendInt(b, int64(page))
	b = append(b, `,"total":`...)
	b = appendInt(b, int64(len(keys)))
	b = append(b, `,"totalPages":`...)
	b = appendInt(b, int64(totalPages))
	b = append(b, '}')
	s.writeOK(w, c, b)
}
