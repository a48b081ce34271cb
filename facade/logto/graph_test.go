package logto_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/facadetest"
	"github.com/rolecall/rolecall/facade/internal/testkit"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/providertest"
)

// open returns the driver over srv with opts (no rate limit, fast retries).
func open(t *testing.T, srv *providertest.Server, opts facade.Options) facade.Lister {
	t.Helper()
	opts.BaseURL = srv.URL()
	opts.RateLimit = -1
	opts.Retry = facadetest.FastRetries
	l, err := logto.New(logto.Config{AccessToken: srv.Token(), Options: opts})
	require.NoError(t, err)
	return l
}

// TestEveryKindIsListed: a tenant holding organizations (members with and
// without roles), applications with tenant and organization roles and
// invitations of every status is listed row for row as its oracle has it,
// and each kind is there.
func TestEveryKindIsListed(t *testing.T) {
	tn := providertest.NewTenant("logto", 120, 8)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn})
	stats := new(facade.Stats)
	got := testkit.List(t, open(t, srv, facade.Options{Stats: stats}))
	assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
	kinds := map[facade.PrincipalKind]bool{}
	members, orgRoles := 0, 0
	for _, a := range got {
		kinds[a.Kind()] = true
		if a.ScopeKind == facade.ScopeLogtoOrganization {
			if a.RoleID == logto.MemberRole {
				members++
			} else {
				orgRoles++
			}
		}
	}
	assert.Equal(t, map[facade.PrincipalKind]bool{facade.User: true, facade.Application: true, facade.Invitation: true}, kinds)
	assert.Positive(t, members, "members without an organization role are listed as members")
	assert.Positive(t, orgRoles)
	for _, k := range []facade.PrincipalKind{facade.User, facade.Application, facade.Invitation} {
		assert.Equal(t, facade.Listed, stats.Snapshot().Kinds[k], k)
	}
}

// TestManagementAPIAllScopeIsPrivileged: an application holding a role
// named without "admin" that carries the Management API's all scope is
// privileged; a role with an "all" scope of another API whose indicator
// also ends in /api is not.
func TestManagementAPIAllScopeIsPrivileged(t *testing.T) {
	tn := providertest.NewTenant("logto", 60, 2)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn})
	got, err := facade.Collect(open(t, srv, facade.Options{}).ListAssignments(context.Background(),
		&facade.ListOptions{Principals: []facade.PrincipalKind{facade.Application}}))
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, a := range got {
		if a.ScopeKind != facade.ScopeTenant {
			continue
		}
		seen[a.RoleName] = true
		switch a.RoleName {
		case "Management API access":
			assert.True(t, a.Privileged, "%s holds the Management API's all scope", a.UserID)
			assert.Contains(t, a.Permissions, providertest.LogtoManagementAPI+"#all")
		case "Sync service":
			assert.False(t, a.Privileged, "an all scope of another API grants nothing in Logto")
			assert.Contains(t, a.Permissions, "https://billing.example.com/api#all")
		}
	}
	assert.True(t, seen["Management API access"] && seen["Sync service"], "both machine roles are held: %v", seen)
}

func TestManagesAll(t *testing.T) {
	for _, c := range []struct {
		indicator, name string
		want            bool
	}{
		{"https://default.logto.app/api", "all", true},
		{"https://abc123.logto.app/api", "all", true},
		{"https://admin.logto.app/me", "all", false},
		{"https://abc123.logto.app/api", "read", false},
		{"https://billing.example.com/api", "all", false},
		{"https://evil.example/x.logto.app/api", "all", false},
		{"http://default.logto.app/api", "all", false},
		{"https://.logto.app/api", "all", false},
	} {
		assert.Equal(t, c.want, logto.ManagesAll(c.indicator, c.name), "%s %s", c.indicator, c.name)
	}
}

// TestUnorderedListsAreRelisted: the organizations and each
// organization's applications have no ORDER BY; served with one page in
// two shifted (a row repeated, one missed, the total unchanged), at one
// item a page, they are re-listed and the listing is complete.
func TestUnorderedListsAreRelisted(t *testing.T) {
	tn := providertest.NewTenant("logto", 40, 5)
	var logs testkit.LogBuffer
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn, TieShifts: 1})
	got := testkit.List(t, open(t, srv, facade.Options{PageSize: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	assert.Equal(t, facadetest.Want(tn), facadetest.Rows(t, got))
	require.Positive(t, srv.Shifted())
	for _, op := range []string{`op="list organizations"`, `op="list applications of organization`} {
		assert.Contains(t, logs.String(), op, "re-listed")
	}
}

// TestOneKindRefused: the token may not read invitations (403): they are
// not_permitted, the users and applications are listed completely, and
// the listing ends with a PermissionDenied error naming the kind.
func TestOneKindRefused(t *testing.T) {
	tn := providertest.NewTenant("logto", 60, 3)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn, BasePath: "/"})
	target, err := url.Parse(srv.URL())
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	stats := new(facade.Stats)
	l := harness.Lister(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/organization-invitations" {
			testkit.WriteRaw(w, http.StatusForbidden, `{"code":"auth.forbidden","message":"Forbidden"}`)
			return
		}
		r.Header.Set("Authorization", "Bearer "+srv.Token())
		proxy.ServeHTTP(w, r)
	}, facade.Options{Stats: stats})
	got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
	assert.ErrorIs(t, err, facade.ErrPermissionDenied)
	assert.ErrorContains(t, err, "invitation")
	assert.Equal(t, tn.RowsOf("user", "application"), facadetest.Rows(t, got))
	k := stats.Snapshot().Kinds
	assert.Equal(t, facade.NotPermitted, k[facade.Invitation])
	assert.Equal(t, facade.Listed, k[facade.User])
	assert.Equal(t, facade.Listed, k[facade.Application])
}

// TestRequestsAreTheFormula: a listing sends exactly the package
// documentation's count, per operation.
func TestRequestsAreTheFormula(t *testing.T) {
	tn := providertest.NewTenant("logto", 250, 6)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn})
	testkit.List(t, open(t, srv, facade.Options{PageSize: 10}))
	pages := func(n int) int64 { return int64(max(1, (n+9)/10)) }
	holders := map[string]int{}
	for _, u := range tn.Users {
		for _, g := range u.Grants {
			holders[g.RoleID]++
		}
	}
	for _, a := range tn.Applications {
		for _, r := range a.Roles {
			holders[r]++
		}
	}
	want := map[string]int64{"ListRoles": pages(len(tn.Roles)), "ListRoleScopes": int64(len(tn.Roles)),
		"ListOrganizations": pages(len(tn.Organizations)), "ListOrganizationInvitations": 1}
	for _, r := range tn.Roles {
		op := "ListRoleUsers"
		if r.Machine {
			op = "ListRoleApplications"
		}
		want[op] += pages(holders[r.ID])
	}
	for _, o := range tn.Organizations {
		want["ListOrganizationUsers"] += pages(len(o.Members))
		want["ListOrganizationApplications"] += pages(len(o.Apps))
	}
	assert.Equal(t, want, srv.RequestsByOp())
}

// TestEmailFilterLeavesApplicationsOut: with emails, applications (which
// have none) are not requested, and the members and invitations with
// those addresses are listed.
func TestEmailFilterLeavesApplicationsOut(t *testing.T) {
	tn := providertest.NewTenant("logto", 80, 3)
	emails := []string{tn.OrgInvitations[0].Invitee}
	for _, m := range tn.Organizations[0].Members {
		if u := tn.User(m.ID); u.Email != "" {
			emails = append(emails, u.Email)
			break
		}
	}
	require.Len(t, emails, 2)
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn})
	got, err := facade.Collect(open(t, srv, facade.Options{}).ListAssignments(context.Background(), &facade.ListOptions{Emails: emails}))
	require.NoError(t, err)
	assert.Equal(t, facadetest.Want(tn.FilterEmails(emails)), facadetest.Rows(t, got))
	ops := srv.RequestsByOp()
	assert.Zero(t, ops["ListRoleApplications"]+ops["ListOrganizationApplications"])
}

// TestSecretsNeverSurface: the applications' legacy secrets and
// customData, served with distinctive values, reach no assignment, no
// decoded record and no debug log line.
func TestSecretsNeverSurface(t *testing.T) {
	tn := providertest.NewTenant("logto", 60, 9)
	secrets := tn.Secrets()
	require.NotEmpty(t, secrets)
	var logs testkit.LogBuffer
	srv := providertest.NewServer(t, "logto", providertest.Options{Tenant: tn})
	got := testkit.List(t, open(t, srv, facade.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}))
	apps := 0
	hits := 0
	for _, a := range got {
		if a.Kind() == facade.Application {
			apps++
		}
		rec, err := json.Marshal(a.Record)
		require.NoError(t, err)
		text := fmt.Sprintf("%+v %s", a, rec)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				hits++
				t.Errorf("%s (%s): a secret-bearing value reached the assignment or its record", a.UserID, a.RoleName)
			}
		}
	}
	assert.Positive(t, apps)
	for _, s := range secrets {
		assert.NotContains(t, logs.String(), s)
	}
	assert.Zero(t, hits)
}
