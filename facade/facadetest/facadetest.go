// Package facadetest is the conformance suite every facade driver passes:
// the same behavioural tests, run against each driver over a
// spec-validating fake of its provider (package providertest), in the
// manner of gocloud.dev's drivertest. The suite knows no driver: each
// driver's test file passes its own Harness to RunConformanceTests, and
// opens the driver over a handler of its own tests with Harness.Lister.
//
//	var harness = facadetest.Harness{Provider: "cortex",
//		New: func(credential string, o facade.Options) (facade.Lister, error) {
//			return cortex.New(cortex.Config{Token: credential, Options: o})
//		}}
//
//	func TestConformance(t *testing.T) { facadetest.RunConformanceTests(t, harness) }
package facadetest

import (
	"bytes"
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/providertest"
)

// Harness is what a driver's test gives the suite.
type Harness struct {
	// Provider is the provider the driver lists ("cortex", …): the fake
	// the suite starts, and the name the driver's results must carry.
	Provider string
	// New returns the driver's Lister, authenticated with credential (the
	// driver's static credential: an API token or key), configured with
	// opts. opts.BaseURL is always set: to the fake's URL, or to a server
	// the test controls.
	New func(credential string, opts facade.Options) (facade.Lister, error)
}

// open returns h's Lister for srv, or for opts.BaseURL when the test set
// one.
func (h Harness) open(srv *providertest.Server, credential string, opts facade.Options) (facade.Lister, error) {
	opts.BaseURL = cmp.Or(opts.BaseURL, srv.URL())
	return h.New(credential, opts)
}

// basePath is the path of h's provider's API root on a server, from its
// spec: "/v1" for OpenAI, "" for the others.
func basePath(t testing.TB, h Harness) string {
	t.Helper()
	doc, err := specs.Open(context.Background(), h.Provider)
	require.NoError(t, err)
	return doc.BasePath
}

// Credential is the credential Harness.Lister gives a driver.
const Credential = "rolecall-test-credential"

// Lister returns h's driver, authenticated with Credential, listing from
// a test server on 127.0.0.1 that answers with handler at the provider's
// API root (OpenAI's /v1), as a driver's own tests use it: retrying with
// FastRetries unless opts.Retry is set, and without a rate limit unless
// opts.RateLimit sets one.
func (h Harness) Lister(t testing.TB, handler http.HandlerFunc, opts facade.Options) facade.Lister {
	t.Helper()
	opts.BaseURL = testkit.Serve(t, handler) + basePath(t, h)
	if opts.Retry == (facade.RetryPolicy{}) {
		opts.Retry = FastRetries
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = -1
	}
	l, err := h.New(Credential, opts)
	require.NoError(t, err)
	return l
}

// FastRetries is the retry policy the suite uses: real retries, short waits.
var FastRetries = facade.RetryPolicy{MaxRetries: 6, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond, MaxRetryAfter: 3 * time.Second,
	RateLimitBudget: 10 * time.Second}

// RunConformanceTests runs the suite against h.
func RunConformanceTests(t *testing.T, h Harness) {
	t.Run("ListsEveryAssignmentOnce", func(t *testing.T) { testListsAll(t, h, 230, 0) })
	t.Run("ManySmallPages", func(t *testing.T) { testListsAll(t, h, 60, 7) })
	t.Run("ShortPagesAreNotTheEnd", testShortPages(h))
	t.Run("EmptyTenant", func(t *testing.T) { testListsAll(t, h, 0, 0) })
	t.Run("FilterByEmail", testFilterByEmail(h))
	t.Run("TieShiftedPagesAreRelisted", testTieShifts(h))
	// A 429 pauses every worker for its hint (a second or two here): three
	// of them keep the test short.
	t.Run("RateLimitedThenSuccess", testFaults(h, 3, providertest.FaultRateLimit, providertest.FaultRateLimitDate, providertest.FaultRateLimitBare))
	t.Run("ServerFailuresThenSuccess", testFaults(h, 0, providertest.FaultServerError, providertest.FaultReset, providertest.FaultTruncate))
	t.Run("UnauthenticatedIsNotRetried", testUnauthenticated(h))
	t.Run("RateLimitBeyondTheCap", testRateLimitBeyondCap(h))
	t.Run("CancelMidListing", testCancel(h))
	t.Run("BreakStopsTheListing", testBreak(h))
	t.Run("KeepsTheProviderRecord", testRecords(h))
	t.Run("CountsItsWork", testStats(h))
	t.Run("SilentProviderIsReported", testSilentProvider(h))
	t.Run("DeadlineBoundsRetryWaits", testDeadlineBoundsRetryWaits(h))
	t.Run("CredentialNeverLeaks", testSentinelNeverLeaks(h))
	t.Run("NetworkErrorsCarryNoCredential", testNetworkErrorsCarryNoCredential(h))
	t.Run("RedirectOffOriginIsRefused", testRedirectOffOrigin(h))
	t.Run("RedirectToPlainHTTPIsRefused", testRedirectToPlainHTTP(h))
	t.Run("RedirectLoopShowsNoQuery", testRedirectLoop(h))
	t.Run("CredentialReturnedAsDataIsReplaced", testCredentialAsData(h))
	t.Run("EchoAtTheCutShowsNoPiece", testEchoAtTheCut(h))
	t.Run("PageBudgetCoversTheWholeListing", testPageBudget(h))
	t.Run("ConcurrencyIsBounded", testConcurrencyIsBounded(h))
	t.Run("Soak", testSoak(h))
}

// newLister starts a fake and a Lister over it.
func newLister(t *testing.T, h Harness, so providertest.Options, o facade.Options) (*providertest.Server, facade.Lister) {
	t.Helper()
	srv := providertest.NewServer(t, h.Provider, so)
	if o.Retry == (facade.RetryPolicy{}) {
		o.Retry = FastRetries
	}
	if o.RateLimit == 0 {
		o.RateLimit = -1 // the fake is local: only its own limits apply
	}
	l, err := h.open(srv, srv.Token(), o)
	require.NoError(t, err)
	require.Equal(t, h.Provider, l.Provider())
	return srv, l
}

// Rows converts assignments to the oracle's rows, sorted like
// providertest.Tenant.Rows, and fails the test on a duplicate.
func Rows(t testing.TB, as []facade.Assignment) []providertest.Row {
	t.Helper()
	var out []providertest.Row
	seen := map[string]bool{}
	for _, a := range as {
		if k := a.Key(); seen[k] {
			t.Errorf("duplicate assignment %q", k)
		} else {
			seen[k] = true
		}
		perms := a.Permissions
		if len(perms) == 0 {
			perms = nil
		}
		out = append(out, providertest.Row{Provider: a.Provider, UserID: a.UserID, Email: a.Email, Name: a.Name,
			Username: a.Username, Disabled: a.Disabled, RoleID: a.RoleID, RoleName: a.RoleName,
			RoleKind: string(a.RoleKind), Scope: a.Scope, Permissions: perms, Via: a.Via,
			Principal: string(a.Kind()), OwnerKind: string(a.Owner.Kind), OwnerID: a.Owner.ID, OwnerName: a.Owner.Name,
			ScopeKind: string(a.ScopeKind), ScopeID: a.ScopeID, ScopeName: a.ScopeName, Held: string(a.Held)})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.UserID != b.UserID {
			return a.UserID < b.UserID
		}
		if a.RoleID != b.RoleID {
			return a.RoleID < b.RoleID
		}
		if a.Scope != b.Scope {
			return a.Scope < b.Scope
		}
		return a.Principal < b.Principal
	})
	return out
}

// Want is the rows a complete listing of tn yields, in Rows' form.
func Want(tn *providertest.Tenant) []providertest.Row { return want(tn) }

func want(tn *providertest.Tenant) []providertest.Row {
	rows := tn.Rows()
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		if len(rows[i].Permissions) == 0 {
			rows[i].Permissions = nil
		}
	}
	return rows
}

// checkAccounts checks each assignment's account fields and privileged
// flag against the tenant's oracle (providertest.Tenant.AccountOf,
// providertest.Privileged).
func checkAccounts(t *testing.T, tn *providertest.Tenant, got []facade.Assignment) {
	t.Helper()
	users := tn.Accounts()
	for _, a := range got {
		row := Rows(t, []facade.Assignment{a})[0]
		if row.Principal == string(facade.User) {
			_, ok := users[a.UserID]
			require.True(t, ok, "user %q is not in the tenant", a.UserID)
		}
		w := tn.AccountOf(&row)
		assert.Equal(t, w.Status, string(a.Status), "%s status", a.UserID)
		assert.Equal(t, w.AccountType, string(a.AccountType), "%s account type", a.UserID)
		for _, c := range []struct {
			name       string
			want, have time.Time
		}{{"created", w.Created, a.Created}, {"updated", w.Updated, a.Updated}, {"last activity", w.LastActivity, a.LastActivity},
			{"expires", w.Expires, a.Expires}} {
			assert.True(t, c.want.Equal(c.have), "%s %s: want %v, got %v", a.UserID, c.name, c.want, c.have)
			assert.Equal(t, time.UTC, c.have.Location(), "%s %s is UTC", a.UserID, c.name)
		}
		assert.Equal(t, providertest.Privileged(&row), a.Privileged, "%s role %s privileged", a.UserID, a.RoleID)
	}
}

func testListsAll(t *testing.T, h Harness, users, pageSize int) {
	tn := providertest.NewTenant(h.Provider, users, 42)
	srv, l := newLister(t, h, providertest.Options{Tenant: tn}, facade.Options{PageSize: pageSize})
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	require.NoError(t, err)
	assert.Equal(t, want(tn), Rows(t, got))
	checkAccounts(t, tn, got)
	assert.Empty(t, srv.Violations())
	if users > 0 {
		assert.NotEmpty(t, got)
	}
}

func testShortPages(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		tn := providertest.NewTenant(h.Provider, 180, 7)
		_, l := newLister(t, h, providertest.Options{Tenant: tn, ShortPages: true}, facade.Options{PageSize: 20})
		got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		require.NoError(t, err)
		assert.Equal(t, want(tn), Rows(t, got))
	}
}

func testFilterByEmail(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		tn := providertest.NewTenant(h.Provider, 80, 3)
		var emails []string
		for _, u := range tn.Users {
			if u.Email != "" && len(u.Grants) > 0 {
				emails = append(emails, u.Email)
			}
			if len(emails) == 2 {
				break
			}
		}
		require.Len(t, emails, 2, "the tenant has users with emails and roles")
		_, l := newLister(t, h, providertest.Options{Tenant: tn}, facade.Options{})
		asked := []string{strings.ToUpper(emails[0]), strings.ToLower(emails[1])} // case-insensitive
		got, err := facade.Collect(l.ListAssignments(context.Background(), &facade.ListOptions{Emails: asked}))
		require.NoError(t, err)
		assert.Equal(t, want(tn.FilterEmails(emails)), Rows(t, got))
		assert.NotEmpty(t, got)
	}
}

// testTieShifts serves page-numbered listings whose pages come back
// shifted once (tied rows reordered: a row repeated, a row missed, the total
// unchanged): the listing re-lists and yields the full set, and says so.
// Cursor-paged providers are served unshifted and must list as usual.
func testTieShifts(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		tn := providertest.NewTenant(h.Provider, 60, 4)
		var logs bytes.Buffer
		srv, l := newLister(t, h, providertest.Options{Tenant: tn, TieShifts: 1},
			facade.Options{PageSize: 5, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		require.NoError(t, err)
		assert.Equal(t, want(tn), Rows(t, got))
		if srv.Shifted() > 0 {
			assert.Contains(t, logs.String(), "re-listing")
		}
	}
}

func testFaults(h Harness, most int, kinds ...providertest.FaultKind) func(*testing.T) {
	return func(t *testing.T) {
		tn := providertest.NewTenant(h.Provider, 120, 11)
		srv, l := newLister(t, h, providertest.Options{Tenant: tn,
			Faults: providertest.Faults{Seed: 5, Rate: 0.15, Kinds: kinds, Max: most}}, facade.Options{PageSize: 25})
		got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		require.NoError(t, err)
		assert.Equal(t, want(tn), Rows(t, got))
		assert.Positive(t, srv.Faults(), "faults were injected")
	}
}

func testUnauthenticated(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		srv := providertest.NewServer(t, h.Provider, providertest.Options{})
		const wrong = "wrong-credential-SENTINEL-8c1f"
		l, err := h.open(srv, wrong, facade.Options{Retry: FastRetries, RateLimit: -1})
		require.NoError(t, err)
		_, err = facade.Collect(l.ListAssignments(context.Background(), nil))
		require.Error(t, err)
		assert.ErrorIs(t, err, facade.ErrUnauthenticated)
		var fe *facade.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, h.Provider, fe.Provider)
		assert.Equal(t, 401, fe.StatusCode)
		assert.NotEmpty(t, fe.Hint)
		assert.NotContains(t, err.Error(), wrong, "the credential never appears in an error")
		assert.EqualValues(t, 1, srv.Requests(), "401 is not retried")
	}
}

func testRateLimitBeyondCap(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		// Every request is rate-limited, and the server asks to wait one
		// second, past a cap of 100ms: the listing fails fast with the wait.
		// Whether it slept is read from the listing's own counters (a wait
		// is counted before it is slept), not from the wall clock.
		var stats facade.Stats
		srv, l := newLister(t, h, providertest.Options{Faults: providertest.Faults{Seed: 1, Rate: 1,
			Kinds: []providertest.FaultKind{providertest.FaultRateLimit}}},
			facade.Options{Stats: &stats, Retry: facade.RetryPolicy{MaxRetries: 2, BaseDelay: time.Millisecond, MaxRetryAfter: 100 * time.Millisecond}})
		_, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		assert.ErrorIs(t, err, facade.ErrRateLimited)
		var fe *facade.Error
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, 429, fe.StatusCode)
		assert.Equal(t, time.Second, fe.RetryAfter, "the error carries the server's wait")
		assert.EqualValues(t, 1, srv.Requests(), "a wait past the cap is not retried")
		s := stats.Snapshot()
		assert.EqualValues(t, 1, s.RateLimited, "the one answer was the 429")
		assert.Zero(t, s.Retries, "a wait past the cap is not slept: no retry wait was started")
	}
}

func testBreak(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		tn := providertest.NewTenant(h.Provider, 300, 9)
		srv, l := newLister(t, h, providertest.Options{Tenant: tn, Latency: 5 * time.Millisecond}, facade.Options{PageSize: 10})
		defer srv.Close()
		n := 0
		for _, err := range l.ListAssignments(context.Background(), nil) {
			require.NoError(t, err)
			if n++; n == 3 {
				break
			}
		}
		assert.Equal(t, 3, n)
	}
}

func testRecords(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		_, l := newLister(t, h, providertest.Options{}, facade.Options{})
		got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		require.NoError(t, err)
		require.NotEmpty(t, got)
		for _, a := range got {
			assert.NotNil(t, a.Record, "%s keeps the decoded record", a.Key())
			assert.Equal(t, h.Provider, a.Provider)
			// The model: every driver says what holds the role, how and
			// over what kind of scope; a scope with an id is written
			// kind/id; a role held through a group names it.
			assert.NotEmpty(t, a.Principal, "%s: principal kind", a.Key())
			assert.NotEmpty(t, a.ScopeKind, "%s: scope kind", a.Key())
			assert.NotEmpty(t, a.Held, "%s: how held", a.Key())
			if a.ScopeID != "" {
				assert.Equal(t, string(a.ScopeKind)+"/"+a.ScopeID, a.Scope, "%s: scope", a.Key())
			}
			if a.Held == facade.ThroughGroup {
				assert.NotEmpty(t, a.Via, "%s: held through a group, via names none", a.Key())
			}
		}
	}
}

func testStats(h Harness) func(*testing.T) {
	return func(t *testing.T) {
		tn := providertest.NewTenant(h.Provider, 90, 13)
		var stats facade.Stats
		srv, l := newLister(t, h, providertest.Options{Tenant: tn}, facade.Options{PageSize: 20, Stats: &stats})
		got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
		require.NoError(t, err)
		s := stats.Snapshot()
		assert.EqualValues(t, len(got), s.Assignments, "every assignment listed is counted")
		assert.EqualValues(t, srv.Requests(), s.Requests, "every request sent is counted")
		assert.Positive(t, s.Pages)
		assert.LessOrEqual(t, s.Pages, s.Requests, "a page is decoded from a request")
	}
}
