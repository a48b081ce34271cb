package driverkit

import (
	"context"
	"sync"
)

// Gate holds a listing's other walks until its first walk has answered,
// so that a credential that is wrong, or a server that refuses every
// request, costs one request and gives one error, not one per walk. The
// first walk opens it once a page is in, or once it ended without an error
// (done, or refused with a 403 recorded by Refused); a walk that failed
// leaves it shut, and the listing's context ends the waiters. Its zero
// value is shut and ready to use.
type Gate struct {
	once sync.Once
	mu   sync.Mutex
	ch   chan struct{}
}

func (g *Gate) channel() chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

// Open lets the waiting walks go on; later calls do nothing.
func (g *Gate) Open() { g.once.Do(func() { close(g.channel()) }) }

// Wait waits until the gate is open, or returns the cause of ctx's end.
func (g *Gate) Wait(ctx context.Context) error {
	select {
	case <-g.channel():
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// After returns a function, for an errgroup, that runs walk once the gate
// is open.
func (g *Gate) After(ctx context.Context, walk func(context.Context) error) func() error {
	return func() error {
		if err := g.Wait(ctx); err != nil {
			return err
		}
		return walk(ctx)
	}
}
