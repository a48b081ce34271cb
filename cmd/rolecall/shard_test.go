package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/report"
)

// Six tenants listed once whole and as three shards (in three formats)
// merged: the merged report equals the single run's row for row, with the
// same digest per tenant; the shards' records name their shard and the
// file's digest, and each tenant is in exactly one shard.
func TestShardsMergeToTheWholeRun(t *testing.T) {
	file, e, oracles := sixTenants(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.json")
	r := inproc(t, e, args([]string{"list", "--tenants", file, "--format", "json", "--output", whole}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)
	single, err := report.ReadFile(whole)
	require.NoError(t, err)

	shards := shardReports(t, file, e, dir, "ndjson", "csv", "json")
	seen := map[string]string{}
	for i, name := range shards {
		rep, err := report.ReadFile(name)
		require.NoError(t, err)
		assert.Equal(t, []string{"1/3", "2/3", "3/3"}[i], rep.Run.Shard)
		assert.Equal(t, single.Run.TenantsSHA256, rep.Run.TenantsSHA256)
		for _, p := range rep.Run.Providers {
			assert.Empty(t, seen[p.Name()], "%s in two shards", p.Name())
			seen[p.Name()] = rep.Run.Shard
		}
	}
	assert.Len(t, seen, len(oracles), "every tenant in a shard")

	for _, format := range []string{"json", "ndjson", "csv"} {
		out := filepath.Join(dir, "merged."+format)
		r = inproc(t, e, "merge", "--format", format, "--output", out, shards[2], shards[0], shards[1])
		require.Equal(t, 0, r.code, r.stderr)
		merged, err := report.ReadFile(out)
		require.NoError(t, err, format) // checked against its run record
		assert.Equal(t, single.Rows, merged.Rows, "%s: row for row", format)
		require.Len(t, merged.Run.Providers, len(single.Run.Providers))
		for _, p := range single.Run.Providers {
			m := merged.Run.Provider(p.Name())
			require.NotNil(t, m, p.Name())
			assert.Equal(t, p.RowsSHA256, m.RowsSHA256, "%s: %s's digest", format, p.Name())
			assert.Equal(t, p.Assignments, m.Assignments)
			assert.Equal(t, report.StatusComplete, m.Status)
		}
		assert.Equal(t, single.Run.TenantsSHA256, merged.Run.TenantsSHA256)
		assert.Empty(t, merged.Run.Shard)
		assert.Len(t, merged.Run.MergedRuns, 3)
	}
}

// shardReports lists the three shards of file, shard K in formats[K-1].
func shardReports(t *testing.T, file string, e env, dir string, formats ...string) []string {
	t.Helper()
	var out []string
	for i, format := range formats {
		k := string(rune('1' + i))
		name := filepath.Join(dir, "shard-"+k+"."+format)
		r := inproc(t, e, args([]string{"list", "--tenants", file, "--shard", k + "/3", "--format", format, "--output", name}, fast)...)
		require.Equal(t, 0, r.code, r.stderr)
		out = append(out, name)
	}
	return out
}

// merge refuses overlapping and missing shards, shards of another tenants
// file, a report whose tenants are not its shard's, a report of no shard
// and an edited report; --shard without --tenants is a usage error.
func TestMergeRefuses(t *testing.T) {
	file, e, _ := sixTenants(t)
	dir := t.TempDir()
	s := shardReports(t, file, e, dir, "json", "json", "json")

	// The same file with a tenant appended: another digest.
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	other := filepath.Join(dir, "more.yaml")
	require.NoError(t, os.WriteFile(other, append(data, strings.Replace(
		string(data[strings.Index(string(data), "  - name: vectara-b"):]), "vectara-b", "vectara-c", 1)...), 0o600))
	otherDir := t.TempDir()
	o := shardReports(t, other, e, otherDir, "json", "json", "json")

	// Shard 1's report relabelled shard 2 in its run record (the rows'
	// digests do not cover the label).
	relabelled := filepath.Join(dir, "relabelled.json")
	b, err := os.ReadFile(s[0])
	require.NoError(t, err)
	require.Contains(t, string(b), `"shard": "1/3"`)
	require.NoError(t, os.WriteFile(relabelled, []byte(strings.Replace(string(b), `"shard": "1/3"`, `"shard": "2/3"`, 1)), 0o600))

	whole := filepath.Join(dir, "whole.json")
	r := inproc(t, e, args([]string{"list", "--tenants", file, "--format", "json", "--output", whole}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)

	edited := filepath.Join(dir, "edited.json")
	b, err = os.ReadFile(s[1])
	require.NoError(t, err)
	edit := regexp.MustCompile(`"role_name": ?"`).FindString(string(b))
	require.NotEmpty(t, edit)
	require.NoError(t, os.WriteFile(edited, []byte(strings.Replace(string(b), edit, edit+"x", 1)), 0o600))

	for _, tc := range []struct {
		name  string
		files []string
		want  string
	}{
		{"overlap", []string{s[0], s[1], s[2], s[0]}, "reports 1 and 4 are both shard 1/3: the shards overlap"},
		{"missing", []string{s[0], s[2]}, "shard 2/3 missing"},
		{"another file", []string{s[0], s[1], o[2]}, "report 3 (shard 3/3) lists another tenants file"},
		{"not the shard's tenants", []string{s[0], relabelled, s[2]}, "which is not in shard 2/3"},
		{"no shard", []string{whole}, "report 1 is not a shard's"},
		{"edited", []string{s[0], edited, s[2]}, "never merged"},
	} {
		out := filepath.Join(dir, "merged-"+strings.ReplaceAll(tc.name, " ", "-")+".json")
		r := inproc(t, e, append([]string{"merge", "--output", out}, tc.files...)...)
		assert.Equal(t, 2, r.code, tc.name)
		assert.Contains(t, r.stderr, tc.want, tc.name)
		assert.NoFileExists(t, out, tc.name)
	}
	r = inproc(t, e, "list", "--shard", "1/2")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "give --tenants FILE too")
	r = inproc(t, e, "list", "--tenants", file, "--shard", "3/2")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "want K/N with 1 <= K <= N")
}
