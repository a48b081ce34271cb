package main

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

// Change is one change oasdiff found between two versions of a spec, judged
// for rolecall.
type Change struct {
	OperationID string `json:"operation_id,omitempty"`
	Method      string `json:"method,omitempty"` // HTTP method
	Path        string `json:"path,omitempty"`
	ID          string `json:"id"`    // oasdiff's change id, e.g. response-property-removed
	Level       string `json:"level"` // oasdiff's level: error, warning or info
	Text        string `json:"text"`
	// Called tells whether rolecall's drivers call the operation.
	Called bool `json:"called"`
	// Breaking tells whether the change breaks rolecall (only ever for a
	// called operation), and Reason says why or why not.
	Breaking bool   `json:"breaking"`
	Reason   string `json:"reason,omitempty"`
	// What of rolecall the change touches.
	Property  string   `json:"property,omitempty"`  // the response property path it touches
	GoField   string   `json:"go_field,omitempty"`  // the generated field the drivers read
	Parameter string   `json:"parameter,omitempty"` // the request parameter the drivers set
	Header    string   `json:"header,omitempty"`    // the response header the drivers read
	Facade    []string `json:"facade,omitempty"`    // facade.Assignment fields
	Columns   []string `json:"columns,omitempty"`   // report columns
	At        []string `json:"at,omitempty"`        // where the drivers use it
}

// loadSpec parses a spec (JSON or YAML) with kin-openapi, the way
// oapi-codegen and rolecall's tests read it.
func loadSpec(name string, data []byte) (*load.SpecInfo, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: not an OpenAPI document: %w", name, err)
	}
	if doc.OpenAPI == "" || doc.Paths == nil {
		return nil, fmt.Errorf("%s: not an OpenAPI document (no openapi version or paths)", name)
	}
	return &load.SpecInfo{Spec: doc, Source: load.NewFileSource(name), Version: doc.Info.Version}, nil
}

// compareSpecs lists the changes from base to head, judged against the
// operations rolecall calls (keyed "GET /path", so that an operation whose
// operationId changes is still known) and the response headers the drivers
// read.
func compareSpecs(base, head *load.SpecInfo, called map[string]*OperationUsage, headers []string) ([]Change, error) {
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), base, head)
	if err != nil {
		return nil, fmt.Errorf("oasdiff: %w", err)
	}
	found := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	loc := checker.NewDefaultLocalizer()
	var out []Change
	for _, c := range found {
		ch := Change{
			OperationID: c.GetOperationId(),
			Method:      c.GetOperation(),
			Path:        c.GetPath(),
			ID:          c.GetId(),
			Level:       c.GetLevel().String(),
			Text:        c.GetUncolorizedText(loc),
		}
		judge(&ch, c.GetLevel(), stringArgs(c.GetArgs()), called[ch.Method+" "+ch.Path], headers)
		out = append(out, ch)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Breaking != b.Breaking {
			return a.Breaking
		}
		if a.OperationID != b.OperationID {
			return a.OperationID < b.OperationID
		}
		return a.Text < b.Text
	})
	return out, nil
}

// judge decides whether a change breaks rolecall, looking at it in the
// direction that matters to a client: what it reads from responses, what it
// must send in requests, and how it pages.
func judge(ch *Change, level checker.Level, args []string, op *OperationUsage, headers []string) {
	if op == nil {
		ch.Reason = "rolecall does not call this operation"
		return
	}
	ch.Called = true
	id := ch.ID
	switch {
	case strings.HasPrefix(id, "response-") && strings.Contains(id, "property"):
		props, what := op.Properties, "a response property"
		if status := statusArg(args); status != "" && status != "200" {
			props, what = op.ErrorProperties[status], "a property of the "+status+" response (errors, retry hints)"
		}
		prop, uses := mappedProperty(args, props)
		if prop == "" {
			ch.Reason = what + " the drivers do not read"
			return
		}
		ch.Property = prop
		var fields []string
		for _, u := range uses {
			fields = append(fields, u.GoField)
			ch.Facade = union(ch.Facade, u.Facade)
			ch.Columns = union(ch.Columns, u.Columns)
			ch.At = union(ch.At, u.At)
		}
		ch.GoField = strings.Join(union(nil, fields), ", ")
		switch {
		case strings.Contains(id, "enum-value-added"):
			for _, u := range uses {
				if u.Switched {
					ch.Breaking = true
					ch.Reason = "a new value of a response field the drivers switch on"
					return
				}
			}
			ch.Reason = "a new enum value in a field the drivers read but do not switch on"
		case level >= checker.WARN:
			ch.Breaking = true
			ch.Reason = what + " the drivers read is " + describe(id)
		default:
			ch.Reason = "a compatible change to a property the drivers read"
		}
	case strings.Contains(id, "header"):
		for _, a := range args {
			if slices.Contains(headers, canonicalHeader(a)) {
				ch.Header = a
				ch.Breaking = true
				ch.Reason = "a header the drivers read (paging, rate limits) changed"
				return
			}
		}
		ch.Breaking = level >= checker.ERR
		ch.Reason = reasonByLevel(level)
	case strings.Contains(id, "request-parameter"):
		for _, a := range args {
			if slices.Contains(op.Parameters, a) {
				ch.Parameter = a
				if level >= checker.WARN || strings.Contains(id, "default") {
					ch.Breaking = true
					ch.Reason = "a parameter the drivers send (paging, filtering) changed"
				} else {
					ch.Reason = "a compatible change to a parameter the drivers send"
				}
				return
			}
		}
		ch.Breaking = level >= checker.ERR
		ch.Reason = reasonByLevel(level)
	case strings.Contains(id, "operation-id"):
		ch.Breaking = true
		ch.Reason = "the generated client method the drivers call is renamed"
	case strings.HasPrefix(id, "new-required-request"):
		ch.Breaking = true
		ch.Reason = "a request must now carry something the drivers do not send"
	default:
		ch.Breaking = level >= checker.ERR
		ch.Reason = reasonByLevel(level)
	}
}

func reasonByLevel(level checker.Level) string {
	if level >= checker.ERR {
		return "breaking for any client of this operation"
	}
	return "compatible for a client"
}

// describe turns an oasdiff id into words for a reason.
func describe(id string) string {
	switch {
	case strings.Contains(id, "removed"):
		return "removed"
	case strings.Contains(id, "type-changed"), strings.Contains(id, "format-changed"):
		return "retyped"
	case strings.Contains(id, "nullable"):
		return "now nullable"
	case strings.Contains(id, "optional"):
		return "no longer required"
	}
	return "changed (" + id + ")"
}

// mappedProperty finds the property path among args that is, or contains,
// a property the drivers read; it returns the path and the uses under it.
func mappedProperty(args []string, props map[string]*PropertyUse) (string, []*PropertyUse) {
	for _, a := range args {
		var uses []*PropertyUse
		var paths []string
		// The elements of an array the drivers read are read too.
		elem := a
		for strings.HasSuffix(elem, "/items") {
			elem = strings.TrimSuffix(elem, "/items")
		}
		for p := range props {
			if p == a || p == elem || strings.HasPrefix(p, a+"/") {
				paths = append(paths, p)
			}
		}
		sort.Strings(paths)
		for _, p := range paths {
			uses = append(uses, props[p])
		}
		if len(uses) > 0 {
			return a, uses
		}
	}
	return "", nil
}

var statusCode = regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)

// statusArg is the response status among a change's arguments, if any.
func statusArg(args []string) string {
	for _, a := range args {
		if statusCode.MatchString(a) {
			return strings.ToLower(a)
		}
	}
	return ""
}

func stringArgs(args []any) []string {
	var out []string
	for _, a := range args {
		if s, ok := a.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	sort.Strings(a)
	return a
}
