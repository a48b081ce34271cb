package cortex

import (
	"bytes"
	"math"

	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/cortex"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/jsonwire"
)

// Decoding a page of users into the generated types with encoding/json
// costs about 12 allocations a user: the record, its email and name, the
// roles slice as it grows, and for each role its type string and, for
// every *string field, a pointer and a string. decodeFast reads a page with
// jsonwire instead: the body is copied once into a string that every
// decoded string shares, and each user is one allocation (a userBox holds
// the record, its first roles and the strings their pointers point at).
// Anything outside the plain subset jsonwire reads (an escape sequence, a
// repeated key, a key in another case, a number where a string belongs,
// ...) makes decodeFast give up on the page, which decodeSlow then decodes
// with encoding/json: the result, or the error, is always encoding/json's
// (TestWireMatchesEncodingJSON and FuzzWire hold the two to that).

// boxedRoles is how many of a user's roles its userBox holds; more spill
// into allocations of their own.
const boxedRoles = 4

// userBox is one user's record and the storage its pointers point into.
type userBox struct {
	u       api.UserRoleAssignment
	roleArr [boxedRoles]api.AssignedRole
	strs    [boxedRoles]roleStrings
}

// roleStrings backs one role's *string fields.
type roleStrings struct{ role, name, tag string }

var (
	userFields = []string{"email", "name", "roles"}
	roleFields = []string{"type", "role", "name", "tag"}
)

// decodePage appends a page's assignments to batch and its users' emails
// to emails: with decodeFast when it can, else stream-decoded by
// encoding/json user by user.
func decodePage(body []byte, batch []facade.Assignment, emails []string, maxBody int64) ([]facade.Assignment, []string, pageInfo, error) {
	batch, emails, info, ok := decodeFast(body, batch, emails)
	if ok {
		return batch, emails, info, nil
	}
	clear(batch) // what the fast pass decoded before it gave up
	return decodeSlow(body, batch[:0], emails[:0], maxBody)
}

// decodeSlow is decodePage with encoding/json only.
func decodeSlow(body []byte, batch []facade.Assignment, emails []string, maxBody int64) ([]facade.Assignment, []string, pageInfo, error) {
	info := pageInfo{Page: -1, TotalPages: -1, Total: -1}
	err := jsonstream.Object(bytes.NewReader(body), maxBody, "users", func(u *api.UserRoleAssignment) error {
		emails = append(emails, u.Email)
		var err error
		batch, err = appendAssignments(batch, u)
		return err
	}, map[string]jsonstream.Field{
		"page":       jsonstream.Into(&info.Page),
		"total":      jsonstream.Into(&info.Total),
		"totalPages": jsonstream.Into(&info.TotalPages),
	})
	return batch, emails, info, err
}

// decodeFast is decodePage with jsonwire; ok is false when the page needs
// encoding/json.
func decodeFast(body []byte, batch []facade.Assignment, emails []string) ([]facade.Assignment, []string, pageInfo, bool) {
	info := pageInfo{Page: -1, TotalPages: -1, Total: -1}
	ok := jsonwire.ReadPage(body, "users", func(s *jsonwire.Scanner) bool {
		b := new(userBox)
		b.user(s)
		emails = append(emails, b.u.Email)
		var err error
		batch, err = appendAssignments(batch, &b.u)
		return s.OK() && err == nil // encoding/json's pass reports the error
	}, func(s *jsonwire.Scanner, key string) {
		switch key {
		case "page":
			int32Field(s, &info.Page)
		case "total":
			int32Field(s, &info.Total)
		case "totalPages":
			int32Field(s, &info.TotalPages)
		default:
			s.Skip()
		}
	})
	return batch, emails, info, ok
}

// int32Field reads an int32 as encoding/json does: null leaves *dst as it
// is; a number out of range fails.
func int32Field(s *jsonwire.Scanner, dst *int32) {
	if s.Null() {
		return
	}
	n := s.Int64()
	if n < math.MinInt32 || n > math.MaxInt32 {
		s.Fail()
	}
	*dst = int32(n)
}

// user reads one UserRoleAssignment object into b.
func (b *userBox) user(s *jsonwire.Scanner) {
	if !s.Object() {
		return
	}
	u := &b.u
	var seen jsonwire.Fields
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch key {
		case "email":
			seen.Once(s, 0)
			s.StringInto(&u.Email)
		case "name":
			seen.Once(s, 1)
			s.StringInto(&u.Name)
		case "roles":
			seen.Once(s, 2)
			u.Roles = nil
			if s.Null() || !s.Array() {
				continue
			}
			u.Roles = b.roleArr[:0]
			for s.Elem() {
				var strs *roleStrings
				if i := len(u.Roles); i < boxedRoles {
					strs = &b.strs[i]
				} else {
					strs = new(roleStrings)
				}
				var r api.AssignedRole
				if !s.Null() {
					role(s, &r, strs)
				}
				u.Roles = append(u.Roles, r)
			}
		default:
			s.Unknown(key, userFields)
		}
	}
}

// role reads one AssignedRole object into r, its strings kept in strs.
func role(s *jsonwire.Scanner, r *api.AssignedRole, strs *roleStrings) {
	if !s.Object() {
		return
	}
	var seen jsonwire.Fields
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch key {
		case "type":
			seen.Once(s, 0)
			s.StringInto((*string)(&r.Type))
		case "role":
			seen.Once(s, 1)
			r.Role = s.OptString(&strs.role)
		case "name":
			seen.Once(s, 2)
			r.Name = s.OptString(&strs.name)
		case "tag":
			seen.Once(s, 3)
			r.Tag = s.OptString(&strs.tag)
		default:
			s.Unknown(key, roleFields)
		}
	}
}
