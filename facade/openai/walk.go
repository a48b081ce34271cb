package openai

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/rolecall/rolecall/facade/internal/driverkit"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// cursor is what a page says about the next one.
type cursor struct {
	next    string // next (roles) or last_id (users); "" when null or absent
	more    bool   // has_more
	moreSet bool   // has_more was there, and not null
}

// cursorOf is the cursor a page's envelope decoded into. The generated
// HasMore is a bool that cannot tell an absent or null has_more from
// false: given, the members the body gave, tells them apart.
func cursorOf(next *string, more *bool, given jsonstream.Given) cursor {
	return cursor{next: driverkit.Deref(next), more: *more, moreSet: given.Has(more)}
}

// pager is one of the organization's cursor-paged list operations, over
// its generated envelope Env and item Item.
type pager[Env, Item any] struct {
	op string // what a page is, for errors: "list projects"
	// send requests the page after the cursor (nil: the first page).
	send func(ctx context.Context, after *string) (*http.Response, error)
	// cursor reads the envelope's cursor (next or last_id) and has_more.
	cursor func(env *Env) (next *string, more *bool)
	// id is an item's id, which must be set; it is also the cursor of the
	// next page when a page says has_more but names no cursor (the
	// operations paged by after = the last item's id).
	id func(*Item) string
}

// walk pages through l from its first page, handing each page's items to
// each, until has_more is false. A page without has_more, an item without
// an id, or a cursor that repeats ends the walk with an error.
func (l pager[Env, Item]) walk(ctx context.Context, kit *driverkit.Kit, each func(items []*Item) error) error {
	return paging.Cursor(ctx, kit.MaxPages, func(ctx context.Context, after string) (string, bool, error) {
		op := l.op
		var ap *string
		if after != "" {
			ap = &after
			op = fmt.Sprintf("%s after %q", l.op, after)
		}
		body, err := kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) { return l.send(ctx, ap) }, nil)
		if err != nil {
			return "", false, err
		}
		var env Env
		var items []*Item
		given, err := jsonstream.Decode(bytes.NewReader(body), kit.MaxBody, &env, func(it *Item) error {
			if l.id(it) == "" {
				return fmt.Errorf("an item without an id")
			}
			items = append(items, it)
			return nil
		})
		next, more := l.cursor(&env)
		c := cursorOf(next, more, given)
		if err == nil && !c.moreSet {
			err = fmt.Errorf("the page lacks has_more")
		}
		if err != nil {
			return "", false, kit.Invalid(op, err)
		}
		if c.more && c.next == "" && len(items) > 0 {
			c.next = l.id(items[len(items)-1])
		}
		if len(items) > 0 {
			if err := each(items); err != nil {
				return "", false, err
			}
		}
		return c.next, !c.more, nil
	})
}

// limit is the page size to ask an operation for: Options.PageSize (0:
// the largest the driver asks), at most the operation's maximum.
func limit(kit *driverkit.Kit, max int) *int {
	n := min(kit.PageSize, max)
	return &n
}
