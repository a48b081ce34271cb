package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readmeCommands returns the command lines of README.md's indented code
// blocks, in order, each without its comment.
func readmeCommands(t *testing.T) (readme string, lines []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(l, "    ") {
			continue
		}
		l, _, _ = strings.Cut(strings.TrimSpace(l), "#")
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "go run ./cmd/rolecall ") || strings.HasPrefix(l, "make ") {
			lines = append(lines, l)
		}
	}
	return string(b), lines
}

// helpFlags returns the flags rolecall cmd... --help lists.
func helpFlags(t *testing.T, cmd ...string) []string {
	t.Helper()
	r := inproc(t, env{}, append(slices.Clone(cmd), "--help")...)
	require.Equal(t, 0, r.code, "%s --help: %s", cmd, r.stderr)
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^  (--[a-z-]+)`).FindAllStringSubmatch(r.stdout, -1) {
		out = append(out, m[1])
	}
	require.NotEmpty(t, out, "%s --help lists no flag", cmd)
	return out
}

// TestREADMEMatchesTheCommand keeps README.md to what the command does: its
// first two commands are the demo and the tests, every command line it
// shows uses flags its command's --help lists, every flag it names in
// prose is one a command takes, and every make target it shows exists.
func TestREADMEMatchesTheCommand(t *testing.T) {
	t.Parallel()
	readme, lines := readmeCommands(t)
	require.GreaterOrEqual(t, len(lines), 2)
	assert.Equal(t, []string{"go run ./cmd/rolecall demo", "make test"}, lines[:2],
		"the first commands a newcomer sees")

	flags := map[string][]string{}
	all := map[string]bool{}
	for _, c := range []*command{listCommand, peopleCommand, reviewCommand, demoCommand, verifyCommand,
		recordCommand, diffCommand, checkCommand, exportCommand, mergeCommand} {
		flags[c.name] = helpFlags(t, c.name)
		for _, f := range flags[c.name] {
			all[f] = true
		}
	}
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	require.NoError(t, err)
	for _, l := range lines {
		words := strings.Fields(l)
		if words[0] == "make" {
			assert.Regexp(t, "(?m)^"+regexp.QuoteMeta(words[1])+":", string(makefile), "README: %s", l)
			continue
		}
		cmd := words[3:4]
		require.Contains(t, flags, cmd[0], "README: %s", l)
		if cmd[0] == "demo" && len(words) > 4 && !strings.HasPrefix(words[4], "-") {
			cmd = words[3:5]
		}
		have := helpFlags(t, cmd...)
		for _, w := range words[3+len(cmd):] {
			if strings.HasPrefix(w, "--") {
				name, _, _ := strings.Cut(w, "=")
				assert.True(t, slices.Contains(have, name), "README: %s: rolecall %s has no %s", l, cmd, name)
			}
		}
	}
	for _, m := range regexp.MustCompile("`(--[a-z-]+)").FindAllStringSubmatch(readme, -1) {
		assert.True(t, all[m[1]], "README names %s, which no command takes", m[1])
	}
	for _, f := range []string{"--partial", "--rate-limit", "--unsorted", "--allow-partial", "--run-file", "--csv-raw",
		"--columns", "--wide"} {
		assert.True(t, strings.Contains(readme, "`"+f), "README documents %s", f)
	}
}
