package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/export"
)

// 'rolecall export --demo' writes the export package's golden files, and
// exporting the demo saved as csv gives the same bytes.
func TestExportDemoMatchesGoldens(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "demo.csv")
	r := inproc(t, env{}, "demo", "--format", "csv", "--output", saved)
	require.Equal(t, 0, r.code, r.stderr)
	for _, f := range export.Formats {
		for i, src := range [][]string{{"--demo"}, {saved}} {
			out := filepath.Join(dir, string(f), strings.Repeat("x", i)) + "/"
			r := inproc(t, env{}, append([]string{"export", "--to", string(f), "--output", out}, src...)...)
			require.Equal(t, 0, r.code, r.stderr)
			goldens, err := filepath.Glob(filepath.Join("..", "..", "export", "testdata", "demo.*"))
			require.NoError(t, err)
			n := 0
			for _, g := range goldens {
				name := strings.TrimPrefix(filepath.Base(g), "demo.")
				got, err := os.ReadFile(filepath.Join(out, name))
				if os.IsNotExist(err) {
					continue
				}
				n++
				want, _ := os.ReadFile(g)
				assert.Equal(t, string(want), string(got), "%s %v: %s", f, src, name)
				_, err = os.Stat(filepath.Join(out, name+".run.json"))
				assert.NoError(t, err, "the run record beside %s", name)
			}
			assert.Positive(t, n, "%s wrote no golden file", f)
		}
	}
}

// A report with a failed provider is refused (exit 1) unless
// --allow-partial; one edited is refused (exit 2) even with it.
func TestExportRefuses(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("testdata", "demo.json.golden"))
	require.NoError(t, err)
	var rep map[string]any
	require.NoError(t, json.Unmarshal(b, &rep))
	p := rep["run"].(map[string]any)["providers"].([]any)[0].(map[string]any)
	p["status"], p["error"] = "failed", "HTTP 500"
	partial := filepath.Join(dir, "partial.json")
	writeJSON(t, partial, rep)

	r := inproc(t, env{}, "export", "--to", "baton", partial)
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stderr, "cortex failed")
	assert.Contains(t, r.stderr, "--allow-partial")
	assert.Empty(t, r.stdout)
	r = inproc(t, env{}, "export", "--to", "baton", "--allow-partial", partial)
	assert.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, export.CheckBaton([]byte(r.stdout)))

	rows := rep["assignments"].([]any)
	rows[0].(map[string]any)["role_id"] = "OWNER"
	edited := filepath.Join(dir, "edited.json")
	writeJSON(t, edited, rep)
	r = inproc(t, env{}, "export", "--to", "vanta", "--allow-partial", "--output", dir, edited)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Contains(t, r.stderr, "cut short or edited")
	_, err = os.Stat(filepath.Join(dir, "vanta-openai.csv"))
	assert.True(t, os.IsNotExist(err), "nothing written")

	r = inproc(t, env{}, "export", "--to", "vanta", "--demo")
	assert.Equal(t, 2, r.code, "four files need a directory")
	r = inproc(t, env{}, "export", "--to", "xlsx", "--demo")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "baton, c1-csv, vanta")
}

func writeJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(name, b, 0o644))
}
