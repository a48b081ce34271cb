package driverkit

import (
	"testing"
	"time"
)

func TestRefreshAt(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		life, want time.Duration
	}{
		{time.Hour, time.Hour - RefreshMargin},
		{10 * time.Minute, 8 * time.Minute},
		{60 * time.Second, 45 * time.Second},
		{2 * time.Second, 1500 * time.Millisecond},
		{-time.Second, 0}, // already expired: due at once
	} {
		if got := refreshAt(t0, t0.Add(tc.life)).Sub(t0); got != tc.want {
			t.Errorf("lifetime %s: refreshed after %s, want %s", tc.life, got, tc.want)
		}
	}
	if got := refreshAt(t0, time.Time{}); !got.Equal(t0) {
		t.Errorf("no expiry: refreshed at %s, want at once", got)
	}
}
