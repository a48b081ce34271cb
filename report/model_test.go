package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// modelRows fill every model column: an API key owned by a service
// account, a user with the key's id holding the same role (another
// assignment), and a role held through a group.
var modelRows = []Row{
	{Provider: "openai", UserID: "key_1", Name: "ci-deploy", RoleID: "role_w", RoleName: "Writer", RoleKind: "custom",
		Scope: "project/proj_1", PrincipalKind: "api_key", OwnerKind: "service_account", OwnerID: "svc_1",
		OwnerName: "deploy-bot", ScopeKind: "project", ScopeID: "proj_1", ScopeName: "Deploy", Held: "direct",
		Expires: "2027-01-01T00:00:00Z"},
	{Provider: "openai", UserID: "key_1", Email: "k@x.com", RoleID: "role_w", RoleName: "Writer", RoleKind: "custom",
		Scope: "project/proj_1", PrincipalKind: "user", ScopeKind: "project", ScopeID: "proj_1", Held: "direct"},
	{Provider: "openai", UserID: "user-9", Email: "g@x.com", RoleID: "role_g", RoleName: "Group Role", RoleKind: "custom",
		Scope: "api.organization", Via: "group/g1", PrincipalKind: "user", ScopeKind: "organization", Held: "group"},
}

// TestModelColumnsRoundTrip: every model column reads back as written, in
// every format, with the run record checked; the table shows them.
func TestModelColumnsRoundTrip(t *testing.T) {
	for _, f := range []Format{JSON, NDJSON, CSV} {
		file := writeFile(t, t.TempDir(), Options{Format: f}, modelRows)
		rep, err := ReadFile(file)
		require.NoError(t, err, f)
		assert.Equal(t, sorted(modelRows), rep.Rows, f)
		for _, c := range rep.Check() {
			assert.NoError(t, c.Err, "%s %s", f, c.Provider)
		}
	}
	out := write(t, Options{Format: Table}, modelRows, nil)
	for _, v := range []string{"PRINCIPAL", "OWNER_KIND", "EXPIRES", "api_key", "service_account", "svc_1", "deploy-bot",
		"proj_1", "Deploy", "group", "2027-01-01T00:00:00Z"} {
		assert.Contains(t, out, v)
	}
	assert.Len(t, ModelColumns, 9)
	assert.Equal(t, Fields[accountColumns:], ModelColumns, "the model's columns come last")
}

// TestKeyOfKinds: a user's key is the same whether its row says "user" or
// nothing (written before principal kinds); a key with a user's id is
// another assignment, which Diff and the Writer keep apart.
func TestKeyOfKinds(t *testing.T) {
	old := Row{Provider: "openai", UserID: "key_1", RoleID: "role_w", Scope: "project/proj_1"}
	assert.Equal(t, old.Key(), modelRows[1].Key(), "user and \"\" are one kind")
	assert.Equal(t, Key{Provider: "openai", UserID: "key_1", RoleID: "role_w", Scope: "project/proj_1"}, old.Key(),
		"a user's key is what it was")
	assert.NotEqual(t, modelRows[0].Key(), modelRows[1].Key())
	assert.Contains(t, modelRows[0].Key().String(), `openai api_key "key_1"`)
	rep := &Report{Rows: modelRows}
	d, err := Diff(rep, rep, nil)
	require.NoError(t, err, "not one assignment twice")
	assert.Equal(t, len(modelRows), d.Unchanged)
	w := NewWriter(&bytes.Buffer{}, Options{Format: NDJSON})
	for _, r := range modelRows {
		require.NoError(t, w.Write(r))
	}
	n, users := w.Counts("openai")
	assert.Equal(t, [2]int64{3, 2}, [2]int64{n, users}, "the key is no user")
	w.Abort()
}

// oldDigest is rows_sha256 as the code before the model computed it: the
// first accountColumns columns of each row as netstrings.
func oldDigest(rows []Row) string {
	d := newRowDigest()
	for i := range rows {
		d.buf = d.buf[:0]
		for _, c := range columns[:accountColumns] {
			d.buf = netstring(d.buf, canonical(c.get(&rows[i])))
		}
		d.h.Write(d.buf)
	}
	return d.sum()
}

// TestDigestOfRowsWithoutModel: a row whose model columns are empty has
// the digest it had before them; filling one changes it, and moving a
// value between rows does too.
func TestDigestOfRowsWithoutModel(t *testing.T) {
	assert.Equal(t, oldDigest(sample), RowsDigest(sample))
	r := sample[1]
	r.Held = "group"
	assert.NotEqual(t, RowsDigest(sample[1:2]), RowsDigest([]Row{r}))
	a, b := modelRows[1], modelRows[1]
	b.ScopeName = "x"
	a2, b2 := a, b
	a2.ScopeName, b2.ScopeName = "x", ""
	assert.NotEqual(t, RowsDigest([]Row{a, b}), RowsDigest([]Row{a2, b2}))
}

// beforeModel are reports `rolecall demo` wrote at the commit before the
// model's columns (5aa545c), with their run records (in the JSON, in the
// sidecars).
var beforeModel = []string{"before-model.json", "before-model.ndjson", "before-model.csv"}

// TestReportsBeforeModelRead: reports written before the model's columns
// still read and check clean against their digests, the model's fields
// empty, and compare with a report of the same listing written now (the
// model filled in) without a change in any pair of formats.
func TestReportsBeforeModelRead(t *testing.T) {
	var olds []*Report
	for _, name := range beforeModel {
		rep, err := ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err, name)
		require.NotNil(t, rep.Run, name)
		require.Len(t, rep.Rows, 52, name)
		for _, c := range rep.Check() {
			assert.NoError(t, c.Err, "%s %s", name, c.Provider)
			assert.NotEmpty(t, c.Recorded, "%s %s: a digest to check", name, c.Provider)
		}
		for _, r := range rep.Rows {
			for _, c := range columns[accountColumns:] {
				assert.Empty(t, c.get(&r), "%s %s", name, c.name)
			}
		}
		olds = append(olds, rep)
	}
	// The same listing written now: every row with the model's columns.
	rows := append([]Row(nil), olds[0].Rows...)
	for i := range rows {
		r := &rows[i]
		r.PrincipalKind, r.Held = "user", "direct"
		r.ScopeKind = map[string]string{"cortex": "workspace", "logto": "tenant", "openai": "organization",
			"vectara": "account"}[r.Provider]
		if k, id, ok := strings.Cut(r.Scope, "/"); ok {
			r.ScopeKind, r.ScopeID = k, id
		}
	}
	dir := t.TempDir()
	for _, f := range []Format{JSON, NDJSON, CSV} {
		file := filepath.Join(dir, "new."+string(f))
		run := *olds[0].Run
		run.Providers = append([]ProviderRun(nil), run.Providers...)
		require.NoError(t, os.WriteFile(file, []byte(write(t, Options{Format: f}, rows, &run)), 0o644))
		if f.Sidecar() {
			var b bytes.Buffer
			require.NoError(t, WriteRun(&b, &run))
			require.NoError(t, os.WriteFile(SidecarName(file), b.Bytes(), 0o644))
		}
		rep, err := ReadFile(file)
		require.NoError(t, err, f)
		for i, old := range olds {
			for _, pair := range [][2]*Report{{old, rep}, {rep, old}} {
				d, err := Diff(pair[0], pair[1], nil)
				require.NoError(t, err)
				assert.True(t, d.Empty(), "%s against %s: %+v", beforeModel[i], f, d.Changed)
				assert.Equal(t, 52, d.Unchanged)
			}
		}
		// Between two reports that both carry the model, its columns
		// compare.
		changed := append([]Row(nil), rep.Rows...)
		changed[0].Held = "group"
		d, err := Diff(rep, &Report{Rows: changed}, nil)
		require.NoError(t, err)
		require.Len(t, d.Changed, 1, f)
		assert.Equal(t, []string{"held"}, d.Changed[0].Fields)
	}
}

// TestDiffModelFields: the principal's fields show once per person, the
// role's with the role.
func TestDiffModelFields(t *testing.T) {
	newRows := append([]Row(nil), modelRows...)
	newRows[0].Expires = "2028-01-01T00:00:00Z"
	newRows[0].OwnerID = "svc_2"
	newRows[2].ScopeName = "Org"
	d, err := Diff(&Report{Rows: modelRows}, &Report{Rows: newRows}, nil)
	require.NoError(t, err)
	require.Len(t, d.Changed, 2)
	var b strings.Builder
	require.NoError(t, d.WriteText(&b, Side{Name: "a", Report: &Report{Rows: modelRows}}, Side{Name: "b", Report: &Report{Rows: newRows}}))
	out := b.String()
	assert.Contains(t, out, `owner_id "svc_1" → "svc_2": openai api_key key_1 (1 role)`)
	assert.Contains(t, out, `expires "2027-01-01T00:00:00Z" → "2028-01-01T00:00:00Z": openai api_key key_1`)
	assert.Contains(t, out, `~ openai g@x.com (user-9): Group Role (role_g) in api.organization: scope_name "" → "Org"`)
	assert.Equal(t, "2", strconv.Itoa(len(d.Changed)))
}
