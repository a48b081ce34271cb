package providertest

import (
	"net/http"
	"strconv"
)

// cortex serves GET /api/v1/users/roles (getUserRoleAssignments): page
// (0-indexed) and pageSize (required by the spec; at most 1000, larger asks
// are served 1000), email (comma-joined and/or repeated, case-insensitive).
func (s *Server) cortex(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	size, ok := queryInt(q, "pageSize", 250)
	if !ok || size < 1 {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "pageSize", msg: "pageSize must be between 1 and 1000"})
		return
	}
	page, ok := queryInt(q, "page", 0)
	if !ok || page < 0 {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "page", msg: "page must be 0 or more"})
		return
	}
	size = min(size, s.maxPage(1000))
	v := s.emailView(q["email"], true)
	total := v.len()
	eff := s.pageSize(c.op, size, total)
	totalPages := (total + eff - 1) / eff
	start := min(page, total) * eff
	start = min(start, total)
	end := min(start+eff, total)
	if page > 0 && start < total && s.shift(c.op+"?"+c.r.URL.RawQuery) {
		start, end = start-1, end-1 // a tied row moved: Options.TieShifts
	}

	b := make([]byte, 0, 64+(end-start)*160)
	b = append(b, `{"page":`...)
	b = appendInt(b, int64(page))
	b = append(b, `,"total":`...)
	b = appendInt(b, int64(total))
	b = append(b, `,"totalPages":`...)
	b = appendInt(b, int64(totalPages))
	b = append(b, `,"users":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = s.cortexUser(b, &s.ix.users[v.at(i)])
	}
	b = append(b, "]}"...)
	s.writeOK(w, c, b)
}

func (s *Server) cortexUser(b []byte, u *User) []byte {
	b = append(b, `{"email":`...)
	b = appendStr(b, u.Email)
	b = append(b, `,"name":`...)
	b = appendStr(b, u.Name)
	b = append(b, `,"roles":[`...)
	for i, g := range u.Grants {
		if i > 0 {
			b = append(b, ',')
		}
		role := s.role(g.RoleID)
		if role.Builtin {
			b = append(b, `{"type":"BASIC","role":`...)
			b = appendStr(b, role.ID)
		} else {
			b = append(b, `{"type":"CUSTOM","name":`...)
			b = appendStr(b, role.Name)
			b = append(b, `,"tag":`...)
			b = appendStr(b, role.ID)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// role returns the catalogue role with the id; a grant of an id missing
// from the catalogue is served as a custom role named after its id.
func (s *Server) role(id string) *Role {
	if i, ok := s.ix.roles[id]; ok {
		return &s.tenant.Roles[i]
	}
	return &Role{ID: id, Name: id}
}

// cortexError renders e as Cortex's ErrorResponse, or for 429 as its
// application/problem+json TooManyRequestsProblemDetail.
func cortexError(c *call, e apiError) (any, string) {
	if e.kind == errRateLimited {
		p := map[string]any{
			"type":     "about:blank",
			"title":    "Too Many Requests",
			"status":   429,
			"detail":   "Rate limit exceeded: 1000 requests per minute per client.",
			"instance": c.r.URL.Path,
		}
		if n, err := strconv.Atoi(e.retryAfter); err == nil {
			p["retryAfter"] = n
		}
		return p, "application/problem+json"
	}
	typ, msg := "BAD_REQUEST", e.msg
	switch e.kind {
	case errUnauthorized:
		typ, msg = "UNCATEGORIZED", "Authentication required: missing or invalid API key"
	case errNotFound:
		typ = "NOT_FOUND"
	case errServer:
		typ, msg = "UNHANDLED_EXCEPTION", "Internal server error"
		if e.status == http.StatusServiceUnavailable {
			typ, msg = "UNCATEGORIZED", "Service temporarily unavailable"
		}
	}
	return map[string]any{"message": msg, "type": typ, "httpStatus": e.status, "requestId": c.reqID}, "application/json"
}
