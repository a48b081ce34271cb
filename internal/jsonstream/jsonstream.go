// Package jsonstream decodes a JSON list response one element at a time
// into the caller's types (the generated ones), so that a page's memory is
// one element, not the whole body, and a body past a size cap is refused
// instead of read.
//
// It decodes with the json v2 experiment (github.com/go-json-experiment/json),
// which reads the same struct tags as encoding/json, and holds every body
// to the same rules: text that is not valid UTF-8 (raw or as an escaped lone
// surrogate) fails; an object naming a member twice fails, whether the two
// names are spelled the same or differ only in case (names match a type's
// fields case-insensitively, as encoding/json matches them, so "email" and
// "Email" are one member said twice). Errors name where they happened as a
// JSON pointer ("/users/3/email").
package jsonstream

import (
	"errors"
	"fmt"
	"io"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
)

// DefaultMaxBytes is the per-page body cap used where none is given.
const DefaultMaxBytes = 64 << 20

// ErrTooLarge reports a body past the cap.
var ErrTooLarge = errors.New("response body too large")

// options are the rules every value is decoded with (see the package
// documentation): names match fields case-insensitively, but "_" and "-"
// count (page_key is not pagekey); duplicate names and invalid UTF-8 are
// jsontext's defaults, errors.
var options = json.JoinOptions(json.MatchCaseInsensitiveNames(true), jsonv1.MatchCaseSensitiveDelimiter(true))

// Field handles one top-level member of an object; it must consume the
// member's value from dec.
type Field func(dec *jsontext.Decoder) error

// Into returns a Field that decodes the value into dst. A JSON null makes
// a pointer nil (use a pointer to tell null and absent from a value).
func Into(dst any) Field {
	return func(dec *jsontext.Decoder) error { return json.UnmarshalDecode(dec, dst, options) }
}

// Unmarshal decodes data into v by the package's rules.
func Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v, options) }

// Object decodes a JSON object from r. The array under the member items is
// decoded element by element into fresh values of T handed to each; other
// members go to their handler in fields, and members without one are
// skipped. Top-level names match items and fields case-insensitively, and
// a name said twice fails. A body larger than maxBytes (0: DefaultMaxBytes)
// fails with ErrTooLarge.
func Object[T any](r io.Reader, maxBytes int64, items string, each func(*T) error, fields map[string]Field) error {
	dec := newDecoder(r, maxBytes)
	tok, err := dec.ReadToken()
	if err != nil {
		return wrap(err)
	}
	if tok.Kind() != '{' {
		return fmt.Errorf("want an object, got %s", describe(tok.Kind()))
	}
	seen := make(map[string]bool, len(fields)+1)
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return wrap(err)
		}
		name := known(tok.String(), items, fields)
		if name != "" {
			if seen[name] {
				return fmt.Errorf("the member %q is given twice (names differ at most in case)", name)
			}
			seen[name] = true
		}
		switch {
		case name == "":
			err = dec.SkipValue()
		case name == items:
			if err := elements(dec, each); err != nil {
				return err
			}
			continue
		default:
			err = fields[name](dec)
		}
		if err != nil {
			return wrap(err)
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return wrap(err)
	}
	return trailing(dec)
}

// known returns the name among items and fields that key matches
// case-insensitively, or "".
func known(key, items string, fields map[string]Field) string {
	if strings.EqualFold(key, items) {
		return items
	}
	if _, ok := fields[key]; ok {
		return key
	}
	for name := range fields {
		if strings.EqualFold(key, name) {
			return name
		}
	}
	return ""
}

// Array decodes a top-level JSON array from r element by element.
func Array[T any](r io.Reader, maxBytes int64, each func(*T) error) error {
	dec := newDecoder(r, maxBytes)
	if err := elements(dec, each); err != nil {
		return err
	}
	return trailing(dec)
}

// elements decodes an array (or null) at dec's position, each element into
// a fresh T. It returns each's error as it is.
func elements[T any](dec *jsontext.Decoder, each func(*T) error) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return wrap(err)
	}
	switch tok.Kind() {
	case 'n':
		return nil // a null list is an empty list
	case '[':
	default:
		return fmt.Errorf("want an array at %q, got %s", dec.StackPointer(), describe(tok.Kind()))
	}
	for dec.PeekKind() != ']' {
		v := new(T)
		if err := json.UnmarshalDecode(dec, v, options); err != nil {
			return wrap(err)
		}
		if err := each(v); err != nil {
			return err
		}
	}
	_, err = dec.ReadToken()
	return wrap(err)
}

func newDecoder(r io.Reader, maxBytes int64) *jsontext.Decoder {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return jsontext.NewDecoder(&capReader{r: r, left: maxBytes})
}

func trailing(dec *jsontext.Decoder) error {
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			return errors.New("unexpected data after the JSON value")
		}
		return wrap(err)
	}
	return nil
}

func describe(k jsontext.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "nothing"
	}
}

// wrap reports a body that ends early as io.ErrUnexpectedEOF, and leaves
// other errors (a read error, ErrTooLarge, a syntax or type error) as they
// are.
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
	// err is sticky: once the cap has been passed, or the reader failed,
	// every later read says so.
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
