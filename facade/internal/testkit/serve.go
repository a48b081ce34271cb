// Package testkit holds the drivers' test helpers: a 127.0.0.1 server
// mounted under a base path with canned answers, the fuzz targets'
// in-memory transport and listing check, and the check that a listing
// ends InvalidResponse. The conformance suite is
// facade/facadetest.
package testkit

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// BasePath is the non-root path Serve mounts a handler under, so that a
// driver dropping its base path fails loudly (go-github's trick).
const BasePath = "/base"

// Serve starts a 127.0.0.1 server that hands requests under BasePath to h
// (with BasePath stripped) and answers anything else with 404. It returns
// the base URL to give a driver; the server closes when the test ends.
func Serve(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(BasePath+"/", http.StripPrefix(BasePath, h))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + BasePath
}

// WriteJSON writes v as a JSON response with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteRaw writes body as a JSON response with status.
func WriteRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(strings.TrimSpace(body)))
}

// LogBuffer is a log sink safe for the drivers' concurrent writers.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
