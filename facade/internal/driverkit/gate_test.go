package driverkit

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
)

// A Gate holds its waiters until it opens, and lets a waiter go when its
// context ends, with the cause; opening twice is harmless.
func TestGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var g Gate
		ran := make(chan struct{})
		go func() {
			_ = g.After(context.Background(), func(context.Context) error { close(ran); return nil })()
		}()
		synctest.Wait()
		select {
		case <-ran:
			t.Fatal("the walk ran before the gate opened")
		default:
		}
		g.Open()
		g.Open()
		synctest.Wait()
		<-ran

		var shut Gate
		cause := errors.New("the first walk failed")
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(cause)
		assert.ErrorIs(t, shut.Wait(ctx), cause)
	})
}
