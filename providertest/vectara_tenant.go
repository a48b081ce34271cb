package providertest

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The Vectara account's access graph beyond its users (issue 23): its API
// keys and app clients, and the corpora and agents their roles apply to.

// VectaraCorpus is a corpus of a Vectara account, as listCorpora lists it.
type VectaraCorpus struct {
	ID          string // crp_<n>
	Key         string // the corpus key that roles and policies name
	Name        string // display name
	Description string // "" renders none
	Enabled     bool
	Created     time.Time
}

// VectaraAgent is an agent of a Vectara account, as listAgents lists it.
type VectaraAgent struct {
	Key         string // the agent key that agent roles name
	Name        string // display name
	Description string // "" renders none
	Enabled     bool
	Created     time.Time
}

// VectaraKey is an API key of a Vectara account, as listApiKeys lists it.
type VectaraKey struct {
	ID      string // aky_…
	Name    string
	Secret  string // secret_key: a credential (Tenant.Secrets)
	Enabled bool
	// Role is the api_key_role: serving, serving_and_indexing or personal.
	Role string
	// Corpora are the corpus keys its api_policy allows, in the order the
	// policy's first operation lists them. A personal key has none: its
	// policy allows any resource.
	Corpora []string
}

// VectaraApp is an app client of a Vectara account, as listAppClient
// lists it.
type VectaraApp struct {
	ID          string // app_…
	Name        string
	Description string // "" renders none
	ClientID    string // the OAuth client id (not a secret)
	Secret      string // client_secret: a credential (Tenant.Secrets)
	Roles       []string
}

var (
	vectaraCorpusNames = map[string]string{"docs": "Product Docs", "support-kb": "Support KB", "legal_archive": "Legal Archive",
		"eng-wiki": "Engineering Wiki", "sales_deck": "Sales Deck", "hr=policies": "HR Policies", "sandbox": "Sandbox"}
	vectaraAgentNames = map[string]string{"agt_helpdesk": "Helpdesk", "agt_onboarding": "Onboarding Guide", "agt_research": "Research Assistant"}
	vectaraKeyNames   = []string{"ci-indexer", "search-frontend", "nightly-sync", "support-widget", "analytics", "playground"}
	vectaraAppNames   = []string{"sso-bridge", "ingest-pipeline", "reporting", "chat-backend", "crm-sync"}
	vectaraKeyRoles   = []string{"serving", "serving", "serving", "serving", "serving", "serving_and_indexing", "serving_and_indexing",
		"serving_and_indexing", "personal", "personal"}
)

// vectaraGraph adds the account's corpora, agents, API keys and app
// clients to t, whose n users are made. Every corpus and agent a grant
// names is listed, with more that nobody holds a role on (the corpus
// "sandbox" always); an empty
// account (n = 0) has no keys and no app clients. Key 0 is a personal
// key, key 1 a serving_and_indexing key on two corpora, key 2 a disabled
// serving key, key 3 a serving key whose policy names no corpus; app 0 is
// an administrator, app 1 an owner and billing administrator, app 2
// holds no role.
func (g *gen) vectaraGraph(t *Tenant, n int) {
	keys := slices.Clone(vectaraCorpora)
	for i := range n / 20 {
		keys = append(keys, fmt.Sprintf("archive-%02d", i))
	}
	keys = append(keys, "sandbox") // nobody holds a role on it
	for i, k := range keys {
		c := VectaraCorpus{ID: fmt.Sprintf("crp_%d", 10+i), Key: k, Name: vectaraCorpusNames[k], Enabled: i%5 != 4,
			Created: epoch.Add(-time.Duration(len(keys)-i) * 24 * time.Hour)}
		if c.Name == "" {
			c.Name = "Archive " + strings.TrimPrefix(k, "archive-")
		}
		if i%2 == 0 {
			c.Description = "Synthetic corpus " + c.Name
		}
		t.VectaraCorpora = append(t.VectaraCorpora, c)
	}
	agents := slices.Clone(vectaraAgents)
	for i := range n / 40 {
		agents = append(agents, fmt.Sprintf("agt_extra_%02d", i))
	}
	for i, k := range agents {
		a := VectaraAgent{Key: k, Name: vectaraAgentNames[k], Enabled: i != 1, Created: epoch.Add(time.Duration(i) * 24 * time.Hour)}
		if a.Name == "" {
			a.Name = "Extra agent " + strings.TrimPrefix(k, "agt_extra_")
		}
		if i%2 == 1 {
			a.Description = "Synthetic agent " + a.Name
		}
		t.VectaraAgents = append(t.VectaraAgents, a)
	}
	if n == 0 {
		return
	}
	for i := range min(4+n/8, 60) {
		k := VectaraKey{ID: "aky_" + g.id(12, alnum), Name: fmt.Sprintf("%s-%d", vectaraKeyNames[i%len(vectaraKeyNames)], i),
			Enabled: g.r.IntN(6) != 0, Role: vectaraKeyRoles[g.r.IntN(len(vectaraKeyRoles))]}
		corpora := 1 + g.r.IntN(3)
		switch i {
		case 0:
			k.Role, k.Enabled = "personal", true
		case 1:
			k.Role, k.Enabled, corpora = "serving_and_indexing", true, 2
		case 2:
			k.Role, k.Enabled, corpora = "serving", false, 1
		case 3:
			k.Role, corpora = "serving", 0
		}
		if k.Role != "personal" {
			for _, ci := range g.pick(len(keys)-1, corpora) {
				k.Corpora = append(k.Corpora, keys[ci])
			}
		}
		k.Secret = map[string]string{"serving": "zqt_", "serving_and_indexing": "zwt_", "personal": "zut_"}[k.Role] +
			"SECRET-key-" + g.id(24, alnum)
		t.VectaraKeys = append(t.VectaraKeys, k)
	}
	for i := range min(2+n/30, 20) {
		a := VectaraApp{ID: "app_" + g.id(12, alnum), Name: fmt.Sprintf("%s-%d", vectaraAppNames[i%len(vectaraAppNames)], i),
			ClientID: g.id(26, alnum), Secret: "SECRET-client-" + g.id(32, alnum)}
		switch i {
		case 0:
			a.Roles = []string{"administrator"}
		case 1:
			a.Roles = []string{"owner", "billing_administrator"}
		case 2: // no role
		default:
			for _, ri := range g.pick(len(vectaraAPIRoles), 1+g.r.IntN(2)) {
				a.Roles = append(a.Roles, vectaraAPIRoles[ri])
			}
		}
		if i%2 == 1 {
			a.Description = "Synthetic app client " + a.Name
		}
		t.VectaraApps = append(t.VectaraApps, a)
	}
}

// vectaraScopeNames returns the display name of each listed corpus and
// agent by scope ("corpus/<key>", "agent/<key>").
func (t *Tenant) vectaraScopeNames() map[string]string {
	names := make(map[string]string, len(t.VectaraCorpora)+len(t.VectaraAgents))
	for _, c := range t.VectaraCorpora {
		names["corpus/"+c.Key] = c.Name
	}
	for _, a := range t.VectaraAgents {
		names["agent/"+a.Key] = a.Name
	}
	return names
}

// vectaraGraphRows returns the rows of the keys and app clients: per key
// one row for its api_key_role at the account scope and one per corpus
// its policy allows (role the api_key_role, scope kind corpus, named by
// the corpus list), held directly, disabled = !enabled, no owner; per app
// client one row per API role at the account scope. Unsorted.
func (t *Tenant) vectaraGraphRows(names map[string]string) []Row {
	var rows []Row
	for _, k := range t.VectaraKeys {
		base := Row{Provider: "vectara", Principal: "api_key", UserID: k.ID, Name: k.Name, Disabled: !k.Enabled,
			RoleID: k.Role, RoleName: k.Role, RoleKind: KindBuiltin, Held: "direct"}
		acct := base
		acct.ScopeKind = "account"
		rows = append(rows, acct)
		for _, c := range k.Corpora {
			r := base
			r.Scope, r.ScopeKind, r.ScopeID, r.ScopeName = "corpus/"+c, "corpus", c, names["corpus/"+c]
			rows = append(rows, r)
		}
	}
	for _, a := range t.VectaraApps {
		for _, role := range a.Roles {
			rows = append(rows, Row{Provider: "vectara", Principal: "application", UserID: a.ID, Name: a.Name,
				RoleID: role, RoleName: role, RoleKind: KindBuiltin, ScopeKind: "account", Held: "direct"})
		}
	}
	return rows
}

// vectaraAccount returns the account fields of a key's or app client's
// row, and false for a user's rows: a key's status is active or disabled
// from enabled; an app client reports none.
func (t *Tenant) vectaraAccount(r *Row) (Account, bool) {
	switch r.Principal {
	case "api_key":
		if j := slices.IndexFunc(t.VectaraKeys, func(k VectaraKey) bool { return k.ID == r.UserID }); j >= 0 {
			if !t.VectaraKeys[j].Enabled {
				return Account{Status: "disabled"}, true
			}
			return Account{Status: "active"}, true
		}
		return Account{}, true
	case "application":
		return Account{}, true
	}
	return Account{}, false
}

// vectaraSecrets returns the keys' secret_key and the app clients'
// client_secret values.
func (t *Tenant) vectaraSecrets() []string {
	var out []string
	for _, k := range t.VectaraKeys {
		out = append(out, k.Secret)
	}
	for _, a := range t.VectaraApps {
		out = append(out, a.Secret)
	}
	return out
}
