package termtext

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"ada@example.com":                       "ada@example.com",
		"Zoë Ångström 山田":                       "Zoë Ångström 山田",
		"evil\x1b[2Jname":                       `evil\x1b[2Jname`,
		"\x1b]8;;http://x\x07click\x1b]8;;\x07": `\x1b]8;;http://x\x07click\x1b]8;;\x07`,
		"a\tb\nc\rd\x7f":                        `a\tb\nc\rd\x7f`,
		"c1\u0085\u009b":                        `c1\u0085\u009b`,
		"bidi\u202eexe.txt":                     `bidi\u202eexe.txt`,
		"zero\u200bwidth\ufeff\u2066":           `zero\u200bwidth\ufeff\u2066`,
		"bad\xffutf8":                           `bad\xffutf8`,
		"sep\u2028":                             `sep\u2028`,
	} {
		assert.Equal(t, want, Escape(in), "%q", in)
	}
	assert.Equal(t, "line one\nline \\x1b two", EscapeLines("line one\nline \x1b two"))
}

func TestTruncate(t *testing.T) {
	assert.Equal(t, "abc", Truncate("abc", 3))
	assert.Equal(t, "ab…", Truncate("abcd", 3))
	assert.Equal(t, "山田…", Truncate("山田太郎", 3))
	assert.Equal(t, "abcd", Truncate("abcd", 0))
}
