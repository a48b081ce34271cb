package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// upstream serves fixed documents on 127.0.0.1, standing in for the vendors.
func upstream(t *testing.T, docs map[string]struct {
	contentType string
	body        string
	status      int
}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", d.contentType)
		if d.status != 0 {
			w.WriteHeader(d.status)
		}
		_, _ = w.Write([]byte(d.body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func readSpec(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repo, "api", "specs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func mustReplace(t *testing.T, s, old, new string) string {
	t.Helper()
	if strings.Count(s, old) != 1 {
		t.Fatalf("%q is not in the document once", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestFetchValidatesWhatItFetched(t *testing.T) {
	cortex := readSpec(t, "cortex.json")
	vectara := readSpec(t, "vectara.yaml")
	type doc = struct {
		contentType string
		body        string
		status      int
	}
	srv := upstream(t, map[string]doc{
		"/users.md":       {"text/markdown", "# Users\n\nSome prose.\n\n```json\n" + strings.TrimSuffix(cortex, "\n") + "\n```\n", 0},
		"/login.md":       {"text/html; charset=utf-8", "<!DOCTYPE html><html><head><title>Sign in</title></head></html>", 0},
		"/sneaky.md":      {"text/plain", "<!doctype html>\n<html><body>Not found</body></html>", 0},
		"/broken.md":      {"text/markdown", "```json\n{\"hello\": \"world\"}\n```\n", 0},
		"/gone.md":        {"text/markdown", "moved", http.StatusMovedPermanently},
		"/vectara.yaml":   {"application/yaml", vectara, 0},
		"/vectara-2.yaml": {"application/yaml", mustReplace(t, vectara, "Lists all users on the account", "Lists every user of the account"), 0},
		"/vectara-3.yaml": {"application/yaml", mustReplace(t, vectara, "        - agent_developer\n        - agent_user\n", "        - agent_developer\n        - agent_user\n        - agent_auditor\n"), 0},
	})
	src := func(path string) *Sources {
		return &Sources{Specs: []SourceEntry{{File: "cortex.json", Kind: "verbatim", SHA256: "recorded",
			Upstream: &Reference{URL: srv.URL + path, Format: "markdown-json-block"}}}}
	}
	ctx := context.Background()

	r := fetchAll(ctx, srv.Client(), src("/users.md"))[0]
	if r.Err != nil || r.Content == nil || string(r.Content) != cortex {
		t.Fatalf("the spec in a page: want cortex.json byte for byte, got %v %q", r.Err, r.Content)
	}
	if !r.Changed {
		t.Error("a digest other than the recorded one is a change")
	}
	for path, want := range map[string]string{
		"/login.md":   "HTML page",
		"/sneaky.md":  "HTML page",
		"/broken.md":  "not an OpenAPI document",
		"/gone.md":    "status 301",
		"/missing.md": "status 404",
	} {
		r := fetchAll(ctx, srv.Client(), src(path))[0]
		if r.Err == nil || !strings.Contains(r.Err.Error(), want) {
			t.Errorf("%s: want an error saying %q, got %v", path, want, r.Err)
		}
	}

	// A hand-written spec's reference: only the followed operations count.
	ref := func(path string, ops ...string) fetched {
		return fetchAll(ctx, srv.Client(), &Sources{Specs: []SourceEntry{{File: "vectara.yaml", Kind: "hand-written",
			References: []Reference{{URL: srv.URL + path, Format: "openapi", Operations: ops}}}}})[0]
	}
	a, b := ref("/vectara.yaml", "GET /v2/users"), ref("/vectara-2.yaml", "GET /v2/users/{username}")
	if a.Err != nil || b.Err != nil {
		t.Fatal(a.Err, b.Err)
	}
	same := ref("/vectara.yaml", "GET /v2/users/{username}")
	if same.SHA256 != b.SHA256 {
		t.Error("a change outside the followed operations changed their digest")
	}
	if moved := ref("/vectara-2.yaml", "GET /v2/users"); moved.SHA256 == a.SHA256 {
		t.Error("a change to a followed operation left its digest as it was")
	}
	if deep := ref("/vectara-3.yaml", "GET /v2/users"); deep.SHA256 == a.SHA256 {
		t.Error("a change to a component a followed operation references left its digest as it was")
	}
	if gone := ref("/vectara.yaml", "DELETE /v2/users"); gone.Err == nil || !strings.Contains(gone.Err.Error(), "gone upstream") {
		t.Errorf("an operation missing upstream: got %v", gone.Err)
	}
	if html := ref("/login.md", "GET /v2/users"); html.Err == nil {
		t.Error("an HTML page accepted as a reference")
	}
}

// TestSourcesRoundTrip: rewriting sources.json (fetch -write) changes only
// what changed.
func TestSourcesRoundTrip(t *testing.T) {
	path := filepath.Join(repo, "api", "specs", "sources.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := readSources(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "api", "specs"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "api", "specs", "sources.json")
	newSpec := []byte(`{"openapi": "3.0.1"}` + "\n")
	if err := apply(dir, out, src, []fetched{{File: "cortex.json", Changed: true, Content: newSpec, SHA256: strings.Repeat("a", 64)}}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var before, after Sources
	if err := json.Unmarshal(data, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &after); err != nil {
		t.Fatal(err)
	}
	if after.Specs[0].SHA256 != strings.Repeat("a", 64) || after.Specs[0].Date == before.Specs[0].Date && before.Specs[0].Date != today() {
		t.Errorf("cortex.json's entry not updated: %+v", after.Specs[0])
	}
	// Everything else is byte for byte as it was.
	after.Specs[0].SHA256, after.Specs[0].Date = before.Specs[0].SHA256, before.Specs[0].Date
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(after); err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(data) {
		t.Errorf("sources.json is not in the form fetch -write writes; a rewrite would reformat it:\n%s", buf.String())
	}
	if written, _ := os.ReadFile(filepath.Join(dir, "api", "specs", "cortex.json")); !bytes.Equal(written, newSpec) {
		t.Errorf("cortex.json not written: %q", written)
	}
}
