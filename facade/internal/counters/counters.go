// Package counters holds the counters behind facade.Stats: the drivers
// advance them, callers of the facade only read them (Stats.Snapshot), so
// the methods that advance them live here, out of the public API.
package counters

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Counters counts a listing's work. Its methods are safe for concurrent
// use, and do nothing on a nil *Counters.
type Counters struct {
	Requests, Retries, RateLimited, Pages, Assignments atomic.Int64
	Waited                                             atomic.Int64 // nanoseconds
	ReportedUsers                                      atomic.Int64 // +1, so that 0 is "none"
	ListedUsers                                        atomic.Int64 // +1, so that 0 is "none"

	mu    sync.Mutex
	kinds map[string]string // SetKinds
}

// Of returns the Counters behind a *facade.Stats, nil for a nil one.
// Package facade sets it (this package cannot name facade.Stats); drivers
// call it through driverkit.
var Of func(stats any) *Counters

// ReportUsers records the number of users the provider said the tenant has
// (total) and the number of users the listing walked to compare it with,
// roles or none (listed).
func (c *Counters) ReportUsers(total, listed int) {
	if c != nil {
		c.ReportedUsers.Store(int64(total) + 1)
		c.ListedUsers.Store(int64(listed) + 1)
	}
}

// Request counts an attempt sent.
func (c *Counters) Request() {
	if c != nil {
		c.Requests.Add(1)
	}
}

// Retry counts a retry and the wait before it.
func (c *Counters) Retry(wait time.Duration) {
	if c != nil {
		c.Retries.Add(1)
		c.Waited.Add(int64(wait))
	}
}

// RateLimit counts a 429 answer.
func (c *Counters) RateLimit() {
	if c != nil {
		c.RateLimited.Add(1)
	}
}

// Wait counts time spent waiting for the rate limiter.
func (c *Counters) Wait(d time.Duration) {
	if c != nil {
		c.Waited.Add(int64(d))
	}
}

// Page counts a decoded page.
func (c *Counters) Page() {
	if c != nil {
		c.Pages.Add(1)
	}
}

// Assignment counts n listed assignments.
func (c *Counters) Assignment(n int) {
	if c != nil {
		c.Assignments.Add(int64(n))
	}
}

// SetKinds records how a listing ended for each principal kind (kind name
// to status name), replacing what an earlier listing recorded.
func (c *Counters) SetKinds(kinds map[string]string) {
	if c != nil {
		c.mu.Lock()
		c.kinds = kinds
		c.mu.Unlock()
	}
}

// Kinds returns a copy of what SetKinds last recorded (nil: nothing yet).
func (c *Counters) Kinds() map[string]string {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.kinds)
}
