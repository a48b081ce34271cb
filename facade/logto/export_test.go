package logto

import (
	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/logto"
)

var wireRole = &api.RoleWithStats{Id: "role_1", Name: "admin"}

// DecodeFast and DecodeSlow expose the two page decoders to the wire tests.
func DecodeFast(body []byte) ([]facade.Assignment, bool) { return decodeFast(body, nil, wireRole) }

func DecodeSlow(body []byte) ([]facade.Assignment, error) {
	return decodeSlow(body, nil, wireRole, 0)
}
