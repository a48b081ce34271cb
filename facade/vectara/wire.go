package vectara

import (
	"time"

	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/vectara"
	"github.com/rolecall/rolecall/internal/jsonwire"
)

// Decoding a user into api.User with encoding/json costs about 35
// allocations: the record, a pointer and a string for each *string field,
// the role slices as they grow, each corpus key and role name, and the
// api_policy maps. decodeFast reads a page with jsonwire instead: the body
// is copied once into a string that every decoded string shares, and each
// user is one allocation (a userBox holds the record and what its pointer
// fields point at), plus its api_policy's maps. Anything outside the plain
// subset jsonwire reads (an escape sequence, a repeated key, a key in
// another case, a number where a string belongs, ...) makes decodeFast
// give up on the page, which decodeUsers then decodes with encoding/json:
// the result, or the error, is always encoding/json's (TestWireMatches and
// FuzzWire hold the two to that).

// userBox is one user's record and the storage its pointers point into.
type userBox struct {
	u                         api.User
	id, email, username, desc string
	created, updated          time.Time
	enabled                   bool
	apiRoles                  []api.ApiRole
	corpusRoles               []api.CorpusRole
	agentRoles                []api.AgentRole
	policy                    api.ApiPolicy
	ops                       [2]api.ApiOperationPolicy
	apiArr                    [4]api.ApiRole
	corpusArr                 [4]api.CorpusRole
	agentArr                  [2]api.AgentRole
}

// userFields are api.User's JSON keys, for jsonwire's case check.
var userFields = []string{"agent_roles", "api_policy", "api_roles", "corpus_roles", "created_at", "description",
	"email", "enabled", "id", "updated_at", "username"}

// decodeFast decodes a listUsers page body into assignments appended to
// batch, or reports false when the page needs encoding/json.
func decodeFast(body []byte, batch []facade.Assignment, sc scopes) ([]facade.Assignment, bool) {
	ok := jsonwire.ReadPage(body, "users", func(s *jsonwire.Scanner) bool {
		b := new(userBox)
		b.user(s)
		var err error
		batch, err = appendAssignments(batch, &b.u, sc)
		return s.OK() && err == nil // encoding/json's pass reports the error
	}, nil)
	return batch, ok
}

// user reads one user object into b.
func (b *userBox) user(s *jsonwire.Scanner) {
	if !s.Object() {
		return
	}
	u := &b.u
	var seen jsonwire.Fields
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch key {
		case "id":
			seen.Once(s, 0)
			u.Id = s.OptString(&b.id)
		case "email":
			seen.Once(s, 1)
			u.Email = s.OptString(&b.email)
		case "username":
			seen.Once(s, 2)
			u.Username = s.OptString(&b.username)
		case "description":
			seen.Once(s, 3)
			u.Description = s.OptString(&b.desc)
		case "enabled":
			seen.Once(s, 4)
			u.Enabled = s.OptBool(&b.enabled)
		case "created_at":
			seen.Once(s, 5)
			u.CreatedAt = s.OptTime(&b.created)
		case "updated_at":
			seen.Once(s, 6)
			u.UpdatedAt = s.OptTime(&b.updated)
		case "api_roles":
			seen.Once(s, 7)
			u.ApiRoles = nil
			if !s.Null() && s.Array() {
				b.apiRoles = b.apiArr[:0]
				for s.Elem() {
					b.apiRoles = append(b.apiRoles, api.ApiRole(s.String()))
				}
				u.ApiRoles = &b.apiRoles
			}
		case "corpus_roles":
			seen.Once(s, 8)
			u.CorpusRoles = nil
			if !s.Null() && s.Array() {
				b.corpusRoles = b.corpusArr[:0]
				for s.Elem() {
					var r api.CorpusRole
					keyed(s, "corpus_key", &r.CorpusKey, (*string)(&r.Role))
					b.corpusRoles = append(b.corpusRoles, r)
				}
				u.CorpusRoles = &b.corpusRoles
			}
		case "agent_roles":
			seen.Once(s, 9)
			u.AgentRoles = nil
			if !s.Null() && s.Array() {
				b.agentRoles = b.agentArr[:0]
				for s.Elem() {
					var r api.AgentRole
					keyed(s, "agent_key", &r.AgentKey, (*string)(&r.Role))
					b.agentRoles = append(b.agentRoles, r)
				}
				u.AgentRoles = &b.agentRoles
			}
		case "api_policy":
			seen.Once(s, 10)
			u.ApiPolicy = nil
			if !s.Null() {
				b.apiPolicy(s)
				u.ApiPolicy = &b.policy
			}
		default:
			s.Unknown(key, userFields)
		}
	}
}

// keyed reads a {"<keyName>": ..., "role": ...} object (CorpusRole,
// AgentRole); null values leave the fields empty, as encoding/json does.
func keyed(s *jsonwire.Scanner, keyName string, key, role *string) {
	if s.Null() {
		return // encoding/json leaves a null element zero
	}
	if !s.Object() {
		return
	}
	var seen jsonwire.Fields
	for k, ok := s.Key(); ok; k, ok = s.Key() {
		switch k {
		case keyName:
			seen.Once(s, 0)
			s.StringInto(&*key)
		case "role":
			seen.Once(s, 1)
			s.StringInto(&*role)
		default:
			s.Unknown(k, []string{keyName, "role"})
		}
	}
}

// apiPolicy reads an ApiPolicy object into b.policy.
func (b *userBox) apiPolicy(s *jsonwire.Scanner) {
	if !s.Object() {
		return
	}
	p := &b.policy
	var seen jsonwire.Fields
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch key {
		case "name":
			seen.Once(s, 0)
			s.StringInto(&p.Name)
		case "allowed_operations":
			seen.Once(s, 1)
			p.AllowedOperations = nil
			if s.Null() || !s.Object() {
				continue
			}
			p.AllowedOperations = make(map[string]*api.ApiOperationPolicy)
			used := 0
			for op, ok := s.Key(); ok; op, ok = s.Key() {
				if _, dup := p.AllowedOperations[op]; dup {
					s.Fail() // encoding/json would decode into the first one's value
					return
				}
				if s.Null() {
					p.AllowedOperations[op] = nil
					continue
				}
				var o *api.ApiOperationPolicy
				if used < len(b.ops) {
					o = &b.ops[used]
					used++
				} else {
					o = new(api.ApiOperationPolicy)
				}
				operationPolicy(s, o)
				p.AllowedOperations[op] = o
			}
		default:
			s.Unknown(key, []string{"name", "allowed_operations"})
		}
	}
}

// operationPolicy reads an ApiOperationPolicy object into o.
func operationPolicy(s *jsonwire.Scanner, o *api.ApiOperationPolicy) {
	if !s.Object() {
		return
	}
	var seen jsonwire.Fields
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch key {
		case "allow_any_resource":
			seen.Once(s, 0)
			s.BoolInto(&o.AllowAnyResource)
		case "allowed_resources":
			seen.Once(s, 1)
			o.AllowedResources = nil
			if s.Null() || !s.Object() {
				continue
			}
			m := make(map[string][]string)
			for path, ok := s.Key(); ok; path, ok = s.Key() {
				if _, dup := m[path]; dup {
					s.Fail()
					return
				}
				var vals []string
				if !s.Null() && s.Array() {
					vals = []string{}
					for s.Elem() {
						vals = append(vals, s.String())
					}
				}
				m[path] = vals
			}
			o.AllowedResources = &m
		default:
			s.Unknown(key, []string{"allow_any_resource", "allowed_resources"})
		}
	}
}
