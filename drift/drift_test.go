package drift_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/api/specs"
	"github.com/rolecall/rolecall/drift"
)

func load(t *testing.T, provider string) *specs.Document {
	t.Helper()
	doc, err := specs.Open(context.Background(), provider)
	require.NoError(t, err)
	return doc
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// lines renders the findings, one string each.
func lines(r drift.Report) []string {
	out := make([]string, 0, len(r.Findings))
	for _, f := range r.Findings {
		out = append(out, f.String())
	}
	return out
}

func TestVectara(t *testing.T) {
	doc := load(t, "vectara")
	body := `{"users":[
		{"id":"usr_1","email":"a@example.com","username":"a","enabled":true,"api_roles":["owner"]},
		{"id":"usr_2","email":"b@example.com","username":"b","enabled":true,"api_roles":["administrator"],"mfa_enabled":true},
		{"id":"usr_3","email":"c@example.com","username":"c","enabled":false,"api_roles":[],
		 "api_policy":{"name":"x","allowed_operations":{"query":null,"index":{"allow_any_resource":false,"scope":"corpus"}}}},
		{"id":"usr_4","email":"d@example.com","username":"d","enabled":true,"api_roles":["future_role"],
		 "corpus_roles":[{"corpus_key":"docs","role":"viewer"},{"corpus_key":"kb","role":"auditor"}]}],
		"metadata":{"page_key":"","total":4}}`
	r := drift.Check(doc, "listUsers", 200, jsonHeader, []byte(body))
	require.NoError(t, r.Err)
	assert.Equal(t, []string{
		`metadata.total: unknown field "total"`,
		`users[1].mfa_enabled: unknown field "mfa_enabled"`,
		`users[2].api_policy.allowed_operations.index.scope: unknown field "scope"`,
		`users[3].api_roles[0]: unknown enum value "future_role"`,
		`users[3].corpus_roles[1].role: unknown enum value "auditor"`,
	}, lines(r))
	assert.Empty(t, r.Of(drift.Violation), "an unknown enum value is not also a violation")
	assert.Len(t, r.Of(drift.UnknownEnum), 2)
	assert.Equal(t, "listUsers", r.Operation)
	assert.False(t, r.Clean())
	assert.Equal(t, `listUsers 200: 3 unknown fields, 2 unknown enum values
  metadata.total: unknown field "total"
  users[1].mfa_enabled: unknown field "mfa_enabled"
  users[2].api_policy.allowed_operations.index.scope: unknown field "scope"
  users[3].api_roles[0]: unknown enum value "future_role"
  users[3].corpus_roles[1].role: unknown enum value "auditor"`, r.String())

	// Violations: a wrong type, a broken pattern, a null where none is allowed.
	r = drift.Check(doc, "GET /v2/users", 200, jsonHeader, []byte(`{"users":[{"id":"u1","enabled":"yes"}],"metadata":{"page_key":null}}`))
	assert.ElementsMatch(t, []string{"pattern", "type", "nullable"}, keywords(r.Of(drift.Violation)), r.String())
	for _, f := range r.Of(drift.Violation) {
		switch f.Keyword {
		case "pattern":
			assert.Equal(t, "users[0].id", f.Path)
		case "type":
			assert.Equal(t, "users[0].enabled", f.Path)
		}
	}

	// getUser, found by its request path; an empty body is not JSON.
	r = drift.Check(doc, "GET /v2/users/someone", 200, jsonHeader, []byte(`{"id":"usr_9","agent_roles":[{"agent_key":"a","role":"agent_user"}]}`))
	assert.True(t, r.Clean(), r.String())
	assert.Equal(t, "getUser 200: matches the spec", r.String())
	r = drift.Check(doc, "getUser", 200, jsonHeader, nil)
	assert.Equal(t, []string{"json"}, keywords(r.Findings))

	// A 404 of listUsers is a NotFoundError; an undeclared field there too.
	r = drift.Check(doc, "listUsers", 404, jsonHeader, []byte(`{"id":"kb","messages":["Corpus not found"],"code":7}`))
	assert.Equal(t, []string{`code: unknown field "code"`}, lines(r))
}

func TestOpenAI(t *testing.T) {
	doc := load(t, "openai")
	body := `{"object":"list","has_more":false,"first_id":"user-1","last_id":"user-2","data":[
		{"object":"organization.user","id":"user-1","name":"Ada","email":"ada@example.com","role":"owner","added_at":1,"projects":{"data":[]}},
		{"object":"organization.user","id":"user-2","name":null,"email":null,"role":"member","added_at":2}]}`
	r := drift.Check(doc, "list-users", 200, jsonHeader, []byte(body))
	assert.Equal(t, []string{
		`data[0].projects: unknown field "projects"`,
		`data[1].role: unknown enum value "member"`,
	}, lines(r))

	// Free-form objects (metadata, created_by_user_obj) never drift.
	roles := `{"object":"list","has_more":false,"next":null,"data":[{"id":"r","name":"R","permissions":[],"resource_type":"api.organization",
		"predefined_role":false,"description":null,"created_at":null,"updated_at":null,"created_by":"user-1",
		"created_by_user_obj":{"id":"user-1","anything":{"goes":true}},"metadata":{"team":"x"},
		"assignment_sources":[{"principal_id":"g1","principal_type":"group","since":5}]}]}`
	r = drift.Check(doc, "GET /v1/organization/users/user-1/roles", 200, jsonHeader, []byte(roles))
	assert.Equal(t, []string{`data[0].assignment_sources[0].since: unknown field "since"`}, lines(r))
	assert.Equal(t, "list-user-role-assignments", r.Operation)

	// A missing required field and a wrong type are violations.
	r = drift.Check(doc, "list-roles", 200, jsonHeader, []byte(`{"object":"list","data":[{"object":"role","id":"r","name":5}],"next":null}`))
	assert.Contains(t, keywords(r.Of(drift.Violation)), "required")
	assert.Contains(t, keywords(r.Of(drift.Violation)), "type")
	assert.Contains(t, lines(r), `data[0].name: violation (type): value must be a string`)

	// A status the operation does not declare.
	r = drift.Check(doc, "list-roles", 418, jsonHeader, []byte(`{}`))
	assert.Equal(t, []string{"status"}, keywords(r.Findings))
	assert.Contains(t, r.String(), "status 418 is not declared (declared: [200 400 401 403 404 429])")
}

func TestCortex(t *testing.T) {
	doc := load(t, "cortex")
	body := `{"page":0,"total":2,"totalPages":1,"users":[
		{"email":"a@example.com","name":"A","roles":[{"type":"BASIC","role":"ADMIN"}],"lastLogin":"2024-01-01"},
		{"email":"b@example.com","name":"B","roles":[{"type":"GROUP","name":"Team","tag":"team","groupId":"g1"}]}]}`
	r := drift.Check(doc, "getUserRoleAssignments", 200, jsonHeader, []byte(body))
	assert.Equal(t, []string{
		`users[0].lastLogin: unknown field "lastLogin"`,
		`users[1].roles[0].groupId: unknown field "groupId"`,
		`users[1].roles[0].type: unknown enum value "GROUP"`,
	}, lines(r))

	// The 429 is application/problem+json with an integer Retry-After.
	problem := http.Header{"Content-Type": {"application/problem+json"}, "Retry-After": {"12"}}
	r = drift.Check(doc, "getUserRoleAssignments", 429, problem, []byte(`{"type":"about:blank","title":"Too Many Requests","status":429,"retryAfter":12}`))
	assert.True(t, r.Clean(), r.String())
	problem.Set("Retry-After", "soon")
	r = drift.Check(doc, "getUserRoleAssignments", 429, problem, []byte(`{"type":"about:blank","title":"Too Many Requests","status":430,"retryAfter":"12"}`))
	assert.Equal(t, "header Retry-After", r.Findings[0].Path, r.String())
	assert.Contains(t, lines(r), `status: unknown enum value 430`)
	assert.Contains(t, lines(r), `retryAfter: violation (type): value must be an integer`)

	// A content type the response does not declare: an HTML gateway page.
	r = drift.Check(doc, "getUserRoleAssignments", 429, http.Header{"Content-Type": {"text/html"}}, []byte("<html>busy</html>"))
	assert.Equal(t, []string{"content-type"}, keywords(r.Findings))
}

func TestLogto(t *testing.T) {
	doc := load(t, "logto")
	user := `{"id":"u1","username":null,"primaryEmail":null,"primaryPhone":null,"name":null,"avatar":null,
		"customData":{"anything":1},"identities":{"github":{"userId":"1","details":{"x":1},"linkedAt":5}},
		"lastSignInAt":null,"createdAt":1,"updatedAt":2,"profile":{"nickname":"n","pronouns":"they"},
		"applicationId":null,"isSuspended":false,"hasPassword":true,"mfaVerificationFactors":[]}`
	hdr := http.Header{"Content-Type": {"application/json"}, "Total-Number": {"1"}}
	r := drift.Check(doc, "ListRoleUsers", 200, hdr, []byte("["+user+"]"))
	assert.Equal(t, []string{
		`[0].identities.github.linkedAt: unknown field "linkedAt"`,
		`[0].mfaVerificationFactors: unknown field "mfaVerificationFactors"`,
		`[0].profile.pronouns: unknown field "pronouns"`,
	}, lines(r))

	hdr.Set("Total-Number", "many")
	r = drift.Check(doc, "ListRoles", 200, hdr, []byte(`[{"tenantId":"default","id":"r","name":"admin","description":"d","type":"Organization","isDefault":false,
		"usersCount":0,"featuredUsers":[],"applicationsCount":0,"featuredApplications":[]}]`))
	assert.Equal(t, "header Total-Number", r.Findings[0].Path, r.String())
	assert.Equal(t, "header", r.Findings[0].Keyword)
	assert.Contains(t, lines(r), `[0].type: unknown enum value "Organization"`)

	// An unhandled error's body has no code, as LogtoInternalError allows;
	// a 500 without its message breaks it.
	r = drift.Check(doc, "ListRoles", 500, jsonHeader, []byte(`{"message":"Internal server error."}`))
	assert.Empty(t, r.Findings, r.String())
	r = drift.Check(doc, "ListRoles", 500, jsonHeader, []byte(`{"code":"unexpected"}`))
	assert.Equal(t, []string{"required"}, keywords(r.Findings), r.String())
}

func TestUnknownOperation(t *testing.T) {
	r := drift.Check(load(t, "openai"), "nope", 200, nil, nil)
	assert.Error(t, r.Err)
	assert.Contains(t, r.String(), "not checked")
}

func keywords(fs []drift.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Keyword)
	}
	return out
}
