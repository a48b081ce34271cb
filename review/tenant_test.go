package review

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
)

// An account is per (tenant, kind, id): the same user id in two tenants
// of one provider is two accounts of the person, and a key's owner is
// looked up in its own tenant.
func TestJoinPerTenant(t *testing.T) {
	as := []facade.Assignment{
		{Provider: "openai", Tenant: "openai-eu", UserID: "user-1", Email: "ada@x.com", RoleID: "owner"},
		{Provider: "openai", Tenant: "openai-us", UserID: "user-1", Email: "ada@x.com", RoleID: "reader"},
		{Provider: "openai", Tenant: "openai-us", Principal: facade.APIKey, UserID: "key-1", RoleID: "owner",
			Owner: facade.Owner{Kind: facade.User, ID: "user-1"}},
		{Provider: "openai", UserID: "user-9", Email: "bob@x.com", RoleID: "owner"},
	}
	people := Join(as, nil)
	byKey := map[string]*Person{}
	for i := range people {
		byKey[people[i].Key] = &people[i]
	}
	ada := byKey["ada@x.com"]
	require.NotNil(t, ada)
	require.Len(t, ada.Accounts, 2)
	assert.ElementsMatch(t, []string{"openai-eu", "openai-us"}, []string{ada.Accounts[0].TenantName(), ada.Accounts[1].TenantName()})
	key := byKey["openai-us:api_key:key-1"]
	require.NotNil(t, key)
	assert.Equal(t, "ada@x.com", key.Accounts[0].OwnerPerson)
	require.NotNil(t, byKey["bob@x.com"])
	assert.Equal(t, "openai", byKey["bob@x.com"].Accounts[0].TenantName())
	assert.Equal(t, "", tenantOf(byKey["bob@x.com"].Accounts[0]))
}
