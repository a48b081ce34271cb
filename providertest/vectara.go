package providertest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// vectara serves Vectara's two users operations.
func (s *Server) vectara(w *statusWriter, c *call) {
	switch c.op {
	case "listUsers":
		s.vectaraList(w, c)
	case "getUser":
		s.vectaraGet(w, c)
	}
}

// vectaraList serves GET /v2/users: limit 1..100 (default 10), page_key the
// opaque metadata.page_key of the previous page (base64 of {"offset":N}),
// corpus_key filters to users with a role on that corpus (404 when no such
// corpus). The last page has page_key "" (or none, per VectaraEndKey).
func (s *Server) vectaraList(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	limit, _ := queryInt(q, "limit", 10)
	limit = max(1, min(limit, s.maxPage(100)))
	v := allOf(len(s.ix.users))
	if key := q.Get("corpus_key"); key != "" {
		if !s.ix.corpora[key] {
			s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: key, msg: "Corpus '" + key + "' not found."})
			return
		}
		var idx []int
		for i, u := range s.ix.users {
			for _, g := range u.Grants {
				if g.Scope == "corpus/"+key {
					idx = append(idx, i)
					break
				}
			}
		}
		v = listOf(idx)
	}
	pageKey := q.Get("page_key")
	start := 0
	if pageKey != "" {
		off, ok := vectaraOffset(pageKey)
		if !ok || off > v.len() {
			s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "page_key", msg: "Invalid page_key."})
			return
		}
		start = off
	}
	n := s.take(c.op, pageKey+"|"+q.Get("corpus_key"), limit, v.len()-start)
	end := start + n

	b := make([]byte, 0, 64+n*600)
	b = append(b, `{"users":[`...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = s.vectaraUser(b, v.at(i))
	}
	b = append(b, `],"metadata":{`...)
	switch {
	case end < v.len():
		b = append(b, `"page_key":`...)
		b = appendStr(b, vectaraPageKey(end))
	case s.opts.VectaraEndKey == "":
		b = append(b, `"page_key":""`...)
	}
	b = append(b, "}}"...)
	s.writeOK(w, c, b)
}

// vectaraGet serves GET /v2/users/{username}.
func (s *Server) vectaraGet(w *statusWriter, c *call) {
	name := c.params["username"] // unescaped by the router
	i, ok := s.ix.byUsername[name]
	if !ok {
		s.writeError(w, c, apiError{status: http.StatusNotFound, kind: errNotFound, id: name, msg: "User '" + name + "' not found."})
		return
	}
	s.writeOK(w, c, s.vectaraUser(nil, i))
}

func vectaraPageKey(off int) string {
	b, _ := json.Marshal(map[string]int{"offset": off})
	return base64.StdEncoding.EncodeToString(b)
}

func vectaraOffset(key string) (int, bool) {
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return 0, false
	}
	var p struct {
		Offset *int `json:"offset"`
	}
	if json.Unmarshal(raw, &p) != nil || p.Offset == nil || *p.Offset < 0 {
		return 0, false
	}
	return *p.Offset, true
}

func (s *Server) vectaraUser(b []byte, i int) []byte {
	u := &s.ix.users[i]
	b = append(b, `{"id":`...)
	b = appendStr(b, u.ID)
	b = append(b, `,"email":`...)
	b = appendStr(b, u.Email)
	b = append(b, `,"username":`...)
	b = appendStr(b, u.Username)
	b = append(b, `,"enabled":`...)
	b = appendBool(b, !u.Disabled)
	if i%4 == 1 {
		b = append(b, `,"description":"Synthetic user for rolecall tests"`...)
	}
	at := accountTimes("vectara", len(s.ix.users), i)
	b = append(b, `,"created_at":`...)
	b = appendStr(b, at.created.Format("2006-01-02T15:04:05.000Z"))
	b = append(b, `,"updated_at":`...)
	b = appendStr(b, at.updated.Format("2006-01-02T15:04:05.000Z"))
	var api, corpora []string
	b = append(b, `,"api_roles":[`...)
	for _, g := range u.Grants {
		if g.Scope == "" {
			if len(api) > 0 {
				b = append(b, ',')
			}
			api = append(api, g.RoleID)
			b = appendStr(b, g.RoleID)
		}
	}
	b = append(b, `],"corpus_roles":[`...)
	for _, g := range u.Grants {
		if key, ok := strings.CutPrefix(g.Scope, "corpus/"); ok {
			if len(corpora) > 0 {
				b = append(b, ',')
			}
			corpora = append(corpora, key)
			b = append(b, `{"corpus_key":`...)
			b = appendStr(b, key)
			b = append(b, `,"role":`...)
			b = appendStr(b, g.RoleID)
			b = append(b, '}')
		}
	}
	b = append(b, `],"agent_roles":[`...)
	first := true
	for _, g := range u.Grants {
		if key, ok := strings.CutPrefix(g.Scope, "agent/"); ok {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, `{"agent_key":`...)
			b = appendStr(b, key)
			b = append(b, `,"role":`...)
			b = appendStr(b, g.RoleID)
			b = append(b, '}')
		}
	}
	b = append(b, `],"api_policy":{"name":`...)
	if len(api) > 0 {
		b = appendStr(b, api[0])
		b = append(b, `,"allowed_operations":{"list_users":null,"query":{"allow_any_resource":true}}}`...)
	} else {
		b = append(b, `"custom","allowed_operations":{"query":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":`...)
		b = appendStrs(b, nonNil(corpora))
		b = append(b, `}}}}`...)
	}
	return append(b, '}')
}

// vectaraError renders e as Vectara's Error (NotFoundError for 404).
func vectaraError(c *call, e apiError) any {
	msg := e.msg
	switch e.kind {
	case errUnauthorized:
		msg = "Unauthorized: missing or invalid API key or JWT."
	case errRateLimited:
		msg = "Too many requests."
	case errServer:
		msg = "Internal server error."
	}
	body := map[string]any{"messages": []string{msg}, "request_id": c.reqID}
	if e.kind == errNotFound && e.id != "" {
		body["id"] = e.id
	}
	return body
}
