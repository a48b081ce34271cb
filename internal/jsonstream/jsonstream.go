// Package jsonstream decodes a JSON list response one element at a time, so
// that a page's memory is one element, not the whole body, and a body past
// a size cap is refused instead of read.
package jsonstream

import (
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
			if err := elements(dec, each); err != nil {
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
	if err := elements(dec, each); err != nil {
		return err
	}
	return trailing(dec)
}

// elements decodes an array (or null) at dec's position.
func elements[T any](dec *json.Decoder, each func(*T) error) error {
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
		v := new(T)
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
