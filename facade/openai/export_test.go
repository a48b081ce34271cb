package openai

import (
	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/openai"
	"github.com/rolecall/rolecall/internal/baseline"
)

// RolesPage and UsersPage are a page's decoded form, for the wire tests.
type RolesPage struct {
	Assignments []facade.Assignment
	Next        string
	More        bool
	MoreSet     bool
}

type UsersPage struct {
	Users   []*api.OrganizationUser
	Next    string
	More    bool
	MoreSet bool
}

var wireUser = &api.OrganizationUser{Id: "user_1"}

// The page decoders, fast and encoding/json's. Each fast call has a memo of
// its own, as each listing does.
func DecodeRolesFast(body []byte) (RolesPage, bool) {
	b, c, ok := decodeRolesFast(body, nil, wireUser, new(wireMemo))
	return RolesPage{b, c.next, c.more, c.moreSet}, ok
}

func DecodeRolesSlow(body []byte) (RolesPage, error) {
	b, c, err := decodeRolesSlow(body, nil, wireUser, 0)
	return RolesPage{b, c.next, c.more, c.moreSet}, err
}

func DecodeUsersFast(body []byte) (UsersPage, bool) {
	u, c, ok := decodeUsersFast(body, nil)
	return UsersPage{u, c.next, c.more, c.moreSet}, ok
}

func DecodeUsersSlow(body []byte) (UsersPage, error) {
	u, c, err := decodeUsersSlow(body, nil, 0)
	return UsersPage{u, c.next, c.more, c.moreSet}, err
}

// DecodeRolesShared decodes pages with one memo, as one listing does.
func DecodeRolesShared() func(body []byte) (RolesPage, bool) {
	memo := new(wireMemo)
	return func(body []byte) (RolesPage, bool) {
		b, c, ok := decodeRolesFast(body, nil, wireUser, memo)
		return RolesPage{b, c.next, c.more, c.moreSet}, ok
	}
}

// NewDecoder returns the driver's page decoding for BenchmarkDecode: users
// pages and role pages (one memo for all, as one listing has), each
// decoded into a reused slice, as the driver's free lists do. A users page
// counts its users' organization roles.
func NewDecoder() func(baseline.Body) (int, error) {
	var batch []facade.Assignment
	var users []*api.OrganizationUser
	memo := new(wireMemo)
	return func(body baseline.Body) (int, error) {
		var err error
		if body.Kind == "openai.users" {
			users, _, err = decodeUsers(body.Data, users[:0], 0)
			n := 0
			for _, u := range users {
				if u.Role != nil && *u.Role != "" {
					n++
				}
			}
			return n, err
		}
		batch, _, err = decodeRoles(body.Data, batch[:0], wireUser, memo, 0)
		return len(batch), err
	}
}
