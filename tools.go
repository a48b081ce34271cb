//go:build tools

// This file pins the code generator used by go:generate, so that
// "go generate ./..." runs the version recorded in go.mod on every machine.
package rolecall

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
