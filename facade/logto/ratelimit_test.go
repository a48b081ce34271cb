package logto_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/providertest"
)

func listFrom(t *testing.T, srv *providertest.Server, o facade.Options) ([]facade.Assignment, error) {
	t.Helper()
	o.BaseURL = srv.URL()
	l, err := logto.New(logto.Config{AccessToken: srv.Token(), Options: o})
	require.NoError(t, err)
	return facade.Collect(l.ListAssignments(context.Background(), nil))
}

// A role's page of users that came back shifted (tied rows reordered) is
// recovered by listing that role's users again.
func TestTieShiftedPageIsRelisted(t *testing.T) {
	tn := providertest.NewTenant("logto", 60, 4)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn, TieShifts: 1})
	var logs bytes.Buffer
	got, err := listFrom(t, srv, facade.Options{PageSize: 5, RateLimit: -1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	require.NoError(t, err)
	assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
	assert.Contains(t, logs.String(), "re-listing")
	assert.Contains(t, logs.String(), "list users of role")
}

// Logto Cloud's documented 200 requests per 10 s is a budget: a listing
// within it meets no 429 from a server that enforces exactly that.
func TestDocumentedBudgetDrawsNo429(t *testing.T) {
	tn := providertest.NewTenant("logto", 60, 4)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn, RateLimit: 20, Burst: 200})
	stats := new(facade.Stats)
	got, err := listFrom(t, srv, facade.Options{PageSize: 2, Stats: stats})
	require.NoError(t, err)
	assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
	assert.Zero(t, stats.Snapshot().RateLimited)
	assert.Greater(t, stats.Snapshot().Requests, int64(20), "more requests than a second's worth at the documented rate")
}
