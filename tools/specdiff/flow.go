package main

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/packages"
)

// set is what an expression, variable or field may carry: source fields,
// and (while summarizing functions) the parameters of the function being
// summarized, which stand for whatever a call passes in.
type set map[*types.Var]bool

// flows finds, within package p, which source fields (isSrc) flow into
// which destination fields (isDst): a destination field assigned, or set in
// a composite literal, from an expression that reads a source field
// directly, through local variables, through the results of the package's
// own functions (per call: "FormatTime(a.Created)" carries Created only),
// through their parameters, or through a condition deciding the
// assignment. It is a small, conservative data-flow over one package,
// enough for mapping code such as "a.RoleName = firstNonEmpty(r.Name,
// r.Role)" or "name := u.Name; a.Name = name".
func flows(p *packages.Package, isSrc, isDst func(*types.Var) bool) map[*types.Var][]*types.Var {
	// First, what each of the package's functions returns, in terms of
	// source fields and its own parameters; then the flows, with calls
	// resolved through those summaries.
	summary := &flow{p: p, isSrc: isSrc, isDst: isDst, summarizing: true}
	summary.run()
	f := &flow{p: p, isSrc: isSrc, isDst: isDst, results: summary.results}
	f.run()
	out := map[*types.Var][]*types.Var{}
	for d, srcs := range f.dst {
		for s := range srcs {
			if s.IsField() {
				out[d] = append(out[d], s)
			}
		}
	}
	return out
}

// flow is one fixed-point pass of flows.
type flow struct {
	p            *packages.Package
	isSrc, isDst func(*types.Var) bool
	// summarizing: parameters carry themselves, not their callers'
	// arguments, and results are recorded per function.
	summarizing bool
	vars        map[types.Object]set // what each variable may carry
	dst         map[*types.Var]set   // what flowed into each destination field
	results     map[*types.Func]set  // what each function returns (from the summary pass)
	funcLits    map[types.Object]*ast.FuncLit
	params      map[*types.Var]bool // the parameters of the package's functions
	changed     bool
}

func (f *flow) info() *types.Info { return f.p.TypesInfo }

// addTo merges srcs into m[key].
func addTo[K comparable](m map[K]set, key K, srcs set) bool {
	if len(srcs) == 0 {
		return false
	}
	if m[key] == nil {
		m[key] = set{}
	}
	grew := false
	for s := range srcs {
		if !m[key][s] {
			m[key][s] = true
			grew = true
		}
	}
	return grew
}

func (f *flow) add(obj types.Object, srcs set) {
	if obj != nil && addTo(f.vars, obj, srcs) {
		f.changed = true
	}
}

func (f *flow) addDst(v *types.Var, srcs set) {
	if addTo(f.dst, v, srcs) {
		f.changed = true
	}
}

// collect is what expression e may carry.
func (f *flow) collect(e ast.Expr) set {
	info := f.info()
	out := set{}
	if e == nil {
		return out
	}
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if s := info.Selections[n]; s != nil && s.Kind() == types.FieldVal {
				v, _ := s.Obj().(*types.Var)
				switch {
				case v != nil && f.isSrc(v):
					// The field itself, not all its operand carries.
					out[v] = true
					return false
				case v != nil && f.isDst(v):
					// A destination field read back ("a.RoleName =
					// a.RoleID") carries what flowed into it.
					for s := range f.dst[v] {
						out[s] = true
					}
					return false
				}
			}
		case *ast.Ident:
			obj := info.Uses[n]
			if v, ok := obj.(*types.Var); ok && f.summarizing && f.params[v] {
				out[v] = true
			}
			for s := range f.vars[obj] {
				out[s] = true
			}
		case *ast.CallExpr:
			if fn := calledFunc(info, n); fn != nil {
				// Its results for these arguments: each parameter the
				// function returns stands for the argument passed.
				res := f.results[fn]
				if f.summarizing {
					res = f.vars[fn]
				}
				params := fn.Type().(*types.Signature).Params()
				for s := range res {
					if s.IsField() {
						out[s] = true
						continue
					}
					for i := range params.Len() {
						if params.At(i) == s && i < len(n.Args) {
							for a := range f.collect(n.Args[i]) {
								out[a] = true
							}
						}
					}
					if f.summarizing { // another function's parameter: keep
						out[s] = true
					}
				}
			}
		case *ast.FuncLit:
			return false
		}
		return true
	})
	return out
}

func (f *flow) run() {
	info := f.info()
	f.vars = map[types.Object]set{}
	f.dst = map[*types.Var]set{}
	if f.results == nil {
		f.results = map[*types.Func]set{}
	}
	// Function literals bound to a variable ("add := func(role string)
	// {...}"), so that a call of the variable passes its arguments in.
	f.funcLits = map[types.Object]*ast.FuncLit{}
	f.params = map[*types.Var]bool{}
	for _, file := range f.p.Syntax {
		ast.Inspect(file, func(n ast.Node) bool {
			if fd, ok := n.(*ast.FuncDecl); ok {
				for _, field := range fd.Type.Params.List {
					for _, name := range field.Names {
						if v, ok := info.Defs[name].(*types.Var); ok {
							f.params[v] = true
						}
					}
				}
			}
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
				for i, r := range as.Rhs {
					lit, ok := r.(*ast.FuncLit)
					id, ok2 := as.Lhs[i].(*ast.Ident)
					if ok && ok2 {
						obj := info.Defs[id]
						if obj == nil {
							obj = info.Uses[id]
						}
						f.funcLits[obj] = lit
					}
				}
			}
			return true
		})
	}
	// Iterate to a fixed point: each pass can only add.
	for f.changed = true; f.changed; {
		f.changed = false
		for _, file := range f.p.Syntax {
			var fn *types.Func
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					fn, _ = info.Defs[n.Name].(*types.Func)
				case *ast.FuncLit:
					// Its returns are its own, not the enclosing function's.
					f.inspectLit(n)
					return false
				case *ast.ReturnStmt:
					if fn != nil && f.summarizing {
						for _, r := range n.Results {
							f.add(fn, f.collect(r))
						}
					}
				default:
					f.statement(n)
				}
				return true
			})
		}
	}
	if f.summarizing {
		for obj, s := range f.vars {
			if fn, ok := obj.(*types.Func); ok {
				f.results[fn] = s
			}
		}
	}
}

// inspectLit handles a function literal's body (its returns go nowhere).
func (f *flow) inspectLit(lit *ast.FuncLit) {
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if l, ok := n.(*ast.FuncLit); ok {
			f.inspectLit(l)
			return false
		}
		if _, ok := n.(*ast.ReturnStmt); !ok {
			f.statement(n)
		}
		return true
	})
}

// statement records the flows of one node.
func (f *flow) statement(n ast.Node) {
	info := f.info()
	switch n := n.(type) {
	case *ast.AssignStmt:
		for i, l := range n.Lhs {
			var srcs set
			if len(n.Lhs) == len(n.Rhs) {
				srcs = f.collect(n.Rhs[i])
			} else {
				srcs = set{}
				for _, r := range n.Rhs {
					for s := range f.collect(r) {
						srcs[s] = true
					}
				}
			}
			f.assignTo(l, srcs)
		}
	case *ast.ValueSpec:
		for i, name := range n.Names {
			if i < len(n.Values) {
				f.add(info.Defs[name], f.collect(n.Values[i]))
			}
		}
	case *ast.RangeStmt:
		srcs := f.collect(n.X)
		if n.Key != nil {
			f.assignTo(n.Key, srcs)
		}
		if n.Value != nil {
			f.assignTo(n.Value, srcs)
		}
	case *ast.SwitchStmt:
		// What a switch decides flows into what its cases set.
		if n.Tag != nil {
			f.controlled(n.Body, f.collect(n.Tag))
		}
	case *ast.IfStmt:
		srcs := f.collect(n.Cond)
		f.controlled(n.Body, srcs)
		if n.Else != nil {
			f.controlled(n.Else, srcs)
		}
	case *ast.CompositeLit:
		for _, e := range n.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			id, ok := kv.Key.(*ast.Ident)
			if !ok {
				continue
			}
			if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() && f.isDst(v) {
				f.addDst(v, f.collect(kv.Value))
			}
		}
	case *ast.CallExpr:
		// A method called on a variable with arguments may keep them in
		// it ("b.WriteString(s.PrincipalType)"; "seen.Add(u.Email)").
		if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
			if s := info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
				if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok {
					if v, ok := info.Uses[id].(*types.Var); ok && !v.IsField() {
						for _, a := range n.Args {
							f.add(v, f.collect(a))
						}
					}
				}
			}
		}
		if f.summarizing {
			return
		}
		// Arguments flow into the parameters of the package's own
		// functions and of its function literals (what the callee sets
		// from them).
		var params []types.Object
		if fn := calledFunc(info, n); fn != nil {
			sig := fn.Type().(*types.Signature)
			for i := range sig.Params().Len() {
				params = append(params, sig.Params().At(i))
			}
		} else if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && f.funcLits[info.Uses[id]] != nil {
			for _, field := range f.funcLits[info.Uses[id]].Type.Params.List {
				for _, name := range field.Names {
					params = append(params, info.Defs[name])
				}
			}
		}
		for i, a := range n.Args {
			if i < len(params) {
				f.add(params[i], f.collect(a))
			}
		}
	}
}

// controlled records that srcs decide every destination field, and every
// variable, that body sets.
func (f *flow) controlled(body ast.Node, srcs set) {
	if len(srcs) == 0 {
		return
	}
	info := f.info()
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				switch l := ast.Unparen(l).(type) {
				case *ast.SelectorExpr:
					f.assignField(l, srcs)
				case *ast.Ident:
					// "if r.PredefinedRole { kind = facade.Builtin }"
					if n.Tok == token.ASSIGN {
						f.add(info.Uses[l], srcs)
					}
				}
			}
		}
		return true
	})
}

// assignTo records that srcs flow into the assignment target l: a
// destination field, or a variable.
func (f *flow) assignTo(l ast.Expr, srcs set) {
	info := f.info()
	switch l := ast.Unparen(l).(type) {
	case *ast.SelectorExpr:
		f.assignField(l, srcs)
	case *ast.Ident:
		obj := info.Defs[l]
		if obj == nil {
			obj = info.Uses[l]
		}
		f.add(obj, srcs)
	case *ast.StarExpr:
		f.assignTo(l.X, srcs)
	case *ast.IndexExpr:
		f.assignTo(l.X, srcs)
	}
}

// assignField records that srcs flow into the field l selects, if it is a
// destination field.
func (f *flow) assignField(l *ast.SelectorExpr, srcs set) {
	if s := f.info().Selections[l]; s != nil && s.Kind() == types.FieldVal {
		if v, ok := s.Obj().(*types.Var); ok && f.isDst(v) {
			f.addDst(v, srcs)
		}
	}
}

// calledFunc is the function or method of the package being analysed that
// call calls, if any.
func calledFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	var id *ast.Ident
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		id = f
	case *ast.SelectorExpr:
		id = f.Sel
	default:
		return nil
	}
	fn, _ := info.Uses[id].(*types.Func)
	if fn == nil || fn.Pkg() == nil {
		return nil
	}
	for _, obj := range info.Defs {
		if obj == fn {
			return fn
		}
	}
	return nil
}
