// Package export turns an access report into the files the tools reviewers
// already use: ConductorOne's baton-file input (Baton), ConductorOne's
// file-connector CSV (C1CSV) and Vanta's access-review CSV (Vanta).
//
// An export is made from a report read back (report.Read, report.ReadFile),
// so that it is the same evidence: Export refuses a report whose run record
// says a provider failed, or that has no run record, unless
// Options.AllowPartial (a report whose rows contradict its record is
// refused by the reader already). The same report gives the same bytes:
// rows are taken in report order (report.Compare) whatever order the
// report holds them in, and every list is sorted. CSV cells, and the
// display texts of the baton-file export, are neutralised against
// spreadsheet formulas (report.Neutralize); identifiers are kept exact.
//
// # Systems and identifiers
//
// A system is one provider's tenant: today the provider (a report holds one
// tenant per provider). Vanta takes one file per system; the baton-file and
// C1 CSV exports hold every system in one file, so their identifiers are
// namespaced by system and kind of principal ("openai:api_key:key_1"),
// each part escaped (":" as %3A, "%" as %25) so that no two differ only
// in where a separator falls.
package export

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/report"
)

// Format is an export format.
type Format string

// The export formats.
const (
	Baton Format = "baton"  // baton-file JSON: users, resources, entitlements, grants
	C1CSV Format = "c1-csv" // ConductorOne file-connector CSV: one row per grant
	Vanta Format = "vanta"  // Vanta access-review CSV: one file per system, one row per account
)

// Formats are the export formats, in the order help lists them.
var Formats = []Format{Baton, C1CSV, Vanta}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown export format %q (want %s)", s, strings.Join(names, ", "))
}

// Options change what Export accepts.
type Options struct {
	// AllowPartial exports a report with a failed provider, or without a
	// run record: the export then holds only what the report holds.
	AllowPartial bool
}

// ErrIncomplete is what Export's error wraps when it refuses a report
// that is not proven complete.
var ErrIncomplete = errors.New("the report is not proven complete")

// File is one file of an export: its name (a base name, without a
// directory) and its content.
type File struct {
	Name string
	Data []byte
}

// Export returns the files of rep in format f: one for Baton and C1CSV,
// one per system for Vanta. It refuses a report that has no run record or
// whose run record says a provider failed, with an error wrapping
// ErrIncomplete, unless o.AllowPartial.
func Export(rep *report.Report, f Format, o Options) ([]File, error) {
	if err := complete(rep); err != nil && !o.AllowPartial {
		return nil, err
	}
	rows := slices.Clone(rep.Rows)
	report.Sort(rows)
	switch f {
	case Baton:
		b, err := baton(rows)
		if err != nil {
			return nil, err
		}
		if err := CheckBaton(b); err != nil {
			return nil, fmt.Errorf("the baton-file export does not load: %w", err)
		}
		return []File{{Name: "rolecall.baton.json", Data: b}}, nil
	case C1CSV:
		b, err := c1CSV(rows)
		if err != nil {
			return nil, err
		}
		return []File{{Name: "rolecall.c1.csv", Data: b}}, nil
	case Vanta:
		return vanta(rows)
	}
	return nil, fmt.Errorf("unknown export format %q", f)
}

// complete returns an error wrapping ErrIncomplete when rep is not proven
// complete: it has no run record, or a provider's listing did not
// complete.
func complete(rep *report.Report) error {
	if rep.Run == nil {
		return fmt.Errorf("%w: it has no run record (written before run records, or an ndjson or csv report "+
			"without its .run.json sidecar); export it with --allow-partial only if you know it is whole", ErrIncomplete)
	}
	var failed []string
	for _, p := range rep.Run.Providers {
		if p.Status != report.StatusComplete {
			failed = append(failed, p.Name()+" "+cmp.Or(p.Status, "unknown"))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%w: the run record says %s: list again, or export what it holds with --allow-partial",
			ErrIncomplete, strings.Join(failed, ", "))
	}
	return nil
}

// system is the system a row belongs to: its tenant (report.Row.TenantName:
// the provider's name in a report of one tenant per provider), so that ids
// stay unique across two tenants of one provider.
func system(r *report.Row) string { return r.TenantName() }

// escape makes s one part of a namespaced identifier: "%" and ":" are
// percent-encoded, so that parts joined with ":" split back one way.
func escape(s string) string {
	if !strings.ContainsAny(s, "%:") {
		return s
	}
	return strings.NewReplacer("%", "%25", ":", "%3A").Replace(s)
}

// id joins escaped parts with ":".
func id(parts ...string) string {
	for i, p := range parts {
		parts[i] = escape(p)
	}
	return strings.Join(parts, ":")
}

// principalID is the namespaced identifier of a row's principal.
func principalID(r *report.Row) string { return id(system(r), r.Kind(), r.UserID) }

// machine reports whether the row's principal is no person: a service
// account, an API key, an application or a group.
func machine(r *report.Row) bool {
	switch r.Kind() {
	case "service_account", "api_key", "application", "group":
		return true
	}
	return r.AccountType == "service"
}

// deactivated reports whether the row's account is disabled or suspended.
func deactivated(r *report.Row) bool {
	return r.Disabled || r.Status == "disabled" || r.Status == "suspended"
}

// scopeName is how a row's scope is shown: its name, else its id, else its
// text, else its kind (Cortex's workspace has neither name nor id).
func scopeName(r *report.Row) string {
	return cmp.Or(r.ScopeName, r.ScopeID, r.Scope, r.ScopeKind, system(r))
}

// csvFile renders a header and records as CSV, every cell neutralised,
// lines ending in CRLF as spreadsheets expect (RFC 4180).
func csvFile(header []string, records [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	for _, rec := range append([][]string{header}, records...) {
		cells := make([]string, len(rec))
		for i, c := range rec {
			cells[i] = report.Neutralize(c)
		}
		if err := w.Write(cells); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
