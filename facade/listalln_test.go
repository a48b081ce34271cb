package facade_test

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rolecall/rolecall/facade"
)

// gate counts the listings of gatedListers running at once. A listing
// holds, once started, until as many listings have started as the bound
// lets run (min(n, finished+limit)), so that a correct bound is reached
// exactly and an incorrect one is passed.
type gate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	n, limit int
	started  int
	finished int
	running  int
	maxSeen  int
	order    []string
}

func newGate(n, limit int) *gate {
	g := &gate{n: n, limit: limit}
	g.cond = sync.NewCond(&g.mu)
	return g
}

type gatedLister struct {
	name string
	g    *gate
	rows int // 3 if 0
}

func (l *gatedLister) Provider() string { return l.name }

func (l *gatedLister) ListAssignments(ctx context.Context, _ *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
	return func(yield func(facade.Assignment, error) bool) {
		g := l.g
		g.mu.Lock()
		g.started++
		g.running++
		g.maxSeen = max(g.maxSeen, g.running)
		g.order = append(g.order, l.name)
		g.cond.Broadcast()
		for g.started < min(g.n, g.finished+g.limit) {
			g.cond.Wait()
		}
		g.mu.Unlock()
		defer func() {
			g.mu.Lock()
			g.running--
			g.finished++
			g.cond.Broadcast()
			g.mu.Unlock()
		}()
		for _, a := range rows(l.name, cmp.Or(l.rows, 3)) {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// ListAllN never runs more listings at once than its limit, reaches it,
// lists every lister completely, and starts them in order.
func TestListAllNBoundsListingsAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, tc := range []struct{ n, limit, want int }{{6, 1, 1}, {6, 2, 2}, {7, 3, 3}, {3, 8, 3}, {4, 0, 4}} {
		t.Run(fmt.Sprintf("%d listers, limit %d", tc.n, tc.limit), func(t *testing.T) {
			limit := tc.limit
			if limit == 0 {
				limit = tc.n // no bound: the gate lets all of them hold at once
			}
			g := newGate(tc.n, limit)
			var listers []facade.Lister
			var names []string
			for i := range tc.n {
				names = append(names, fmt.Sprintf("t%d", i))
				listers = append(listers, &gatedLister{name: names[i], g: g})
			}
			got := map[string]int{}
			for a, err := range facade.ListAllN(context.Background(), listers, tc.limit, nil) {
				require.NoError(t, err)
				got[a.Provider]++
			}
			for _, name := range names {
				assert.Equal(t, 3, got[name], name)
			}
			assert.Equal(t, tc.want, g.maxSeen, "most listings running at once")
			if tc.limit == 1 {
				assert.Equal(t, names, g.order, "start order")
			}
		})
	}
}

// Breaking out of ListAllN starts no further listing and leaves no
// goroutine behind; a cancelled context still brings every lister's error.
func TestListAllNStopsAndCancels(t *testing.T) {
	defer goleak.VerifyNone(t)
	g := newGate(4, 1)
	// a lists more than ListAll buffers, so it is still listing at the
	// break.
	listers := []facade.Lister{&gatedLister{"a", g, 5000}, &gatedLister{"b", g, 0}, &gatedLister{"c", g, 0}, &gatedLister{"d", g, 0}}
	for _, err := range facade.ListAllN(context.Background(), listers, 1, nil) {
		require.NoError(t, err)
		break
	}
	assert.Equal(t, []string{"a"}, g.order, "listings started after the break")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := []facade.Lister{
		&sliceLister{name: "a", as: rows("a", 10), slow: 1e9},
		&sliceLister{name: "b", as: rows("b", 10), slow: 1e9},
		&sliceLister{name: "c", as: rows("c", 10), slow: 1e9},
	}
	failed := map[string]bool{}
	for _, err := range facade.ListAllN(ctx, slow, 1, nil) {
		var fe *facade.Error
		require.ErrorAs(t, err, &fe)
		failed[fe.Provider] = true
	}
	assert.Equal(t, map[string]bool{"a": true, "b": true, "c": true}, failed)
}
