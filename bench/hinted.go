package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/rolecall/rolecall/gen/openai"
)

// HintRetrier is an http.RoundTripper that retries each request on its own,
// as a client without a shared rate model would: on a 429 it sleeps the
// answer's Retry-After (seconds or an HTTP-date; without one, its backoff),
// on a 5xx or a connection error its backoff, and it reads each body whole
// and sends the request again at once when the body is cut off (a new
// connection, which costs its own round trip). The backoff before retry n
// (0-based) is 500ms·2ⁿ, capped at 8s, without jitter: the default retry
// policy's (internal/httpx), less its jitter. A request is sent at most
// Attempts times (0: 8); the last failure is returned as is.
//
// It is the baseline of BenchmarkRefusals: refusals that follow each
// request, not the rate, cost such a client only each request's own waits.
type HintRetrier struct {
	// Base sends each attempt (nil: http.DefaultTransport).
	Base http.RoundTripper
	// Attempts bounds the attempts of one request (0: 8).
	Attempts int

	requests, limited atomic.Int64
}

// Requests returns how many attempts r has sent.
func (r *HintRetrier) Requests() int64 { return r.requests.Load() }

// RateLimited returns how many attempts were answered 429.
func (r *HintRetrier) RateLimited() int64 { return r.limited.Load() }

// RoundTrip sends req (which must have no body) until it is answered other
// than with a 429 or a 5xx and its body is read whole, or its attempts run
// out, sleeping between attempts as the type's doc says.
func (r *HintRetrier) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		return nil, fmt.Errorf("bench: HintRetrier: %s %s has a body; it retries only requests without one", req.Method, req.URL)
	}
	base := r.Base
	if base == nil {
		base = http.DefaultTransport
	}
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = 8
	}
	for n := 0; ; n++ {
		last := n == attempts-1
		r.requests.Add(1)
		resp, err := base.RoundTrip(req.Clone(req.Context()))
		if err != nil {
			if last || !sleepCtx(req.Context(), backoff(n)) {
				return nil, err
			}
			continue
		}
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			r.limited.Add(1)
			wait, ok := retryAfter(resp.Header.Get("Retry-After"))
			if !ok {
				wait = backoff(n)
			}
			if last {
				return resp, nil
			}
			drain(resp)
			if !sleepCtx(req.Context(), wait) {
				return nil, req.Context().Err()
			}
			continue
		case resp.StatusCode >= 500:
			if last {
				return resp, nil
			}
			drain(resp)
			if !sleepCtx(req.Context(), backoff(n)) {
				return nil, req.Context().Err()
			}
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil { // cut off mid-read (io.ErrUnexpectedEOF) or reset
			if last {
				return nil, fmt.Errorf("bench: %s %s: reading the body: %w", req.Method, req.URL, err)
			}
			continue // at once: the next attempt needs a new connection
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		return resp, nil
	}
}

// backoff is the wait before retry n (0-based) without a hint.
func backoff(n int) time.Duration {
	return min(500*time.Millisecond<<min(n, 5), 8*time.Second)
}

// retryAfter parses a Retry-After value: delay-seconds or an HTTP-date.
func retryAfter(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

func drain(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// ConcurrentOpenAI lists every assignment of an OpenAI organization with the
// generated client as rolecall's driver does, without its rate model: the
// users pages one after the other (100 users a page), each page's users
// handed to workers goroutines that list each user's roles (1000 a page).
// Retries are hc's (BenchmarkRefusals gives it a HintRetrier).
func ConcurrentOpenAI(ctx context.Context, baseURL, token string, hc *http.Client, workers int) (SeqResult, error) {
	s := &seq{base: baseURL, token: token, hc: hc, max: true}
	c, err := openai.NewClientWithResponses(s.base, openai.WithHTTPClient(s.hc), openai.WithRequestEditorFn(s.bearer))
	if err != nil {
		return SeqResult{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu  sync.Mutex
		res SeqResult
		wg  sync.WaitGroup
	)
	add := func(r SeqResult) {
		mu.Lock()
		res.Assignments += r.Assignments
		res.KeySum += r.KeySum
		res.Requests += r.Requests
		mu.Unlock()
	}
	users := make(chan openai.OrganizationUser, OpenAIUsersMaxPage)
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range users {
				var w seq
				err := w.openaiRoles(ctx, c, u.Id)
				add(w.res)
				if err != nil {
					cancel(err)
				}
			}
		}()
	}
	err = func() error {
		defer close(users)
		ul := OpenAIUsersMaxPage
		params := &openai.ListUsersParams{Limit: &ul}
		for {
			var w seq
			w.res.Requests++
			r, err := c.ListUsersWithResponse(ctx, params)
			if err != nil {
				add(w.res)
				return err
			}
			if r.JSON200 == nil {
				add(w.res)
				return statusErr("openai users", r.HTTPResponse, r.Body)
			}
			for _, u := range r.JSON200.Data {
				if u.Role != nil {
					w.add(u.Id, string(*u.Role), "api.organization")
				}
			}
			add(w.res)
			for _, u := range r.JSON200.Data {
				select {
				case users <- u:
				case <-ctx.Done():
					return context.Cause(ctx)
				}
			}
			if !r.JSON200.HasMore || r.JSON200.LastId == nil {
				return nil
			}
			params.After = r.JSON200.LastId
		}
	}()
	wg.Wait()
	if err == nil {
		err = context.Cause(ctx) // a worker's error, or the caller's
	}
	return res, err
}

// openaiRoles lists one user's roles into s.res.
func (s *seq) openaiRoles(ctx context.Context, c *openai.ClientWithResponses, userID string) error {
	rl := OpenAIRolesMaxPage
	p := openai.ListUserRoleAssignmentsParams{Limit: &rl}
	for {
		s.res.Requests++
		rr, err := c.ListUserRoleAssignmentsWithResponse(ctx, userID, &p)
		if err != nil {
			return err
		}
		if rr.JSON200 == nil {
			return statusErr("openai roles", rr.HTTPResponse, rr.Body)
		}
		for _, role := range rr.JSON200.Data {
			s.add(userID, role.Id, role.ResourceType)
		}
		if !rr.JSON200.HasMore || rr.JSON200.Next == nil {
			return nil
		}
		p.After = rr.JSON200.Next
	}
}
