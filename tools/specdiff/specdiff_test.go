package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The repository this module lives in.
var repo = func() string {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return root
}()

// usage derives rolecall's use of the generated clients once per test run.
var usage = sync.OnceValues(func() (*Usage, error) { return loadUsage(repo) })

func TestMain(m *testing.M) {
	if file := os.Getenv(asToolEnv); file != "" {
		os.Exit(runAsTool(file)) // the gate scripts run this binary as specdiff (gate_test.go)
	}
	deriveUsage = func(root string) (*Usage, error) {
		if root != repo {
			return loadUsage(root)
		}
		return usage()
	}
	os.Exit(m.Run())
}

func testUsage(t *testing.T) *Usage {
	t.Helper()
	u, err := usage()
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// compareCase runs the gate on testdata/cases/<name>: base and head
// versions of one spec.
func compareCase(t *testing.T, name string, goAPI bool) (*Report, *SpecReport) {
	t.Helper()
	dir := filepath.Join("testdata", "cases", name)
	spec, err := os.ReadFile(filepath.Join(dir, "spec"))
	if err != nil {
		t.Fatal(err)
	}
	ext := filepath.Ext(strings.TrimSpace(string(spec)))
	rep, err := Compare(Options{
		Root:  repo,
		Spec:  strings.TrimSpace(string(spec)),
		Base:  filepath.Join(dir, "base"+ext),
		New:   filepath.Join(dir, "head"+ext),
		GoAPI: goAPI,
		Usage: testUsage(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Specs) != 1 || rep.Specs[0].Status != "changed" {
		t.Fatalf("want one changed spec, got %+v", rep.Specs)
	}
	return rep, rep.Specs[0]
}

// only returns the one change in cs with the oasdiff id.
func only(t *testing.T, what string, cs []Change, id string) Change {
	t.Helper()
	var found []Change
	for _, c := range cs {
		if c.ID == id {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: want one %s change, got %d in %+v", what, id, len(found), cs)
	}
	return found[0]
}

func TestUsageIsDerivedFromTheDrivers(t *testing.T) {
	u := testUsage(t)
	// An independent oracle: the client methods the drivers' source calls
	// as text ("l.client.ListUsers(").
	call := regexp.MustCompile(`\bclient\.([A-Z]\w*)\(`)
	for _, p := range []string{"cortex", "openai", "vectara", "logto"} {
		files, err := filepath.Glob(filepath.Join(repo, "facade", p, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range call.FindAllSubmatch(src, -1) {
				want[string(m[1])] = true
			}
		}
		pu := u.Providers[p]
		if pu == nil || len(want) == 0 {
			t.Fatalf("%s: no use of gen/%s found (%v)", p, p, want)
		}
		// A driver may call a second generated package, gen/<p><part>
		// (facade/cortex: gen/cortexadmin); its operations count too.
		ops := maps.Clone(pu.Operations)
		for name, other := range u.Providers {
			if name != p && strings.HasPrefix(name, p) {
				maps.Copy(ops, other.Operations)
			}
		}
		for m := range want {
			if ops[m] == nil {
				t.Errorf("%s: the driver calls %s, not derived", p, m)
			}
		}
		for m := range ops {
			if !want[m] {
				t.Errorf("%s: derived %s, which the driver does not call", p, m)
			}
		}
	}
	// Operations no driver calls.
	for p, m := range map[string]string{"vectara": "GetUser", "logto": "ListUserRoles"} {
		if u.Providers[p].Operations[m] != nil {
			t.Errorf("%s: %s is not called by the drivers, but found", p, m)
		}
	}
	email := u.Providers["cortex"].Operations["GetUserRoleAssignments"].Properties["users/items/email"]
	if email == nil || !slices.Contains(email.Facade, "Email") || !slices.Contains(email.Columns, "email") {
		t.Errorf("cortex users/items/email: want it to feed Email / email, got %+v", email)
	}
	typ := u.Providers["cortex"].Operations["GetUserRoleAssignments"].Properties["users/items/roles/items/type"]
	if typ == nil || !typ.Switched || !slices.Contains(typ.Facade, "RoleKind") {
		t.Errorf("cortex role type: want it switched on, feeding RoleKind, got %+v", typ)
	}
	if params := u.Providers["cortex"].Operations["GetUserRoleAssignments"].Parameters; !slices.Contains(params, "pageSize") || !slices.Contains(params, "page") {
		t.Errorf("cortex: want pageSize and page among the parameters sent, got %v", params)
	}
	if !slices.Contains(u.Headers, "link") || !slices.Contains(u.Headers, "total-number") {
		t.Errorf("want Logto's Link and Total-Number among the headers read, got %v", u.Headers)
	}
	if cols := u.Columns["UserID"]; !slices.Equal(cols, []string{"user_id"}) {
		t.Errorf("UserID: want the report column user_id, got %v", cols)
	}
}

func TestBreakingInACalledOperation(t *testing.T) {
	rep, sr := compareCase(t, "breaking-called", false)
	if rep.Verdict != "breaking" || rep.Breaking != 1 {
		t.Errorf("verdict %s with %d breaking, want breaking with 1", rep.Verdict, rep.Breaking)
	}
	c := only(t, "breaking", sr.Breaking, "new-required-request-parameter")
	if c.OperationID != "getUserRoleAssignments" || !c.Called || !strings.Contains(c.Text, "workspace") {
		t.Errorf("got %+v", c)
	}
	if len(sr.Uncalled) != 0 {
		t.Errorf("nothing uncalled changed, got %+v", sr.Uncalled)
	}
}

func TestBreakingInAnUncalledOperation(t *testing.T) {
	rep, sr := compareCase(t, "breaking-uncalled", false)
	if rep.Verdict != "ok" || rep.Breaking != 0 {
		t.Errorf("verdict %s with %d breaking, want ok with 0", rep.Verdict, rep.Breaking)
	}
	c := only(t, "uncalled", sr.Uncalled, "new-required-request-parameter")
	if c.OperationID != "getUser" || c.Called || c.Breaking || c.Level != "error" {
		t.Errorf("want getUser's change listed apart, breaking for oasdiff but not for rolecall, got %+v", c)
	}
}

func TestAddedOptionalField(t *testing.T) {
	rep, sr := compareCase(t, "optional-field", false)
	if rep.Verdict != "ok" {
		t.Errorf("verdict %s, want ok", rep.Verdict)
	}
	c := only(t, "other", sr.Other, "response-optional-property-added")
	if c.OperationID != "list-users" || !c.Called || c.Breaking || c.Property != "" {
		t.Errorf("got %+v", c)
	}
}

func TestAddedEnumValueInAFieldTheFacadeSwitchesOn(t *testing.T) {
	rep, sr := compareCase(t, "enum-value", false)
	if rep.Verdict != "breaking" {
		t.Errorf("verdict %s, want breaking", rep.Verdict)
	}
	c := only(t, "breaking", sr.Breaking, "response-property-enum-value-added")
	if c.Property != "users/items/roles/items/type" || c.GoField != "AssignedRole.Type" ||
		!slices.Contains(c.Facade, "RoleKind") || !slices.Contains(c.Columns, "role_kind") {
		t.Errorf("want the role type, feeding RoleKind and role_kind, got %+v", c)
	}
	if !strings.Contains(c.Reason, "switch on") {
		t.Errorf("reason %q", c.Reason)
	}
}

func TestAddedEnumValueInAFieldTheFacadeOnlyCopies(t *testing.T) {
	rep, sr := compareCase(t, "enum-value-unswitched", false)
	if rep.Verdict != "ok" {
		t.Errorf("verdict %s, want ok: the drivers copy API roles without switching on them", rep.Verdict)
	}
	// ApiRole is the enum of a user's api_roles and of an app client's
	// (listAppClient, which the drivers call too): one change each, copied.
	want := map[string]string{"listUsers": "User.ApiRoles", "listAppClient": "AppClient.ApiRoles"}
	got := map[string]string{}
	for _, c := range sr.Other {
		if c.ID != "response-property-enum-value-added" {
			continue
		}
		got[c.OperationID] = c.GoField
		if !c.Called || c.Breaking || !slices.Contains(c.Columns, "role_id") {
			t.Errorf("want a called, copied field feeding role_id, got %+v", c)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("enum value added in: got %v, want %v", got, want)
	}
	only(t, "uncalled", sr.Uncalled, "response-property-enum-value-added") // getUser's copy
}

func TestRemovedMappedField(t *testing.T) {
	rep, sr := compareCase(t, "removed-mapped-field", true)
	if rep.Verdict != "breaking" {
		t.Errorf("verdict %s, want breaking", rep.Verdict)
	}
	c := only(t, "breaking", sr.Breaking, "response-required-property-removed")
	if c.OperationID != "ListRoleUsers" || c.Property != "items/primaryEmail" || c.GoField != "UserProfile.PrimaryEmail" ||
		!slices.Equal(c.Facade, []string{"Email"}) || !slices.Equal(c.Columns, []string{"email"}) || len(c.At) == 0 {
		t.Errorf("got %+v", c)
	}
	// The regenerated client loses the field: an incompatible Go API change.
	api := sr.GoAPI
	if api == nil || api.Error != "" {
		t.Fatalf("Go API: %+v", api)
	}
	if !slices.Contains(api.Incompatible, "UserProfile.PrimaryEmail: removed") || api.Bump != "major" || rep.Bump != "major" {
		t.Errorf("Go API: want UserProfile.PrimaryEmail removed, a major bump; got %+v", api)
	}
	text := rep.Text()
	for _, want := range []string{
		"verdict: BREAKING: 1 change(s)",
		"x ListRoleUsers GET /api/roles/{id}/users: removed the required property `items/primaryEmail`",
		"reads: UserProfile.PrimaryEmail (items/primaryEmail)",
		"facade fields: Email; report columns: email",
		"incompatible: UserProfile.PrimaryEmail: removed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
}

// TestExitStatusAndJSON runs the command as make spec-diff does.
func TestExitStatusAndJSON(t *testing.T) {
	for name, want := range map[string]int{"breaking-called": 1, "breaking-uncalled": 0, "optional-field": 0} {
		dir := filepath.Join("testdata", "cases", name)
		spec, _ := os.ReadFile(filepath.Join(dir, "spec"))
		ext := filepath.Ext(strings.TrimSpace(string(spec)))
		var out, errs bytes.Buffer
		code := run([]string{"-repo", repo, "-spec", strings.TrimSpace(string(spec)), "-base", filepath.Join(dir, "base"+ext),
			"-new", filepath.Join(dir, "head"+ext), "-goapi=false", "-format", "json"}, &out, &errs)
		if code != want {
			t.Errorf("%s: exit %d, want %d (%s)", name, code, want, errs.String())
		}
		var rep Report
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (rep.Verdict == "breaking") != (want == 1) {
			t.Errorf("%s: verdict %s", name, rep.Verdict)
		}
		// The job summary's form.
		var md bytes.Buffer
		if err := rep.Write(&md, "markdown"); err != nil {
			t.Fatal(err)
		}
		head := "## Spec change gate: ✅"
		if want == 1 {
			head = "## Spec change gate: ❌ 1 change(s) break operations rolecall calls"
		}
		if !strings.HasPrefix(md.String(), head) || !strings.Contains(md.String(), "```text\nspec-diff: ") {
			t.Errorf("%s: markdown report:\n%s", name, md.String())
		}
	}
}

// TestCurrentTreeHasNoChange is make spec-diff on a clean checkout.
func TestCurrentTreeHasNoChange(t *testing.T) {
	if out, err := git("status", "--porcelain", "--", "api/specs", "gen"); err != nil || len(out) > 0 {
		t.Skipf("api/specs or gen has local changes (or no git): %s %v", out, err)
	}
	var out, errs bytes.Buffer
	if code := run([]string{"-repo", repo, "-base", "HEAD"}, &out, &errs); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errs.String())
	}
	if !strings.Contains(out.String(), "verdict: OK") || strings.Contains(out.String(), ": changed") {
		t.Errorf("want no change:\n%s", out.String())
	}
}

// TestOldRevision compares with the first commit of the repository's own
// history, as make spec-diff BASE=<rev> does.
func TestOldRevision(t *testing.T) {
	roots, err := git("rev-list", "--max-parents=0", "HEAD")
	if err != nil || roots == "" {
		t.Skipf("no history: %v", err)
	}
	first := strings.Fields(roots)[0]
	rep, err := Compare(Options{Root: repo, Base: first, Usage: testUsage(t)})
	if err != nil {
		t.Fatal(err)
	}
	gens, err := filepath.Glob(filepath.Join(repo, "gen", "*", "generate.go"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Specs) != len(gens) {
		t.Errorf("want every generated package's spec compared (%d), got %d", len(gens), len(rep.Specs))
	}
	if _, err := Compare(Options{Root: repo, Base: "no-such-revision", Usage: testUsage(t)}); err == nil {
		t.Error("an unknown revision is an error")
	}
}

func git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = repo
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// TestOverlayChange: Cortex's client is generated from the spec with its
// overlay applied, so a change to the overlay alone is judged too.
func TestOverlayChange(t *testing.T) {
	gens, err := generators(repo)
	if err != nil {
		t.Fatal(err)
	}
	base := worktreeTree(repo)
	overlay, err := base("api/specs/cortex.overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lowered := bytes.Replace(overlay, []byte("maximum: 1000"), []byte("maximum: 500"), 1)
	if bytes.Equal(lowered, overlay) {
		t.Fatal("the overlay no longer bounds pageSize at 1000; update this test")
	}
	head := withFile(base, "api/specs/cortex.overlay.yaml", lowered)
	sr, err := compareProvider(repo, "cortex", gens["cortex"], base, head, testUsage(t))
	if err != nil {
		t.Fatal(err)
	}
	c := only(t, "breaking", sr.Breaking, "request-parameter-max-decreased")
	if c.Parameter != "pageSize" || !strings.Contains(c.Reason, "parameter the drivers send") {
		t.Errorf("got %+v", c)
	}
}

// cortexVariant writes a changed copy of the vendored Cortex spec and runs
// the gate on it.
func cortexVariant(t *testing.T, change func(doc map[string]any)) *SpecReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "api", "specs", "cortex.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cortex.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Compare(Options{Root: repo, Spec: "api/specs/cortex.json", New: path, Base: "HEAD", Usage: testUsage(t)})
	if err != nil {
		t.Fatal(err)
	}
	return rep.Specs[0]
}

func obj(v any, keys ...string) map[string]any {
	for _, k := range keys {
		v = v.(map[string]any)[k]
	}
	return v.(map[string]any)
}

func TestErrorBodyPropertyTheDriversRead(t *testing.T) {
	sr := cortexVariant(t, func(doc map[string]any) {
		s := obj(doc, "components", "schemas", "ErrorResponse")
		delete(obj(s, "properties"), "message")
		s["required"] = []any{"type"}
	})
	var found bool
	for _, c := range sr.Breaking {
		if c.Property == "message" && strings.Contains(c.Reason, "401 response") && c.GoField == "ErrorResponse.Message" {
			found = true
		}
	}
	if !found {
		t.Errorf("want the error message's removal breaking (the driver reads it for its errors), got %+v", sr.Breaking)
	}
}

func TestCalledOperationRemovedOrRenamed(t *testing.T) {
	gone := cortexVariant(t, func(doc map[string]any) { delete(obj(doc, "paths"), "/api/v1/users/roles") })
	if len(gone.Breaking) == 0 || !slices.Contains(gone.Called, "getUserRoleAssignments") {
		t.Errorf("a called operation removed: want breaking, got %+v", gone)
	}
	renamed := cortexVariant(t, func(doc map[string]any) {
		obj(doc, "paths", "/api/v1/users/roles", "get")["operationId"] = "listUserRoles"
	})
	c := only(t, "breaking", renamed.Breaking, "api-operation-id-removed")
	if !c.Called || !strings.Contains(c.Reason, "renamed") {
		t.Errorf("got %+v", c)
	}
}

// TestPagingPropertyRemoved: a page's totalPages, read by name through
// internal/jsonstream rather than a generated field, is a property the
// driver reads.
func TestPagingPropertyRemoved(t *testing.T) {
	sr := cortexVariant(t, func(doc map[string]any) {
		s := obj(doc, "components", "schemas", "UserRoleAssignmentsResponse")
		delete(obj(s, "properties"), "totalPages")
		s["required"] = []any{"page", "total", "users"}
	})
	c := only(t, "breaking", sr.Breaking, "response-required-property-removed")
	if c.Property != "totalPages" || c.GoField != "UserRoleAssignmentsResponse.TotalPages" || len(c.At) == 0 {
		t.Errorf("got %+v", c)
	}
}

// TestPagingHeaderRemoved: Logto pages by its Total-Number and Link
// headers, which the driver reads.
func TestPagingHeaderRemoved(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repo, "api", "specs", "logto.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const header = "            Total-Number:\n              $ref: '#/components/headers/TotalNumber'\n"
	edited := strings.Replace(string(data), header, "", 1) // the first: ListRoles
	if edited == string(data) {
		t.Fatal("logto.yaml no longer declares Total-Number this way; update this test")
	}
	path := filepath.Join(t.TempDir(), "logto.yaml")
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Compare(Options{Root: repo, Spec: "api/specs/logto.yaml", New: path, Base: "HEAD", Usage: testUsage(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Specs[0].Breaking) != 1 || rep.Specs[0].Breaking[0].Header != "Total-Number" {
		t.Errorf("want Total-Number's removal breaking, got %+v", rep.Specs[0].Breaking)
	}
}
