package facade_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
)

// TestSentinelsReadCleanly checks what `go doc facade` shows of the Err
// values: each documented, its value naming nothing unexported (an
// &codeError{...} of a type the reader cannot see was what it showed).
func TestSentinelsReadCleanly(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	p, err := doc.NewFromFiles(fset, files, "github.com/rolecall/rolecall/facade")
	require.NoError(t, err)
	seen := 0
	for _, v := range p.Vars {
		for _, spec := range v.Decl.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Err") {
					continue
				}
				seen++
				assert.NotEmpty(t, strings.TrimSpace(vs.Doc.Text()), "%s has no doc comment", name.Name)
				ast.Inspect(vs.Values[i], func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && !id.IsExported() && id.Name != "errors" {
						t.Errorf("go doc shows %s's value naming the unexported %s", name.Name, id.Name)
					}
					return true
				})
			}
		}
	}
	assert.Equal(t, 9, seen, "the Err sentinels")
}

// TestSentinelsMatchOnlyTheirCode checks errors.Is against every sentinel.
func TestSentinelsMatchOnlyTheirCode(t *testing.T) {
	all := map[facade.ErrorCode]error{
		facade.Unauthenticated: facade.ErrUnauthenticated, facade.PermissionDenied: facade.ErrPermissionDenied,
		facade.NotFound: facade.ErrNotFound, facade.RateLimited: facade.ErrRateLimited,
		facade.Unavailable: facade.ErrUnavailable, facade.InvalidResponse: facade.ErrInvalidResponse,
		facade.Incomplete: facade.ErrIncomplete, facade.Canceled: facade.ErrCanceled,
		facade.InvalidArgument: facade.ErrInvalidArgument,
	}
	for code, sentinel := range all {
		err := fmt.Errorf("wrapped: %w", &facade.Error{Provider: "cortex", Op: "list", Code: code})
		for other, s := range all {
			assert.Equal(t, other == code, errors.Is(err, s), "%v against Err of %v", code, other)
		}
		assert.Equal(t, code.String(), sentinel.Error())
	}
	unknown := &facade.Error{Provider: "cortex", Code: facade.Unknown}
	for _, s := range all {
		assert.NotErrorIs(t, unknown, s)
	}
	// An uncomparable target must not panic.
	assert.NotErrorIs(t, unknown, uncomparable{nil})
}

type uncomparable []error

func (uncomparable) Error() string { return "uncomparable" }
