package vectara

import (
	"context"
	"io"
	"net/http"

	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/vectara"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// pager is one of the account's list operations, over its generated
// envelope Env and item Item: every one pages the same way, by limit
// (1..100) and page_key, the previous page's metadata.page_key, until it
// is absent or empty.
type pager[Env, Item any] struct {
	op string // what a page is, for errors: "list API keys"
	// send requests the page at pageKey (nil: the first page) of limit
	// items.
	send func(ctx context.Context, limit *int32, pageKey *string) (*http.Response, error)
	// meta is the envelope's metadata (nil when absent).
	meta func(env *Env) *api.ListMetadata
	// clean, if set, clears what an item must not keep (a secret) as the
	// item is decoded, before anything else sees it.
	clean func(*Item)
}

// walk pages through p from its first page, handing each non-empty
// page's items, decoded each on its own, to each. The next page is asked
// for once each has returned; a cursor that repeats ends the walk with an
// error.
func (p pager[Env, Item]) walk(ctx context.Context, kit *driverkit.Kit, each func(items []*Item) error) error {
	limit := int32(min(kit.PageSize, MaxPageSize))
	return paging.Cursor(ctx, kit.MaxPages, func(ctx context.Context, cursor string) (string, bool, error) {
		op := p.op
		var key *string
		if cursor != "" {
			key = &cursor
			op = p.op + " (next page)"
		}
		var items []*Item
		var next string
		err := kit.Page(ctx, op, func(ctx context.Context) (*http.Response, error) {
			return p.send(ctx, &limit, key)
		}, func(_ *http.Response, body io.Reader) error {
			items, next = nil, "" // a retried page starts again
			var env Env
			_, err := jsonstream.Decode(body, kit.MaxBody, &env, func(it *Item) error {
				if p.clean != nil {
					p.clean(it)
				}
				items = append(items, it)
				return nil
			})
			if m := p.meta(&env); err == nil && m != nil {
				next = driverkit.Deref(m.PageKey)
			}
			return err
		})
		if err != nil {
			return "", false, err
		}
		if len(items) > 0 {
			if err := each(items); err != nil {
				return "", false, err
			}
		}
		return next, next == "", nil
	})
}
