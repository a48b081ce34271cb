package facade

import (
	"context"
	"iter"
	"sync"
)

// ListAll lists several providers at once. Assignments from different
// providers interleave as they arrive. A provider that fails yields its
// error (an *Error naming it) and the others carry on; stop early by
// breaking out of the loop, which cancels every listing still running.
func ListAll(ctx context.Context, listers []Lister, opts *ListOptions) iter.Seq2[Assignment, error] {
	return func(yield func(Assignment, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// stopped is closed only when the caller stops reading; a cancelled
		// ctx does not close it, so every provider's error still arrives.
		stopped := make(chan struct{})
		type item struct {
			batch []Assignment
			err   error
		}
		ch := make(chan item, len(listers))
		var wg sync.WaitGroup
		for _, l := range listers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				const batchSize = 256
				batch := make([]Assignment, 0, batchSize)
				send := func(it item) bool {
					select {
					case ch <- it:
						return true
					case <-stopped:
						return false
					}
				}
				for a, err := range l.ListAssignments(ctx, opts) {
					if err != nil {
						if len(batch) > 0 && !send(item{batch: batch}) {
							return
						}
						batch = nil
						send(item{err: err})
						return
					}
					batch = append(batch, a)
					if len(batch) == batchSize {
						if !send(item{batch: batch}) {
							return
						}
						batch = make([]Assignment, 0, batchSize)
					}
				}
				if len(batch) > 0 {
					send(item{batch: batch})
				}
			}()
		}
		go func() { wg.Wait(); close(ch) }()
		defer func() {
			close(stopped)
			cancel()
			for range ch { // let every producer finish: no goroutine outlives the call
			}
		}()
		for it := range ch {
			if it.err != nil {
				if !yield(Assignment{}, it.err) {
					return
				}
				continue
			}
			for _, a := range it.batch {
				if !yield(a, nil) {
					return
				}
			}
		}
	}
}
