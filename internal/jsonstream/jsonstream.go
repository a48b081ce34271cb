// Package jsonstream decodes a JSON list response into the caller's types
// (the generated ones): the envelope into its type, whole, and the list in
// it one element at a time, so that a page's memory is one element, not the
// whole body, and a body past a size cap is refused instead of read.
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

// Unmarshal decodes data into v by the package's rules.
func Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v, options) }

// Given is the set of an envelope's fields that a body gave a value other
// than null, named by their addresses (Has(&env.TotalPages)). A generated
// field that is not a pointer cannot tell an absent or null member from
// its zero value on its own: this can.
type Given map[any]struct{}

// Has reports whether the field at ptr, a pointer into the envelope that
// Decode filled, was given a value other than null.
func (g Given) Has(ptr any) bool {
	_, ok := g[ptr]
	return ok
}

// errStop stops a decode whose cause is kept aside, to be returned as is.
var errStop = errors.New("jsonstream: stopped")

// Decode decodes one JSON value from r into env, the generated type of the
// whole response, by the package's rules, with one difference: the list of
// Item in it (a []Item or *[]Item field, or env itself when Env is []Item)
// is not stored. Its elements are decoded one by one into fresh values
// handed to each, so the list is never held whole; a null list is an empty
// one. Every other member lands in env's fields as the type declares them,
// members env does not declare are skipped, and a member given twice (as
// spelled or in another case) fails, as does a null where env's object
// should be. Decode returns the fields of env given a non-null value.
// An error from each is returned as it is; a body larger than maxBytes
// (0: DefaultMaxBytes) fails with ErrTooLarge, and a body with anything
// after the value fails.
func Decode[Env, Item any](r io.Reader, maxBytes int64, env *Env, each func(*Item) error) (Given, error) {
	dec := newDecoder(r, maxBytes)
	if _, list := any(env).(*[]Item); !list && dec.PeekKind() == 'n' {
		// The json package would leave env zero; a null is no envelope.
		return nil, fmt.Errorf("want the %T envelope, got null", *env)
	}
	given := Given{}
	var stopped error // each's error, or an element's, returned as it is
	list := json.UnmarshalFromFunc(func(dec *jsontext.Decoder, _ *[]Item) error {
		if err := elements(dec, each); err != nil {
			stopped = err
			return errStop
		}
		return nil
	})
	seen := json.UnmarshalFromFunc(func(dec *jsontext.Decoder, field any) error {
		if dec.PeekKind() != 'n' {
			given[field] = struct{}{}
		}
		return errors.ErrUnsupported // and decode the value as usual
	})
	err := json.UnmarshalDecode(dec, env, options, json.WithUnmarshalers(json.JoinUnmarshalers(seen, list)))
	if stopped != nil {
		return given, stopped
	}
	if err != nil {
		return given, wrap(err)
	}
	return given, trailing(dec)
}

// Array decodes a top-level JSON array from r element by element: Decode
// with the array as the envelope.
func Array[T any](r io.Reader, maxBytes int64, each func(*T) error) error {
	var env []T
	_, err := Decode(r, maxBytes, &env, each)
	return err
}

// noHooks leaves an element to the default decoding: Decode's hooks serve
// the envelope only. It replaces them with a hook for a type no value has
// (json.WithUnmarshalers(nil) would do, but v1.27.2 then dereferences the
// nil list when it meets an interface-typed field).
var noHooks = json.WithUnmarshalers(json.UnmarshalFromFunc(func(*jsontext.Decoder, *noValue) error {
	return errors.ErrUnsupported
}))

// noValue is the type of no value.
type noValue struct{}

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
		if err := json.UnmarshalDecode(dec, v, options, noHooks); err != nil {
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
