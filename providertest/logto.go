package providertest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// logto serves Logto's listing operations (logto_graph.go the
// organizations, applications, invitations and role scopes). Every list is a bare JSON
// array with the Total-Number header and one Link header line per relation
// (first, last, prev when page > 1, next when page < last), with absolute
// URLs that keep every query parameter.
func (s *Server) logto(w *statusWriter, c *call) {
	switch c.op {
	case "ListRoles":
		s.logtoRoles(w, c)
	case "ListRoleUsers":
		s.logtoRoleUsers(w, c)
	case "ListUserRoles":
		s.logtoUserRoles(w, c)
	default:
		s.logtoGraph(w, c)
	}
}

// logtoPage parses page and page_size and computes the page's bounds over
// total items. A page_size above the maximum (100, or MaxPageSize) gets
// Logto's 400 guard.invalid_pagination; a page past the end is empty.
func (s *Server) logtoPage(w *statusWriter, c *call, total int) (start, end int, ok bool) {
	q := c.r.URL.Query()
	page, ok1 := queryInt(q, "page", 1)
	size, ok2 := queryInt(q, "page_size", 20)
	if !ok1 || !ok2 || page < 1 || size < 1 || size > s.maxPage(100) {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errInvalidPagination})
		return 0, 0, false
	}
	eff := s.pageSize(c.op, size, total)
	last := max(1, (total+eff-1)/eff)
	start = min(page-1, total) * eff
	start = min(start, total)
	end = min(start+eff, total)

	h := w.Header()
	h.Set("Total-Number", strconv.Itoa(total))
	link := func(p int, rel string) {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = v
		}
		q2.Set("page", strconv.Itoa(p))
		h.Add("Link", "<http://"+c.r.Host+c.r.URL.EscapedPath()+"?"+q2.Encode()+`>; rel="`+rel+`"`)
	}
	link(1, "first")
	link(last, "last")
	if page > 1 {
		link(page-1, "prev")
	}
	if page < last {
		link(page+1, "next")
	}
	return start, end, true
}

// logtoRoles serves GET /api/roles: type, excludeUserId and search (on id,
// name and description) filters.
func (s *Server) logtoRoles(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	m, err := parseLogtoSearch(q, []string{"id", "name", "description"})
	if err != nil {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, code: "request.invalid_input", msg: err.Error()})
		return
	}
	exclude := map[string]bool{}
	if id := q.Get("excludeUserId"); id != "" {
		if ui, ok := s.ix.byID[id]; ok {
			for _, g := range s.ix.users[ui].Grants {
				exclude[g.RoleID] = true
			}
		}
	}
	typ := q.Get("type")
	var idx []int
	for i := range s.tenant.Roles {
		r := &s.tenant.Roles[i]
		if (typ != "" && typ != logtoRoleType(r)) || exclude[r.ID] {
			continue
		}
		if m.match(func(f string) (string, bool) { return logtoRoleField(r, f) }) {
			idx = append(idx, i)
		}
	}
	start, end, ok := s.logtoPage(w, c, len(idx))
	if !ok {
		return
	}
	b := []byte{'['}
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		r := &s.tenant.Roles[idx[i]]
		b = s.logtoRole(b, r)
		b = b[:len(b)-1]
		members := s.ix.members[r.ID]
		b = append(b, `,"usersCount":`...)
		b = appendInt(b, int64(len(members)))
		b = append(b, `,"featuredUsers":[`...)
		for j, ui := range members[:min(3, len(members))] {
			if j > 0 {
				b = append(b, ',')
			}
			u := &s.ix.users[ui]
			b = append(b, `{"id":`...)
			b = appendStr(b, u.ID)
			b = append(b, `,"avatar":null,"name":`...)
			b = appendStrOrNull(b, u.Name)
			b = append(b, '}')
		}
		holders := s.ix.logto.roleApps[r.ID]
		b = append(b, `],"applicationsCount":`...)
		b = appendInt(b, int64(len(holders)))
		b = append(b, `,"featuredApplications":[`...)
		for j, ai := range holders[:min(3, len(holders))] {
			if j > 0 {
				b = append(b, ',')
			}
			a := &s.tenant.Applications[ai]
			b = append(b, `{"id":`...)
			b = appendStr(b, a.ID)
			b = append(b, `,"name":`...)
			b = appendStr(b, a.Name)
			b = append(b, `,"type":"MachineToMachine"}`...)
		}
		b = append(b, `]}`...)
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

// logtoRole renders a plain Role object.
func (s *Server) logtoRole(b []byte, r *Role) []byte {
	b = append(b, `{"tenantId":"default","id":`...)
	b = appendStr(b, r.ID)
	b = append(b, `,"name":`...)
	b = appendStr(b, r.Name)
	b = append(b, `,"description":`...)
	b = appendStr(b, logtoRoleDescription(r))
	b = append(b, `,"type":`...)
	b = appendStr(b, logtoRoleType(r))
	b = append(b, `,"isDefault":`...)
	b = appendBool(b, r.Name == "viewer")
	return append(b, '}')
}

func logtoRoleType(r *Role) string {
	if r.Machine {
		return "MachineToMachine"
	}
	return "User"
}

func logtoRoleDescription(r *Role) string {
	if r.Machine {
		return "Machine-to-machine role " + r.Name
	}
	return "Users with the " + r.Name + " role"
}

func logtoRoleField(r *Role, f string) (string, bool) {
	switch f {
	case "id":
		return r.ID, true
	case "name":
		return r.Name, true
	case "description":
		return logtoRoleDescription(r), true
	}
	return "", false
}

// logtoRoleUsers serves GET /api/roles/{id}/users, newest user first, with
// search on id, primaryEmail, primaryPhone, username and name (modes exact,
// like, similar_to, posix; case-insensitive unless isCaseSensitive=true).
// The members of a MachineToMachine role are served too: real Logto has
// none, and listing them is how the fake catches a client that forgets
// type=User.
func (s *Server) logtoRoleUsers(w *statusWriter, c *call) {
	id := c.params["id"]
	if _, ok := s.ix.roles[id]; !ok {
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: id})
		return
	}
	m, err := parseLogtoSearch(c.r.URL.Query(), []string{"id", "primaryEmail", "primaryPhone", "username", "name"})
	if err != nil {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, code: "request.invalid_input", msg: err.Error()})
		return
	}
	members := s.ix.members[id]
	if !m.empty() {
		var kept []int
		for _, ui := range members {
			u := &s.ix.users[ui]
			if m.match(func(f string) (string, bool) { return logtoUserField(u, f) }) {
				kept = append(kept, ui)
			}
		}
		members = kept
	}
	start, end, ok := s.logtoPage(w, c, len(members))
	if !ok {
		return
	}
	if start > 0 && start < len(members) && s.shift(c.op+" "+id+"?"+c.r.URL.RawQuery) {
		start, end = start-1, end-1 // a tied row moved: Options.TieShifts
	}
	b := make([]byte, 0, 2+(end-start)*420)
	b = append(b, '[')
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = s.logtoUser(b, members[i], false)
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

func logtoUserField(u *User, f string) (string, bool) {
	switch f {
	case "id":
		return u.ID, true
	case "primaryEmail":
		return u.Email, u.Email != ""
	case "username":
		return u.Username, u.Username != ""
	case "name":
		return u.Name, u.Name != ""
	}
	return "", false // primaryPhone is always null
}

// logtoUser renders user i: as GET /api/roles/{id}/users does, or, with
// info, as Logto's UserInfo (userInfoSelectFields: no hasPassword).
func (s *Server) logtoUser(b []byte, i int, info bool) []byte {
	u := &s.ix.users[i]
	at := accountTimes("logto", len(s.ix.users), i)
	b = append(b, `{"id":`...)
	b = appendStr(b, u.ID)
	b = append(b, `,"username":`...)
	b = appendStrOrNull(b, u.Username)
	b = append(b, `,"primaryEmail":`...)
	b = appendStrOrNull(b, u.Email)
	b = append(b, `,"primaryPhone":null,"name":`...)
	b = appendStrOrNull(b, u.Name)
	b = append(b, `,"avatar":null,"customData":{},"identities":`...)
	if i%5 == 0 {
		b = append(b, `{"github":{"userId":`...)
		b = appendStr(b, strconv.Itoa(1000+i))
		b = append(b, `,"details":{"id":`...)
		b = appendStr(b, strconv.Itoa(1000+i))
		b = append(b, `}}}`...)
	} else {
		b = append(b, "{}"...)
	}
	b = append(b, `,"lastSignInAt":`...)
	if u.LastActive.IsZero() {
		b = append(b, "null"...)
	} else {
		b = appendInt(b, u.LastActive.UnixMilli())
	}
	b = append(b, `,"createdAt":`...)
	b = appendInt(b, at.created.UnixMilli())
	b = append(b, `,"updatedAt":`...)
	b = appendInt(b, at.updated.UnixMilli())
	b = append(b, `,"profile":{},"applicationId":null,"isSuspended":`...)
	b = appendBool(b, u.Disabled)
	if !info {
		b = append(b, `,"hasPassword":`...)
		b = appendBool(b, i%3 != 0)
	}
	return append(b, `,"cimdClientId":null}`...)
}

// logtoUserRoles serves GET /api/users/{userId}/roles: the user's roles of
// type User, with search on id, name and description.
func (s *Server) logtoUserRoles(w *statusWriter, c *call) {
	id := c.params["userId"]
	ui, ok := s.ix.byID[id]
	if !ok {
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: id})
		return
	}
	m, err := parseLogtoSearch(c.r.URL.Query(), []string{"id", "name", "description"})
	if err != nil {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, code: "request.invalid_input", msg: err.Error()})
		return
	}
	var roles []*Role
	for _, g := range s.ix.users[ui].Grants {
		r := s.role(g.RoleID)
		if !r.Machine && m.match(func(f string) (string, bool) { return logtoRoleField(r, f) }) {
			roles = append(roles, r)
		}
	}
	start, end, ok := s.logtoPage(w, c, len(roles))
	if !ok {
		return
	}
	b := []byte{'['}
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = s.logtoRole(b, roles[i])
	}
	b = append(b, ']')
	s.writeOK(w, c, b)
}

// logtoToken serves POST /oidc/token: the client-credentials grant of a
// machine-to-machine app, authenticated with HTTP Basic (or
// client_id/client_secret form fields), with a resource indicator and
// scope "all". It hands out the server's Token.
func (s *Server) logtoToken(w *statusWriter, c *call) {
	r := c.r
	fail := func(status int, code, desc string) {
		b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
		s.write(w, c, status, "application/json", b)
	}
	if r.Method != http.MethodPost {
		fail(http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "malformed form body")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.opts.AppID || secret != s.opts.AppSecret {
		fail(http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		fail(http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type")
		return
	}
	if r.PostForm.Get("resource") == "" {
		fail(http.StatusBadRequest, "invalid_target", "a resource indicator is required for the Management API")
		return
	}
	if !strings.Contains(" "+r.PostForm.Get("scope")+" ", " all ") {
		fail(http.StatusBadRequest, "invalid_scope", "scope must include all")
		return
	}
	b, _ := json.Marshal(map[string]any{"access_token": s.opts.Token, "expires_in": 3600, "token_type": "Bearer", "scope": "all"})
	w.Header().Set("Cache-Control", "no-store")
	s.write(w, c, http.StatusOK, "application/json", b)
}

// logtoError renders e as Logto's RequestError body.
func logtoError(e apiError) any {
	switch e.kind {
	case errUnauthorized:
		return map[string]any{"code": "auth.unauthorized", "message": "Unauthorized. Please check credentials and its scope."}
	case errInvalidPagination:
		return map[string]any{"code": "guard.invalid_pagination", "message": "The pagination value is not valid."}
	case errNotFound:
		return map[string]any{"code": "entity.not_exists_with_id", "message": "The entity with ID `" + e.id + "` does not exist.",
			"data": map[string]string{"id": e.id}}
	case errRateLimited:
		return map[string]any{"code": "request.too_many_requests", "message": "Too many requests, please try again later."}
	case errServer:
		return map[string]any{"message": "Internal server error."}
	}
	code := "guard.invalid_input"
	if e.code != "" {
		code = e.code
	}
	return map[string]any{"code": code, "message": "The request input is invalid.", "details": e.msg}
}

// logtoSearch is a parsed Logto search (utils/search.ts): per field, a mode
// and values; conditions joined by or/and.
type logtoSearch struct {
	conds []logtoCond
	and   bool
}

type logtoCond struct {
	fields []string // one field, or every searchable field
	match  func(string) bool
}

func (m *logtoSearch) empty() bool { return len(m.conds) == 0 }

// match reports whether an item matches; get returns a field's value and
// whether it is non-null.
func (m *logtoSearch) match(get func(string) (string, bool)) bool {
	if len(m.conds) == 0 {
		return true
	}
	for _, c := range m.conds {
		hit := false
		for _, f := range c.fields {
			if v, ok := get(f); ok && c.match(v) {
				hit = true
				break
			}
		}
		if hit != m.and {
			return hit
		}
	}
	return m.and
}

type logtoSearchError string

func (e logtoSearchError) Error() string { return string(e) }

func parseLogtoSearch(q url.Values, fields []string) (*logtoSearch, error) {
	m := &logtoSearch{}
	switch j := q.Get("joint"); {
	case j == "" && q.Get("jointMode") != "":
		m.and = q.Get("jointMode") == "and"
	case j == "and":
		m.and = true
	case j != "" && j != "or":
		return nil, logtoSearchError("invalid joint mode " + j)
	}
	sensitive := q.Get("isCaseSensitive") == "true"
	modes := map[string]string{}
	values := map[string][]string{}
	var order []string
	for key, vals := range q {
		prefix, field, _ := strings.Cut(key, ".")
		if prefix != "mode" && prefix != "search" {
			continue
		}
		if strings.Contains(field, ".") {
			return nil, logtoSearchError("unsupported nested search field " + field)
		}
		if field != "" && !slices.Contains(fields, field) {
			return nil, logtoSearchError("search field " + field + " is not allowed")
		}
		if prefix == "mode" {
			modes[field] = vals[len(vals)-1]
			continue
		}
		if _, seen := values[field]; !seen {
			order = append(order, field)
		}
		values[field] = append(values[field], vals...)
	}
	slices.Sort(order)
	for _, field := range order {
		vals := values[field]
		mode := modes[field]
		if mode == "" {
			mode = modes[""]
		}
		if mode == "" {
			mode = "like"
		}
		for _, v := range vals {
			if v == "" {
				return nil, logtoSearchError("search value cannot be empty")
			}
		}
		cond := logtoCond{fields: fields}
		if field != "" {
			cond.fields = []string{field}
		}
		switch mode {
		case "exact":
			want := map[string]bool{}
			for _, v := range vals {
				if !sensitive {
					v = strings.ToLower(v)
				}
				want[v] = true
			}
			cond.match = func(s string) bool {
				if !sensitive {
					s = strings.ToLower(s)
				}
				return want[s]
			}
		case "like", "similar_to", "posix":
			if len(vals) != 1 {
				return nil, logtoSearchError("only one search value is allowed when search mode is not exact")
			}
			if mode == "similar_to" && !sensitive {
				return nil, logtoSearchError("cannot use case-insensitive match for similar_to")
			}
			pattern := vals[0]
			if mode != "posix" {
				pattern = likeToRegexp(pattern, mode == "similar_to")
			}
			if !sensitive {
				pattern = "(?i)" + pattern
			}
			re, err := regexp.Compile(pattern)
			if err != nil {
				return nil, logtoSearchError("invalid search pattern: " + err.Error())
			}
			cond.match = re.MatchString
		default:
			return nil, logtoSearchError("invalid search mode " + mode)
		}
		m.conds = append(m.conds, cond)
	}
	return m, nil
}

// likeToRegexp translates a SQL LIKE (or, roughly, SIMILAR TO) pattern into
// an anchored regular expression.
func likeToRegexp(p string, similar bool) string {
	var b strings.Builder
	b.WriteString("^(?s:")
	for i := 0; i < len(p); i++ {
		switch ch := p[i]; {
		case ch == '%':
			b.WriteString(".*")
		case ch == '_':
			b.WriteString(".")
		case ch == '\\' && i+1 < len(p):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case similar && strings.IndexByte("|*+?(){}[]", ch) >= 0:
			b.WriteByte(ch)
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString(")$")
	return b.String()
}
