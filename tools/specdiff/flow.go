package main

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/packages"
)

// flows finds, within package p, which source fields (isSrc) flow into
// which destination fields (isDst): a destination field assigned, or set in
// a composite literal, from an expression that reads a source field
// directly, through local variables, through the results of the package's
// own functions, or through their parameters. It is a small, conservative
// data-flow over one package, enough for a driver's mapping code (for
// example "a.RoleName = firstNonEmpty(r.Name, r.Role)" or "name := u.Name;
// a.Name = name").
func flows(p *packages.Package, isSrc, isDst func(*types.Var) bool) map[*types.Var][]*types.Var {
	info := p.TypesInfo
	// vars holds what each local variable, parameter and function result
	// may carry.
	vars := map[types.Object]map[*types.Var]bool{}
	add := func(obj types.Object, srcs map[*types.Var]bool) bool {
		if obj == nil || len(srcs) == 0 {
			return false
		}
		if vars[obj] == nil {
			vars[obj] = map[*types.Var]bool{}
		}
		grew := false
		for s := range srcs {
			if !vars[obj][s] {
				vars[obj][s] = true
				grew = true
			}
		}
		return grew
	}
	dst := map[*types.Var]map[*types.Var]bool{}
	collect := func(e ast.Expr) map[*types.Var]bool {
		out := map[*types.Var]bool{}
		if e == nil {
			return out
		}
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if s := info.Selections[n]; s != nil && s.Kind() == types.FieldVal {
					v, _ := s.Obj().(*types.Var)
					switch {
					case v != nil && isSrc(v):
						out[v] = true
					case v != nil && isDst(v):
						// A destination field read back ("a.RoleName =
						// a.RoleID") carries what flowed into it.
						for s := range dst[v] {
							out[s] = true
						}
						return false
					}
				}
			case *ast.Ident:
				for s := range vars[info.Uses[n]] {
					out[s] = true
				}
			case *ast.CallExpr:
				if fn := calledFunc(info, n); fn != nil {
					for s := range vars[fn] { // its results
						out[s] = true
					}
				}
			case *ast.FuncLit:
				return false
			}
			return true
		})
		return out
	}
	addDst := func(v *types.Var, srcs map[*types.Var]bool) bool {
		if dst[v] == nil {
			dst[v] = map[*types.Var]bool{}
		}
		grew := false
		for s := range srcs {
			if !dst[v][s] {
				dst[v][s] = true
				grew = true
			}
		}
		return grew
	}
	// Function literals bound to a variable ("add := func(role string)
	// {...}"), so that a call of the variable passes its arguments in.
	funcLits := map[types.Object]*ast.FuncLit{}
	for _, f := range p.Syntax {
		ast.Inspect(f, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
				for i, r := range as.Rhs {
					lit, ok := r.(*ast.FuncLit)
					id, ok2 := as.Lhs[i].(*ast.Ident)
					if ok && ok2 {
						obj := info.Defs[id]
						if obj == nil {
							obj = info.Uses[id]
						}
						funcLits[obj] = lit
					}
				}
			}
			return true
		})
	}
	// Iterate to a fixed point: each pass can only add.
	for changed := true; changed; {
		changed = false
		for _, f := range p.Syntax {
			var fnStack []*types.Func
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncDecl:
					fnStack = fnStack[:0]
					if fn, ok := info.Defs[n.Name].(*types.Func); ok {
						fnStack = append(fnStack, fn)
					}
				case *ast.ReturnStmt:
					if len(fnStack) > 0 {
						for _, r := range n.Results {
							changed = add(fnStack[len(fnStack)-1], collect(r)) || changed
						}
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						var srcs map[*types.Var]bool
						if len(n.Lhs) == len(n.Rhs) {
							srcs = collect(n.Rhs[i])
						} else {
							srcs = map[*types.Var]bool{}
							for _, r := range n.Rhs {
								for s := range collect(r) {
									srcs[s] = true
								}
							}
						}
						changed = assignTo(info, l, srcs, isDst, add, addDst) || changed
					}
				case *ast.ValueSpec:
					for i, name := range n.Names {
						if i < len(n.Values) {
							changed = add(info.Defs[name], collect(n.Values[i])) || changed
						}
					}
				case *ast.RangeStmt:
					srcs := collect(n.X)
					if n.Key != nil {
						changed = assignTo(info, n.Key, srcs, isDst, add, addDst) || changed
					}
					if n.Value != nil {
						changed = assignTo(info, n.Value, srcs, isDst, add, addDst) || changed
					}
				case *ast.SwitchStmt:
					// What a switch decides flows into what its cases set.
					if n.Tag != nil {
						changed = controlled(info, n.Body, collect(n.Tag), isDst, addDst) || changed
					}
				case *ast.IfStmt:
					srcs := collect(n.Cond)
					changed = controlled(info, n.Body, srcs, isDst, addDst) || changed
					if n.Else != nil {
						changed = controlled(info, n.Else, srcs, isDst, addDst) || changed
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
						if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() && isDst(v) {
							changed = addDst(v, collect(kv.Value)) || changed
						}
					}
				case *ast.CallExpr:
					// Arguments flow into the parameters of the package's
					// own functions and of its function literals.
					var params []types.Object
					if fn := calledFunc(info, n); fn != nil {
						sig := fn.Type().(*types.Signature)
						for i := range sig.Params().Len() {
							params = append(params, sig.Params().At(i))
						}
					} else if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && funcLits[info.Uses[id]] != nil {
						for _, field := range funcLits[info.Uses[id]].Type.Params.List {
							for _, name := range field.Names {
								params = append(params, info.Defs[name])
							}
						}
					}
					for i, a := range n.Args {
						if i < len(params) {
							changed = add(params[i], collect(a)) || changed
						}
					}
				}
				return true
			})
		}
	}
	out := map[*types.Var][]*types.Var{}
	for d, srcs := range dst {
		for s := range srcs {
			out[d] = append(out[d], s)
		}
	}
	return out
}

// controlled records that srcs decide every destination field set within
// body.
func controlled(info *types.Info, body ast.Node, srcs map[*types.Var]bool, isDst func(*types.Var) bool,
	addDst func(*types.Var, map[*types.Var]bool) bool) bool {
	if len(srcs) == 0 {
		return false
	}
	changed := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok {
					if s := info.Selections[sel]; s != nil && s.Kind() == types.FieldVal {
						if v, ok := s.Obj().(*types.Var); ok && isDst(v) {
							changed = addDst(v, srcs) || changed
						}
					}
				}
			}
		}
		return true
	})
	return changed
}

// assignTo records that srcs flow into the assignment target l: a
// destination field, or a variable.
func assignTo(info *types.Info, l ast.Expr, srcs map[*types.Var]bool, isDst func(*types.Var) bool,
	add func(types.Object, map[*types.Var]bool) bool, addDst func(*types.Var, map[*types.Var]bool) bool) bool {
	switch l := ast.Unparen(l).(type) {
	case *ast.SelectorExpr:
		if s := info.Selections[l]; s != nil && s.Kind() == types.FieldVal {
			if v, ok := s.Obj().(*types.Var); ok && isDst(v) {
				return addDst(v, srcs)
			}
		}
	case *ast.Ident:
		obj := info.Defs[l]
		if obj == nil {
			obj = info.Uses[l]
		}
		return add(obj, srcs)
	case *ast.StarExpr:
		return assignTo(info, l.X, srcs, isDst, add, addDst)
	case *ast.IndexExpr:
		return assignTo(info, l.X, srcs, isDst, add, addDst)
	}
	return false
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
