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
// are kept as they are). disabled is !enabled. Vectara cannot filter users
// by email, so an email filter is applied on the client.
package vectara

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"runtime"
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

// Config configures a Lister: set APIKey, or ClientID and ClientSecret.
type Config struct {
	// APIKey is a Personal API key (VECTARA_API_KEY), sent as x-api-key.
	APIKey string
	// ClientID and ClientSecret are an OAuth2 application's credentials
	// (VECTARA_CLIENT_ID, VECTARA_CLIENT_SECRET).
	ClientID, ClientSecret string
	// TokenURL is the OAuth2 token endpoint (default DefaultTokenURL).
	TokenURL string
	facade.Options
}

// Lister lists a Vectara account's role assignments. It is safe for
// concurrent use.
type Lister struct {
	kit    *driverkit.Kit
	client *api.Client
}

var _ facade.Lister = (*Lister)(nil)

var spec = driverkit.Spec{
	Provider:       "vectara",
	DefaultBaseURL: DefaultBaseURL,
	MaxPageSize:    MaxPageSize,
	ErrorBody:      errorBody,
	Hints: map[int]string{
		http.StatusUnauthorized: "the API key or OAuth token is missing, wrong or expired (VECTARA_API_KEY, or VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET)",
		http.StatusForbidden:    "listing users needs a Personal API key, or an OAuth application, whose user may manage users",
	},
}

// New returns a Lister for cfg.
func New(cfg Config) (*Lister, error) {
	var auth driverkit.Auth
	switch {
	case cfg.APIKey != "" && cfg.ClientID != "":
		return nil, fmt.Errorf("vectara: set an API key or OAuth client credentials, not both")
	case cfg.APIKey != "":
		auth = driverkit.Header("x-api-key", cfg.APIKey)
	case cfg.ClientID != "" && cfg.ClientSecret != "":
	default:
		return nil, fmt.Errorf("vectara: credentials are required: VECTARA_API_KEY, or VECTARA_CLIENT_ID and VECTARA_CLIENT_SECRET")
	}
	kit, err := driverkit.New(spec, cfg.Options, auth, cfg.APIKey, cfg.ClientSecret)
	if err != nil {
		return nil, err
	}
	if cfg.ClientID != "" {
		tokenURL := cfg.TokenURL
		if tokenURL == "" {
			tokenURL = DefaultTokenURL
		}
		if err := kit.OAuth2(&clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: tokenURL}); err != nil {
			return nil, err
		}
	}
	client, err := api.NewClient(kit.URL(), api.WithHTTPClient(kit.HTTP))
	if err != nil {
		return nil, fmt.Errorf("vectara: %w", err)
	}
	return &Lister{kit: kit, client: client}, nil
}

// Provider returns "vectara".
func (l *Lister) Provider() string { return l.kit.Provider }

// ListAssignments lists every role assignment in the account.
//
// Vectara API: GET /v2/users
func (l *Lister) ListAssignments(ctx context.Context, opts *facade.ListOptions) iter.Seq2[facade.Assignment, error] {
	return l.kit.Stream(ctx, opts, func(ctx context.Context, emit driverkit.Emit) error {
		// The cursor allows one request at a time, so decoding a page
		// overlaps with fetching the next: each body is read whole, its
		// metadata.page_key picked out, and the next request sent while
		// other goroutines (one a core, at most Concurrency) decode the
		// users. Bodies in memory: one being read, one queued, one a
		// decoder.
		type raw struct {
			op   string
			body []byte
		}
		decoders := max(1, min(runtime.GOMAXPROCS(0), l.kit.Concurrency))
		pool, ctx := paging.NewPool(ctx, decoders, 1, func(_ context.Context, p raw) error {
			batch, err := l.decodeUsers(p.body)
			switch {
			case err != nil:
				return l.kit.Invalid(p.op, err)
			case len(batch) > 0:
				return emit(batch)
			}
			return nil
		})
		err := paging.Cursor(ctx, l.kit.MaxPages, func(ctx context.Context, cursor string) (string, bool, error) {
			op, body, next, err := l.page(ctx, cursor)
			if err != nil {
				return "", false, err
			}
			if err := pool.Send(raw{op, body}); err != nil {
				return "", false, err
			}
			return next, next == "", nil
		})
		return pool.Wait(err)
	})
}

// page fetches one page's body whole and reads its cursor; decodeUsers
// decodes the users later.
func (l *Lister) page(ctx context.Context, cursor string) (op string, body []byte, next string, err error) {
	op = "list users"
	limit := int32(l.kit.PageSize)
	params := &api.ListUsersParams{Limit: &limit}
	if cursor != "" {
		params.PageKey = &cursor
		op = "list users (next page)"
	}
	body, err = l.kit.Fetch(ctx, op, func(ctx context.Context) (*http.Response, error) {
		return l.client.ListUsers(ctx, params)
	}, nil)
	if err != nil {
		return op, nil, "", err
	}
	if rawMeta := jsonstream.TopLevel(body, "metadata"); rawMeta != nil {
		var meta *api.ListMetadata
		if err := json.Unmarshal(rawMeta, &meta); err != nil {
			l.kit.Release(body)
			return op, nil, "", l.kit.Invalid(op, fmt.Errorf("metadata: %w", err))
		}
		if meta != nil && meta.PageKey != nil {
			next = *meta.PageKey
		}
	}
	return op, body, next, nil
}

// decodeUsers decodes a page's users into assignments, and hands the body
// back to the kit.
func (l *Lister) decodeUsers(body []byte) ([]facade.Assignment, error) {
	defer l.kit.Release(body)
	return decodePage(body, l.kit.Batch(4*l.kit.PageSize), l.kit.MaxBody)
}

// decodePage appends a page's assignments to batch: with decodeFast when
// it can, else stream-decoded by encoding/json user by user.
func decodePage(body []byte, batch []facade.Assignment, maxBody int64) ([]facade.Assignment, error) {
	sc := scopes{}
	batch, ok := decodeFast(body, batch, sc)
	if ok {
		return batch, nil
	}
	clear(batch) // what the fast pass decoded before it gave up
	return decodeSlow(body, batch[:0], sc, maxBody)
}

// decodeSlow is decodePage with encoding/json only.
func decodeSlow(body []byte, batch []facade.Assignment, sc scopes, maxBody int64) ([]facade.Assignment, error) {
	err := jsonstream.Object(bytes.NewReader(body), maxBody, "users", func(u *api.User) error {
		var err error
		batch, err = appendAssignments(batch, u, sc)
		return err
	}, nil)
	return batch, err
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
	base := facade.Assignment{Provider: "vectara", UserID: *u.Id, Email: driverkit.Deref(u.Email), Username: driverkit.Deref(u.Username),
		Disabled: u.Enabled != nil && !*u.Enabled, RoleKind: facade.Builtin, Record: u}
	var bad error
	add := func(role, scope string) {
		if role == "" {
			bad = fmt.Errorf("user %q: an empty role value", *u.Id)
			return
		}
		a := base
		a.RoleID, a.RoleName, a.Scope = role, role, scope
		out = append(out, a)
	}
	if u.ApiRoles != nil {
		for _, r := range *u.ApiRoles {
			add(string(r), "")
		}
	}
	if u.CorpusRoles != nil {
		for _, r := range *u.CorpusRoles {
			add(string(r.Role), sc.of("corpus/", r.CorpusKey))
		}
	}
	if u.AgentRoles != nil {
		for _, r := range *u.AgentRoles {
			add(string(r.Role), sc.of("agent/", r.AgentKey))
		}
	}
	return out, bad
}

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
