package driverkit

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"log/slog"
	"strings"

	"github.com/rolecall/rolecall/facade"
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
		for batch := range pages {
			for i := range batch {
				a := &batch[i]
				if !keep(a.Email) || !seen.add(a) {
					continue
				}
				if k.Stats != nil {
					k.Stats.Assignment(1)
				}
				if !yield(*a, nil) {
					stop()
					return
				}
			}
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
	if _, ok := s.m[k]; ok {
		return false
	}
	s.m[k] = struct{}{}
	return true
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
