package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
)

// Format is a report format.
type Format string

// The formats.
const (
	Table  Format = "table"  // aligned columns for a terminal, sorted
	JSON   Format = "json"   // one JSON array, sorted
	NDJSON Format = "ndjson" // one JSON object a line, as rows arrive
	CSV    Format = "csv"    // a header row, then one row a line, as rows arrive
)

// Formats lists the formats, for help texts.
var Formats = []Format{Table, JSON, NDJSON, CSV}

// ParseFormat returns the named format.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (want one of %s)", s, strings.Join(names, ", "))
}

// Sorted reports whether the format holds every row until Close and writes
// them sorted by (provider, user_id, role_id, scope), so two runs diff
// cleanly. The other formats write rows as they arrive.
func (f Format) Sorted() bool { return f == Table || f == JSON }

// Writer writes a report. Write takes one row; Close writes whatever is
// held back (everything, for a sorted format) and flushes. Close does not
// close the underlying io.Writer.
type Writer interface {
	Write(Row) error
	Close() error
}

// NewWriter returns a Writer of format f onto w.
func NewWriter(f Format, w io.Writer) Writer {
	switch f {
	case Table:
		return &sortedWriter{flush: func(rows []Row) error { return writeTable(w, rows) }}
	case JSON:
		return &sortedWriter{flush: func(rows []Row) error { return writeJSON(w, rows) }}
	case CSV:
		return newCSVWriter(w)
	default:
		return newNDJSONWriter(w)
	}
}

// sortedWriter holds the rows and writes them sorted on Close.
type sortedWriter struct {
	rows  []Row
	flush func([]Row) error
}

func (s *sortedWriter) Write(r Row) error {
	s.rows = append(s.rows, r)
	return nil
}

func (s *sortedWriter) Close() error {
	Sort(s.rows)
	return s.flush(s.rows)
}

// normalized returns r with Permissions never nil, so that JSON carries []
// for none.
func normalized(r Row) Row {
	if r.Permissions == nil {
		r.Permissions = []string{}
	}
	return r
}

// writeJSON writes rows as a JSON array with one object a line.
func writeJSON(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	if len(rows) == 0 {
		bw.WriteString("[]\n")
		return bw.Flush()
	}
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	bw.WriteString("[\n")
	for i, r := range rows {
		line.Reset()
		if err := enc.Encode(normalized(r)); err != nil {
			return err
		}
		bw.WriteString("  ")
		bw.Write(bytes.TrimSuffix(line.Bytes(), []byte("\n")))
		if i < len(rows)-1 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

// ndjsonWriter writes one JSON object a line.
type ndjsonWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func newNDJSONWriter(w io.Writer) *ndjsonWriter {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &ndjsonWriter{bw: bw, enc: enc}
}

func (n *ndjsonWriter) Write(r Row) error { return n.enc.Encode(normalized(r)) }
func (n *ndjsonWriter) Close() error      { return n.bw.Flush() }

// csvWriter writes a header row, then one record a row; permissions are
// joined with ";".
type csvWriter struct {
	cw     *csv.Writer
	header bool
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{cw: csv.NewWriter(w)} }

func (c *csvWriter) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	return c.cw.Write(Fields)
}

func (c *csvWriter) Write(r Row) error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	return c.cw.Write([]string{r.Provider, r.UserID, r.Email, r.Name, r.Username, strconv.FormatBool(r.Disabled),
		r.RoleID, r.RoleName, r.RoleKind, r.Scope, strings.Join(r.Permissions, ";"), r.Via})
}

func (c *csvWriter) Close() error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	c.cw.Flush()
	return c.cw.Error()
}

// TableHeader is the table format's header row.
var TableHeader = []string{"PROVIDER", "USER_ID", "EMAIL", "NAME", "USERNAME", "DISABLED", "ROLE_ID", "ROLE_NAME",
	"KIND", "SCOPE", "PERMISSIONS", "VIA"}

// TableEmpty is what the table shows for an empty cell.
const TableEmpty = "-"

// TableCells returns the table format's cells for r: empty values as "-",
// disabled as yes/no, permissions joined with ",", control characters
// replaced so that a provider's data cannot move the terminal's cursor.
func TableCells(r Row) []string {
	disabled := "no"
	if r.Disabled {
		disabled = "yes"
	}
	cells := []string{r.Provider, r.UserID, r.Email, r.Name, r.Username, disabled, r.RoleID, r.RoleName, r.RoleKind,
		r.Scope, strings.Join(r.Permissions, ","), r.Via}
	for i, c := range cells {
		c = clean(c)
		if strings.TrimSpace(c) == "" {
			c = TableEmpty
		}
		cells[i] = c
	}
	return cells
}

func writeTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	tw.Write([]byte(strings.Join(TableHeader, "\t") + "\n"))
	for _, r := range rows {
		if _, err := tw.Write([]byte(strings.Join(TableCells(r), "\t") + "\n")); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// clean replaces control characters, so that a provider's data cannot move
// a terminal's cursor or break a table's alignment.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}
