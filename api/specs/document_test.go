package specs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/api/specs"
)

func open(t *testing.T, provider string) *specs.Document {
	t.Helper()
	doc, err := specs.Open(context.Background(), provider)
	require.NoError(t, err)
	return doc
}

func TestFindAndMatch(t *testing.T) {
	doc := open(t, "openai")
	assert.Equal(t, "/v1", doc.BasePath)
	for _, ref := range []string{"list-user-role-assignments", "GET /organization/users/{user_id}/roles",
		"get /v1/organization/users/u-1/roles", "GET /organization/users/u-1/roles"} {
		o, err := doc.Find(ref)
		require.NoError(t, err, ref)
		assert.Equal(t, "list-user-role-assignments", o.ID, ref)
	}
	_, err := doc.Find("nope")
	assert.Error(t, err)

	o, params, err := doc.Match("GET", "/v1/organization/users/user%2F1/roles")
	require.NoError(t, err)
	assert.Equal(t, "list-user-role-assignments", o.ID)
	assert.Equal(t, map[string]string{"user_id": "user/1"}, params)
	o, _, err = doc.Match("GET", "/v1/organization/users")
	require.NoError(t, err)
	assert.Equal(t, "list-users", o.ID, "a literal path wins")
	_, _, err = doc.Match("POST", "/v1/organization/users")
	assert.Error(t, err)

	logto := open(t, "logto")
	assert.Equal(t, "", logto.BasePath, "a server variable in the host is fine")
	o, params, err = logto.Match("GET", "/api/users/u1/roles")
	require.NoError(t, err)
	assert.Equal(t, "ListUserRoles", o.ID)
	assert.Equal(t, "u1", params["userId"])
	assert.Len(t, logto.Operations(), 9)
	assert.Equal(t, []int{200, 400, 401, 403, 404, 500}, o.Statuses())
}

// FindRoute serves openapi3filter: it routes by path whatever the host, and
// without the base path the request is not OpenAI's.
func TestFindRoute(t *testing.T) {
	doc := open(t, "openai")
	for _, target := range []string{"http://127.0.0.1:9/v1/organization/users/u%2F1/roles", "https://api.openai.com/v1/organization/users/u%2F1/roles"} {
		route, params, err := doc.FindRoute(httptest.NewRequest(http.MethodGet, target, nil))
		require.NoError(t, err, target)
		assert.Equal(t, "list-user-role-assignments", route.Operation.OperationID)
		assert.Equal(t, "u/1", params["user_id"])
	}
	_, _, err := doc.FindRoute(httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9/organization/users", nil))
	assert.Error(t, err, "FindRoute takes the request's path as sent")

	op, err := doc.Find("list-users")
	require.NoError(t, err)
	assert.Equal(t, "list-users", op.Route().Operation.OperationID)
	assert.Same(t, op.Operation, op.Route().Operation)
}
