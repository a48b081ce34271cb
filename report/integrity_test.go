package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeFile writes rows as a report in file dir/r.<format> as rolecall
// does: the run record embedded (JSON) or in the sidecar, after Finish
// has recorded the digests. It returns the file's name.
func writeFile(t *testing.T, dir string, o Options, rows []Row) string {
	t.Helper()
	file := filepath.Join(dir, "r."+string(o.Format))
	run := runOfRows(rows)
	run.CSVRaw = o.CSVRaw
	require.NoError(t, os.WriteFile(file, []byte(write(t, o, rows, run)), 0o644))
	if o.Format.Sidecar() {
		var b bytes.Buffer
		require.NoError(t, WriteRun(&b, run))
		require.NoError(t, os.WriteFile(SidecarName(file), b.Bytes(), 0o644))
	}
	return file
}

// mismatch requires err to be a *MismatchError of provider, wrapping
// ErrMismatch, and returns it.
func requireMismatch(t *testing.T, err error, provider string) *MismatchError {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, ErrMismatch)
	var me *MismatchError
	require.ErrorAs(t, err, &me)
	assert.Equal(t, provider, me.Provider)
	assert.Contains(t, err.Error(), "restore it from its source")
	return me
}

// TestCutShortReportIsRefused: a report that lost its last rows (a copy
// interrupted) beside its intact run record is refused, in every format,
// naming the provider and both counts; the rows read come with the error.
func TestCutShortReportIsRefused(t *testing.T) {
	for _, f := range []Format{JSON, NDJSON, CSV} {
		t.Run(string(f), func(t *testing.T) {
			file := writeFile(t, t.TempDir(), Options{Format: f}, sample)
			_, err := ReadFile(file)
			require.NoError(t, err, "the intact report reads")
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			var cut string
			if f == JSON {
				// Drop the last row (vectara's), keeping the JSON valid.
				var env struct {
					Assignments []json.RawMessage `json:"assignments"`
					Run         json.RawMessage   `json:"run"`
				}
				require.NoError(t, json.Unmarshal(b, &env))
				env.Assignments = env.Assignments[:len(env.Assignments)-1]
				out, err := json.Marshal(env)
				require.NoError(t, err)
				cut = string(out)
			} else {
				lines := strings.SplitAfter(string(b), "\n")
				cut = strings.Join(lines[:len(lines)-2], "") // the last line is ""
			}
			require.NoError(t, os.WriteFile(file, []byte(cut), 0o644))
			rep, err := ReadFile(file)
			me := requireMismatch(t, err, "vectara")
			assert.Equal(t, int64(0), me.Rows)
			assert.Equal(t, int64(1), me.Counted)
			assert.Contains(t, err.Error(), "vectara: 0 assignments read, the run record counts 1: the report is cut short or edited")
			require.NotNil(t, rep, "the report read comes with the error")
			assert.Len(t, rep.Rows, len(sample)-1)
		})
	}
}

// TestEditedReportIsRefused: a row edited, moved or swapped for another
// with the counts intact is caught by the digest, in every format.
func TestEditedReportIsRefused(t *testing.T) {
	for _, f := range []Format{JSON, NDJSON, CSV} {
		t.Run(string(f), func(t *testing.T) {
			dir := t.TempDir()
			file := writeFile(t, dir, Options{Format: f}, sample)
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			for name, edit := range map[string]func(string) string{
				"role renamed": func(s string) string { return strings.Replace(s, "Data & Export", "Data & Exports", 1) },
				"disabled flipped": func(s string) string {
					if f == CSV {
						return strings.Replace(s, "d,true,owner", "d,false,owner", 1)
					}
					return strings.Replace(s, `"disabled":true`, `"disabled":false`, 1)
				},
				"rows swapped": func(s string) string { // openai's two rows change places
					lines := strings.Split(s, "\n")
					i := 0
					for ; !strings.Contains(lines[i], "user-1"); i++ {
					}
					next := lines[i+1]
					if f == JSON { // a CSV row may end with an empty cell
						next = strings.TrimSuffix(next, ",")
					}
					lines[i], lines[i+1] = next, lines[i]
					if f == JSON {
						lines[i] += ","
					}
					return strings.Join(lines, "\n")
				},
			} {
				edited := edit(string(b))
				require.NotEqual(t, string(b), edited, name)
				require.NoError(t, os.WriteFile(file, []byte(edited), 0o644))
				_, err := ReadFile(file)
				me := requireMismatch(t, err, map[bool]string{true: "vectara", false: "openai"}[name == "disabled flipped"])
				assert.Equal(t, me.Counted, me.Rows, "%s: the counts agree", name)
				assert.NotEmpty(t, me.Recorded, name)
				assert.NotEqual(t, me.Recorded, me.Digest, name)
				assert.Contains(t, err.Error(), "is not that of the", name)
			}
		})
	}
}

// TestRowsOfAnUnlistedProviderAreRefused: rows added for a provider the
// run record does not list are refused.
func TestRowsOfAnUnlistedProviderAreRefused(t *testing.T) {
	run := runOfRows(sample)
	run.Providers = run.Providers[1:] // cortex's row stays, its record goes
	out := write(t, Options{Format: JSON}, sample, run)
	_, err := Read(strings.NewReader(out))
	me := requireMismatch(t, err, "cortex")
	assert.Equal(t, int64(-1), me.Counted)
	assert.Contains(t, err.Error(), "cortex: 1 assignment read, the run record does not list cortex")
}

// nasty are rows whose values each format writes differently: formulas
// and apostrophes (CSV neutralises them), CR LF (a CSV reader reads LF),
// bytes that are not UTF-8 (JSON writes U+FFFD), a permission holding
// the CSV separator, an empty permission, escapes and zero-width
// characters.
var nasty = []Row{
	{Provider: "openai", UserID: "u1", Email: "=1+2@x.com", Name: "'quoted", RoleID: "r\r\n=x", RoleName: "\r\nnext",
		Permissions: []string{"a;b", "c"}, Via: "@via", Scope: "-s"},
	{Provider: "openai", UserID: "u2", Name: "bad \xff\xfe utf-8 \xe2\x82", RoleID: "r2", Permissions: []string{""},
		RoleName: "\t\x1b[31mred\u200b", Status: "+1", Created: "2024-01-02T03:04:05Z", Privileged: true},
	{Provider: "cortex", UserID: "c", RoleID: "''", RoleName: "'=", Via: "\r", Scope: "a\r\nb\rc\nd"},
}

// TestDigestSameInEveryFormat: the digest of a listing is the same
// whatever the format it is written in, tricky values included, and an
// untouched report of every format passes its check.
func TestDigestSameInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	digests := map[string]string{}
	for _, o := range []Options{{Format: JSON}, {Format: NDJSON}, {Format: CSV}, {Format: CSV, CSVRaw: true},
		{Format: Table}, {Format: NDJSON, Unsorted: true}} {
		run := runOfRows(nasty)
		write(t, o, nasty, run)
		for _, pr := range run.Providers {
			if d, ok := digests[pr.Provider]; ok {
				assert.Equal(t, d, pr.RowsSHA256, "%s %+v", pr.Provider, o)
			}
			digests[pr.Provider] = pr.RowsSHA256
		}
		if o.Format == Table || o.Unsorted {
			continue
		}
		file := writeFile(t, dir, o, nasty)
		rep, err := ReadFile(file)
		require.NoError(t, err, "%+v", o)
		for _, c := range rep.Check() {
			assert.NoError(t, c.Err, "%+v", o)
			assert.Equal(t, c.Recorded, c.Digest, "%+v", o)
		}
	}
	assert.Equal(t, emptyDigest, digests["vectara"], "a provider without rows has the digest of none")
	assert.NotEqual(t, emptyDigest, digests["openai"])
}

// TestRunRecordWithoutDigestStillReads: a run record written before
// rows_sha256 still reads, its counts checked; Check says the digest is
// not recorded.
func TestRunRecordWithoutDigestStillReads(t *testing.T) {
	file := writeFile(t, t.TempDir(), Options{Format: NDJSON}, sample)
	b, err := os.ReadFile(SidecarName(file))
	require.NoError(t, err)
	var run Run
	require.NoError(t, json.Unmarshal(b, &run))
	for i := range run.Providers {
		run.Providers[i].RowsSHA256 = ""
	}
	var old bytes.Buffer
	require.NoError(t, WriteRun(&old, &run))
	require.NotContains(t, old.String(), "rows_sha256")
	require.NoError(t, os.WriteFile(SidecarName(file), old.Bytes(), 0o644))
	rep, err := ReadFile(file)
	require.NoError(t, err)
	checks := rep.Check()
	require.Len(t, checks, 4)
	for _, c := range checks {
		assert.NoError(t, c.Err)
		assert.Empty(t, c.Recorded, "not recorded")
		assert.Equal(t, c.Counted, c.Rows)
	}
	// The counts are still checked.
	lines := strings.SplitAfter(mustReadString(t, file), "\n")
	require.NoError(t, os.WriteFile(file, []byte(strings.Join(lines[1:], "")), 0o644))
	_, err = ReadFile(file)
	assert.ErrorIs(t, err, ErrMismatch)
	assert.True(t, errors.Is(err, ErrMismatch))
}

func mustReadString(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}
