package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/load"
	"github.com/speakeasy-api/openapi/overlay/loader"
	"gopkg.in/yaml.v3"
)

// effectiveSpec loads one version of a provider's spec, and the spec with
// the overlay its generator configuration names applied the way
// oapi-codegen applies it (strictly, with the same library). overlaid is
// nil when there is no overlay; err says why it could not be applied (raw
// is then still returned, unless the spec itself does not load).
func effectiveSpec(side string, tree Tree, provider string, gen *generate) (raw, overlaid *load.SpecInfo, err error) {
	data, err := tree(gen.Spec)
	if err != nil {
		return nil, nil, err
	}
	raw, err = loadSpec(side+" "+gen.Spec, data)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := tree("gen/" + provider + "/cfg.yaml")
	if err != nil {
		return raw, nil, nil // an older layout: no configuration to read
	}
	path := overlayPath(cfg)
	if path == "" {
		return raw, nil, nil
	}
	rel := filepath.ToSlash(filepath.Join("gen", provider, path))
	ov, err := tree(rel)
	if err != nil {
		return raw, nil, fmt.Errorf("the %s version's overlay %s: %w", side, rel, err)
	}
	doc, err := applyOverlay(raw.Spec, ov)
	if err != nil {
		return raw, nil, fmt.Errorf("the overlay %s does not apply to the %s version of %s: %w", rel, side, gen.Spec, err)
	}
	return raw, &load.SpecInfo{Spec: doc, Source: raw.Source, Version: raw.Version}, nil
}

// overlayPath is output-options.overlay.path of a generator configuration.
func overlayPath(cfg []byte) string {
	var c struct {
		OutputOptions struct {
			Overlay struct {
				Path string `yaml:"path"`
			} `yaml:"overlay"`
		} `yaml:"output-options"`
	}
	if yaml.Unmarshal(cfg, &c) != nil {
		return ""
	}
	return c.OutputOptions.Overlay.Path
}

// applyOverlay applies an OpenAPI Overlay to doc, as oapi-codegen does.
func applyOverlay(doc *openapi3.T, overlay []byte) (*openapi3.T, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	var node yaml.Node
	if err := yaml.NewDecoder(&buf).Decode(&node); err != nil {
		return nil, err
	}
	o, err := loader.LoadOverlayFromReader(bytes.NewReader(overlay))
	if err != nil {
		return nil, err
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if problems, err := o.ApplyToStrict(&node); err != nil {
		if len(problems) > 0 {
			err = fmt.Errorf("%w (%s)", err, strings.Join(problems, "; "))
		}
		return nil, err
	}
	out, err := yaml.Marshal(&node)
	if err != nil {
		return nil, err
	}
	return openapi3.NewLoader().LoadFromData(out)
}
