package drift

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Operation is one operation of a spec, as Find and Match return it.
type Operation struct {
	// ID is the operationId, e.g. "list-users".
	ID string
	// Method is the HTTP method in upper case.
	Method string
	// Path is the spec's path template, e.g.
	// "/organization/users/{user_id}/roles".
	Path string
	// BasePath is the path of the document's first server URL, e.g. "/v1"
	// for OpenAI and "" for the others: the real request path is BasePath
	// followed by Path.
	BasePath string
	// Item and Operation are the spec's objects.
	Item      *openapi3.PathItem
	Operation *openapi3.Operation
}

// String returns the operationId, or "METHOD path" when there is none.
func (o *Operation) String() string {
	if o.ID != "" {
		return o.ID
	}
	return o.Method + " " + o.Path
}

// Operations lists doc's operations, sorted by path and method.
func Operations(doc *openapi3.T) []*Operation {
	base := BasePath(doc)
	var out []*Operation
	if doc == nil || doc.Paths == nil {
		return nil
	}
	for p, item := range doc.Paths.Map() {
		for m, op := range item.Operations() {
			out = append(out, &Operation{ID: op.OperationID, Method: strings.ToUpper(m), Path: p, BasePath: base, Item: item, Operation: op})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// BasePath returns the path part of doc's first server URL without a
// trailing slash ("/v1" for "https://api.openai.com/v1"), or "".
// Server variables in the host (https://{tenant}.logto.app) are allowed.
func BasePath(doc *openapi3.T) string {
	if doc == nil || len(doc.Servers) == 0 || doc.Servers[0] == nil {
		return ""
	}
	s := doc.Servers[0].URL
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if j := strings.Index(s, "/"); j >= 0 {
			s = s[j:]
		} else {
			s = ""
		}
	}
	return strings.TrimSuffix(s, "/")
}

// Find looks an operation up by its operationId ("list-users") or by a
// route: "GET /organization/users/{user_id}/roles" (the spec's template)
// or "GET /v1/organization/users/user-abc/roles" (a request path, with or
// without the server's base path).
func Find(doc *openapi3.T, op string) (*Operation, error) {
	ops := Operations(doc)
	for _, o := range ops {
		if o.ID != "" && o.ID == op {
			return o, nil
		}
	}
	if method, p, ok := strings.Cut(strings.TrimSpace(op), " "); ok {
		method = strings.ToUpper(method)
		p = strings.TrimSpace(p)
		for _, o := range ops {
			if o.Method == method && o.Path == p {
				return o, nil
			}
		}
		if o, _, err := Match(doc, method, p); err == nil {
			return o, nil
		}
	}
	return nil, fmt.Errorf("drift: no operation %q in %q", op, title(doc))
}

// Match finds the operation that serves a request for method and urlPath
// (with or without the server's base path, e.g. "/v1/organization/users"
// or "/organization/users") and returns it with the path parameters'
// values by name, unescaped. Literal path segments win over parameters.
func Match(doc *openapi3.T, method, urlPath string) (*Operation, map[string]string, error) {
	method = strings.ToUpper(method)
	base := BasePath(doc)
	candidates := []string{urlPath}
	if rest, ok := strings.CutPrefix(urlPath, base); ok && base != "" && (rest == "" || rest[0] == '/') {
		candidates = []string{rest, urlPath}
	}
	var best *Operation
	var bestParams map[string]string
	bestLiterals := -1
	for _, cand := range candidates {
		segs := strings.Split(strings.Trim(cand, "/"), "/")
		for _, o := range Operations(doc) {
			if o.Method != method {
				continue
			}
			params, literals, ok := matchTemplate(o.Path, segs)
			if ok && literals > bestLiterals {
				best, bestParams, bestLiterals = o, params, literals
			}
		}
		if best != nil {
			return best, bestParams, nil
		}
	}
	return nil, nil, fmt.Errorf("drift: no operation for %s %s in %q", method, urlPath, title(doc))
}

func matchTemplate(template string, segs []string) (map[string]string, int, bool) {
	tsegs := strings.Split(strings.Trim(template, "/"), "/")
	if len(tsegs) != len(segs) {
		return nil, 0, false
	}
	params := map[string]string{}
	literals := 0
	for i, t := range tsegs {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return nil, 0, false
			}
			v, err := url.PathUnescape(segs[i])
			if err != nil {
				v = segs[i]
			}
			params[t[1:len(t)-1]] = v
			continue
		}
		if t != segs[i] {
			return nil, 0, false
		}
		literals++
	}
	return params, literals, true
}

// Response returns the response o declares for status: the exact code, then
// its range ("4XX"), then "default"; nil when none is declared.
func (o *Operation) Response(status int) *openapi3.Response {
	if o == nil || o.Operation == nil || o.Operation.Responses == nil {
		return nil
	}
	rs := o.Operation.Responses
	ref := rs.Status(status)
	if ref == nil {
		ref = rs.Value(fmt.Sprintf("%dXX", status/100))
	}
	if ref == nil {
		ref = rs.Default()
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

// Statuses lists the status codes o declares (numeric ones only), in order.
func (o *Operation) Statuses() []int {
	var out []int
	if o == nil || o.Operation == nil || o.Operation.Responses == nil {
		return nil
	}
	for k := range o.Operation.Responses.Map() {
		var n int
		if _, err := fmt.Sscanf(k, "%d", &n); err == nil && len(k) == 3 {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

func title(doc *openapi3.T) string {
	if doc == nil || doc.Info == nil {
		return "spec"
	}
	return doc.Info.Title
}
