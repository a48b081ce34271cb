package cortexapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/gen/cortex"
)

// The overlay makes email one comma-joined value, as Cortex's docs and CLI
// send it, and types Retry-After as a string so an HTTP-date parses.
func TestOverlayShapesTheClient(t *testing.T) {
	var gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.RawQuery
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"type":"about:blank","title":"Too Many Requests","status":429,"retryAfter":3}`))
	}))
	defer srv.Close()

	c, err := cortexapi.NewClientWithResponses(srv.URL + "/base/")
	require.NoError(t, err)
	emails := []string{"a@x.com", "b@y.com"}
	resp, err := c.GetUserRoleAssignmentsWithResponse(context.Background(), &cortexapi.GetUserRoleAssignmentsParams{Email: &emails, PageSize: 1000, Page: 0})
	require.NoError(t, err, "an HTTP-date Retry-After must not fail the parse")

	assert.Equal(t, 1, strings.Count(gotQuery, "email="), "one email parameter: %s", gotQuery)
	assert.Contains(t, gotQuery, "email=a%40x.com,b%40y.com")
	require.NotNil(t, resp.Headers429)
	assert.Equal(t, "Wed, 21 Oct 2026 07:28:00 GMT", *resp.Headers429.RetryAfter)
	require.NotNil(t, resp.ApplicationproblemJSON429)
	assert.EqualValues(t, 3, *resp.ApplicationproblemJSON429.RetryAfter)
}
