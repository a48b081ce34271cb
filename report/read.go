package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Read reads a report written in JSON, NDJSON or CSV, telling which from
// its first bytes: "[" starts a JSON array, "{" an NDJSON stream, and the
// CSV header row a CSV report. The table format cannot be read back.
func Read(r io.Reader) ([]Row, Format, error) {
	br := bufio.NewReader(r)
	// Skip a byte-order mark and leading white space.
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	var first byte
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return nil, "", errors.New("empty file: not a report")
		}
		if err != nil {
			return nil, "", err
		}
		if !isSpace(b) {
			first = b
			br.UnreadByte()
			break
		}
	}
	switch first {
	case '[':
		rows, err := readJSON(br)
		return rows, JSON, err
	case '{':
		rows, err := readNDJSON(br)
		return rows, NDJSON, err
	default:
		head, _ := br.Peek(len("provider,"))
		if string(head) == "provider," {
			rows, err := readCSV(br)
			return rows, CSV, err
		}
		if string(head[:min(len(head), len("PROVIDER"))]) == "PROVIDER" {
			return nil, "", errors.New("a table report cannot be read back; write reports to compare with --format json, ndjson or csv")
		}
		return nil, "", errors.New("not a rolecall report (want JSON, NDJSON or CSV)")
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func readJSON(r io.Reader) ([]Row, error) {
	var rows []Row
	dec := json.NewDecoder(r)
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

func readNDJSON(r io.Reader) ([]Row, error) {
	var rows []Row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var row Row
		if err := json.Unmarshal(b, &row); err != nil {
			return nil, fmt.Errorf("NDJSON report: line %d: %w", line, err)
		}
		if err := check(&row); err != nil {
			return nil, fmt.Errorf("NDJSON report: line %d: %w", line, err)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("NDJSON report: %w", err)
	}
	return rows, nil
}

func readCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(Fields)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("CSV report: %w", err)
	}
	if !slices.Equal(header, Fields) {
		return nil, fmt.Errorf("CSV report: header %q, want %q", strings.Join(header, ","), strings.Join(Fields, ","))
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("CSV report: %w", err)
		}
		disabled, err := strconv.ParseBool(rec[5])
		if err != nil {
			return nil, fmt.Errorf("CSV report: line %d: disabled %q is not true or false", len(rows)+2, rec[5])
		}
		row := Row{Provider: rec[0], UserID: rec[1], Email: rec[2], Name: rec[3], Username: rec[4], Disabled: disabled,
			RoleID: rec[6], RoleName: rec[7], RoleKind: rec[8], Scope: rec[9], Via: rec[11]}
		if rec[10] != "" {
			row.Permissions = strings.Split(rec[10], ";")
		}
		if err := check(&row); err != nil {
			return nil, fmt.Errorf("CSV report: line %d: %w", len(rows)+2, err)
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
