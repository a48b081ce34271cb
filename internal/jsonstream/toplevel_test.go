package jsonstream

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestTopLevel(t *testing.T) {
	for _, c := range []struct {
		doc, key, want string
	}{
		{`{"users":[{"metadata":{"page_key":"no"}}],"metadata":{"page_key":"abc"}}`, "metadata", `{"page_key":"abc"}`},
		{` { "metadata" : { "page_key" : "a\"}b" } , "users" : [ ] } `, "metadata", `{ "page_key" : "a\"}b" }`},
		{`{"users":"metadata","metadata":null}`, "metadata", `null`},
		{`{"a":1,"b":true,"c":[1,{"d":"]"}],"metadata":5}`, "metadata", `5`},
		{`{"metadata":1,"metadata":2}`, "metadata", `2`}, // the last one, as encoding/json keeps
		{`{"\u006detadata":"escaped key"}`, "metadata", `"escaped key"`},
		{`{"users":[]}`, "metadata", ``},
		{`[{"metadata":1}]`, "metadata", ``},
		{`{"metadata":`, "metadata", ``},
		{`{"x":"unterminated`, "metadata", ``},
		{``, "metadata", ``},
	} {
		if got := string(TopLevel([]byte(c.doc), c.key)); got != c.want {
			t.Errorf("TopLevel(%s, %q) = %q, want %q", c.doc, c.key, got, c.want)
		}
	}
}

// FuzzTopLevel checks TopLevel against encoding/json on valid documents,
// and that it never panics on any input.
func FuzzTopLevel(f *testing.F) {
	f.Add(`{"users":[],"metadata":{"page_key":"k"}}`)
	f.Add(`{"metadata":"\u00e9","x":[{"metadata":1}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		got := TopLevel([]byte(doc), "metadata")
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(doc), &m) != nil {
			return
		}
		want, ok := m["metadata"]
		if !ok {
			if got != nil {
				t.Fatalf("%s: found %s, encoding/json finds no metadata", doc, got)
			}
			return
		}
		if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
			t.Fatalf("%s: %s, encoding/json %s", doc, got, want)
		}
	})
}
