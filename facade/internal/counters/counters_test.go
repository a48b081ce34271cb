package counters_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/counters"
)

// The counters a driver advances are the ones facade.Stats reports.
func TestOfReachesStats(t *testing.T) {
	var s facade.Stats
	c := counters.Of(&s)
	c.Request()
	c.Request()
	c.Retry(time.Second)
	c.RateLimit()
	c.Wait(time.Second)
	c.Page()
	c.Assignment(5)
	assert.Equal(t, facade.StatsSnapshot{Requests: 2, Retries: 1, RateLimited: 1, Waited: 2 * time.Second, Pages: 1, Assignments: 5,
		ReportedUsers: -1, ListedUsers: -1}, s.Snapshot(), "no total reported: -1")
	c.ReportUsers(0, 0)
	assert.Zero(t, s.Snapshot().ReportedUsers)
	assert.Zero(t, s.Snapshot().ListedUsers)
	c.ReportUsers(6, 7)
	assert.EqualValues(t, 6, s.Snapshot().ReportedUsers)
	assert.EqualValues(t, 7, s.Snapshot().ListedUsers)

	assert.Nil(t, counters.Of((*facade.Stats)(nil)))
	assert.Nil(t, counters.Of(nil))
	var none *counters.Counters
	none.Request() // a nil *Counters counts nothing, and does not panic
	none.Assignment(1)
}
