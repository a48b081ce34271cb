package rolecall_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/rolecall/rolecall"

// layers is the module's layer order, lowest first: a package imports only
// packages of lower layers (and, where peers is set, of its own layer).
// README.md's "Layout" section draws the same picture. A pattern is a
// package path relative to the module ("." is the root), or a folder
// followed by "/..." for every package under it; the first layer (lowest)
// whose pattern matches a package is its layer.
var layers = []struct {
	name     string
	patterns []string
	peers    bool
}{
	{"specs and recorded data", []string{"api/specs", "."}, false},
	{"generated clients", []string{"gen/..."}, false},
	{"shared plumbing", []string{"internal/..."}, true},
	{"facade counters", []string{"facade/internal/counters"}, false},
	{"facade", []string{"facade"}, false},
	{"driver machinery", []string{"facade/internal/..."}, false},
	{"drivers", []string{"facade/cortex", "facade/openai", "facade/vectara", "facade/logto"}, false},
	{"registry", []string{"facade/drivers"}, false},
	{"tenants", []string{"facade/tenants"}, false},
	{"reports", []string{"report/..."}, true},
	{"reviews", []string{"review/..."}, true},
	{"exports", []string{"export/..."}, true},
	{"fakes and spec checks", []string{"providertest/...", "drift/..."}, false},
	{"conformance suite", []string{"facade/facadetest"}, false},
	{"fixtures", []string{"fixture/..."}, true},
	{"benchmarks", []string{"bench/..."}, true},
	{"commands", []string{"cmd/..."}, false},
}

// layerOf returns the index of pkg's layer (a path relative to the module),
// or -1.
func layerOf(pkg string) int {
	for i, l := range layers {
		for _, p := range l.patterns {
			if dir, ok := strings.CutSuffix(p, "/..."); ok {
				if pkg == dir || strings.HasPrefix(pkg, dir+"/") {
					return i
				}
			} else if pkg == p {
				return i
			}
		}
	}
	return -1
}

// imports returns the module-internal imports of each package of the
// module (non-test files only), by package path relative to the module.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			base := d.Name()
			if p != "." && (base == "testdata" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil && p != "." {
				return filepath.SkipDir // a module of its own (bench/peers, tools/…)
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(p))
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, is := range f.Imports {
			ip, _ := strconv.Unquote(is.Path.Value)
			rel, ok := strings.CutPrefix(ip, module)
			if !ok || (rel != "" && rel[0] != '/') {
				continue
			}
			rel = strings.TrimPrefix(rel, "/")
			if rel == "" {
				rel = "."
			}
			if !slices.Contains(out[pkg], rel) {
				out[pkg] = append(out[pkg], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportsRunDownward fails when a package imports one of a higher
// layer, or one of its own layer where the layer has no peers, or when a
// package has no layer.
func TestImportsRunDownward(t *testing.T) {
	all := imports(t)
	if len(all) < 20 {
		t.Fatalf("found %d packages: the walk missed the tree", len(all))
	}
	for pkg, deps := range all {
		li := layerOf(pkg)
		if li < 0 {
			t.Errorf("%s has no layer: add it to layers in layers_test.go (and to README.md's layout)", pkg)
			continue
		}
		for _, dep := range deps {
			lj := layerOf(dep)
			ok := lj >= 0 && (lj < li || (lj == li && layers[li].peers && dep != pkg))
			if ok {
				continue
			}
			want := "?"
			if lj >= 0 {
				want = layers[lj].name
			}
			t.Errorf("%s (%s) imports %s (%s): imports run only downward, %s", pkg, layers[li].name, dep, want, order())
		}
	}
}

// The check fails on an upward import and on a package with no layer.
func TestLayerOrderIsEnforced(t *testing.T) {
	for _, c := range []struct {
		pkg, dep string
		ok       bool
	}{
		{"facade/cortex", "facade", true},
		{"facade", "facade/cortex", false},
		{"facade/cortex", "facade/openai", false},
		{"internal/httpx", "internal/paging", true},
		{"internal/paging", "facade", false},
		{"gen/cortex", "api/specs", true},
		{"api/specs", "gen/cortex", false},
		{"fixture", "cmd/rolecall", false},
		{"cmd/rolecall", "fixture", true},
		{"facade/drivers", "facade/cortex", true},
		{"facade/cortex", "facade/drivers", false},
		{"providertest", "facade", true},
		{"facade", "providertest", false},
	} {
		li, lj := layerOf(c.pkg), layerOf(c.dep)
		got := li >= 0 && lj >= 0 && (lj < li || (lj == li && layers[li].peers && c.dep != c.pkg))
		if got != c.ok {
			t.Errorf("%s -> %s allowed = %v, want %v", c.pkg, c.dep, got, c.ok)
		}
	}
	if layerOf("nowhere/pkg") != -1 {
		t.Error("a package outside the table has a layer")
	}
}

// order renders the layer order for messages.
func order() string {
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = l.name
	}
	return strings.Join(names, " < ")
}
