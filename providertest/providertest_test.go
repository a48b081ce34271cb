package providertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/gen/cortex"
	"github.com/rolecall/rolecall/gen/cortexadmin"
	"github.com/rolecall/rolecall/gen/logto"
	"github.com/rolecall/rolecall/gen/openai"
	"github.com/rolecall/rolecall/gen/vectara"
	"github.com/rolecall/rolecall/providertest"
)

// checker is an http.RoundTripper that validates every response the fake
// sends against the provider's spec.
type checker struct {
	base  http.RoundTripper
	doc   *specs.Document
	mount string // the fake's mount point, before the spec's own paths
	mu    sync.Mutex
	n     int
	errs  []string
}

func newChecker(t testing.TB, s *providertest.Server, provider string) *checker {
	t.Helper()
	doc, err := specs.Open(context.Background(), provider)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	return &checker{base: s.Client().Transport, doc: doc, mount: strings.TrimSuffix(u.Path, doc.BasePath)}
}

func (c *checker) client() *http.Client { return &http.Client{Transport: c} }

func (c *checker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if strings.HasSuffix(req.URL.Path, "/oidc/token") {
		return resp, nil
	}
	r2 := req.Clone(req.Context())
	r2.URL.Path = strings.TrimPrefix(req.URL.Path, c.mount)
	r2.URL.RawPath = strings.TrimPrefix(req.URL.RawPath, c.mount)
	route, params, err := c.doc.FindRoute(r2)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if err != nil {
		c.errs = append(c.errs, fmt.Sprintf("%s: no route: %v", req.URL, err))
		return resp, nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		for _, e := range flatten(err) {
			c.errs = append(c.errs, fmt.Sprintf("%s %d: %v", req.URL, resp.StatusCode, e))
		}
	}
	return resp, nil
}

// flatten splits kin-openapi's nested multi-errors into leaves.
func flatten(err error) []error {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Err != nil && re.Err != err {
		if inner := flatten(re.Err); len(inner) > 1 {
			return inner
		}
	}
	return []error{err}
}

// assertValid fails unless every response validated; for Vectara the
// tenant's one unknown enum value ("future_role") is the only allowed
// violation. It returns how many of those it saw.
func (c *checker) assertValid(t *testing.T, s *providertest.Server, provider string) (unknownEnums int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		t.Fatal("no response was checked")
	}
	enum := 0
	for _, e := range c.errs {
		if provider == "vectara" && strings.Contains(e, strconv.Quote(providertest.VectaraUnknownRole)) &&
			strings.Contains(e, "api_roles") {
			enum++
			continue
		}
		t.Errorf("response violates the %s spec: %s", provider, e)
	}
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("request violations: %v", v)
	}
	return enum
}

func hasUnknownRole(t *providertest.Tenant) bool {
	for _, u := range t.Users {
		for _, g := range u.Grants {
			if g.RoleID == providertest.VectaraUnknownRole {
				return true
			}
		}
	}
	return false
}

func bearer(tok string) func(context.Context, *http.Request) error {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
}

func sortRows(rows []providertest.Row) {
	slices.SortFunc(rows, func(a, b providertest.Row) int {
		return strings.Compare(a.UserID+"\x00"+a.RoleID+"\x00"+a.Scope+"\x00"+a.Principal, b.UserID+"\x00"+b.RoleID+"\x00"+b.Scope+"\x00"+b.Principal)
	})
}

// lister lists every assignment through the generated client, mapping the
// wire format by the report contract (independently of Tenant.Rows), with
// small pages so that listings span several.
type lister func(t *testing.T, s *providertest.Server, hc *http.Client, emails []string) []providertest.Row

var listers = map[string]lister{"cortex": listCortex, "openai": listOpenAI, "vectara": listVectara, "logto": listLogto}

func listCortex(t *testing.T, s *providertest.Server, hc *http.Client, emails []string) []providertest.Row {
	cl, err := cortexapi.NewClientWithResponses(s.URL(), cortexapi.WithHTTPClient(hc), cortexapi.WithRequestEditorFn(bearer(s.Token())))
	if err != nil {
		t.Fatal(err)
	}
	var rows []providertest.Row
	for page := 0; ; page++ {
		p := &cortexapi.GetUserRoleAssignmentsParams{Page: int32(page), PageSize: 7}
		if len(emails) > 0 {
			p.Email = &emails
		}
		resp, err := cl.GetUserRoleAssignmentsWithResponse(context.Background(), p)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("page %d: %v %s", page, err, resp.Body)
		}
		if int(resp.JSON200.Page) != page {
			t.Fatalf("page %d answered as %d", page, resp.JSON200.Page)
		}
		for _, u := range resp.JSON200.Users {
			for _, r := range u.Roles {
				row := providertest.Row{Provider: "cortex", UserID: u.Email, Email: u.Email, Name: u.Name, Principal: "user", ScopeKind: "workspace", Held: "direct"}
				if r.Type == cortexapi.AssignedRoleTypeBASIC {
					row.RoleID, row.RoleName, row.RoleKind = *r.Role, *r.Role, "builtin"
				} else {
					row.RoleID, row.RoleName, row.RoleKind = *r.Tag, *r.Name, "custom"
				}
				rows = append(rows, row)
			}
		}
		if page+1 >= int(resp.JSON200.TotalPages) {
			break
		}
	}
	if len(emails) == 0 { // keys have no address: an email filter keeps none
		rows = append(rows, listCortexKeys(t, s, hc)...)
	}
	sortRows(rows)
	return rows
}

// listCortexKeys lists the Cortex API keys' rows through gen/cortexadmin,
// pages of 3 from page 0.
func listCortexKeys(t *testing.T, s *providertest.Server, hc *http.Client) []providertest.Row {
	cl, err := cortexadminapi.NewClientWithResponses(s.URL(), cortexadminapi.WithHTTPClient(hc), cortexadminapi.WithRequestEditorFn(bearer(s.Token())))
	if err != nil {
		t.Fatal(err)
	}
	var rows []providertest.Row
	for page := int32(0); ; page++ {
		resp, err := cl.ListApiKeysWithResponse(context.Background(), &cortexadminapi.ListApiKeysParams{Page: page, PageSize: 3})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("keys page %d: %v %s", page, err, resp.Body)
		}
		if resp.JSON200.Page != page {
			t.Fatalf("keys page %d answered as %d", page, resp.JSON200.Page)
		}
		for _, k := range resp.JSON200.ApiKeys {
			for _, r := range k.Roles {
				row := providertest.Row{Provider: "cortex", UserID: k.Cid, Name: k.Name, Principal: "api_key", ScopeKind: "workspace", Held: "direct"}
				if r.Type == cortexadminapi.ApiKeyRoleTypeDEFAULT {
					row.RoleID, row.RoleName, row.RoleKind = string(*r.Role), string(*r.Role), "builtin"
				} else {
					row.RoleID, row.RoleName, row.RoleKind = *r.Tag, *r.Tag, "custom"
				}
				rows = append(rows, row)
			}
		}
		if page+1 >= resp.JSON200.TotalPages {
			break
		}
	}
	return rows
}

func listVectara(t *testing.T, s *providertest.Server, hc *http.Client, emails []string) []providertest.Row {
	cl, err := vectaraapi.NewClientWithResponses(s.URL(), vectaraapi.WithHTTPClient(hc),
		vectaraapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("x-api-key", s.Token())
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, e := range emails {
		want[strings.ToLower(e)] = true
	}
	var rows []providertest.Row
	limit := int32(7)
	p := &vectaraapi.ListUsersParams{Limit: &limit}
	for {
		resp, err := cl.ListUsersWithResponse(context.Background(), p)
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("users: %v %s", err, resp.Body)
		}
		for _, u := range *resp.JSON200.Users {
			if len(want) > 0 && !want[strings.ToLower(*u.Email)] {
				continue
			}
			base := providertest.Row{Provider: "vectara", UserID: *u.Id, Email: *u.Email, Username: *u.Username, Disabled: !*u.Enabled, RoleKind: "builtin",
				Principal: "user", Held: "direct"}
			for _, r := range *u.ApiRoles {
				row := base
				row.RoleID, row.RoleName, row.ScopeKind = string(r), string(r), "account"
				rows = append(rows, row)
			}
			for _, r := range *u.CorpusRoles {
				row := base
				row.RoleID, row.RoleName, row.Scope = string(r.Role), string(r.Role), "corpus/"+r.CorpusKey
				row.ScopeKind, row.ScopeID = "corpus", r.CorpusKey
				rows = append(rows, row)
			}
			for _, r := range *u.AgentRoles {
				row := base
				row.RoleID, row.RoleName, row.Scope = string(r.Role), string(r.Role), "agent/"+r.AgentKey
				row.ScopeKind, row.ScopeID = "agent", r.AgentKey
				rows = append(rows, row)
			}
		}
		md := resp.JSON200.Metadata
		if md == nil || md.PageKey == nil || *md.PageKey == "" {
			break
		}
		p.PageKey = md.PageKey
	}
	rows = vectaraGraph(t, cl, rows, len(emails) > 0)
	sortRows(rows)
	return rows
}

// logtoToken gets an access token from the fake's token endpoint.
func logtoToken(t *testing.T, s *providertest.Server, hc *http.Client) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://default.logto.app/api"}, "scope": {"all"}}
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(providertest.DefaultAppID, providertest.DefaultAppSecret)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token: %d %v %+v", resp.StatusCode, err, tok)
	}
	return tok.AccessToken
}

var linkRe = regexp.MustCompile(`^<([^>]*)>; rel="([a-z]+)"$`)

// links parses the Link header lines into rel → page number.
func links(t *testing.T, h http.Header) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, l := range h.Values("Link") {
		m := linkRe.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("bad Link %q", l)
		}
		u, err := url.Parse(m[1])
		if err != nil || !u.IsAbs() {
			t.Fatalf("Link URL %q is not absolute: %v", m[1], err)
		}
		out[m[2]], _ = strconv.Atoi(u.Query().Get("page"))
	}
	return out
}

func listLogto(t *testing.T, s *providertest.Server, hc *http.Client, emails []string) []providertest.Row {
	tok := logtoToken(t, s, hc)
	cl, err := logtoapi.NewClientWithResponses(s.URL(), logtoapi.WithHTTPClient(hc), logtoapi.WithRequestEditorFn(bearer(tok)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var roles []logtoapi.RoleWithStats
	page, size, typ := 1, 2, logtoapi.RoleTypeUser
	for {
		resp, err := cl.ListRolesWithResponse(ctx, &logtoapi.ListRolesParams{Page: &page, PageSize: &size, Type: &typ})
		if err != nil || resp.JSON200 == nil {
			t.Fatalf("roles: %v %s", err, resp.Body)
		}
		roles = append(roles, *resp.JSON200...)
		next, ok := links(t, resp.HTTPResponse.Header)["next"]
		if !ok {
			break
		}
		page = next
	}
	searches := []*string{nil}
	if len(emails) > 0 {
		searches = nil
		for _, e := range emails {
			searches = append(searches, &e)
		}
	}
	var rows []providertest.Row
	exact := logtoapi.SearchModeExact
	for _, r := range roles {
		if r.Type != logtoapi.RoleTypeUser {
			t.Fatalf("type=User listed %s role %s", r.Type, r.Id)
		}
		for _, search := range searches {
			page, size := 1, 4
			for {
				p := &logtoapi.ListRoleUsersParams{Page: &page, PageSize: &size}
				if search != nil {
					p.SearchPrimaryEmail, p.ModePrimaryEmail = search, &exact
				}
				resp, err := cl.ListRoleUsersWithResponse(ctx, r.Id, p)
				if err != nil || resp.JSON200 == nil {
					t.Fatalf("users of %s: %v %s", r.Id, err, resp.Body)
				}
				for _, u := range *resp.JSON200 {
					rows = append(rows, providertest.Row{Provider: "logto", UserID: u.Id, Email: deref(u.PrimaryEmail), Name: deref(u.Name),
						Username: deref(u.Username), Disabled: u.IsSuspended, RoleID: r.Id, RoleName: r.Name, RoleKind: "custom",
						Permissions: logtoRoleScopes(t, cl, r.Id), Principal: "user", ScopeKind: "tenant", Held: "direct"})
				}
				next, ok := links(t, resp.HTTPResponse.Header)["next"]
				if !ok {
					break
				}
				page = next
			}
		}
	}
	rows = append(rows, listLogtoGraph(t, cl, emails)...)
	sortRows(rows)
	return rows
}

// rowDiff describes how two sorted row lists differ, briefly.
func rowDiff(got, want []providertest.Row) string {
	key := func(r providertest.Row) string { return fmt.Sprintf("%+v", r) }
	in := func(rows []providertest.Row) map[string]bool {
		m := map[string]bool{}
		for _, r := range rows {
			m[key(r)] = true
		}
		return m
	}
	g, w := in(got), in(want)
	var missing, extra []string
	for _, r := range want {
		if !g[key(r)] && len(missing) < 5 {
			missing = append(missing, key(r))
		}
	}
	for _, r := range got {
		if !w[key(r)] && len(extra) < 5 {
			extra = append(extra, key(r))
		}
	}
	return fmt.Sprintf("got %d rows, want %d\nmissing (first 5): %v\nextra (first 5): %v", len(got), len(want), missing, extra)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TestListEverything drives each fake with its generated client through
// every page, with and without short pages, and with an email filter, and
// checks the listing against Tenant.Rows and every response against the spec.
func TestListEverything(t *testing.T) {
	for _, provider := range drivers.Names() {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			tenant := providertest.NewTenant(provider, 40, 7)
			var plain int64
			for _, short := range []bool{false, true} {
				s := providertest.NewServer(t, provider, providertest.Options{Tenant: tenant, ShortPages: short})
				c := newChecker(t, s, provider)
				got := listers[provider](t, s, c.client(), nil)
				want := tenant.Rows()
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("short=%v: listing differs from Rows: %s", short, rowDiff(got, want))
				}
				if enums := c.assertValid(t, s, provider); hasUnknownRole(tenant) && enums == 0 {
					t.Errorf("the unknown api role %q did not show up as an enum violation", providertest.VectaraUnknownRole)
				}
				if short {
					if s.Requests() <= plain {
						t.Errorf("short pages took %d requests, no more than full pages (%d)", s.Requests(), plain)
					}
				} else {
					plain = s.Requests()
				}
			}

			var emails []string
			for _, u := range tenant.Users[5:9] {
				if u.Email != "" {
					emails = append(emails, strings.ToUpper(u.Email))
				}
			}
			emails = append(emails, "nobody@example.com")
			s := providertest.NewServer(t, provider, providertest.Options{Tenant: tenant, ShortPages: true})
			c := newChecker(t, s, provider)
			got := listers[provider](t, s, c.client(), emails)
			want := tenant.FilterEmails(emails).Rows()
			if len(want) == 0 {
				t.Fatal("the filter keeps no assignment")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("filtered listing differs: %s", rowDiff(got, want))
			}
			c.assertValid(t, s, provider)
		})
	}
}

func TestNewTenant(t *testing.T) {
	for _, provider := range drivers.Names() {
		t.Run(provider, func(t *testing.T) {
			a, b := providertest.NewTenant(provider, 200, 3), providertest.NewTenant(provider, 200, 3)
			if !reflect.DeepEqual(a, b) {
				t.Fatal("same seed, different tenants")
			}
			if reflect.DeepEqual(a, providertest.NewTenant(provider, 200, 4)) {
				t.Fatal("different seeds, same tenant")
			}
			if len(a.Users) != 200 {
				t.Fatalf("%d users", len(a.Users))
			}
			ids, none, several, disabled, unknown := map[string]bool{}, 0, 0, 0, 0
			for _, u := range a.Users {
				if ids[u.ID] {
					t.Fatalf("duplicate user id %s", u.ID)
				}
				ids[u.ID] = true
				switch {
				case len(u.Grants) == 0:
					none++
				case len(u.Grants) > 1:
					several++
				}
				if u.Disabled {
					disabled++
				}
				seen := map[string]bool{}
				for _, g := range u.Grants {
					if a.Role(g.RoleID) == nil {
						t.Errorf("user %s holds %s, not in the catalogue", u.ID, g.RoleID)
					}
					if seen[g.RoleID+" "+g.Scope] {
						t.Errorf("user %s holds %s %q twice", u.ID, g.RoleID, g.Scope)
					}
					seen[g.RoleID+" "+g.Scope] = true
					if g.RoleID == providertest.VectaraUnknownRole {
						unknown++
					}
				}
			}
			if none == 0 || several == 0 {
				t.Errorf("%d users without roles, %d with several", none, several)
			}
			if wantDisabled := provider == "vectara" || provider == "logto"; wantDisabled != (disabled > 0) {
				t.Errorf("%d disabled users", disabled)
			}
			if want := map[bool]int{true: 1}[provider == "vectara"]; unknown != want {
				t.Errorf("%d unknown role values, want %d", unknown, want)
			}
			rows := a.Rows()
			if !slices.IsSortedFunc(rows, func(x, y providertest.Row) int {
				return strings.Compare(x.UserID+"\x00"+x.RoleID+"\x00"+x.Scope, y.UserID+"\x00"+y.RoleID+"\x00"+y.Scope)
			}) {
				t.Error("rows are not sorted")
			}
			switch provider {
			case "logto":
				machine, userRoles := 0, 0
				for _, r := range a.Roles {
					if r.Machine {
						machine++
					} else {
						userRoles++
					}
				}
				if machine != 2 || userRoles != 4 {
					t.Errorf("%d machine roles, %d user roles", machine, userRoles)
				}
				for _, r := range rows {
					if r.Principal == "user" && r.ScopeKind == "tenant" && a.Role(r.RoleID).Machine {
						t.Errorf("machine role %s in rows", r.RoleID)
					}
				}
				nullEmail := 0
				for _, u := range a.Users {
					if u.Email == "" {
						nullEmail++
					}
				}
				if nullEmail == 0 {
					t.Error("no user without a primary email")
				}
			case "openai":
				via := 0
				for _, r := range rows {
					if r.Via != "" {
						via++
					}
				}
				if via == 0 || len(rows) < len(a.Users) {
					t.Errorf("%d rows, %d via groups", len(rows), via)
				}
			}
		})
	}
}

func TestFilterEmails(t *testing.T) {
	tenant := providertest.NewTenant("cortex", 30, 1)
	e := tenant.Users[3].Email
	f := tenant.FilterEmails([]string{strings.ToUpper(e), "nobody@example.com"})
	if len(f.Users) != 1 || f.Users[0].Email != e || len(f.Roles) != len(tenant.Roles) {
		t.Fatalf("%+v", f)
	}
}

// TestUsersOnly checks that a users-only tenant's oracle is its full
// tenant's users' rows (tenant-wide: Logto's organization memberships
// go with the organizations), that it has no other principal, and that
// the full tenant is left as it was.
func TestUsersOnly(t *testing.T) {
	for _, p := range []string{"cortex", "vectara", "logto"} {
		full := providertest.NewTenant(p, 200, 1)
		before := len(full.Rows())
		var want []providertest.Row
		for _, r := range full.Rows() {
			if r.Principal == "user" && r.ScopeKind != "logto_organization" {
				want = append(want, r)
			}
		}
		u := full.UsersOnly()
		got := u.Rows()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: UsersOnly has %d rows, want the full tenant's %d user rows", p, len(got), len(want))
		}
		if len(got) == 0 || len(got) == before {
			t.Errorf("%s: %d users-only rows of %d: the tenant has no graph to drop", p, len(got), before)
		}
		if n := len(full.Rows()); n != before {
			t.Errorf("%s: UsersOnly changed the full tenant: %d rows, was %d", p, n, before)
		}
	}
}

// get sends a GET with the server's credential (unless tok is "-").
func get(t *testing.T, hc *http.Client, rawURL, tok string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "-" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// firstPath is a valid first-page request per provider.
var firstPath = map[string]string{
	"cortex":  "/api/v1/users/roles?page=0&pageSize=5",
	"openai":  "/organization/users?limit=5",
	"vectara": "/v2/users?limit=5",
	"logto":   "/api/roles?page=1&page_size=5",
}

func TestAuth(t *testing.T) {
	for _, provider := range drivers.Names() {
		t.Run(provider, func(t *testing.T) {
			s := providertest.NewServer(t, provider, providertest.Options{Token: "s3cret-value"})
			c := newChecker(t, s, provider)
			for _, tok := range []string{"-", "wrong"} {
				resp, body := get(t, c.client(), s.URL()+firstPath[provider], tok)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("token %q: %d %s", tok, resp.StatusCode, body)
				}
				if bytes.Contains(body, []byte("s3cret")) || bytes.Contains(body, []byte("wrong")) {
					t.Errorf("error body echoes a credential: %s", body)
				}
				want := map[string]string{"cortex": `"type":"UNCATEGORIZED"`, "openai": `"code":"invalid_api_key"`,
					"vectara": `"request_id":"req_`, "logto": `"code":"auth.unauthorized"`}[provider]
				if !bytes.Contains(body, []byte(want)) {
					t.Errorf("401 body %s lacks %s", body, want)
				}
			}
			resp, body := get(t, c.client(), s.URL()+firstPath[provider], "s3cret-value")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			c.assertValid(t, s, provider)
			if provider == "vectara" { // x-api-key works too
				req, _ := http.NewRequest(http.MethodGet, s.URL()+firstPath[provider], nil)
				req.Header.Set("x-api-key", "s3cret-value")
				resp, err := s.Client().Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("x-api-key: %v %v", err, resp)
				}
				resp.Body.Close()
			}
		})
	}
}

func TestLogtoToken(t *testing.T) {
	s := providertest.NewServer(t, "logto", providertest.Options{Token: "issued-token"})
	if got := logtoToken(t, s, s.Client()); got != "issued-token" {
		t.Fatalf("token %q", got)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://default.logto.app/api"}, "scope": {"all"}}
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(providertest.DefaultAppID, "not-the-secret")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !bytes.Contains(body, []byte(`"error":"invalid_client"`)) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if n := s.RequestsByOp()[providertest.OpToken]; n != 2 {
		t.Fatalf("%d token requests counted", n)
	}
	if len(s.Violations()) != 0 {
		t.Fatal(s.Violations())
	}
}

func TestLogtoPagination(t *testing.T) {
	s := providertest.NewServer(t, "logto", providertest.Options{Tenant: providertest.NewTenant("logto", 200, 1)})
	c := newChecker(t, s, "logto")
	role := s.Tenant().Roles[0]
	members := 0
	for _, u := range s.Tenant().Users {
		for _, g := range u.Grants {
			if g.RoleID == role.ID {
				members++
			}
		}
	}
	base := s.URL() + "/api/roles/" + role.ID + "/users?page_size=10&search.name=%25&page="
	resp, body := get(t, c.client(), base+"2", s.Token())
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var users []map[string]any
	if err := json.Unmarshal(body, &users); err != nil || len(users) != 10 {
		t.Fatalf("%d users, %v", len(users), err)
	}
	named := 0
	for _, u := range s.Tenant().Users {
		for _, g := range u.Grants {
			if g.RoleID == role.ID && u.Name != "" {
				named++
			}
		}
	}
	if got := resp.Header.Get("Total-Number"); got != strconv.Itoa(named) {
		t.Fatalf("Total-Number %s, want %d (of %d members)", got, named, members)
	}
	last := (named + 9) / 10
	if got, want := links(t, resp.Header), map[string]int{"first": 1, "prev": 1, "next": 3, "last": last}; !reflect.DeepEqual(got, want) {
		t.Fatalf("links %v, want %v", got, want)
	}
	if n := len(resp.Header.Values("Link")); n != 4 {
		t.Fatalf("%d Link lines", n)
	}
	for _, l := range resp.Header.Values("Link") {
		if !strings.Contains(l, "search.name=%25") || !strings.Contains(l, "page_size=10") || !strings.HasPrefix(l, "<http://127.0.0.1:") {
			t.Errorf("Link %q lost a query parameter or is not absolute", l)
		}
	}
	// Past the end: 200 [] with first, last and prev.
	resp, body = get(t, c.client(), base+strconv.Itoa(last+5), s.Token())
	if resp.StatusCode != 200 || string(body) != "[]" {
		t.Fatalf("past the end: %d %s", resp.StatusCode, body)
	}
	if got := links(t, resp.Header); got["next"] != 0 || got["prev"] != last+4 || got["last"] != last {
		t.Fatalf("past the end links %v", got)
	}
	// Unknown role.
	resp, body = get(t, c.client(), s.URL()+"/api/roles/nosuchrole/users", s.Token())
	if resp.StatusCode != 404 || !bytes.Contains(body, []byte(`"code":"entity.not_exists_with_id"`)) {
		t.Fatalf("unknown role: %d %s", resp.StatusCode, body)
	}
	// A MachineToMachine role's members are served (to catch clients that
	// forget type=User) but are not in Rows.
	var m2m providertest.Role
	for _, r := range s.Tenant().Roles {
		if r.Machine {
			m2m = r
		}
	}
	resp, body = get(t, c.client(), s.URL()+"/api/roles/"+m2m.ID+"/users", s.Token())
	if resp.StatusCode != 200 || resp.Header.Get("Total-Number") == "0" {
		t.Fatalf("machine role members: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	// type=MachineToMachine lists exactly the two machine roles.
	resp, body = get(t, c.client(), s.URL()+"/api/roles?type=MachineToMachine", s.Token())
	if resp.StatusCode != 200 || resp.Header.Get("Total-Number") != "2" {
		t.Fatalf("machine roles: %d %s", resp.StatusCode, body)
	}
	// ListUserRoles: only User roles.
	var u providertest.User
	for _, x := range s.Tenant().Users {
		if len(x.Grants) > 1 {
			u = x
			break
		}
	}
	resp, body = get(t, c.client(), s.URL()+"/api/users/"+u.ID+"/roles", s.Token())
	if resp.StatusCode != 200 || resp.Header.Get("Total-Number") != strconv.Itoa(len(u.Grants)) {
		t.Fatalf("user roles: %d %s", resp.StatusCode, body)
	}
	c.assertValid(t, s, "logto")
}

func TestLogtoPageSizeLimit(t *testing.T) {
	// Above the spec's maximum: a violation, answered as Logto does.
	s := providertest.NewServer(t, "logto", providertest.Options{ExpectViolations: true})
	resp, body := get(t, s.Client(), s.URL()+"/api/roles?page_size=101", s.Token())
	if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"code":"guard.invalid_pagination"`)) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0], "page_size") {
		t.Fatalf("violations %v", v)
	}
	resp, body = get(t, s.Client(), s.URL()+"/api/roles?page_size=100", s.Token())
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

	// Above a configured maximum but within the spec: Logto's 400, no violation.
	s = providertest.NewServer(t, "logto", providertest.Options{MaxPageSize: 50})
	resp, body = get(t, s.Client(), s.URL()+"/api/roles?page_size=80", s.Token())
	if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"code":"guard.invalid_pagination"`)) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// The others clamp.
	c := providertest.NewServer(t, "cortex", providertest.Options{MaxPageSize: 4})
	resp, body = get(t, c.Client(), c.URL()+"/api/v1/users/roles?page=0&pageSize=1000", c.Token())
	var page cortexapi.UserRoleAssignmentsResponse
	if err := json.Unmarshal(body, &page); err != nil || resp.StatusCode != 200 || len(page.Users) != 4 || page.TotalPages != 7 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestCortexPages(t *testing.T) {
	tenant := providertest.NewTenant("cortex", 10, 1)
	s := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tenant})
	c := newChecker(t, s, "cortex")
	var page cortexapi.UserRoleAssignmentsResponse
	_, body := get(t, c.client(), s.URL()+"/api/v1/users/roles?page=3&pageSize=3", s.Token())
	if err := json.Unmarshal(body, &page); err != nil || page.Total != 10 || page.TotalPages != 4 || len(page.Users) != 1 || page.Page != 3 {
		t.Fatalf("%s", body)
	}
	_, body = get(t, c.client(), s.URL()+"/api/v1/users/roles?page=9&pageSize=3", s.Token())
	if err := json.Unmarshal(body, &page); err != nil || len(page.Users) != 0 || page.TotalPages != 4 {
		t.Fatalf("past the end: %s", body)
	}
	_, body = get(t, c.client(), s.URL()+"/api/v1/users/roles?page=0&pageSize=3&email=nobody@example.com", s.Token())
	if err := json.Unmarshal(body, &page); err != nil || page.Total != 0 || page.TotalPages != 0 || page.Users == nil {
		t.Fatalf("empty: %s", body)
	}
	c.assertValid(t, s, "cortex")
}

func TestOpenAIErrors(t *testing.T) {
	s := providertest.NewServer(t, "openai", providertest.Options{})
	c := newChecker(t, s, "openai")
	resp, body := get(t, c.client(), s.URL()+"/organization/users/user-nosuchuser/roles", s.Token())
	if resp.StatusCode != 404 || !bytes.Contains(body, []byte(`"type":"invalid_request_error"`)) || resp.Header.Get("X-Request-Id") == "" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	u := s.Tenant().Users[0]
	resp, body = get(t, c.client(), s.URL()+"/organization/users/"+u.ID+"/roles?after=garbage", s.Token())
	if resp.StatusCode != 400 || !bytes.Contains(body, []byte(`"param":"after"`)) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, body = get(t, c.client(), s.URL()+"/organization/roles", s.Token())
	var roles openaiapi.PublicRoleListResource
	orgRoles := 0 // list-roles serves the organization roles; list-project-roles the others
	for _, r := range s.Tenant().Roles {
		if r.ResourceType != providertest.OpenAIProjectScope {
			orgRoles++
		}
	}
	if err := json.Unmarshal(body, &roles); err != nil || resp.StatusCode != 200 || len(roles.Data) != orgRoles || roles.HasMore || roles.Next != nil {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	c.assertValid(t, s, "openai")
}

func TestVectaraEnd(t *testing.T) {
	for _, end := range []string{"", "absent"} {
		s := providertest.NewServer(t, "vectara", providertest.Options{VectaraEndKey: end, Tenant: providertest.NewTenant("vectara", 5, 1)})
		_, body := get(t, s.Client(), s.URL()+"/v2/users?limit=100", s.Token())
		want := map[string]string{"": `"metadata":{"page_key":""}}`, "absent": `"metadata":{}}`}[end]
		if !bytes.HasSuffix(body, []byte(want)) {
			t.Errorf("end %q: %s", end, body)
		}
	}
	s := providertest.NewServer(t, "vectara", providertest.Options{})
	c := newChecker(t, s, "vectara")
	resp, body := get(t, c.client(), s.URL()+"/v2/users?corpus_key=no-such-corpus", s.Token())
	if resp.StatusCode != 404 || !bytes.Contains(body, []byte(`"id":"no-such-corpus"`)) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	u := s.Tenant().Users[0]
	resp, body = get(t, c.client(), s.URL()+"/v2/users/"+url.PathEscape(u.Username), s.Token())
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(u.ID)) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, _ = get(t, c.client(), s.URL()+"/v2/users/nobody", s.Token())
	if resp.StatusCode != 404 {
		t.Fatalf("%d", resp.StatusCode)
	}
	c.assertValid(t, s, "vectara")
}

// captureTB records Errorf calls instead of failing the test.
type captureTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (c *captureTB) Helper() {}

func (c *captureTB) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}

func TestViolationsFailTheTest(t *testing.T) {
	cases := []struct {
		provider, path string
		status         int
		body           string
	}{
		{"cortex", "/api/v1/users/roles?page=0", 400, `"type":"BAD_REQUEST"`}, // pageSize is required
		{"openai", "/organization/users?limit=500", 400, `"param":"limit"`},
		{"openai", "/organization/users/u1/roles?order=sideways", 400, `"param":"order"`},
		{"vectara", "/v2/users?limit=0", 400, `"messages":[`},
		{"logto", "/api/roles?page=0", 400, `"code":"guard.invalid_pagination"`},
		{"logto", "/api/roles?type=Robot", 400, `"code":"guard.invalid_input"`},
		{"cortex", "/api/v1/nothing-here", 404, `"type":"NOT_FOUND"`},
		{"openai", "/organization/users?emails%5B%5D=a@example.com", 400, `not declared`}, // emails[] is not emails
	}
	for _, tc := range cases {
		ctb := &captureTB{TB: t}
		s := providertest.NewServer(ctb, tc.provider, providertest.Options{})
		resp, body := get(t, s.Client(), s.URL()+tc.path, s.Token())
		if resp.StatusCode != tc.status || !bytes.Contains(body, []byte(tc.body)) {
			t.Errorf("%s %s: %d %s", tc.provider, tc.path, resp.StatusCode, body)
		}
		if len(ctb.errs) != 1 || len(s.Violations()) != 1 {
			t.Errorf("%s %s: Errorf %v, violations %v", tc.provider, tc.path, ctb.errs, s.Violations())
		}
		if bytes.Contains(body, []byte(s.Token())) {
			t.Errorf("body echoes the token: %s", body)
		}
	}
}

func TestRequestCounting(t *testing.T) {
	s := providertest.NewServer(t, "openai", providertest.Options{})
	hc := s.Client()
	for range 3 {
		get(t, hc, s.URL()+"/organization/users", s.Token())
	}
	get(t, hc, s.URL()+"/organization/roles", s.Token())
	get(t, hc, s.URL()+"/organization/users/"+s.Tenant().Users[1].ID+"/roles", "-") // 401 still counts
	want := map[string]int64{"list-users": 3, "list-roles": 1, "list-user-role-assignments": 1}
	if got := s.RequestsByOp(); !reflect.DeepEqual(got, want) || s.Requests() != 5 || s.Faults() != 0 {
		t.Fatalf("by op %v, total %d", got, s.Requests())
	}
}

func TestRateLimit(t *testing.T) {
	for _, provider := range drivers.Names() {
		t.Run(provider, func(t *testing.T) {
			s := providertest.NewServer(t, provider, providertest.Options{RateLimit: 0.5, Burst: 3})
			c := newChecker(t, s, provider)
			for i := range 3 {
				if resp, body := get(t, c.client(), s.URL()+firstPath[provider], s.Token()); resp.StatusCode != 200 {
					t.Fatalf("request %d in the burst: %d %s", i, resp.StatusCode, body)
				}
			}
			resp, body := get(t, c.client(), s.URL()+firstPath[provider], s.Token())
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("beyond the burst: %d %s", resp.StatusCode, body)
			}
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
				t.Fatalf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
			if provider == "cortex" {
				if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" || !bytes.Contains(body, []byte(`"retryAfter":`)) {
					t.Fatalf("%s %s", ct, body)
				}
			}
			if provider != "logto" { // Logto documents no 429 for these operations
				c.assertValid(t, s, provider)
			}
		})
	}
}

func TestLatency(t *testing.T) {
	s := providertest.NewServer(t, "cortex", providertest.Options{Latency: 30 * time.Millisecond})
	start := time.Now()
	get(t, s.Client(), s.URL()+firstPath["cortex"], s.Token())
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("answered in %v", d)
	}
}

// faultRun sends a fixed sequence of requests, each on a fresh connection,
// and describes each outcome.
func faultRun(t *testing.T, provider string, f providertest.Faults) ([]string, int64) {
	f.SlowDelay = time.Millisecond
	s := providertest.NewServer(t, provider, providertest.Options{Faults: f})
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var out []string
	for i := range 120 {
		// Four distinct URLs, each requested many times.
		req, _ := http.NewRequest(http.MethodGet, s.URL()+strings.Replace(firstPath[provider], "5", strconv.Itoa(5+i%4), 1), nil)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		out = append(out, outcome(hc, req))
	}
	if len(s.Violations()) != 0 {
		t.Fatal(s.Violations())
	}
	return out, s.Faults()
}

// outcome sends req and describes what came back: "conn-error", the status
// ("200-truncated" for a body cut off), and for a 429 its Retry-After
// ("429-1", "429-date", "429-bare").
func outcome(hc *http.Client, req *http.Request) string {
	resp, err := hc.Do(req)
	if err != nil {
		return "conn-error"
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return fmt.Sprintf("%d-truncated", resp.StatusCode)
	case resp.StatusCode == 429:
		ra := resp.Header.Get("Retry-After")
		switch {
		case ra == "":
			return "429-bare"
		case strings.HasSuffix(ra, "GMT"):
			return "429-date"
		default:
			return "429-" + ra
		}
	}
	return strconv.Itoa(resp.StatusCode)
}

// TestFaultSequence checks that Faults.Sequence is served exactly: a
// request chosen at its first call gets a 429 of one of the three kinds,
// then a 5xx, then a cut body, then its answer; a request not chosen is
// answered every time; the choice is the seed's.
func TestFaultSequence(t *testing.T) {
	f := providertest.Faults{Seed: 5, Rate: 0.5, Sequence: [][]providertest.FaultKind{
		{providertest.FaultRateLimit, providertest.FaultRateLimitDate, providertest.FaultRateLimitBare},
		{providertest.FaultServerError},
		{providertest.FaultTruncate},
	}}
	run := func(f providertest.Faults) (chosen []bool, kinds map[string]bool) {
		s := providertest.NewServer(t, "openai", providertest.Options{Faults: f})
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		kinds = map[string]bool{}
		faults := 0
		for i := range 24 { // 24 distinct URLs, each called 5 times
			var got []string
			for range 5 {
				req, _ := http.NewRequest(http.MethodGet, s.URL()+"/organization/users?limit="+strconv.Itoa(i+1), nil)
				req.Header.Set("Authorization", "Bearer "+s.Token())
				got = append(got, outcome(hc, req))
			}
			if got[0] == "200" {
				if want := []string{"200", "200", "200", "200", "200"}; !reflect.DeepEqual(got, want) {
					t.Fatalf("URL %d not chosen: got %v, want %v", i, got, want)
				}
				chosen = append(chosen, false)
				continue
			}
			chosen = append(chosen, true)
			faults += 3
			kinds[got[0]] = true
			if !strings.HasPrefix(got[0], "429-") || !strings.HasPrefix(got[1], "50") ||
				!reflect.DeepEqual(got[2:], []string{"200-truncated", "200", "200"}) {
				t.Fatalf("URL %d chosen: got %v, want a 429, a 5xx, 200-truncated, 200, 200", i, got)
			}
		}
		if int(s.Faults()) != faults || len(s.Violations()) != 0 {
			t.Fatalf("%d faults counted, %d served; violations %v", s.Faults(), faults, s.Violations())
		}
		return chosen, kinds
	}
	a, kinds := run(f)
	n := 0
	for _, c := range a {
		if c {
			n++
		}
	}
	if n < 6 || n > 18 {
		t.Fatalf("%d of 24 URLs chosen at rate 0.5", n)
	}
	if len(kinds) != 3 {
		t.Errorf("first faults %v, want all three 429 kinds", kinds)
	}
	if b, _ := run(f); !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different choice:\n%v\n%v", a, b)
	}
	f.Max = 4
	s := providertest.NewServer(t, "openai", providertest.Options{Faults: f})
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 24 {
		for range 5 {
			req, _ := http.NewRequest(http.MethodGet, s.URL()+"/organization/users?limit="+strconv.Itoa(i+1), nil)
			req.Header.Set("Authorization", "Bearer "+s.Token())
			outcome(hc, req)
		}
	}
	if s.Faults() != 4 {
		t.Fatalf("Max 4: %d faults, want 4", s.Faults())
	}
}

func TestFaultsAreDeterministic(t *testing.T) {
	f := providertest.Faults{Seed: 42, Rate: 0.5}
	a, na := faultRun(t, "vectara", f)
	b, nb := faultRun(t, "vectara", f)
	if !reflect.DeepEqual(a, b) || na != nb {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	if na < 30 || na > 90 {
		t.Fatalf("%d faults in 120 requests at rate 0.5", na)
	}
	seen := map[string]bool{}
	for _, o := range a {
		seen[o] = true
	}
	for _, want := range []string{"200", "429-1", "429-date", "429-bare", "500", "502", "503", "conn-error", "200-truncated"} {
		if !seen[want] {
			t.Errorf("no %s outcome in %v", want, a)
		}
	}
	c, _ := faultRun(t, "vectara", providertest.Faults{Seed: 43, Rate: 0.5})
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds, same faults")
	}
	only, n := faultRun(t, "cortex", providertest.Faults{Seed: 1, Rate: 1, Kinds: []providertest.FaultKind{providertest.FaultTruncate}})
	for _, o := range only {
		if o != "200-truncated" {
			t.Fatalf("truncate only: %v", only)
		}
	}
	if n != 120 {
		t.Fatalf("%d faults", n)
	}
}

func TestSlowFault(t *testing.T) {
	s := providertest.NewServer(t, "openai", providertest.Options{Faults: providertest.Faults{Rate: 1,
		Kinds: []providertest.FaultKind{providertest.FaultSlow}, SlowDelay: 40 * time.Millisecond}})
	start := time.Now()
	resp, _ := get(t, s.Client(), s.URL()+firstPath["openai"], s.Token())
	if resp.StatusCode != 200 || time.Since(start) < 40*time.Millisecond || s.Faults() != 1 {
		t.Fatalf("%d after %v, %d faults", resp.StatusCode, time.Since(start), s.Faults())
	}
}

func TestStartWithoutTB(t *testing.T) {
	s, err := providertest.Start("cortex", providertest.Options{BasePath: "/base/"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasSuffix(s.URL(), "/base") {
		t.Fatalf("URL %s", s.URL())
	}
	resp, _ := get(t, s.Client(), s.URL()+"/api/v1/users/roles?page=0", s.Token())
	if resp.StatusCode != 400 || len(s.Violations()) != 1 {
		t.Fatalf("%d %v", resp.StatusCode, s.Violations())
	}
	if _, err := providertest.Start("nosuch", providertest.Options{}); err == nil {
		t.Fatal("unknown provider accepted")
	}
}

func BenchmarkCortexPage100k(b *testing.B) {
	s := providertest.NewServer(b, "cortex", providertest.Options{Tenant: providertest.NewTenant("cortex", 100_000, 1)})
	hc := s.Client()
	b.ResetTimer()
	for i := range b.N {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/users/roles?page=%d&pageSize=1000", s.URL(), i%100), nil)
		req.Header.Set("Authorization", "Bearer "+s.Token())
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// TestShortPagesSignals checks that a short page is short even when
// everything would fit in one page, and that each API's signal says more
// remain.
func TestShortPagesSignals(t *testing.T) {
	tenant := func(p string) *providertest.Tenant { return providertest.NewTenant(p, 25, 1) }
	opts := func(p string) providertest.Options {
		return providertest.Options{ShortPages: true, Tenant: tenant(p)}
	}

	s := providertest.NewServer(t, "cortex", opts("cortex"))
	var cp cortexapi.UserRoleAssignmentsResponse
	_, body := get(t, s.Client(), s.URL()+"/api/v1/users/roles?page=0&pageSize=1000", s.Token())
	if err := json.Unmarshal(body, &cp); err != nil || cp.Total != 25 || len(cp.Users) >= 25 || len(cp.Users) < 13 ||
		int(cp.TotalPages) != (25+len(cp.Users)-1)/len(cp.Users) {
		t.Errorf("cortex: %d users, total %d, totalPages %d", len(cp.Users), cp.Total, cp.TotalPages)
	}

	s = providertest.NewServer(t, "openai", opts("openai"))
	var op openaiapi.UserListResponse
	_, body = get(t, s.Client(), s.URL()+"/organization/users?limit=100", s.Token())
	if err := json.Unmarshal(body, &op); err != nil || len(op.Data) >= 25 || len(op.Data) == 0 || !op.HasMore || *op.LastId != op.Data[len(op.Data)-1].Id {
		t.Errorf("openai: %s", body)
	}

	s = providertest.NewServer(t, "vectara", opts("vectara"))
	var vp vectaraapi.ListUsersResponse
	_, body = get(t, s.Client(), s.URL()+"/v2/users?limit=100", s.Token())
	if err := json.Unmarshal(body, &vp); err != nil || len(*vp.Users) >= 25 || *vp.Metadata.PageKey == "" {
		t.Errorf("vectara: %s", body)
	}

	s = providertest.NewServer(t, "logto", providertest.Options{ShortPages: true, Tenant: providertest.NewTenant("logto", 300, 1)})
	role := s.Tenant().Roles[0].ID
	resp, body := get(t, s.Client(), s.URL()+"/api/roles/"+role+"/users?page_size=100", s.Token())
	var users []logtoapi.UserProfile
	total, _ := strconv.Atoi(resp.Header.Get("Total-Number"))
	l := links(t, resp.Header)
	if err := json.Unmarshal(body, &users); err != nil || total < 2 || len(users) >= min(total, 100) || l["next"] != 2 ||
		l["last"] != (total+len(users)-1)/len(users) {
		t.Errorf("logto: %d users of %d, links %v", len(users), total, l)
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	h := slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})
	s := providertest.NewServer(t, "cortex", providertest.Options{Logger: slog.New(h), Token: "tok-should-not-appear"})
	get(t, s.Client(), s.URL()+firstPath["cortex"], s.Token())
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	if out := buf.String(); !strings.Contains(out, "op=getUserRoleAssignments") || !strings.Contains(out, "status=200") || strings.Contains(out, "tok-should") {
		t.Fatalf("log: %s", out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestTinyTenants(t *testing.T) {
	for _, provider := range drivers.Names() {
		for _, n := range []int{0, 1, 2} {
			tenant := providertest.NewTenant(provider, n, 1)
			s := providertest.NewServer(t, provider, providertest.Options{Tenant: tenant, ShortPages: true})
			c := newChecker(t, s, provider)
			got := listers[provider](t, s, c.client(), nil)
			if want := tenant.Rows(); !reflect.DeepEqual(got, want) {
				t.Errorf("%s with %d users: %s", provider, n, rowDiff(got, want))
			}
			c.assertValid(t, s, provider)
		}
	}
}
