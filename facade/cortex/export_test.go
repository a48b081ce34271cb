package cortex

import "github.com/rolecall/rolecall/facade"

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
