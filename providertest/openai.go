package providertest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// openai serves the OpenAI admin operations: the users and their roles
// here, the rest of the principal graph in openai_graph.go.
func (s *Server) openai(w *statusWriter, c *call) {
	switch c.op {
	case "list-users":
		s.openaiUsers(w, c)
	case "list-user-role-assignments":
		s.openaiUserRoles(w, c)
	case "list-roles":
		s.openaiRoles(w, c)
	default:
		s.openaiGraph(w, c)
	}
}

// openaiUsers serves GET /organization/users: limit 1..100 (default 20),
// after = the last user id of the previous page, emails repeated. Pages are
// linked by last_id while has_more.
func (s *Server) openaiUsers(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	limit, _ := queryInt(q, "limit", 20)
	limit = max(1, min(limit, s.maxPage(100)))
	v := s.emailView(q["emails"], false)
	after := q.Get("after")
	start := 0
	if after != "" {
		i, ok := s.ix.byID[after]
		if !ok {
			s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "after",
				msg: "Invalid 'after': no user with id '" + after + "'."})
			return
		}
		start = v.after(i)
	}
	n := s.take(c.op, after+"|"+strings.Join(q["emails"], ","), limit, v.len()-start)
	end := start + n

	b := make([]byte, 0, 96+n*260)
	b = append(b, `{"object":"list","data":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = s.openaiUser(b, v.at(i))
	}
	b = append(b, `],"first_id":`...)
	if n > 0 {
		b = appendStr(b, s.ix.users[v.at(start)].ID)
		b = append(b, `,"last_id":`...)
		b = appendStr(b, s.ix.users[v.at(end-1)].ID)
	} else {
		b = append(b, `null,"last_id":null`...)
	}
	b = append(b, `,"has_more":`...)
	b = appendBool(b, end < v.len())
	b = append(b, '}')
	s.writeOK(w, c, b)
}

func (s *Server) openaiUser(b []byte, i int) []byte {
	u := &s.ix.users[i]
	b = append(b, `{"object":"organization.user","id":`...)
	b = appendStr(b, u.ID)
	b = append(b, `,"name":`...)
	b = appendStrOrNull(b, u.Name)
	b = append(b, `,"email":`...)
	b = appendStrOrNull(b, u.Email)
	b = append(b, `,"role":`...)
	b = appendStrOrNull(b, u.OrgRole)
	b = append(b, `,"added_at":`...)
	b = appendInt(b, accountTimes("openai", len(s.ix.users), i).created.Unix())
	b = append(b, `,"is_default":false,"is_service_account":`...)
	b = appendBool(b, u.Service)
	b = append(b, `,"is_scim_managed":false,"api_key_last_used_at":`...)
	if u.LastActive.IsZero() {
		b = append(b, "null"...)
	} else {
		b = appendInt(b, u.LastActive.Unix())
	}
	b = append(b, `,"user":{"object":"user","id":`...)
	b = appendStr(b, "acct-"+u.ID)
	b = append(b, `,"enabled":`...)
	b = appendBool(b, !u.Disabled)
	b = append(b, `,"banned":`...)
	b = appendBool(b, u.Banned)
	return append(b, "}}"...)
}

// openaiUserRoles serves GET /organization/users/{user_id}/roles: limit
// 0..1000 (no documented default; the fake uses 20, and 0 as the default
// too), after = the opaque next cursor, order asc|desc. Pages are linked by
// next while has_more; next is null on the last page.
func (s *Server) openaiUserRoles(w *statusWriter, c *call) {
	id := c.params["user_id"]
	ui, ok := s.ix.byID[id]
	if !ok {
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: id,
			msg: "No user found with id '" + id + "'."})
		return
	}
	u := &s.ix.users[ui]
	q := c.r.URL.Query()
	limit, _ := queryInt(q, "limit", 20)
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, s.maxPage(1000))
	start, ok := openaiCursor(q.Get("after"), u.ID, len(u.Grants))
	if !ok {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "after", msg: "Invalid 'after': unknown cursor."})
		return
	}
	s.openaiAssignments(w, c, "user", u.ID, u.ID, u.Grants, start, limit)
}

// openaiAssignments serves a page of the role assignments grants of the
// principal (ptype, pid) from start, at most limit: a RoleListResource
// whose next cursor is scoped to scope. order=desc reverses the list.
func (s *Server) openaiAssignments(w *statusWriter, c *call, ptype, pid, scope string, grants []Grant, start, limit int) {
	desc := c.r.URL.Query().Get("order") == "desc"
	n := s.take(c.op, scope+"|"+c.r.URL.Query().Get("after"), limit, len(grants)-start)
	end := start + n

	b := make([]byte, 0, 96+n*400)
	b = append(b, `{"object":"list","data":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		gi := i
		if desc {
			gi = len(grants) - 1 - i
		}
		b = s.openaiAssigned(b, ptype, pid, &grants[gi])
	}
	b = append(b, `],"has_more":`...)
	b = appendBool(b, end < len(grants))
	b = append(b, `,"next":`...)
	if end < len(grants) {
		b = appendStr(b, openaiNext(scope, end))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, '}')
	s.writeOK(w, c, b)
}

// openaiAssigned renders one AssignedRoleDetails of the principal (ptype,
// pid). For an inherited grant assignment_sources lists the Via
// principals, preceded by the principal itself for about half of the
// grants (also held directly). For a direct grant it is null, except for
// a group, whose direct grants come with null, [] or the group itself.
func (s *Server) openaiAssigned(b []byte, ptype, pid string, g *Grant) []byte {
	role := s.role(g.RoleID)
	b = append(b, `{"id":`...)
	b = appendStr(b, role.ID)
	b = append(b, `,"name":`...)
	b = appendStr(b, role.Name)
	b = append(b, `,"permissions":`...)
	b = appendStrs(b, nonNil(role.Permissions))
	b = append(b, `,"resource_type":`...)
	b = appendStr(b, role.ResourceType)
	b = append(b, `,"predefined_role":`...)
	b = appendBool(b, role.Builtin)
	b = s.openaiRoleMeta(b, role)
	b = append(b, `,"assignment_sources":`...)
	self := selfHash(pid, role.ID)
	switch {
	case len(g.Via) == 0 && ptype == "group" && self%3 == 1:
		b = append(b, "[]"...)
	case len(g.Via) == 0 && ptype == "group" && self%3 == 2:
		b = append(b, `[{"principal_id":`...)
		b = appendStr(b, pid)
		b = append(b, `,"principal_type":"group"}]`...)
	case len(g.Via) == 0:
		b = append(b, "null"...)
	default:
		b = append(b, '[')
		if alsoDirect(pid, role.ID) {
			b = append(b, `{"principal_id":`...)
			b = appendStr(b, pid)
			b = append(b, `,"principal_type":`...)
			b = appendStr(b, ptype)
			b = append(b, `},`...)
		}
		for i, src := range g.Via {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"principal_id":`...)
			b = appendStr(b, src.ID)
			b = append(b, `,"principal_type":`...)
			b = appendStr(b, src.Type)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// openaiRoleMeta renders the nullable bookkeeping fields of a role:
// predefined roles have no creator or timestamps; a third of the custom
// roles have no description.
func (s *Server) openaiRoleMeta(b []byte, role *Role) []byte {
	ri := s.ix.roles[role.ID]
	b = append(b, `,"description":`...)
	switch {
	case role.Builtin:
		b = appendStr(b, "Predefined role: "+role.Name)
	case ri%3 == 0:
		b = append(b, "null"...)
	default:
		b = appendStr(b, "Custom role: "+role.Name)
	}
	if role.Builtin {
		b = append(b, `,"created_at":null,"updated_at":null,"created_by":null,"created_by_user_obj":null,"metadata":`...)
		return appendMeta(b, role.Metadata)
	}
	created := epoch.Unix() + int64(ri)*86400
	b = append(b, `,"created_at":`...)
	b = appendInt(b, created)
	b = append(b, `,"updated_at":`...)
	b = appendInt(b, created+7200)
	if s.ix.creator < 0 {
		b = append(b, `,"created_by":null,"created_by_user_obj":null,"metadata":`...)
		return appendMeta(b, role.Metadata)
	}
	cu := &s.ix.users[s.ix.creator]
	b = append(b, `,"created_by":`...)
	b = appendStr(b, cu.ID)
	b = append(b, `,"created_by_user_obj":{"id":`...)
	b = appendStr(b, cu.ID)
	b = append(b, `,"name":`...)
	b = appendStrOrNull(b, cu.Name)
	b = append(b, `,"email":`...)
	b = appendStrOrNull(b, cu.Email)
	b = append(b, `},"metadata":`...)
	return appendMeta(b, role.Metadata)
}

// appendMeta appends a role's metadata as a JSON object, keys sorted.
func appendMeta(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStr(b, k)
		b = append(b, ':')
		b = appendStr(b, m[k])
	}
	return append(b, '}')
}

// openaiRoles serves GET /organization/roles: limit 0..1000 (default 1000;
// 0 means the default), after = the opaque next cursor, order asc|desc.
// It serves the organization roles only; list-project-roles serves the
// project roles.
func (s *Server) openaiRoles(w *statusWriter, c *call) {
	s.openaiRoleList(w, c, "roles", s.ix.orgRoles)
}

// openaiRoleList serves a page of the catalogue roles idx (indexes in
// Tenant.Roles), whose next cursors are scoped to scope.
func (s *Server) openaiRoleList(w *statusWriter, c *call, scope string, idx []int) {
	q := c.r.URL.Query()
	limit, _ := queryInt(q, "limit", 1000)
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, s.maxPage(1000))
	start, ok := openaiCursor(q.Get("after"), scope, len(idx))
	if !ok {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "after", msg: "Invalid 'after': unknown cursor."})
		return
	}
	desc := q.Get("order") == "desc"
	key := q.Get("after")
	if scope != "roles" {
		key = scope + "|" + key // the organization's keys are as they always were
	}
	n := s.take(c.op, key, limit, len(idx)-start)
	end := start + n
	b := make([]byte, 0, 96+n*300)
	b = append(b, `{"object":"list","data":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		ri := idx[i]
		if desc {
			ri = idx[len(idx)-1-i]
		}
		role := &s.tenant.Roles[ri]
		b = append(b, `{"object":"role","id":`...)
		b = appendStr(b, role.ID)
		b = append(b, `,"name":`...)
		b = appendStr(b, role.Name)
		b = append(b, `,"description":`...)
		switch {
		case role.Builtin:
			b = appendStr(b, "Predefined role: "+role.Name)
		case ri%3 == 0:
			b = append(b, "null"...)
		default:
			b = appendStr(b, "Custom role: "+role.Name)
		}
		b = append(b, `,"permissions":`...)
		b = appendStrs(b, nonNil(role.Permissions))
		b = append(b, `,"resource_type":`...)
		b = appendStr(b, role.ResourceType)
		b = append(b, `,"predefined_role":`...)
		b = appendBool(b, role.Builtin)
		b = append(b, '}')
	}
	b = append(b, `],"has_more":`...)
	b = appendBool(b, end < len(idx))
	b = append(b, `,"next":`...)
	if end < len(idx) {
		b = appendStr(b, openaiNext(scope, end))
	} else {
		b = append(b, "null"...)
	}
	b = append(b, '}')
	s.writeOK(w, c, b)
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// openaiNext makes the opaque cursor for the listing scope at offset off.
func openaiNext(scope string, off int) string {
	return "cur_" + base64.RawURLEncoding.EncodeToString([]byte(scope+"\x00"+strconv.Itoa(off)))
}

// openaiCursor decodes an after cursor of the listing scope; "" is the start.
func openaiCursor(after, scope string, n int) (int, bool) {
	if after == "" {
		return 0, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(after, "cur_"))
	if err != nil || !strings.HasPrefix(after, "cur_") {
		return 0, false
	}
	sc, off, ok := strings.Cut(string(raw), "\x00")
	if !ok || sc != scope {
		return 0, false
	}
	i, err := strconv.Atoi(off)
	if err != nil || i < 0 || i > n {
		return 0, false
	}
	return i, true
}

// openaiError renders e as OpenAI's error envelope.
func openaiError(e apiError) any {
	typ, code, msg := "invalid_request_error", any(nil), e.msg
	switch e.kind {
	case errUnauthorized:
		code, msg = "invalid_api_key", "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys."
	case errRateLimited:
		typ, code, msg = "requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."
	case errServer:
		typ, msg = "server_error", "The server had an error while processing your request. Sorry about that!"
	}
	param := any(nil)
	if e.param != "" {
		param = e.param
	}
	return map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": param, "code": code}}
}
