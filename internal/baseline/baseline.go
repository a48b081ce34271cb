// Package baseline is the yardstick rolecall's decoding is measured
// against: the decoder-only floor, which stream-decodes a listing's
// response bodies with encoding/json into the generated types and counts
// the assignments, and nothing else. The end-to-end benchmarks (package
// bench) and the drivers' page-decoding benchmarks use it over the same
// bytes as rolecall.
package baseline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	cortex "github.com/rolecall/rolecall/gen/cortex"
	logto "github.com/rolecall/rolecall/gen/logto"
	openai "github.com/rolecall/rolecall/gen/openai"
	vectara "github.com/rolecall/rolecall/gen/vectara"
)

// Body is one 200 response body of a listing. Kind says what it holds:
// "cortex", "vectara", "openai.users", "openai.roles", "logto.roles" or
// "logto.users" (KindOf).
type Body struct {
	Kind string
	Data []byte
}

// KindOf returns the Kind of a 200 body answering a GET of path (the
// provider's path, or a test server's with a prefix) from provider's
// listing, or "" for a request a listing does not make.
func KindOf(provider, path string) string {
	switch {
	case provider == "cortex" && strings.HasSuffix(path, "/api/v1/users/roles"):
		return "cortex"
	case provider == "vectara" && strings.HasSuffix(path, "/v2/users"):
		return "vectara"
	case provider == "openai" && strings.HasSuffix(path, "/organization/users"):
		return "openai.users"
	case provider == "openai" && strings.HasSuffix(path, "/roles") && strings.Contains(path, "/organization/users/"):
		return "openai.roles"
	case provider == "logto" && strings.HasSuffix(path, "/api/roles"):
		return "logto.roles"
	case provider == "logto" && strings.HasSuffix(path, "/users") && strings.Contains(path, "/api/roles/"):
		return "logto.users"
	}
	return ""
}

// DecodeOnly is the decoder-only baseline: it stream-decodes each body
// with encoding/json's Decoder, element by element (Token, More, Decode)
// into a fresh value of the generated type, the way a streaming client
// must, and counts the assignments. No HTTP, no mapping, no dedupe: the
// floor a streaming client over the same bytes can reach with the same
// decoder. It returns the number of assignments.
func DecodeOnly(bodies []Body) (int, error) {
	n := 0
	for _, b := range bodies {
		var k int
		var err error
		switch b.Kind {
		case "cortex":
			k, err = decodeList(b.Data, "users", func(u *cortex.UserRoleAssignment) int { return len(u.Roles) })
		case "vectara":
			k, err = decodeList(b.Data, "users", func(u *vectara.User) int {
				return lenOf(u.ApiRoles) + lenOf(u.CorpusRoles) + lenOf(u.AgentRoles)
			})
		case "openai.users":
			k, err = decodeList(b.Data, "data", func(u *openai.OrganizationUser) int {
				if u.Role != nil {
					return 1
				}
				return 0
			})
		case "openai.roles":
			k, err = decodeList(b.Data, "data", func(*openai.AssignedRoleDetails) int { return 1 })
		case "logto.roles":
			k, err = decodeList(b.Data, "", func(*logto.RoleWithStats) int { return 0 })
		case "logto.users":
			k, err = decodeList(b.Data, "", func(*logto.UserProfile) int { return 1 })
		default:
			err = fmt.Errorf("unknown body kind %q", b.Kind)
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", b.Kind, err)
		}
		n += k
	}
	return n, nil
}

func lenOf[T any](p *[]T) int {
	if p == nil {
		return 0
	}
	return len(*p)
}

// decodeList decodes the array under key (or the top-level array when key
// is "") element by element, skipping other keys.
func decodeList[T any](data []byte, key string, count func(*T) int) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if key == "" {
		return decodeArray(dec, count)
	}
	if _, err := dec.Token(); err != nil { // {
		return 0, err
	}
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return n, err
		}
		if tok == key {
			k, err := decodeArray(dec, count)
			n += k
			if err != nil {
				return n, err
			}
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return n, err
		}
	}
	_, err := dec.Token() // }
	return n, err
}

func decodeArray[T any](dec *json.Decoder, count func(*T) int) (int, error) {
	if _, err := dec.Token(); err != nil { // [
		return 0, err
	}
	n := 0
	for dec.More() {
		v := new(T)
		if err := dec.Decode(v); err != nil {
			return n, err
		}
		n += count(v)
	}
	_, err := dec.Token() // ]
	return n, err
}
