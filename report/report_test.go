package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sample = []Row{
	{Provider: "openai", UserID: "user-2", Email: "b@x.com", Name: "B, \"the\" second", RoleID: "owner", RoleName: "owner",
		RoleKind: "builtin", Scope: "api.organization"},
	{Provider: "openai", UserID: "user-1", Email: "a@x.com", RoleID: "role_1", RoleName: "Data & Export", RoleKind: "custom",
		Scope: "api.organization", Permissions: []string{"api.files.read", "api.usage.read"}, Via: "group/g1,group/g2"},
	{Provider: "cortex", UserID: "c@x.com", Email: "c@x.com", Name: "C", RoleID: "ADMIN", RoleName: "ADMIN", RoleKind: "builtin"},
	{Provider: "vectara", UserID: "u", Email: "d@x.com", Username: "d", Disabled: true, RoleID: "owner", RoleName: "owner",
		RoleKind: "builtin", Scope: "corpus/docs"},
}

func write(t *testing.T, f Format, rows []Row) string {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(f, &b)
	for _, r := range rows {
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Close())
	return b.String()
}

func TestRoundTrip(t *testing.T) {
	sorted := append([]Row(nil), sample...)
	Sort(sorted)
	for _, f := range []Format{JSON, NDJSON, CSV} {
		out := write(t, f, sample)
		rows, got, err := Read(strings.NewReader(out))
		require.NoError(t, err, f)
		assert.Equal(t, f, got)
		if f.Sorted() {
			assert.Equal(t, sorted, rows, f)
		} else {
			assert.Equal(t, sample, rows, "%s keeps the arrival order", f)
		}
	}
}

func TestJSONShape(t *testing.T) {
	out := write(t, JSON, sample[2:3])
	assert.Equal(t, `[
  {"provider":"cortex","user_id":"c@x.com","email":"c@x.com","name":"C","username":"","disabled":false,"role_id":"ADMIN","role_name":"ADMIN","role_kind":"builtin","scope":"","permissions":[],"via":""}
]
`, out)
	assert.Equal(t, "[]\n", write(t, JSON, nil))
	assert.Contains(t, write(t, NDJSON, sample[1:2]), `"role_name":"Data & Export"`, "no HTML escaping")
	assert.Empty(t, write(t, NDJSON, nil))
}

func TestCSVShape(t *testing.T) {
	out := write(t, CSV, sample[:2])
	assert.Equal(t, "provider,user_id,email,name,username,disabled,role_id,role_name,role_kind,scope,permissions,via\n"+
		"openai,user-2,b@x.com,\"B, \"\"the\"\" second\",,false,owner,owner,builtin,api.organization,,\n"+
		"openai,user-1,a@x.com,,,false,role_1,Data & Export,custom,api.organization,api.files.read;api.usage.read,\"group/g1,group/g2\"\n", out)
	assert.Equal(t, strings.Join(Fields, ",")+"\n", write(t, CSV, nil), "an empty report still has its header")
}

func TestTable(t *testing.T) {
	out := write(t, Table, append(sample, Row{Provider: "logto", UserID: "x", RoleID: "r", Name: "evil\x1b[2Jname"}))
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 6)
	assert.Equal(t, TableHeader, strings.Fields(lines[0]))
	assert.True(t, strings.HasPrefix(lines[1], "cortex "), "sorted: %q", lines[1])
	assert.NotContains(t, out, "\x1b", "control characters never reach the terminal")
	for _, l := range lines {
		assert.Equal(t, l, strings.TrimRight(l, " "), "no trailing blanks")
	}
	// Columns line up.
	col := strings.Index(lines[0], "ROLE_ID")
	for _, l := range lines[1:] {
		r := []rune(l)
		assert.NotEqual(t, ' ', r[col], "%q", l)
		assert.Equal(t, ' ', r[col-1], "%q", l)
	}
	assert.Contains(t, lines[5], "  yes  ")
}

func TestParseFormat(t *testing.T) {
	f, err := ParseFormat("NDJSON")
	require.NoError(t, err)
	assert.Equal(t, NDJSON, f)
	_, err = ParseFormat("xml")
	assert.ErrorContains(t, err, "table, json, ndjson, csv")
}

func TestReadErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":         "  \n",
		"table":         "PROVIDER  USER_ID\n",
		"text":          "hello",
		"bad json":      "[{",
		"trailing":      "[] []",
		"missing key":   `[{"provider":"p","user_id":"u"}]`,
		"bad ndjson":    "{\"provider\":\"p\"\n",
		"ndjson no key": `{"provider":"p","role_id":"r"}`,
		"csv header":    "provider,user\n",
		"csv disabled":  strings.Join(Fields, ",") + "\np,u,,,,maybe,r,,,,,\n",
		"csv no key":    strings.Join(Fields, ",") + "\np,,,,,false,r,,,,,\n",
		"csv width":     strings.Join(Fields, ",") + "\np,u\n",
	} {
		_, _, err := Read(strings.NewReader(in))
		assert.Error(t, err, name)
	}
	rows, f, err := Read(strings.NewReader("\xef\xbb\xbf\n" + strings.Join(Fields, ",") + "\n"))
	require.NoError(t, err, "a BOM and no rows")
	assert.Equal(t, CSV, f)
	assert.Empty(t, rows)
}

func TestDiff(t *testing.T) {
	old := []Row{
		{Provider: "p", UserID: "u1", RoleID: "r1", RoleName: "R1", Permissions: []string{"a", "b"}},
		{Provider: "p", UserID: "u2", RoleID: "r1", RoleName: "R1"},
		{Provider: "p", UserID: "u3", RoleID: "r1", RoleName: "R1", Email: "u3@x.com"},
		{Provider: "q", UserID: "u1", RoleID: "r1", Scope: "s"},
	}
	new := []Row{
		{Provider: "p", UserID: "u1", RoleID: "r1", RoleName: "R1", Permissions: []string{"b", "a"}}, // same set
		{Provider: "p", UserID: "u2", RoleID: "r1", RoleName: "Role One", Disabled: true, Permissions: []string{"c"}},
		{Provider: "p", UserID: "u4", RoleID: "r1", RoleName: "R1"},
		{Provider: "q", UserID: "u1", RoleID: "r1", Scope: "t"}, // another scope: revoked and granted
	}
	d, err := Diff(old, new)
	require.NoError(t, err)
	assert.Equal(t, 1, d.Unchanged)
	require.Len(t, d.Granted, 2)
	assert.Equal(t, "u4", d.Granted[0].UserID)
	assert.Equal(t, "t", d.Granted[1].Scope)
	require.Len(t, d.Revoked, 2)
	assert.Equal(t, "u3", d.Revoked[0].UserID)
	require.Len(t, d.Changed, 1)
	assert.Equal(t, []string{"disabled", "role_name", "permissions"}, d.Changed[0].Fields)

	var b bytes.Buffer
	require.NoError(t, d.WriteText(&b, "old.json", "new.json", 4, 4))
	text := b.String()
	assert.Contains(t, text, "granted 2, revoked 2, changed 1, unchanged 1")
	assert.Contains(t, text, `  + p: "u4" holds "R1" (r1)`)
	assert.Contains(t, text, `  - p: "u3" <u3@x.com> holds "R1" (r1)`)
	assert.Contains(t, text, `  + q: "u1" holds "r1" in t`)
	assert.Contains(t, text, `  ~ p: "u2" holds "Role One" (r1) [disabled]: disabled false → true; role_name "R1" → "Role One"; permissions +c`)

	b.Reset()
	require.NoError(t, d.WriteJSON(&b))
	assert.Contains(t, b.String(), `"fields": [`)

	_, err = Diff(append(old, old[0]), new)
	assert.ErrorContains(t, err, "old report lists p user \"u1\" role \"r1\" twice")

	empty, err := Diff(nil, nil)
	require.NoError(t, err)
	assert.True(t, empty.Empty())
	b.Reset()
	require.NoError(t, empty.WriteJSON(&b))
	assert.Contains(t, b.String(), `"granted": []`)
}
