package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rep(run *Run, rows ...Row) *Report { return &Report{Format: JSON, Run: run, Rows: rows} }

func runOf(status map[string]string) *Run {
	r := &Run{Schema: RunSchema, ID: "r"}
	for _, p := range []string{"p", "q", "v"} {
		if s, ok := status[p]; ok {
			r.Providers = append(r.Providers, ProviderRun{Provider: p, Status: s})
		}
	}
	return r
}

func TestDiff(t *testing.T) {
	complete := map[string]string{"p": StatusComplete, "q": StatusComplete}
	old := rep(runOf(complete),
		Row{Provider: "p", UserID: "u1", RoleID: "r1", RoleName: "R1", Permissions: []string{"a", "b"}, Via: "g/1,g/2"},
		Row{Provider: "p", UserID: "u2", RoleID: "r1", RoleName: "R1"},
		Row{Provider: "p", UserID: "u3", RoleID: "r1", RoleName: "R1", Email: "u3@x.com"},
		Row{Provider: "q", UserID: "u1", RoleID: "r1", Scope: "s"},
	)
	new := rep(runOf(complete),
		Row{Provider: "p", UserID: "u1", RoleID: "r1", RoleName: "R1", Permissions: []string{"b", "a"}, Via: "g/2,g/1"}, // same sets
		Row{Provider: "p", UserID: "u2", RoleID: "r1", RoleName: "Role One", Disabled: true, Permissions: []string{"c"}},
		Row{Provider: "p", UserID: "u4", RoleID: "r1", RoleName: "R1"},
		Row{Provider: "q", UserID: "u1", RoleID: "r1", Scope: "t"}, // another scope: revoked and granted
	)
	d, err := Diff(old, new, nil)
	require.NoError(t, err)
	assert.Empty(t, d.Warnings)
	assert.Equal(t, 1, d.Unchanged, "via and permissions compare as sets")
	require.Len(t, d.Granted, 2)
	assert.Equal(t, "u4", d.Granted[0].UserID)
	assert.Equal(t, "t", d.Granted[1].Scope)
	require.Len(t, d.Revoked, 2)
	assert.Equal(t, "u3", d.Revoked[0].UserID)
	require.Len(t, d.Changed, 1)
	assert.Equal(t, []string{"disabled", "role_name", "permissions"}, d.Changed[0].Fields)

	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b, Side{"old.json", old}, Side{"new.json", new}))
	text := b.String()
	assert.Contains(t, text, "granted 2, revoked 2, changed 1, unchanged 1")
	assert.Contains(t, text, "  + p u4: R1 (r1)\n")
	assert.Contains(t, text, "  - p u3@x.com (u3): R1 (r1)\n")
	assert.Contains(t, text, "  + q u1: r1 in t\n")
	assert.Contains(t, text, "  disabled: p u2 (1 role)\n")
	assert.Contains(t, text, `  ~ p u2: Role One (r1): role_name "R1" → "Role One"; permissions +c`)

	b.Reset()
	require.NoError(t, d.WriteJSON(&b))
	assert.Contains(t, b.String(), `"fields": [`)

	_, err = Diff(rep(nil, append(old.Rows, old.Rows[0])...), new, nil)
	assert.ErrorContains(t, err, "old report lists p user \"u1\" role \"r1\" twice")

	empty, err := Diff(rep(runOf(nil)), rep(runOf(nil)), nil)
	require.NoError(t, err)
	assert.True(t, empty.Empty())
	b.Reset()
	require.NoError(t, empty.WriteJSON(&b))
	assert.Contains(t, b.String(), `"granted": []`)
}

// TestDiffPerPerson: disabling one person is one line, not one a role.
func TestDiffPerPerson(t *testing.T) {
	var old, new []Row
	for _, role := range []string{"r1", "r2", "r3"} {
		old = append(old, Row{Provider: "p", UserID: "u1", Email: "ada@x", RoleID: role})
		new = append(new, Row{Provider: "p", UserID: "u1", Email: "ada@x", RoleID: role, Disabled: true})
	}
	new = append(new, Row{Provider: "p", UserID: "u2", Email: "bob@x", RoleID: "r1"},
		Row{Provider: "p", UserID: "u2", Email: "bob@x", RoleID: "r2"})
	d, err := Diff(rep(nil, old...), rep(nil, new...), nil)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b, Side{"a", rep(nil, old...)}, Side{"b", rep(nil, new...)}))
	text := b.String()
	assert.Contains(t, text, "  disabled: p ada@x (u1) (3 roles)\n")
	assert.Equal(t, 1, strings.Count(text, "ada@x"), text)
	assert.Contains(t, text, "  + p bob@x (u2): r1; r2\n")
	assert.Contains(t, text, "WARNING: the old report has no run record")
}

// TestDiffPartial: a provider that failed, or is missing from one side, is
// a loud warning and left out, unless AllowPartial.
func TestDiffPartial(t *testing.T) {
	rows := func(p string, n int) []Row {
		var out []Row
		for i := range n {
			out = append(out, Row{Provider: p, UserID: "u" + string(rune('a'+i)), RoleID: "r"})
		}
		return out
	}
	old := rep(runOf(map[string]string{"p": StatusComplete, "q": StatusComplete, "v": StatusComplete}),
		append(append(rows("p", 2), rows("q", 22)...), rows("v", 3)...)...)
	// q is missing from the new run; v failed in it.
	new := rep(runOf(map[string]string{"p": StatusComplete, "v": StatusFailed}), rows("p", 3)...)
	new.Run.Providers[1].Error = "401 unauthorized"
	d, err := Diff(old, new, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"q", "v"}, d.Excluded)
	assert.Len(t, d.Revoked, 0, "not 25 revoked")
	assert.Len(t, d.Granted, 1)
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b, Side{"q2.json", old}, Side{"q3.json", new}))
	assert.Contains(t, b.String(), "WARNING: q is missing from the new report: left out of the comparison")
	assert.Contains(t, b.String(), "WARNING: v failed in the new report (401 unauthorized): left out")
	assert.Contains(t, b.String(), "q3.json: 3 assignments, run r finished 0001-01-01T00:00:00Z, INCOMPLETE: v failed")

	d, err = Diff(old, new, &DiffOptions{AllowPartial: true})
	require.NoError(t, err)
	assert.Empty(t, d.Excluded)
	assert.Len(t, d.Revoked, 25)
	assert.Len(t, d.Warnings, 2, "still warned")

	// Without run records, a provider with rows on one side only is missing
	// from the other.
	d, err = Diff(rep(nil, append(rows("p", 1), rows("q", 2)...)...), rep(nil, rows("p", 1)...), nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"q"}, d.Excluded)
	assert.True(t, d.Empty())
}

// TestDiffAccountColumns: a status, account type or privilege change is a
// change; a new sign-in or record update is not.
func TestDiffAccountColumns(t *testing.T) {
	complete := runOf(map[string]string{"p": StatusComplete})
	base := Row{Provider: "p", UserID: "u1", Email: "ada@x", RoleID: "admin", RoleName: "admin", Status: "active",
		AccountType: "human", Created: "2024-01-02T03:04:05Z", Updated: "2025-01-01T00:00:00Z",
		LastActivity: "2026-10-01T00:00:00Z"}
	moved := base
	moved.Updated, moved.LastActivity = "2026-11-01T00:00:00Z", "2026-11-29T00:00:00Z"
	d, err := Diff(rep(complete, base), rep(complete, moved), nil)
	require.NoError(t, err)
	assert.True(t, d.Empty(), "updated and last_activity are not compared")
	assert.Equal(t, 1, d.Unchanged)

	changed := moved
	changed.Status, changed.Privileged = "suspended", true
	d, err = Diff(rep(complete, base), rep(complete, changed), nil)
	require.NoError(t, err)
	require.Len(t, d.Changed, 1)
	assert.Equal(t, []string{"status", "privileged"}, d.Changed[0].Fields)
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b, Side{"a", rep(complete, base)}, Side{"b", rep(complete, changed)}))
	assert.Contains(t, b.String(), "  status \"active\" → \"suspended\": p ada@x (u1) (1 role)\n", "status is the person's")
	assert.Contains(t, b.String(), "  ~ p ada@x (u1): admin: privileged \"false\" → \"true\"\n", "privileged is the role's")
}

// TestDiffKinds: a kind of principal only one report listed (by the run
// records' kinds) is left out of the comparison with a warning, rather
// than its rows showing as revoked; different --principals are a warning.
func TestDiffKinds(t *testing.T) {
	kinds := func(apiKey string) map[string]string {
		return map[string]string{"user": "listed", "service_account": "not_offered", "api_key": apiKey,
			"application": "not_offered", "group": "not_offered", "invitation": "not_offered"}
	}
	user := Row{Provider: "p", UserID: "u1", RoleID: "r1"}
	key := Row{Provider: "p", PrincipalKind: "api_key", UserID: "k1", RoleID: "r1"}
	old := rep(runOf(map[string]string{"p": StatusComplete}), user, key)
	old.Run.Providers[0].Kinds = kinds("listed")
	new := rep(runOf(map[string]string{"p": StatusComplete}), user)
	new.Run.Principals = []string{"user"}
	new.Run.Providers[0].Kinds = kinds("not_asked")

	d, err := Diff(old, new, nil)
	require.NoError(t, err)
	assert.Empty(t, d.Revoked, "the keys were not asked for: not revoked")
	assert.Equal(t, 1, d.Unchanged)
	assert.Empty(t, d.Excluded, "the provider itself is compared")
	assert.Equal(t, []KindRef{{Provider: "p", Kind: "api_key"}}, d.ExcludedKinds)
	assert.Equal(t, []string{
		`the reports listed different kinds of principal: --principals not given (every kind), then "user"`,
		"p api_key was listed in the old report only (not_asked in the new report): its rows are left out of the comparison (--allow-partial compares them anyway)",
	}, d.Warnings)
	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b, Side{"old.json", old}, Side{"new.json", new}))
	assert.Contains(t, b.String(), "WARNING: p api_key was listed in the old report only")
	assert.Contains(t, b.String(), "no differences in the providers compared")
	b.Reset()
	require.NoError(t, d.WriteJSON(&b))
	assert.Contains(t, b.String(), `"excluded_kinds": [`)
	assert.Contains(t, b.String(), `"kind": "api_key"`)

	// The other way round, not permitted: granted, left out all the same.
	d, err = Diff(new, rep(old.Run, user, key), nil)
	require.NoError(t, err)
	assert.Empty(t, d.Granted)
	assert.Equal(t, []KindRef{{Provider: "p", Kind: "api_key"}}, d.ExcludedKinds)
	assert.Contains(t, d.Warnings[1], "p api_key was listed in the new report only (not_asked in the old report)")

	d, err = Diff(old, new, &DiffOptions{AllowPartial: true})
	require.NoError(t, err)
	assert.Equal(t, []Row{key}, d.Revoked, "--allow-partial compares the kind anyway")
	assert.Empty(t, d.ExcludedKinds)
	assert.Contains(t, d.Warnings[1], "compared anyway (--allow-partial)")

	// Records written before kinds: compared whole, as before.
	old.Run.Providers[0].Kinds, new.Run.Providers[0].Kinds = nil, nil
	new.Run.Principals = nil
	d, err = Diff(old, new, nil)
	require.NoError(t, err)
	assert.Equal(t, []Row{key}, d.Revoked)
	assert.Empty(t, d.Warnings)

	// The same kinds asked for, in another order: no warning.
	old.Run.Principals, new.Run.Principals = []string{"user", "api_key"}, []string{"api_key", "user"}
	d, err = Diff(old, rep(old.Run, user, key), nil)
	require.NoError(t, err)
	assert.Empty(t, d.Warnings)
}
