package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// asToolEnv, set in a test binary's environment, makes the binary the
// specdiff command (TestMain calls runAsTool): the gate scripts run it
// through SPECDIFF_BIN, so no test builds the tool, and it reads rolecall's
// use of the clients from the JSON file the variable names instead of
// deriving it again from the same code (about five CPU seconds a run).
const asToolEnv = "SPECDIFF_TEST_AS_TOOL"

// noGoAPIEnv, set with asToolEnv, makes the command skip the Go API
// comparison (-goapi=false after the arguments given): regenerating the
// changed client twice is about five CPU seconds a run, and its report is
// TestRemovedMappedField's; one run of TestGateScript keeps it.
const noGoAPIEnv = "SPECDIFF_TEST_NO_GOAPI"

// runAsTool is main, with the usage read from file.
func runAsTool(file string) int {
	deriveUsage = func(string) (*Usage, error) {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		u := new(Usage)
		return u, json.Unmarshal(data, u)
	}
	args := os.Args[1:]
	if os.Getenv(noGoAPIEnv) != "" {
		args = append(args, "-goapi=false")
	}
	return run(args, os.Stdout, os.Stderr)
}

// gateRepo is a temporary git repository holding a copy of rolecall's work
// tree, committed as the base branch main (and origin/main, as a pull
// request's checkout sees it), in which the spec-gate workflow's step
// script runs.
type gateRepo struct {
	dir   string
	env   []string // git without the user's configuration; the tool as this binary
	usage string   // the usage file the tool reads
}

func newGateRepo(t *testing.T) *gateRepo {
	t.Helper()
	if _, err := git("rev-parse", "--git-dir"); err != nil {
		t.Skipf("the repository is not a git work tree: %v", err)
	}
	files, err := git("ls-files", "--cached", "--others", "--exclude-standard", "-z")
	if err != nil {
		t.Fatal(err)
	}
	g := &gateRepo{dir: t.TempDir()}
	for _, rel := range strings.Split(files, "\x00") {
		if rel == "" {
			continue
		}
		src := filepath.Join(repo, filepath.FromSlash(rel))
		st, err := os.Lstat(src)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if !st.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(g.dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, st.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	u, err := json.Marshal(testUsage(t))
	if err != nil {
		t.Fatal(err)
	}
	g.usage = filepath.Join(t.TempDir(), "usage.json")
	if err := os.WriteFile(g.usage, u, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "GIT_"), strings.HasPrefix(name, "GITHUB_"),
			name == "BASE_REF", name == "ACKNOWLEDGED", name == "SPECDIFF_BIN", name == asToolEnv, name == noGoAPIEnv:
			continue
		}
		g.env = append(g.env, kv)
	}
	g.env = append(g.env, "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=gate test", "GIT_AUTHOR_EMAIL=gate@example.invalid",
		"GIT_COMMITTER_NAME=gate test", "GIT_COMMITTER_EMAIL=gate@example.invalid",
		"SPECDIFF_BIN="+self, asToolEnv+"="+g.usage, noGoAPIEnv+"=1")

	g.git(t, "init", "-q", "-b", "main")
	g.git(t, "add", "-A")
	g.git(t, "commit", "-q", "-m", "base")
	g.git(t, "update-ref", "refs/remotes/origin/main", "main")
	g.git(t, "checkout", "-q", "-b", "change")
	return g
}

func (g *gateRepo) git(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	cmd.Env = g.env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// change makes the pull request's branch main plus one commit that writes
// data to rel.
func (g *gateRepo) change(t *testing.T, rel string, data []byte) {
	t.Helper()
	g.git(t, "reset", "-q", "--hard", "main")
	if err := os.WriteFile(filepath.Join(g.dir, filepath.FromSlash(rel)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	g.git(t, "commit", "-q", "-a", "-m", "change "+rel)
}

// gateRun is one run of the step script.
type gateRun struct {
	code                    int
	summary, stdout, stderr string
}

// step runs .github/scripts/spec-gate.sh from the repository root as the
// workflow does, with env added to the environment, and the job summary
// it appends to.
func (g *gateRepo) step(t *testing.T, env ...string) gateRun {
	t.Helper()
	summary := filepath.Join(t.TempDir(), "summary.md")
	cmd := exec.Command(filepath.Join(g.dir, ".github", "scripts", "spec-gate.sh"))
	cmd.Dir = g.dir
	cmd.Env = append(append(append([]string{}, g.env...), "GITHUB_STEP_SUMMARY="+summary), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var r gateRun
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("run the step script: %v", err)
		}
		r.code = exit.ExitCode()
	}
	r.stdout, r.stderr = stdout.String(), stderr.String()
	data, err := os.ReadFile(summary)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	r.summary = string(data)
	return r
}

// check asserts the step's exit status and what its job summary says.
func (r gateRun) check(t *testing.T, code int, has, lacks []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nsummary:\n%s\nstderr:\n%s", r.code, code, r.summary, r.stderr)
	}
	for _, s := range has {
		if !strings.Contains(r.summary, s) {
			t.Errorf("the job summary lacks %q:\n%s", s, r.summary)
		}
	}
	for _, s := range lacks {
		if strings.Contains(r.summary, s) {
			t.Errorf("the job summary says %q:\n%s", s, r.summary)
		}
	}
}

// TestGateScript runs the spec-gate workflow's step script in a copy of
// the repository on a pull request that changes the Cortex spec harmlessly
// and on one that breaks an operation rolecall calls, with and without the
// spec-break-acknowledged label, and on gates that cannot run: the label
// lets a breaking change through, and never a broken gate.
func TestGateScript(t *testing.T) {
	g := newGateRepo(t)
	const spec = "api/specs/cortex.json"
	vendored, err := os.ReadFile(filepath.Join(g.dir, spec))
	if err != nil {
		t.Fatal(err)
	}
	// testdata/cases/breaking-called adds a required parameter to the
	// operation the Cortex driver calls.
	dir := filepath.Join("testdata", "cases", "breaking-called")
	if base, err := os.ReadFile(filepath.Join(dir, "base.json")); err != nil || !bytes.Equal(base, vendored) {
		t.Fatalf("%s/base.json is no longer %s (%v): update the case", dir, spec, err)
	}
	breaking, err := os.ReadFile(filepath.Join(dir, "head.json"))
	if err != nil {
		t.Fatal(err)
	}
	const email = `"description":"Email address of the user"`
	harmless := bytes.Replace(vendored, []byte(email), []byte(`"description":"The user's email address"`), 1)
	if bytes.Equal(harmless, vendored) {
		t.Fatalf("%s no longer has %s: update this test", spec, email)
	}

	const (
		ok           = "## Spec change gate: ✅"
		broken       = "## Spec change gate: ❌ 1 change(s) break operations rolecall calls"
		acknowledged = "Breaking changes acknowledged by the spec-break-acknowledged label"
		refused      = "Breaking changes, not acknowledged"
		failed       = "## Spec change gate: failed"
		changed      = "== cortex (api/specs/cortex.json): changed"
	)
	base := "BASE_REF=main"
	label := map[bool]string{false: "ACKNOWLEDGED=false", true: "ACKNOWLEDGED=true"}

	g.change(t, spec, harmless)
	for _, ack := range []bool{false, true} {
		t.Run("harmless/"+label[ack], func(t *testing.T) {
			g.step(t, base, label[ack]).check(t, 0, []string{ok, changed}, []string{broken, acknowledged, refused, failed})
		})
	}

	g.change(t, spec, breaking)
	t.Run("breaking/"+label[false], func(t *testing.T) {
		// The whole report, as the workflow makes it: with the Go API of
		// the regenerated client.
		r := g.step(t, base, label[false], noGoAPIEnv+"=")
		r.check(t, 1, []string{broken, refused, "Go API of regenerated gen/cortex: compatible additions"},
			[]string{ok, acknowledged, failed})
		if !strings.Contains(r.stdout, broken) {
			t.Errorf("the job log lacks the report:\n%s", r.stdout)
		}
		var rep Report
		data, err := os.ReadFile(filepath.Join(g.dir, "spec-diff.json"))
		if err == nil {
			err = json.Unmarshal(data, &rep)
		}
		if err != nil || rep.Verdict != "breaking" || rep.Breaking != 1 {
			t.Errorf("spec-diff.json (the artifact): want verdict breaking with 1, got %+v (%v)", rep, err)
		}
	})
	t.Run("breaking/"+label[true], func(t *testing.T) {
		g.step(t, base, label[true]).check(t, 0, []string{broken, acknowledged}, []string{ok, refused, failed})
	})

	// Gates that cannot run, on the breaking change and with the label.
	t.Run("unknown-base/"+label[true], func(t *testing.T) {
		r := g.step(t, "BASE_REF=no-such-branch", label[true])
		r.check(t, 2, []string{failed, `-base "origin/no-such-branch" is neither a file nor a git revision`},
			[]string{acknowledged, refused, ok, broken})
	})
	t.Run("no-base/"+label[true], func(t *testing.T) {
		g.step(t, label[true]).check(t, 2, []string{failed, "BASE_REF is empty"}, []string{acknowledged, refused})
	})
	t.Run("tool-crashes/"+label[true], func(t *testing.T) {
		crash := filepath.Join(t.TempDir(), "specdiff")
		if err := os.WriteFile(crash, []byte("#!/bin/sh\nkill -KILL $$\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		r := g.step(t, base, label[true], "SPECDIFF_BIN="+crash)
		r.check(t, 2, []string{failed, "reported as 2"}, []string{acknowledged, refused})
	})
	t.Run("build-fails/"+label[true], func(t *testing.T) {
		main := filepath.Join(g.dir, "tools", "specdiff", "main.go")
		src, err := os.ReadFile(main)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(main, append(src, "\nthis does not compile\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(main, src, 0o644)
		r := g.step(t, base, label[true], "SPECDIFF_BIN=") // run.sh builds the tool
		r.check(t, 2, []string{failed, "building tools/specdiff into bin/specdiff failed"}, []string{acknowledged, refused})
	})
}
