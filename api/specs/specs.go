// Package specs embeds the OpenAPI documents that rolecall's clients are
// generated from, loads them for validation, and looks their operations up
// (Document, on kin-openapi's router) for drift checks, fixtures, the fake
// provider server and the contract tests.
//
// cortex.json is Cortex's published spec, vendored byte for byte; the changes
// generation needs live in cortex.overlay.yaml, which oapi-codegen applies.
// The further Cortex operations rolecall calls (users, API keys) are in
// cortex-admin.yaml, written by hand from Cortex's docs and generated into
// a package of its own; Load merges it into Cortex's document (see Parts).
// openai.yaml, vectara.yaml and logto.yaml are written by hand from the
// vendors' documentation (see README.md in this folder for where they depart
// from it). The same documents drive contract tests and the fake provider
// server, so a client, a fixture and a fake never disagree about the API.
package specs

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed cortex.json cortex.overlay.yaml cortex-admin.yaml openai.yaml vectara.yaml logto.yaml
var files embed.FS

// fileNames maps a provider to its spec file. The list of providers, in
// report order, is facade/drivers' registry, which names these files too.
var fileNames = map[string]string{
	"cortex":  "cortex.json",
	"openai":  "openai.yaml",
	"vectara": "vectara.yaml",
	"logto":   "logto.yaml",
}

// FS returns the embedded spec files.
func FS() fs.FS { return files }

// File returns the name of provider's spec file within FS.
func File(provider string) (string, error) {
	name, ok := fileNames[provider]
	if !ok {
		return "", fmt.Errorf("specs: unknown provider %q: no spec embedded for it", provider)
	}
	return name, nil
}

// Bytes returns provider's spec exactly as embedded.
func Bytes(provider string) ([]byte, error) {
	name, err := File(provider)
	if err != nil {
		return nil, err
	}
	return files.ReadFile(name)
}

// Parts returns the names of provider's further spec files within FS, in
// name order: the embedded "<provider>-<part>.yaml" files (cortex-admin.yaml),
// which hold operations beside the provider's main spec (File) when that
// one is vendored verbatim and may not change. Nothing lists them by hand:
// a file named so is a part.
func Parts(provider string) ([]string, error) {
	if _, err := File(provider); err != nil {
		return nil, err
	}
	return fs.Glob(files, provider+"-*.yaml")
}

// Load parses provider's spec with kin-openapi and validates it, with the
// operations of its Parts merged in: one document serving every operation
// the provider's driver calls. Every call returns a fresh document, so
// callers may change it (for example, replace its servers to route test
// requests).
func Load(ctx context.Context, provider string) (*openapi3.T, error) {
	name, err := File(provider)
	if err != nil {
		return nil, err
	}
	doc, err := LoadFile(ctx, name)
	if err != nil {
		return nil, err
	}
	parts, err := Parts(provider)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		part, err := LoadFile(ctx, p)
		if err != nil {
			return nil, err
		}
		if err := merge(doc, part); err != nil {
			return nil, fmt.Errorf("specs: merge %s into %s: %w", p, name, err)
		}
	}
	return doc, nil
}

// LoadFile parses the embedded spec file name (File, Parts) with kin-openapi
// and validates it, alone.
func LoadFile(ctx context.Context, name string) (*openapi3.T, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("specs: %w", err)
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("specs: load %s: %w", name, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("specs: validate %s: %w", name, err)
	}
	return doc, nil
}

// merge adds part's paths to doc, and its component schemas that doc does
// not name. A path both declare is an error. The operations keep the
// schemas their own document resolved, so a component of the same name in
// both (ErrorResponse) changes nothing in either's operations.
func merge(doc, part *openapi3.T) error {
	for path, item := range part.Paths.Map() {
		if doc.Paths.Value(path) != nil {
			return fmt.Errorf("both declare %s", path)
		}
		doc.Paths.Set(path, item)
	}
	if doc.Components == nil {
		doc.Components = &openapi3.Components{}
	}
	if part.Components != nil {
		for name, s := range part.Components.Schemas {
			if doc.Components.Schemas == nil {
				doc.Components.Schemas = openapi3.Schemas{}
			}
			if _, ok := doc.Components.Schemas[name]; !ok {
				doc.Components.Schemas[name] = s
			}
		}
	}
	return nil
}
