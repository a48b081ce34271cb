package specs

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Document is a loaded spec with its operations and a router that finds the
// operation serving a request, whatever host it was sent to. Drift checks,
// the fixture recorder, the fake provider server and the contract tests all
// look operations up through it, on kin-openapi's gorillamux router.
type Document struct {
	// Doc is the validated OpenAPI document. Treat it as read-only.
	Doc *openapi3.T
	// BasePath is the path of the document's first server URL, without a
	// trailing slash: "/v1" for OpenAI ("https://api.openai.com/v1"), ""
	// for the others. A request's path is BasePath followed by a path
	// template of the spec.
	BasePath string

	router routers.Router
	ops    []*Operation
}

// Open loads provider's spec (see Load) and builds its Document.
func Open(ctx context.Context, provider string) (*Document, error) {
	doc, err := Load(ctx, provider)
	if err != nil {
		return nil, err
	}
	return NewDocument(doc)
}

// NewDocument builds the Document of a validated spec. The router matches
// paths only: it ignores the servers' hosts and schemes, so that requests
// to a test server or a recorded fixture route as those to the provider do.
func NewDocument(doc *openapi3.T) (*Document, error) {
	d := &Document{Doc: doc, BasePath: BasePath(doc)}
	// The router works on a copy whose only server is the base path (a
	// relative URL: any host, any scheme) and whose path items declare
	// none of their own; doc itself is left as it is.
	rdoc := *doc
	rdoc.Servers = openapi3.Servers{{URL: d.BasePath + "/"}}
	rdoc.Paths = openapi3.NewPaths()
	for p, item := range doc.Paths.Map() {
		it := *item
		it.Servers = nil
		rdoc.Paths.Set(p, &it)
	}
	r, err := gorillamux.NewRouter(&rdoc)
	if err != nil {
		return nil, fmt.Errorf("specs: router for %q: %w", title(doc), err)
	}
	d.router = r
	for p, item := range rdoc.Paths.Map() {
		for m, op := range item.Operations() {
			d.ops = append(d.ops, &Operation{ID: op.OperationID, Method: strings.ToUpper(m), Path: p, BasePath: d.BasePath,
				Doc: &rdoc, Item: item, Operation: op})
		}
	}
	sort.Slice(d.ops, func(i, j int) bool {
		if d.ops[i].Path != d.ops[j].Path {
			return d.ops[i].Path < d.ops[j].Path
		}
		return d.ops[i].Method < d.ops[j].Method
	})
	return d, nil
}

// Operation is one operation of a spec.
type Operation struct {
	// ID is the operationId, e.g. "list-users".
	ID string
	// Method is the HTTP method in upper case.
	Method string
	// Path is the spec's path template, e.g.
	// "/organization/users/{user_id}/roles".
	Path string
	// BasePath is the Document's: the real request path is BasePath
	// followed by Path.
	BasePath string
	// Doc, Item and Operation are the spec's objects.
	Doc       *openapi3.T
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

// Route returns o as kin-openapi's route, for openapi3filter.
func (o *Operation) Route() *routers.Route {
	return &routers.Route{Spec: o.Doc, Path: o.Path, PathItem: o.Item, Method: o.Method, Operation: o.Operation}
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
	if o == nil || o.Operation == nil || o.Operation.Responses == nil {
		return nil
	}
	var out []int
	for k := range o.Operation.Responses.Map() {
		var n int
		if _, err := fmt.Sscanf(k, "%d", &n); err == nil && len(k) == 3 {
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out
}

// Operations lists d's operations, sorted by path and method.
func (d *Document) Operations() []*Operation { return d.ops }

// Find looks an operation up by its operationId ("list-users") or by a
// route: "GET /organization/users/{user_id}/roles" (the spec's template)
// or "GET /v1/organization/users/user-abc/roles" (a request path, with or
// without the base path).
func (d *Document) Find(op string) (*Operation, error) {
	for _, o := range d.ops {
		if o.ID != "" && o.ID == op {
			return o, nil
		}
	}
	if method, p, ok := strings.Cut(strings.TrimSpace(op), " "); ok {
		method = strings.ToUpper(method)
		p = strings.TrimSpace(p)
		for _, o := range d.ops {
			if o.Method == method && o.Path == p {
				return o, nil
			}
		}
		if o, _, err := d.Match(method, p); err == nil {
			return o, nil
		}
	}
	return nil, fmt.Errorf("specs: no operation %q in %q", op, title(d.Doc))
}

// Match finds the operation that serves a request for method and urlPath
// (escaped as on the wire, with or without the base path: for OpenAI
// "/v1/organization/users" or "/organization/users") and returns it with
// the path parameters' values by name, unescaped. Literal path segments
// win over parameters.
func (d *Document) Match(method, urlPath string) (*Operation, map[string]string, error) {
	method = strings.ToUpper(method)
	candidates := []string{urlPath}
	if rest, ok := strings.CutPrefix(urlPath, d.BasePath); !ok || d.BasePath == "" || (rest != "" && rest[0] != '/') {
		candidates = []string{d.BasePath + urlPath, urlPath} // without the base path: try it with
	}
	for _, p := range candidates {
		route, params, err := d.route(method, p)
		if err != nil {
			continue
		}
		for _, o := range d.ops {
			if o.Method == method && o.Path == route.Path {
				return o, params, nil
			}
		}
	}
	return nil, nil, fmt.Errorf("specs: no operation for %s %s in %q", method, urlPath, title(d.Doc))
}

// FindRoute finds the route of req by its method and path (host and scheme
// ignored), for kin-openapi's request and response validation
// (openapi3filter). The path parameters' values are unescaped.
func (d *Document) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	route, params, err := d.route(req.Method, req.URL.EscapedPath())
	if err != nil {
		return nil, nil, fmt.Errorf("specs: no operation for %s %s in %q: %w", req.Method, req.URL.Path, title(d.Doc), err)
	}
	return route, params, nil
}

func (d *Document) route(method, escapedPath string) (*routers.Route, map[string]string, error) {
	u, err := url.Parse("http://route.invalid" + escapedPath)
	if err != nil {
		return nil, nil, err
	}
	route, params, err := d.router.FindRoute(&http.Request{Method: method, URL: u, Host: u.Host})
	if err != nil {
		return nil, nil, err
	}
	for k, v := range params {
		if uv, err := url.PathUnescape(v); err == nil {
			params[k] = uv
		}
	}
	return route, params, nil
}

// BasePath returns the path part of doc's first server URL without a
// trailing slash ("/v1" for "https://api.openai.com/v1"), or "". Server
// variables in the host (https://{tenant}.logto.app) are allowed.
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

func title(doc *openapi3.T) string {
	if doc == nil || doc.Info == nil {
		return "spec"
	}
	return doc.Info.Title
}
