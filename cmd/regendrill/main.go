// Command regendrill is the regeneration drill (make regen-drill): it shows,
// in a temporary copy of the module, what a vendor's spec change costs.
//
//  1. The check can fail: listing through every driver from providertest's
//     fake, whose pages' records are given a property the specs do not
//     declare (DrillProperty), the property is not in Assignment.Record.
//     The fake serves every operation a driver calls, so the drill keeps
//     no page of its own.
//  2. A property added: DrillProperty is added as an optional string to
//     every record schema a listing returns, derived from the specs (the
//     items of the arrays in each GET operation's 200 body: Cortex
//     UserRoleAssignment, OpenAI AssignedRoleDetails, OrganizationUser,
//     ProjectApiKey, …; the Cortex spec is vendored verbatim, so the copy's
//     spec is changed, never the repository's), the clients are
//     regenerated, and with no other edit the property arrives in
//     Assignment.Record through every driver, whatever record type the
//     driver maps.
//  3. An enum value added (Cortex AssignedRole.type gains GROUP): the build
//     and the drivers' tests pass (the driver keeps a role type it does not
//     know), and the contract tests fail on the recorded fixture that
//     stood for an unknown role type: it is no longer unknown.
//  4. A field the facade maps removed (Cortex UserRoleAssignment.email):
//     the build fails, naming the field where the Cortex driver maps it.
//
// Each step asserts its outcome; the drill fails otherwise. Run it from the
// repository root, after the generator is built (make check-generate).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// DrillProperty is the property the drill adds to each record schema.
const DrillProperty = "rolecall_drill"

// record is a schema a provider's listing returns: the items of an array
// in (or making up) the 200 body of one of its spec's GET operations.
type record struct{ provider, spec, schema string }

// records derives, from the module at dir, every record schema of every
// provider: the providers and their spec files from the go:generate lines
// of gen/<provider>/generate.go, the schemas from the specs' GET
// operations. Nothing is listed by hand: an operation added to a spec is
// drilled once it is there.
func records(dir string) ([]record, error) {
	gens, err := filepath.Glob(filepath.Join(dir, "gen", "*", "generate.go"))
	if err != nil {
		return nil, err
	}
	var out []record
	for _, g := range gens {
		src, err := os.ReadFile(g)
		if err != nil {
			return nil, err
		}
		m := specArg.FindSubmatch(src)
		if m == nil {
			return nil, fmt.Errorf("%s: no go:generate line naming an api/specs file", g)
		}
		provider, spec := filepath.Base(filepath.Dir(g)), filepath.ToSlash(filepath.Join("api", "specs", string(m[1])))
		data, err := os.ReadFile(filepath.Join(dir, spec))
		if err != nil {
			return nil, err
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", spec, err)
		}
		names := listedSchemas(&doc)
		if len(names) == 0 {
			return nil, fmt.Errorf("%s: no GET operation returns a list of a named schema", spec)
		}
		for _, name := range names {
			out = append(out, record{provider, spec, name})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no gen/*/generate.go", dir)
	}
	return out, nil
}

// specArg is the spec file a go:generate line hands oapi-codegen.
var specArg = regexp.MustCompile(`(?m)^//go:generate .*oapi-codegen.* \S*api/specs/(\S+)\s*$`)

// listedSchemas returns, sorted, the object schemas that the listings of
// doc return: the named items of a 200 JSON body that is an array, or of
// the body's array properties (data, users, …), for each GET operation on
// a collection (a path that does not end in a parameter: /v2/users, not
// /v2/users/{username}, whose User holds arrays of roles, not records).
func listedSchemas(doc *yaml.Node) []string {
	seen := map[string]bool{}
	paths := lookup(doc, "paths")
	if paths == nil {
		return nil
	}
	for i := 1; i < len(paths.Content); i += 2 {
		if strings.HasSuffix(paths.Content[i-1].Value, "}") {
			continue
		}
		body := resolve(doc, lookup(paths.Content[i], "get", "responses", "200"))
		body = resolve(doc, lookup(body, "content", "application/json", "schema"))
		if body == nil {
			continue
		}
		arrays := []*yaml.Node{body}
		if props := lookup(body, "properties"); props != nil {
			for j := 1; j < len(props.Content); j += 2 {
				arrays = append(arrays, resolve(doc, props.Content[j]))
			}
		}
		for _, a := range arrays {
			if lookup(a, "type") == nil || lookup(a, "type").Value != "array" {
				continue
			}
			if ref := lookup(a, "items", "$ref"); ref != nil && strings.HasPrefix(ref.Value, schemaRef) &&
				lookup(resolve(doc, lookup(a, "items")), "properties") != nil {
				seen[strings.TrimPrefix(ref.Value, schemaRef)] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

const schemaRef = "#/components/schemas/"

// resolve follows n's local $ref, if it has one, within doc.
func resolve(doc, n *yaml.Node) *yaml.Node {
	for range 8 { // a chain of references, never a cycle
		ref := lookup(n, "$ref")
		if ref == nil || !strings.HasPrefix(ref.Value, "#/") {
			return n
		}
		n = lookup(doc, strings.Split(strings.TrimPrefix(ref.Value, "#/"), "/")...)
	}
	return n
}

var keep = flag.Bool("keep", false, "keep the temporary copy of the module (its path is printed)")

func main() {
	log.SetFlags(0)
	flag.Parse()
	start := time.Now()
	tmp, err := os.MkdirTemp("", "rolecall-regen-drill-")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		fmt.Printf("copy kept at %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if err := copyModule(".", tmp); err != nil {
		log.Fatal(err)
	}
	d := &drill{dir: tmp}
	d.run()
	fmt.Printf("\nregen drill: %s in %s\n", map[bool]string{true: "FAILED", false: "ok"}[d.failed], time.Since(start).Round(time.Second))
	if d.failed {
		if !*keep {
			os.RemoveAll(tmp)
		}
		os.Exit(1)
	}
}

type drill struct {
	dir    string
	failed bool
}

func (d *drill) run() {
	fieldTest := []string{"test", "-tags", "regendrill", "-count", "1", "-run", "TestFieldArrives", "-v", "./cmd/regendrill"}

	d.step("1. the check can fail: pages carry " + DrillProperty + ", the specs do not declare it")
	out, err := d.goCmd(fieldTest...)
	d.expect(err != nil && strings.Contains(out, "has no field for"), "the listing test fails: the records have no such field", out, "has no field")

	d.step("2. a property added: " + DrillProperty + " (optional string) in each listed record schema, then go generate ./gen/...")
	recs, err := records(d.dir)
	d.must(err)
	perProvider := map[string]int{}
	for _, r := range recs {
		d.must(editSpec(filepath.Join(d.dir, r.spec), func(doc *yaml.Node) error {
			props := lookup(doc, "components", "schemas", r.schema, "properties")
			if props == nil {
				return fmt.Errorf("%s: no components.schemas.%s.properties", r.spec, r.schema)
			}
			props.Content = append(props.Content, scalar(DrillProperty), mapping("type", "string", "description", "Added by the regeneration drill."))
			return nil
		}))
		fmt.Printf("   %s: %s.%s added to %s\n", r.provider, r.schema, DrillProperty, r.spec)
		perProvider[r.provider]++
	}
	d.regenerate()
	for _, provider := range slices.Sorted(maps.Keys(perProvider)) {
		gen, err := os.ReadFile(filepath.Join(d.dir, "gen", provider, "client.gen.go"))
		d.must(err)
		n := bytes.Count(gen, []byte(`json:"`+DrillProperty+`,omitempty"`))
		d.expect(n >= perProvider[provider], fmt.Sprintf("gen/%s declares the field in each of its %d record types (%d)", provider, perProvider[provider], n), "", "")
	}
	out, err = d.goCmd(fieldTest...)
	d.expect(err == nil, "with no other edit, the listing test passes: the field arrives in Assignment.Record through every driver", out, "arrived in")

	d.step("3. an enum value added: Cortex AssignedRole.type gains GROUP")
	d.must(editSpec(filepath.Join(d.dir, "api/specs/cortex.json"), func(doc *yaml.Node) error {
		enum := lookup(doc, "components", "schemas", "AssignedRole", "properties", "type", "enum")
		if enum == nil {
			return fmt.Errorf("cortex.json: no AssignedRole.type enum")
		}
		enum.Content = append(enum.Content, scalar("GROUP"))
		return nil
	}))
	d.regenerate()
	out, err = d.goCmd("build", "./...")
	d.expect(err == nil, "the build passes", out, "")
	out, err = d.goCmd("test", "-count", "1", "./facade/cortex")
	d.expect(err == nil, "the Cortex driver's tests pass (a role type it does not map is kept, as a custom role)", out, "")
	out, err = d.goCmd("test", "-count", "1", "-run", "TestContract|TestUnknownEnumFixtures", "./fixture")
	d.expect(err != nil && strings.Contains(out, "unknown-enum.getUserRoleAssignments"),
		"the contract tests fail on the recorded fixture that stood for an unknown role type: GROUP is now declared (re-record or rewrite the fixture, and map GROUP in facade/cortex if it needs its own kind)",
		out, "unknown-enum.getUserRoleAssignments")

	d.step("4. a field the facade maps removed: Cortex UserRoleAssignment.email")
	d.must(editSpec(filepath.Join(d.dir, "api/specs/cortex.json"), func(doc *yaml.Node) error {
		s := lookup(doc, "components", "schemas", "UserRoleAssignment")
		if s == nil || !remove(lookup(s, "properties"), "email") {
			return fmt.Errorf("cortex.json: no UserRoleAssignment.email")
		}
		if req := lookup(s, "required"); req != nil {
			for i, n := range req.Content {
				if n.Value == "email" {
					req.Content = append(req.Content[:i], req.Content[i+1:]...)
					break
				}
			}
		}
		return nil
	}))
	d.regenerate()
	out, err = d.goCmd("build", "./...")
	d.expect(err != nil && strings.Contains(out, "facade/cortex/") && strings.Contains(out, "Email undefined"),
		"the build fails, naming the field where facade/cortex maps it", out, "Email undefined")
}

// step prints a step's title.
func (d *drill) step(title string) { fmt.Printf("\n== %s\n", title) }

// expect records a step's outcome; show prints the lines of out that
// contain it (or, on failure, the end of out).
func (d *drill) expect(ok bool, what, out, show string) {
	mark := "ok  "
	if !ok {
		mark, d.failed = "FAIL", true
	}
	fmt.Printf("   %s %s\n", mark, what)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	shown := 0
	for _, l := range lines {
		if show != "" && strings.Contains(l, show) && shown < 6 {
			fmt.Printf("        | %s\n", strings.TrimSpace(l))
			shown++
		}
	}
	if !ok && out != "" {
		for _, l := range lines[max(0, len(lines)-15):] {
			fmt.Printf("        > %s\n", l)
		}
	}
}

func (d *drill) must(err error) {
	if err != nil {
		fmt.Printf("   FAIL %v\n", err)
		d.failed = true
	}
}

func (d *drill) regenerate() {
	out, err := d.goCmd("generate", "./gen/...")
	d.expect(err == nil, "go generate ./gen/... regenerates the clients", out, "")
}

// goCmd runs the go command in the copy, returning its combined output.
func (d *drill) goCmd(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = d.dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// copyModule copies the module's files (those git tracks or would track)
// from src to dst.
func copyModule(src, dst string) error {
	out, err := exec.Command("git", "-C", src, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return fmt.Errorf("listing the module's files: %w", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(src, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, name)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// editSpec applies edit to the OpenAPI document at path (YAML, or JSON,
// which is YAML too) and writes it back as YAML, which the generator and
// the spec loaders read whatever the file's name.
func editSpec(path string, edit func(doc *yaml.Node) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := edit(&doc); err != nil {
		return err
	}
	clearStyle(&doc)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// clearStyle drops JSON's flow style, so that the document is written as
// block YAML (flow YAML would wrap long lines mid-value).
func clearStyle(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = 0
	}
	for _, c := range n.Content {
		clearStyle(c)
	}
}

// lookup follows keys through mappings from n (a document or a mapping).
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// remove deletes key from mapping m, reporting whether it was there.
func remove(m *yaml.Node, key string) bool {
	if m == nil || m.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return true
		}
	}
	return false
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }

// mapping builds a mapping of string keys and values.
func mapping(kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, scalar(kv[i]), scalar(kv[i+1]))
	}
	return m
}
