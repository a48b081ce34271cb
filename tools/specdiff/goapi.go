package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/exp/apidiff"
	"golang.org/x/tools/go/packages"
)

// GoAPI is the change to a generated package's Go API that regenerating it
// from the new spec makes, and the semver bump that implies for rolecall
// (whose gen/ packages are public).
type GoAPI struct {
	Package      string   `json:"package"`
	Incompatible []string `json:"incompatible"` // identifiers removed or retyped
	Compatible   []string `json:"compatible"`   // identifiers added
	Bump         string   `json:"bump"`         // major, minor or patch; unknown when Error is set
	// Error says why one of the versions could not be regenerated (for
	// example, Cortex's overlay no longer applies).
	Error string `json:"error,omitempty"`
}

// Tree is a version of the files that generation reads, relative to the
// repository root: the specs, overlays and gen/<provider>/cfg.yaml.
type Tree func(rel string) ([]byte, error)

// goAPIChange regenerates gen/<provider> from the base and head trees
// with the generator pinned in the repository's go.mod, and compares the
// two packages' APIs with apidiff.
func goAPIChange(root, provider string, gen *generate, base, head Tree) (*GoAPI, error) {
	// Inside the module (so the generated code's imports resolve from its
	// go.mod), under testdata (so "./..." never sees it).
	tmp, err := os.MkdirTemp(filepath.Join(root, "testdata"), "specdiff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var dirs []string
	for _, side := range []struct {
		name string
		tree Tree
	}{{"base", base}, {"new", head}} {
		dir, err := regenerate(root, filepath.Join(tmp, side.name), provider, gen, side.tree)
		if err != nil {
			return &GoAPI{Package: modulePath + "/gen/" + provider, Incompatible: []string{}, Compatible: []string{}, Bump: "unknown",
				Error: fmt.Sprintf("regenerating gen/%s from the %s version fails: %v", provider, side.name, err)}, nil
		}
		dirs = append(dirs, dir)
	}
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedDeps | packages.NeedImports, Dir: root}
	var pkgs []*packages.Package
	for _, dir := range dirs {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return nil, err
		}
		loaded, err := packages.Load(cfg, "./"+filepath.ToSlash(rel))
		if err != nil {
			return nil, err
		}
		if len(loaded) != 1 || len(loaded[0].Errors) > 0 || loaded[0].Types == nil {
			var msgs []string
			for _, p := range loaded {
				for _, e := range p.Errors {
					msgs = append(msgs, e.Error())
				}
			}
			return nil, fmt.Errorf("type-check regenerated gen/%s: %s", provider, strings.Join(msgs, "; "))
		}
		pkgs = append(pkgs, loaded[0])
	}
	report := apidiff.Changes(pkgs[0].Types, pkgs[1].Types)
	api := &GoAPI{Package: modulePath + "/gen/" + provider, Incompatible: []string{}, Compatible: []string{}}
	for _, c := range report.Changes {
		if c.Compatible {
			api.Compatible = append(api.Compatible, c.Message)
		} else {
			api.Incompatible = append(api.Incompatible, c.Message)
		}
	}
	sort.Strings(api.Compatible)
	sort.Strings(api.Incompatible)
	api.Bump = bump(api)
	return api, nil
}

// bump is the semver bump a Go API change implies.
func bump(api *GoAPI) string {
	switch {
	case len(api.Incompatible) > 0:
		return "major"
	case len(api.Compatible) > 0:
		return "minor"
	}
	return "patch"
}

// regenerate lays out dir like the repository (api/specs, gen/<provider>)
// with tree's files and runs the generator in dir/gen/<provider>, exactly as
// its go:generate line does.
func regenerate(root, dir, provider string, gen *generate, tree Tree) (string, error) {
	pkgDir := filepath.Join(dir, "gen", provider)
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		return "", err
	}
	need, err := inputs(tree, provider, gen)
	if err != nil {
		return "", err
	}
	for _, rel := range need {
		data, err := tree(rel)
		if err != nil {
			return "", err
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return "", err
		}
	}
	args := append([]string{"run", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"}, gen.Args...)
	cmd := exec.Command("go", args...)
	cmd.Dir = pkgDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("oapi-codegen: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return pkgDir, nil
}

// inputs lists the files generating gen/<provider> reads: its cfg.yaml, the
// spec, and files the config names (an overlay).
func inputs(tree Tree, provider string, gen *generate) ([]string, error) {
	need := []string{"gen/" + provider + "/cfg.yaml", gen.Spec}
	cfg, err := tree("gen/" + provider + "/cfg.yaml")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(cfg), "\n") {
		if _, v, ok := strings.Cut(line, "path:"); ok && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			need = append(need, filepath.ToSlash(filepath.Join("gen", provider, strings.TrimSpace(v))))
		}
	}
	return need, nil
}

// worktreeTree reads files from the working tree at root.
func worktreeTree(root string) Tree {
	return func(rel string) ([]byte, error) {
		return os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	}
}

// revTree reads files as they are at a git revision, falling back to
// fallback for a generator configuration the revision lacks (an older
// layout). A spec the revision lacks is errNotInRev.
func revTree(root, rev string, fallback Tree) Tree {
	return func(rel string) ([]byte, error) {
		data, err := gitShow(root, rev, rel)
		if err == errNotInRev && fallback != nil && strings.HasPrefix(rel, "gen/") {
			return fallback(rel)
		}
		return data, err
	}
}

// withFile is tree with one file replaced.
func withFile(tree Tree, rel string, data []byte) Tree {
	return func(r string) ([]byte, error) {
		if r == rel {
			return data, nil
		}
		return tree(r)
	}
}

var errNotInRev = fmt.Errorf("not in the revision")

// gitShow returns a file as it is at rev.
func gitShow(root, rev, rel string) ([]byte, error) {
	cmd := exec.Command("git", "cat-file", "blob", rev+":"+rel)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := stderr.String()
		if strings.Contains(msg, "does not exist") || strings.Contains(msg, "exists on disk, but not in") {
			return nil, errNotInRev
		}
		return nil, fmt.Errorf("git cat-file %s:%s: %v: %s", rev, rel, err, strings.TrimSpace(msg))
	}
	return out, nil
}

// revExists reports whether rev names a commit of the repository.
func revExists(root, rev string) bool {
	cmd := exec.Command("git", "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	cmd.Dir = root
	return cmd.Run() == nil
}
