package openai

import (
	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/openai"
	"github.com/rolecall/rolecall/internal/jsonwire"
)

// Decoding a role into api.AssignedRoleDetails with encoding/json costs
// about 25 allocations: the record, its strings, the permissions, the
// creator and metadata maps, the assignment sources. The fast decoders
// read a page with jsonwire instead: the body is copied once into a string
// that every decoded string shares; each role (or user) is one allocation
// (a box holds the record and what its pointer fields point at); and the
// values that repeat across the organization's roles — permissions,
// created_by_user_obj, metadata — are decoded once a listing and shared
// (wireMemo; facade.Assignment.Record documents records as read-only).
// Anything outside the plain subset jsonwire reads makes a fast decoder
// give up on the page, which is then decoded with encoding/json: the
// result, or the error, is always encoding/json's (TestWire* and FuzzWire*
// hold the two to that).

// wireMemo holds what one listing's roles share.
type wireMemo struct {
	permissions jsonwire.Memo[[]string]
	objects     jsonwire.Memo[map[string]any]
}

// cursor is what a page says about the next one.
type cursor struct {
	next    string // next (roles) or last_id (users); "" when null or absent
	more    bool   // has_more
	moreSet bool   // has_more was there, and not null
}

// roleBox is one role's record and the storage its pointers point into.
type roleBox struct {
	r                    api.AssignedRoleDetails
	createdAt, updatedAt int64
	createdBy, desc      string
	creator, metadata    map[string]any
	sources              []api.AssignmentSource
	sourceArr            [4]api.AssignmentSource
}

var roleFields = []string{"assignment_sources", "created_at", "created_by", "created_by_user_obj", "description",
	"id", "metadata", "name", "permissions", "predefined_role", "resource_type", "updated_at"}

// decodeRolesFast decodes a list-user-role-assignments page of user u into
// assignments appended to batch, or reports false when the page needs
// encoding/json.
func decodeRolesFast(body []byte, batch []facade.Assignment, u *api.OrganizationUser, memo *wireMemo) ([]facade.Assignment, cursor, bool) {
	var c cursor
	ok := jsonwire.ReadPage(body, "data", func(s *jsonwire.Scanner) bool {
		b := new(roleBox)
		b.role(s, memo)
		if !s.OK() {
			return false
		}
		a, err := roleAssignment(u, &b.r)
		batch = append(batch, a)
		return err == nil // encoding/json's pass reports the error
	}, func(s *jsonwire.Scanner, key string) { c.read(s, key, "next") })
	return batch, c, ok
}

// read reads a page's cursor member key, where the next page's cursor is
// named next.
func (c *cursor) read(s *jsonwire.Scanner, key, next string) {
	switch key {
	case next:
		c.next = ""
		s.StringInto(&c.next)
	case "has_more":
		c.more, c.moreSet = false, false
		if !s.Null() {
			c.more, c.moreSet = s.Bool(), true
		}
	default:
		s.Skip()
	}
}

// role reads one AssignedRoleDetails object into b.
func (b *roleBox) role(s *jsonwire.Scanner, memo *wireMemo) {
	if !s.Object() {
		return
	}
	r := &b.r
	var seen jsonwire.Fields
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch key {
		case "id":
			seen.Once(s, 0)
			s.StringInto(&r.Id)
		case "name":
			seen.Once(s, 1)
			s.StringInto(&r.Name)
		case "resource_type":
			seen.Once(s, 2)
			s.StringInto(&r.ResourceType)
		case "predefined_role":
			seen.Once(s, 3)
			s.BoolInto(&r.PredefinedRole)
		case "description":
			seen.Once(s, 4)
			r.Description = s.OptString(&b.desc)
		case "created_by":
			seen.Once(s, 5)
			r.CreatedBy = s.OptString(&b.createdBy)
		case "created_at":
			seen.Once(s, 6)
			r.CreatedAt = s.OptInt64(&b.createdAt)
		case "updated_at":
			seen.Once(s, 7)
			r.UpdatedAt = s.OptInt64(&b.updatedAt)
		case "permissions":
			seen.Once(s, 8)
			r.Permissions = nil
			if !s.Null() {
				r.Permissions = memo.permissions.Read(s, stringList)
			}
		case "created_by_user_obj":
			seen.Once(s, 9)
			r.CreatedByUserObj = objectField(s, &memo.objects, &b.creator)
		case "metadata":
			seen.Once(s, 10)
			r.Metadata = objectField(s, &memo.objects, &b.metadata)
		case "assignment_sources":
			seen.Once(s, 11)
			r.AssignmentSources = nil
			if s.Null() || !s.Array() {
				continue
			}
			b.sources = b.sourceArr[:0]
			for s.Elem() {
				var src api.AssignmentSource
				if !s.Null() {
					source(s, &src)
				}
				b.sources = append(b.sources, src)
			}
			r.AssignmentSources = &b.sources
		default:
			s.Unknown(key, roleFields)
		}
	}
}

// source reads an AssignmentSource object into src.
func source(s *jsonwire.Scanner, src *api.AssignmentSource) {
	if !s.Object() {
		return
	}
	var seen jsonwire.Fields
	for key, ok := s.Key(); ok; key, ok = s.Key() {
		switch key {
		case "principal_id":
			seen.Once(s, 0)
			s.StringInto(&src.PrincipalId)
		case "principal_type":
			seen.Once(s, 1)
			s.StringInto(&src.PrincipalType)
		default:
			s.Unknown(key, []string{"principal_id", "principal_type"})
		}
	}
}

// stringList reads an array of strings (for a Memo).
func stringList(s *jsonwire.Scanner) []string {
	if !s.Array() {
		return nil
	}
	l := []string{}
	for s.Elem() {
		l = append(l, s.String())
	}
	return l
}

// object reads an object of any values (for a Memo).
func object(s *jsonwire.Scanner) map[string]any {
	m, ok := s.Value().(map[string]any)
	if !ok {
		s.Fail() // encoding/json fails on a non-object
	}
	return m
}

// objectField reads a *map[string]interface{} field: null is nil, an
// object is shared through memo, its map kept in *slot.
func objectField(s *jsonwire.Scanner, memo *jsonwire.Memo[map[string]any], slot *map[string]any) *map[string]any {
	if s.Null() {
		return nil
	}
	*slot = memo.Read(s, object)
	return slot
}

// userBox is one organization user's record and the storage its pointers
// point into.
type userBox struct {
	u                               api.OrganizationUser
	lastUsed                        int64
	email, name                     string
	isDefault, scim, serviceAccount bool
	role                            api.OrganizationUserRole
}

var userFields = []string{"added_at", "api_key_last_used_at", "email", "id", "is_default", "is_scim_managed",
	"is_service_account", "name", "object", "role"}

// decodeUsersFast decodes a list-users page into users appended to users,
// or reports false when the page needs encoding/json.
func decodeUsersFast(body []byte, users []*api.OrganizationUser) ([]*api.OrganizationUser, cursor, bool) {
	var c cursor
	ok := jsonwire.ReadPage(body, "data", func(s *jsonwire.Scanner) bool {
		b := new(userBox)
		b.user(s)
		users = append(users, &b.u)
		return b.u.Id != "" // encoding/json's pass reports a user without an id
	}, func(s *jsonwire.Scanner, key string) { c.read(s, key, "last_id") })
	return users, c, ok
}

// user reads one OrganizationUser object into b.
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
			s.StringInto(&u.Id)
		case "object":
			seen.Once(s, 1)
			s.StringInto((*string)(&u.Object))
		case "added_at":
			seen.Once(s, 2)
			s.Int64Into(&u.AddedAt)
		case "email":
			seen.Once(s, 3)
			u.Email = s.OptString(&b.email)
		case "name":
			seen.Once(s, 4)
			u.Name = s.OptString(&b.name)
		case "role":
			seen.Once(s, 5)
			u.Role = nil
			if !s.Null() {
				b.role = api.OrganizationUserRole(s.String())
				u.Role = &b.role
			}
		case "api_key_last_used_at":
			seen.Once(s, 6)
			u.ApiKeyLastUsedAt = s.OptInt64(&b.lastUsed)
		case "is_default":
			seen.Once(s, 7)
			u.IsDefault = s.OptBool(&b.isDefault)
		case "is_scim_managed":
			seen.Once(s, 8)
			u.IsScimManaged = s.OptBool(&b.scim)
		case "is_service_account":
			seen.Once(s, 9)
			u.IsServiceAccount = s.OptBool(&b.serviceAccount)
		default:
			s.Unknown(key, userFields)
		}
	}
}
