package driverkit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rolecall/rolecall/facade"
)

// cover is one listing's Coverage as it runs: the kinds it lists (asked
// for and offered), those refused, and why.
type cover struct {
	offered []facade.PrincipalKind
	opts    *facade.ListOptions
	mu      sync.Mutex
	refused map[facade.PrincipalKind]error // the first refusal of each kind
}

type coverKey struct{}

func (k *Kit) newCover(opts *facade.ListOptions) *cover {
	offered := k.Spec.Kinds
	if len(offered) == 0 {
		offered = []facade.PrincipalKind{facade.User}
	}
	return &cover{offered: offered, opts: opts}
}

// lists reports whether the listing lists kind p: asked for and offered.
func (c *cover) lists(p facade.PrincipalKind) bool {
	return slices.Contains(c.offered, p) && c.opts.Wants(p)
}

// any reports whether the listing lists any kind at all.
func (c *cover) any() bool { return slices.ContainsFunc(c.offered, c.lists) }

func coverOf(ctx context.Context) *cover {
	c, _ := ctx.Value(coverKey{}).(*cover)
	return c
}

// Wants reports whether the listing running in ctx is to list principal
// kind p (ListOptions.Principals selects it, or selects nothing) and has
// not been refused it: a driver skips the requests that yield only kinds
// it does not want. Outside a listing it reports true.
func Wants(ctx context.Context, p facade.PrincipalKind) bool {
	c := coverOf(ctx)
	if c == nil {
		return true
	}
	if !c.lists(p) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused[p] == nil
}

// WantsAny reports whether Wants any of ps.
func WantsAny(ctx context.Context, ps ...facade.PrincipalKind) bool {
	return slices.ContainsFunc(ps, func(p facade.PrincipalKind) bool { return Wants(ctx, p) })
}

// Refused takes the error of a request that lists kinds. When the provider
// refused the credentials that request (a PermissionDenied *facade.Error,
// a 403), it records each kind as NotPermitted and returns nil: the
// driver leaves that listing, goes on with the others, and the listing
// ends with an error naming every kind refused (Stream), so that a kind
// the credentials may not read never passes for one with no principals.
// Any other error, nil included, is returned as it is.
func Refused(ctx context.Context, err error, kinds ...facade.PrincipalKind) error {
	c := coverOf(ctx)
	if c == nil || !errors.Is(err, facade.ErrPermissionDenied) {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refused == nil {
		c.refused = map[facade.PrincipalKind]error{}
	}
	for _, p := range kinds {
		if c.lists(p) && c.refused[p] == nil {
			c.refused[p] = err
		}
	}
	return nil
}

// end is the listing's Coverage given how its run ended (runErr), and the
// error it ends with: runErr, or else a PermissionDenied error naming the
// kinds refused. A listing of a single kind that ends refused (a driver
// offering users only, answered 403) has that kind NotPermitted, whether
// or not the driver passed the refusal to Refused: no other kind can have
// been refused.
func (k *Kit) end(c *cover, runErr error) (facade.Coverage, error) {
	cov := facade.Coverage{}
	listed := slices.DeleteFunc(slices.Clone(facade.Kinds), func(p facade.PrincipalKind) bool { return !c.lists(p) })
	refusedOne := len(listed) == 1 && errors.Is(runErr, facade.ErrPermissionDenied)
	for _, p := range facade.Kinds {
		switch {
		case !slices.Contains(c.offered, p):
			cov[p] = facade.NotOffered
		case !c.opts.Wants(p):
			cov[p] = facade.NotAsked
		case c.refused[p] != nil || refusedOne:
			cov[p] = facade.NotPermitted
		case runErr != nil:
			cov[p] = facade.Failed
		default:
			cov[p] = facade.Listed
		}
	}
	if runErr != nil || len(c.refused) == 0 {
		return cov, runErr
	}
	var names []string
	var first error
	for _, p := range facade.Kinds { // in a fixed order
		if err := c.refused[p]; err != nil {
			names = append(names, string(p))
			if first == nil {
				first = err
			}
		}
	}
	list := strings.Join(names, ", ")
	e := &facade.Error{Provider: k.Provider, Code: facade.PermissionDenied, Err: first}
	if fe := (*facade.Error)(nil); errors.As(first, &fe) {
		*e = *fe // its status, message and request id
		e.Err = first
		e.Op = fmt.Sprintf("list %s (refused: %s)", list, fe.Op)
	}
	hint := "the provider refused to list " + list + "; give the key or client the permission to read them, " +
		"or leave them out (rolecall --principals, facade.ListOptions.Principals) to list the other kinds completely"
	if e.Hint != "" && e.Hint != hint { // the driver's own word on the 403 first
		hint = e.Hint + "; " + hint
	}
	e.Hint = hint
	return cov, e
}
