package specs_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/api/specs"
)

func TestCortexIsVendoredVerbatim(t *testing.T) {
	// Its digest is held to sources.json by TestSources. When the seed (the
	// JSON block in Cortex's published page) is beside the checkout, compare
	// with it too: cortex.json must stay byte for byte as Cortex publishes
	// it; changes go in cortex.overlay.yaml.
	data, err := specs.Bytes("cortex")
	require.NoError(t, err)
	seed, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "seeds", "000_04c3b0d722d0b84f.txt"))
	if err != nil {
		t.Logf("seed not available (%v); checked the digest only", err)
		return
	}
	m := regexp.MustCompile("(?s)```json\n(.*?)\n```").FindSubmatch(seed)
	require.NotNil(t, m, "no JSON block in the Cortex seed")
	assert.Equal(t, string(m[1])+"\n", string(data))
}

func TestSpecsLoadAndValidate(t *testing.T) {
	for _, p := range []string{"cortex", "openai", "vectara", "logto"} {
		t.Run(p, func(t *testing.T) {
			doc, err := specs.Load(context.Background(), p)
			require.NoError(t, err)
			require.NotEmpty(t, doc.Servers, "a server URL is declared")
			require.NotEmpty(t, doc.Paths.Map(), "operations are declared")
			for path, item := range doc.Paths.Map() {
				for method, op := range item.Operations() {
					assert.NotEmpty(t, op.OperationID, "%s %s has an operationId", method, path)
					assert.NotNil(t, op.Responses.Status(200), "%s %s declares its 200 response", method, path)
				}
			}
			if p != "cortex" { // hand-written: held to the house rules
				assert.Equal(t, "3.0.3", doc.OpenAPI)
				for name, s := range doc.Components.Schemas {
					assertNamedSchemas(t, name, s.Value)
				}
			}
		})
	}
}

// assertNamedSchemas checks that objects and enums nested in a component are
// themselves components ($ref), so that generated Go names read well.
func assertNamedSchemas(t *testing.T, where string, s *openapi3.Schema) {
	t.Helper()
	var check func(name string, ref *openapi3.SchemaRef)
	check = func(name string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Ref != "" || ref.Value == nil {
			return
		}
		v := ref.Value
		if v.Type.Is("array") {
			check(name+"[]", v.Items)
			return
		}
		if v.Type.Is("object") && len(v.Properties) > 0 {
			t.Errorf("%s.%s is an inline object; make it a named component", where, name)
		}
		if len(v.Enum) > 1 {
			t.Errorf("%s.%s is an inline enum; make it a named component", where, name)
		}
	}
	for name, p := range s.Properties {
		check(name, p)
	}
	if s.AdditionalProperties.Schema != nil {
		check("*", s.AdditionalProperties.Schema)
	}
}

// TestCortexParts checks that Cortex's hand-written part (cortex-admin.yaml)
// is found by its name, held to the house rules, and merged into Cortex's
// document beside the vendored operation, which stays as it is.
func TestCortexParts(t *testing.T) {
	parts, err := specs.Parts("cortex")
	require.NoError(t, err)
	assert.Equal(t, []string{"cortex-admin.yaml"}, parts)
	for _, p := range []string{"openai", "vectara", "logto"} {
		none, err := specs.Parts(p)
		require.NoError(t, err)
		assert.Empty(t, none, p)
	}

	part, err := specs.LoadFile(context.Background(), "cortex-admin.yaml")
	require.NoError(t, err)
	assert.Equal(t, "3.0.3", part.OpenAPI)
	for name, s := range part.Components.Schemas {
		assertNamedSchemas(t, name, s.Value)
	}

	doc, err := specs.Open(context.Background(), "cortex")
	require.NoError(t, err)
	for _, id := range []string{"getUserRoleAssignments", "listUsers", "listApiKeys"} {
		_, err := doc.Find(id)
		assert.NoError(t, err, id)
	}
	op, _, err := doc.Match("GET", "/api/v1/auth/key")
	require.NoError(t, err)
	assert.Equal(t, "listApiKeys", op.ID)
	raw, err := specs.Bytes("cortex")
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "/api/v1/auth/key", "cortex.json stays the vendored file")
}

func TestUnknownProvider(t *testing.T) {
	_, err := specs.Load(context.Background(), "nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown provider "nope"`)
}
