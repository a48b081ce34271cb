package facade_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rolecall/rolecall/facade"
)

// sliceLister lists fixed assignments, then fails with err if set. It
// blocks between items when slow is set, to test cancellation.
type sliceLister struct {
	name string
	as   []facade.Assignment
	err  error
	slow time.Duration
}

func (s *sliceLister) Provider() string { return s.name }

func (s *sliceLister) ListAssignments(ctx context.Context, _ *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
	return func(yield func(facade.Assignment, error) bool) {
		for _, a := range s.as {
			if s.slow > 0 {
				select {
				case <-time.After(s.slow):
				case <-ctx.Done():
					yield(facade.Assignment{}, ctx.Err())
					return
				}
			}
			if !yield(a, nil) {
				return
			}
		}
		if s.err != nil {
			yield(facade.Assignment{}, s.err)
		}
	}
}

func rows(provider string, n int) []facade.Assignment {
	out := make([]facade.Assignment, n)
	for i := range out {
		out[i] = facade.Assignment{Provider: provider, UserID: fmt.Sprintf("u%d", i), RoleID: "r"}
	}
	return out
}

func TestCollect(t *testing.T) {
	got, err := facade.Collect((&sliceLister{as: rows("a", 3)}).ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	assert.Len(t, got, 3)

	boom := errors.New("boom")
	got, err = facade.Collect((&sliceLister{as: rows("a", 2), err: boom}).ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, boom)
	assert.Len(t, got, 2, "what came before the error is returned")
}

func TestListAllMergesAndReportsEachFailure(t *testing.T) {
	denied := &facade.Error{Provider: "b", Op: "list", Code: facade.PermissionDenied}
	listers := []facade.Lister{
		&sliceLister{name: "a", as: rows("a", 600)},
		&sliceLister{name: "b", as: rows("b", 5), err: denied},
		&sliceLister{name: "c", as: rows("c", 7)},
	}
	count := map[string]int{}
	var errs []error
	for a, err := range facade.ListAll(context.Background(), listers, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		count[a.Provider]++
	}
	assert.Equal(t, map[string]int{"a": 600, "b": 5, "c": 7}, count)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], facade.ErrPermissionDenied)
}

// Two providers fail, one with an error that is not an *Error: each error
// names its provider, and the iteration goes on to the end.
func TestListAllTagsEveryErrorWithItsProvider(t *testing.T) {
	listers := []facade.Lister{
		&sliceLister{name: "a", as: rows("a", 3), err: errors.New("plain")},
		&sliceLister{name: "b", as: rows("b", 4)},
		&sliceLister{name: "c", err: &facade.Error{Provider: "c", Op: "list", Code: facade.Unauthenticated}},
	}
	failed := map[string]error{}
	n := 0
	for _, err := range facade.ListAll(context.Background(), listers, nil) {
		if err == nil {
			n++
			continue
		}
		var fe *facade.Error
		require.ErrorAs(t, err, &fe)
		failed[fe.Provider] = err
	}
	assert.Equal(t, 7, n)
	require.Len(t, failed, 2)
	assert.EqualError(t, failed["a"], "a: list assignments: unknown: plain")
	assert.ErrorIs(t, failed["c"], facade.ErrUnauthenticated)
}

// CollectAll keeps each provider's results, and each provider's error, apart.
func TestCollectAllKeepsEveryProvider(t *testing.T) {
	denied := &facade.Error{Provider: "b", Op: "list", Code: facade.PermissionDenied}
	listers := []facade.Lister{
		&sliceLister{name: "a", as: rows("a", 600)},
		&sliceLister{name: "b", as: rows("b", 5), err: denied},
		&sliceLister{name: "c", as: rows("c", 7), err: context.DeadlineExceeded},
		&sliceLister{name: "d", as: rows("d", 2)},
	}
	got := facade.CollectAll(context.Background(), listers, nil)
	require.Len(t, got, 4)
	for i, want := range []struct {
		name string
		n    int
		code facade.ErrorCode
	}{{"a", 600, facade.OK}, {"b", 5, facade.PermissionDenied}, {"c", 7, facade.Canceled}, {"d", 2, facade.OK}} {
		assert.Equal(t, want.name, got[i].Provider)
		assert.Len(t, got[i].Assignments, want.n, want.name)
		assert.Equal(t, want.code, facade.Code(got[i].Err), want.name)
	}
	assert.Same(t, denied, got[1].Err)
	var fe *facade.Error
	require.ErrorAs(t, got[2].Err, &fe)
	assert.Equal(t, "c", fe.Provider, "an error that is not an *Error is tagged with its provider")
	assert.ErrorIs(t, got[2].Err, context.DeadlineExceeded)
}

func TestListAllBreakStopsEveryListing(t *testing.T) {
	defer goleak.VerifyNone(t)
	listers := []facade.Lister{
		&sliceLister{name: "a", as: rows("a", 1000), slow: time.Millisecond},
		&sliceLister{name: "b", as: rows("b", 1000), slow: time.Millisecond},
	}
	n := 0
	for _, err := range facade.ListAll(context.Background(), listers, nil) {
		require.NoError(t, err)
		if n++; n == 10 {
			break
		}
	}
	assert.Equal(t, 10, n)
}

func TestErrorMessageAndCodes(t *testing.T) {
	e := &facade.Error{Provider: "logto", Op: `list users of role "admin"`, Code: facade.PermissionDenied}
	e.StatusCode = http.StatusForbidden
	e.Hint = "the token lacks the all scope"
	e.Message = "auth.forbidden: Forbidden"
	e.RequestID = "req-1"
	assert.Equal(t, `logto: list users of role "admin": 403 forbidden: the token lacks the all scope (logto said "auth.forbidden: Forbidden"; request id req-1)`, e.Error())

	wrapped := fmt.Errorf("listing: %w", e)
	assert.ErrorIs(t, wrapped, facade.ErrPermissionDenied)
	assert.NotErrorIs(t, wrapped, facade.ErrUnauthenticated)
	assert.Equal(t, facade.PermissionDenied, facade.Code(wrapped))
	assert.Equal(t, facade.Unknown, facade.Code(errors.New("plain")))
	assert.Equal(t, facade.OK, facade.Code(nil), "as gcerrors.Code: OK for nil")
	assert.Equal(t, facade.Canceled, facade.Code(fmt.Errorf("x: %w", context.DeadlineExceeded)))
	assert.Equal(t, "ok", facade.OK.String())
	assert.Equal(t, "permission denied", facade.PermissionDenied.String())

	rl := &facade.Error{Provider: "cortex", Op: "list", Code: facade.RateLimited}
	rl.StatusCode, rl.RetryAfter = 429, 90*time.Second
	assert.Contains(t, rl.Error(), "429 too many requests (the server asks to wait 1m30s)")

	cause := errors.New("dial tcp: connection refused")
	un := &facade.Error{Provider: "openai", Op: "list users", Code: facade.Unavailable}
	un.Err = cause
	assert.ErrorIs(t, un, cause)
	assert.Contains(t, un.Error(), "openai: list users: unavailable: dial tcp: connection refused")
}

type providerBody struct{ Kind string }

func TestErrorAs(t *testing.T) {
	body := &providerBody{Kind: "FORBIDDEN"}
	err := fmt.Errorf("wrapped: %w", &facade.Error{Provider: "cortex", Op: "list", Code: facade.PermissionDenied, Detail: body})

	var got *providerBody
	require.True(t, facade.ErrorAs(err, &got))
	assert.Same(t, body, got)

	var other *struct{ X int }
	assert.False(t, facade.ErrorAs(err, &other), "a different type is not assigned")
	assert.False(t, facade.ErrorAs(errors.New("plain"), &got))
	assert.False(t, facade.ErrorAs(err, nil))
}

func TestListAllReportsEveryErrorWhenTheContextEnds(t *testing.T) {
	for range 20 { // the old race lost the error about half the time
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		listers := []facade.Lister{&sliceLister{name: "a", as: rows("a", 5), slow: time.Millisecond},
			&sliceLister{name: "b", as: rows("b", 5), slow: time.Millisecond}}
		var errs int
		for _, err := range facade.ListAll(ctx, listers, nil) {
			if err != nil {
				errs++
				assert.Equal(t, facade.Canceled, facade.Code(err))
			}
		}
		assert.Equal(t, 2, errs, "each provider's failure is reported")
	}
}
