package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// The module whose drivers, generated clients and report the gate reads.
const (
	modulePath = "github.com/rolecall/rolecall"
	genPrefix  = modulePath + "/gen/"
	facadePkg  = modulePath + "/facade"
)

// Usage is what rolecall's code uses of each generated client, derived from
// the code itself (never a hand-kept list): the operations the drivers call,
// the response properties they read, the fields they switch on, the
// parameters they set and the response headers they read, and where each
// property ends up in the facade's Assignment and the report's columns.
type Usage struct {
	// Providers maps a provider (the gen/<provider> directory) to its use.
	Providers map[string]*ProviderUsage `json:"providers"`
	// Headers are the response headers the drivers read, canonicalized.
	Headers []string `json:"headers"`
	// Columns maps a facade.Assignment field to the report columns it feeds.
	Columns map[string][]string `json:"columns"`
}

// ProviderUsage is the use of one generated client.
type ProviderUsage struct {
	Package string `json:"package"` // import path of the generated package
	Spec    string `json:"spec"`    // the spec it is generated from, relative to the repository
	// Operations maps each client method the drivers call (oapi-codegen's
	// Go name of an operationId) to what they use of it.
	Operations map[string]*OperationUsage `json:"operations"`
}

// OperationUsage is the use of one called operation.
type OperationUsage struct {
	Method string `json:"method"` // the generated client method
	// Properties maps a response property path (oasdiff's form:
	// "users/items/email") the drivers read to its use.
	Properties map[string]*PropertyUse `json:"properties"`
	// ErrorProperties maps another status ("429", "default") to the
	// properties of its body the drivers read (error messages, retry hints).
	ErrorProperties map[string]map[string]*PropertyUse `json:"error_properties,omitempty"`
	// Parameters are the query/header parameters the drivers set.
	Parameters []string `json:"parameters"`
}

// PropertyUse is how the drivers use one response property.
type PropertyUse struct {
	GoField  string   `json:"go_field"`          // Type.Field in the generated package
	Switched bool     `json:"switched"`          // compared with the generated enum constants
	Facade   []string `json:"facade,omitempty"`  // facade.Assignment fields it feeds
	Columns  []string `json:"columns,omitempty"` // report columns it feeds
	At       []string `json:"at"`                // where the drivers use it (file:line)
}

// loadUsage derives the Usage of the repository at root from its code: the
// packages under facade/ (the drivers and their shared kit) and the report
// package.
func loadUsage(root string) (*Usage, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	reportDir := "./report"
	if _, err := os.Stat(filepath.Join(root, "report")); err != nil {
		reportDir = "./internal/report"
	}
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedImports | packages.NeedDeps,
		Dir: root,
	}
	pkgs, err := packages.Load(cfg, "./facade/...", "./internal/...", reportDir)
	if err != nil {
		return nil, fmt.Errorf("load rolecall's packages: %w", err)
	}
	var errs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
	})
	if len(errs) > 0 {
		return nil, fmt.Errorf("load rolecall's packages: %s", strings.Join(errs, "; "))
	}
	u := &Usage{Providers: map[string]*ProviderUsage{}, Columns: map[string][]string{}}
	headers := map[string]bool{}
	fset := pkgs[0].Fset
	type fieldUse struct {
		switched bool
		facade   map[string]bool
		at       []string
	}
	uses := map[*types.Var]*fieldUse{}
	paramsSet := map[*types.Named]map[string]bool{} // params struct -> wire names set
	// Top-level body properties a driver reads by name through
	// internal/jsonstream (a page's "users" array, "total", "has_more"),
	// per provider: name -> positions.
	byName := map[string]map[string][]string{}
	use := func(v *types.Var) *fieldUse {
		if uses[v] == nil {
			uses[v] = &fieldUse{facade: map[string]bool{}}
		}
		return uses[v]
	}
	var reportPkgs []*packages.Package
	for _, p := range pkgs {
		if p.PkgPath == modulePath+"/report" || p.PkgPath == modulePath+"/internal/report" {
			reportPkgs = append(reportPkgs, p)
			continue
		}
		for _, gp := range p.Imports {
			if strings.HasPrefix(gp.PkgPath, genPrefix) {
				if err := u.addProvider(root, gp); err != nil {
					return nil, err
				}
			}
		}
		info := p.TypesInfo
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if v := genField(info, n); v != nil {
						fu := use(v)
						fu.at = append(fu.at, position(root, fset, n.Pos()))
					}
					if s := info.Selections[n]; s != nil && s.Kind() == types.FieldVal && isParamsField(s.Recv()) {
						noteParam(paramsSet, namedOf(s.Recv()), s.Obj())
					}
				case *ast.CompositeLit:
					if tv, ok := info.Types[n]; ok && isParamsField(tv.Type) {
						for _, e := range n.Elts {
							if kv, ok := e.(*ast.KeyValueExpr); ok {
								if id, ok := kv.Key.(*ast.Ident); ok {
									noteParam(paramsSet, namedOf(tv.Type), info.Uses[id])
								}
							}
						}
					}
				case *ast.CallExpr:
					u.noteCall(info, n, headers)
					for _, provider := range providersOf(p) {
						for _, name := range streamKeys(info, n) {
							if byName[provider] == nil {
								byName[provider] = map[string][]string{}
							}
							byName[provider][name] = append(byName[provider][name], position(root, fset, n.Pos()))
						}
					}
				case *ast.SwitchStmt:
					if n.Tag != nil {
						for _, v := range genFieldsIn(info, n.Tag) {
							use(v).switched = true
						}
					}
				case *ast.BinaryExpr:
					if (n.Op == token.EQL || n.Op == token.NEQ) && (isGenConst(info, n.X) || isGenConst(info, n.Y)) {
						for _, v := range append(genFieldsIn(info, n.X), genFieldsIn(info, n.Y)...) {
							use(v).switched = true
						}
					}
				}
				return true
			})
		}
		for dst, srcs := range flows(p, isGenField, isAssignmentField) {
			for _, src := range srcs {
				use(src).facade[dst.Name()] = true
			}
		}
	}
	for _, p := range reportPkgs {
		for dst, srcs := range flows(p, isAssignmentField, isColumnField) {
			col := jsonName(dst)
			for _, src := range srcs {
				if !slices.Contains(u.Columns[src.Name()], col) {
					u.Columns[src.Name()] = append(u.Columns[src.Name()], col)
				}
			}
		}
	}
	for _, cols := range u.Columns {
		sort.Strings(cols)
	}
	for h := range headers {
		u.Headers = append(u.Headers, h)
	}
	sort.Strings(u.Headers)

	// Attach the field uses to the response properties of the operations
	// they come from, by walking each operation's 200 body type.
	for provider, pu := range u.Providers {
		gen := findPackage(pkgs, pu.Package)
		for _, op := range pu.Operations {
			if params := gen.Types.Scope().Lookup(op.Method + "Params"); params != nil {
				for name := range paramsSet[namedOf(params.Type())] {
					op.Parameters = append(op.Parameters, name)
				}
				sort.Strings(op.Parameters)
			}
			bodies := responseBodies(gen.Types, op.Method)
			if body, ok := bodies["200"]; ok {
				walkProperties(body, "", nil, func(path, owner string, v *types.Var) {
					if at, ok := byName[provider][path]; ok && !strings.Contains(path, "/") {
						op.Properties[path] = &PropertyUse{GoField: owner + "." + v.Name(), At: dedupe(at)}
					}
				})
			}
			for status, body := range bodies {
				walkProperties(body, "", nil, func(path string, owner string, v *types.Var) {
					fu := uses[v]
					if fu == nil {
						return
					}
					pu := &PropertyUse{GoField: owner + "." + v.Name(), Switched: fu.switched, At: dedupe(fu.at)}
					for f := range fu.facade {
						pu.Facade = append(pu.Facade, f)
						for _, c := range u.Columns[f] {
							if !slices.Contains(pu.Columns, c) {
								pu.Columns = append(pu.Columns, c)
							}
						}
					}
					sort.Strings(pu.Facade)
					sort.Strings(pu.Columns)
					if status == "200" {
						op.Properties[path] = pu
						return
					}
					if op.ErrorProperties[status] == nil {
						op.ErrorProperties[status] = map[string]*PropertyUse{}
					}
					op.ErrorProperties[status][path] = pu
				})
			}
		}
	}
	return u, nil
}

// addProvider records a generated package the drivers import, and the spec
// its go:generate line names.
func (u *Usage) addProvider(root string, gp *packages.Package) error {
	provider := strings.TrimPrefix(gp.PkgPath, genPrefix)
	if u.Providers[provider] != nil {
		return nil
	}
	gen, err := readGenerate(root, provider)
	if err != nil {
		return err
	}
	u.Providers[provider] = &ProviderUsage{Package: gp.PkgPath, Spec: gen.Spec, Operations: map[string]*OperationUsage{}}
	return nil
}

// noteCall records a call of a generated client method (an operation), the
// parameters a call's params struct sets, and response headers read with a
// constant name.
func (u *Usage) noteCall(info *types.Info, call *ast.CallExpr, headers map[string]bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	s := info.Selections[sel]
	if s == nil || s.Kind() != types.MethodVal {
		return
	}
	recv := namedOf(s.Recv())
	if recv == nil {
		return
	}
	switch {
	case recv.Obj().Pkg() != nil && recv.Obj().Pkg().Path() == "net/http" && recv.Obj().Name() == "Header":
		if (sel.Sel.Name == "Get" || sel.Sel.Name == "Values") && len(call.Args) == 1 {
			if tv, ok := info.Types[call.Args[0]]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
				headers[canonicalHeader(constant.StringVal(tv.Value))] = true
			}
		}
	case recv.Obj().Pkg() != nil && strings.HasPrefix(recv.Obj().Pkg().Path(), genPrefix) && strings.HasPrefix(recv.Obj().Name(), "Client"):
		provider := strings.TrimPrefix(recv.Obj().Pkg().Path(), genPrefix)
		pu := u.Providers[provider]
		if pu == nil {
			return
		}
		method := sel.Sel.Name
		for _, suffix := range []string{"WithResponse", "WithBody"} {
			method = strings.TrimSuffix(method, suffix)
		}
		if pu.Operations[method] == nil {
			pu.Operations[method] = &OperationUsage{Method: method, Properties: map[string]*PropertyUse{}, ErrorProperties: map[string]map[string]*PropertyUse{}}
		}
	}
}

// goName is the Go name oapi-codegen gives an operationId.
func goName(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			upper = true
			continue
		}
		if upper {
			r = []rune(strings.ToUpper(string(r)))[0]
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// providersOf lists, sorted, the generated packages (gen/<provider>) a
// driver package imports: one, or more when a provider's operations span
// two specs (facade/cortex: gen/cortex and gen/cortexadmin). A property a
// driver reads by name counts for each.
func providersOf(p *packages.Package) []string {
	var out []string
	for path := range p.Imports {
		if strings.HasPrefix(path, genPrefix) {
			out = append(out, strings.TrimPrefix(path, genPrefix))
		}
	}
	sort.Strings(out)
	return out
}

// streamKeys lists the property names a call of internal/jsonstream names:
// constant string arguments and constant keys of map literals.
func streamKeys(info *types.Info, call *ast.CallExpr) []string {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		id = f.Sel
	case *ast.Ident:
		id = f
	default:
		return nil
	}
	fn, ok := info.Uses[id].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != modulePath+"/internal/jsonstream" {
		return nil
	}
	var out []string
	str := func(e ast.Expr) {
		if tv, ok := info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
			out = append(out, constant.StringVal(tv.Value))
		}
	}
	for _, a := range call.Args {
		str(a)
		if lit, ok := a.(*ast.CompositeLit); ok {
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					str(kv.Key)
				}
			}
		}
	}
	return out
}

// noteParam records that the drivers set field obj of params.
func noteParam(set map[*types.Named]map[string]bool, params *types.Named, obj types.Object) {
	if params == nil || obj == nil {
		return
	}
	st, ok := params.Underlying().(*types.Struct)
	if !ok {
		return
	}
	for i := range st.NumFields() {
		if st.Field(i) == obj {
			if set[params] == nil {
				set[params] = map[string]bool{}
			}
			set[params][paramName(st, i)] = true
		}
	}
}

// paramName is the wire name of a params struct field (its form or json tag).
func paramName(st *types.Struct, i int) string {
	tag := reflect.StructTag(st.Tag(i))
	for _, k := range []string{"form", "json"} {
		if v, ok := tag.Lookup(k); ok {
			if name, _, _ := strings.Cut(v, ","); name != "" && name != "-" {
				return name
			}
		}
	}
	return st.Field(i).Name()
}

// responseBodies maps each status of the client method's parsed response
// (oapi-codegen's <Method>Response, or <Method><suffix> with
// response-type-suffix) to the type of its JSON body: JSON200 is "200",
// JSONDefault "default".
func responseBodies(pkg *types.Package, method string) map[string]types.Type {
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		suffix, ok := strings.CutPrefix(name, method)
		if !ok || !responseSuffix.MatchString(suffix) {
			continue
		}
		st, ok := scope.Lookup(name).Type().Underlying().(*types.Struct)
		if !ok {
			continue
		}
		bodies := map[string]types.Type{}
		hasHTTP := false
		for i := range st.NumFields() {
			f := st.Field(i)
			if f.Name() == "HTTPResponse" {
				hasHTTP = true
			} else if status, ok := strings.CutPrefix(f.Name(), "JSON"); ok {
				bodies[strings.ToLower(status)] = f.Type()
			}
		}
		if hasHTTP {
			return bodies
		}
	}
	return nil
}

var responseSuffix = regexp.MustCompile(`^[A-Z][a-z]+$`)

// walkProperties calls fn for every struct field reachable from t with its
// JSON property path in oasdiff's form (array elements are "items").
func walkProperties(t types.Type, path string, seen []*types.Named, fn func(path, owner string, v *types.Var)) {
	owner := ""
	if n, ok := t.(*types.Named); ok {
		if slices.Contains(seen, n) {
			return
		}
		seen = append(seen, n)
		owner = n.Obj().Name()
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		walkProperties(u.Elem(), path, seen, fn)
	case *types.Slice:
		walkProperties(u.Elem(), join(path, "items"), seen, fn)
	case *types.Array:
		walkProperties(u.Elem(), join(path, "items"), seen, fn)
	case *types.Struct:
		for i := range u.NumFields() {
			f := u.Field(i)
			if f.Embedded() {
				walkProperties(f.Type(), path, seen, fn)
				continue
			}
			name := jsonTag(u.Tag(i))
			if name == "" {
				continue
			}
			p := join(path, name)
			fn(p, owner, f)
			walkProperties(f.Type(), p, seen, fn)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}

func jsonTag(tag string) string {
	v, ok := reflect.StructTag(tag).Lookup("json")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(v, ",")
	if name == "-" {
		return ""
	}
	return name
}

// jsonName is a report struct field's column: its json tag, or its name.
func jsonName(v *types.Var) string {
	if st, i := owningStruct(v); st != nil {
		if name := jsonTag(st.Tag(i)); name != "" {
			return name
		}
	}
	return v.Name()
}

// owningStruct finds the struct type declaring field v (report rows are
// named types of the report package).
func owningStruct(v *types.Var) (*types.Struct, int) {
	if v.Pkg() == nil {
		return nil, 0
	}
	scope := v.Pkg().Scope()
	for _, name := range scope.Names() {
		st, ok := scope.Lookup(name).Type().Underlying().(*types.Struct)
		if !ok {
			continue
		}
		for i := range st.NumFields() {
			if st.Field(i) == v {
				return st, i
			}
		}
	}
	return nil, 0
}

func isGenField(v *types.Var) bool {
	return v.IsField() && v.Pkg() != nil && strings.HasPrefix(v.Pkg().Path(), genPrefix)
}

func isAssignmentField(v *types.Var) bool {
	return v.IsField() && v.Pkg() != nil && v.Pkg().Path() == facadePkg && v.Name() != "Record" && fieldOf(v, "Assignment")
}

func isColumnField(v *types.Var) bool {
	if !v.IsField() || v.Pkg() == nil || !strings.HasSuffix(v.Pkg().Path(), "report") {
		return false
	}
	st, i := owningStruct(v)
	return st != nil && jsonTag(st.Tag(i)) != ""
}

// fieldOf reports whether v is a field of the named struct type.
func fieldOf(v *types.Var, typeName string) bool {
	obj := v.Pkg().Scope().Lookup(typeName)
	if obj == nil {
		return false
	}
	st, ok := obj.Type().Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := range st.NumFields() {
		if st.Field(i) == v {
			return true
		}
	}
	return false
}

// genField is the generated struct field sel selects, if any.
func genField(info *types.Info, sel *ast.SelectorExpr) *types.Var {
	s := info.Selections[sel]
	if s == nil || s.Kind() != types.FieldVal {
		return nil
	}
	v, _ := s.Obj().(*types.Var)
	if v == nil || !isGenField(v) || isParamsField(s.Recv()) {
		return nil
	}
	return v
}

// isParamsField reports whether recv is a generated request params struct.
func isParamsField(recv types.Type) bool {
	n := namedOf(recv)
	return n != nil && strings.HasSuffix(n.Obj().Name(), "Params")
}

func genFieldsIn(info *types.Info, e ast.Expr) []*types.Var {
	var out []*types.Var
	ast.Inspect(e, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if v := genField(info, sel); v != nil {
				out = append(out, v)
			}
		}
		return true
	})
	return out
}

// isGenConst reports whether e is a constant declared in a generated package
// (an enum value).
func isGenConst(info *types.Info, e ast.Expr) bool {
	var id *ast.Ident
	switch e := e.(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return false
	}
	c, ok := info.Uses[id].(*types.Const)
	return ok && c.Pkg() != nil && strings.HasPrefix(c.Pkg().Path(), genPrefix)
}

func namedOf(t types.Type) *types.Named {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, _ := types.Unalias(t).(*types.Named)
	return n
}

func findPackage(pkgs []*packages.Package, path string) *packages.Package {
	var found *packages.Package
	packages.Visit(pkgs, func(p *packages.Package) bool { return found == nil }, func(p *packages.Package) {
		if p.PkgPath == path {
			found = p
		}
	})
	return found
}

func position(root string, fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	rel, err := filepath.Rel(root, p.Filename)
	if err != nil {
		rel = p.Filename
	}
	return fmt.Sprintf("%s:%d", filepath.ToSlash(rel), p.Line)
}

func dedupe(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}

func canonicalHeader(h string) string {
	return strings.ToLower(h)
}

// generate is what a gen/<provider>/generate.go declares.
type generate struct {
	Spec string   // the spec, relative to the repository root
	Args []string // oapi-codegen's arguments
}

var generateLine = regexp.MustCompile(`(?m)^//go:generate go run github\.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen (.*)$`)

// readGenerate reads gen/<provider>/generate.go's go:generate line: the
// spec it names and the generator's arguments.
func readGenerate(root, provider string) (*generate, error) {
	data, err := os.ReadFile(filepath.Join(root, "gen", provider, "generate.go"))
	if err != nil {
		return nil, err
	}
	m := generateLine.FindSubmatch(data)
	if m == nil {
		return nil, fmt.Errorf("gen/%s/generate.go: no oapi-codegen go:generate line", provider)
	}
	args := strings.Fields(string(m[1]))
	spec := filepath.ToSlash(filepath.Clean(filepath.Join("gen", provider, args[len(args)-1])))
	return &generate{Spec: spec, Args: args}, nil
}
