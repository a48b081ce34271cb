package facadetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/providertest"
)

// soakRuns is the number of seeded runs per provider: one in the default
// suite, 60 with ROLECALL_SOAK=full (make soak), or ROLECALL_SOAK=<n>.
func soakRuns() int {
	switch v := os.Getenv("ROLECALL_SOAK"); v {
	case "":
		return 1
	case "full":
		return 60
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 1
		}
		return n
	}
}

// testSoak lists the provider many times against a fake that injects every
// fault kind — 429 with and without Retry-After (seconds and HTTP-date),
// 500/502/503, connection resets, bodies cut off mid-stream, and answers
// slower than the per-request timeout — and requires every run to return
// exactly the full assignment set or a typed error: never a silent partial
// result, never a duplicate.
func testSoak(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		runs := soakRuns()
		// Slow answers outlast the per-request timeout threefold. The
		// default suite's single run gives both ten times the room, so that
		// an ordinary answer on a loaded machine never passes for a slow one
		// (the run must complete); the long soak keeps the tight figures
		// RELIABILITY.md reports.
		timeout, slow := 100*time.Millisecond, 300*time.Millisecond
		if runs == 1 {
			timeout, slow = time.Second, 3*time.Second
		}
		var ok, failed, faults, requests, lost, dups int64
		codes := map[facade.ErrorCode]int{}
		for run := range runs {
			seed := int64(1000*run + 17)
			tn := providertest.NewTenant(h.Provider, 60+run%5*20, seed)
			srv := providertest.NewServer(t, h.Provider, providertest.Options{Tenant: tn, ShortPages: run%2 == 1,
				Faults: providertest.Faults{Seed: seed, Rate: 0.2, SlowDelay: slow}})
			l, err := h.open(srv, srv.Token(), facade.Options{PageSize: 15, RateLimit: -1, RequestTimeout: timeout,
				Retry: facade.RetryPolicy{MaxRetries: 8, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond, MaxRetryAfter: 3 * time.Second}})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			got, err := facade.Collect(l.ListAssignments(ctx, nil))
			cancel()
			srv.Close()
			faults += srv.Faults()
			requests += srv.Requests()
			if err != nil {
				var fe *facade.Error
				require.True(t, errors.As(err, &fe), "run %d: the error is typed: %v", run, err)
				require.NotEqual(t, facade.Unknown, fe.Code, "run %d: %v", run, err)
				codes[fe.Code]++
				failed++
				continue
			}
			want := tn.Rows()
			rows := Rows(t, got)
			if !assert.Equal(t, len(want), len(rows), "run %d (seed %d)", run, seed) {
				lost += int64(max(len(want)-len(rows), 0))
			}
			wantKeys := map[string]bool{}
			for _, r := range want {
				wantKeys[(&facade.Assignment{Principal: facade.PrincipalKind(r.Principal), UserID: r.UserID, RoleID: r.RoleID, Scope: r.Scope}).Key()] = true
			}
			seen := map[string]bool{}
			for _, a := range got {
				k := a.Key()
				if seen[k] {
					dups++
				}
				seen[k] = true
				if !wantKeys[k] {
					t.Errorf("run %d: unexpected assignment %q", run, k)
				}
			}
			for k := range wantKeys {
				if !seen[k] {
					lost++
				}
			}
			ok++
		}
		assert.Zero(t, lost, "assignments lost")
		assert.Zero(t, dups, "duplicates")
		assert.Positive(t, faults, "faults were injected")
		assert.Positive(t, ok, "most runs outlast the faults")
		t.Logf("SOAK %s: runs=%d complete=%d typed-errors=%d %v requests=%d faults=%d lost=%d duplicates=%d",
			h.Provider, runs, ok, failed, fmtCodes(codes), requests, faults, lost, dups)
	}
}

func fmtCodes(m map[facade.ErrorCode]int) string {
	if len(m) == 0 {
		return "{}"
	}
	s := "{"
	for c, n := range m {
		s += fmt.Sprintf("%s:%d ", c, n)
	}
	return s[:len(s)-1] + "}"
}
