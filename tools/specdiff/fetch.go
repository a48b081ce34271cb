package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Sources is api/specs/sources.json: the provenance of each vendored file.
// (The root module's TestSources holds the files to it.)
type Sources struct {
	Comment string        `json:"comment"`
	Specs   []SourceEntry `json:"specs"`
}

// SourceEntry is one file's provenance.
type SourceEntry struct {
	File       string      `json:"file"`
	Kind       string      `json:"kind"`
	AppliesTo  string      `json:"applies_to,omitempty"`
	Upstream   *Reference  `json:"upstream,omitempty"`
	References []Reference `json:"references,omitempty"`
	Date       string      `json:"date"`
	SHA256     string      `json:"sha256"`
}

// Reference is an upstream document.
type Reference struct {
	URL        string   `json:"url"`
	Format     string   `json:"format"`
	Note       string   `json:"note,omitempty"`
	ReviewedAt string   `json:"reviewed_at,omitempty"`
	Operations []string `json:"operations,omitempty"`
	SHA256     string   `json:"sha256,omitempty"`
}

// maxDocument bounds what a fetch reads (OpenAI's whole spec is a few MB).
const maxDocument = 64 << 20

// fetched is what one upstream fetch found.
type fetched struct {
	File    string
	URL     string
	Changed bool
	Detail  string
	Content []byte // the new vendored file, for a verbatim spec
	SHA256  string // the new digest (of the file, or of the followed operations)
	Err     error
}

// runFetch fetches the upstreams named in sources.json, validates what came
// back, and with -write updates the vendored files and sources.json.
func runFetch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("specdiff fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("repo", "", "the repository (default: the git work tree around the current directory)")
	write := fs.Bool("write", false, "update the vendored files and sources.json with what changed")
	timeout := fs.Duration("timeout", 2*time.Minute, "for all the fetches")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir, err := repoRoot(*root)
	if err != nil {
		fmt.Fprintf(stderr, "specdiff fetch: %v\n", err)
		return 2
	}
	path := filepath.Join(dir, "api", "specs", "sources.json")
	src, err := readSources(path)
	if err != nil {
		fmt.Fprintf(stderr, "specdiff fetch: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	results := fetchAll(ctx, http.DefaultClient, src)
	failed := false
	fmt.Fprintf(stdout, "## Upstream specs (%s)\n\n", time.Now().UTC().Format(time.DateOnly))
	for _, r := range results {
		switch {
		case r.Err != nil:
			failed = true
			fmt.Fprintf(stdout, "- **%s**: %s: fetch failed: %v\n", r.File, r.URL, r.Err)
		case r.Changed:
			fmt.Fprintf(stdout, "- **%s**: %s: **changed**: %s\n", r.File, r.URL, r.Detail)
		default:
			fmt.Fprintf(stdout, "- %s: %s: unchanged\n", r.File, r.URL)
		}
	}
	if *write {
		if err := apply(dir, path, src, results); err != nil {
			fmt.Fprintf(stderr, "specdiff fetch: %v\n", err)
			return 2
		}
	}
	if failed {
		return 2
	}
	return 0
}

func readSources(path string) (*Sources, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var src Sources
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&src); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &src, nil
}

// fetchAll fetches every upstream of src: the verbatim files' sources and
// the hand-written files' machine-readable references.
func fetchAll(ctx context.Context, client *http.Client, src *Sources) []fetched {
	var out []fetched
	for _, e := range src.Specs {
		if e.Kind == "verbatim" && e.Upstream != nil {
			r := fetched{File: e.File, URL: e.Upstream.URL}
			body, err := get(ctx, client, e.Upstream.URL)
			if err == nil {
				r.Content, err = vendoredFrom(e.Upstream.Format, body)
			}
			if err != nil {
				r.Err = err
			} else {
				sum := sha256.Sum256(r.Content)
				r.SHA256 = hex.EncodeToString(sum[:])
				r.Changed = r.SHA256 != e.SHA256
				r.Detail = fmt.Sprintf("sha256 %s, recorded %s", short(r.SHA256), short(e.SHA256))
			}
			out = append(out, r)
		}
		for _, ref := range e.References {
			if ref.Format == "page" {
				continue // prose, read by people
			}
			r := fetched{File: e.File, URL: ref.URL}
			body, err := get(ctx, client, ref.URL)
			if err == nil {
				r.SHA256, err = operationsDigest(ref.Format, body, ref.Operations)
			}
			if err != nil {
				r.Err = err
			} else {
				r.Changed = r.SHA256 != ref.SHA256
				if ref.SHA256 == "" {
					r.Detail = fmt.Sprintf("digest of %s recorded for the first time (%s): review %s against it", strings.Join(ref.Operations, ", "), short(r.SHA256), e.File)
				} else {
					r.Detail = fmt.Sprintf("%s changed upstream (%s, recorded %s): review %s against it", strings.Join(ref.Operations, ", "), short(r.SHA256), short(ref.SHA256), e.File)
				}
			}
			out = append(out, r)
		}
	}
	return out
}

// get fetches url and refuses what is not a document: a status other than
// 200, or an HTML page (a vendor's error or login page often comes with 200).
func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "rolecall-specdiff (+https://github.com/rolecall/rolecall)")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxDocument {
		return nil, fmt.Errorf("larger than %d bytes", maxDocument)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" || looksLikeHTML(body) {
		return nil, errors.New("an HTML page, not a spec (status 200 is not enough)")
	}
	return body, nil
}

func looksLikeHTML(body []byte) bool {
	head := strings.ToLower(string(bytes.TrimSpace(body[:min(len(body), 512)])))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<head>")
}

var jsonBlock = regexp.MustCompile("(?s)```json\n(.*?)\n```")

// vendoredFrom extracts the vendored file from an upstream document and
// checks that it is an OpenAPI document that validates.
func vendoredFrom(format string, body []byte) ([]byte, error) {
	var doc []byte
	switch format {
	case "markdown-json-block":
		m := jsonBlock.FindSubmatch(body)
		if m == nil {
			return nil, errors.New("no json block in the page")
		}
		doc = append(m[1], '\n')
	case "openapi":
		doc = body
	default:
		return nil, fmt.Errorf("format %q is not fetched", format)
	}
	spec, err := loadSpec("upstream", doc)
	if err != nil {
		return nil, err
	}
	if err := spec.Spec.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("not a valid OpenAPI document: %w", err)
	}
	if len(spec.Spec.Paths.Map()) == 0 {
		return nil, errors.New("an OpenAPI document without operations")
	}
	return doc, nil
}

// operationsDigest is the sha256 of the followed operations of an upstream
// document (JSON or YAML), with the components they reference, in a
// canonical JSON form: it changes when those operations change, not when
// the rest of a large spec does.
func operationsDigest(format string, body []byte, operations []string) (string, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("neither JSON nor YAML: %w", err)
	}
	if format == "openapi" {
		if _, ok := doc["openapi"]; !ok {
			if _, ok := doc["swagger"]; !ok {
				return "", errors.New("not an OpenAPI document (no openapi field)")
			}
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	if paths == nil {
		return "", errors.New("no paths")
	}
	if len(operations) == 0 {
		return "", errors.New("no operations to follow")
	}
	picked := map[string]any{}
	for _, op := range operations {
		method, path, _ := strings.Cut(op, " ")
		item, _ := paths[path].(map[string]any)
		o := item[strings.ToLower(method)]
		if o == nil {
			return "", fmt.Errorf("%s is gone upstream", op)
		}
		picked[op] = o
	}
	// The components they reference, transitively.
	components := map[string]any{}
	queue := refs(picked)
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if _, done := components[ref]; done || !strings.HasPrefix(ref, "#/") {
			continue
		}
		var node any = doc
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			m, _ := node.(map[string]any)
			node = m[part]
		}
		components[ref] = node
		queue = append(queue, refs(node)...)
	}
	canonical, err := json.Marshal(map[string]any{"operations": picked, "components": components})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:]), nil
}

// refs lists the $ref values within v, sorted.
func refs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	sort.Strings(out)
	return out
}

// apply writes what changed: new verbatim files with their digest and
// today's date, and new reference digests (a person then reviews the
// hand-written spec and updates its date).
func apply(root, path string, src *Sources, results []fetched) error {
	today := today()
	changed := false
	for _, r := range results {
		if r.Err != nil || !r.Changed {
			continue
		}
		changed = true
		for i := range src.Specs {
			e := &src.Specs[i]
			if e.File != r.File {
				continue
			}
			if r.Content != nil {
				if err := os.WriteFile(filepath.Join(root, "api", "specs", e.File), r.Content, 0o644); err != nil {
					return err
				}
				e.SHA256, e.Date = r.SHA256, today
			}
			for j := range e.References {
				if e.References[j].URL == r.URL {
					e.References[j].SHA256 = r.SHA256
				}
			}
		}
	}
	if !changed {
		return nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(src); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	if sum == "" {
		return "nothing"
	}
	return sum
}
