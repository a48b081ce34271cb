// Package specs embeds the OpenAPI documents that rolecall's clients are
// generated from, loads them for validation, and looks their operations up
// (Document, on kin-openapi's router) for drift checks, fixtures, the fake
// provider server and the contract tests.
//
// cortex.json is Cortex's published spec, vendored byte for byte; the changes
// generation needs live in cortex.overlay.yaml, which oapi-codegen applies.
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

//go:embed cortex.json cortex.overlay.yaml openai.yaml vectara.yaml logto.yaml
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

// Load parses provider's spec with kin-openapi and validates it. Every call
// returns a fresh document, so callers may change it (for example, replace
// its servers to route test requests).
func Load(ctx context.Context, provider string) (*openapi3.T, error) {
	data, err := Bytes(provider)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("specs: load %s: %w", provider, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("specs: validate %s: %w", provider, err)
	}
	return doc, nil
}
