package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
)

// TestE2EEveryProviderEveryFormat lists each provider alone, in every
// format, and compares the parsed output with the fake's oracle exactly.
func TestE2EEveryProviderEveryFormat(t *testing.T) {
	t.Parallel()
	for _, p := range providerNames {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			srv, e := fake(t, p, 14, providertest.Options{ShortPages: true})
			for _, format := range []string{"table", "json", "ndjson", "csv"} {
				r := exe(t, e, args([]string{"list", "--provider", p}, formatArgs(format), fast)...)
				require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
				require.Empty(t, r.stderr, "stderr is not a terminal: only warnings and errors")
				rows := parseReport(t, format, r.stdout)
				if format == "table" || format == "json" {
					requireSorted(t, rows)
				}
				require.Equal(t, wantRows(srv.Tenant()), oracle(rows, p), "format %s", format)
			}
		})
	}
}

// TestE2EAllProvidersAtOnce lists the four providers in one run, found from
// the environment alone.
func TestE2EAllProvidersAtOnce(t *testing.T) {
	t.Parallel()
	srvs, e := fakes(t, 10, providertest.Options{})
	for _, format := range []string{"json", "csv"} {
		r := exe(t, e, "list", "--format", format)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		rows := parseReport(t, format, r.stdout)
		for p, srv := range srvs {
			require.Equal(t, wantRows(srv.Tenant()), oracle(rows, p), "%s in %s", p, format)
		}
	}
}

// TestE2ELogtoAppCredentials uses Logto's machine-to-machine credentials.
func TestE2ELogtoAppCredentials(t *testing.T) {
	t.Parallel()
	srv, _ := fake(t, "logto", 8, providertest.Options{})
	e := env{"LOGTO_APP_ID": providertest.DefaultAppID, "LOGTO_APP_SECRET": providertest.DefaultAppSecret,
		"LOGTO_ENDPOINT": srv.URL()}
	r := exe(t, e, "list", "--format", "json")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	require.Equal(t, wantRows(srv.Tenant()), oracle(parseReport(t, "json", r.stdout), "logto"))
	require.Positive(t, srv.RequestsByOp()[providertest.OpToken])
}

// TestE2EUnauthenticated: one provider answers 401; its line names it, the
// status and what to do; the others' results are still written; exit 1.
func TestE2EUnauthenticated(t *testing.T) {
	t.Parallel()
	srvs, e := fakes(t, 8, providertest.Options{})
	e["OPENAI_ADMIN_KEY"] = "wrong-key-for-the-test"
	for _, format := range []string{"json", "ndjson"} {
		r := exe(t, e, args([]string{"list", "--format", format}, fast)...)
		require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
		lines := linesAbout(r.stderr, "openai:")
		require.Len(t, lines, 1, "stderr: %s", r.stderr)
		assert.Contains(t, lines[0], "401")
		assert.Contains(t, lines[0], "OPENAI_ADMIN_KEY", "what to do")
		assert.Empty(t, linesAbout(r.stderr, "cortex:"))
		assert.Contains(t, r.stderr, "1 of 4 providers failed")
		rows := parseReport(t, format, r.stdout)
		assert.Empty(t, oracle(rows, "openai"))
		for _, p := range []string{"cortex", "vectara", "logto"} {
			require.Equal(t, wantRows(srvs[p].Tenant()), oracle(rows, p), "%s", p)
		}
	}
}

// statusServer answers every request with status and a JSON body in the
// provider's rough shape, plus the given headers.
func statusServer(t *testing.T, status int, header http.Header, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestE2EErrorClasses runs one failing provider next to a healthy one for
// each error class.
func TestE2EErrorClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		provider string
		setup    func(t *testing.T) env
		want     []string // substrings of the failing provider's line
		maxTook  time.Duration
	}{
		{
			name: "403", provider: "cortex",
			setup: func(t *testing.T) env {
				return envFor("cortex", statusServer(t, 403, nil, `{"type":"forbidden","title":"Forbidden","status":403,"detail":"missing View Roles"}`), "tok-403-test")
			},
			want: []string{"403 forbidden", "View Roles"},
		},
		{
			name: "429 beyond the Retry-After cap", provider: "vectara",
			setup: func(t *testing.T) env {
				return envFor("vectara", statusServer(t, 429, http.Header{"Retry-After": {"3600"}}, `{"messages":["slow down"]}`), "tok-429-test")
			},
			want: []string{"429 too many requests", "wait 1h0m0s"}, maxTook: 10 * time.Second,
		},
		{
			name: "429 beyond the retries", provider: "logto",
			setup: func(t *testing.T) env {
				_, e := fake(t, "logto", 6, providertest.Options{Faults: providertest.Faults{Rate: 1,
					Kinds: []providertest.FaultKind{providertest.FaultRateLimitBare}}})
				return e
			},
			want: []string{"429 too many requests", "rate limit"},
		},
		{
			name: "5xx exhausted", provider: "openai",
			setup: func(t *testing.T) env {
				_, e := fake(t, "openai", 6, providertest.Options{Faults: providertest.Faults{Rate: 1,
					Kinds: []providertest.FaultKind{providertest.FaultServerError}}})
				return e
			},
			want: []string{"try again later"},
		},
		{
			name: "unreachable", provider: "cortex",
			setup: func(t *testing.T) env { return envFor("cortex", closedURL(t), "tok-unreachable") },
			// What to do depends on internal/httpx telling a refused
			// connection from a timeout.
			want: []string{"unavailable", "try again"},
		},
		{
			name: "schema-breaking body", provider: "vectara",
			setup: func(t *testing.T) env {
				return envFor("vectara", statusServer(t, 200, nil, `{"users":"not a list","metadata":{}}`), "tok-invalid")
			},
			want: []string{"invalid response", "rolecall verify"},
		},
		{
			name: "404 wrong base URL", provider: "openai",
			setup: func(t *testing.T) env {
				return envFor("openai", statusServer(t, 404, nil, `{"error":{"message":"Not found"}}`), "tok-404")
			},
			want: []string{"404 not found", "base URL"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := c.setup(t)
			healthy := "vectara"
			if c.provider == "vectara" {
				healthy = "cortex"
			}
			srv, he := fake(t, healthy, 6, providertest.Options{})
			r := exe(t, e.merge(he), args([]string{"list", "--format", "json"}, fast)...)
			require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
			lines := linesAbout(r.stderr, c.provider+":")
			require.Len(t, lines, 1, "one line for the failing provider; stderr: %s", r.stderr)
			for _, w := range c.want {
				assert.Contains(t, lines[0], w)
			}
			rows := parseReport(t, "json", r.stdout)
			require.Equal(t, wantRows(srv.Tenant()), oracle(rows, healthy), "the healthy provider is still written")
			if c.maxTook > 0 {
				assert.Less(t, r.took, c.maxTook)
			}
		})
	}
}

// TestE2EUsageErrors exits 2 with a message on stderr and nothing on
// stdout.
func TestE2EUsageErrors(t *testing.T) {
	t.Parallel()
	ok := envFor("cortex", "http://127.0.0.1:1", "tok")
	cases := []struct {
		name string
		env  env
		args []string
		want string
	}{
		{"no command", ok, nil, "Usage:"},
		{"unknown command", ok, []string{"lsit"}, `unknown command "lsit"`},
		{"unknown flag", ok, []string{"list", "--nope"}, "flag provided but not defined"},
		{"bad format", ok, []string{"list", "--format", "xml"}, `unknown format "xml"`},
		{"unknown provider", ok, []string{"list", "--provider", "okta"}, `unknown provider "okta"`},
		{"provider without credentials", ok, []string{"list", "--provider", "openai"}, "OPENAI_ADMIN_KEY is not set"},
		{"negative concurrency", ok, []string{"list", "--concurrency", "-1"}, "--concurrency"},
		{"huge concurrency", ok, []string{"list", "--concurrency", "9223372036854775807"}, "--concurrency must be between 1 and 1024"},
		{"a billion in flight", ok, []string{"list", "--concurrency", "1000000000"}, "--concurrency must be between 1 and 1024"},
		{"concurrency past int64", ok, []string{"list", "--concurrency", "9223372036854775808"}, "value out of range"},
		{"verify huge concurrency", ok, []string{"verify", "--concurrency", "1000000000"}, "--concurrency must be between"},
		{"record huge concurrency", ok, []string{"record", "--provider", "cortex", "--dir", "x", "--concurrency", "1000000000"}, "--concurrency must be between"},
		{"huge max retries", ok, []string{"list", "--max-retries", "1000000000"}, "--max-retries must be between 0 and 100"},
		{"huge retry wait", ok, []string{"list", "--retry-wait", "2562047h"}, "--retry-wait must be between"},
		{"timeout past int64", ok, []string{"list", "--timeout", "9999999999h"}, "invalid value"},
		{"bad timeout", ok, []string{"list", "--timeout", "soon"}, "invalid value"},
		{"bad email", ok, []string{"list", "--email", "nobody"}, "not an email address"},
		{"stray argument", ok, []string{"list", "cortex"}, `unexpected argument "cortex"`},
		{"plain http off loopback", env{"CORTEX_API_TOKEN": "tok", "CORTEX_BASE_URL": "http://example.com"},
			[]string{"list"}, "plain http is accepted only for loopback hosts"},
		{"logto without endpoint", env{"LOGTO_ACCESS_TOKEN": "tok"}, []string{"list"}, "LOGTO_ENDPOINT is not set"},
		{"vectara both credentials", env{"VECTARA_API_KEY": "k", "VECTARA_CLIENT_ID": "id", "VECTARA_CLIENT_SECRET": "s"},
			[]string{"list"}, "not both"},
		{"vectara half a client", env{"VECTARA_CLIENT_ID": "id"}, []string{"list"}, "VECTARA_CLIENT_SECRET"},
		{"diff one file", ok, []string{"diff", "a.json"}, "want two reports"},
		{"diff missing file", ok, []string{"diff", "nope-a.json", "nope-b.json"}, "no such file"},
		{"record without provider", ok, []string{"record", "--dir", "x"}, "--provider is required"},
		{"verify unknown provider", ok, []string{"verify", "--provider", "x"}, `unknown provider "x"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := exe(t, c.env, c.args...)
			require.Equal(t, 2, r.code, "stderr: %s", r.stderr)
			assert.Contains(t, r.stderr, c.want)
			assert.Empty(t, r.stdout)
		})
	}
}

// TestE2ENoCredentials names every variable and points at the demo.
func TestE2ENoCredentials(t *testing.T) {
	t.Parallel()
	r := exe(t, env{}, "list")
	require.Equal(t, 2, r.code)
	for _, v := range []string{"CORTEX_API_TOKEN", "OPENAI_ADMIN_KEY", "VECTARA_API_KEY", "VECTARA_CLIENT_ID",
		"VECTARA_CLIENT_SECRET", "LOGTO_ACCESS_TOKEN", "LOGTO_APP_ID", "LOGTO_APP_SECRET", "LOGTO_ENDPOINT", "rolecall demo"} {
		assert.Contains(t, r.stderr, v)
	}
	assert.Empty(t, r.stdout)
}

// TestE2EFailFast stops every provider at the first failure.
func TestE2EFailFast(t *testing.T) {
	t.Parallel()
	// Each request of the stuck provider takes a minute: a run that waited
	// for it takes that long, one that stops at the first failure does not
	// (the bound is the wait it must not sleep, not a measure of speed).
	_, stuck := fake(t, "openai", 40, providertest.Options{Latency: time.Minute})
	bad := envFor("cortex", statusServer(t, 401, nil, `{"message":"bad token"}`), "tok")

	r := exe(t, stuck.merge(bad), args([]string{"list", "--format", "json", "--fail-fast"}, fast)...)
	require.Equal(t, 1, r.code, "stderr: %s", r.stderr)
	require.Len(t, linesAbout(r.stderr, "cortex:"), 1)
	assert.Contains(t, r.stderr, "--fail-fast stopped openai")
	assert.Less(t, r.took, 30*time.Second, "the stuck provider was not waited for")
	assert.Empty(t, parseReport(t, "json", r.stdout), "a sorted report holds only complete providers")

	// Without --fail-fast the slow provider finishes.
	_, slow := fake(t, "openai", 40, providertest.Options{Latency: 150 * time.Millisecond})
	r = exe(t, slow.merge(bad), args([]string{"list", "--format", "json", "--concurrency", "16"}, fast)...)
	require.Equal(t, 1, r.code)
	assert.NotEmpty(t, oracle(parseReport(t, "json", r.stdout), "openai"))
}

// TestE2ETimeout stops at the --timeout deadline with a line per provider.
func TestE2ETimeout(t *testing.T) {
	t.Parallel()
	_, e := fake(t, "cortex", 5, providertest.Options{Latency: time.Minute})
	r := exe(t, e, "list", "--timeout", "300ms")
	require.Equal(t, 1, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	lines := linesAbout(r.stderr, "cortex:")
	require.Len(t, lines, 1, "stderr: %s", r.stderr)
	assert.Contains(t, lines[0], "--timeout of 300ms passed")
	assert.Less(t, r.took, 30*time.Second, "not the minute a request takes")
}

// TestE2ETimeoutWhileRateLimited stops a rate-limited listing at the
// --timeout, for a server that keeps answering 429 with a long hint and for
// the client's own budget (one request in 25 s, a tenant that needs more),
// and says the timeout passed, not that the provider is unavailable. Both
// waits are allowed (under the 30 s cap on a server's hint and
// --rate-limit-wait) and last 25 s, so a run that ends before them did not
// sleep them: the bound is the wait, far past what a loaded machine adds to
// the 1 s timeout (7.3 s seen with the package's parallel runs under load),
// not the timeout plus a margin.
func TestE2ETimeoutWhileRateLimited(t *testing.T) {
	t.Parallel()
	const wait = 25 * time.Second
	for name, tc := range map[string]struct {
		opts  providertest.Options
		extra []string
	}{
		"server 429s": {opts: providertest.Options{RateLimit: 1 / wait.Seconds(), Burst: 1}},
		"budget":      {extra: []string{"--rate-limit", fmt.Sprint(1 / wait.Seconds())}}, // a small budget the listing outruns
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, e := fake(t, "logto", 300, tc.opts)
			args := append([]string{"list", "--provider", "logto", "--timeout", "1s", "--rate-limit-wait", "1m"}, tc.extra...)
			r := exe(t, e, args...)
			require.Equal(t, 1, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			lines := linesAbout(r.stderr, "logto:")
			require.Len(t, lines, 1, "stderr: %s", r.stderr)
			assert.Contains(t, lines[0], "logto: stopped: the --timeout of 1s passed")
			assert.NotContains(t, lines[0], "check the network")
			assert.NotContains(t, lines[0], "Wait(n=")
			assert.Less(t, r.took, wait, "the %v wait was cut by the timeout, not slept", wait)
		})
	}
}

// TestE2EEmailFilter lists only the given users, matched
// case-insensitively.
func TestE2EEmailFilter(t *testing.T) {
	t.Parallel()
	for _, p := range providerNames {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			srv, e := fake(t, p, 12, providertest.Options{})
			var emails []string
			for _, u := range srv.Tenant().Users {
				if u.Email != "" && len(u.Grants) > 0 && len(emails) < 2 {
					emails = append(emails, u.Email)
				}
			}
			require.Len(t, emails, 2)
			flag := strings.ToUpper(emails[0]) + "," + emails[1]
			r := exe(t, e, "list", "--format", "ndjson", "--email", flag)
			require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
			got := oracle(parseReport(t, "ndjson", r.stdout), p)
			require.NotEmpty(t, got)
			require.Equal(t, wantRows(srv.Tenant().FilterEmails(emails)), got)
		})
	}
}

// TestE2EOutputFile writes the report to --output and nothing to stdout.
func TestE2EOutputFile(t *testing.T) {
	t.Parallel()
	srv, e := fake(t, "vectara", 9, providertest.Options{})
	for _, format := range []string{"csv", "table"} {
		file := filepath.Join(t.TempDir(), "report."+format)
		r := exe(t, e, args([]string{"list", "--output", file}, formatArgs(format))...)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stdout)
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		require.Equal(t, wantRows(srv.Tenant()), oracle(parseReport(t, format, string(data)), "vectara"))
	}
	r := exe(t, e, "list", "--output", filepath.Join(t.TempDir(), "no", "such", "dir", "r.csv"))
	require.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "--output")
}

// TestE2EDiff compares two listings of a tenant that changed between them.
func TestE2EDiff(t *testing.T) {
	t.Parallel()
	before := providertest.NewTenant("openai", 10, 3)
	after := providertest.NewTenant("openai", 10, 3)
	// Revoke a grant, grant a role, disable... OpenAI has no disabled; change
	// a user's name (changed) and a role's permissions (changed, for every
	// holder).
	var revokedUser, grantedUser, renamedUser string
	for i := range after.Users {
		u := &after.Users[i]
		switch {
		case revokedUser == "" && len(u.Grants) > 0:
			revokedUser = u.ID
			u.Grants = u.Grants[:len(u.Grants)-1]
		case grantedUser == "" && len(u.Grants) == 0:
			grantedUser = u.ID
			u.Grants = append(u.Grants, providertest.Grant{RoleID: after.Roles[0].ID})
		case renamedUser == "" && u.Name != "":
			renamedUser = u.ID
			u.Name += " Jr."
		}
	}
	require.NotEmpty(t, revokedUser)
	require.NotEmpty(t, grantedUser)
	require.NotEmpty(t, renamedUser)

	dir := t.TempDir()
	for i, tn := range []*providertest.Tenant{before, after} {
		srv := providertest.NewServer(t, "openai", providertest.Options{Tenant: tn})
		format := []string{"json", "ndjson"}[i]
		file := filepath.Join(dir, []string{"old.json", "new.ndjson"}[i])
		r := exe(t, envFor("openai", srv.URL(), srv.Token()), "list", "--format", format, "--output", file)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	}
	old, newer := filepath.Join(dir, "old.json"), filepath.Join(dir, "new.ndjson")

	r := exe(t, env{}, "diff", "--format", "json", old, newer)
	require.Equal(t, 1, r.code, "the reports differ: stderr: %s", r.stderr)
	assert.Empty(t, r.stderr, "both reports have complete run records: no warning")
	var d struct {
		Granted, Revoked []report.Row
		Changed          []struct {
			Fields   []string
			Old, New report.Row
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &d))
	require.Len(t, d.Revoked, 1)
	assert.Equal(t, revokedUser, d.Revoked[0].UserID)
	require.Len(t, d.Granted, 1)
	assert.Equal(t, grantedUser, d.Granted[0].UserID)
	// The renamed user's own rows change their name; the rows of the keys
	// the user owns, their owner's name.
	var wantOwn, wantOwned int
	for _, r := range after.Rows() {
		switch {
		case r.Principal == "user" && r.UserID == renamedUser:
			wantOwn++
		case r.OwnerID == renamedUser:
			wantOwned++
		}
	}
	var own, owned int
	for _, c := range d.Changed {
		switch {
		case c.New.Kind() == "user" && c.New.UserID == renamedUser:
			own++
			assert.Equal(t, []string{"name"}, c.Fields)
		case c.New.OwnerID == renamedUser:
			owned++
			assert.Equal(t, []string{"owner_name"}, c.Fields)
			assert.Equal(t, c.Old.OwnerName+" Jr.", c.New.OwnerName)
		default:
			t.Errorf("changed a row the rename does not touch: %+v", c)
		}
	}
	assert.Positive(t, wantOwn)
	assert.Equal(t, wantOwn, own, "the renamed user's rows")
	assert.Equal(t, wantOwned, owned, "the rows of the keys the renamed user owns")

	r = exe(t, env{}, "diff", old, newer)
	require.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "granted 1, revoked 1")
	assert.Regexp(t, "Granted \\(1\\):\n  \\+ openai \\S+ \\("+grantedUser+"\\): ", r.stdout)
	assert.Regexp(t, "Revoked \\(1\\):\n  - openai \\S+ \\("+revokedUser+"\\): ", r.stdout)
	assert.Contains(t, r.stdout, "Jr.")
	assert.NotContains(t, r.stdout, "WARNING")

	r = exe(t, env{}, "diff", old, old)
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "no differences")
}

// TestE2EDiffDisabled sees a suspended user as a change.
func TestE2EDiffDisabled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := `{"provider":"logto","user_id":"u1","email":"a@x.com","name":"A","username":"a","disabled":false,"role_id":"r1","role_name":"Admin","role_kind":"custom","scope":"","permissions":[],"via":""}` + "\n"
	newer := strings.Replace(old, `"disabled":false`, `"disabled":true`, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.ndjson"), []byte(old), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.ndjson"), []byte(newer), 0o600))
	r := exe(t, env{}, "diff", filepath.Join(dir, "a.ndjson"), filepath.Join(dir, "b.ndjson"))
	require.Equal(t, 1, r.code, r.stderr)
	assert.Contains(t, r.stdout, "Changed (1):")
	assert.Contains(t, r.stdout, "disabled: logto a@x.com (u1) (1 role)")
}

// TestE2EHelp: every command has --help with examples, on stdout, exit 0.
func TestE2EHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		r := exe(t, env{}, c.name, "--help")
		require.Equal(t, 0, r.code, c.name)
		assert.Contains(t, r.stdout, "Usage: rolecall "+c.name)
		assert.Contains(t, r.stdout, "Examples:", c.name)
		assert.Empty(t, r.stderr)
	}
	r := exe(t, env{}, "--help")
	require.Equal(t, 0, r.code)
	for _, c := range commands {
		assert.Contains(t, r.stdout, "  "+c.name+" ")
	}
}

// TestE2EVersion prints a version.
func TestE2EVersion(t *testing.T) {
	t.Parallel()
	r := exe(t, env{}, "version")
	require.Equal(t, 0, r.code)
	assert.Regexp(t, `^rolecall \S+ \(.*go1\.`, r.stdout)
}

// TestE2ENoSecretPrinted sets every credential to a sentinel, makes every
// provider fail in ways that could echo it, and checks that it never
// reaches stdout or stderr.
func TestE2ENoSecretPrinted(t *testing.T) {
	t.Parallel()
	const sentinel = "sk-SENTINEL-0123456789abcdefSECRET"
	// A server that echoes every credential it receives, in its body and a
	// header, with a 401.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		seen := r.Header.Get("Authorization") + " " + r.Header.Get("X-Api-Key") + " " + r.Form.Encode()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", seen)
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"message": "bad credential: " + seen, "error": seen,
			"error_description": seen, "messages": []string{seen}})
	}))
	t.Cleanup(echo.Close)
	// Fakes that expect another credential.
	_, fe := fakes(t, 4, providertest.Options{})

	runs := []env{
		{ // every provider at the echo server
			"CORTEX_API_TOKEN": sentinel, "CORTEX_BASE_URL": echo.URL,
			"OPENAI_ADMIN_KEY": sentinel, "OPENAI_BASE_URL": echo.URL,
			"VECTARA_API_KEY": sentinel, "VECTARA_BASE_URL": echo.URL,
			"LOGTO_ACCESS_TOKEN": sentinel, "LOGTO_ENDPOINT": echo.URL,
		},
		{ // the OAuth flows, with the sentinel as the client secret
			"VECTARA_CLIENT_ID": "id", "VECTARA_CLIENT_SECRET": sentinel, "VECTARA_AUTH_URL": echo.URL + "/oauth2/token",
			"VECTARA_BASE_URL": echo.URL,
			"LOGTO_APP_ID":     "id", "LOGTO_APP_SECRET": sentinel, "LOGTO_ENDPOINT": echo.URL,
		},
		{ // the fakes, with the wrong credential
			"CORTEX_API_TOKEN": sentinel, "CORTEX_BASE_URL": fe["CORTEX_BASE_URL"],
			"OPENAI_ADMIN_KEY": sentinel, "OPENAI_BASE_URL": fe["OPENAI_BASE_URL"],
			"VECTARA_API_KEY": sentinel, "VECTARA_BASE_URL": fe["VECTARA_BASE_URL"],
			"LOGTO_ACCESS_TOKEN": sentinel, "LOGTO_ENDPOINT": fe["LOGTO_ENDPOINT"],
		},
		{ // a usage error with secrets set
			"CORTEX_API_TOKEN": sentinel, "CORTEX_BASE_URL": "http://example.com/" + sentinel,
		},
	}
	for i, e := range runs {
		for _, a := range [][]string{{"list", "--verbose"}, {"verify", "--verbose"}, {"list", "--format", "ndjson", "--fail-fast"}} {
			r := exe(t, e, args(a, fast)...)
			require.NotEqual(t, 0, r.code, "run %d %v", i, a)
			require.NotContains(t, r.stdout, sentinel, "run %d %v", i, a)
			require.NotContains(t, r.stderr, sentinel, "run %d %v: stderr:\n%s", i, a, r.stderr)
			require.NotContains(t, r.stderr, "0123456789abcdef", "run %d %v: not even in part", i, a)
		}
	}
}

// TestE2EVerify checks every response of a listing of each provider against
// its spec: the fakes are spec-true, except Vectara's unknown role value,
// which is drift, not a violation.
func TestE2EVerify(t *testing.T) {
	t.Parallel()
	_, e := fakes(t, 8, providertest.Options{ShortPages: true})
	r := exe(t, e, args([]string{"verify"}, fast)...)
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	for _, p := range providerNames {
		lines := linesAbout(r.stdout, p+":")
		require.Len(t, lines, 1, "stdout: %s", r.stdout)
		assert.NotContains(t, lines[0], " 0 responses")
	}
	assert.Contains(t, linesAbout(r.stdout, "cortex:")[0], "no violation, no drift")
	assert.Contains(t, linesAbout(r.stdout, "vectara:")[0], "0 violations, 1 drift")
	assert.Contains(t, r.stdout, `unknown enum value "`+providertest.VectaraUnknownRole+`"`)
	assert.NotContains(t, r.stdout, "violation:")
}

// TestE2EVerifyViolation reports a body that breaks the schema, and exits
// 1.
func TestE2EVerifyViolation(t *testing.T) {
	t.Parallel()
	// A Vectara page whose user has "enabled" as a string and an undeclared
	// field.
	body := `{"users":[{"id":"u1","email":"a@x.com","username":"a","enabled":"yes","api_roles":["owner"],"surprise":1}],"metadata":{"page_key":""}}`
	url := statusServer(t, 200, nil, body)
	r := exe(t, envFor("vectara", url, "tok"), args([]string{"verify"}, fast)...)
	require.Equal(t, 1, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "violation: ")
	assert.Contains(t, r.stdout, "enabled")
	assert.Contains(t, r.stdout, "drift: ")
	assert.Contains(t, r.stdout, "surprise")
}

// TestE2ECredentialReturnedAsData: a provider that returns the credential
// as a role value and as a field name gets it into neither verify's
// findings nor the report; both say so on stderr.
func TestE2ECredentialReturnedAsData(t *testing.T) {
	t.Parallel()
	tok := "tok-" + strings.Repeat("7q", 8)
	body := `{"users":[{"id":"u1","email":"a@x.com","username":"a","enabled":true,"api_roles":["` + tok + `"],"` + tok + `":1}],"metadata":{"page_key":""}}`
	url := statusServer(t, 200, nil, body)
	for _, a := range [][]string{{"verify"}, {"list", "--format", "json"}} {
		r := exe(t, envFor("vectara", url, tok), args(a, fast)...)
		assert.NotContains(t, r.stdout, tok, "%v", a)
		assert.NotContains(t, r.stderr, tok, "%v", a)
		assert.Contains(t, r.stdout, "[REDACTED]", "%v", a)
		assert.Contains(t, r.stderr, "returned a credential as data", "%v", a)
	}
}

// TestE2ECtrlCDuringTokenExchange: Ctrl-C (SIGINT) ends a run held by a
// token endpoint that never answers within a second (issue 15).
func TestE2ECtrlCDuringTokenExchange(t *testing.T) {
	t.Parallel()
	done := make(chan struct{})
	asked := make(chan struct{}, 1) // the exchange is under way
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case asked <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(stuck.Close)
	t.Cleanup(func() { close(done) })
	api := statusServer(t, 200, nil, `{"users":[],"metadata":{"page_key":""}}`)
	cmd := exec.Command(binary, "list", "--provider", "vectara")
	cmd.Env = []string{"VECTARA_CLIENT_ID=app", "VECTARA_CLIENT_SECRET=" + strings.Repeat("s", 12),
		"VECTARA_AUTH_URL=" + stuck.URL, "VECTARA_BASE_URL=" + api}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	select {
	case <-asked:
	case <-time.After(time.Minute):
		t.Fatal("the token exchange never began")
	}
	sent := time.Now()
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	took := time.Since(sent)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	assert.Equal(t, 1, ee.ExitCode(), "stderr: %s", stderr.String())
	// The token endpoint never answers: a run that waited for it would
	// not end before the test does.
	assert.Less(t, took, 30*time.Second, "stderr: %s", stderr.String())
	assert.Contains(t, stderr.String(), "stopped")
}
