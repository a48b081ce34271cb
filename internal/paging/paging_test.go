package paging

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cursorServer answers from a table cursor → (next, done) and records the
// cursors asked for.
type cursorServer struct {
	pages map[string]struct {
		next string
		done bool
	}
	calls []string
}

func newCursorServer(pages ...string) *cursorServer {
	// pages lists "cursor>next" pairs; a bare "cursor" is the last page.
	s := &cursorServer{pages: map[string]struct {
		next string
		done bool
	}{}}
	for _, p := range pages {
		var cur, next string
		done := true
		for i := range len(p) {
			if p[i] == '>' {
				cur, next, done = p[:i], p[i+1:], false
				break
			}
		}
		if done {
			cur = p
		}
		s.pages[cur] = struct {
			next string
			done bool
		}{next, done}
	}
	return s
}

func (s *cursorServer) fetch(ctx context.Context, cursor string) (string, bool, error) {
	s.calls = append(s.calls, cursor)
	p, ok := s.pages[cursor]
	if !ok {
		return "", false, fmt.Errorf("unknown cursor %q", cursor)
	}
	return p.next, p.done, nil
}

func TestCursorFollowsToDone(t *testing.T) {
	s := newCursorServer(">a", "a>b", "b>c", "c")
	require.NoError(t, Cursor(t.Context(), 0, s.fetch))
	assert.Equal(t, []string{"", "a", "b", "c"}, s.calls)
}

func TestCursorSinglePage(t *testing.T) {
	s := newCursorServer("")
	require.NoError(t, Cursor(t.Context(), 1, s.fetch))
	assert.Equal(t, []string{""}, s.calls)
}

func TestCursorDoneIgnoresNext(t *testing.T) {
	var calls int
	err := Cursor(t.Context(), 0, func(ctx context.Context, cursor string) (string, bool, error) {
		calls++
		return "ignored", true, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 1, calls)
}

func TestCursorRepeated(t *testing.T) {
	s := newCursorServer(">a", "a>b", "b>a")
	err := Cursor(t.Context(), 0, s.fetch)
	require.ErrorIs(t, err, ErrRepeatedCursor)
	assert.Contains(t, err.Error(), `page 3`)
	assert.Contains(t, err.Error(), `"a"`)
	assert.Equal(t, []string{"", "a", "b"}, s.calls)
}

func TestCursorEqualToPrevious(t *testing.T) {
	s := newCursorServer(">a", "a>a")
	err := Cursor(t.Context(), 0, s.fetch)
	require.ErrorIs(t, err, ErrRepeatedCursor)
	assert.Equal(t, []string{"", "a"}, s.calls)
}

func TestCursorMissing(t *testing.T) {
	s := newCursorServer(">a", "a>")
	err := Cursor(t.Context(), 0, s.fetch)
	require.ErrorIs(t, err, ErrMissingCursor)
	assert.NotErrorIs(t, err, ErrRepeatedCursor)
	assert.Contains(t, err.Error(), "page 2")
	assert.Equal(t, []string{"", "a"}, s.calls)

	s = newCursorServer(">")
	require.ErrorIs(t, Cursor(t.Context(), 0, s.fetch), ErrMissingCursor)
	assert.Equal(t, []string{""}, s.calls)
}

func endless(calls *int) CursorFunc {
	return func(ctx context.Context, cursor string) (string, bool, error) {
		*calls++
		return "c" + strconv.Itoa(*calls), false, nil
	}
}

func TestCursorTooManyPages(t *testing.T) {
	var calls int
	err := Cursor(t.Context(), 5, endless(&calls))
	require.ErrorIs(t, err, ErrTooManyPages)
	assert.Equal(t, 5, calls)

	// Exactly maxPages pages is fine.
	s := newCursorServer(">1", "1>2", "2>3", "3>4", "4")
	require.NoError(t, Cursor(t.Context(), 5, s.fetch))
	assert.Len(t, s.calls, 5)
	s = newCursorServer(">1", "1>2", "2>3", "3>4", "4>5", "5")
	require.ErrorIs(t, Cursor(t.Context(), 5, s.fetch), ErrTooManyPages)
	assert.Len(t, s.calls, 5)
}

func TestCursorDefaultMaxPages(t *testing.T) {
	var calls int
	err := Cursor(t.Context(), 0, func(ctx context.Context, cursor string) (string, bool, error) {
		calls++
		return "c" + strconv.Itoa(calls), calls == 5000, nil
	})
	require.NoError(t, err)
	assert.Equal(t, 5000, calls)
}

func TestCursorContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var calls int
	err := Cursor(ctx, 0, func(ctx context.Context, cursor string) (string, bool, error) {
		calls++
		if calls == 2 {
			cancel()
		}
		return "c" + strconv.Itoa(calls), false, nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, calls)

	calls = 0
	err = Cursor(ctx, 0, endless(&calls))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 0, calls, "an ended context fetches nothing")
}

func TestCursorFetchError(t *testing.T) {
	boom := errors.New("boom")
	var calls int
	err := Cursor(t.Context(), 0, func(ctx context.Context, cursor string) (string, bool, error) {
		calls++
		if calls == 3 {
			return "c4", false, boom
		}
		return "c" + strconv.Itoa(calls), false, nil
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, 3, calls)
}

// recorder counts the fetches of each page number.
type recorder struct {
	mu    sync.Mutex
	calls map[int]int
	order []int
}

func newRecorder() *recorder { return &recorder{calls: map[int]int{}} }

func (r *recorder) record(n int) {
	r.mu.Lock()
	r.calls[n]++
	r.order = append(r.order, n)
	r.mu.Unlock()
}

func (r *recorder) seen() map[int]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int]int, len(r.calls))
	for k, v := range r.calls {
		out[k] = v
	}
	return out
}

func each(from, to int) map[int]int {
	m := map[int]int{}
	for n := from; n <= to; n++ {
		m[n] = 1
	}
	return m
}

func TestNumberedFetchesEachPageOnce(t *testing.T) {
	for _, first := range []int{0, 1} {
		for _, pages := range []int{1, 2, 3, 10} {
			t.Run(fmt.Sprintf("first=%d pages=%d", first, pages), func(t *testing.T) {
				ctx, limit := t.Context(), 4
				r := newRecorder()
				err := Numbered(ctx, limit, first, 0, func(ctx context.Context, n int) (Page, error) {
					r.record(n)
					return Page{Pages: pages, Next: n < first+pages-1}, nil
				})
				require.NoError(t, err)
				assert.Equal(t, each(first, first+pages-1), r.seen())
				assert.Equal(t, first, r.order[0], "the first page comes first")
			})
		}
	}
}

func TestNumberedRunsConcurrently(t *testing.T) {
	// In a synctest bubble: its clock moves only when every goroutine
	// waits, so what the test counts does not depend on scheduling.
	synctest.Test(t, func(t *testing.T) {
		const limit = 4
		ctx := t.Context()
		var cur, peak atomic.Int32
		r := newRecorder()
		err := Numbered(ctx, limit, 1, 0, func(ctx context.Context, n int) (Page, error) {
			r.record(n)
			if n > 1 {
				c := cur.Add(1)
				for p := peak.Load(); c > p && !peak.CompareAndSwap(p, c); p = peak.Load() {
				}
				// Wait for the others (or a while), so that the peak does not
				// depend on scheduling luck.
				deadline := time.Now().Add(time.Second)
				for peak.Load() < limit && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(20 * time.Millisecond)
				cur.Add(-1)
			}
			return Page{Pages: 9}, nil
		})
		require.NoError(t, err)
		assert.Equal(t, each(1, 9), r.seen())
		assert.Equal(t, int32(limit), peak.Load())
	})
}

func TestNumberedFollowsWithoutCount(t *testing.T) {
	for _, pages := range []int{-1, 0, 1} {
		t.Run(strconv.Itoa(pages), func(t *testing.T) {
			ctx, limit := t.Context(), 4
			r := newRecorder()
			err := Numbered(ctx, limit, 1, 0, func(ctx context.Context, n int) (Page, error) {
				r.record(n)
				return Page{Pages: pages, Next: n < 5}, nil
			})
			require.NoError(t, err)
			assert.Equal(t, []int{1, 2, 3, 4, 5}, r.order, "one page at a time, in order")
		})
	}
}

func TestNumberedSinglePageNoNext(t *testing.T) {
	ctx, limit := t.Context(), 4
	r := newRecorder()
	require.NoError(t, Numbered(ctx, limit, 0, 0, func(ctx context.Context, n int) (Page, error) {
		r.record(n)
		return Page{Pages: 1}, nil
	}))
	assert.Equal(t, []int{0}, r.order)
}

func TestNumberedLastPageNextExtends(t *testing.T) {
	ctx, limit := t.Context(), 4
	r := newRecorder()
	err := Numbered(ctx, limit, 1, 0, func(ctx context.Context, n int) (Page, error) {
		r.record(n)
		switch {
		case n == 2:
			return Page{Pages: 3, Next: true}, nil // not the last counted page: ignored
		case n >= 3:
			return Page{Pages: 3, Next: n < 6}, nil
		}
		return Page{Pages: 3}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, each(1, 6), r.seen())
	r.mu.Lock()
	assert.Equal(t, []int{4, 5, 6}, r.order[3:], "pages past the count follow one at a time")
	r.mu.Unlock()
}

func TestNumberedAlwaysNext(t *testing.T) {
	for _, pages := range []int{-1, 4} {
		t.Run(strconv.Itoa(pages), func(t *testing.T) {
			ctx, limit := t.Context(), 4
			var calls atomic.Int32
			err := Numbered(ctx, limit, 1, 10, func(ctx context.Context, n int) (Page, error) {
				calls.Add(1)
				return Page{Pages: pages, Next: true}, nil
			})
			require.ErrorIs(t, err, ErrTooManyPages)
			assert.Equal(t, int32(10), calls.Load(), "exactly maxPages pages are fetched")
		})
	}
}

func TestNumberedExactlyMaxPages(t *testing.T) {
	ctx, limit := t.Context(), 4
	r := newRecorder()
	require.NoError(t, Numbered(ctx, limit, 0, 10, func(ctx context.Context, n int) (Page, error) {
		r.record(n)
		return Page{Pages: 10}, nil
	}))
	assert.Equal(t, each(0, 9), r.seen())

	// Seven counted pages, then three more announced one by one: ten in all.
	r = newRecorder()
	require.NoError(t, Numbered(ctx, limit, 1, 10, func(ctx context.Context, n int) (Page, error) {
		r.record(n)
		return Page{Pages: 7, Next: n >= 7 && n < 10}, nil
	}))
	assert.Equal(t, each(1, 10), r.seen())
}

func TestNumberedReportedPagesBeyondMax(t *testing.T) {
	ctx, limit := t.Context(), 4
	r := newRecorder()
	err := Numbered(ctx, limit, 1, 10, func(ctx context.Context, n int) (Page, error) {
		r.record(n)
		return Page{Pages: 11}, nil
	})
	require.ErrorIs(t, err, ErrTooManyPages)
	assert.Contains(t, err.Error(), "11")
	assert.Equal(t, []int{1}, r.order)
}

func TestNumberedFirstPageError(t *testing.T) {
	ctx, limit := t.Context(), 4
	boom := errors.New("boom")
	var calls atomic.Int32
	err := Numbered(ctx, limit, 1, 0, func(ctx context.Context, n int) (Page, error) {
		calls.Add(1)
		return Page{Pages: 5}, boom
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, int32(1), calls.Load())
}

func TestNumberedPageErrorCancelsGroup(t *testing.T) {
	// In a synctest bubble: its clock moves only when every goroutine
	// waits, so what the test counts does not depend on scheduling.
	synctest.Test(t, func(t *testing.T) {
		ctx, limit := t.Context(), 4
		boom := errors.New("page 3 failed")
		r := newRecorder()
		start := time.Now()
		err := Numbered(ctx, limit, 1, 0, func(ctx context.Context, n int) (Page, error) {
			r.record(n)
			switch n {
			case 1:
				return Page{Pages: 6}, nil
			case 3:
				return Page{}, boom
			}
			select { // the others wait to be cancelled
			case <-ctx.Done():
				return Page{}, ctx.Err()
			case <-time.After(5 * time.Second):
				return Page{}, errors.New("not cancelled")
			}
		})
		require.ErrorIs(t, err, boom)
		assert.Less(t, time.Since(start), 2*time.Second)
		assert.Equal(t, each(1, 6), r.seen())
	})
}

func TestNumberedTailErrorNotFollowed(t *testing.T) {
	ctx, limit := t.Context(), 2
	boom := errors.New("boom")
	r := newRecorder()
	err := Numbered(ctx, limit, 1, 0, func(ctx context.Context, n int) (Page, error) {
		r.record(n)
		if n == 5 {
			return Page{}, boom
		}
		return Page{Pages: 3, Next: true}, nil
	})
	require.ErrorIs(t, err, boom)
	assert.Equal(t, each(1, 5), r.seen())
}

// Once the listing's context ends, no further page is started.
func TestNumberedStopsSchedulingWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const limit = 2
	var started, after atomic.Int32
	var cancelled atomic.Bool
	err := Numbered(ctx, limit, 1, 0, func(ctx context.Context, n int) (Page, error) {
		if n == 1 {
			return Page{Pages: 1000}, nil
		}
		if cancelled.Load() {
			after.Add(1)
		}
		if started.Add(1) == 4 {
			cancel()
			cancelled.Store(true)
		}
		return Page{}, nil
	})
	require.ErrorIs(t, err, context.Canceled)
	// Counted from the moment cancel returned, not from the page that
	// called it: between the two, a loaded machine may run other pages.
	assert.LessOrEqual(t, after.Load(), int32(limit), "pages started after the cancellation: at most the limit in flight")
	assert.Less(t, started.Load(), int32(1000), "the listing stopped")
}

func TestTally(t *testing.T) {
	tl := NewTally()
	assert.Equal(t, 0, tl.Len())
	tl.Add("a")
	tl.Add("a")
	tl.Add("b")
	tl.Add("")
	assert.Equal(t, 3, tl.Len())
	tl.AddFold("B")
	tl.AddFold("C")
	assert.Equal(t, 4, tl.Len(), "AddFold counts B as b")

	tl = NewTally()
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 1000 {
				tl.Add("user-" + strconv.Itoa((i*7+w)%250))
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 250, tl.Len())
}

func TestPoolRunsEveryItemConcurrently(t *testing.T) {
	// In a synctest bubble: its clock moves only when every goroutine
	// waits, so what the test counts does not depend on scheduling.
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		inFlight, peak, done := 0, 0, 0
		p, _ := NewPool(context.Background(), 4, 2, func(ctx context.Context, n int) error {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inFlight--
			done++
			mu.Unlock()
			return nil
		})
		for i := range 20 {
			require.NoError(t, p.Send(i))
		}
		require.NoError(t, p.Wait(nil))
		assert.Equal(t, 20, done)
		assert.LessOrEqual(t, peak, 4)
		assert.Greater(t, peak, 1)
	})
}

func TestPoolFirstErrorStopsItAndWins(t *testing.T) {
	boom := errors.New("boom")
	var ran atomic.Int64
	p, ctx := NewPool(context.Background(), 2, 0, func(ctx context.Context, n int) error {
		ran.Add(1)
		if n == 3 {
			return boom
		}
		return nil
	})
	var sendErr error
	for i := range 1000 {
		if sendErr = p.Send(i); sendErr != nil {
			break
		}
	}
	assert.ErrorIs(t, sendErr, boom, "Send reports the failure to the producer")
	assert.ErrorIs(t, context.Cause(ctx), boom)
	assert.ErrorIs(t, p.Wait(sendErr), boom)
	assert.Less(t, ran.Load(), int64(1000), "items after the failure are dropped")
}

func TestPoolWaitReturnsTheProducersError(t *testing.T) {
	p, _ := NewPool(context.Background(), 1, 0, func(context.Context, int) error { return nil })
	stop := errors.New("cursor repeated")
	assert.ErrorIs(t, p.Wait(stop), stop)
}
