package logto

import (
	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/logto"
	"github.com/rolecall/rolecall/internal/jsonwire"
)

// Decoding a user into api.UserProfile with encoding/json costs about 14
// allocations: the record, a pointer and a string for each *string field,
// the customData and identities maps. decodeFast reads a page with
// jsonwire instead: the body is copied once into a string that every
// decoded string shares; each user is one allocation (a userBox holds the
// record and what its pointer fields point at); and an empty customData or
// identities object is one map per page, shared by the page's records
// (which facade.Assignment.Record documents as read-only). Anything
// outside the plain subset jsonwire reads makes decodeFast give up on the
// page, which decodeSlow then decodes with encoding/json: the result, or
// the error, is always encoding/json's (TestWireMatchesEncodingJSON and
// FuzzWire hold the two to that).

// userBox is one user's record and the storage its pointers point into.
type userBox struct {
	u                                        api.UserProfile
	applicationID, avatar, cimd, name, email string
	phone, username                          string
	hasPassword, hasSecurityVerification     bool
	lastSignInAt                             float64
	details                                  map[string]any
}

// userFields are api.UserProfile's JSON keys, for jsonwire's case check.
var userFields = []string{"applicationId", "avatar", "cimdClientId", "createdAt", "customData", "hasPassword",
	"hasSecurityVerificationMethod", "id", "identities", "isSuspended", "lastSignInAt", "name", "primaryEmail",
	"primaryPhone", "profile", "ssoIdentities", "updatedAt", "username"}

// wirePage is what one page's records share.
type wirePage struct {
	emptyCustomData map[string]any
	emptyIdentities map[string]api.UserIdentity
}

// decodeFast decodes a ListRoleUsers page body (a JSON array of users) into
// role r's assignments appended to batch, or reports false when the page
// needs encoding/json.
func decodeFast(body []byte, batch []facade.Assignment, r *api.RoleWithStats) ([]facade.Assignment, bool) {
	var page wirePage
	ok := jsonwire.ReadPage(body, "", func(s *jsonwire.Scanner) bool {
		b := new(userBox)
		b.user(s, &page)
		var err error
		batch, err = appendUser(batch, &b.u, r)
		return s.OK() && err == nil // encoding/json's pass reports the error
	}, nil)
	return batch, ok
}

// user reads one user object into b.
func (b *userBox) user(s *jsonwire.Scanner, page *wirePage) {
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
		case "username":
			seen.Once(s, 1)
			u.Username = s.OptString(&b.username)
		case "primaryEmail":
			seen.Once(s, 2)
			u.PrimaryEmail = s.OptString(&b.email)
		case "primaryPhone":
			seen.Once(s, 3)
			u.PrimaryPhone = s.OptString(&b.phone)
		case "name":
			seen.Once(s, 4)
			u.Name = s.OptString(&b.name)
		case "avatar":
			seen.Once(s, 5)
			u.Avatar = s.OptString(&b.avatar)
		case "applicationId":
			seen.Once(s, 6)
			u.ApplicationId = s.OptString(&b.applicationID)
		case "cimdClientId":
			seen.Once(s, 7)
			u.CimdClientId = s.OptString(&b.cimd)
		case "createdAt":
			seen.Once(s, 8)
			s.Float64Into(&u.CreatedAt)
		case "updatedAt":
			seen.Once(s, 9)
			s.Float64Into(&u.UpdatedAt)
		case "lastSignInAt":
			seen.Once(s, 10)
			u.LastSignInAt = s.OptFloat64(&b.lastSignInAt)
		case "isSuspended":
			seen.Once(s, 11)
			s.BoolInto(&u.IsSuspended)
		case "hasPassword":
			seen.Once(s, 12)
			u.HasPassword = s.OptBool(&b.hasPassword)
		case "hasSecurityVerificationMethod":
			seen.Once(s, 13)
			u.HasSecurityVerificationMethod = s.OptBool(&b.hasSecurityVerification)
		case "customData":
			seen.Once(s, 14)
			switch {
			case s.Null():
				u.CustomData = nil
			case s.EmptyObject():
				if page.emptyCustomData == nil {
					page.emptyCustomData = map[string]any{}
				}
				u.CustomData = page.emptyCustomData
			default:
				m, ok := s.Value().(map[string]any)
				if !ok {
					s.Fail() // encoding/json fails on a non-object
				}
				u.CustomData = m
			}
		case "identities":
			seen.Once(s, 15)
			switch {
			case s.Null():
				u.Identities = nil
			case s.EmptyObject():
				if page.emptyIdentities == nil {
					page.emptyIdentities = map[string]api.UserIdentity{}
				}
				u.Identities = page.emptyIdentities
			default:
				b.identities(s)
			}
		case "profile":
			seen.Once(s, 16)
			if !s.Null() && !s.EmptyObject() {
				s.Decode(&u.Profile) // rare: addresses, names and the rest of OIDC's profile
			}
		case "ssoIdentities":
			seen.Once(s, 17)
			u.SsoIdentities = nil
			if !s.Null() {
				s.Decode(&u.SsoIdentities)
			}
		default:
			s.Unknown(key, userFields)
		}
	}
}

// identities reads a non-empty identities object into b.u.Identities.
func (b *userBox) identities(s *jsonwire.Scanner) {
	if !s.Object() {
		return
	}
	m := make(map[string]api.UserIdentity)
	for target, ok := s.Key(); ok; target, ok = s.Key() {
		if _, dup := m[target]; dup {
			s.Fail() // encoding/json would decode into the first one's value
			return
		}
		var id api.UserIdentity
		if !s.Null() && s.Object() {
			var seen jsonwire.Fields
			for key, ok := s.Key(); ok; key, ok = s.Key() {
				switch key {
				case "userId":
					seen.Once(s, 0)
					s.StringInto(&id.UserId)
				case "details":
					seen.Once(s, 1)
					if s.Null() {
						continue
					}
					details, ok := s.Value().(map[string]any)
					if !ok {
						s.Fail()
						return
					}
					if b.details == nil {
						b.details = details
						id.Details = &b.details
					} else {
						id.Details = &details
					}
				default:
					s.Unknown(key, []string{"userId", "details"})
				}
			}
		}
		m[target] = id
	}
	b.u.Identities = m
}
