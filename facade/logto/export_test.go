package logto

import (
	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/logto"
	"github.com/rolecall/rolecall/internal/baseline"
)

var wireRole = &api.RoleWithStats{Id: "role_1", Name: "admin"}

// DecodeFast and DecodeSlow expose the two page decoders to the wire tests.
func DecodeFast(body []byte) ([]facade.Assignment, bool) { return decodeFast(body, nil, wireRole) }

func DecodeSlow(body []byte) ([]facade.Assignment, error) {
	return decodeSlow(body, nil, wireRole, 0)
}

// NewDecoder returns the driver's page decoding for BenchmarkDecode: each
// body decoded into a reused batch, as the driver's free lists do.
func NewDecoder() func(baseline.Body) (int, error) {
	var batch []facade.Assignment
	return func(body baseline.Body) (int, error) {
		var err error
		batch, err = decodePage(body.Data, batch[:0], wireRole, 0)
		return len(batch), err
	}
}
