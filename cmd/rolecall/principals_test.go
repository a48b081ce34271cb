package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
)

// runOf reads the run record of a JSON report.
func runOf(t *testing.T, out string) *report.Run {
	t.Helper()
	rep, err := report.Read(strings.NewReader(out))
	require.NoError(t, err, "output:\n%s", out)
	require.NotNil(t, rep.Run, "a JSON report carries its run record")
	return rep.Run
}

// cortexKinds and vectaraKinds are the Coverage of a complete listing of
// those drivers (Cortex lists users and API keys; Vectara users, API keys
// and app clients), asked for every kind.
var (
	cortexKinds = map[string]string{"user": "listed", "service_account": "not_offered", "api_key": "listed",
		"application": "not_offered", "group": "not_offered", "invitation": "not_offered"}
	vectaraKinds = map[string]string{"user": "listed", "service_account": "not_offered", "api_key": "listed",
		"application": "listed", "group": "not_offered", "invitation": "not_offered"}
)

// TestPrincipalsReachTheListing: --principals selects the kinds listed,
// and the run record says what was asked for and how each kind ended. A
// driver asked only for a kind it does not list makes no request and lists
// nothing, completely; asked for every kind, it lists its users and keys.
func TestPrincipalsReachTheListing(t *testing.T) {
	t.Parallel()
	srv, e := fake(t, "cortex", 8, providertest.Options{})

	r := inproc(t, e, "list", "--format", "json", "--principals", "service-account")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Empty(t, parseReport(t, "json", r.stdout))
	assert.Zero(t, srv.Requests(), "no kind asked for is one the driver lists: no request; by op: %v", srv.RequestsByOp())
	run := runOf(t, r.stdout)
	assert.Equal(t, []string{"service_account"}, run.Principals, "the kind as parsed, service-account for service_account")
	pr := run.Provider("cortex")
	require.NotNil(t, pr)
	assert.Equal(t, report.StatusComplete, pr.Status)
	assert.Equal(t, "not_asked", pr.Kinds["user"])
	assert.Equal(t, "not_asked", pr.Kinds["api_key"])
	assert.Equal(t, "not_offered", pr.Kinds["service_account"])
	assert.Len(t, pr.Kinds, len(facade.Kinds), "every kind, those the driver does not list included")

	r = inproc(t, e, "list", "--format", "json")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, wantRows(srv.Tenant()), oracle(parseReport(t, "json", r.stdout), "cortex"))
	run = runOf(t, r.stdout)
	assert.Empty(t, run.Principals, "every kind: no --principals recorded")
	assert.Equal(t, cortexKinds, run.Provider("cortex").Kinds)
	assert.NotContains(t, r.stdout, `"principals"`, "omitted when every kind is asked for")

	// Repeated and comma-separated, each kind once.
	r = inproc(t, e, "list", "--format", "json", "--principals", "user,api_key", "--principals", "USER,group")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, wantRows(srv.Tenant()), oracle(parseReport(t, "json", r.stdout), "cortex"))
	run = runOf(t, r.stdout)
	assert.Equal(t, []string{"user", "api_key", "group"}, run.Principals)
	assert.Equal(t, cortexKinds, run.Provider("cortex").Kinds, "a kind the driver does not list is not_offered, asked for or not")
}

// TestPrincipalsEveryListingCommand: every command that lists takes
// --principals, and refuses an unknown kind as a usage error naming the
// kinds, before any request.
func TestPrincipalsEveryListingCommand(t *testing.T) {
	t.Parallel()
	srv, e := fake(t, "vectara", 4, providertest.Options{})
	for _, cmd := range [][]string{{"list"}, {"people"}, {"review"}, {"demo"}, {"verify"},
		{"record", "--provider", "vectara", "--dir", t.TempDir()}} {
		assert.Contains(t, helpFlags(t, cmd[0]), "--principals", "%s --help", cmd[0])
		r := inproc(t, e, append(cmd, "--principals", "user,robot")...)
		assert.Equal(t, exitUsage, r.code, "%s: stderr: %s", cmd, r.stderr)
		assert.Contains(t, r.stderr, `unknown principal kind "robot"`, cmd)
		assert.Contains(t, r.stderr, "user, service_account, api_key, application, group, invitation", cmd)
		assert.Empty(t, r.stdout, cmd)

		r = inproc(t, e, append(cmd, "--principals", ",")...)
		assert.Equal(t, exitUsage, r.code, "%s: an empty --principals names no kind: stderr: %s", cmd, r.stderr)
	}
	assert.Zero(t, srv.Requests(), "a usage error makes no request")

	r := inproc(t, e, "people", "--format", "json", "--principals", "invitation")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Zero(t, srv.Requests(), "people passes --principals to the listing")
	r = inproc(t, env{}, "demo", "--format", "json", "--provider", "cortex", "--principals", "user")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	assert.Equal(t, []string{"user"}, runOf(t, r.stdout).Principals, "demo records --principals")
}

// TestRefusedListingIsNotPermitted: a driver answered 403 on every
// listing fails the provider (its rows left out, exit 1), and the run
// record says its kinds are not_permitted beside the error.
func TestRefusedListingIsNotPermitted(t *testing.T) {
	t.Parallel()
	e := envFor("cortex", statusServer(t, 403, nil,
		`{"type":"forbidden","title":"Forbidden","status":403,"detail":"missing View Roles"}`), "tok-403-test")
	healthy, he := fake(t, "vectara", 5, providertest.Options{})
	r := inproc(t, e.merge(he), args([]string{"list", "--format", "json"}, fast)...)
	require.Equal(t, exitFailed, r.code, "stderr: %s", r.stderr)
	require.Len(t, linesAbout(r.stderr, "cortex:"), 1, r.stderr)
	assert.Contains(t, linesAbout(r.stderr, "cortex:")[0], "403 forbidden")
	assert.Equal(t, wantRows(healthy.Tenant()), oracle(parseReport(t, "json", r.stdout), "vectara"))
	assert.Empty(t, oracle(parseReport(t, "json", r.stdout), "cortex"), "a failed provider's rows are left out")

	run := runOf(t, r.stdout)
	pr := run.Provider("cortex")
	require.NotNil(t, pr)
	assert.Equal(t, report.StatusFailed, pr.Status)
	assert.Contains(t, pr.Error, "403 forbidden")
	assert.Equal(t, "not_permitted", pr.Kinds["user"], "kinds: %v", pr.Kinds)
	assert.Equal(t, "not_offered", pr.Kinds["invitation"])
	assert.Equal(t, vectaraKinds, run.Provider("vectara").Kinds)
}

// refusingLister fails its listing the way a driver that lists several
// kinds does when the provider refused it some (driverkit.Refused): after
// the other kinds' assignments, with a PermissionDenied error naming the
// refused kinds and --principals.
type refusingLister struct{}

func (refusingLister) Provider() string { return "openai" }

func (refusingLister) ListAssignments(context.Context, *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
	return func(yield func(facade.Assignment, error) bool) {
		if !yield(facade.Assignment{Provider: "openai", UserID: "user-1", Email: "ada@example.com", RoleID: "owner"}, nil) {
			return
		}
		yield(facade.Assignment{}, &facade.Error{Provider: "openai", Op: "list api_key, group (refused: list admin api keys)",
			Code: facade.PermissionDenied, StatusCode: 403, Message: "You have insufficient permissions for this operation.",
			Hint: "the credentials may not list api_key, group; the other kinds were listed. Give them the permission " +
				"to read api_key, group, or leave these kinds out (rolecall --principals, facade.ListOptions.Principals) " +
				"to list the rest completely"})
	}
}

// TestRefusedKindsFailureLine: a provider refused some kinds prints one
// failure line naming the kinds and --principals, and its run record
// carries the same error; its other kinds' rows are left out with it.
func TestRefusedKindsFailureLine(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	a := &app{ctx: t.Context(), env: getenv(env{}.get), stdout: &stdout, stderr: &stderr}
	rf := runFlags{maxRetries: 1, quiet: true}
	s, err := a.newSession(&rf, []string{"openai"}, func(string, facade.Options) (facade.Lister, error) {
		return refusingLister{}, nil
	})
	require.NoError(t, err)
	code := a.writeReport(listCommand, s, report.JSON, &reportFlags{}, nil)
	require.Equal(t, exitFailed, code, "stderr: %s", stderr.String())
	lines := linesAbout(stderr.String(), "openai:")
	require.Len(t, lines, 1, stderr.String())
	for _, want := range []string{"list api_key, group", "403 forbidden", "may not list api_key, group", "--principals"} {
		assert.Contains(t, lines[0], want)
	}
	var out struct {
		Assignments []json.RawMessage `json:"assignments"`
		Run         report.Run        `json:"run"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out))
	assert.Empty(t, out.Assignments, "the refused provider's other rows are left out too")
	pr := out.Run.Provider("openai")
	require.NotNil(t, pr)
	assert.Equal(t, report.StatusFailed, pr.Status)
	assert.Equal(t, lines[0], pr.Error, "the run record says what the console said")
	assert.Contains(t, stderr.String(), "rolecall: 1 of 1 provider failed; the report is empty")
}

// TestDiffDifferentPrincipals: diff between a listing of every kind and
// one asked only for keys says that the runs listed different kinds and
// leaves the users out (exit 2) rather than reporting every user's roles
// revoked; --allow-partial compares them anyway. Between every kind and
// --principals user, it leaves the keys out the same way, and finds the
// users unchanged. check takes a report with kinds as any other.
func TestDiffDifferentPrincipals(t *testing.T) {
	t.Parallel()
	srv, e := fake(t, "cortex", 8, providertest.Options{})
	n := len(srv.Tenant().Rows())
	k := len(srv.Tenant().RowsOf("api_key"))
	require.Positive(t, n-k)
	require.Positive(t, k, "the workspace has API keys")
	dir := t.TempDir()
	all, keys, users := filepath.Join(dir, "all.json"), filepath.Join(dir, "keys.json"), filepath.Join(dir, "users.csv")
	for _, c := range [][]string{{"--format", "json", "--output", all}, {"--format", "json", "--output", keys, "--principals", "api_key"},
		{"--format", "csv", "--output", users, "--principals", "user"}} {
		r := inproc(t, e, append([]string{"list"}, c...)...)
		require.Equal(t, 0, r.code, "%v: stderr: %s", c, r.stderr)
	}

	r := inproc(t, env{}, "check", all, keys, users)
	assert.Equal(t, 0, r.code, "reports with kinds check clean: %s%s", r.stdout, r.stderr)

	r = inproc(t, env{}, "diff", all, keys)
	assert.Equal(t, exitUsage, r.code, "a kind left out: the reports cannot be called equal; stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, `WARNING: the reports listed different kinds of principal: --principals not given (every kind), then "api_key"`)
	assert.Contains(t, r.stdout, "WARNING: cortex user was listed in the old report only (not_asked in the new report): its rows are left out")
	assert.Contains(t, r.stdout, fmt.Sprintf("granted 0, revoked 0, changed 0, unchanged %d", k), "the keys, listed in both")
	assert.Contains(t, r.stderr, "cortex user left out of the comparison")

	r = inproc(t, env{}, "diff", "--format", "json", all, keys)
	assert.Equal(t, exitUsage, r.code)
	var d struct {
		ExcludedKinds []report.KindRef `json:"excluded_kinds"`
		Revoked       []report.Row     `json:"revoked"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &d))
	assert.Equal(t, []report.KindRef{{Provider: "cortex", Kind: "user"}}, d.ExcludedKinds)
	assert.Empty(t, d.Revoked)
	assert.Contains(t, r.stderr, "rolecall diff: WARNING: cortex user was listed in the old report only")

	r = inproc(t, env{}, "diff", "--allow-partial", all, keys)
	assert.Equal(t, exitDiffer, r.code, "stderr: %s", r.stderr)
	assert.Contains(t, r.stdout, fmt.Sprintf("revoked %d", n-k), "the users' rows")
	assert.Contains(t, r.stdout, "compared anyway (--allow-partial)")

	r = inproc(t, env{}, "diff", all, users)
	assert.Equal(t, exitUsage, r.code, "stdout: %s stderr: %s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, `WARNING: the reports listed different kinds of principal: --principals not given (every kind), then "user"`)
	assert.Contains(t, r.stdout, "WARNING: cortex api_key was listed in the old report only")
	assert.Contains(t, r.stdout, fmt.Sprintf("granted 0, revoked 0, changed 0, unchanged %d", n-k))
}
