package cortex

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/rolecall/rolecall/facade/internal/driverkit"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// numbered is one of Cortex's page-numbered lists (page from 0, and every
// page tells page, total and totalPages), over its generated envelope Env
// and item Item: GET /api/v1/users and GET /api/v1/auth/key. The roles
// list (fetchPage) is the same walk, streamed into assignments as it
// decodes.
type numbered[Env, Item any] struct {
	op   string // what a page is, for errors: "list API keys"
	send func(ctx context.Context, page int) (*http.Response, error)
	// info points at the envelope's page, total and totalPages.
	info func(env *Env) (page, total, totalPages *int32)
	// id is an item's identity, which must be set; tally counts it.
	id    func(*Item) string
	tally *paging.Tally // over every pass
	// each takes a page's items; pages arrive concurrently.
	each func(items []*Item) error
	// answered, if set, is called once a page is in and valid.
	answered func()
}

// pass walks the list once: page 0 first, which tells totalPages, then the
// rest at once. It returns the total page 0 reported, the distinct items
// seen over every pass (tally), and whether the total changed between
// pages: a driverkit.Pass.
func (w *numbered[Env, Item]) pass(ctx context.Context, kit *driverkit.Kit) (total, seen int, changed bool, err error) {
	var tot atomic.Int32
	tot.Store(-1)
	var moved atomic.Bool
	err = paging.Numbered(ctx, driverkit.Tasks(kit.Concurrency), 0, kit.MaxPages, func(ctx context.Context, n int) (paging.Page, error) {
		op := fmt.Sprintf("%s (page %d)", w.op, n)
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) { return w.send(ctx, n) }, nil)
		if err != nil {
			return paging.Page{}, err
		}
		var env Env
		var items []*Item
		given, err := jsonstream.Decode(bytes.NewReader(body), kit.MaxBody, &env, func(it *Item) error {
			if w.id(it) == "" {
				return fmt.Errorf("an item without its id")
			}
			items = append(items, it)
			return nil
		})
		pp, tp, pagesp := w.info(&env)
		or := func(v *int32) int32 {
			if !given.Has(v) {
				return -1
			}
			return *v
		}
		page, total, pages := or(pp), or(tp), or(pagesp)
		switch {
		case err != nil:
		case page < 0 || total < 0 || pages < 0:
			err = fmt.Errorf("the page lacks page, total or totalPages")
		case int(page) != n:
			err = fmt.Errorf("asked for page %d, got page %d", n, page)
		case pages > total+1:
			err = fmt.Errorf("the server reports %d pages for %d items", pages, total)
		}
		if err != nil {
			return paging.Page{}, kit.Invalid(op, err)
		}
		if !tot.CompareAndSwap(-1, total) && tot.Load() != total {
			moved.Store(true)
		}
		if w.answered != nil {
			w.answered()
		}
		for _, it := range items {
			w.tally.Add(w.id(it))
		}
		if len(items) > 0 {
			if err := w.each(items); err != nil {
				return paging.Page{}, err
			}
		}
		return paging.Page{Pages: int(pages), Next: int(page)+1 < int(pages)}, nil
	})
	return int(tot.Load()), w.tally.Len(), moved.Load(), err
}

// walk lists everything, re-listed as the roles list is (driverkit.Relist:
// a shortfall against the total, or a total that changed between pages,
// re-lists up to twice before it is an Incomplete error); what names the
// items for that error.
func (w *numbered[Env, Item]) walk(ctx context.Context, kit *driverkit.Kit, what string) error {
	w.tally = paging.NewTally()
	return kit.Relist(ctx, w.op, what, func(ctx context.Context) (int, int, bool, error) { return w.pass(ctx, kit) })
}
