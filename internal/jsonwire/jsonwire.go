// Package jsonwire reads JSON text into Go values without reflection and,
// where it can, without allocating: it returns strings as substrings of the
// text it reads, so a page copied once into a string decodes with no
// allocation per string. It checks the text's syntax as it reads, in the
// same pass: a Scanner that reports OK at the end of a text has read valid
// JSON (json.Valid would accept it).
//
// It reads the plain subset of JSON only: strings without escape sequences
// and with valid UTF-8, numbers that parse into the asked-for type, and
// keys spelled exactly as the caller's fields (encoding/json matches keys
// case-insensitively). On anything else the Scanner marks itself failed
// and stops; the caller then decodes the same text with encoding/json, so
// the result, or the error, is always encoding/json's. Tests hold each
// decoder built on it to that: for any input, the same values as
// encoding/json, or a failed Scanner.
//
// ReadPage is the entry point: it reads a list response and hands its
// elements, one Scanner position at a time, to the caller's
// decoder, which reads fields with the Scanner's methods (String, Bool,
// Int64, Float64, Time, Value; the Opt forms for pointer fields, the Into
// forms for fields null leaves alone). A Memo shares values that repeat
// across pages.
package jsonwire

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// A Scanner reads one JSON text from the start. Its zero value reads an
// empty text. It fails on any syntax error (and on valid JSON outside the
// plain subset); it never panics or reads out of bounds.
type Scanner struct {
	text  string
	i     int
	depth int // objects and arrays open
	bad   bool
}

// maxDepth bounds nesting (encoding/json's own bound is 10000; deeper text
// fails here and is left to it).
const maxDepth = 1000

// New returns a Scanner reading text. The strings it returns share text's
// memory.
func New(text string) Scanner { return Scanner{text: text} }

// OK reports whether everything read so far was in the plain subset.
func (s *Scanner) OK() bool { return !s.bad }

// Fail marks the Scanner failed: the caller met something it does not
// decode itself.
func (s *Scanner) Fail() { s.bad = true }

// End reports whether only white space is left.
func (s *Scanner) End() bool {
	s.space()
	return s.i == len(s.text)
}

func (s *Scanner) space() {
	for s.i < len(s.text) {
		switch s.text[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 (failing) at the end
// or once failed.
func (s *Scanner) peek() byte {
	s.space()
	if s.bad || s.i >= len(s.text) || s.text[s.i] == 0 {
		s.bad = true // a NUL byte is never valid here, and 0 means failed
		return 0
	}
	return s.text[s.i]
}

// Null consumes a null if one is next, and reports whether it did.
func (s *Scanner) Null() bool {
	if s.peek() != 'n' {
		return false
	}
	if !strings.HasPrefix(s.text[s.i:], "null") {
		s.bad = true
		return false
	}
	s.i += 4
	return true
}

// Object starts reading an object. It reports false, failing, when the
// next value is not an object (a caller that accepts null checks Null
// first). Read its members with Key.
func (s *Scanner) Object() bool { return s.open('{') }

// Array starts reading an array, like Object. Read its elements with
// Elem.
func (s *Scanner) Array() bool { return s.open('[') }

func (s *Scanner) open(c byte) bool {
	if s.peek() != c || s.depth >= maxDepth {
		s.bad = true
		return false
	}
	s.i++
	s.depth++
	return true
}

// Key reads the next member's key of the object being read, and the colon
// after it; the caller then reads the member's value. It reports false at
// the end of the object (consuming the closing brace) or once failed. A
// key with an escape sequence fails.
func (s *Scanner) Key() (string, bool) {
	if !s.more('{', '}') {
		return "", false
	}
	k := s.String()
	s.colon()
	return k, !s.bad
}

func (s *Scanner) colon() {
	if s.peek() != ':' {
		s.bad = true
		return
	}
	s.i++
}

// Elem reports whether another element follows in the array being read
// (the caller then reads it), or false at its end (consuming the closing
// bracket) or once failed.
func (s *Scanner) Elem() bool { return s.more('[', ']') }

// more reads what comes between the members (or elements) of the object
// (or array) that open began: nothing before the first, a comma before
// each other. It reports false at the end (consuming close) or once
// failed.
func (s *Scanner) more(open, close byte) bool {
	c := s.peek()
	if s.bad {
		return false
	}
	first := s.prev() == open
	switch {
	case c == close:
		s.i++
		s.depth--
		return false
	case first:
		return true
	case c == ',':
		s.i++
		return true
	}
	s.bad = true
	return false
}

// prev returns the last byte before the position other than white space,
// or 0.
func (s *Scanner) prev() byte {
	for j := s.i - 1; j >= 0; j-- {
		switch c := s.text[j]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// String reads a string. An escape sequence, invalid UTF-8 or a value of
// another type fails.
func (s *Scanner) String() string {
	if s.peek() != '"' {
		s.bad = true
		return ""
	}
	start := s.i + 1
	ascii := true
	for j := start; j < len(s.text); j++ {
		c := s.text[j]
		switch {
		case c == '"':
			v := s.text[start:j]
			if !ascii && !utf8.ValidString(v) {
				s.bad = true // encoding/json replaces invalid bytes with U+FFFD
				return ""
			}
			s.i = j + 1
			return v
		case c == '\\' || c < 0x20:
			s.bad = true
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	s.bad = true
	return ""
}

// Bool reads true or false; a value of another type fails.
func (s *Scanner) Bool() bool {
	switch c := s.peek(); {
	case c == 't' && strings.HasPrefix(s.text[s.i:], "true"):
		s.i += 4
		return true
	case c == 'f' && strings.HasPrefix(s.text[s.i:], "false"):
		s.i += 5
		return false
	}
	s.bad = true
	return false
}

// number returns the next number literal, failing on a value of another
// type or on a literal JSON's grammar refuses (01, 1., .5, +1, 1e).
func (s *Scanner) number() string {
	s.peek()
	start, t, i := s.i, s.text, s.i
	digits := func() bool {
		j := i
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(t) && t[i] == '-' {
		i++
	}
	switch {
	case i < len(t) && t[i] == '0':
		i++
	case !digits():
		s.bad = true
		return ""
	}
	if i < len(t) && t[i] == '.' {
		i++
		if !digits() {
			s.bad = true
			return ""
		}
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		if i < len(t) && (t[i] == '+' || t[i] == '-') {
			i++
		}
		if !digits() {
			s.bad = true
			return ""
		}
	}
	s.i = i
	return t[start:i]
}

// Float64 reads a number as encoding/json does into a float64; one out of
// range, or a value of another type, fails.
func (s *Scanner) Float64() float64 {
	f, err := strconv.ParseFloat(s.number(), 64)
	if err != nil {
		s.bad = true
	}
	return f
}

// Int64 reads an integer; a fraction, an exponent, one out of range, or a
// value of another type fails.
func (s *Scanner) Int64() int64 {
	n, err := strconv.ParseInt(s.number(), 10, 64)
	if err != nil {
		s.bad = true
	}
	return n
}

// Time reads a string as (*time.Time).UnmarshalJSON does (RFC 3339); a
// string it rejects, or a value of another type, fails.
func (s *Scanner) Time() time.Time {
	var t time.Time
	str := s.String()
	if s.bad {
		return t
	}
	var buf [64]byte
	if t.UnmarshalJSON(append(append(append(buf[:0], '"'), str...), '"')) != nil {
		s.bad = true
	}
	return t
}

// EmptyObject reports whether the next value is {} (with any white space
// inside), and reads it if so; otherwise it reads nothing.
func (s *Scanner) EmptyObject() bool {
	if s.peek() != '{' {
		return false
	}
	j := s.i + 1
	for j < len(s.text) && (s.text[j] == ' ' || s.text[j] == '\t' || s.text[j] == '\n' || s.text[j] == '\r') {
		j++
	}
	if j < len(s.text) && s.text[j] == '}' {
		s.i = j + 1
		return true
	}
	return false
}

// Raw reads the next value whole, of any type, and returns its text.
func (s *Scanner) Raw() string {
	s.space()
	start := s.i
	s.skip()
	return s.text[start:s.i]
}

// Skip reads past the next value, of any type.
func (s *Scanner) Skip() { s.skip() }

func (s *Scanner) skip() {
	switch c := s.peek(); c {
	case 0:
	case '"':
		s.skipString()
	case '{':
		s.Object()
		for s.more('{', '}') {
			s.skipString()
			s.colon()
			s.skip()
		}
	case '[':
		s.Array()
		for s.more('[', ']') {
			s.skip()
		}
	case 't', 'f':
		s.Bool()
	case 'n':
		if !s.Null() {
			s.bad = true
		}
	default:
		s.number()
	}
}

// skipString reads past a string, escape sequences included.
func (s *Scanner) skipString() {
	if s.peek() != '"' {
		s.bad = true
		return
	}
	t := s.text
	for j := s.i + 1; j < len(t); j++ {
		switch c := t[j]; {
		case c == '"':
			s.i = j + 1
			return
		case c < 0x20:
			s.bad = true
			return
		case c == '\\':
			j++
			if j >= len(t) {
				s.bad = true
				return
			}
			switch t[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(t) || !isHex(t[j+1]) || !isHex(t[j+2]) || !isHex(t[j+3]) || !isHex(t[j+4]) {
					s.bad = true
					return
				}
				j += 4
			default:
				s.bad = true
				return
			}
		}
	}
	s.bad = true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// Unknown handles a key the caller has no field for: encoding/json would
// skip its value, unless the key matches one of fields case-insensitively,
// which fails.
func (s *Scanner) Unknown(key string, fields []string) {
	for _, f := range fields {
		if strings.EqualFold(key, f) {
			s.bad = true
			return
		}
	}
	s.skip()
}

// Fields tracks which of an object's fields were read, to fail on a
// repeated key (encoding/json merges a repeated object into the first;
// decoders built on this package do not).
type Fields uint64

// Once marks field n (0 to 63) read, and fails if it was already.
func (f *Fields) Once(s *Scanner, n uint) {
	if *f&(1<<n) != 0 {
		s.bad = true
	}
	*f |= 1 << n
}

// Value reads any value as encoding/json decodes it into an interface{}:
// map[string]any, []any, float64, string, bool or nil. It allocates as
// encoding/json does for the maps, slices and boxed values, but not for
// the strings' bytes.
func (s *Scanner) Value() any {
	switch c := s.peek(); {
	case c == '"':
		return s.String()
	case c == 't' || c == 'f':
		return s.Bool()
	case c == 'n':
		s.Null()
		return nil
	case c == '{':
		s.Object()
		m := make(map[string]any)
		for k, ok := s.Key(); ok; k, ok = s.Key() {
			m[k] = s.Value()
		}
		return m
	case c == '[':
		s.Array()
		l := []any{}
		for s.Elem() {
			l = append(l, s.Value())
		}
		return l
	default:
		return s.Float64()
	}
}

// Decode reads the next value whole with encoding/json into v (a pointer),
// for a field too rare to be worth a decoder of its own; an error fails.
func (s *Scanner) Decode(v any) {
	raw := s.Raw()
	if s.bad || json.Unmarshal([]byte(raw), v) != nil {
		s.bad = true
	}
}

// A Memo shares decoded values by their JSON text, for values that repeat
// across a listing (a role's permissions, its creator): the first decoding
// of a text is kept and handed out again, so such a value costs its
// allocations once a listing rather than once a record. The values are
// shared: treat them as read-only. A Memo keeps at most 1024 texts (values
// past that decode afresh each time). It is safe for concurrent use; its
// zero value is empty and ready.
type Memo[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

const memoSize = 1024

// Read reads the next value: for a text read before, the value decoded
// then; otherwise decode reads it from a Scanner over a copy of its text
// (so kept values do not hold on to a page), and m keeps it if decode did
// not fail.
func (m *Memo[T]) Read(s *Scanner, decode func(*Scanner) T) T {
	var zero T
	raw := s.Raw()
	if s.bad {
		return zero
	}
	m.mu.Lock()
	v, ok := m.m[raw]
	m.mu.Unlock()
	if ok {
		return v
	}
	raw = strings.Clone(raw)
	sub := New(raw)
	v = decode(&sub)
	if !sub.OK() || !sub.End() {
		s.bad = true
		return zero
	}
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[string]T)
	}
	if len(m.m) < memoSize {
		m.m[raw] = v
	}
	m.mu.Unlock()
	return v
}

// The Opt methods read a value for a pointer field, as encoding/json does:
// null is nil; otherwise the value is stored in *dst, storage the caller
// provides (so that a record and its fields can be one allocation), and
// dst is returned.

// OptString reads a string or null.
func (s *Scanner) OptString(dst *string) *string {
	if s.Null() {
		return nil
	}
	*dst = s.String()
	return dst
}

// OptBool reads a boolean or null.
func (s *Scanner) OptBool(dst *bool) *bool {
	if s.Null() {
		return nil
	}
	*dst = s.Bool()
	return dst
}

// OptInt64 reads an integer or null.
func (s *Scanner) OptInt64(dst *int64) *int64 {
	if s.Null() {
		return nil
	}
	*dst = s.Int64()
	return dst
}

// OptFloat64 reads a number or null.
func (s *Scanner) OptFloat64(dst *float64) *float64 {
	if s.Null() {
		return nil
	}
	*dst = s.Float64()
	return dst
}

// OptTime reads an RFC 3339 time string or null.
func (s *Scanner) OptTime(dst *time.Time) *time.Time {
	if s.Null() {
		return nil
	}
	*dst = s.Time()
	return dst
}

// ReadPage reads a list response: an object whose member items is an
// array or null, or, with items "", the array itself. elem reads each
// element, and returns false to give up; the object's other members go to
// field, which must read their value (nil: they are skipped). As jsonstream
// does, ReadPage matches items exactly and reads every member of that name.
// It reports whether the whole body was read without failing.
func ReadPage(body []byte, items string, elem func(s *Scanner) bool, field func(s *Scanner, key string)) bool {
	s := New(string(body))
	if items == "" {
		return s.list(elem) && s.End()
	}
	if !s.Object() {
		return false
	}
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch {
		case key == items:
			if !s.list(elem) {
				return false
			}
		case field != nil:
			field(&s, key)
		default:
			s.Skip()
		}
	}
	return s.OK() && s.End()
}

// list reads an array or null, each element with elem.
func (s *Scanner) list(elem func(s *Scanner) bool) bool {
	if s.Null() {
		return true
	}
	if !s.Array() {
		return false
	}
	for s.Elem() {
		if !elem(s) || !s.OK() {
			return false
		}
	}
	return s.OK()
}

// The *Into methods read a value for a field that is not a pointer, as
// encoding/json does: null leaves *dst as it is.

// StringInto reads a string, or null, into *dst.
func (s *Scanner) StringInto(dst *string) {
	if !s.Null() {
		*dst = s.String()
	}
}

// BoolInto reads a boolean, or null, into *dst.
func (s *Scanner) BoolInto(dst *bool) {
	if !s.Null() {
		*dst = s.Bool()
	}
}

// Int64Into reads an integer, or null, into *dst.
func (s *Scanner) Int64Into(dst *int64) {
	if !s.Null() {
		*dst = s.Int64()
	}
}

// Float64Into reads a number, or null, into *dst.
func (s *Scanner) Float64Into(dst *float64) {
	if !s.Null() {
		*dst = s.Float64()
	}
}
