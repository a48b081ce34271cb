package vectara

import (
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/baseline"
)

// DecodeFast and DecodeSlow expose the two page decoders to the wire tests.
func DecodeFast(body []byte) ([]facade.Assignment, bool) { return decodeFast(body, nil, scopes{}) }

func DecodeSlow(body []byte) ([]facade.Assignment, error) {
	return decodeSlow(body, nil, scopes{}, 0)
}

// NewDecoder returns the driver's page decoding for BenchmarkDecode: each
// body decoded into a reused batch, as the driver's free lists do.
func NewDecoder() func(baseline.Body) (int, error) {
	var batch []facade.Assignment
	return func(body baseline.Body) (int, error) {
		var err error
		batch, err = decodePage(body.Data, batch[:0], 0)
		return len(batch), err
	}
}
