package openai_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/providertest"
)

// OpenAI documents no limit for the admin API: behind an unknown token
// bucket the listing learns it. Every assignment is listed, and no request
// arrives before the time a 429 named, whichever way it named it.
func TestUnknownBucketIsLearnt(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rate  float64
		burst int
		hint  providertest.Hint
	}{
		{"seconds r100 b10", 100, 10, providertest.HintSeconds},
		{"date r60 b15", 60, 15, providertest.HintDate},
		{"none r150 b5", 150, 5, providertest.HintNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn := providertest.NewTenant("openai", 20, 2) // the whole graph: some 150 requests
			srv := providertest.NewServer(t, "openai", providertest.Options{Tenant: tn,
				RateLimit: tc.rate, Burst: tc.burst, RateLimitHint: tc.hint})
			stats := new(facade.Stats)
			l, err := openai.New(openai.Config{AdminKey: srv.Token(), Options: facade.Options{BaseURL: srv.URL(), Stats: stats,
				Retry: facade.RetryPolicy{MaxRetries: 1}}})
			require.NoError(t, err)
			got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
			require.NoError(t, err, "a 429 while the rate adapts is not a failure, though only one retry is allowed")
			assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
			assert.Positive(t, stats.Snapshot().RateLimited, "the bucket was met")
			assert.Zero(t, srv.Early(), "no request before the hinted time")
		})
	}
}
