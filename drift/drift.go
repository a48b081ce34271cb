// Package drift tells how a provider's live response departs from the
// vendored OpenAPI spec (package specs): fields the spec does not declare,
// enum values it does not list, and outright violations of it.
//
// kin-openapi accepts undeclared fields by default (OpenAPI's
// additionalProperties defaults to true), so a validator alone never notices
// that a vendor added a field; and a client that tolerates unknown enum
// values, as rolecall's must, never fails on a new one. Check walks the body
// against the response schema to find both, and runs kin-openapi's
// validation for the rest. It is what `rolecall verify` uses to tell a user
// that a vendored spec has fallen behind the real API.
//
// A field is undeclared when its object's schema declares properties and
// neither lists the field nor allows others (additionalProperties true or a
// schema); free-form objects (no properties declared) never drift. The walk
// follows $refs, allOf (the union of the branches' properties), the matching
// branch of oneOf/anyOf, array items and additionalProperties schemas.
package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/rolecall/rolecall/api/specs"
)

// Kind classifies a Finding.
type Kind string

// The kinds of finding.
const (
	// UnknownField is a field the spec does not declare.
	UnknownField Kind = "unknown field"
	// UnknownEnum is a value outside the declared enum. It is reported
	// once, as UnknownEnum, not also as a Violation.
	UnknownEnum Kind = "unknown enum value"
	// Violation is anything else the spec rejects: a wrong type, a missing
	// required field, a broken pattern, an undeclared status or content
	// type, a header that does not parse, a body that is not JSON.
	Violation Kind = "violation"
)

// Finding is one departure from the spec.
type Finding struct {
	// Kind says what sort of departure it is.
	Kind Kind
	// Path locates it in the body, e.g. "users[3].api_roles[0]"; "" is the
	// body itself, and "header Retry-After" a response header.
	Path string
	// Value is the undeclared field's name (UnknownField) or the unknown
	// value as JSON (UnknownEnum); empty for a Violation.
	Value string
	// Keyword is the schema keyword a Violation broke ("type", "required",
	// "enum", "pattern", …), or "status", "content-type", "header" or
	// "json"; empty for the other kinds.
	Keyword string
	// Message explains a Violation; for the other kinds it is what String
	// prints after the path.
	Message string
}

// String renders the finding on one line, e.g.
// `users[3].api_roles[0]: unknown enum value "future_role"`.
func (f Finding) String() string {
	where := f.Path
	if where == "" {
		where = "(body)"
	}
	switch f.Kind {
	case UnknownField:
		return fmt.Sprintf("%s: unknown field %q", where, f.Value)
	case UnknownEnum:
		return fmt.Sprintf("%s: unknown enum value %s", where, f.Value)
	default:
		if f.Keyword != "" {
			return fmt.Sprintf("%s: violation (%s): %s", where, f.Keyword, f.Message)
		}
		return fmt.Sprintf("%s: violation: %s", where, f.Message)
	}
}

// Report is what Check found in one response.
type Report struct {
	// Operation is the operationId checked against (or the route, when
	// the operation has none).
	Operation string
	// Status is the response's HTTP status.
	Status int
	// Findings are the departures from the spec: header violations, then
	// the walk's unknown fields and enum values in the body's order (object
	// keys sorted), then the body's violations.
	Findings []Finding
	// Err is set when the check could not run at all (an unknown
	// operation); Findings is then empty.
	Err error
}

// Clean reports whether the response matches the spec exactly: no finding
// and no error.
func (r Report) Clean() bool { return r.Err == nil && len(r.Findings) == 0 }

// Of returns the findings of the given kind.
func (r Report) Of(kind Kind) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

// String renders the report: a heading line, then one finding a line.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d: ", r.Operation, r.Status)
	switch {
	case r.Err != nil:
		fmt.Fprintf(&b, "not checked: %v", r.Err)
		return b.String()
	case len(r.Findings) == 0:
		b.WriteString("matches the spec")
		return b.String()
	}
	counts := map[Kind]int{}
	for _, f := range r.Findings {
		counts[f.Kind]++
	}
	var parts []string
	for _, k := range []Kind{UnknownField, UnknownEnum, Violation} {
		if n := counts[k]; n > 0 {
			name := string(k)
			if k == Violation {
				name = "spec violation"
			}
			if n > 1 {
				name += "s"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		}
	}
	b.WriteString(strings.Join(parts, ", "))
	for _, f := range r.Findings {
		b.WriteString("\n  ")
		b.WriteString(f.String())
	}
	return b.String()
}

// Check compares one response of operation op (an operationId, or a route
// such as "GET /v2/users"; see specs.Document.Find) with doc. header must
// carry the response's Content-Type; body is the raw body.
func Check(doc *specs.Document, op string, status int, header http.Header, body []byte) Report {
	o, err := doc.Find(op)
	if err != nil {
		return Report{Operation: op, Status: status, Err: err}
	}
	r := Report{Operation: o.String(), Status: status}
	resp := o.Response(status)
	if resp == nil {
		r.add(Finding{Kind: Violation, Keyword: "status",
			Message: fmt.Sprintf("status %d is not declared (declared: %v)", status, o.Statuses())})
		return r
	}
	if header == nil {
		header = http.Header{}
	}
	r.checkHeaders(o, status, header)

	if len(resp.Content) == 0 {
		return r
	}
	ct := header.Get("Content-Type")
	mt := resp.Content.Get(ct)
	if mt == nil {
		var declared []string
		for k := range resp.Content {
			declared = append(declared, k)
		}
		sort.Strings(declared)
		r.add(Finding{Kind: Violation, Path: "header Content-Type", Keyword: "content-type",
			Message: fmt.Sprintf("content type %q is not declared for status %d (declared: %s)", ct, status, strings.Join(declared, ", "))})
		return r
	}
	if mt.Schema == nil || mt.Schema.Value == nil || !isJSON(ct) {
		return r
	}
	value, err := decodeJSON(body)
	if err != nil {
		r.add(Finding{Kind: Violation, Keyword: "json", Message: "the body is not JSON: " + err.Error()})
		return r
	}

	w := walker{}
	w.walk(value, mt.Schema, "", 0)
	r.Findings = append(r.Findings, w.findings...)
	unknownEnums := map[string]bool{}
	for _, f := range w.findings {
		if f.Kind == UnknownEnum {
			unknownEnums[f.Path] = true
		}
	}
	verr := mt.Schema.Value.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsResponse())
	for _, se := range schemaErrors(verr) {
		path := renderPointer(value, se.JSONPointer())
		if se.SchemaField == "enum" && unknownEnums[path] {
			continue
		}
		r.add(Finding{Kind: Violation, Path: path, Keyword: se.SchemaField, Message: se.Reason})
	}
	if verr != nil && len(schemaErrors(verr)) == 0 {
		r.add(Finding{Kind: Violation, Message: verr.Error()})
	}
	return r
}

func (r *Report) add(f Finding) { r.Findings = append(r.Findings, f) }

var headerName = regexp.MustCompile(`header "([^"]+)"`)

// checkHeaders validates the declared response headers with kin-openapi
// (which stops at the first bad header: each is reported and removed, and
// the rest checked again).
func (r *Report) checkHeaders(o *specs.Operation, status int, header http.Header) {
	req, err := http.NewRequest(o.Method, "http://drift.invalid"+o.BasePath+o.Path, nil)
	if err != nil {
		return
	}
	route := o.Route()
	h := header.Clone()
	for range 16 {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
			Status:                 status,
			Header:                 h,
			Options:                &openapi3filter.Options{ExcludeResponseBody: true, IncludeResponseStatus: true, MultiError: true},
		}
		err := openapi3filter.ValidateResponse(context.Background(), in)
		if err == nil {
			return
		}
		msg := firstLine(err.Error())
		m := headerName.FindStringSubmatch(msg)
		if m == nil {
			r.add(Finding{Kind: Violation, Path: "header", Keyword: "header", Message: msg})
			return
		}
		name := http.CanonicalHeaderKey(m[1])
		r.add(Finding{Kind: Violation, Path: "header " + name, Keyword: "header", Message: msg})
		if h.Get(name) == "" {
			return // a required header is missing: nothing to remove
		}
		h.Del(name)
	}
}

// schemaErrors flattens kin-openapi's error tree into its schema errors.
func schemaErrors(err error) []*openapi3.SchemaError {
	if err == nil {
		return nil
	}
	var out []*openapi3.SchemaError
	var visit func(error)
	visit = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				visit(x)
			}
		case *openapi3.SchemaError:
			var me openapi3.MultiError
			if e.Origin != nil && errors.As(e.Origin, &me) {
				visit(me)
				return
			}
			out = append(out, e)
		default:
			var me openapi3.MultiError
			var se *openapi3.SchemaError
			switch {
			case errors.As(err, &me):
				visit(me)
			case errors.As(err, &se):
				visit(se)
			}
		}
	}
	visit(err)
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	return v, nil
}

// walker walks a JSON value against a schema, collecting unknown fields
// and enum values.
type walker struct {
	findings []Finding
}

const maxDepth = 64

func (w *walker) walk(v any, ref *openapi3.SchemaRef, path string, depth int) {
	if ref == nil || ref.Value == nil || v == nil || depth > maxDepth {
		return
	}
	branches := expand(ref.Value, v, nil)
	switch x := v.(type) {
	case map[string]any:
		props := map[string]*openapi3.SchemaRef{}
		var extra *openapi3.SchemaRef
		allowed, forbidden := false, false
		for _, b := range branches {
			for k, p := range b.Properties {
				if _, ok := props[k]; !ok {
					props[k] = p
				}
			}
			ap := b.AdditionalProperties
			switch {
			case ap.Schema != nil:
				if extra == nil {
					extra = ap.Schema
				}
				allowed = true
			case ap.Has != nil && *ap.Has:
				allowed = true
			case ap.Has != nil && !*ap.Has:
				forbidden = true
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := joinKey(path, k)
			switch p, ok := props[k]; {
			case ok:
				w.walk(x[k], p, sub, depth+1)
			case extra != nil:
				w.walk(x[k], extra, sub, depth+1)
			case allowed || forbidden || len(props) == 0:
				// Allowed explicitly, a violation kin-openapi reports, or
				// a free-form object.
			default:
				w.findings = append(w.findings, Finding{Kind: UnknownField, Path: sub, Value: k})
			}
		}
	case []any:
		for _, b := range branches {
			if b.Items != nil {
				for i, item := range x {
					w.walk(item, b.Items, path+"["+strconv.Itoa(i)+"]", depth+1)
				}
				return
			}
		}
	default:
		for _, b := range branches {
			if len(b.Enum) == 0 || !sameType(b, v) {
				continue
			}
			if !inEnum(v, b.Enum) {
				raw, _ := json.Marshal(v)
				w.findings = append(w.findings, Finding{Kind: UnknownEnum, Path: path, Value: string(raw)})
				return
			}
		}
	}
}

// expand returns s and the schemas it is made of for v: its allOf
// branches, and the first oneOf/anyOf branch v matches.
func expand(s *openapi3.Schema, v any, seen map[*openapi3.Schema]bool) []*openapi3.Schema {
	if s == nil {
		return nil
	}
	if seen == nil {
		seen = map[*openapi3.Schema]bool{}
	}
	if seen[s] {
		return nil
	}
	seen[s] = true
	out := []*openapi3.Schema{s}
	for _, b := range s.AllOf {
		if b != nil && b.Value != nil {
			out = append(out, expand(b.Value, v, seen)...)
		}
	}
	for _, alts := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf} {
		for _, b := range alts {
			if b != nil && b.Value != nil && b.Value.VisitJSON(v, openapi3.VisitAsResponse()) == nil {
				out = append(out, expand(b.Value, v, seen)...)
				break
			}
		}
	}
	return out
}

// sameType reports whether v has the JSON type s declares (any, when s
// declares none), so that a value of the wrong type is left to the type
// check rather than reported as an unknown enum value.
func sameType(s *openapi3.Schema, v any) bool {
	if s.Type == nil || len(*s.Type) == 0 {
		return true
	}
	switch v.(type) {
	case string:
		return s.Type.Is("string")
	case bool:
		return s.Type.Is("boolean")
	case json.Number, float64:
		return s.Type.Is("number") || s.Type.Is("integer")
	}
	return false
}

func inEnum(v any, enum []any) bool {
	for _, e := range enum {
		if equal(v, e) {
			return true
		}
	}
	return false
}

func equal(a, b any) bool {
	fa, aNum := number(a)
	fb, bNum := number(b)
	if aNum || bNum {
		return aNum && bNum && fa == fb
	}
	return a == b
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return math.NaN(), false
}

var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$-]*$`)

func joinKey(path, key string) string {
	if identifier.MatchString(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	q, _ := json.Marshal(key)
	return path + "[" + string(q) + "]"
}

// renderPointer turns a JSON pointer's segments into a path like
// "users[3].api_roles[0]", reading v to tell array indexes from keys.
func renderPointer(v any, ptr []string) string {
	path := ""
	cur := v
	for _, seg := range ptr {
		switch x := cur.(type) {
		case []any:
			i, err := strconv.Atoi(seg)
			if err == nil && i >= 0 && i < len(x) {
				path += "[" + seg + "]"
				cur = x[i]
				continue
			}
			path = joinKey(path, seg)
			cur = nil
		case map[string]any:
			path = joinKey(path, seg)
			cur = x[seg]
		default:
			path = joinKey(path, seg)
			cur = nil
		}
	}
	return path
}
