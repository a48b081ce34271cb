// Package paging holds the pagination engines every rolecall driver shares:
// one for cursor-paged collections and one for page-numbered collections
// (its fan-out on golang.org/x/sync/errgroup), both following the server's
// own signals (never "a short page is the last"), both bounded, plus a
// worker pool, a concurrent distinct-key tally for checking totals, and
// re-listing of a page-numbered listing that came out short.
package paging

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// DefaultMaxPages bounds one listing's pages: past it the listing ends with
// ErrTooManyPages rather than looping.
const DefaultMaxPages = 100_000

var (
	// ErrRepeatedCursor reports a server that handed back a cursor it had
	// already given in the same listing.
	ErrRepeatedCursor = errors.New("the server repeated a cursor")
	// ErrMissingCursor reports a server that said more pages remain but
	// gave no cursor to fetch them with.
	ErrMissingCursor = errors.New("the server said more pages remain but gave no cursor")
	// ErrTooManyPages reports a listing past its page bound.
	ErrTooManyPages = errors.New("too many pages")
)

// CursorFunc fetches the page at cursor ("" for the first) and reports the
// cursor of the next page, or done when there is none.
type CursorFunc func(ctx context.Context, cursor string) (next string, done bool, err error)

// MaxCursorBytes bounds a cursor's length: a server handing back a longer
// one ends the walk with ErrCursorTooLong (a request carrying it would
// pass most servers' URL limits anyway).
const MaxCursorBytes = 8 << 10

// ErrCursorTooLong reports a cursor longer than MaxCursorBytes.
var ErrCursorTooLong = errors.New("the server's cursor is too long")

// Cursor walks a cursor-paged collection from its first page. A cursor
// that repeats, a missing cursor while pages remain, a cursor longer than
// MaxCursorBytes, or more than maxPages pages (0: DefaultMaxPages) end the
// walk with an error. The cursors seen are kept as 128-bit hashes, so a
// walk's memory does not grow with what the server puts in them.
func Cursor(ctx context.Context, maxPages int, fetch CursorFunc) error {
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	seen := newCursorSet()
	cursor := ""
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		next, done, err := fetch(ctx, cursor)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		switch {
		case next == "":
			return fmt.Errorf("page %d: %w", page, ErrMissingCursor)
		case len(next) > MaxCursorBytes:
			return fmt.Errorf("page %d: %w: %d bytes, more than %d", page, ErrCursorTooLong, len(next), MaxCursorBytes)
		case !seen.add(next) || next == cursor:
			return fmt.Errorf("page %d: %w %s", page, ErrRepeatedCursor, quoteShort(next))
		case page >= maxPages:
			return fmt.Errorf("%w: more than %d", ErrTooManyPages, maxPages)
		}
		cursor = next
	}
}

// cursorSet is a set of cursors kept as two independently seeded 64-bit
// hashes each: 16 bytes a cursor, whatever its length.
type cursorSet struct {
	s1, s2 maphash.Seed
	m      map[[2]uint64]struct{}
}

func newCursorSet() *cursorSet {
	return &cursorSet{s1: maphash.MakeSeed(), s2: maphash.MakeSeed(), m: map[[2]uint64]struct{}{}}
}

// add adds c and reports whether it was new.
func (s *cursorSet) add(c string) bool {
	k := [2]uint64{maphash.String(s.s1, c), maphash.String(s.s2, c)}
	if _, dup := s.m[k]; dup {
		return false
	}
	s.m[k] = struct{}{}
	return true
}

// quoteShort quotes a cursor for an error message, cut to 40 bytes.
func quoteShort(c string) string {
	if len(c) <= 40 {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("%q… (%d bytes)", c[:40], len(c))
}

// Page is what one page of a page-numbered collection says about the rest.
type Page struct {
	// Pages is the number of pages the server reports in all (as of this
	// page), or -1 when it reports no count.
	Pages int
	// Next reports that the server says a page follows this one.
	Next bool
}

// NumberFunc fetches page number n.
type NumberFunc func(ctx context.Context, n int) (Page, error)

// Numbered walks a page-numbered collection whose first page is first (0 or
// 1). The first page tells how many pages there are; the rest are fetched
// concurrently, at most limit at once (at least one); the first error
// cancels the others, and once ctx ends no further page is started. If the
// last counted page says a page follows (the collection grew, or the
// server pages shorter than asked), the walk continues one page at a time
// until the server says none follows. A walk past maxPages (0:
// DefaultMaxPages) pages fails with ErrTooManyPages.
func Numbered(ctx context.Context, limit, first, maxPages int, fetch NumberFunc) error {
	if maxPages <= 0 {
		maxPages = DefaultMaxPages
	}
	p, err := fetch(ctx, first)
	if err != nil {
		return err
	}
	if p.Pages > maxPages {
		return fmt.Errorf("%w: the server reports %d, more than %d", ErrTooManyPages, p.Pages, maxPages)
	}
	if p.Pages <= 1 {
		return follow(ctx, first, maxPages, p, fetch)
	}
	last := first + p.Pages - 1
	var tail Page
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(limit, 1))
	for n := first + 1; n <= last && gctx.Err() == nil; n++ {
		g.Go(func() error {
			p, err := fetch(gctx, n)
			if n == last {
				tail = p
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // stopped before every page was started
	}
	return follow(ctx, last, maxPages-(last-first), tail, fetch)
}

// follow fetches pages after n one at a time while the server says one
// follows.
func follow(ctx context.Context, n, budget int, p Page, fetch NumberFunc) error {
	for p.Next {
		if budget--; budget <= 0 {
			return fmt.Errorf("%w: the server keeps announcing a next page", ErrTooManyPages)
		}
		n++
		var err error
		if p, err = fetch(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// Tally counts distinct keys; it is safe for concurrent use and keeps 8
// bytes a key, so it can check a provider's reported total cheaply.
type Tally struct {
	mu   sync.Mutex
	seed maphash.Seed
	keys map[uint64]struct{}
}

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{seed: maphash.MakeSeed(), keys: make(map[uint64]struct{})}
}

// Add counts key.
func (t *Tally) Add(key string) {
	h := maphash.String(t.seed, key)
	t.mu.Lock()
	t.keys[h] = struct{}{}
	t.mu.Unlock()
}

// AddFold counts key case-insensitively: an email, where Ada@example.com
// and ada@example.com are one user.
func (t *Tally) AddFold(key string) { t.Add(strings.ToLower(key)) }

// Len returns the number of distinct keys counted.
func (t *Tally) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}

// Pool hands items to n workers through a queue: the shape of a listing
// whose pages (or parents) arrive one at a time but whose work can run in
// parallel. The first error a worker returns cancels the pool's context;
// items handed over after it are dropped, and Wait returns that error.
type Pool[T any] struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	items  chan T
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

// NewPool starts n workers (at least one) calling work for each item, with
// up to queue items waiting, and returns the pool and the context its work
// should use.
func NewPool[T any](ctx context.Context, n, queue int, work func(context.Context, T) error) (*Pool[T], context.Context) {
	ctx, cancel := context.WithCancelCause(ctx)
	p := &Pool[T]{ctx: ctx, cancel: cancel, items: make(chan T, max(queue, 0))}
	for range max(n, 1) {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for item := range p.items {
				if ctx.Err() != nil {
					continue // stopping: drain what is queued
				}
				if err := work(ctx, item); err != nil {
					p.fail(err)
				}
			}
		}()
	}
	return p, ctx
}

// Send queues item, waiting while the queue is full. It returns the pool's
// first error (or the context's cause) once the pool is stopping.
func (p *Pool[T]) Send(item T) error {
	select {
	case p.items <- item:
		return nil
	case <-p.ctx.Done():
		return context.Cause(p.ctx)
	}
}

func (p *Pool[T]) fail(err error) {
	p.once.Do(func() {
		p.err = err
		p.cancel(err)
	})
}

// Wait closes the queue, waits for the workers, and returns the first
// error a worker returned; if none did, it returns stop, the producer's
// own error (nil when it finished).
func (p *Pool[T]) Wait(stop error) error {
	close(p.items)
	p.wg.Wait()
	p.cancel(nil)
	if p.err != nil {
		return p.err // it may also be what stopped the producer
	}
	return stop
}
