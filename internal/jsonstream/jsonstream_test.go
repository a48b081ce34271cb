package jsonstream

import (
	"bytes"
	jsonv1 "encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type user struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// collect returns an each that appends to *out.
func collect(out *[]*user) func(*user) error {
	return func(u *user) error {
		*out = append(*out, u)
		return nil
	}
}

func ids(us []*user) []int {
	out := []int{}
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

// env is a page envelope as oapi-codegen generates them: the list, and
// the members around it.
type env struct {
	Page  int    `json:"page"`
	Total *int   `json:"total,omitempty"`
	Flag  bool   `json:"flag"`
	Users []user `json:"users"`
}

// ptrEnv holds its list by pointer, as a generated optional list is.
type ptrEnv struct {
	Users *[]user `json:"users,omitempty"`
	Next  *string `json:"next,omitempty"`
}

// obj decodes r into a fresh env.
func obj(r io.Reader, maxBytes int64, each func(*user) error) error {
	var e env
	_, err := Decode(r, maxBytes, &e, each)
	return err
}

// decode decodes body into a fresh env.
func decode(body string, each func(*user) error) (*env, Given, error) {
	e := new(env)
	given, err := Decode(strings.NewReader(body), 0, e, each)
	return e, given, err
}

func TestDecodeStreamsItemsAndFields(t *testing.T) {
	const body = `{
		"page": 2,
		"meta": {"page": 99, "users": [{"id": 100}], "deep": [[1, {"x": null}], "s"]},
		"users": [{"id": 1, "name": "ann"}, {"id": 2}, {"id": 3, "name": "cy"}],
		"extra": [[1], [2, [3]]],
		"flag": true,
		"nothing": null,
		"total": 7,
		"s": "a \"quoted\" } ] string"
	}`
	var got []*user
	e, given, err := decode(body, collect(&got))
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 3}, ids(got))
	assert.Equal(t, "ann", got[0].Name)
	assert.Equal(t, "", got[1].Name, "each element is decoded into a fresh value")
	assert.Equal(t, "cy", got[2].Name)
	assert.Equal(t, 2, e.Page, "a key nested in a skipped value does not reach the envelope")
	assert.Equal(t, 7, *e.Total)
	assert.True(t, e.Flag)
	assert.Empty(t, e.Users, "the list is handed out, never stored")
	assert.True(t, given.Has(&e.Page))
	assert.True(t, given.Has(&e.Total))
	assert.True(t, given.Has(&e.Flag))
}

func TestDecodeGiven(t *testing.T) {
	e, given, err := decode(`{"page":0,"total":null,"users":[]}`, func(*user) error { return nil })
	require.NoError(t, err)
	assert.True(t, given.Has(&e.Page), "a zero given is given")
	assert.False(t, given.Has(&e.Total), "null is not given")
	assert.False(t, given.Has(&e.Flag), "absent is not given")

	var p ptrEnv
	given, err = Decode(strings.NewReader(`{"next":"k","users":[{"id":1}]}`), 0, &p, func(*user) error { return nil })
	require.NoError(t, err)
	assert.True(t, given.Has(&p.Next))
	assert.Equal(t, "k", *p.Next)
}

// orderEnv logs when its members are decoded relative to the list's
// elements.
type orderEnv struct {
	A     orderMark `json:"a"`
	B     orderMark `json:"b"`
	Users []user    `json:"users"`
}

type orderMark struct{}

var order []string

func (orderMark) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	order = append(order, "member "+string(dec.StackPointer().LastToken()))
	return dec.SkipValue()
}

func TestDecodeMembersBeforeAndAfterItems(t *testing.T) {
	order = nil
	var e orderEnv
	_, err := Decode(strings.NewReader(`{"a":1,"users":[{"id":1},{"id":2}],"b":{"c":[]}}`), 0, &e,
		func(u *user) error {
			order = append(order, fmt.Sprint("user ", u.ID))
			return nil
		})
	require.NoError(t, err)
	assert.Equal(t, []string{"member a", "user 1", "user 2", "member b"}, order)
}

func TestDecodePointerList(t *testing.T) {
	for body, want := range map[string][]int{`{"users":[{"id":1},{"id":2}]}`: {1, 2}, `{"users":null}`: {}, `{}`: {}, `{"users":[]}`: {}} {
		t.Run(body, func(t *testing.T) {
			var got []*user
			var p ptrEnv
			_, err := Decode(strings.NewReader(body), 0, &p, collect(&got))
			require.NoError(t, err)
			assert.Equal(t, want, ids(got))
			if p.Users != nil {
				assert.Empty(t, *p.Users, "the list is handed out, never stored")
			}
		})
	}
	var p ptrEnv
	_, err := Decode(strings.NewReader(`{"users":{"id":1}}`), 0, &p, func(*user) error { return nil })
	require.ErrorContains(t, err, "want an array")
}

func TestDecodeEmptyAndNullLists(t *testing.T) {
	for _, body := range []string{`{"users":null}`, `{"users":[]}`, `{}`, `{"other":[1,2]}`, " \n{ \"users\" : [ ] }\n\t "} {
		t.Run(body, func(t *testing.T) {
			calls := 0
			_, _, err := decode(body, func(*user) error { calls++; return nil })
			require.NoError(t, err)
			assert.Equal(t, 0, calls)
		})
	}
}

func TestDecodeItemsNotAnArray(t *testing.T) {
	for _, body := range []string{`{"users":{"id":1}}`, `{"users":"x"}`, `{"users":5}`, `{"users":true}`} {
		t.Run(body, func(t *testing.T) {
			calls := 0
			_, _, err := decode(body, func(*user) error { calls++; return nil })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "want an array")
			assert.Equal(t, 0, calls)
		})
	}
}

func TestDecodeTopLevelNotAnObject(t *testing.T) {
	for _, body := range []string{`[]`, `[{"id":1}]`, `"users"`, `5`, `null`, `true`} {
		t.Run(body, func(t *testing.T) {
			calls := 0
			_, _, err := decode(body, func(*user) error { calls++; return nil })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "jsonstream.env", "the error names the envelope type")
			assert.Equal(t, 0, calls)
		})
	}
}

func TestObjectSyntaxError(t *testing.T) {
	for _, body := range []string{`{"users":[{"id":1},]}`, `{"users" [1]}`, `{users:[]}`, `{"users":[}`, `{"a":1,}`, `{"a":tru}`} {
		t.Run(body, func(t *testing.T) {
			err := obj(strings.NewReader(body), 0, func(*user) error { return nil })
			require.Error(t, err)
			assert.NotErrorIs(t, err, io.ErrUnexpectedEOF)
		})
	}
}

func TestTrailingData(t *testing.T) {
	for _, body := range []string{`{"users":[]} x`, `{"users":[]}{}`, `{"users":[]} 1`, `{"users":[]}]`, `{"users":[]} "s"`} {
		t.Run("object "+body, func(t *testing.T) {
			err := obj(strings.NewReader(body), 0, func(*user) error { return nil })
			require.Error(t, err)
		})
	}
	for _, body := range []string{`[] x`, `[][]`, `[{"id":1}] {}`, `null null`} {
		t.Run("array "+body, func(t *testing.T) {
			err := Array(strings.NewReader(body), 0, func(*user) error { return nil })
			require.Error(t, err)
		})
	}
}

const fullDoc = `{"page":12,"meta":{"k":[1,"two",null,true]},"users":[{"id":1,"name":"ann"},{"id":23,"name":"bo"}],"total":34}`

func TestObjectTruncated(t *testing.T) {
	for i := range len(fullDoc) {
		prefix := fullDoc[:i]
		err := obj(strings.NewReader(prefix), 0, func(*user) error { return nil })
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "prefix %q", prefix)
	}
	require.NoError(t, obj(strings.NewReader(fullDoc), 0, func(*user) error { return nil }))
}

func TestArrayTruncated(t *testing.T) {
	const doc = `[{"id":1,"name":"ann"},{"id":23,"name":"bo"}]`
	for i := range len(doc) {
		err := Array(strings.NewReader(doc[:i]), 0, func(*user) error { return nil })
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "prefix %q", doc[:i])
	}
}

func TestWrongElementType(t *testing.T) {
	var got []*user
	err := obj(strings.NewReader(`{"users":[{"id":1},{"id":"two"},{"id":3}]}`), 0, collect(&got))
	var te *json.SemanticError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, jsontext.Pointer("/users/1/id"), te.JSONPointer)
	assert.Equal(t, jsontext.Kind('"'), te.JSONKind)
	assert.Contains(t, err.Error(), "/users/1/id", "the error names where")
	assert.Equal(t, []int{1}, ids(got), "decoding stops at the bad element")

	got = nil
	err = Array(strings.NewReader(`[{"id":1},{"name":5}]`), 0, collect(&got))
	require.ErrorAs(t, err, &te)
	assert.Equal(t, jsontext.Pointer("/1/name"), te.JSONPointer)
	assert.Equal(t, []int{1}, ids(got))

	got = nil
	err = obj(strings.NewReader(`{"page":"two","users":[{"id":1}]}`), 0, collect(&got))
	require.ErrorAs(t, err, &te, "a member's type error is reported too")
	assert.Equal(t, jsontext.Pointer("/page"), te.JSONPointer)
	assert.Empty(t, got)
}

func bigDoc(n int) string {
	var b strings.Builder
	b.WriteString(`{"users":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"user number %d"}`, i, i)
	}
	b.WriteString(`],"total":`)
	fmt.Fprint(&b, n)
	b.WriteString("}")
	return b.String()
}

func TestMaxBytes(t *testing.T) {
	for _, doc := range []string{`{"users":[{"id":1}]}`, bigDoc(300)} {
		size := int64(len(doc))
		readers := map[string]func() io.Reader{
			"plain":    func() io.Reader { return strings.NewReader(doc) },
			"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(doc)) },
			"data+EOF": func() io.Reader { return iotest.DataErrReader(strings.NewReader(doc)) },
			"half":     func() io.Reader { return iotest.HalfReader(strings.NewReader(doc)) },
		}
		for name, r := range readers {
			t.Run(fmt.Sprintf("%d bytes %s", size, name), func(t *testing.T) {
				var got []*user
				require.NoError(t, obj(r(), size, collect(&got)), "exactly at the cap")
				assert.Len(t, got, strings.Count(doc, `"id"`))

				got = nil
				require.NoError(t, obj(r(), size+1, collect(&got)))

				err := obj(r(), size-1, collect(&got))
				require.ErrorIs(t, err, ErrTooLarge, "one byte over the cap")

				err = obj(r(), size/2, func(*user) error { return nil })
				require.ErrorIs(t, err, ErrTooLarge)
			})
		}
	}
	t.Run("array", func(t *testing.T) {
		doc := `[{"id":1},{"id":2}]`
		require.NoError(t, Array(strings.NewReader(doc), int64(len(doc)), func(*user) error { return nil }))
		require.ErrorIs(t, Array(strings.NewReader(doc), int64(len(doc)-1), func(*user) error { return nil }), ErrTooLarge)
		require.ErrorIs(t, Array(strings.NewReader(doc+"   "), int64(len(doc)), func(*user) error { return nil }), ErrTooLarge,
			"trailing whitespace counts toward the cap")
	})
	t.Run("default cap", func(t *testing.T) {
		doc := bigDoc(3000) // about 100 KB
		require.NoError(t, obj(strings.NewReader(doc), 0, func(*user) error { return nil }))
		require.NoError(t, obj(strings.NewReader(doc), -1, func(*user) error { return nil }))
	})
}

func TestReaderErrorPropagates(t *testing.T) {
	broken := errors.New("connection reset")
	doc := `{"users":[{"id":1},{"id":2}]}`
	for _, cut := range []int{0, 5, 15, len(doc)} {
		for _, maxBytes := range []int64{0, int64(cut), int64(cut) + 100} {
			if maxBytes == 0 && cut == 0 {
				continue
			}
			t.Run(fmt.Sprintf("cut=%d max=%d", cut, maxBytes), func(t *testing.T) {
				r := io.MultiReader(strings.NewReader(doc[:cut]), iotest.ErrReader(broken))
				err := obj(r, maxBytes, func(*user) error { return nil })
				require.ErrorIs(t, err, broken, "a read error is reported, even right at the cap")
			})
		}
	}
	r := io.MultiReader(strings.NewReader(`[{"id":1},`), iotest.ErrReader(broken))
	require.ErrorIs(t, Array(r, 0, func(*user) error { return nil }), broken)
}

func TestArray(t *testing.T) {
	var got []*user
	require.NoError(t, Array(strings.NewReader(` [{"id":1,"name":"a"},{"id":2},{"id":3}] `), 0, collect(&got)))
	assert.Equal(t, []int{1, 2, 3}, ids(got))
	assert.Equal(t, "", got[1].Name)

	got = nil
	require.NoError(t, Array(strings.NewReader(`null`), 0, collect(&got)))
	require.NoError(t, Array(strings.NewReader(`[]`), 0, collect(&got)))
	assert.Empty(t, got)

	for _, body := range []string{`{}`, `{"users":[]}`, `"x"`, `1`} {
		err := Array(strings.NewReader(body), 0, collect(&got))
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), "want an array", body)
	}
	require.ErrorIs(t, Array(strings.NewReader(``), 0, collect(&got)), io.ErrUnexpectedEOF)
	assert.Empty(t, got)

	var nums []int
	require.NoError(t, Array(strings.NewReader(`[3,1,2]`), 0, func(n *int) error { nums = append(nums, *n); return nil }))
	assert.Equal(t, []int{3, 1, 2}, nums)
}

func TestEachErrorStops(t *testing.T) {
	stop := errors.New("stop")
	t.Run("object", func(t *testing.T) {
		var seen []int
		e, _, err := decode(`{"users":[{"id":1},{"id":2},{"id":3}],"total":3}`, func(u *user) error {
			seen = append(seen, u.ID)
			if u.ID == 2 {
				return stop
			}
			return nil
		})
		assert.Same(t, stop, err, "returned as is")
		assert.Equal(t, []int{1, 2}, seen)
		assert.Nil(t, e.Total, "nothing after the failing element is decoded")
	})
	t.Run("array", func(t *testing.T) {
		var seen []int
		err := Array(strings.NewReader(`[{"id":1},{"id":2},{"id":3}]`), 0, func(u *user) error {
			seen = append(seen, u.ID)
			if u.ID == 2 {
				return stop
			}
			return nil
		})
		assert.Same(t, stop, err)
		assert.Equal(t, []int{1, 2}, seen)
	})
	t.Run("io.EOF from each is returned as is", func(t *testing.T) {
		err := Array(strings.NewReader(`[1]`), 0, func(*int) error { return io.EOF })
		assert.Same(t, io.EOF, err)
	})
	t.Run("member", func(t *testing.T) {
		var seen int
		_, _, err := decode(`{"page":"x","users":[{"id":1}]}`, func(*user) error { seen++; return nil })
		require.Error(t, err)
		assert.Equal(t, 0, seen, "a bad member before the list stops the decode there")
	})
}

// topLevel returns the values of key among the members of the JSON object
// data, in order (all of them, if the key repeats).
func topLevel(data []byte, key string) ([]jsonv1.RawMessage, error) {
	dec := jsonv1.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != jsonv1.Delim('{') {
		return nil, fmt.Errorf("not an object: %v %v", tok, err)
	}
	var out []jsonv1.RawMessage
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v jsonv1.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if ks, _ := k.(string); strings.EqualFold(ks, key) {
			out = append(out, v)
		}
	}
	return out, nil
}

func compact(t *testing.T, raw []byte) string {
	var b bytes.Buffer
	if err := jsonv1.Compact(&b, raw); err != nil {
		t.Fatalf("compact %q: %v", raw, err)
	}
	return b.String()
}

// valuesEnv is an envelope whose list holds any JSON values.
type valuesEnv struct {
	Users []jsontext.Value `json:"users"`
}

func FuzzObject(f *testing.F) {
	f.Add([]byte(fullDoc))
	f.Add([]byte(`{"users":null}`))
	f.Add([]byte(`{"users":[1,"a",{"b":[]}],"users":[null]}`))
	f.Add([]byte(`{"users":{}}`))
	f.Add([]byte(`[{"users":[]}]`))
	f.Add([]byte(`{"users":[]} {}`))
	f.Add([]byte(`{"users":[1,2`))
	f.Add([]byte(" {\"a\":\"\\u00e9\\\"\",\"users\":[[],[[]]]} \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []string
		each := func(v *jsontext.Value) error {
			got = append(got, compact(t, *v))
			return nil
		}
		var e valuesEnv
		_, err := Decode(bytes.NewReader(data), 0, &e, each)

		// Oracle: a valid JSON object whose every "users" member is an
		// array or null decodes to those arrays' elements; anything else
		// fails.
		wantOK := jsontext.Value(data).IsValid()
		var want []string
		if wantOK {
			vals, terr := topLevel(data, "users")
			if terr != nil || len(vals) > 1 {
				wantOK = false // not an object, or "users" twice
			}
			for _, v := range vals {
				var elems []jsonv1.RawMessage
				if jsonv1.Unmarshal(v, &elems) != nil || (elems == nil && compact(t, v) != "null") {
					wantOK = false
					break
				}
				for _, e := range elems {
					want = append(want, compact(t, e))
				}
			}
		}
		if !wantOK {
			if err == nil {
				t.Fatalf("%q: accepted", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
			t.Fatalf("%q: got %q, want %q", data, got, want)
		}

		// The cap: exactly the body's size is fine; one byte less is too large.
		if _, err := Decode(bytes.NewReader(data), int64(len(data)), &valuesEnv{}, func(*jsontext.Value) error { return nil }); err != nil {
			t.Fatalf("%q at its own size: %v", data, err)
		}
		if len(data) > 1 {
			_, err := Decode(bytes.NewReader(data), int64(len(data)-1), &valuesEnv{}, func(*jsontext.Value) error { return nil })
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%q one byte over: %v", data, err)
			}
		}
	})
}

// TestRules: invalid UTF-8 and a member named twice (as spelled, or in
// another case) fail, naming where; names match fields in any case.
func TestRules(t *testing.T) {
	type rec struct {
		Email  string  `json:"email"`
		PageKy *string `json:"page_key"`
	}
	type recEnv struct {
		Total *int  `json:"total"`
		Users []rec `json:"users"`
	}
	for _, c := range []struct{ name, body, where string }{
		{"invalid UTF-8", "{\"users\":[{\"email\":\"a\xffb@example.com\"}]}", "/users/0/email"},
		{"lone surrogate", `{"users":[{"email":"a\ud800b"}]}`, "/users/0/email"},
		{"invalid UTF-8 in a skipped member", "{\"users\":[{\"other\":\"\xc3\"}]}", "/users/0/other"},
		{"invalid UTF-8 in a skipped envelope member", "{\"other\":\"\xc3\",\"users\":[]}", "/other"},
		{"duplicate member", `{"users":[{"email":"a","email":"b"}]}`, `"email" within "/users/0"`},
		{"case-variant member", `{"users":[{"email":"a","EMAIL":"b"}]}`, `"EMAIL" within "/users/0"`},
		{"duplicate skipped member", `{"users":[{"x":1,"x":2}]}`, `"x" within "/users/0"`},
		{"duplicate skipped envelope member", `{"x":1,"x":2,"users":[]}`, `duplicate object member name "x"`},
		{"duplicate list", `{"users":[],"users":[]}`, `duplicate object member name "users"`},
		{"case-variant list", `{"users":[{"email":"a"}],"Users":[{"email":"b"}]}`, `duplicate object member name "Users"`},
		{"case-variant field", `{"total":1,"Total":2,"users":[]}`, `duplicate object member name "Total"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var e recEnv
			_, err := Decode(strings.NewReader(c.body), 0, &e, func(*rec) error { return nil })
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.where)
		})
	}
	var got []*rec
	var e recEnv
	_, err := Decode(strings.NewReader(`{"Users":[{"EMAIL":"a","page_key":"k"}],"TOTAL":3}`), 0, &e,
		func(r *rec) error { got = append(got, r); return nil })
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "a", got[0].Email, "names match in any case, as encoding/json's do")
	assert.Equal(t, 3, *e.Total)
	got = nil
	_, err = Decode(strings.NewReader(`{"users":[{"pagekey":"k"}]}`), 0, &recEnv{},
		func(r *rec) error { got = append(got, r); return nil })
	require.NoError(t, err)
	assert.Nil(t, got[0].PageKy, "but _ and - count")
}
