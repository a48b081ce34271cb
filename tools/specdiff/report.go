package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Report is the gate's result.
type Report struct {
	Base string `json:"base"` // the old version: a revision or a file
	Head string `json:"head"` // the new version
	// Verdict is "breaking" when a change breaks an operation rolecall
	// calls, "ok" otherwise.
	Verdict  string        `json:"verdict"`
	Breaking int           `json:"breaking"` // changes that break rolecall
	Bump     string        `json:"bump"`     // the semver bump of the gen/ Go API change: none, patch, minor, major
	Specs    []*SpecReport `json:"specs"`
}

// SpecReport is one spec's part of the Report.
type SpecReport struct {
	Provider string   `json:"provider"`
	Spec     string   `json:"spec"`
	Status   string   `json:"status"` // unchanged, changed or added (absent from the base version)
	Called   []string `json:"called"` // the operationIds rolecall calls
	// Breaking are the changes that break an operation rolecall calls,
	// Other the remaining changes to the operations it calls, and
	// Uncalled the changes to operations it does not call.
	Breaking []Change `json:"breaking"`
	Other    []Change `json:"other"`
	Uncalled []Change `json:"uncalled"`
	Notes    []string `json:"notes,omitempty"` // how the comparison was made
	GoAPI    *GoAPI   `json:"go_api,omitempty"`
}

func (r *Report) add(sr *SpecReport) {
	for _, s := range []*[]Change{&sr.Breaking, &sr.Other, &sr.Uncalled} {
		if *s == nil {
			*s = []Change{}
		}
	}
	r.Specs = append(r.Specs, sr)
	r.Breaking += len(sr.Breaking)
	r.Verdict = "ok"
	if r.Breaking > 0 {
		r.Verdict = "breaking"
	}
}

// Write renders the report as text, json or markdown (text for a job
// summary).
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(r)
	case "text":
		_, err := io.WriteString(w, r.Text())
		return err
	case "markdown":
		title := "✅ no change breaks an operation rolecall calls"
		if r.Breaking > 0 {
			title = fmt.Sprintf("❌ %d change(s) break operations rolecall calls", r.Breaking)
		}
		_, err := fmt.Fprintf(w, "## Spec change gate: %s\n\n```text\n%s```\n", title, r.Text())
		return err
	}
	return fmt.Errorf("unknown format %q (want text, json or markdown)", format)
}

// Text is the report for people.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "spec-diff: %s -> %s\n", r.Base, r.Head)
	if r.Breaking > 0 {
		fmt.Fprintf(&b, "verdict: BREAKING: %d change(s) break operations rolecall calls\n", r.Breaking)
	} else {
		fmt.Fprintf(&b, "verdict: OK: no change breaks an operation rolecall calls\n")
	}
	fmt.Fprintf(&b, "gen/ Go API: %s\n", bumpText(r.Bump))
	for _, s := range r.Specs {
		fmt.Fprintf(&b, "\n== %s (%s): %s; rolecall calls %s\n", s.Provider, s.Spec, s.Status, strings.Join(s.Called, ", "))
		if s.Status == "unchanged" {
			continue
		}
		if s.Status == "added" {
			for _, n := range s.Notes {
				fmt.Fprintf(&b, "  note: %s\n", n)
			}
			continue
		}
		for _, n := range s.Notes {
			fmt.Fprintf(&b, "  note: %s\n", strings.ReplaceAll(strings.TrimSpace(n), "\n", "\n    "))
		}
		if len(s.Breaking)+len(s.Other)+len(s.Uncalled) == 0 {
			fmt.Fprintf(&b, "  oasdiff finds no change to the API (descriptions, examples or generator configuration only)\n")
		}
		section(&b, "breaking for rolecall (operations it calls)", "x", s.Breaking, true)
		section(&b, "other changes to operations rolecall calls (not breaking for it)", "-", s.Other, false)
		section(&b, "changes to operations rolecall does not call (never fail the gate)", "-", s.Uncalled, false)
		if a := s.GoAPI; a != nil {
			fmt.Fprintf(&b, "  Go API of regenerated gen/%s: %s\n", s.Provider, bumpText(a.Bump))
			if a.Error != "" {
				fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(strings.TrimSpace(a.Error), "\n", "\n    "))
			}
			for _, m := range a.Incompatible {
				fmt.Fprintf(&b, "    incompatible: %s\n", m)
			}
			for _, m := range a.Compatible {
				fmt.Fprintf(&b, "    compatible:   %s\n", m)
			}
		}
	}
	return b.String()
}

func section(b *strings.Builder, title, mark string, changes []Change, detail bool) {
	if len(changes) == 0 {
		return
	}
	fmt.Fprintf(b, "  %s:\n", title)
	for _, c := range changes {
		fmt.Fprintf(b, "   %s %s %s %s: %s [oasdiff %s: %s]\n", mark, c.OperationID, c.Method, c.Path, c.Text, c.Level, c.ID)
		if !detail && c.Property == "" && c.Parameter == "" && c.Header == "" {
			if c.Called {
				fmt.Fprintf(b, "       %s\n", c.Reason)
			}
			continue
		}
		fmt.Fprintf(b, "       why: %s\n", c.Reason)
		if c.GoField != "" {
			fmt.Fprintf(b, "       reads: %s (%s)\n", c.GoField, c.Property)
		}
		if c.Parameter != "" {
			fmt.Fprintf(b, "       sends: parameter %s\n", c.Parameter)
		}
		if c.Header != "" {
			fmt.Fprintf(b, "       reads: header %s\n", c.Header)
		}
		if len(c.Facade) > 0 {
			fmt.Fprintf(b, "       facade fields: %s; report columns: %s\n", strings.Join(c.Facade, ", "), strings.Join(c.Columns, ", "))
		} else if c.Property != "" {
			fmt.Fprintf(b, "       facade fields: none (read for paging, checks or the record)\n")
		}
		if len(c.At) > 0 {
			at := c.At
			if len(at) > 4 {
				at = append(at[:4:4], fmt.Sprintf("and %d more", len(c.At)-4))
			}
			fmt.Fprintf(b, "       used at: %s\n", strings.Join(at, ", "))
		}
	}
}

func bumpText(bump string) string {
	switch bump {
	case "major":
		return "incompatible change: a major version bump (identifiers removed or retyped)"
	case "minor":
		return "compatible additions: a minor version bump"
	case "patch":
		return "no API change: a patch release"
	case "unknown":
		return "unknown: regeneration fails (see below)"
	}
	return "no change"
}
