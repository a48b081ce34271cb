package jsonwire

import (
	"encoding/json"
	"testing"
	"time"
)

type rec struct {
	ID   string    `json:"id"`
	N    float64   `json:"n"`
	I    int64     `json:"i"`
	On   bool      `json:"on"`
	At   time.Time `json:"at"`
	Tags []string  `json:"tags"`
}

var recFields = []string{"id", "n", "i", "on", "at", "tags"}

// read decodes a rec with a Scanner the way drivers do.
func read(text string) (r rec, ok bool) {
	s := New(text)
	if !s.Object() {
		return r, false
	}
	var seen Fields
	for k, ok := s.Key(); ok; k, ok = s.Key() {
		switch k {
		case "id":
			seen.Once(&s, 0)
			if !s.Null() {
				r.ID = s.String()
			}
		case "n":
			seen.Once(&s, 1)
			if !s.Null() {
				r.N = s.Float64()
			}
		case "i":
			seen.Once(&s, 2)
			if !s.Null() {
				r.I = s.Int64()
			}
		case "on":
			seen.Once(&s, 3)
			if !s.Null() {
				r.On = s.Bool()
			}
		case "at":
			seen.Once(&s, 4)
			if !s.Null() {
				r.At = s.Time()
			}
		case "tags":
			seen.Once(&s, 5)
			r.Tags = nil
			if !s.Null() && s.Array() {
				r.Tags = []string{}
				for s.Elem() {
					r.Tags = append(r.Tags, s.String())
				}
			}
		default:
			s.Unknown(k, recFields)
		}
	}
	return r, s.OK() && s.End()
}

var cases = []struct {
	text string
	fast bool
}{
	{`{"id":"a","n":1.5,"i":-3,"on":true,"at":"2024-01-02T03:04:05Z","tags":["x","y"]}`, true},
	{` { "id" : "é ✓" , "tags" : [ ] , "on" : false } `, true},
	{`{"id":null,"n":null,"tags":null,"skip":{"a":[1,"]}\"",{}]},"more":[true,null]}`, true},
	{`{"n":1e3,"i":0}`, true},
	{`{}`, true},
	{`{"id":"a\"b"}`, false},       // escape
	{`{"ID":"a"}`, false},          // another case
	{`{"id":"a","id":"b"}`, false}, // repeated key
	{`{"id":5}`, false},            // wrong type
	{`{"i":1.5}`, false},           // not an integer
	{`{"n":1e999}`, false},         // out of range
	{`{"at":"yesterday"}`, false},  // not RFC 3339
	{`{"on":"true"}`, false},       // wrong type
	{"{\"id\":\"\xff\"}", false},   // invalid UTF-8
	{`{"tags":[null]}`, false},     // null element in a string list
	{`[]`, false},                  // not an object
	{`{"id":"a"} x`, false},        // trailing data (invalid JSON: never fed in practice)
	{`{"at":"2024-01-02T03:04:05+01:00"}`, true},
	// Invalid JSON fails, whatever the reader: the Scanner checks syntax.
	{`{"id":"a",}`, false}, {`{"tags":["x",]}`, false}, {`{"id" "a"}`, false}, {`{"id":"a" "n":1}`, false},
	{`{,"id":"a"}`, false}, {`{"n":01}`, false}, {`{"n":1.}`, false}, {`{"n":.5}`, false}, {`{"n":+1}`, false},
	{`{"n":1e}`, false}, {`{"n":-}`, false}, {`{"on":tru}`, false}, {`{"id":nul}`, false}, {`{"x":nullx}`, false},
	{`{"x":"\q"}`, false}, {`{"x":"\u12G4"}`, false}, {"{\"x\":\"a\tb\"}", false}, {`{"x":[1 2]}`, false},
	{`{"x":{"a":1,}}`, false}, {`{"x":{"a"}}`, false}, {`{"x":]`, false}, {`{"id":"a"`, false}, {``, false},
	{`{"x":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}`, true}, {`{"x":"\u00e9\n\"\\\/"}`, true},
}

func TestScannerMatchesEncodingJSON(t *testing.T) {
	for _, c := range cases {
		got, ok := read(c.text)
		if ok != c.fast {
			t.Errorf("%s: fast %v, want %v", c.text, ok, c.fast)
			continue
		}
		if !ok {
			continue
		}
		var want rec
		if err := json.Unmarshal([]byte(c.text), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", c.text, err)
		}
		if !got.At.Equal(want.At) || got.At.String() != want.At.String() {
			t.Errorf("%s: time %v, encoding/json %v", c.text, got.At, want.At)
		}
		got.At, want.At = time.Time{}, time.Time{}
		if g, w := show(got), show(want); g != w {
			t.Errorf("%s:\n got %s\nwant %s", c.text, g, w)
		}
	}
}

func show(r rec) string { b, _ := json.Marshal(r); return string(b) }

func TestScannerAllocatesNothing(t *testing.T) {
	text := `{"id":"a","n":1.5,"i":-3,"on":true,"at":"2024-01-02T03:04:05.123Z","other":{"x":[1,2]}}`
	if n := testing.AllocsPerRun(100, func() {
		if _, ok := read(text); !ok {
			t.Fatal("not fast")
		}
	}); n != 0 {
		t.Errorf("%v allocations, want 0", n)
	}
}

func TestScannerSurvivesTruncation(t *testing.T) {
	text := cases[0].text + cases[2].text
	for i := range len(text) {
		read(text[:i]) // must not panic
	}
}

func FuzzScanner(f *testing.F) {
	for _, c := range cases {
		f.Add(c.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := read(text) // never panics, valid or not
		if !ok {
			return
		}
		if !json.Valid([]byte(text)) {
			t.Fatalf("the Scanner read invalid JSON without failing: %q", text)
		}
		var want rec
		if err := json.Unmarshal([]byte(text), &want); err != nil {
			t.Fatalf("fast accepted what encoding/json rejects: %v", err)
		}
		if !got.At.Equal(want.At) {
			t.Fatalf("time %v, encoding/json %v", got.At, want.At)
		}
		got.At, want.At = time.Time{}, time.Time{}
		if g, w := show(got), show(want); g != w {
			t.Fatalf("%s:\n got %s\nwant %s", text, g, w)
		}
	})
}
