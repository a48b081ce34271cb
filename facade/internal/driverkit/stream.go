package driverkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
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
		ctx = paging.WithBudget(ctx, paging.NewBudget(k.MaxPages)) // one budget for all of the listing's walks (Page)
		cov := k.newCover(opts)
		ctx = context.WithValue(ctx, coverKey{}, cov)
		if !cov.any() { // nothing asked for that the driver lists: no request
			run = func(context.Context, Emit) error { return nil }
		}
		pages := make(chan []facade.Assignment, k.Concurrency)
		done := make(chan error, 1)
		go func() {
			defer close(pages)
			err := run(ctx, func(batch []facade.Assignment) error {
				select {
				case pages <- batch:
					return nil
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			})
			cov.mu.Lock()
			kinds, err := k.end(cov, err)
			cov.mu.Unlock()
			if k.Stats != nil {
				m := make(map[string]string, len(kinds))
				for p, s := range kinds {
					m[string(p)] = string(s)
				}
				k.Stats.SetKinds(m)
			}
			done <- err
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
		guard := k.newLeakGuard()
		for batch := range pages {
			n := 0
			secrets := k.scrub.Secrets()
			for i := range batch {
				a := &batch[i]
				if !keep(a.Email) || !cov.lists(a.Kind()) || !seen.add(a) {
					continue
				}
				guard.check(ctx, secrets, a) // after dedupe: the key is the provider's own
				n++
				if !yield(*a, nil) {
					count(n)
					stop()
					return
				}
			}
			count(n)
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

// Tasks is how many goroutines a driver's fan-out should run for a
// concurrency (requests in flight): four a request slot. A task holds its
// slot only while its request and body read last (Fetch), then decodes
// the page holding just the body, so that the slots stay busy while pages
// decode and while a fan-out loop runs a task itself.
func Tasks(concurrency int) int { return 4 * max(concurrency, 1) }

// Fetch fetches one page through Page and returns its body read whole
// (at most MaxBody bytes), checked first by check (the response's headers;
// nil: none). The request's slot (Options.Concurrency bounds the requests
// in flight) is free again before the caller decodes the page, so decoding
// overlaps with the next requests instead of holding a slot. A body cut
// off mid-stream is fetched again, as Page does; the caller reports a body
// it cannot decode with Invalid.
func (k *Kit) Fetch(ctx context.Context, op string, send PageFunc, check func(*http.Response) error) ([]byte, error) {
	var body []byte
	err := k.Page(ctx, op, send, func(resp *http.Response, r io.Reader) error {
		if check != nil {
			if err := check(resp); err != nil {
				return err
			}
		}
		var b bytes.Buffer
		if n := resp.ContentLength; n > 0 && n <= k.MaxBody {
			b.Grow(int(n) + bytes.MinRead)
		}
		_, err := b.ReadFrom(io.LimitReader(r, k.MaxBody+1))
		if err == nil && int64(b.Len()) > k.MaxBody {
			err = jsonstream.ErrTooLarge
		}
		body = b.Bytes()
		return err
	})
	return body, err
}

// Relists is how many more passes a page-numbered listing gets when it
// comes out short of the total its provider reported (see Relist).
const Relists = 2

// Pass is one pass of a page-numbered listing: it lists everything once
// and reports the total the provider reported on its first page (-1: none),
// the distinct items seen so far over every pass, and whether the total
// changed between its pages.
type Pass func(ctx context.Context) (total, seen int, changed bool, err error)

// Relist runs pass and, while the distinct items fall short of the
// provider's total or the total changed between pages (rows shifted: tied
// rows ordered differently from one call to the next), up to Relists more
// times, saying so in the log; the driver merges the passes (the iterator
// drops duplicates, and seen counts over every pass). Only then is a
// shortfall reported, as CheckTotal does.
func (k *Kit) Relist(ctx context.Context, op, what string, pass Pass) error {
	for n := 0; ; n++ {
		total, seen, changed, err := pass(ctx)
		if err != nil || total < 0 {
			return err
		}
		if (seen >= total && !changed) || n == Relists {
			return k.CheckTotal(ctx, op, what, total, seen)
		}
		k.Logger.LogAttrs(ctx, slog.LevelWarn, "re-listing: the listing came out short of the provider's total",
			slog.String("op", op), slog.String("what", what), slog.Int("total", total), slog.Int("seen", seen),
			slog.Bool("total_changed", changed), slog.Int("pass", n+2))
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
			"the tenant probably changed while it was listed (each listing is re-listed twice before this error); run again")
	case got > want:
		k.Logger.LogAttrs(ctx, slog.LevelWarn, "listing saw more than the provider's total",
			slog.String("op", op), slog.String("what", what), slog.Int("total", want), slog.Int("seen", got))
	}
	return nil
}

// ReportUsers keeps the number of users the provider says the whole tenant
// has (total) in the listing's Stats, for the report's run record, with
// the number the listing walked, roles or none (listed): the figure the
// total counts, where the report's own count of users holds only those
// with a role.
func (k *Kit) ReportUsers(total, listed int) {
	if k.Stats != nil && total >= 0 {
		k.Stats.ReportUsers(total, listed)
	}
}

// set is the set of assignment keys a listing has seen: each key is the
// assignment's whole identity (facade.Assignment.Key), so two different
// assignments never make one key, whatever their fields hold.
type set map[string]struct{}

func newSet() set { return make(set) }

// add reports whether a's key is new, and records it.
func (s set) add(a *facade.Assignment) bool {
	k := a.Key()
	if _, ok := s[k]; ok {
		return false
	}
	s[k] = struct{}{}
	return true
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

// Filter returns emails as the optional query parameter the generated
// clients take: nil when there are none (the listing is not filtered).
func Filter(emails []string) *[]string {
	if len(emails) == 0 {
		return nil
	}
	return &emails
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
