package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestListedSchemas checks which schemas the drill derives from a spec:
// the named object items of a collection's 200 body (a bare array, or an
// array property), through $refs to responses and schemas; not those of a
// single resource's GET, nor enums, nor inline items.
func TestListedSchemas(t *testing.T) {
	const spec = `
openapi: 3.0.3
paths:
  /things:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ThingPage"}
  /things/{id}:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
  /bare:
    get:
      responses:
        "200": {$ref: "#/components/responses/BareList"}
  /enums:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Kind"}}
  /inline:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {a: {type: string}}}}
components:
  responses:
    BareList:
      description: a bare array
      content:
        application/json:
          schema: {type: array, items: {$ref: "#/components/schemas/Bare"}}
  schemas:
    ThingPage:
      type: object
      properties:
        data: {type: array, items: {$ref: "#/components/schemas/Thing"}}
        next: {type: string}
    Thing:
      type: object
      properties:
        tags: {type: array, items: {$ref: "#/components/schemas/Tag"}}
    Tag: {type: object, properties: {name: {type: string}}}
    Bare: {type: object, properties: {id: {type: string}}}
    Kind: {type: string, enum: [a, b]}
`
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(spec), &doc); err != nil {
		t.Fatal(err)
	}
	if got, want := listedSchemas(&doc), []string{"Bare", "Thing"}; !slices.Equal(got, want) {
		t.Errorf("listedSchemas = %q, want %q", got, want)
	}
}

// TestRecordsCoverEveryProvider checks that the derivation finds every
// provider of gen/ and, in each, the record schema its driver maps today.
func TestRecordsCoverEveryProvider(t *testing.T) {
	recs, err := records(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	gens, err := os.ReadDir(filepath.Join("..", "..", "gen"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, r := range recs {
		have[r.provider] = true
		have[r.provider+"."+r.schema] = true
	}
	for _, g := range gens {
		if g.IsDir() && !have[g.Name()] {
			t.Errorf("gen/%s: no record schema derived", g.Name())
		}
	}
	for _, mapped := range []string{"cortex.UserRoleAssignment", "cortexadmin.ApiKey", "cortexadmin.WorkspaceUser", "openai.AssignedRoleDetails", "openai.OrganizationUser", "vectara.User", "logto.UserProfile"} {
		if !have[mapped] {
			t.Errorf("%s: not derived", mapped)
		}
	}
}
