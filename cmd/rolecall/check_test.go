package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/report"
)

// demoFile writes the demo's report in format to dir/name, with its run
// record, and returns the file's name.
func demoFile(t *testing.T, dir, name, format string) string {
	t.Helper()
	file := filepath.Join(dir, name)
	r := inproc(t, env{}, "demo", "--format", format, "--output", file)
	require.Equal(t, 0, r.code, r.stderr)
	return file
}

// keepLines rewrites file with only its first n lines.
func keepLines(t *testing.T, file string, n int) {
	t.Helper()
	lines := strings.SplitAfter(string(mustRead(t, file)), "\n")
	require.Greater(t, len(lines), n)
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(lines[:n], "")), 0o644))
}

// copyFile copies from to to.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, os.WriteFile(to, mustRead(t, from), 0o644))
}

// TestDiffRefusesACutShortReport is issue 28's reproduction: the demo's
// ndjson report cut 12 rows short, in the middle of vectara's rows (a copy
// interrupted; issue 28 had its first 40 lines of 52, before the access
// graph: now 115 of 127),
// beside its intact run record, was read as complete and diff printed 12
// revocations. It is refused: exit 2, naming the file, the provider and
// both counts, and nothing is compared.
func TestDiffRefusesACutShortReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	whole := filepath.Join(dir, "b.ndjson")
	r := exe(t, env{}, "demo", "--format", "ndjson", "--output", whole)
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, strings.SplitAfter(string(mustRead(t, whole)), "\n"), demoRows+1, "a line a row")
	cut := filepath.Join(dir, "a.ndjson")
	copyFile(t, whole, cut)
	keepLines(t, cut, demoRows-12)
	copyFile(t, report.SidecarName(whole), report.SidecarName(cut))

	r = exe(t, env{}, "diff", whole, cut)
	assert.Equal(t, 2, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	assert.Contains(t, r.stderr, "a.ndjson: vectara: 18 assignments read, the run record counts 30: "+
		"the report is cut short or edited; restore it from its source")
	assert.NotContains(t, r.stderr, "for usage", "not a usage error")
	assert.NotContains(t, r.stdout, "revoked")
}

// TestDiffRefusesAnEditedReport: a role renamed in a report, its counts
// intact, is caught by the run record's digest, in every format.
func TestDiffRefusesAnEditedReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, format := range []string{"json", "ndjson", "csv"} {
		whole := demoFile(t, dir, "whole."+format, format)
		edited := filepath.Join(dir, "edited."+format)
		b := string(mustRead(t, whole))
		changed := strings.Replace(b, "agent_user", "agent_owner", 1)
		require.NotEqual(t, b, changed)
		require.NoError(t, os.WriteFile(edited, []byte(changed), 0o644))
		if format != "json" {
			copyFile(t, report.SidecarName(whole), report.SidecarName(edited))
		}
		r := inproc(t, env{}, "diff", whole, edited)
		assert.Equal(t, 2, r.code, "%s: %s", format, r.stdout)
		assert.Contains(t, r.stderr, "edited."+format+": vectara: the run record's digest (rows_sha256 ", format)
		assert.Contains(t, r.stderr, "the report was edited", format)
		assert.Empty(t, r.stdout, format)
	}
}

// demoRows is the number of rows the demo lists: cortex 10, logto 32,
// openai 55, vectara 30 (the whole access graph of each), in that order in
// every format (testdata/golden/*.json).
const demoRows = 127

var digestLine = regexp.MustCompile(`(?m)^  (\w+) +complete +(\d+) +(\d+) +ok +([0-9a-f]{64})$`)

// TestCheck: rolecall check says an untouched report is intact and
// complete (exit 0) with the same digests whatever its format; a cut or
// edited one is not (exit 2); one without a digest or a run record is not
// proven (exit 1).
func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var first map[string]string
	for _, format := range []string{"json", "ndjson", "csv"} {
		file := demoFile(t, dir, "demo."+format, format)
		r := inproc(t, env{}, "check", file)
		require.Equal(t, 0, r.code, "%s: %s%s", format, r.stdout, r.stderr)
		assert.Contains(t, r.stdout, "demo."+format+": intact and complete: "+fmt.Sprint(demoRows)+" assignments match")
		digests := map[string]string{}
		for _, m := range digestLine.FindAllStringSubmatch(r.stdout, -1) {
			assert.Equal(t, m[2], m[3], "rows and count")
			digests[m[1]] = m[4]
		}
		require.Len(t, digests, 4, r.stdout)
		if first == nil {
			first = digests
		}
		assert.Equal(t, first, digests, "%s: the digests are the json report's", format)
	}

	// Cut short: the last two rows of the csv gone, the json's array cut.
	csv := filepath.Join(dir, "cut.csv")
	copyFile(t, filepath.Join(dir, "demo.csv"), csv)
	copyFile(t, report.SidecarName(filepath.Join(dir, "demo.csv")), report.SidecarName(csv))
	keepLines(t, csv, demoRows-1) // the header and all rows but the last two
	var env1 map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(mustRead(t, filepath.Join(dir, "demo.json")), &env1))
	var rows []json.RawMessage
	require.NoError(t, json.Unmarshal(env1["assignments"], &rows))
	env1["assignments"], _ = json.Marshal(rows[1:])
	cutJSON := filepath.Join(dir, "cut.json")
	b, _ := json.Marshal(env1)
	require.NoError(t, os.WriteFile(cutJSON, b, 0o644))
	r := inproc(t, env{}, "check", csv, cutJSON, filepath.Join(dir, "demo.ndjson"))
	assert.Equal(t, 2, r.code, r.stdout)
	assert.Contains(t, r.stdout, "cut.csv: NOT INTACT: vectara: 28 assignments read, the run record counts 30")
	assert.Contains(t, r.stdout, "cut.json: NOT INTACT: cortex: 9 assignments read, the run record counts 10")
	assert.Contains(t, r.stdout, "demo.ndjson: intact and complete", "every file is checked")
	q := inproc(t, env{}, "check", "--quiet", csv, cutJSON, filepath.Join(dir, "demo.ndjson"))
	assert.Equal(t, 2, q.code)
	assert.Len(t, strings.Split(strings.TrimSpace(q.stdout), "\n"), 3, "--quiet: a verdict a file: %s", q.stdout)
	assert.NotContains(t, q.stdout, "PROVIDER")

	// A run record written before digests: the counts match, the digest
	// is not recorded.
	old := filepath.Join(dir, "old.ndjson")
	copyFile(t, filepath.Join(dir, "demo.ndjson"), old)
	sidecar := regexp.MustCompile(`\s*"rows_sha256": "[0-9a-f]+",`).
		ReplaceAll(mustRead(t, report.SidecarName(filepath.Join(dir, "demo.ndjson"))), nil)
	require.NotContains(t, string(sidecar), "rows_sha256")
	require.NoError(t, os.WriteFile(report.SidecarName(old), sidecar, 0o644))
	r = inproc(t, env{}, "check", old)
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "not recorded")
	assert.Contains(t, r.stdout, "old.ndjson: counts match ("+fmt.Sprint(demoRows)+" assignments), but no digest recorded for cortex, openai, vectara, logto")
	r = inproc(t, env{}, "diff", filepath.Join(dir, "demo.ndjson"), old)
	assert.Equal(t, 0, r.code, "an old report still reads: %s%s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "old.ndjson: "+fmt.Sprint(demoRows)+" assignments, run demo finished 2026-11-30T00:00:00Z, complete, no digest recorded")

	// No run record at all.
	bare := filepath.Join(dir, "bare.ndjson")
	copyFile(t, filepath.Join(dir, "demo.ndjson"), bare)
	r = inproc(t, env{}, "check", bare)
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "bare.ndjson: ndjson, "+fmt.Sprint(demoRows)+" assignments, NO RUN RECORD")

	r = inproc(t, env{}, "check", filepath.Join(dir, "missing.json"))
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stdout, "missing.json: UNREADABLE")
	r = inproc(t, env{}, "check")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "for usage")
}

// TestCheckPartialReport: a report whose run record has a failed provider
// is intact but not complete: exit 1, the provider named.
func TestCheckPartialReport(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "partial.json")
	f, err := os.Create(file)
	require.NoError(t, err)
	w := report.NewWriter(f, report.Options{Format: report.JSON})
	require.NoError(t, w.Write(report.Row{Provider: "openai", UserID: "u1", RoleID: "owner"}))
	require.NoError(t, w.Drop("logto"))
	run := &report.Run{Schema: report.RunSchema, ID: "p", Order: "sorted", Providers: []report.ProviderRun{
		{Provider: "openai", Status: report.StatusComplete, Assignments: 1, Users: 1},
		{Provider: "logto", Status: report.StatusFailed, Error: "401 unauthorized"}}}
	require.NoError(t, w.Finish(run))
	require.NoError(t, f.Close())
	r := inproc(t, env{}, "check", file)
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "partial.json: intact (1 assignment matches the run record), but INCOMPLETE: logto failed")
}
