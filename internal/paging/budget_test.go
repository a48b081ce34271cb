package paging

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A server handing back 60 KB cursors is stopped at the first one: cursors
// are never kept whole, and a long one is refused.
func TestCursorTooLong(t *testing.T) {
	calls := 0
	err := Cursor(context.Background(), 0, func(_ context.Context, cursor string) (string, bool, error) {
		calls++
		return strings.Repeat("k", 60<<10) + strconv.Itoa(calls), false, nil
	})
	if !errors.Is(err, ErrCursorTooLong) || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	if len(err.Error()) > 200 {
		t.Errorf("the error quotes the cursor whole: %d bytes", len(err.Error()))
	}
}

// A repeat is found after many distinct cursors (kept as hashes), and the
// error shows at most a short piece of the cursor.
func TestCursorRepeatAfterMany(t *testing.T) {
	long := strings.Repeat("c", MaxCursorBytes-10)
	n := 0
	err := Cursor(context.Background(), 0, func(_ context.Context, cursor string) (string, bool, error) {
		n++
		if n == 500 {
			return long + "7", false, nil // the 7th cursor again
		}
		return long + strconv.Itoa(n), false, nil
	})
	if !errors.Is(err, ErrRepeatedCursor) || n != 500 {
		t.Fatalf("err %v after %d pages", err, n)
	}
	if len(err.Error()) > 200 {
		t.Errorf("the error quotes the cursor whole: %d bytes", len(err.Error()))
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if err := b.Take(); err != nil {
					if !errors.Is(err, ErrTooManyPages) {
						t.Error(err)
					}
					mu.Lock()
					failed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if failed != 300 || b.Used() != 100 {
		t.Errorf("%d refused, %d used; want 300 and 100", failed, b.Used())
	}
	ctx := WithBudget(context.Background(), b)
	if BudgetFrom(ctx) != b || BudgetFrom(context.Background()) != nil {
		t.Error("BudgetFrom")
	}
	if err := (*Budget)(nil).Take(); err != nil {
		t.Error("a nil budget bounds nothing")
	}
}
