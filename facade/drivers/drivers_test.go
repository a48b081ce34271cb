package drivers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
)

func TestNew(t *testing.T) {
	for _, p := range drivers.Providers {
		l, err := drivers.New(p, "a-credential", facade.Options{BaseURL: "https://tenant.example.com"})
		require.NoError(t, err)
		assert.Equal(t, p, l.Provider())
	}
	_, err := drivers.New("okta", "x", facade.Options{})
	assert.ErrorContains(t, err, `unknown provider "okta"`)
}
