package main

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
)

// terminalWidth is the terminal the default table must fit.
const terminalWidth = 160

// widest is the widest line of out, in characters (the table pads by
// character count; the project has no display-width helper).
func widest(out string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}

// header is the first line of out, split into its names.
func header(out string) []string {
	first, _, _ := strings.Cut(out, "\n")
	return strings.Fields(first)
}

// demoTables are the demo's three tables: the command line, the default
// columns and every column.
var demoTables = []struct {
	args          []string
	golden        string
	defaults, all []string
}{
	{[]string{"demo"}, "demo", report.DefaultTableColumns, report.TableHeader},
	{[]string{"demo", "people"}, "demo-people", upper(review.DefaultPeopleColumns), upper(review.PeopleFields)},
	{[]string{"demo", "review"}, "demo-review", upper(review.DefaultFindingColumns), upper(review.FindingFields)},
}

// TestTableFitsATerminal: by default the demo's tables (access report,
// people, findings) fit a terminal 160 characters wide, in the columns a
// reviewer reads; --wide shows every column, as the table did before
// --columns (the -wide goldens are that table).
func TestTableFitsATerminal(t *testing.T) {
	t.Parallel()
	for _, c := range demoTables {
		t.Run(c.golden, func(t *testing.T) {
			t.Parallel()
			r := inproc(t, env{}, c.args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.LessOrEqual(t, widest(r.stdout), terminalWidth, "%s: the widest line", c.args)
			assert.Equal(t, c.defaults, header(r.stdout))

			r = inproc(t, env{}, append(slices.Clone(c.args), "--wide")...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, c.all, header(r.stdout), "--wide: every column")
			golden(t, c.golden+"-wide.table.golden", r.stdout)
		})
	}
}

// TestColumnsFlag: --columns picks the table's columns by header name,
// case-insensitively, in the order given; an unknown name is a usage error
// listing the columns; --columns and --wide are for the table only, and
// not together.
func TestColumnsFlag(t *testing.T) {
	t.Parallel()
	picks := map[string][]string{"demo": {"privileged", "Email", "ROLE_NAME"}, "demo-people": {"roles", "person"},
		"demo-review": {"reason", "kind", "exemption"}}
	for _, c := range demoTables {
		t.Run(c.golden, func(t *testing.T) {
			t.Parallel()
			pick := picks[c.golden]
			r := inproc(t, env{}, append(slices.Clone(c.args), "--columns", strings.Join(pick, ","))...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, upper(pick), header(r.stdout), "picked, in the order given")
			wide := inproc(t, env{}, append(slices.Clone(c.args), "--wide")...)
			assert.Equal(t, strings.Count(wide.stdout, "\n"), strings.Count(r.stdout, "\n"), "every row")

			for _, bad := range [][]string{
				{"--columns", "email,nope"},
				{"--columns", ","},
				{"--columns", strings.ToLower(c.all[0]), "--wide"},
				{"--columns", strings.ToLower(c.all[0]), "--format", "csv"},
				{"--wide", "--format", "json"},
			} {
				r := inproc(t, env{}, append(slices.Clone(c.args), bad...)...)
				assert.Equal(t, 2, r.code, "%s %s", c.args, bad)
				assert.Empty(t, r.stdout)
				assert.Contains(t, r.stderr, "rolecall "+strings.Join(c.args, " ")+": --", "%s", bad)
				if bad[1] == "email,nope" || bad[1] == "," {
					assert.Contains(t, r.stderr, strings.Join(c.all, ", "), "the error lists the columns")
				}
			}
		})
	}
	// list checks --columns before it lists anything.
	r := inproc(t, env{}, "list", "--columns", "nope")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `rolecall list: --columns: unknown column "nope" (the columns are PROVIDER, USER_ID,`)
	for _, cmd := range []string{"people", "review"} {
		r := inproc(t, env{}, cmd, "--columns", "nope")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "rolecall "+cmd+`: --columns: unknown column "nope"`)
	}
}
