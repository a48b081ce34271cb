package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
)

// ExpectInvalid lists l and requires the listing to end with an
// InvalidResponse error whose message names each of where (a JSON pointer
// such as /users/0/email, or a member's name).
func ExpectInvalid(t *testing.T, l facade.Lister, where ...string) {
	t.Helper()
	_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.ErrorIs(t, err, facade.ErrInvalidResponse)
	for _, w := range where {
		assert.Contains(t, err.Error(), w)
	}
}

// List lists l and requires the listing to succeed, returning what it
// listed.
func List(t *testing.T, l facade.Lister) []facade.Assignment {
	t.Helper()
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	return got
}

// Hung is how long a listing that should end at once (a cancel, a
// deadline, a timeout of milliseconds) may run before a test calls it
// hung: a bound no machine's load comes near, so that whether a test
// passes never depends on how fast the machine runs it. Such a test
// proves an invariant (the requests ended because the client left them,
// the wait was not slept), not a duration.
const Hung = time.Minute

// Collect lists l under ctx and returns what the listing yielded and the
// error it ended with, failing the test if it has not ended within Hung.
func Collect(t *testing.T, ctx context.Context, l facade.Lister) ([]facade.Assignment, error) {
	t.Helper()
	type result struct {
		got []facade.Assignment
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := facade.Collect(l.ListAssignments(ctx, nil))
		done <- result{got, err}
	}()
	select {
	case r := <-done:
		return r.got, r.err
	case <-time.After(Hung):
		t.Fatalf("the listing has not ended after %v: it hangs", Hung)
		return nil, nil
	}
}
