package driverkit

import (
	"math"
	"time"
)

// UnixSeconds is the UTC time of a Unix timestamp in seconds, or the zero
// time for nil (the provider did not say).
func UnixSeconds(sec *int64) time.Time {
	if sec == nil {
		return time.Time{}
	}
	return time.Unix(*sec, 0).UTC()
}

// UnixMillis is the UTC time of a Unix timestamp in milliseconds, carried
// as a JSON number (Logto), or the zero time for nil or a value that is not
// a finite number.
func UnixMillis(ms *float64) time.Time {
	if ms == nil || math.IsNaN(*ms) || math.IsInf(*ms, 0) {
		return time.Time{}
	}
	return time.UnixMilli(int64(*ms)).UTC()
}

// UTC is *t in UTC, or the zero time for nil.
func UTC(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
