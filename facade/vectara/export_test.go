package vectara

import "github.com/rolecall/rolecall/facade"

// DecodeFast and DecodeSlow expose the two page decoders to the wire tests.
func DecodeFast(body []byte) ([]facade.Assignment, bool) { return decodeFast(body, nil, scopes{}) }

func DecodeSlow(body []byte) ([]facade.Assignment, error) {
	return decodeSlow(body, nil, scopes{}, 0)
}
