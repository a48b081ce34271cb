package facade

import (
	"context"
	"errors"
	"iter"
	"sync"
)

// ListAll lists several providers at once. Assignments from different
// providers interleave as they arrive. A provider that fails yields its
// error, an *Error naming it (an error of another type, from a Lister
// outside this module, is wrapped in one), and the iteration goes on with
// the others: read every error, not only the first (Collect stops at the
// first; CollectAll keeps each provider's results apart). Stop early by
// breaking out of the loop, which cancels every listing still running.
//
// ListAll starts every listing at once; ListAllN bounds how many run at
// once.
func ListAll(ctx context.Context, listers []Lister, opts *ListOptions) iter.Seq2[Assignment, error] {
	return ListAllN(ctx, listers, 0, opts)
}

// ListAllN is ListAll listing at most limit Listers at once (0 or less:
// every one at once), the others starting, in the order of listers, as
// running ones end. As each Lister bounds its own requests in flight
// (Options.Concurrency), limit bounds the requests in flight of the whole
// run: at most limit times the largest Concurrency, however many tenants
// are listed. A Lister still waiting for its turn when the context ends
// is started all the same, so that its error (Canceled) arrives like the
// others'.
func ListAllN(ctx context.Context, listers []Lister, limit int, opts *ListOptions) iter.Seq2[Assignment, error] {
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
		// free holds batches the loop below has yielded, for the producers
		// to fill again rather than allocate a batch (73 KiB) every 256
		// assignments.
		free := make(chan []Assignment, 2*len(listers))
		// slots holds a token per listing running, when limit bounds them.
		var slots chan struct{}
		if limit > 0 && limit < len(listers) {
			slots = make(chan struct{}, limit)
		}
		var wg sync.WaitGroup
		list := func(l Lister) {
			defer wg.Done()
			if slots != nil {
				defer func() { <-slots }()
			}
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
					send(item{err: tagged(l, err)})
					return
				}
				batch = append(batch, a)
				if len(batch) == batchSize {
					if !send(item{batch: batch}) {
						return
					}
					select {
					case batch = <-free:
					default:
						batch = make([]Assignment, 0, batchSize)
					}
				}
			}
			if len(batch) > 0 {
				send(item{batch: batch})
			}
		}
		// The listings start in the order of listers, each as soon as a
		// slot is free.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, l := range listers {
				if slots != nil {
					select {
					case slots <- struct{}{}:
					case <-stopped:
						return
					}
					select {
					case <-stopped: // the slot came free as the caller stopped
						return
					default:
					}
				}
				wg.Add(1)
				go list(l)
			}
		}()
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
			clear(it.batch) // yield had copies; drop the references
			select {
			case free <- it.batch[:0]:
			default:
			}
		}
	}
}

// Result is one provider's listing, as CollectAll returns it.
type Result struct {
	// Provider is the Lister's Provider().
	Provider string
	// Assignments is the complete listing when Err is nil; otherwise what
	// arrived before the error, which is not the provider's whole answer.
	Assignments []Assignment
	// Err is nil, or an *Error naming the provider.
	Err error
}

// CollectAll lists several providers at once and returns one Result per
// Lister, in the order of listers. A provider that fails keeps what it
// listed and its own error; the others are unaffected. Like Collect, it is
// for tenants small enough to hold in memory; ListAll streams.
func CollectAll(ctx context.Context, listers []Lister, opts *ListOptions) []Result {
	out := make([]Result, len(listers))
	var wg sync.WaitGroup
	for i, l := range listers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &out[i]
			r.Provider = l.Provider()
			r.Assignments, r.Err = Collect(l.ListAssignments(ctx, opts))
			if r.Err != nil {
				r.Err = tagged(l, r.Err)
			}
		}()
	}
	wg.Wait()
	return out
}

// tagged returns err as an *Error naming l's provider: err itself when it
// holds one, a wrapping one otherwise.
func tagged(l Lister, err error) error {
	if e := (*Error)(nil); errors.As(err, &e) {
		return err
	}
	return &Error{Provider: l.Provider(), Op: "list assignments", Code: Code(err), Err: err}
}
