package main

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"testing"

	"golang.org/x/tools/go/packages"
)

// flowSource exercises each way flows follows a value: src fields feed dst
// fields.
const flowSource = `package p

import "strings"

type src struct{ A, B, C, D, E, F, G, H string; Kind int }
type dst struct{ OnlyA, OnlyB, FromHelperC, FromHelperD, Closure, Kind, Joined, Local string }

func upper(s string) string { return strings.ToUpper(s) }

func build(s *src) dst {
	d := dst{OnlyA: s.A}
	d.OnlyB = s.B
	d.FromHelperC = upper(s.C)
	d.FromHelperD = upper(s.D)
	set := func(v string) { d.Closure = v }
	set(s.E)
	switch s.Kind {
	case 1:
		d.Kind = "one"
	}
	var b strings.Builder
	b.WriteString(s.F)
	d.Joined = b.String()
	x := s.G
	y := x
	d.Local = y
	return d
}
`

func TestFlows(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", flowSource, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("p", fset, []*ast.File{f}, info)
	if err != nil {
		t.Fatal(err)
	}
	fieldOfType := func(name string) func(*types.Var) bool {
		st := pkg.Scope().Lookup(name).Type().Underlying().(*types.Struct)
		return func(v *types.Var) bool {
			for i := range st.NumFields() {
				if st.Field(i) == v {
					return true
				}
			}
			return false
		}
	}
	got := map[string][]string{}
	for d, srcs := range flows(&packages.Package{Syntax: []*ast.File{f}, TypesInfo: info, Types: pkg}, fieldOfType("src"), fieldOfType("dst")) {
		for _, s := range srcs {
			got[d.Name()] = append(got[d.Name()], s.Name())
		}
		sort.Strings(got[d.Name()])
	}
	want := map[string][]string{
		"OnlyA":       {"A"},
		"OnlyB":       {"B"},
		"FromHelperC": {"C"}, // per call, not C and D
		"FromHelperD": {"D"},
		"Closure":     {"E"},
		"Kind":        {"Kind"}, // decided by the switch
		"Joined":      {"F"},
		"Local":       {"G"},
	}
	for d, w := range want {
		if !slices.Equal(got[d], w) {
			t.Errorf("%s: got %v, want %v", d, got[d], w)
		}
	}
}
