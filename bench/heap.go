package bench

import (
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

// SetBytes measures the heap that the sets a listing keeps take: n keys
// of keyLen bytes in a Go map of strings, like the dedupe set of
// driverkit.Stream (map[string]struct{} of facade.Assignment.Key, one key
// per assignment), and n64 64-bit keys, like the paging.Tally a driver
// checks a reported total with (one per user or role member). It is the
// "besides the dedupe set" of the memory target: the part of a listing's
// heap that grows with the tenant by design.
func SetBytes(n, keyLen, n64 int) uint64 {
	out := SetBytesAt([]int{n}, keyLen, float64(n64)/float64(max(n, 1)))
	return out[0]
}

// SetBytesAt is SetBytes measured along the way: for each count of
// assignments in at (ascending), the heap that the dedupe set holds with
// that many keys of keyLen bytes and the tally with usersPer times as
// many.
func SetBytesAt(at []int, keyLen int, usersPer float64) []uint64 {
	before := HeapNow()
	r := rand.New(rand.NewPCG(1, 2))
	m := make(map[string]struct{})
	t := make(map[uint64]struct{})
	out := make([]uint64, len(at))
	key := make([]byte, keyLen)
	var u uint64
	for i, n := range at {
		for len(m) < n {
			for j := range key {
				if j%8 == 0 {
					u = r.Uint64()
				}
				key[j] = byte(u >> (8 * (j % 8)))
			}
			m[string(key)] = struct{}{}
		}
		for float64(len(t)) < usersPer*float64(n) {
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
