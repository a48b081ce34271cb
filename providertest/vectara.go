package providertest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// vectara serves Vectara's operations: users, API keys, app clients,
// corpora and agents.
func (s *Server) vectara(w *statusWriter, c *call) {
	switch c.op {
	case "listUsers":
		s.vectaraList(w, c)
	case "getUser":
		s.vectaraGet(w, c)
	case "listApiKeys":
		s.vectaraKeys(w, c)
	case "listAppClient":
		s.vectaraApps(w, c)
	case "listCorpora":
		s.vectaraCorpora(w, c)
	case "listAgents":
		s.vectaraAgentList(w, c)
	}
}

// vectaraList serves GET /v2/users: limit 1..100 (default 10), page_key the
// opaque metadata.page_key of the previous page (base64 of {"offset":N}),
// corpus_key filters to users with a role on that corpus (404 when no such
// corpus). The last page has page_key "" (or none, per VectaraEndKey).
func (s *Server) vectaraList(w *statusWriter, c *call) {
	q := c.r.URL.Query()
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
	s.vectaraPage(w, c, "users", v, q.Get("corpus_key"), 600, s.vectaraUser)
}

// vectaraPage serves one page of a Vectara list of v's items under field,
// paged by limit and page_key as vectaraList describes; filter names the
// filters applied (part of the cursor's identity for ShortPages), size is
// an item's usual rendered size.
func (s *Server) vectaraPage(w *statusWriter, c *call, field string, v view, filter string, size int, item func(b []byte, i int) []byte) {
	q := c.r.URL.Query()
	limit, _ := queryInt(q, "limit", 10)
	limit = max(1, min(limit, s.maxPage(100)))
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
	n := s.take(c.op, pageKey+"|"+filter, limit, v.len()-start)
	end := start + n

	b := make([]byte, 0, 64+n*size)
	b = append(b, '{')
	b = appendStr(b, field)
	b = append(b, ":["...)
	for i := start; i < end; i++ {
		if i > start {
			b = append(b, ',')
		}
		b = item(b, v.at(i))
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

// vectaraRegexp compiles the filter query parameter (nil when absent), or
// answers 400 and returns false.
func (s *Server) vectaraRegexp(w *statusWriter, c *call) (*regexp.Regexp, bool) {
	f := c.r.URL.Query().Get("filter")
	if f == "" {
		return nil, true
	}
	re, err := regexp.Compile(f)
	if err != nil {
		s.writeError(w, c, apiError{status: http.StatusBadRequest, kind: errBadRequest, param: "filter", msg: "Invalid filter."})
		return nil, false
	}
	return re, true
}

// vectaraKeys serves GET /v2/api_keys (listApiKeys), paged as users are;
// corpus_key keeps the keys whose policy names that corpus, api_key_role
// the keys of that role.
func (s *Server) vectaraKeys(w *statusWriter, c *call) {
	q := c.r.URL.Query()
	corpus, role := q.Get("corpus_key"), q.Get("api_key_role")
	keys := s.tenant.VectaraKeys
	v := allOf(len(keys))
	if corpus != "" || role != "" {
		idx := []int{}
		for i, k := range keys {
			if (corpus == "" || slices.Contains(k.Corpora, corpus)) && (role == "" || k.Role == role) {
				idx = append(idx, i)
			}
		}
		v = listOf(idx)
	}
	s.vectaraPage(w, c, "api_keys", v, corpus+"|"+role, 500, func(b []byte, i int) []byte { return vectaraKey(b, &keys[i]) })
}

// vectaraKey renders key k. A personal key's policy allows any resource;
// the others' name their corpora under path.corpus_key for query and
// list_documents (the second in another order), and a
// serving_and_indexing key's under body.corpus_key for index too, beside
// a resource that is not a corpus.
func vectaraKey(b []byte, k *VectaraKey) []byte {
	b = append(b, `{"id":`...)
	b = appendStr(b, k.ID)
	b = append(b, `,"name":`...)
	b = appendStr(b, k.Name)
	b = append(b, `,"secret_key":`...)
	b = appendStr(b, k.Secret)
	b = append(b, `,"enabled":`...)
	b = appendBool(b, k.Enabled)
	b = append(b, `,"api_key_role":`...)
	b = appendStr(b, k.Role)
	b = append(b, `,"api_policy":{"name":`...)
	b = appendStr(b, k.Role)
	if k.Role == "personal" {
		return append(b, `,"allowed_operations":{"query":null,"index":null,"list_corpora":{"allow_any_resource":true}}}}`...)
	}
	corpora := nonNil(k.Corpora)
	reversed := slices.Clone(corpora)
	slices.Reverse(reversed)
	b = append(b, `,"allowed_operations":{"query":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":`...)
	b = appendStrs(b, corpora)
	b = append(b, `}},"list_documents":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":`...)
	b = appendStrs(b, reversed)
	b = append(b, `}}`...)
	if k.Role == "serving_and_indexing" {
		b = append(b, `,"index":{"allow_any_resource":false,"allowed_resources":{"implicit.customer_id":["1234567"],"body.corpus_key":`...)
		b = appendStrs(b, corpora)
		b = append(b, `}}`...)
	}
	return append(b, `}}}`...)
}

// vectaraApps serves GET /v2/app_clients (listAppClient), paged as users
// are; filter is a regular expression on the names.
func (s *Server) vectaraApps(w *statusWriter, c *call) {
	re, ok := s.vectaraRegexp(w, c)
	if !ok {
		return
	}
	apps := s.tenant.VectaraApps
	v := allOf(len(apps))
	if re != nil {
		idx := []int{}
		for i, a := range apps {
			if re.MatchString(a.Name) {
				idx = append(idx, i)
			}
		}
		v = listOf(idx)
	}
	s.vectaraPage(w, c, "app_clients", v, c.r.URL.Query().Get("filter"), 400, func(b []byte, i int) []byte {
		a := &apps[i]
		b = append(b, `{"id":`...)
		b = appendStr(b, a.ID)
		b = append(b, `,"name":`...)
		b = appendStr(b, a.Name)
		if a.Description != "" {
			b = append(b, `,"description":`...)
			b = appendStr(b, a.Description)
		}
		b = append(b, `,"client_id":`...)
		b = appendStr(b, a.ClientID)
		b = append(b, `,"client_secret":`...)
		b = appendStr(b, a.Secret)
		b = append(b, `,"api_roles":`...)
		b = appendStrs(b, nonNil(a.Roles))
		b = append(b, `,"api_policy":{"name":"app_client","allowed_operations":{"list_corpora":null}}}`...)
		return b
	})
}

// vectaraCorpora serves GET /v2/corpora (listCorpora), paged as users are;
// filter is a regular expression on the name or description, corpus_id
// keeps the corpora with those ids.
func (s *Server) vectaraCorpora(w *statusWriter, c *call) {
	re, ok := s.vectaraRegexp(w, c)
	if !ok {
		return
	}
	ids := c.r.URL.Query()["corpus_id"]
	corpora := s.tenant.VectaraCorpora
	v := allOf(len(corpora))
	if re != nil || len(ids) > 0 {
		idx := []int{}
		for i, cp := range corpora {
			if (re == nil || re.MatchString(cp.Name) || re.MatchString(cp.Description)) && (len(ids) == 0 || slices.Contains(ids, cp.ID)) {
				idx = append(idx, i)
			}
		}
		v = listOf(idx)
	}
	s.vectaraPage(w, c, "corpora", v, c.r.URL.Query().Get("filter")+"|"+strings.Join(ids, ","), 300, func(b []byte, i int) []byte {
		cp := &corpora[i]
		b = append(b, `{"id":`...)
		b = appendStr(b, cp.ID)
		b = append(b, `,"key":`...)
		b = appendStr(b, cp.Key)
		b = append(b, `,"name":`...)
		b = appendStr(b, cp.Name)
		if cp.Description != "" {
			b = append(b, `,"description":`...)
			b = appendStr(b, cp.Description)
		}
		b = append(b, `,"enabled":`...)
		b = appendBool(b, cp.Enabled)
		b = append(b, `,"encoder_name":"boomerang-2023-q3","limits":{"used_docs":8,"used_parts":3748},"created_at":`...)
		b = appendStr(b, cp.Created.Format("2006-01-02T15:04:05.000Z"))
		return append(b, '}')
	})
}

// vectaraAgentList serves GET /v2/agents (listAgents), paged as users
// are; filter is a regular expression on the name or description, enabled
// keeps the agents of that status. Each agent carries the tool
// configurations, model and first step the client ignores.
func (s *Server) vectaraAgentList(w *statusWriter, c *call) {
	re, ok := s.vectaraRegexp(w, c)
	if !ok {
		return
	}
	enabled := c.r.URL.Query().Get("enabled")
	agents := s.tenant.VectaraAgents
	v := allOf(len(agents))
	if re != nil || enabled != "" {
		idx := []int{}
		for i, a := range agents {
			if (re == nil || re.MatchString(a.Name) || re.MatchString(a.Description)) && (enabled == "" || strconv.FormatBool(a.Enabled) == enabled) {
				idx = append(idx, i)
			}
		}
		v = listOf(idx)
	}
	s.vectaraPage(w, c, "agents", v, c.r.URL.Query().Get("filter")+"|"+enabled, 400, func(b []byte, i int) []byte {
		a := &agents[i]
		b = append(b, `{"key":`...)
		b = appendStr(b, a.Key)
		b = append(b, `,"name":`...)
		b = appendStr(b, a.Name)
		if a.Description != "" {
			b = append(b, `,"description":`...)
			b = appendStr(b, a.Description)
		}
		b = append(b, `,"tool_configurations":{"docs_search":{"type":"corpora_search"}},"model":{"name":"gpt-4o"},`...)
		b = append(b, `"first_step":{"type":"conversational","instructions":[]},"metadata":{"owner":"support-team"},"enabled":`...)
		b = appendBool(b, a.Enabled)
		b = append(b, `,"created_at":`...)
		b = appendStr(b, a.Created.Format("2006-01-02T15:04:05.000Z"))
		b = append(b, `,"updated_at":`...)
		b = appendStr(b, a.Created.Add(48*time.Hour).Format("2006-01-02T15:04:05.000Z"))
		return append(b, '}')
	})
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
