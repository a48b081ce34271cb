// Package termtext makes text from a provider safe to show on a terminal:
// control characters (C0, DEL, C1, and so ESC and OSC sequences), bidi
// controls, zero-width characters, line and paragraph separators and
// invalid UTF-8 are written as visible escapes (\x1b, \u202e, \xff), so
// that a provider's data can neither move the cursor, recolour the screen,
// set a window title or hyperlink, nor reorder or hide what a person reads.
package termtext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every character that a terminal would act on, or
// that would hide or reorder text, written as a visible escape: tab,
// newline and carriage return as \t, \n and \r, other C0 characters and
// DEL as \xNN, C1, bidi and zero-width characters as \uNNNN, and each
// byte of invalid UTF-8 as \xNN. Other text is unchanged.
func Escape(s string) string {
	if clean(s, false) {
		return s
	}
	return escape(s, false)
}

// EscapeLines is Escape, keeping newlines: for a message of several lines
// written by rolecall itself.
func EscapeLines(s string) string {
	if clean(s, true) {
		return s
	}
	return escape(s, true)
}

// clean reports whether s needs no escape.
func clean(s string, keepNewlines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c < 0x20 || c == 0x7f {
			if c == '\n' && keepNewlines {
				continue
			}
			if c >= 0x80 {
				// Decide on the runes.
				for _, r := range s[i:] {
					if needs(r) {
						return false
					}
				}
				return utf8.ValidString(s[i:])
			}
			return false
		}
	}
	return true
}

// needs reports whether r is shown as an escape.
func needs(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f: // C0, DEL, C1
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff, r == 0x180e, r == 0x00ad: // zero-width, soft hyphen
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == utf8.RuneError:
		return true
	}
	return false
}

func escape(s string, keepNewlines bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && needs(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case needs(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Truncate cuts s (already escaped) to at most max runes, ending it with
// "…" when cut; max <= 0 leaves s whole.
func Truncate(s string, max int) string {
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
