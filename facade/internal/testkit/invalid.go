package testkit

import (
	"context"
	"testing"

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
