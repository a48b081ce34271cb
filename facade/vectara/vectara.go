// Package vectara is rolecall's Vectara driver: it lists every role
// assignment of a Vectara account through the generated client in
// gen/vectara.
//
// It pages through GET /v2/users (operation listUsers) 100 users at a time
// (the API's maximum), following metadata.page_key until it is absent or
// empty. Authentication is a Personal API key in x-api-key, or an OAuth2
// client-credentials grant (token URL https://auth.vectara.io/oauth2/token
// by default).
//
// Mapping: every role is builtin. api_roles have scope ""; corpus_roles
// have scope "corpus/<corpus_key>"; agent_roles "agent/<agent_key>";
// role_id = role_name = the role value (values this client does not know
// are kept as they are). Scope kinds: account for api_roles (no scope
// id: the listing does not carry the account's), corpus and agent with the
// key as scope id; every role is held directly by a User. disabled is !enabled, status active or disabled
// from enabled; created and updated are created_at and updated_at (a
// change to the user's record, not activity: Vectara reports no sign-in
// time, so last activity stays empty); the account type is not reported.
// The account-level (api_roles) owner and administrator are privileged
// (Vectara's docs: they manage users, API keys and every corpus); corpus
// and agent roles are not. Vectara cannot filter users by email, so an
// email filter is applied on the client.
package vectara

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/vectara"
	"github.com/rolecall/rolecall/internal/jsonstream"
	"github.com/rolecall/rolecall/internal/paging"
)

// Defaults.
const (
	DefaultBaseURL  = "https://api.vectara.io"
	DefaultTokenURL = "https://auth.vectara.io/oauth2/token"
	MaxPageSize     = 100
)

var spec = driverkit.Spec{
	Provider:       "vectara",
	DefaultBaseURL: DefaultBaseURL,
	MaxPageSize:    MaxPageSize,
	ErrorBody:      errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the API key or OAuth token is missing, wrong or expired (vectara.Config.APIKey, or vectara.Config.ClientID and vectara.Config.ClientSecret)",
		http.StatusForbidden:    "listing users needs a Personal API key, or an OAuth application, whose user may manage users",
	},
	Credentials: "a Personal API key, or an OAuth application's client id and secret, is required",
}

// list lists the assignments, a page at a time (the API cannot filter on
// emails: Stream does).
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, _ []string, emit driverkit.Emit) error {
	// The cursor allows one request at a time: each page is decoded
	// as it arrives, and its metadata.page_key asks for the next.
	return paging.Cursor(ctx, kit.MaxPages, func(ctx context.Context, cursor string) (string, bool, error) {
		batch, next, err := fetchPage(ctx, kit, client, cursor)
		if err != nil {
			return "", false, err
		}
		if len(batch) > 0 {
			if err := emit(batch); err != nil {
				return "", false, err
			}
		}
		return next, next == "", nil
	})
}

// Config configures New: set APIKey, or ClientID and ClientSecret.
type Config struct {
	// APIKey is a Personal API key, sent as x-api-key.
	APIKey string
	// ClientID and ClientSecret are an OAuth2 application's credentials.
	ClientID, ClientSecret string
	// TokenURL is the OAuth2 token endpoint (default DefaultTokenURL).
	TokenURL string
	facade.Options
}

// New returns a lister of the account's role assignments. A bad cfg is an
// InvalidArgument *facade.Error naming the fields.
//
// Vectara API: GET /v2/users
func New(cfg Config) (*facade.Source, error) {
	return driverkit.Open(spec, cfg.Options, api.NewClient, api.WithHTTPClient, list,
		driverkit.Way{Auth: driverkit.Header("x-api-key", cfg.APIKey), Fields: []driverkit.Field{{Name: "APIKey", Value: cfg.APIKey, Secret: true}}},
		driverkit.Way{Fields: []driverkit.Field{{Name: "ClientID", Value: cfg.ClientID}, {Name: "ClientSecret", Value: cfg.ClientSecret, Secret: true}},
			Grant: func(*driverkit.Kit) *clientcredentials.Config {
				return &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cmp.Or(cfg.TokenURL, DefaultTokenURL)}
			}})
}

// fetchPage fetches one page, decoding it into the generated types user by
// user as it streams in, and returns its assignments and the next page's
// key ("" after the last page).
func fetchPage(ctx context.Context, kit *driverkit.Kit, client *api.Client, cursor string) (batch []facade.Assignment, next string, err error) {
	op := "list users"
	limit := int32(kit.PageSize)
	params := &api.ListUsersParams{Limit: &limit}
	if cursor != "" {
		params.PageKey = &cursor
		op = "list users (next page)"
	}
	err = kit.Page(ctx, op, func(ctx context.Context) (*http.Response, error) {
		return client.ListUsers(ctx, params)
	}, func(_ *http.Response, body io.Reader) error {
		batch, next = nil, "" // a retried page starts again
		var env api.ListUsersResponse
		sc := scopes{}
		_, err := jsonstream.Decode(body, kit.MaxBody, &env, func(u *api.User) error {
			var err error
			batch, err = appendAssignments(batch, u, sc)
			return err
		})
		if err == nil && env.Metadata != nil {
			next = driverkit.Deref(env.Metadata.PageKey)
		}
		return err
	})
	return batch, next, err
}

// scopes builds each page's "corpus/<key>" and "agent/<key>" scope strings
// once per key rather than once per assignment.
type scopes map[[2]string]string

func (sc scopes) of(kind, key string) string {
	if s, ok := sc[[2]string{kind, key}]; ok {
		return s
	}
	s := kind + key
	if sc != nil {
		sc[[2]string{kind, key}] = s
	}
	return s
}

func appendAssignments(out []facade.Assignment, u *api.User, sc scopes) ([]facade.Assignment, error) {
	if u.Id == nil || *u.Id == "" {
		if u.ApiRoles == nil && u.CorpusRoles == nil && u.AgentRoles == nil {
			return out, nil // nothing to report about it
		}
		return out, fmt.Errorf("a user with roles but without an id")
	}
	base := facade.Assignment{Provider: "vectara", Principal: facade.User, Held: facade.Direct, UserID: *u.Id, Email: driverkit.Deref(u.Email), Username: driverkit.Deref(u.Username),
		Disabled: u.Enabled != nil && !*u.Enabled, RoleKind: facade.Builtin, Record: u,
		Created: driverkit.UTC(u.CreatedAt), Updated: driverkit.UTC(u.UpdatedAt)}
	if u.Enabled != nil {
		base.Status = facade.StatusActive
		if !*u.Enabled {
			base.Status = facade.StatusDisabled
		}
	}
	var bad error
	add := func(role string, kind facade.ScopeKind, id, scope string) {
		if role == "" {
			bad = fmt.Errorf("user %q: an empty role value", *u.Id)
			return
		}
		a := base
		a.RoleID, a.RoleName, a.Scope, a.ScopeKind, a.ScopeID = role, role, scope, kind, id
		a.Privileged = scope == "" && PrivilegedRoles[role]
		out = append(out, a)
	}
	if u.ApiRoles != nil {
		for _, r := range *u.ApiRoles {
			add(string(r), facade.ScopeAccount, "", "")
		}
	}
	if u.CorpusRoles != nil {
		for _, r := range *u.CorpusRoles {
			add(string(r.Role), facade.ScopeCorpus, r.CorpusKey, sc.of("corpus/", r.CorpusKey))
		}
	}
	if u.AgentRoles != nil {
		for _, r := range *u.AgentRoles {
			add(string(r.Role), facade.ScopeAgent, r.AgentKey, sc.of("agent/", r.AgentKey))
		}
	}
	return out, bad
}

// PrivilegedRoles are the account-level roles privileged by default.
var PrivilegedRoles = map[string]bool{string(api.ApiRoleOwner): true, string(api.ApiRoleAdministrator): true}

func errorBody(_ int, body []byte) (string, string, any) {
	var e api.Error
	if json.Unmarshal(body, &e) != nil || (e.Messages == nil && e.RequestId == nil) {
		return "", "", nil
	}
	var msg string
	if e.Messages != nil {
		msg = strings.Join(*e.Messages, "; ")
	}
	return msg, driverkit.Deref(e.RequestId), &e
}
