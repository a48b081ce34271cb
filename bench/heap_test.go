package bench

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
)

// keyLen must be the length of the key the dedupe set holds, uvarint
// lengths of two bytes included.
func TestKeyLen(t *testing.T) {
	for _, a := range []facade.Assignment{
		{},
		{UserID: "ada@example.com", RoleID: "ADMIN"},
		{UserID: "ada@example.com", RoleID: "viewer", Scope: "project/7"},
		{UserID: strings.Repeat("u", 127), RoleID: strings.Repeat("r", 128), Scope: "s"},
		{UserID: strings.Repeat("u", 300), RoleID: strings.Repeat("r", 20000)},
	} {
		if got, want := keyLen(&a), len(a.Key()); got != want {
			t.Errorf("keyLen(%d-byte user, %d-byte role, %d-byte scope) = %d, want %d", len(a.UserID), len(a.RoleID), len(a.Scope), got, want)
		}
	}
}

// The sets' twins hold keys of the lengths counted: 49 bytes take the
// allocator's 64-byte class, 48 bytes its 48-byte class, so 50k keys of 49
// bytes take about 16 bytes a key more (a mean length would hide it).
func TestSetBytesKeyLengths(t *testing.T) {
	const n = 50_000
	var short, long KeyLens
	for range n {
		short.Add(48)
		long.Add(49)
	}
	if short.Len() != n || long.Len() != n {
		t.Fatalf("counted %d and %d keys, want %d", short.Len(), long.Len(), n)
	}
	s, l := SetBytes(short, 0), SetBytes(long, 0)
	if s < n*48 {
		t.Errorf("%d keys of 48 bytes take %d bytes, fewer than the keys alone", n, s)
	}
	if l < s+n*16*9/10 {
		t.Errorf("%d keys of 49 bytes take %d bytes, of 48 bytes %d: want about %d more", n, l, s, n*16)
	}
	at := SetBytesAt([]KeyLens{short, long}, []int{0, n})
	if at[1] <= at[0] {
		t.Errorf("set of %d then %d keys and a tally of %d: %d then %d bytes, want growth", short.Len(), short.Len()+long.Len(), n, at[0], at[1])
	}
}

// HeapSettled returns the live heap once nothing allocates: what is
// retained is in it.
func TestHeapSettled(t *testing.T) {
	before := HeapNow()
	kept := make([]byte, 16<<20)
	live, ok := HeapSettled(10 * time.Second)
	if !ok {
		t.Fatal("not settled in 10 s with nothing running")
	}
	if live < before+uint64(len(kept)) {
		t.Errorf("live heap %d bytes, want at least %d (before) + %d (kept)", live, before, len(kept))
	}
	runtime.KeepAlive(kept)
}
