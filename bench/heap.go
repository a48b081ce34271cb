package bench

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"time"
)

// The heap metrics sampled: the bytes of heap objects, live or not yet
// swept (what the heap holds at that instant, garbage included: how far it
// runs ahead of the live heap is the garbage collector's pacing, GOGC), and
// the live heap as marked by the last collection.
const (
	heapMetric = "/memory/classes/heap/objects:bytes"
	liveMetric = "/gc/heap/live:bytes"
)

// HeapSampler records the peaks of the heap's object bytes and of the live
// heap, sampled every millisecond from runtime/metrics in its own goroutine
// (no stop-the-world, unlike runtime.ReadMemStats).
type HeapSampler struct {
	stop chan struct{}
	done chan [2]uint64
}

// SampleHeap starts sampling.
func SampleHeap() *HeapSampler {
	s := &HeapSampler{stop: make(chan struct{}), done: make(chan [2]uint64, 1)}
	go func() {
		sample := []metrics.Sample{{Name: heapMetric}, {Name: liveMetric}}
		var peak [2]uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak[0] = max(peak[0], sample[0].Value.Uint64())
			peak[1] = max(peak[1], sample[1].Value.Uint64())
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the peaks in bytes: of the heap's objects
// (garbage included), and of the live heap.
func (s *HeapSampler) Stop() (objects, live uint64) {
	close(s.stop)
	p := <-s.done
	return p[0], p[1]
}

// HeapNow returns the heap's object bytes after two full collections (the
// second empties sync.Pools' victim caches): what is live.
func HeapNow() uint64 {
	runtime.GC()
	runtime.GC()
	sample := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// HeapSettled waits until the program stops allocating, then returns
// HeapNow: the live heap of a pipeline whose consumer has stopped, once
// every producer has filled its slot and blocks. Measured at once instead,
// producers still decoding during the collections leave their garbage
// counted as live (what a collection's mark phase allocates survives it):
// at a 1M checkpoint, 0 to 40 MiB more, varying from run to run with the
// machine's load. The program is settled when fewer than quietMallocs
// objects are allocated in each of quietTicks intervals of quietTick,
// before and across the collections; ok is false when it did not settle
// within limit.
func HeapSettled(limit time.Duration) (live uint64, ok bool) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		waitQuiet(deadline)
		m0 := mallocs()
		live = HeapNow()
		if mallocs()-m0 < quietMallocs {
			return live, true
		}
	}
	return live, false
}

// A program allocating fewer than quietMallocs objects in each of
// quietTicks intervals of quietTick is settled (a decoding producer
// allocates thousands a millisecond).
const (
	quietMallocs = 100
	quietTicks   = 5
	quietTick    = 10 * time.Millisecond
)

// waitQuiet waits until quietTicks intervals in a row allocate fewer than
// quietMallocs objects each, or until deadline.
func waitQuiet(deadline time.Time) {
	last := mallocs()
	for quiet := 0; quiet < quietTicks && time.Now().Before(deadline); {
		time.Sleep(quietTick)
		m := mallocs()
		if m-last < quietMallocs {
			quiet++
		} else {
			quiet = 0
		}
		last = m
	}
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// KeyLens counts dedupe keys by length: KeyLens[n] keys of n bytes. The
// heap a key takes is its length rounded up to the allocator's size
// class, so a set's twin is built of keys of the same lengths, not of the
// mean length (at 1M Cortex assignments the mean undercounts the keys by
// about 6 MiB).
type KeyLens []int

// Add counts a key of n bytes.
func (l *KeyLens) Add(n int) {
	if n >= len(*l) {
		*l = append(*l, make(KeyLens, n+1-len(*l))...)
	}
	(*l)[n]++
}

// Clone returns a copy of l.
func (l KeyLens) Clone() KeyLens { return append(KeyLens(nil), l...) }

// Len returns the number of keys counted.
func (l KeyLens) Len() int {
	n := 0
	for _, c := range l {
		n += c
	}
	return n
}

// SetBytes measures the heap that the sets a listing keeps take: the keys
// counted in keys in a Go map of strings, like the dedupe set of
// driverkit.Stream (map[string]struct{} of facade.Assignment.Key, one key
// per assignment), and n64 64-bit keys, like the paging.Tally a driver
// checks a reported total with (one per user or role member). It is the
// "besides the dedupe set" of the memory target: the part of a listing's
// heap that grows with the tenant by design.
func SetBytes(keys KeyLens, n64 int) uint64 {
	return SetBytesAt([]KeyLens{keys}, []int{n64})[0]
}

// SetBytesAt is SetBytes measured along the way: for each i, the heap that
// the dedupe set holds with the keys counted in keys[i] and the tally with
// n64[i] keys (the keys ascending with i, each count including the last;
// an n64 smaller than the last starts a new tally).
func SetBytesAt(keys []KeyLens, n64 []int) []uint64 {
	before := HeapNow()
	r := rand.New(rand.NewPCG(1, 2))
	m := make(map[string]struct{})
	t := make(map[uint64]struct{})
	out := make([]uint64, len(keys))
	var have KeyLens // the keys in m, by length
	var key [8]byte
	buf := make([]byte, 0, 64) // beyond its first 8 bytes, zeros
	for i, want := range keys {
		for n, c := range want {
			for have.count(n) < c {
				// The key of n bytes numbered have[n]: keys of one
				// length differ in their first bytes, of two lengths in
				// their lengths.
				binary.LittleEndian.PutUint64(key[:], uint64(have.count(n)))
				if n > cap(buf) {
					buf = make([]byte, 0, n)
				}
				b := buf[:n]
				copy(b, key[:])
				m[string(b)] = struct{}{}
				have.Add(n)
			}
		}
		if n64[i] < len(t) {
			t = make(map[uint64]struct{}) // a tally dropped: the listing ended
		}
		for len(t) < n64[i] {
			t[r.Uint64()] = struct{}{}
		}
		if now := HeapNow(); now > before {
			out[i] = now - before
		}
	}
	runtime.KeepAlive(m)
	runtime.KeepAlive(t)
	return out
}

// count returns the keys of n bytes counted.
func (l KeyLens) count(n int) int {
	if n < len(l) {
		return l[n]
	}
	return 0
}
