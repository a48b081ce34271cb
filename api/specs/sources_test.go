package specs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/api/specs"
)

// sources is api/specs/sources.json, the provenance of every file here.
type sources struct {
	Comment string        `json:"comment"`
	Specs   []sourceEntry `json:"specs"`
}

// sourceEntry is one file's provenance.
type sourceEntry struct {
	File       string      `json:"file"`
	Kind       string      `json:"kind"` // verbatim, overlay or hand-written
	AppliesTo  string      `json:"applies_to,omitempty"`
	Upstream   *reference  `json:"upstream,omitempty"`   // a verbatim file's source
	References []reference `json:"references,omitempty"` // what a hand-written file or overlay follows
	Date       string      `json:"date"`                 // taken, or last reviewed against its references
	SHA256     string      `json:"sha256"`
}

// reference is an upstream document.
type reference struct {
	URL        string   `json:"url"`
	Format     string   `json:"format"` // openapi, openapi-fragment, markdown-json-block or page
	Note       string   `json:"note,omitempty"`
	ReviewedAt string   `json:"reviewed_at,omitempty"` // the upstream version last reviewed
	Operations []string `json:"operations,omitempty"`  // the operations followed from it
	SHA256     string   `json:"sha256,omitempty"`      // digest of those operations, as the fetch workflow computes it
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestSources holds every vendored file to its provenance entry: a file
// that changes without its entry (its sha256, and the date it was taken or
// reviewed) fails here.
func TestSources(t *testing.T) {
	data, err := os.ReadFile("sources.json")
	require.NoError(t, err)
	var src sources
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&src), "sources.json")

	embedded, err := fs.ReadDir(specs.FS(), ".")
	require.NoError(t, err)
	entries := map[string]bool{}
	for _, s := range src.Specs {
		require.False(t, entries[s.File], "%s has two entries", s.File)
		entries[s.File] = true
	}
	for _, e := range embedded {
		assert.True(t, entries[e.Name()], "api/specs/%s has no entry in sources.json: add its upstream, date and sha256", e.Name())
	}

	today := time.Now().UTC().Format(time.DateOnly)
	for _, s := range src.Specs {
		t.Run(s.File, func(t *testing.T) {
			content, err := fs.ReadFile(specs.FS(), s.File)
			require.NoError(t, err, "sources.json names %s, which is not embedded in package specs", s.File)
			sum := sha256.Sum256(content)
			got := hex.EncodeToString(sum[:])
			if got != s.SHA256 {
				t.Errorf("api/specs/%s changed without its entry in sources.json: its sha256 is now %s (recorded %s). "+
					"Record the new digest and the date you took it from its upstream or reviewed it against its references; "+
					"see api/specs/README.md, 'Updating a spec'", s.File, got, s.SHA256)
			}
			date, err := time.Parse(time.DateOnly, s.Date)
			if assert.NoError(t, err, "date is YYYY-MM-DD") {
				assert.LessOrEqual(t, date.Format(time.DateOnly), today, "date is not in the future")
			}
			switch s.Kind {
			case "verbatim":
				require.NotNil(t, s.Upstream, "a verbatim spec names its upstream")
				assert.True(t, strings.HasPrefix(s.Upstream.URL, "https://"), "upstream is an https URL")
				assert.Contains(t, []string{"openapi", "markdown-json-block"}, s.Upstream.Format)
			case "overlay":
				assert.True(t, entries[s.AppliesTo], "an overlay names the spec it applies to")
			case "hand-written":
				require.NotEmpty(t, s.References, "a hand-written spec names the vendor references it follows")
				checkReferences(t, s.File, s.References)
			default:
				t.Errorf("kind %q: want verbatim, overlay or hand-written", s.Kind)
			}
			for _, r := range s.References {
				assert.True(t, strings.HasPrefix(r.URL, "https://"), "reference %s is an https URL", r.URL)
				assert.Contains(t, []string{"openapi", "openapi-fragment", "page"}, r.Format, r.URL)
				assert.True(t, r.SHA256 == "" || hexDigest.MatchString(r.SHA256), "reference sha256 is absent (not recorded yet) or a hex digest")
			}
		})
	}
}

// checkReferences checks that each operation a reference is followed for
// is an operation of the hand-written spec.
func checkReferences(t *testing.T, file string, refs []reference) {
	doc, err := specs.LoadFile(context.Background(), file)
	require.NoError(t, err)
	for _, r := range refs {
		if r.Format != "page" { // a docs page has no version to pin, and may name no operation
			require.NotEmpty(t, r.Operations, "%s: the operations the spec follows from it", r.URL)
			assert.NotEmpty(t, r.ReviewedAt, "%s: the upstream version last reviewed", r.URL)
		}
		for _, op := range r.Operations {
			method, path, ok := strings.Cut(op, " ")
			require.True(t, ok, "%q is METHOD /path", op)
			item := doc.Paths.Find(path)
			require.NotNil(t, item, "%s: %s follows %s, which it does not declare", r.URL, file, op)
			assert.NotNil(t, item.GetOperation(method), "%s: %s follows %s, which it does not declare", r.URL, file, op)
		}
	}
}
