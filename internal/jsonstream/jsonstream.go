// Package jsonstream decodes a JSON list response one element at a time, so
// that a page's memory is one element, not the whole body, and a body past
// a size cap is refused instead of read.
package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxBytes is the per-page body cap used where none is given.
const DefaultMaxBytes = 64 << 20

// ErrTooLarge reports a body past the cap.
var ErrTooLarge = errors.New("response body too large")

// Field handles one top-level field of an object; it must consume the
// field's value from dec.
type Field func(dec *json.Decoder) error

// Object decodes a JSON object from r. The array under the key items is
// decoded element by element into fresh values of T handed to each; other
// keys go to their handler in fields, and keys without one are skipped.
// A body larger than maxBytes (0: DefaultMaxBytes) fails with ErrTooLarge.
func Object[T any](r io.Reader, maxBytes int64, items string, each func(*T) error, fields map[string]Field) error {
	return ObjectInto(r, maxBytes, items, fresh[T], each, fields)
}

// ObjectInto is Object, but each element of items is decoded into the value
// next returns. A caller that builds its own record from each element can
// hand back one value every time, saving an allocation per element; next
// must then reset it (encoding/json leaves the fields an element lacks as
// they were), and each must copy out what it keeps.
func ObjectInto[T any](r io.Reader, maxBytes int64, items string, next func() *T, each func(*T) error, fields map[string]Field) error {
	dec := newDecoder(r, maxBytes)
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return wrap(err)
		}
		key, _ := tok.(string)
		switch h := fields[key]; {
		case key == items:
			if err := elements(dec, next, each); err != nil {
				return err
			}
		case h != nil:
			if err := h(dec); err != nil {
				return wrap(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return wrap(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return wrap(err)
	}
	return trailing(dec)
}

// Array decodes a top-level JSON array from r element by element.
func Array[T any](r io.Reader, maxBytes int64, each func(*T) error) error {
	dec := newDecoder(r, maxBytes)
	if err := elements(dec, fresh[T], each); err != nil {
		return err
	}
	return trailing(dec)
}

// fresh returns a new zero T.
func fresh[T any]() *T { return new(T) }

// elements decodes an array (or null) at dec's position, each element into
// the value next returns.
func elements[T any](dec *json.Decoder, next func() *T, each func(*T) error) error {
	tok, err := dec.Token()
	if err != nil {
		return wrap(err)
	}
	if tok == nil {
		return nil // a null list is an empty list
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want an array, got %v", describe(tok))
	}
	for dec.More() {
		v := next()
		if err := dec.Decode(v); err != nil {
			return wrap(err)
		}
		if err := each(v); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return wrap(err)
}

// Into returns a Field that decodes the value into dst.
func Into(dst any) Field {
	return func(dec *json.Decoder) error { return dec.Decode(dst) }
}

func newDecoder(r io.Reader, maxBytes int64) *json.Decoder {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return json.NewDecoder(&capReader{r: r, left: maxBytes})
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return wrap(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", string(want), describe(tok))
	}
	return nil
}

func trailing(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return errors.New("unexpected data after the JSON value")
		}
		return wrap(err)
	}
	return nil
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return "a string"
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func wrap(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// capReader fails with ErrTooLarge once more than left bytes are read.
type capReader struct {
	r    io.Reader
	left int64
	// err is sticky past the cap: json.Decoder.More drops a read error and
	// reads again, and the byte that told the body was too large is gone.
	err error
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.left <= 0 {
		// One byte more tells a body exactly at the cap from a larger one.
		var one [1]byte
		n, err := c.r.Read(one[:])
		switch {
		case n > 0:
			c.err = ErrTooLarge
		case err != nil:
			c.err = err // io.EOF, or the reader's own failure
		}
		return 0, c.err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// TopLevel returns the raw value of key in the JSON object data (the last
// one, where the key repeats, as encoding/json keeps), without decoding
// the rest: a quick scan that only tracks strings and nesting. It returns
// nil when data is not an object or lacks the key; it does not validate
// data, so the caller decodes data fully as well.
func TopLevel(data []byte, key string) []byte {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil
	}
	var found []byte
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		end := stringEnd(data, i)
		if end < 0 {
			return found
		}
		k := data[i:end]
		match := string(k[1:len(k)-1]) == key
		if !match && bytes.IndexByte(k, '\\') >= 0 {
			var s string
			match = json.Unmarshal(k, &s) == nil && s == key
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return found
		}
		i = skipSpace(data, i+1)
		vend := valueEnd(data, i)
		if vend < 0 {
			return found
		}
		if match {
			found = data[i:vend]
		}
		i = skipSpace(data, vend)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return found
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string starting at data[i],
// or -1.
func stringEnd(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the JSON value starting at data[i], or
// -1.
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				e := stringEnd(data, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	default:
		j := i
	literal:
		for ; j < len(data); j++ {
			switch data[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				break literal
			}
		}
		if j == i {
			return -1
		}
		return j
	}
}
