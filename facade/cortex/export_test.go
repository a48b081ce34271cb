package cortex

import (
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/baseline"
)

// Page is a page's decoded form, for the wire tests.
type Page struct {
	Assignments []facade.Assignment
	Emails      []string
	Info        pageInfo
}

// DecodeFast and DecodeSlow expose the two page decoders to the wire tests.
func DecodeFast(body []byte) (Page, bool) {
	b, e, info, ok := decodeFast(body, nil, nil)
	return Page{b, e, info}, ok
}

func DecodeSlow(body []byte) (Page, error) {
	b, e, info, err := decodeSlow(body, nil, nil, 0)
	return Page{b, e, info}, err
}

// NewDecoder returns the driver's page decoding for BenchmarkDecode: each
// body decoded into a reused batch, as the driver's free lists do.
func NewDecoder() func(baseline.Body) (int, error) {
	var batch []facade.Assignment
	var emails []string
	return func(body baseline.Body) (int, error) {
		var err error
		batch, emails, _, err = decodePage(body.Data, batch[:0], emails[:0], 0)
		return len(batch), err
	}
}
