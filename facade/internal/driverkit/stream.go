package driverkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/jsonstream"
)

// Emit hands the iterator one page's assignments. It returns an error when
// the listing has been stopped; the driver then returns it.
type Emit func(batch []facade.Assignment) error

// Run is a driver's listing: it emits whole pages of assignments until
// everything is listed, and returns the first error.
type Run func(ctx context.Context, emit Emit) error

// Stream turns a driver's Run into the iterator ListAssignments returns.
// It runs the listing in its own goroutine with at most Concurrency pages
// waiting, drops duplicates on (user, role, scope), applies the email
// filter, and yields the listing's error last. Breaking out of the loop
// cancels the listing and waits for it, so no goroutine outlives the call.
func (k *Kit) Stream(ctx context.Context, opts *facade.ListOptions, run Run) iter.Seq2[facade.Assignment, error] {
	return func(yield func(facade.Assignment, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer k.drain()
		pages := make(chan []facade.Assignment, k.Concurrency)
		done := make(chan error, 1)
		go func() {
			defer close(pages)
			done <- run(ctx, func(batch []facade.Assignment) error {
				select {
				case pages <- batch:
					return nil
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			})
		}()
		stop := func() {
			cancel()
			for range pages {
			}
			<-done
		}
		seen := newSet()
		keep := emailFilter(opts)
		count := func(n int) { // per page, not per assignment: one atomic add
			if k.Stats != nil && n > 0 {
				k.Stats.Assignment(n)
			}
		}
		for batch := range pages {
			n := 0
			for i := range batch {
				a := &batch[i]
				if !keep(a.Email) || !seen.add(a) {
					continue
				}
				n++
				if !yield(*a, nil) {
					count(n)
					stop()
					return
				}
			}
			count(n)
			k.recycle(batch)
		}
		if err := <-done; err != nil {
			if fe := (*facade.Error)(nil); !errors.As(err, &fe) { // not yet an *facade.Error
				if ctx.Err() != nil {
					err = k.TransportError(ctx, "list assignments", err)
				} else {
					err = k.Invalid("list assignments", err)
				}
			}
			yield(facade.Assignment{}, err)
		}
	}
}

// freeLists keep consumed batches and read bodies for reuse within a
// listing, so that a listing allocates them about once rather than once a
// page. (A sync.Pool would not do: the garbage collector empties it at
// every cycle, and a streaming listing runs many short cycles.) Each list
// is bounded, and emptied when a listing ends, so an idle Lister holds
// nothing.
type freeLists struct {
	once     sync.Once
	batches  chan []facade.Assignment
	bodies   chan []byte
	decoding chan struct{} // see Decode
}

func (k *Kit) lists() *freeLists {
	k.free.once.Do(func() {
		k.free.batches = make(chan []facade.Assignment, Tasks(k.Concurrency)+k.Concurrency)
		k.free.bodies = make(chan []byte, Tasks(k.Concurrency))
		k.free.decoding = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	})
	return &k.free
}

// Tasks is how many goroutines a driver's fan-out should run for a
// concurrency (requests in flight): four a request slot. A task holds its
// slot only while its request and body read last (Fetch), then waits its
// turn to decode (Decode) holding just the body, so that the slots stay
// busy while pages decode and while a fan-out loop runs a task itself.
func Tasks(concurrency int) int { return 4 * max(concurrency, 1) }

// Decode runs decode (one page's decoding, CPU-bound) once one of
// GOMAXPROCS decoding turns is free: more tasks than cores decoding at once
// would only hold more pages in memory.
func (k *Kit) Decode(ctx context.Context, decode func() error) error {
	l := k.lists()
	select {
	case l.decoding <- struct{}{}:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	defer func() { <-l.decoding }()
	return decode()
}

// maxKeptBody and maxKeptBatch bound what the free lists keep.
const (
	maxKeptBody  = 4 << 20
	maxKeptBatch = 1 << 14
)

// Batch returns an empty slice to collect one page's assignments in, for
// Emit, with room for about sizeHint of them (the page's expected count:
// a guess saves the slice's regrowth). Its backing array comes back to the
// kit once the iterator has yielded every assignment of the batch; the
// driver must not touch a batch after emitting it.
func (k *Kit) Batch(sizeHint int) []facade.Assignment {
	select {
	case b := <-k.lists().batches:
		return b
	default:
		return make([]facade.Assignment, 0, min(max(sizeHint, 0), maxKeptBatch))
	}
}

// recycle hands a consumed batch back for Batch to reuse, without the
// references it held.
func (k *Kit) recycle(batch []facade.Assignment) {
	if cap(batch) == 0 || cap(batch) > maxKeptBatch {
		return
	}
	clear(batch[:cap(batch)]) // past len too: a retried page may have left some
	select {
	case k.lists().batches <- batch[:0]:
	default:
	}
}

// drain empties the free lists at the end of a listing.
func (k *Kit) drain() {
	l := k.lists()
	for {
		select {
		case <-l.batches:
		case <-l.bodies:
		default:
			return
		}
	}
}

// Fetch fetches one page through Page and returns its body read whole
// (at most MaxBody bytes), checked first by check (the response's headers;
// nil: none). The request's slot (Options.Concurrency bounds the requests
// in flight) is free again before the caller decodes the page, so decoding
// overlaps with the next requests instead of holding a slot. A body cut
// off mid-stream is fetched again, as Page does; the caller reports a body
// it cannot decode with Invalid. Hand the body to Release once decoded.
func (k *Kit) Fetch(ctx context.Context, op string, send PageFunc, check func(*http.Response) error) ([]byte, error) {
	var body []byte
	err := k.Page(ctx, op, send, func(resp *http.Response, r io.Reader) error {
		if check != nil {
			if err := check(resp); err != nil {
				return err
			}
		}
		var buf []byte
		select {
		case buf = <-k.lists().bodies:
		default:
		}
		b := bytes.NewBuffer(buf[:0])
		if n := resp.ContentLength; n > 0 && n <= k.MaxBody {
			b.Grow(int(n) + bytes.MinRead)
		}
		_, err := b.ReadFrom(io.LimitReader(r, k.MaxBody+1))
		if err == nil && int64(b.Len()) > k.MaxBody {
			err = jsonstream.ErrTooLarge
		}
		if err != nil {
			k.Release(b.Bytes())
			return err
		}
		body = b.Bytes()
		return nil
	})
	return body, err
}

// Release hands a body from Fetch back for reuse; the caller must not use
// it afterwards. Decoded values never point into it (encoding/json copies
// strings).
func (k *Kit) Release(body []byte) {
	if cap(body) == 0 || cap(body) > maxKeptBody {
		return
	}
	select {
	case k.lists().bodies <- body[:0]:
	default:
	}
}

// CheckTotal compares how many distinct items a listing saw with the total
// the provider reported. Fewer is an Incomplete error: something was lost
// (rows shifted between page calls while the tenant changed). More is a
// warning: the tenant grew while it was listed.
func (k *Kit) CheckTotal(ctx context.Context, op, what string, want, got int) error {
	switch {
	case got < want:
		return k.Fail(op, facade.Incomplete,
			fmt.Errorf("the provider reported %d %s but the listing saw %d", want, what, got),
			"the tenant probably changed while it was listed; run again")
	case got > want:
		k.Logger.LogAttrs(ctx, slog.LevelWarn, "listing saw more than the provider's total",
			slog.String("op", op), slog.String("what", what), slog.Int("total", want), slog.Int("seen", got))
	}
	return nil
}

// set is a compact set of assignment keys: 16 bytes a key (two
// independently seeded 64-bit hashes, so a false "seen" — a dropped
// assignment — needs a 128-bit collision).
type set struct {
	s1, s2 maphash.Seed
	m      map[[2]uint64]struct{}
}

func newSet() *set {
	return &set{s1: maphash.MakeSeed(), s2: maphash.MakeSeed(), m: make(map[[2]uint64]struct{})}
}

func (s *set) add(a *facade.Assignment) bool {
	k := [2]uint64{hashKey(s.s1, a), hashKey(s.s2, a)}
	n := len(s.m)
	s.m[k] = struct{}{} // one map operation: the length tells if k was new
	return len(s.m) > n
}

func hashKey(seed maphash.Seed, a *facade.Assignment) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteString(a.UserID)
	h.WriteByte(0)
	h.WriteString(a.RoleID)
	h.WriteByte(0)
	h.WriteString(a.Scope)
	return h.Sum64()
}

// emailFilter returns a predicate keeping the emails opts asks for (all of
// them when it asks for none), case-insensitively.
func emailFilter(opts *facade.ListOptions) func(string) bool {
	if opts == nil || len(opts.Emails) == 0 {
		return func(string) bool { return true }
	}
	want := make(map[string]struct{}, len(opts.Emails))
	for _, e := range opts.Emails {
		want[strings.ToLower(strings.TrimSpace(e))] = struct{}{}
	}
	return func(e string) bool {
		_, ok := want[strings.ToLower(e)]
		return ok
	}
}

// Emails returns the cleaned, de-duplicated emails of opts.
func Emails(opts *facade.ListOptions) []string {
	if opts == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range opts.Emails {
		e = strings.TrimSpace(e)
		if e != "" && !seen[strings.ToLower(e)] {
			seen[strings.ToLower(e)] = true
			out = append(out, e)
		}
	}
	return out
}
