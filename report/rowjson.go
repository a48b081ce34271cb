package report

import (
	"strconv"
	"unicode/utf8"
)

// jsonKeys are the columns' JSON keys, quoted, with their colon.
var jsonKeys = func() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = strconv.Quote(c.name) + ":"
	}
	return out
}()

// appendRowJSON appends r to b as one JSON object, byte for byte what
// encoding/json's Encoder writes for normalized(r) with SetEscapeHTML(false)
// (without its newline) when ncols is every column: the first ncols
// columns in order, a nil Permissions as [];
// without reflection and without allocating.
func appendRowJSON(b []byte, r *Row, ncols int) []byte {
	b = append(b, '{')
	for i := range columns[:ncols] {
		c := &columns[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, jsonKeys[i]...)
		switch {
		case c.text != nil:
			b = appendJSONString(b, *c.text(r))
		case c.flag != nil:
			b = strconv.AppendBool(b, *c.flag(r))
		default:
			b = append(b, '[')
			for j, v := range c.list(r) {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, v)
			}
			b = append(b, ']')
		}
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s to b as a JSON string as encoding/json writes
// it without HTML escaping: '"' and '\\' escaped, \b \f \n \r \t as such
// and the other control characters as \u00XX, each byte that is not valid
// UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and \u2029 (which
// JavaScript reads as line ends).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
