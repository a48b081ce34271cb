package cortex

import (
	"context"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	admin "github.com/rolecall/rolecall/gen/cortexadmin"
)

// accounts is what GET /api/v1/users (listUsers) says of each user's
// account: its join date and last activity, by lower-cased email (the
// only name Cortex gives a user), for the role walk to join.
//
// Memory: the role walk emits a user's rows as its page is decoded, once
// the users walk ended (wait), so the times are held for every user; an entry is the email
// (its bytes and a 16-byte string header), two int64s and the map's own
// overhead: about 80 bytes a user, 8 MB for 100,000 users. Holding the
// role pages instead until the users walk ends would hold every
// assignment, several records a user; joining in the other order would
// hold the role pages. With an email filter the map still holds every
// user: it is also the distinct count the users walk's total is checked
// with.
type accounts struct {
	mu sync.Mutex
	m  map[string]userTimes
	// ready is closed once the users walk ended, err its error (nil:
	// every user's times are in m). The role walk runs beside the users
	// walk and waits on ready before it decodes a page (wait), so that
	// its requests fill the slots the users walk leaves free; the pages
	// it holds meanwhile are at most its tasks' (driverkit.Tasks).
	ready chan struct{}
	err   error
}

func newAccounts() *accounts { return &accounts{m: map[string]userTimes{}, ready: make(chan struct{})} }

// finish records how the users walk ended and lets the role walk decode.
func (acc *accounts) finish(err error) {
	acc.err = err
	close(acc.ready)
}

// wait waits until the users walk ended and returns its error, or the
// cause of ctx's end.
func (acc *accounts) wait(ctx context.Context) error {
	if acc == nil {
		return nil
	}
	select {
	case <-acc.ready:
		return acc.err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// userTimes are a user's account times in Unix microseconds, noTime where
// the API gave none.
type userTimes struct{ joined, active int64 }

const noTime = math.MinInt64

func micros(t *time.Time) int64 {
	if t == nil || t.IsZero() {
		return noTime
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == noTime {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

// fill sets a's Created (join date) and LastActivity (last active) from
// the user's entry; both stay zero for a user the users list lacked.
func (acc *accounts) fill(a *facade.Assignment, email string) {
	if acc == nil {
		return
	}
	acc.mu.Lock()
	t, ok := acc.m[strings.ToLower(email)]
	acc.mu.Unlock()
	if ok {
		a.Created, a.LastActivity = fromMicros(t.joined), fromMicros(t.active)
	}
}

// listAccounts walks GET /api/v1/users (listUsers), every page, and keeps
// each user's times; answered is called once its first page is in. A 403
// here refuses the user kind (it needs View Roles, as the role walk does).
func listAccounts(ctx context.Context, kit *driverkit.Kit, client *admin.Client, acc *accounts, answered func()) error {
	w := &numbered[admin.UsersResponse, admin.WorkspaceUser]{
		op: "list users",
		send: func(ctx context.Context, page int) (*http.Response, error) {
			return client.ListUsers(ctx, &admin.ListUsersParams{PageSize: int32(kit.PageSize), Page: int32(page)})
		},
		info:     func(e *admin.UsersResponse) (*int32, *int32, *int32) { return &e.Page, &e.Total, &e.TotalPages },
		id:       func(u *admin.WorkspaceUser) string { return strings.ToLower(u.Email) },
		answered: answered,
		each: func(users []*admin.WorkspaceUser) error {
			acc.mu.Lock()
			defer acc.mu.Unlock()
			for _, u := range users {
				acc.m[strings.ToLower(u.Email)] = userTimes{joined: micros(u.JoinDate), active: micros(u.LastActive)}
			}
			return nil
		},
	}
	return w.walk(ctx, kit, "users")
}
