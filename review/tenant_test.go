package review

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/report"
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

// A finding names its tenant: in the table and CSV beside the provider,
// in JSON apart; the provider's one tenant adds nothing.
func TestFindingNamesItsTenant(t *testing.T) {
	rows := []facade.Assignment{
		{Provider: "openai", Tenant: "openai-eu", UserID: "u1", Email: "a@x.com", RoleID: "owner", RoleName: "owner",
			Disabled: true, Status: facade.StatusDisabled},
		{Provider: "openai", UserID: "u1", Email: "a@x.com", RoleID: "owner", RoleName: "owner", Disabled: true,
			Status: facade.StatusDisabled},
	}
	fs := Review(Join(rows, nil), Options{AsOf: asOf})
	var csvOut, jsonOut bytes.Buffer
	require.NoError(t, WriteFindings(&csvOut, WriteOptions{Format: report.CSV}, fs))
	require.NoError(t, WriteFindings(&jsonOut, WriteOptions{Format: report.JSON}, fs))
	assert.Contains(t, csvOut.String(), ",openai/openai-eu,")
	assert.Contains(t, csvOut.String(), ",openai,")
	assert.Equal(t, 1, strings.Count(strings.ReplaceAll(jsonOut.String(), " ", ""), `"tenant":"openai-eu"`), jsonOut.String())
}
