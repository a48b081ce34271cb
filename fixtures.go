// Package rolecall lists who holds which role in Cortex, OpenAI, Vectara and
// Logto tenants, for access reviews: see README.md, the facade package (one
// ListAssignments over a driver per provider) and cmd/rolecall (the access
// report).
//
// The root package holds only the embedded recorded fixtures, which the
// fixture package loads, replays (the `rolecall demo` server) and checks
// against the vendored specs.
package rolecall

import "embed"

// Fixtures holds testdata/fixtures: one JSON file per recorded HTTP exchange
// with a provider's API, in testdata/fixtures/<provider>/<kind>.<operation>….json
// (format and names: package fixture). It is embedded so that `rolecall demo`
// needs no files beside the binary.
//
//go:embed testdata/fixtures
var Fixtures embed.FS

// DemoFiles holds testdata/demo: the review policy (policy.yaml) and the
// employee roster (roster.csv) of `rolecall demo people` and `rolecall
// demo review`, which run over Fixtures.
//
//go:embed testdata/demo
var DemoFiles embed.FS
