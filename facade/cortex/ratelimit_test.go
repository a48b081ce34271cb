package cortex_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/providertest"
)

func listFrom(t *testing.T, srv *providertest.Server, o facade.Options) ([]facade.Assignment, error) {
	t.Helper()
	o.BaseURL = srv.URL()
	l, err := cortex.New(cortex.Config{Token: srv.Token(), Options: o})
	require.NoError(t, err)
	return facade.Collect(l.ListAssignments(context.Background(), nil))
}

// Rows that keep shifting are reported after two more passes, naming the
// counts. The users' list (listUsers) shifts too: its shortfall ends the
// listing. The role walk runs beside it, but holds its pages until the
// users' times are in, so it fetches one pass at most and lists nothing.
func TestTieShiftsThatPersistAreIncomplete(t *testing.T) {
	tn := providertest.NewTenant("cortex", 50, 3)
	srv := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tn, TieShifts: 3})
	got, err := listFrom(t, srv, facade.Options{PageSize: 10, RateLimit: -1})
	assert.ErrorIs(t, err, facade.ErrIncomplete)
	assert.ErrorContains(t, err, "list users: incomplete: the provider reported 50 users but the listing saw 49")
	assert.Equal(t, int64(15), srv.RequestsByOp()["listUsers"], "three passes of five pages")
	assert.LessOrEqual(t, srv.RequestsByOp()["getUserRoleAssignments"], int64(5), "one pass of the role walk at most")
	for _, a := range got {
		assert.NotEqual(t, facade.User, a.Kind(), "no user's row without the users' times: %+v", a)
	}
}

// The documented limit (1000 requests a minute) is a budget: a listing
// shorter than the allowance goes at full concurrency and meets no 429
// from a server that enforces exactly that limit.
func TestDocumentedBudgetDrawsNo429(t *testing.T) {
	tn := providertest.NewTenant("cortex", 60, 3)
	srv := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tn, RateLimit: 1000.0 / 60, Burst: 1000})
	stats := new(facade.Stats)
	got, err := listFrom(t, srv, facade.Options{PageSize: 2, Stats: stats})
	require.NoError(t, err)
	assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
	assert.Zero(t, stats.Snapshot().RateLimited)
}

// A server bucket that is smaller than the client's (the documented limit
// of another plan), with its wait in problem+json's retryAfter only, is
// obeyed: the listing completes and no request arrives before the wait.
func TestBodyHintedLimitIsObeyed(t *testing.T) {
	tn := providertest.NewTenant("cortex", 40, 3)
	srv := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tn, RateLimit: 40, Burst: 8,
		RateLimitHint: providertest.HintBody})
	stats := new(facade.Stats)
	got, err := listFrom(t, srv, facade.Options{PageSize: 2, Stats: stats, Retry: facadetest.FastRetries})
	require.NoError(t, err)
	assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
	assert.Positive(t, stats.Snapshot().RateLimited)
	assert.Zero(t, srv.Early(), "no request before the hinted time")
}
