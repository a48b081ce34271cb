package vectara

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	api "github.com/rolecall/rolecall/gen/vectara"
)

func decode[T any](t *testing.T, body string) *T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(body), &v))
	return &v
}

// A key's corpora are the values of the *.corpus_key resource paths of
// every operation, each once, in a fixed order (operations and paths
// sorted), whatever order the map iterates in; other resources, null
// operations and operations allowed on any resource name none.
func TestPolicyCorpora(t *testing.T) {
	p := decode[api.ApiPolicy](t, `{"name":"x","allowed_operations":{
		"query":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":["b","a"],"implicit.customer_id":["123"]}},
		"index":{"allow_any_resource":false,"allowed_resources":{"body.corpus_key":["c","a"],"body.corpus_id":["crp_1"]}},
		"list_corpora":null,
		"list_documents":{"allow_any_resource":true}}}`)
	for range 20 { // map order varies from run to run
		assert.Equal(t, []string{"c", "a", "b"}, policyCorpora(p), "index (body.corpus_key) sorts before query")
	}
	assert.Nil(t, policyCorpora(nil))
	assert.Nil(t, policyCorpora(decode[api.ApiPolicy](t, `{"name":"personal","allowed_operations":{"query":null}}`)))
}

// A key holds its api_key_role at the account scope and on each of its
// corpora; only a personal key's account row is privileged; its status
// follows enabled; it has no owner.
func TestAppendKey(t *testing.T) {
	k := decode[api.ApiKey](t, `{"id":"aky_1","name":"ci","enabled":false,"api_key_role":"serving_and_indexing",
		"api_policy":{"name":"x","allowed_operations":{"query":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":["docs","docs"]}}}}}`)
	got, err := appendKey(nil, k)
	require.NoError(t, err)
	require.Len(t, got, 2, "the account and one corpus, once")
	for _, a := range got {
		assert.Equal(t, facade.APIKey, a.Principal)
		assert.Equal(t, "serving_and_indexing", a.RoleID)
		assert.Equal(t, facade.StatusDisabled, a.Status)
		assert.True(t, a.Disabled)
		assert.False(t, a.Privileged, "serving_and_indexing is not privileged")
		assert.Equal(t, facade.Owner{}, a.Owner)
		assert.Same(t, k, a.Record)
	}
	assert.Equal(t, [3]string{"", "account", ""}, [3]string{got[0].Scope, string(got[0].ScopeKind), got[0].ScopeID})
	assert.Equal(t, [3]string{"corpus/docs", "corpus", "docs"}, [3]string{got[1].Scope, string(got[1].ScopeKind), got[1].ScopeID})

	personal := decode[api.ApiKey](t, `{"id":"aky_2","enabled":true,"api_key_role":"personal",
		"api_policy":{"name":"x","allowed_operations":{"query":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":["docs"]}}}}}`)
	got, err = appendKey(nil, personal)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.True(t, got[0].Privileged, "a personal key acts with its creator's rights")
	assert.False(t, got[1].Privileged, "a corpus row is not, as a user's is not")
	assert.Equal(t, facade.StatusActive, got[0].Status)

	_, err = appendKey(nil, decode[api.ApiKey](t, `{"id":"aky_3"}`))
	assert.ErrorContains(t, err, `API key "aky_3": no api_key_role`)
	_, err = appendKey(nil, decode[api.ApiKey](t, `{"api_key_role":"serving"}`))
	assert.ErrorContains(t, err, "without an id")
	got, err = appendKey(nil, decode[api.ApiKey](t, `{}`))
	assert.NoError(t, err)
	assert.Empty(t, got)
}

// An app client holds each API role at the account scope, privileged for
// owner and administrator; one with no role yields nothing.
func TestAppendApp(t *testing.T) {
	c := decode[api.AppClient](t, `{"id":"app_1","name":"sync","client_id":"cid","api_roles":["owner","corpus_developer","future_role"]}`)
	got, err := appendApp(nil, c)
	require.NoError(t, err)
	require.Len(t, got, 3)
	priv := map[string]bool{}
	for _, a := range got {
		priv[a.RoleID] = a.Privileged
		assert.Equal(t, facade.Application, a.Principal)
		assert.Equal(t, facade.ScopeAccount, a.ScopeKind)
		assert.Equal(t, "", a.Scope)
		assert.Equal(t, "sync", a.Name)
		assert.Equal(t, facade.Status(""), a.Status, "Vectara reports no app client status")
	}
	assert.Equal(t, map[string]bool{"owner": true, "corpus_developer": false, "future_role": false}, priv)
	got, err = appendApp(nil, decode[api.AppClient](t, `{"id":"app_2","api_roles":[]}`))
	assert.NoError(t, err)
	assert.Empty(t, got)
	_, err = appendApp(nil, decode[api.AppClient](t, `{"api_roles":["owner"]}`))
	assert.ErrorContains(t, err, "without an id")
}
