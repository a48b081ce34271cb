// Command specdiff is rolecall's spec change gate: it compares the vendored
// OpenAPI specs (api/specs) with another version of them and tells what the
// change breaks for rolecall.
//
// It reports, per spec, the changes oasdiff finds, judged in the direction a
// client cares about: a breaking change is one to an operation the drivers
// call that removes or retypes a response property they read, adds a value
// to a field they switch on, adds something a request must carry, or changes
// a paging parameter or header they use. Changes to operations rolecall does
// not call are listed apart and never fail the gate. What the drivers call
// and read is derived from their code (see Usage), never kept by hand. For
// each changed spec it also regenerates the gen/ package from both versions
// and reports the Go API change (golang.org/x/exp/apidiff) and the semver
// bump it implies.
//
// Usage (from the repository, or with -repo):
//
//	specdiff [-base REV] [-format text|json|markdown]
//	specdiff -spec api/specs/cortex.json -base FILE      # FILE is the old version
//	specdiff -spec api/specs/cortex.json -new FILE       # FILE is the new version
//	specdiff fetch [-write]                              # fetch and validate the upstreams in sources.json
//	specdiff usage                                       # what the gate derives from the drivers, as JSON
//
// Exit status: 1 when a breaking change touches an operation rolecall calls,
// 0 otherwise, 2 when the comparison could not be made. run.sh builds and
// runs it keeping that status (make spec-diff calls run.sh, but make exits 2
// on any failure, so pipelines call run.sh); see api/specs/README.md for how
// a spec update goes.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/oasdiff/oasdiff/load"
)

// deriveUsage derives rolecall's use of the generated clients from the code
// at a repository root (a variable so that tests derive it once).
var deriveUsage = loadUsage

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Options are the comparison's inputs.
type Options struct {
	Root   string // the repository
	Base   string // a git revision, or a file when Spec is set
	Spec   string // one spec to compare (relative to Root); all when empty
	New    string // a file to take as the new version of Spec
	GoAPI  bool   // regenerate and compare the Go API of changed specs
	Format string
	// Usage is rolecall's use of the generated clients; nil derives it
	// from the repository's code.
	Usage *Usage
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "fetch" {
		return runFetch(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "usage" {
		return runUsage(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("specdiff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Root, "repo", "", "the repository (default: the git work tree around the current directory)")
	fs.StringVar(&o.Base, "base", "HEAD", "the old version: a git revision, or a file when -spec is set")
	fs.StringVar(&o.Spec, "spec", "", "compare only this spec (a path like api/specs/cortex.json)")
	fs.StringVar(&o.New, "new", "", "a file to take as the new version of -spec (default: the working tree's)")
	fs.BoolVar(&o.GoAPI, "goapi", true, "regenerate changed clients and compare their Go API")
	fs.StringVar(&o.Format, "format", "text", "output: text, json or markdown")
	jsonOut := fs.String("json-out", "", "also write the report as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	rep, err := Compare(o)
	if err != nil {
		fmt.Fprintf(stderr, "specdiff: %v\n", err)
		return 2
	}
	if err := rep.Write(stdout, o.Format); err != nil {
		fmt.Fprintf(stderr, "specdiff: %v\n", err)
		return 2
	}
	if *jsonOut != "" {
		var buf bytes.Buffer
		err := rep.Write(&buf, "json")
		if err == nil {
			err = os.WriteFile(*jsonOut, buf.Bytes(), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "specdiff: %v\n", err)
			return 2
		}
	}
	if rep.Breaking > 0 {
		return 1
	}
	return 0
}

// runUsage prints what the gate derives from the code: the operations the
// drivers call and what they read and send, as JSON.
func runUsage(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("specdiff usage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("repo", "", "the repository (default: the git work tree around the current directory)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	root, err := repoRoot(*dir)
	if err == nil {
		var u *Usage
		if u, err = deriveUsage(root); err == nil {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(u)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "specdiff usage: %v\n", err)
		return 2
	}
	return 0
}

// Compare compares the specs as Options say.
func Compare(o Options) (*Report, error) {
	root, err := repoRoot(o.Root)
	if err != nil {
		return nil, err
	}
	gens, err := generators(root)
	if err != nil {
		return nil, err
	}
	if o.Spec != "" {
		o.Spec = filepath.ToSlash(filepath.Clean(o.Spec))
		kept := map[string]*generate{}
		for p, g := range gens {
			if g.Spec == o.Spec {
				kept[p] = g
			}
		}
		if len(kept) == 0 {
			return nil, fmt.Errorf("-spec %s: no gen/<provider>/generate.go generates from it", o.Spec)
		}
		gens = kept
	} else if o.New != "" {
		return nil, errors.New("-new needs -spec")
	}
	head := worktreeTree(root)
	headName := "the working tree"
	if o.New != "" {
		data, err := os.ReadFile(o.New)
		if err != nil {
			return nil, err
		}
		head = withFile(head, o.Spec, data)
		headName = o.New
	}
	var base Tree
	baseName := o.Base
	if st, err := os.Stat(o.Base); err == nil && !st.IsDir() {
		if o.Spec == "" {
			return nil, fmt.Errorf("-base %s is a file: say which spec it is a version of with -spec", o.Base)
		}
		data, err := os.ReadFile(o.Base)
		if err != nil {
			return nil, err
		}
		base = withFile(head, o.Spec, data)
	} else {
		if !revExists(root, o.Base) {
			return nil, fmt.Errorf("-base %q is neither a file nor a git revision of %s", o.Base, root)
		}
		base = revTree(root, o.Base, head)
	}

	use := o.Usage
	if use == nil {
		if use, err = deriveUsage(root); err != nil {
			return nil, err
		}
	}
	rep := &Report{Base: baseName, Head: headName, Bump: "none"}
	providers := make([]string, 0, len(gens))
	for p := range gens {
		providers = append(providers, p)
	}
	sort.Strings(providers)
	for _, p := range providers {
		sr, err := compareProvider(root, p, gens[p], base, head, use)
		if err != nil {
			return nil, err
		}
		rep.add(sr)
	}
	if o.GoAPI {
		if err := attachGoAPI(root, rep, gens, base, head); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// compareProvider compares one provider's spec and, when its generation
// inputs changed, its regenerated Go API.
func compareProvider(root, provider string, gen *generate, base, head Tree, use *Usage) (*SpecReport, error) {
	pu := use.Providers[provider]
	sr := &SpecReport{Provider: provider, Spec: gen.Spec, Status: "unchanged", Called: []string{}}
	headData, err := head(gen.Spec)
	if err != nil {
		return nil, err
	}
	h, err := loadSpec("new "+gen.Spec, headData)
	if err != nil {
		return nil, err
	}
	var b0 *load.SpecInfo
	if data, err := base(gen.Spec); err == nil {
		b0, _ = loadSpec("base "+gen.Spec, data)
	}
	// The operations the drivers call, found in either version by the name
	// oapi-codegen gives them (a called operation may be gone from the new
	// one), keyed by method and path.
	called := map[string]*OperationUsage{}
	if pu != nil {
		for m, use := range pu.Operations {
			found := false
			for _, doc := range []*load.SpecInfo{h, b0} {
				if doc == nil {
					continue
				}
				for path, item := range doc.Spec.Paths.Map() {
					for method, op := range item.Operations() {
						if goName(op.OperationID) == m {
							called[method+" "+path] = use
							if !found {
								sr.Called = append(sr.Called, op.OperationID)
							}
							found = true
						}
					}
				}
			}
			if !found {
				return nil, fmt.Errorf("the drivers call gen/%s's %s, but neither version of %s has an operation of that name", provider, m, gen.Spec)
			}
		}
		sort.Strings(sr.Called)
	}
	if _, err := base(gen.Spec); err == errNotInRev {
		sr.Status = "added"
		sr.Notes = append(sr.Notes, "the base version has no "+gen.Spec+": everything in it is new")
		return sr, nil
	}
	inputsChanged := false
	names, err := inputs(head, provider, gen)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		a, errA := base(n)
		if errA == errNotInRev {
			errA = nil // an overlay the base version lacks: compared as empty
		}
		b, errB := head(n)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			inputsChanged = true
		}
	}
	if !inputsChanged {
		return sr, nil
	}
	sr.Status = "changed"
	// Compare what the client is generated from: the spec with its
	// overlay applied, when both versions take it.
	b, bOverlaid, bErr := effectiveSpec("base", base, provider, gen)
	if b == nil {
		return nil, bErr
	}
	_, hOverlaid, hErr := effectiveSpec("new", head, provider, gen) // h loaded above
	from, to := b, h
	switch {
	case bErr != nil || hErr != nil:
		for _, err := range []error{bErr, hErr} {
			if err != nil {
				sr.Notes = append(sr.Notes, err.Error()+"; the specs are compared without it")
			}
		}
	case bOverlaid != nil && hOverlaid != nil:
		from, to = bOverlaid, hOverlaid
		sr.Notes = append(sr.Notes, "compared with the overlay applied to each version, as the generator applies it")
	}
	changes, err := compareSpecs(from, to, called, use.Headers)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", gen.Spec, err)
	}
	for _, c := range changes {
		switch {
		case c.Breaking:
			sr.Breaking = append(sr.Breaking, c)
		case c.Called:
			sr.Other = append(sr.Other, c)
		default:
			sr.Uncalled = append(sr.Uncalled, c)
		}
	}
	return sr, nil
}

// attachGoAPI regenerates and compares the Go API of each changed spec.
func attachGoAPI(root string, rep *Report, gens map[string]*generate, base, head Tree) error {
	for _, sr := range rep.Specs {
		if sr.Status != "changed" {
			continue
		}
		api, err := goAPIChange(root, sr.Provider, gens[sr.Provider], base, head)
		if err != nil {
			return err
		}
		sr.GoAPI = api
		rep.Bump = maxBump(rep.Bump, api.Bump)
	}
	return nil
}

func maxBump(a, b string) string {
	rank := map[string]int{"none": 0, "patch": 1, "minor": 2, "major": 3, "unknown": 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// generators reads every gen/<provider>/generate.go.
func generators(root string) (map[string]*generate, error) {
	entries, err := os.ReadDir(filepath.Join(root, "gen"))
	if err != nil {
		return nil, err
	}
	out := map[string]*generate{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "gen", e.Name(), "generate.go")); err != nil {
			continue
		}
		g, err := readGenerate(root, e.Name())
		if err != nil {
			return nil, err
		}
		out[e.Name()] = g
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no gen/<provider>/generate.go", root)
	}
	return out, nil
}

// repoRoot is dir, or the git work tree around the current directory.
func repoRoot(dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("not in a git work tree (use -repo): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
