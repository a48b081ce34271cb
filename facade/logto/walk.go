package logto

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/rolecall/rolecall/facade/internal/driverkit"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// pager is one page-numbered Logto listing of T (page from 1, page_size
// up to MaxPageSize, a Total-Number and Link rel="next" on each page).
type pager[T any] struct {
	op   string // what the listing is, for errors: `list applications of organization "Acme"`
	what string // what it counts, for the total check: "applications"
	send func(ctx context.Context, page, size int) (*http.Response, error)
	id   func(*T) string // the item's id, "" for an item that breaks the schema
}

// walk lists p, handing each page's items to found, and re-lists it
// (driverkit.Relist) while the distinct items fall short of the total the
// first page reported or the total changed between pages: Logto pages by
// offset, and the organization and application lists have no ORDER BY,
// so rows tied in the server's order can move between pages. Items seen
// on an earlier pass are handed to found again; the caller (or the
// iterator, which drops duplicate assignments) merges them.
func (p pager[T]) walk(ctx context.Context, kit *driverkit.Kit, found func([]*T) error) error {
	seen := paging.NewTally() // over every pass
	return kit.Relist(ctx, p.op, p.what, func(ctx context.Context) (int, int, bool, error) {
		total, changed, err := p.pass(ctx, kit, seen, found)
		return total, seen.Len(), changed, err
	})
}

// pass lists p once, and returns the total the first page reported (-1:
// none) and whether a later page reported another.
func (p pager[T]) pass(ctx context.Context, kit *driverkit.Kit, seen *paging.Tally, found func([]*T) error) (int, bool, error) {
	size := kit.PageSize
	total := -1
	var changed atomic.Bool
	err := paging.Numbered(ctx, driverkit.Tasks(kit.Concurrency), 1, kit.MaxPages, func(ctx context.Context, n int) (paging.Page, error) {
		var page paging.Page
		op := fmt.Sprintf("%s (page %d)", p.op, n)
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
			return p.send(ctx, n, size)
		}, func(resp *http.Response) (err error) {
			page, err = pageOf(resp, size, &total, n)
			if n > 1 && total >= 0 && resp.Header.Get("Total-Number") != strconv.Itoa(total) {
				changed.Store(true)
			}
			return err
		})
		if err != nil {
			return page, err
		}
		items, err := decodeAll(body, kit.MaxBody, p.id)
		if err != nil {
			return page, kit.Invalid(op, err)
		}
		for _, it := range items {
			seen.Add(p.id(it))
		}
		if len(items) == 0 {
			return page, nil
		}
		return page, found(items)
	})
	return total, changed.Load(), err
}

// decodeAll decodes a JSON array of T item by item (jsonstream: strict
// UTF-8, no duplicate keys); an item whose id is "" breaks the schema.
func decodeAll[T any](body []byte, maxBody int64, id func(*T) string) ([]*T, error) {
	var out []*T
	err := jsonstream.Array(bytes.NewReader(body), maxBody, func(it *T) error {
		if id(it) == "" {
			return fmt.Errorf("an item without an id")
		}
		out = append(out, it)
		return nil
	})
	return out, err
}
