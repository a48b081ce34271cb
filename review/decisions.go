package review

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"
)

// DecisionsSchema names the format of a decisions file; it changes when a
// field's meaning does.
const DecisionsSchema = "rolecall-decisions/1"

// The decisions a reviewer may take on a finding.
const (
	Keep   = "keep"   // the access stays: it is needed
	Revoke = "revoke" // the access is to be removed
	Accept = "accept" // the risk is accepted as it is
)

// Verdicts lists the decisions, in the order a page offers them.
var Verdicts = []string{Keep, Revoke, Accept}

// Decision is a reviewer's decision on one finding, as the HTML report's
// sign-off writes it.
type Decision struct {
	// Finding is the finding's id (FindingID); Kind, Provider, Principal
	// and UserID repeat what it is about, for a person reading the file.
	Finding   string    `json:"finding"`
	Kind      string    `json:"kind"`
	Provider  string    `json:"provider"`
	Principal string    `json:"principal"`
	UserID    string    `json:"user_id"`
	Decision  string    `json:"decision"` // Keep, Revoke or Accept
	Note      string    `json:"note"`
	By        string    `json:"by"` // who decided, as they named themselves
	At        time.Time `json:"at"` // when, as their browser's clock said
}

// Decisions is a decisions file: the decisions a reviewer took on the
// findings of one report, named by its run id and its findings' digest
// (FindingsDigest).
type Decisions struct {
	Schema         string     `json:"schema"` // DecisionsSchema
	RunID          string     `json:"run_id"`
	FindingsSHA256 string     `json:"findings_sha256"`
	Decisions      []Decision `json:"decisions"`
}

// ReadDecisions reads a decisions file and checks it: its schema, each
// decision a known one on a named finding, no finding decided twice.
func ReadDecisions(r io.Reader) (*Decisions, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var d Decisions
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("reading the decisions: %w", err)
	}
	if d.Schema != DecisionsSchema {
		return nil, fmt.Errorf("the decisions' schema is %q, not %q: a file rolecall's HTML report did not write",
			d.Schema, DecisionsSchema)
	}
	if d.FindingsSHA256 == "" {
		return nil, errors.New("the decisions name no report (findings_sha256 is empty)")
	}
	seen := map[string]bool{}
	for i, x := range d.Decisions {
		switch {
		case x.Finding == "":
			return nil, fmt.Errorf("decision %d names no finding", i+1)
		case !slices.Contains(Verdicts, x.Decision):
			return nil, fmt.Errorf("decision %d (finding %s) is %q: want keep, revoke or accept", i+1, x.Finding,
				x.Decision)
		case seen[x.Finding]:
			return nil, fmt.Errorf("finding %s is decided twice (decision %d)", x.Finding, i+1)
		}
		seen[x.Finding] = true
	}
	return &d, nil
}

// ReadDecisionsFile reads the decisions file name (ReadDecisions).
func ReadDecisionsFile(name string) (*Decisions, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := ReadDecisions(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// ByFinding returns the decisions by finding id.
func (d *Decisions) ByFinding() map[string]*Decision {
	out := make(map[string]*Decision, len(d.Decisions))
	for i := range d.Decisions {
		out[d.Decisions[i].Finding] = &d.Decisions[i]
	}
	return out
}

// Undecided counts the open findings that no decision in decided covers:
// those a scheduled review still fails on.
func Undecided(findings []Finding, decided map[string]*Decision) int {
	ids := FindingIDs(findings)
	n := 0
	for i := range findings {
		if findings[i].Open() && decided[ids[i]] == nil {
			n++
		}
	}
	return n
}

// FindingIDs returns the id of each finding: 16 hex digits of the SHA-256
// of what it is about (its kind, provider, kind of principal, user id,
// person and roles), the same in every run that finds the same thing, so
// that a decision follows its finding from one run to the next. A finding
// identical to an earlier one in findings gets "-2", "-3", … after it.
func FindingIDs(findings []Finding) []string {
	ids := make([]string, len(findings))
	seen := map[string]int{}
	for i := range findings {
		f := &findings[i]
		b, _ := json.Marshal([]any{f.Kind, f.Provider, f.Principal, f.UserID, f.Person, f.Roles})
		sum := sha256.Sum256(b)
		id := hex.EncodeToString(sum[:8])
		seen[id]++
		if n := seen[id]; n > 1 {
			id += "-" + strconv.Itoa(n)
		}
		ids[i] = id
	}
	return ids
}

// FindingsDigest is the SHA-256, in hex, of the findings as the JSON
// format writes them (FindingRecord), one a line: what a decisions file
// names its report by, beside the run id. Two runs that find the same
// things the same way have the same digest.
func FindingsDigest(findings []Finding) string {
	h := sha256.New()
	for i := range findings {
		b, _ := json.Marshal(FindingRecordOf(&findings[i]))
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}
