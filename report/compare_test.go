package report

import (
	"strings"
	"testing"
)

// foldCases are strings whose case-insensitive order is easy to get
// wrong: case, prefixes, non-ASCII letters whose lower case has a longer
// or shorter encoding (İ, K as the Kelvin sign, Ω as the Ohm sign), valid
// and invalid U+FFFD, and invalid bytes.
var foldCases = []string{"", "a", "A", "ab", "aB", "Ab", "a@x.com", "A@X.COM", "a.b@x", "a-b@x", "Z", "z", "_", "[",
	"é", "É", "e", "f", "İ", "i", "ı", "I", "K", "k", "\u212a", "Ω", "ω", "\u2126", "ß", "ẞ", "ǅ", "ǆ",
	"\ufffd", "\xff", "a\xff", "a\xffb", "\xc3", "\xc3\xa9", "Σ", "σ", "ς", "日本", "日", "\U0001F600", "A\U0001F600"}

// TestFoldCompareOrder: foldCompare orders strings exactly as comparing
// their strings.ToLower does (the report's order before it stopped
// building lower-case copies).
func TestFoldCompareOrder(t *testing.T) {
	for _, a := range foldCases {
		for _, b := range foldCases {
			for _, suffix := range []string{"", "x", "X", "é"} {
				want := strings.Compare(strings.ToLower(a+suffix), strings.ToLower(b))
				if got := foldCompare(a+suffix, b); got != want {
					t.Errorf("foldCompare(%q, %q) = %d, want %d", a+suffix, b, got, want)
				}
			}
		}
	}
}

// TestFoldCompareAllocates nothing: sorting a provider's rows compares
// each row about log2(n) times, twice by folded strings.
func TestFoldCompareAllocates(t *testing.T) {
	a, b := "Ken.Hopper1@Example.org", "ken.hopper1@example.ORG"
	if n := testing.AllocsPerRun(100, func() { foldCompare(a, b) }); n != 0 {
		t.Errorf("foldCompare allocates %v times a call, want 0", n)
	}
}

func FuzzFoldCompare(f *testing.F) {
	for i, a := range foldCases {
		f.Add(a, foldCases[(i*7+3)%len(foldCases)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		want := strings.Compare(strings.ToLower(a), strings.ToLower(b))
		if got := foldCompare(a, b); got != want {
			t.Errorf("foldCompare(%q, %q) = %d, want %d", a, b, got, want)
		}
	})
}
