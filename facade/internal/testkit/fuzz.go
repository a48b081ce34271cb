package testkit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rolecall/rolecall/facade"
)

// Canned is an http.RoundTripper that answers every request in memory,
// with no network: the response whose path suffix matches the request's
// path (the longest wins), or a 404. Fuzz tests use it to feed arbitrary
// bodies and headers to a driver.
type Canned struct {
	Responses []CannedResponse
}

// CannedResponse is one answer of a Canned transport.
type CannedResponse struct {
	PathSuffix string
	Status     int
	Header     http.Header
	Body       []byte
}

// RoundTrip implements http.RoundTripper.
func (c *Canned) RoundTrip(r *http.Request) (*http.Response, error) {
	var best *CannedResponse
	for i := range c.Responses {
		cr := &c.Responses[i]
		if strings.HasSuffix(r.URL.Path, cr.PathSuffix) && (best == nil || len(cr.PathSuffix) > len(best.PathSuffix)) {
			best = cr
		}
	}
	if best == nil {
		return &http.Response{StatusCode: 404, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	h := best.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	status := best.Status
	if status == 0 {
		status = 200
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(best.Body)),
		ContentLength: int64(len(best.Body)), Request: r}, nil
}

// FuzzOptions are the options a fuzz target lists with: an in-memory
// transport, no retries, no pacing, a small page bound and body cap.
func FuzzOptions(c *Canned) facade.Options {
	return facade.Options{BaseURL: "http://127.0.0.1:9/base", HTTPClient: &http.Client{Transport: c},
		Retry: facade.RetryPolicy{MaxRetries: -1}, RateLimit: -1, MaxPages: 50, MaxBodyBytes: 1 << 20}
}

// CheckListing drains a listing fed with arbitrary input and fails t on a
// panic (by not recovering), a hang (past 10s), an untyped error, or an
// assignment without a user or role.
func CheckListing(t *testing.T, l facade.Lister) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for a, err := range l.ListAssignments(ctx, nil) {
		if ctx.Err() != nil {
			t.Fatalf("the listing did not end within 10s")
		}
		if err != nil {
			if fe := (*facade.Error)(nil); !errors.As(err, &fe) || fe.Code == facade.Unknown {
				t.Fatalf("untyped error: %v", err)
			}
			continue
		}
		if a.UserID == "" || a.RoleID == "" {
			t.Fatalf("an assignment without a user or role: %+v", a)
		}
	}
}
