package cortex

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	api "github.com/rolecall/rolecall/gen/cortex"
)

// Decoding a page of users into the generated types with encoding/json
// costs about 12 allocations a user: the record, its email and name, the
// roles slice as it grows, and for each role its type string and, for
// every *string field, a pointer and a string. Role values repeat across a
// whole tenant (a few dozen distinct types, names and tags), so the driver
// decodes each user into one reused wireUser whose roles list decodes
// itself: it reads the small role objects directly, shares one interned
// *string per distinct value within a page, and sizes the slice exactly.
// That leaves four allocations a user (record, email, name, roles) and
// none a role. Anything outside the plain shape — an escape sequence,
// invalid UTF-8, a number or object where a string belongs, a key that
// matches a field only case-insensitively — goes through encoding/json
// instead, so the result (or error) is always encoding/json's.

// wireUser is the shape of api.UserRoleAssignment, decoded for reuse.
type wireUser struct {
	Email string    `json:"email"`
	Name  string    `json:"name"`
	Roles wireRoles `json:"roles"`
}

// wireRoles decodes a user's roles array.
type wireRoles struct {
	roles []api.AssignedRole
	in    *interner
}

// UnmarshalJSON implements json.Unmarshaler.
func (w *wireRoles) UnmarshalJSON(data []byte) error {
	w.roles = nil
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil
	}
	if roles, ok := w.in.roles(data); ok {
		w.roles = roles
		return nil
	}
	var slow []api.AssignedRole
	if err := json.Unmarshal(data, &slow); err != nil {
		return err
	}
	w.roles = slow
	return nil
}

// interner hands out one *string per distinct value, for one page (it is
// not safe for concurrent use). Values are read-only once shared, as
// facade.Assignment.Record documents.
type interner struct {
	m map[string]*string
}

// maxInterned bounds an interner: past it, values are allocated as usual.
const maxInterned = 4096

func newInterner() *interner { return &interner{m: make(map[string]*string)} }

func (in *interner) intern(b []byte) *string {
	if p, ok := in.m[string(b)]; ok { // no allocation for the lookup
		return p
	}
	s := string(b)
	if len(in.m) < maxInterned {
		in.m[s] = &s
	}
	return &s
}

// roles reads a JSON array of role objects whose values are plain strings
// or null. data is one complete, valid JSON value (encoding/json has
// scanned it before calling UnmarshalJSON). ok is false for anything else,
// which the caller hands to encoding/json.
func (in *interner) roles(data []byte) (_ []api.AssignedRole, ok bool) {
	var buf [8]api.AssignedRole
	out := buf[:0]
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return nil, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return []api.AssignedRole{}, skipSpace(data, i+1) == len(data)
	}
	for {
		var r api.AssignedRole
		if i >= len(data) || data[i] != '{' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		if i < len(data) && data[i] == '}' {
			i++
		} else {
			for {
				key, j, ok := plainString(data, i)
				if !ok {
					return nil, false
				}
				i = skipSpace(data, j)
				if i >= len(data) || data[i] != ':' {
					return nil, false
				}
				i = skipSpace(data, i+1)
				var val *string
				switch {
				case i < len(data) && data[i] == '"':
					s, j, ok := plainString(data, i)
					if !ok {
						return nil, false
					}
					val, i = in.intern(s), j
				case bytes.HasPrefix(data[i:], []byte("null")):
					i += 4
				default:
					return nil, false // a number, bool, object or array: encoding/json decides
				}
				switch string(key) {
				case "type":
					if val != nil { // null leaves a string as it is
						r.Type = api.AssignedRoleType(*val)
					}
				case "role":
					r.Role = val
				case "name":
					r.Name = val
				case "tag":
					r.Tag = val
				default:
					for _, f := range [...]string{"type", "role", "name", "tag"} {
						if bytes.EqualFold(key, []byte(f)) {
							return nil, false // encoding/json matches keys case-insensitively
						}
					}
				}
				i = skipSpace(data, i)
				if i >= len(data) {
					return nil, false
				}
				if data[i] == '}' {
					i++
					break
				}
				if data[i] != ',' {
					return nil, false
				}
				i = skipSpace(data, i+1)
			}
		}
		out = append(out, r)
		i = skipSpace(data, i)
		if i >= len(data) {
			return nil, false
		}
		if data[i] == ']' {
			if skipSpace(data, i+1) != len(data) {
				return nil, false
			}
			roles := make([]api.AssignedRole, len(out))
			copy(roles, out)
			return roles, true
		}
		if data[i] != ',' {
			return nil, false
		}
		i = skipSpace(data, i+1)
	}
}

// plainString reads the JSON string starting at data[i] (a '"'), returning
// its bytes and the index after its closing quote. ok is false for a string
// with an escape sequence or invalid UTF-8, which need encoding/json's
// unquoting.
func plainString(data []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	ascii := true
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			s = data[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
