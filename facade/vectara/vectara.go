// Package vectara is rolecall's Vectara driver: it lists who holds which
// role in a Vectara account (its users, API keys and app clients) through
// the generated client in gen/vectara. Authentication is a Personal API
// key in x-api-key, or an OAuth2 client-credentials grant (token URL
// https://auth.vectara.io/oauth2/token by default).
//
// # What it lists
//
// Each row below is one kind of assignment; all of them are listed unless
// facade.ListOptions.Principals narrows the kinds. Every role is builtin,
// held directly (Vectara has no groups), with role_id = role_name = the
// role value (values this client does not know are kept as they are).
// Scope texts are "" for the account (scope kind account, no scope id:
// the listing does not carry the account's), "corpus/<corpus_key>" and
// "agent/<agent_key>" (scope id the key, scope name the corpus's or
// agent's name from GET /v2/corpora, listCorpora, and GET /v2/agents,
// listAgents).
//
//	kind         operation      role                       scope
//	user         listUsers      each api_roles value       account
//	user         listUsers      each corpus_roles role     corpus
//	user         listUsers      each agent_roles role      agent
//	api_key      listApiKeys    api_key_role               account
//	api_key      listApiKeys    api_key_role               corpus, each its api_policy allows
//	application  listAppClient  each api_roles value       account
//
// A key's corpora are the values of every resource path of its
// api_policy.allowed_operations whose last element is corpus_key
// ("path.corpus_key", "body.corpus_key"), each corpus once; an operation
// allowed on any resource names none (its account row covers it). An app
// client's api_policy is not read: its api_roles are its roles.
//
// Account fields: a user's rows carry its status (active or disabled from
// enabled; disabled is !enabled), created (created_at) and updated
// (updated_at: a change to the user's record, not activity: Vectara
// reports no sign-in time, so last activity stays empty). A key's rows
// carry its status and disabled flag from enabled, and nothing else:
// Vectara reports no creation, last use or expiry of a key. An app
// client's carry none. No key has an Owner: a personal key acts with the
// rights of the user who created it, but the API does not say which user
// that is, so a personal key is reported without one, and privileged. The
// account type is never reported.
//
// Privileged: the account-level (api_roles) owner and administrator of a
// user or an app client (PrivilegedRoles: Vectara's docs: they manage
// users, API keys and every corpus); a personal key's account row
// (PrivilegedKeyRoles, which says why serving_and_indexing is not); corpus
// and agent roles are not.
//
// Secrets: listApiKeys returns each key's secret_key and listAppClient
// each app client's client_secret. The driver clears them in the decoded
// record as it decodes each item, before anything else sees it: they reach
// no Assignment.Record, report, log or error.
//
// # Requests
//
// Every list pages by cursor, 100 items a page (the API's maximum),
// following metadata.page_key until it is absent or empty; roles come
// inline, so there is no fan-out. With U users, K keys, C app clients, P
// corpora and A agents, a listing sends
//
//	max(1, ⌈U/100⌉) + max(1, ⌈K/100⌉) + max(1, ⌈C/100⌉) + max(1, ⌈P/100⌉) + max(1, ⌈A/100⌉)
//
// requests (five for a typical account): the users list (when users are
// asked for), keys (api_key), app clients (application), corpora (users
// or keys: they name the corpus scopes) and agents (users). The lists run
// concurrently, one request at a time each, once the first page of the
// first of them (users, else keys, else app clients) is in: a wrong key
// costs one request. A users or keys page waits for the scope lists before
// it is emitted, so that its rows carry their scope's name.
//
// A 403 on one kind's list (a key that may read users but not app
// clients, say) is recorded in the listing's Coverage and the other kinds
// are listed; the listing then ends with a PermissionDenied error naming
// the kinds refused. A 403 or 404 on a scope list is a warning: the roles
// are listed with their scope names empty. Vectara cannot filter users by
// email, so an email filter is applied on the client, and keys and app
// clients, which have no email, are not listed under one.
package vectara

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/errgroup"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/internal/driverkit"
	api "github.com/rolecall/rolecall/gen/vectara"
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
		http.StatusForbidden: "listing users, API keys and app clients needs a Personal API key, or an OAuth application, whose user may manage them; " +
			"leave out the kinds it may not read (rolecall --principals, facade.ListOptions.Principals)",
	},
	Credentials: "a Personal API key, or an OAuth application's client id and secret, is required",
	Kinds:       []facade.PrincipalKind{facade.User, facade.APIKey, facade.Application},
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

// New returns a lister of the account's role assignments, of users, API
// keys and app clients (see the package documentation). A bad cfg is an
// InvalidArgument *facade.Error naming the fields.
//
// Vectara API: GET /v2/users, /v2/api_keys, /v2/app_clients, /v2/corpora
// and /v2/agents.
func New(cfg Config) (*facade.Source, error) {
	return driverkit.Open(spec, cfg.Options, api.NewClient, api.WithHTTPClient, list,
		driverkit.Way{Auth: driverkit.Header("x-api-key", cfg.APIKey), Fields: []driverkit.Field{{Name: "APIKey", Value: cfg.APIKey, Secret: true}}},
		driverkit.Way{Fields: []driverkit.Field{{Name: "ClientID", Value: cfg.ClientID}, {Name: "ClientSecret", Value: cfg.ClientSecret, Secret: true}},
			Grant: func(*driverkit.Kit) *clientcredentials.Config {
				return &clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cmp.Or(cfg.TokenURL, DefaultTokenURL)}
			}})
}

// listing is one listing of the account: its walks, and the scope names
// the scope lists find.
type listing struct {
	kit    *driverkit.Kit
	client *api.Client
	emit   driverkit.Emit

	mu    sync.Mutex
	names map[string]string // scope names by scope text, complete once named is closed
	named chan struct{}     // closed once the scope lists are walked
	gate  driverkit.Gate    // the other root walks wait for the first one's first answer
}

// list lists the account's principals of the kinds asked for; see the
// package documentation.
func list(ctx context.Context, kit *driverkit.Kit, client *api.Client, emails []string, emit driverkit.Emit) error {
	l := &listing{kit: kit, client: client, emit: emit, names: map[string]string{}, named: make(chan struct{})}
	filtered := len(emails) > 0 // keys and app clients have no email
	users := driverkit.Wants(ctx, facade.User)
	keys := !filtered && driverkit.Wants(ctx, facade.APIKey)
	apps := !filtered && driverkit.Wants(ctx, facade.Application)
	g, gctx := errgroup.WithContext(ctx)
	var walks []func(context.Context) error
	if users {
		walks = append(walks, l.users)
	}
	if keys {
		walks = append(walks, l.keys)
	}
	if apps {
		walks = append(walks, l.apps)
	}
	if len(walks) == 0 {
		return nil
	}
	first := walks[0]
	g.Go(func() error {
		err := first(gctx)
		if err == nil { // refused (403) or done: the others may go on; an error stops them all
			l.gate.Open()
		}
		return err
	})
	for _, w := range walks[1:] {
		g.Go(l.gate.After(gctx, w))
	}
	// The scope lists: corpora name the users' and keys' corpus scopes,
	// agents the users' agent scopes.
	s, sctx := errgroup.WithContext(gctx)
	if users || keys {
		s.Go(l.gate.After(sctx, l.corpora))
	}
	if users {
		s.Go(l.gate.After(sctx, l.agents))
	}
	g.Go(func() error {
		err := s.Wait()
		if err == nil {
			close(l.named)
		}
		return err
	})
	return g.Wait()
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
