package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// Report is a report read back: its rows, its format and its run record.
type Report struct {
	Format Format
	// Run is the run record; nil when the report has none (a report
	// written before run records, or an NDJSON or CSV report without its
	// sidecar).
	Run  *Run
	Rows []Row
}

// Read reads a report written in JSON, NDJSON or CSV, telling which from
// its content. It accepts every form rolecall has written: a JSON envelope
// ({"assignments": […], "run": …}, in either key order) or a bare JSON
// array; NDJSON rows, with or without a first line {"run": …}; CSV, whose
// neutralised cells (see Neutralize) it restores, with every column or
// with the twelve (provider … via) of reports written before the account
// columns (status … privileged), or the eighteen (provider … privileged)
// of reports written before the model's columns (ModelColumns), which then
// read empty. The table format cannot
// be read back. Read does not look for a sidecar: ReadFile does.
//
// When the report carries a run record, Read checks the rows against it
// (Report.Check): a provider whose rows are not as many as the record
// counts, or whose digest is not the record's, is an error wrapping
// ErrMismatch (a *MismatchError), returned with the report read so that a
// caller can show what it holds.
func Read(r io.Reader) (*Report, error) {
	rep, err := read(r, false)
	if err != nil {
		return nil, err
	}
	return rep, rep.mismatch()
}

// ReadFile reads the report in file name (see Read) and, for NDJSON and
// CSV, its run record from the sidecar SidecarName(name) when there is one,
// and checks the rows against the run record as Read does.
func ReadFile(name string) (*Report, error) {
	var run *Run
	if b, err := os.ReadFile(SidecarName(name)); err == nil {
		run = new(Run)
		if err := json.Unmarshal(b, run); err != nil {
			return nil, fmt.Errorf("%s: %w", SidecarName(name), err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep, err := read(f, run != nil && run.CSVRaw)
	if err != nil {
		return nil, err
	}
	if run != nil && rep.Format.Sidecar() && rep.Run == nil {
		rep.Run = run
	}
	return rep, rep.mismatch()
}

func read(r io.Reader, csvRaw bool) (*Report, error) {
	br := bufio.NewReader(r)
	// Skip a byte-order mark and leading white space.
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	var first byte
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return nil, errors.New("empty file: not a report")
		}
		if err != nil {
			return nil, err
		}
		if !isSpace(b) {
			first = b
			br.UnreadByte()
			break
		}
	}
	switch first {
	case '[':
		rows, err := readArray(json.NewDecoder(br))
		return &Report{Format: JSON, Rows: rows}, err
	case '{':
		return readObjects(br)
	default:
		head, _ := br.Peek(len("provider,"))
		if string(head) == "provider," {
			rows, err := readCSV(br, csvRaw)
			return &Report{Format: CSV, Rows: rows}, err
		}
		if string(head[:min(len(head), len("PROVIDER"))]) == "PROVIDER" {
			return nil, errors.New("a table report cannot be read back; write reports to compare with --format json, ndjson or csv")
		}
		return nil, errors.New("not a rolecall report (want JSON, NDJSON or CSV)")
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// readArray reads a JSON array of rows and checks nothing follows it.
func readArray(dec *json.Decoder) ([]Row, error) {
	var rows []Row
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("JSON report: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("JSON report: data after the array")
	}
	for i := range rows {
		if err := check(&rows[i]); err != nil {
			return nil, fmt.Errorf("JSON report: item %d: %w", i+1, err)
		}
	}
	return rows, nil
}

// readObjects reads what starts with an object: a JSON envelope, or
// NDJSON (whose first line may be a run record).
func readObjects(r io.Reader) (*Report, error) {
	dec := json.NewDecoder(r)
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var head map[string]json.RawMessage
	if err := json.Unmarshal(first, &head); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	_, hasRows := head["assignments"]
	rawRun, hasRun := head["run"]
	_, isRow := head["provider"]
	rep := &Report{Format: NDJSON}
	if hasRun || hasRows {
		if isRow {
			return nil, errors.New("report: an object is both a row and a run record")
		}
		if hasRun && string(rawRun) != "null" {
			rep.Run = new(Run)
			if err := json.Unmarshal(rawRun, rep.Run); err != nil {
				return nil, fmt.Errorf("report: run record: %w", err)
			}
		}
	}
	if hasRows { // a JSON envelope
		rep.Format = JSON
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("JSON report: data after the object")
		}
		rows, err := readArray(json.NewDecoder(bytes.NewReader(head["assignments"])))
		rep.Rows = rows
		return rep, err
	}
	item := 1
	if !hasRun {
		var row Row
		if err := json.Unmarshal(first, &row); err != nil {
			return nil, fmt.Errorf("NDJSON report: item 1: %w", err)
		}
		if err := check(&row); err != nil {
			return nil, fmt.Errorf("NDJSON report: item 1: %w", err)
		}
		rep.Rows = append(rep.Rows, row)
	}
	for {
		var row Row
		err := dec.Decode(&row)
		if err == io.EOF {
			return rep, nil
		}
		item++
		if err != nil {
			return nil, fmt.Errorf("NDJSON report: item %d: %w", item, err)
		}
		if err := check(&row); err != nil {
			return nil, fmt.Errorf("NDJSON report: item %d: %w", item, err)
		}
		rep.Rows = append(rep.Rows, row)
	}
}

func readCSV(r io.Reader, raw bool) ([]Row, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV report: %w", err)
	}
	// A report written before the account columns has only the first
	// legacyColumns, one written before the model's columns the first
	// accountColumns; the others stay empty.
	if !slices.Equal(header, Fields) && !slices.Equal(header, Fields[:legacyColumns]) &&
		!slices.Equal(header, Fields[:accountColumns]) && !slices.Equal(header, TenantFields) {
		return nil, fmt.Errorf("CSV report: header %q, want %q", strings.Join(header, ","), strings.Join(Fields, ","))
	}
	cr.FieldsPerRecord = len(header)
	cols := columns[:len(header)]
	var rows []Row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("CSV report: %w", err)
		}
		line, _ := cr.FieldPos(0)
		var row Row
		for i, c := range cols {
			v := rec[i]
			if !raw {
				v = unneutralize(v)
			}
			if err := c.set(&row, v); err != nil {
				return nil, fmt.Errorf("CSV report: line %d: %w", line, err)
			}
		}
		if err := check(&row); err != nil {
			return nil, fmt.Errorf("CSV report: line %d: %w", line, err)
		}
		rows = append(rows, row)
	}
}

// check refuses a row that lacks the key's required parts: an object that
// is not a report row.
func check(r *Row) error {
	if len(r.Permissions) == 0 {
		r.Permissions = nil // [] and none read the same
	}
	var missing []string
	if r.Provider == "" {
		missing = append(missing, "provider")
	}
	if r.UserID == "" {
		missing = append(missing, "user_id")
	}
	if r.RoleID == "" {
		missing = append(missing, "role_id")
	}
	if len(missing) > 0 {
		return fmt.Errorf("not a report row: no %s", strings.Join(missing, ", "))
	}
	return nil
}
