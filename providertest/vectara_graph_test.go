package providertest_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rolecall/rolecall/gen/vectara"
	"github.com/rolecall/rolecall/providertest"
)

// vectaraWalk pages through one Vectara list with limit 7, handing each
// page's decoded body to each, and returns how many pages it took.
func vectaraWalk[P any](t *testing.T, what string, params *P, setKey func(*P, *string),
	send func(*P) (*vectaraapi.ListMetadata, error)) int {
	t.Helper()
	pages := 0
	for {
		md, err := send(params)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		pages++
		if md == nil || md.PageKey == nil || *md.PageKey == "" {
			return pages
		}
		setKey(params, md.PageKey)
	}
}

// vectaraGraph completes the reference listing of a Vectara account (the
// users' rows) by the contract, independently of Tenant.Rows: it names
// the corpus and agent scopes from listCorpora and listAgents, and, unless
// the listing is filtered by email (keys and app clients have none), adds
// each API key's role at the account and on each corpus its policy names
// under a *.corpus_key resource path, and each app client's API roles.
func vectaraGraph(t *testing.T, cl *vectaraapi.ClientWithResponses, users []providertest.Row, filtered bool) []providertest.Row {
	t.Helper()
	ctx := context.Background()
	limit := int32(7)
	names := map[string]string{}
	fail := func(what string, status int, body []byte) error {
		t.Fatalf("%s: %d %s", what, status, body)
		return nil
	}
	vectaraWalk(t, "corpora", &vectaraapi.ListCorporaParams{Limit: &limit}, func(p *vectaraapi.ListCorporaParams, k *string) { p.PageKey = k },
		func(p *vectaraapi.ListCorporaParams) (*vectaraapi.ListMetadata, error) {
			resp, err := cl.ListCorporaWithResponse(ctx, p)
			if err != nil || resp.JSON200 == nil {
				return nil, fail("corpora", resp.StatusCode(), resp.Body)
			}
			for _, c := range *resp.JSON200.Corpora {
				names["corpus/"+*c.Key] = *c.Name
			}
			return resp.JSON200.Metadata, nil
		})
	vectaraWalk(t, "agents", &vectaraapi.ListAgentsParams{Limit: &limit}, func(p *vectaraapi.ListAgentsParams, k *string) { p.PageKey = k },
		func(p *vectaraapi.ListAgentsParams) (*vectaraapi.ListMetadata, error) {
			resp, err := cl.ListAgentsWithResponse(ctx, p)
			if err != nil || resp.JSON200 == nil {
				return nil, fail("agents", resp.StatusCode(), resp.Body)
			}
			for _, a := range resp.JSON200.Agents {
				names["agent/"+a.Key] = a.Name
			}
			return &resp.JSON200.Metadata, nil
		})
	rows := slices.Clone(users)
	for i := range rows {
		rows[i].ScopeName = names[rows[i].Scope]
	}
	if filtered {
		return rows
	}
	vectaraWalk(t, "api keys", &vectaraapi.ListApiKeysParams{Limit: &limit}, func(p *vectaraapi.ListApiKeysParams, k *string) { p.PageKey = k },
		func(p *vectaraapi.ListApiKeysParams) (*vectaraapi.ListMetadata, error) {
			resp, err := cl.ListApiKeysWithResponse(ctx, p)
			if err != nil || resp.JSON200 == nil {
				return nil, fail("api keys", resp.StatusCode(), resp.Body)
			}
			for _, k := range *resp.JSON200.ApiKeys {
				role := string(*k.ApiKeyRole)
				base := providertest.Row{Provider: "vectara", Principal: "api_key", UserID: *k.Id, Name: *k.Name, Disabled: !*k.Enabled,
					RoleID: role, RoleName: role, RoleKind: "builtin", Held: "direct"}
				acct := base
				acct.ScopeKind = "account"
				rows = append(rows, acct)
				seen := map[string]bool{}
				for _, op := range k.ApiPolicy.AllowedOperations {
					if op == nil || op.AllowedResources == nil {
						continue
					}
					for path, ids := range *op.AllowedResources {
						if !strings.HasSuffix(path, ".corpus_key") {
							continue
						}
						for _, id := range ids {
							if !seen[id] {
								seen[id] = true
								r := base
								r.Scope, r.ScopeKind, r.ScopeID, r.ScopeName = "corpus/"+id, "corpus", id, names["corpus/"+id]
								rows = append(rows, r)
							}
						}
					}
				}
			}
			return resp.JSON200.Metadata, nil
		})
	vectaraWalk(t, "app clients", &vectaraapi.ListAppClientParams{Limit: &limit}, func(p *vectaraapi.ListAppClientParams, k *string) { p.PageKey = k },
		func(p *vectaraapi.ListAppClientParams) (*vectaraapi.ListMetadata, error) {
			resp, err := cl.ListAppClientWithResponse(ctx, p)
			if err != nil || resp.JSON200 == nil {
				return nil, fail("app clients", resp.StatusCode(), resp.Body)
			}
			for _, a := range *resp.JSON200.AppClients {
				for _, r := range *a.ApiRoles {
					rows = append(rows, providertest.Row{Provider: "vectara", Principal: "application", UserID: *a.Id, Name: *a.Name,
						RoleID: string(r), RoleName: string(r), RoleKind: "builtin", ScopeKind: "account", Held: "direct"})
				}
			}
			return resp.JSON200.Metadata, nil
		})
	return rows
}

// TestVectaraGraph: the tenant holds every kind of the account's graph
// and its traps (a personal key, a serving_and_indexing key on corpora, a
// disabled key, a key naming no corpus, an app client with no role, an
// owner app client, corpora and agents nobody holds a role on), every
// list walks to the tenant's items in order whatever the limit, the
// filters filter, and every response is valid.
func TestVectaraGraph(t *testing.T) {
	tn := providertest.NewTenant("vectara", 60, 1)
	k, a := tn.VectaraKeys, tn.VectaraApps
	if len(k) < 8 || len(a) < 3 || k[0].Role != "personal" || k[1].Role != "serving_and_indexing" || len(k[1].Corpora) != 2 ||
		k[2].Enabled || len(k[3].Corpora) != 0 || len(a[2].Roles) != 0 || !slices.Contains(a[1].Roles, "owner") {
		t.Fatalf("the traps are missing: %+v %+v", k[:min(4, len(k))], a)
	}
	held := map[string]bool{}
	for _, r := range tn.Rows() {
		held[r.Scope] = true
	}
	unheld := 0
	for _, c := range tn.VectaraCorpora {
		if !held["corpus/"+c.Key] {
			unheld++
		}
	}
	if unheld == 0 || len(tn.VectaraCorpora) <= 7 || len(tn.VectaraAgents) < 3 {
		t.Errorf("corpora %d (%d unheld), agents %d", len(tn.VectaraCorpora), unheld, len(tn.VectaraAgents))
	}
	if e := providertest.NewTenant("vectara", 0, 1); len(e.VectaraKeys)+len(e.VectaraApps) != 0 || e.Rows() != nil {
		t.Errorf("an empty account has keys or rows: %+v", e)
	}

	s := providertest.NewServer(t, "vectara", providertest.Options{Tenant: tn})
	c := newChecker(t, s, "vectara")
	ids := func(path, field string) []string {
		var out []string
		key := ""
		for n := 0; ; n++ {
			u := s.URL() + path
			if key != "" {
				u += "&page_key=" + url.QueryEscape(key)
			}
			resp, body := get(t, c.client(), u, s.Token())
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
			}
			var page map[string]json.RawMessage
			var items []struct{ ID, Key string }
			var md struct {
				PageKey string `json:"page_key"`
			}
			if json.Unmarshal(body, &page) != nil || json.Unmarshal(page[field], &items) != nil || json.Unmarshal(page["metadata"], &md) != nil {
				t.Fatalf("%s: %s", u, body)
			}
			for _, it := range items {
				out = append(out, cmp.Or(it.ID, it.Key))
			}
			key = md.PageKey
			if key == "" || n > 100 {
				return out
			}
		}
	}
	var wantKeys, wantApps, wantCorpora, wantAgents []string
	for _, x := range tn.VectaraKeys {
		wantKeys = append(wantKeys, x.ID)
	}
	for _, x := range tn.VectaraApps {
		wantApps = append(wantApps, x.ID)
	}
	for _, x := range tn.VectaraCorpora {
		wantCorpora = append(wantCorpora, x.ID)
	}
	for _, x := range tn.VectaraAgents {
		wantAgents = append(wantAgents, x.Key)
	}
	for _, limit := range []string{"1", "2", "5", "100"} {
		for _, l := range []struct {
			path, field string
			want        []string
		}{{"/v2/api_keys", "api_keys", wantKeys}, {"/v2/app_clients", "app_clients", wantApps},
			{"/v2/corpora", "corpora", wantCorpora}, {"/v2/agents", "agents", wantAgents}} {
			if got := ids(l.path+"?limit="+limit, l.field); !slices.Equal(got, l.want) {
				t.Errorf("%s limit %s: got %v, want %v", l.path, limit, got, l.want)
			}
		}
	}
	if got := ids("/v2/api_keys?limit=100&api_key_role=personal", "api_keys"); len(got) == 0 || !slices.Contains(got, k[0].ID) || slices.Contains(got, k[1].ID) {
		t.Errorf("api_key_role=personal: %v", got)
	}
	if got := ids("/v2/api_keys?limit=100&corpus_key="+url.QueryEscape(k[1].Corpora[0]), "api_keys"); !slices.Contains(got, k[1].ID) || slices.Contains(got, k[0].ID) {
		t.Errorf("corpus_key: %v", got)
	}
	if got := ids("/v2/app_clients?limit=100&filter="+url.QueryEscape("^"+a[0].Name+"$"), "app_clients"); !slices.Equal(got, []string{a[0].ID}) {
		t.Errorf("filter: %v", got)
	}
	if got := ids("/v2/corpora?limit=100&corpus_id="+tn.VectaraCorpora[2].ID, "corpora"); !slices.Equal(got, []string{tn.VectaraCorpora[2].ID}) {
		t.Errorf("corpus_id: %v", got)
	}
	if got := ids("/v2/agents?limit=100&enabled=false", "agents"); !slices.Equal(got, []string{tn.VectaraAgents[1].Key}) {
		t.Errorf("enabled=false: %v", got)
	}
	if resp, _ := get(t, c.client(), s.URL()+"/v2/corpora?filter=%28", s.Token()); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad filter: %d", resp.StatusCode)
	}
	c.assertValid(t, s, "vectara")
}
