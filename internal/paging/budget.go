package paging

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Budget bounds the pages of a whole listing, across all its walks (a
// cursor walk per OpenAI user, a page-numbered walk per Logto role): a
// server that never stops announcing pages, in one walk or spread over
// many, ends the listing with ErrTooManyPages instead of running for
// hours. It is safe for concurrent use.
type Budget struct {
	max  int64
	used atomic.Int64
}

// NewBudget returns a budget of n pages (0 or less: DefaultMaxPages).
func NewBudget(n int) *Budget {
	if n <= 0 {
		n = DefaultMaxPages
	}
	return &Budget{max: int64(n)}
}

// Take spends one page, or returns ErrTooManyPages when none is left.
func (b *Budget) Take() error {
	if b == nil {
		return nil
	}
	if n := b.used.Add(1); n > b.max {
		return fmt.Errorf("%w: the listing passed its budget of %d pages", ErrTooManyPages, b.max)
	}
	return nil
}

// Used returns the pages spent.
func (b *Budget) Used() int64 { return min(b.used.Load(), b.max) }

type budgetKey struct{}

// WithBudget returns a context carrying b, for BudgetFrom.
func WithBudget(ctx context.Context, b *Budget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetFrom returns the budget ctx carries, or nil (no bound; Take on a
// nil Budget always succeeds).
func BudgetFrom(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}
