package driverkit

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
)

func TestCredential(t *testing.T) {
	kinds := func(key, id, secret string) [][]Field {
		return [][]Field{{{Name: "APIKey", Value: key}}, {{Name: "ClientID", Value: id}, {Name: "ClientSecret", Value: secret}}}
	}
	i, err := Credential("v", "", kinds("k", "", "")...)
	require.NoError(t, err)
	assert.Equal(t, 0, i)
	i, err = Credential("v", "", kinds("", "id", "s")...)
	require.NoError(t, err)
	assert.Equal(t, 1, i)

	for _, c := range []struct {
		key, id, secret, want string
	}{
		{"", "", "", "v.Config.APIKey (or v.Config.ClientID and v.Config.ClientSecret) is not set"},
		{"k", "id", "", "set v.Config.APIKey, or v.Config.ClientID and v.Config.ClientSecret, not both"},
		{"k", "", "s", "set v.Config.APIKey, or v.Config.ClientID and v.Config.ClientSecret, not both"},
		{"", "id", "", "v.Config.ClientID is set but v.Config.ClientSecret is not"},
		{"", "", "s", "v.Config.ClientSecret is set but v.Config.ClientID is not"},
	} {
		_, err := Credential("v", "what they are", kinds(c.key, c.id, c.secret)...)
		require.Error(t, err)
		assert.ErrorIs(t, err, facade.ErrInvalidArgument)
		assert.Equal(t, "v: configure: invalid argument: "+c.want+": what they are", err.Error())
	}
	_, err = Credential("c", "", []Field{{Name: "Token"}})
	assert.EqualError(t, err, "c: configure: invalid argument: c.Config.Token is not set")
}
