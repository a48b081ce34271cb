package report

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/termtext"
)

// Format is a report format.
type Format string

// The formats.
const (
	Table  Format = "table"  // aligned columns for a terminal
	JSON   Format = "json"   // {"assignments": […], "run": …}
	NDJSON Format = "ndjson" // one JSON object a line; run record in a sidecar
	CSV    Format = "csv"    // a header row, then one row a line; run record in a sidecar
	// HTML is one self-contained page with the run record in it, written
	// by package review/htmlreport (the Writer does not write it).
	HTML Format = "html"
)

// Formats lists the formats the Writer writes, for help texts.
var Formats = []Format{Table, JSON, NDJSON, CSV}

// ParseFormat returns the named format: one of Formats, or HTML.
func ParseFormat(s string) (Format, error) {
	all := append(slices.Clip(Formats), HTML)
	for _, f := range all {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (want one of %s)", s, strings.Join(names, ", "))
}

// Sidecar reports whether the format keeps its run record in a sidecar
// file (SidecarName) rather than in the report itself.
func (f Format) Sidecar() bool { return f == NDJSON || f == CSV }

// Defaults of Options.
const (
	// DefaultMemoryLimit is the bytes of rows a Writer holds in memory
	// before it spills them to temporary files.
	DefaultMemoryLimit = 64 << 20
	// DefaultMaxCell is the table's widest cell, in characters; a longer
	// value is cut and ends with "…".
	DefaultMaxCell = 100
)

// Options configure a Writer.
type Options struct {
	Format Format // default Table
	// Unsorted writes each provider's rows in the order they arrived
	// instead of report order, and (except the table) writes a provider's
	// rows as soon as Complete says it finished.
	Unsorted bool
	// CSVRaw writes CSV cells as they are, without neutralising those a
	// spreadsheet would run as formulas.
	CSVRaw bool
	// MaxCell is the table's widest cell in characters (0:
	// DefaultMaxCell; negative: no limit).
	MaxCell int
	// Columns are the table's columns, named by their header (TableHeader,
	// matched case-insensitively), in the order shown; none: every column.
	// The other formats hold every column whatever it says. A name that is
	// not a column makes Write and Finish fail: check the names first with
	// TableColumns.
	Columns []string
	// MemoryLimit is the bytes of rows held in memory before they spill to
	// temporary files (0: DefaultMemoryLimit).
	MemoryLimit int64
	// TempDir is where the temporary files go ("": os.TempDir).
	TempDir string
	// Tenants writes the tenant column (Row.Tenant, the last) in every
	// format, for a listing of named tenants (package facade/tenants).
	// Without it the report has the columns it had before tenants, each
	// provider's rows being its one tenant's, named after it; the digests
	// are the same either way for such rows.
	Tenants bool
}

// Writer writes a report. Rows may arrive in any order and from several
// providers interleaved; the Writer holds each provider's rows (in memory
// up to Options.MemoryLimit, then in temporary files) so that a provider
// whose listing failed can be left out whole (Drop), and writes them in
// report order when it finishes (Finish). A Writer is not safe for
// concurrent use.
type Writer struct {
	bw      *bufio.Writer
	o       Options
	spools  map[string]*spool
	dropped map[string]bool
	done    map[string]bool // rows already written (Unsorted, Complete)
	users   map[string]map[string]struct{}
	counts  map[string]int64
	widths  map[string][]int  // table: each provider's widest cells
	cols    []int             // table: the columns shown, as indexes of columns
	ncols   int               // the columns written: every one with Options.Tenants, else all but tenant
	digests map[string]string // each provider's rows_sha256, once its rows are written
	held    int64
	begun   bool // the report's opening is written
	first   bool // no row written yet
	csv     *csv.Writer
	line    []byte // the row being encoded (JSON, NDJSON)
	err     error

	// Reused row after row: a Row boxed in an interface, or whose address
	// escapes, is allocated every row.
	rec      []string // the record being written (CSV)
	measured Row      // the row being measured (Table)
}

// NewWriter returns a Writer of a report onto w.
func NewWriter(w io.Writer, o Options) *Writer {
	if o.Format == "" {
		o.Format = Table
	}
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.MaxCell == 0 {
		o.MaxCell = DefaultMaxCell
	}
	wr := &Writer{bw: bufio.NewWriterSize(w, bufferSize), o: o, spools: map[string]*spool{},
		dropped: map[string]bool{}, done: map[string]bool{}, users: map[string]map[string]struct{}{},
		counts: map[string]int64{}, widths: map[string][]int{}, digests: map[string]string{}, first: true}
	wr.ncols = len(columns)
	if !o.Tenants {
		wr.ncols = modelColumns
	}
	if o.Format == HTML {
		wr.err = errors.New("report: the Writer does not write html: write the JSON report, read it back and " +
			"write the page with package review/htmlreport")
	}
	if o.Format == Table {
		wr.cols, wr.err = TableColumns(TenantTableHeader[:wr.ncols], o.Columns)
		if len(o.Columns) > 0 && wr.err != nil {
			wr.cols, wr.err = TableColumns(TenantTableHeader, o.Columns) // TENANT named: shown
		}
		if wr.err != nil {
			wr.err = fmt.Errorf("report: %w", wr.err)
		}
	}
	wr.csv = csv.NewWriter(wr.bw)
	return wr
}

// Write adds one row. The rows of a provider that was dropped are
// ignored.
func (w *Writer) Write(r Row) error {
	if w.err != nil {
		return w.err
	}
	p := r.TenantName()
	if w.dropped[p] {
		return nil
	}
	if w.done[p] {
		return fmt.Errorf("report: a row of %s after its listing was complete", p)
	}
	s := w.spools[p]
	if s == nil {
		s = &spool{sorted: !w.o.Unsorted, dir: w.o.TempDir}
		w.spools[p] = s
		w.users[p] = map[string]struct{}{}
	}
	if w.o.Format == Table {
		// Measured through a field: r's own address would move every
		// row written, in any format, to the heap.
		w.measured = r
		w.measure(&w.measured)
	}
	w.counts[p]++
	if _, ok := w.users[p][r.UserID]; !ok && r.Kind() == string(facade.User) {
		w.users[p][strings.Clone(r.UserID)] = struct{}{}
	}
	s.add(r)
	w.held += r.size()
	if w.held > w.o.MemoryLimit {
		for _, s := range w.spools {
			if err := s.spill(); err != nil {
				w.err = err
				return err
			}
		}
		w.held = 0
	}
	return nil
}

// Counts returns what the report holds of provider: assignments, and
// distinct user ids of the users (principals of kind user) holding them.
func (w *Writer) Counts(provider string) (assignments, users int64) {
	if w.dropped[provider] {
		return 0, 0
	}
	return w.counts[provider], int64(len(w.users[provider]))
}

// Drop leaves provider out of the report: the rows it holds are discarded,
// and later ones ignored. It is an error once the provider's rows are
// written (Complete with Unsorted).
func (w *Writer) Drop(provider string) error {
	if w.done[provider] {
		return fmt.Errorf("report: %s's rows are already written", provider)
	}
	w.dropped[provider] = true
	if s := w.spools[provider]; s != nil {
		w.held -= s.held
		s.close()
		delete(w.spools, provider)
	}
	delete(w.widths, provider)
	return nil
}

// Complete says provider's listing is complete. With Options.Unsorted its
// rows are written at once (except in the table, which needs every row to
// size its columns); otherwise it changes nothing.
func (w *Writer) Complete(provider string) error {
	if !w.o.Unsorted || w.o.Format == Table || w.dropped[provider] || w.done[provider] || w.err != nil {
		return w.err
	}
	w.done[provider] = true
	w.begin()
	if err := w.emit(provider); err != nil {
		return err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = err
	}
	return w.err
}

// Finish writes the rows not yet written, in report order (providers in
// name order), records in run the digest of each of its providers' rows
// as written (ProviderRun.RowsSHA256; the digest of no rows for a provider
// the report holds none of), writes run as the report's run record after
// the rows (JSON only: the other formats' record goes to a sidecar,
// WriteRun, once Finish has filled it in), and flushes. The digests are
// computed as the rows are written, in the same pass. Finish removes the
// temporary files and does not close the underlying writer.
func (w *Writer) Finish(run *Run) error {
	defer w.Abort()
	if w.err != nil {
		return w.err
	}
	w.begin()
	providers := make([]string, 0, len(w.spools))
	for p := range w.spools {
		if !w.done[p] {
			providers = append(providers, p)
		}
	}
	slices.Sort(providers)
	for _, p := range providers {
		if err := w.emit(p); err != nil {
			return err
		}
	}
	if run != nil {
		for i := range run.Providers {
			pr := &run.Providers[i]
			pr.RowsSHA256 = cmp.Or(w.digests[pr.Name()], emptyDigest)
		}
	}
	if err := w.end(run); err != nil {
		return err
	}
	return w.bw.Flush()
}

// Abort removes the temporary files without writing more.
func (w *Writer) Abort() {
	for _, s := range w.spools {
		s.close()
	}
	w.spools = map[string]*spool{}
}

// begin writes the report's opening, once. A JSON report's run record
// comes after its rows, since it carries their digests.
func (w *Writer) begin() {
	if w.begun {
		return
	}
	w.begun = true
	switch w.o.Format {
	case JSON:
		w.bw.WriteString("{\n  \"assignments\": [")
	case CSV:
		w.csv.Write(TenantFields[:w.ncols])
	case Table:
		w.tableRow(pick(TenantTableHeader, w.cols), w.tableWidths())
	}
}

// end writes the report's close.
func (w *Writer) end(run *Run) error {
	if w.o.Format != JSON {
		if w.o.Format == CSV {
			w.csv.Flush()
			return w.csv.Error()
		}
		return nil
	}
	if w.first {
		w.bw.WriteString("]")
	} else {
		w.bw.WriteString("\n  ]")
	}
	if run != nil {
		b, err := json.MarshalIndent(run, "  ", "  ")
		if err != nil {
			return err
		}
		w.bw.WriteString(",\n  \"run\": ")
		w.bw.Write(b)
	}
	w.bw.WriteString("\n}\n")
	return nil
}

// emit writes provider's rows.
func (w *Writer) emit(provider string) error {
	s := w.spools[provider]
	if s == nil {
		return nil
	}
	var widths []int
	if w.o.Format == Table {
		widths = w.tableWidths()
	}
	d := newRowDigest()
	err := s.each(func(r *Row) error {
		d.add(r)
		return w.row(r, widths)
	})
	w.digests[provider] = d.sum()
	s.close()
	delete(w.spools, provider)
	if err == nil && w.o.Format == CSV {
		w.csv.Flush()
		err = w.csv.Error()
	}
	if err != nil {
		w.err = err
	}
	return err
}

func (w *Writer) row(r *Row, widths []int) error {
	switch w.o.Format {
	case JSON, NDJSON:
		w.line = appendRowJSON(w.line[:0], r, w.ncols)
		if w.o.Format == JSON {
			if !w.first {
				w.bw.WriteByte(',')
			}
			w.bw.WriteString("\n    ")
		}
		w.bw.Write(w.line)
		if w.o.Format == NDJSON {
			w.bw.WriteByte('\n')
		}
	case CSV:
		if w.rec == nil {
			w.rec = make([]string, w.ncols) // csv.Writer.Write keeps no reference
		}
		rec := w.rec
		for i, c := range columns[:w.ncols] {
			rec[i] = c.get(r)
			if !w.o.CSVRaw {
				rec[i] = Neutralize(rec[i])
			}
		}
		if err := w.csv.Write(rec); err != nil {
			return err
		}
	case Table:
		w.tableRow(w.cells(r), widths)
	}
	w.first = false
	return nil
}

// tableRow writes one line of the table: the cells padded to widths, two
// spaces apart, with no trailing blanks.
func (w *Writer) tableRow(cells []string, widths []int) { tableLine(w.bw, cells, widths) }

// tableLine writes cells padded to widths, two spaces apart, with no
// trailing blanks, and a newline.
func tableLine(bw *bufio.Writer, cells []string, widths []int) {
	for i, c := range cells {
		if pad := widths[i] - utf8.RuneCountInString(c); pad > 0 && i < len(cells)-1 {
			cells[i] = c + strings.Repeat(" ", pad)
		}
	}
	bw.WriteString(strings.TrimRight(strings.Join(cells, "  "), " "))
	bw.WriteByte('\n')
}

// bufferSize is the buffer every report is written through: a table of
// many rows takes one write system call per 64 KiB, not one per cell.
const bufferSize = 64 << 10

// WriteTable writes rows under header as the access report's table: each
// cell made readable and cut by TableCell (maxCell 0: DefaultMaxCell;
// negative: no cut), the columns padded to their widest cell, two spaces
// apart, through the report's buffer. It is the table of every report
// written whole rather than streamed (rolecall people and review).
func WriteTable(w io.Writer, header []string, rows [][]string, maxCell int) error {
	return WriteTableColumns(w, header, rows, maxCell, nil)
}

// WriteTableColumns is WriteTable showing only the columns columns names,
// by their header (matched case-insensitively), in that order; none:
// every column. A name that is not in header is an error, and nothing is
// written (TableColumns).
func WriteTableColumns(w io.Writer, header []string, rows [][]string, maxCell int, columns []string) error {
	if maxCell == 0 {
		maxCell = DefaultMaxCell
	}
	cols, err := TableColumns(header, columns)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(header[c])
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		if len(r) != len(header) {
			return fmt.Errorf("report: table row %d has %d cells, the header %d", i+1, len(r), len(header))
		}
		cells[i] = make([]string, len(cols))
		for j, c := range cols {
			cells[i][j] = TableCell(r[c], maxCell)
			widths[j] = max(widths[j], utf8.RuneCountInString(cells[i][j]))
		}
	}
	bw := bufio.NewWriterSize(w, bufferSize)
	tableLine(bw, pick(header, cols), widths)
	for _, r := range cells {
		tableLine(bw, r, widths)
	}
	return bw.Flush()
}

// normalized returns r with Permissions never nil, so that JSON carries []
// for none.
func normalized(r Row) Row {
	if r.Permissions == nil {
		r.Permissions = []string{}
	}
	return r
}

// Neutralize returns a CSV cell that a spreadsheet shows as text: a value
// starting with =, +, -, @, tab or carriage return (which Excel, Sheets and
// LibreOffice would run as a formula) gets a leading apostrophe, as OWASP
// recommends against CSV injection; so does a value starting with an
// apostrophe, so that Read can remove exactly what was added.
func Neutralize(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r'", s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// unneutralize undoes Neutralize. A cell that starts with an apostrophe
// and a newline was a value starting with "\r\n", whose "\r" the CSV
// reader dropped: the apostrophe goes too.
func unneutralize(s string) string {
	if len(s) >= 2 && s[0] == '\'' && strings.IndexByte("=+-@\t\r\n'", s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// TableEmpty is what the table shows for an empty cell.
const TableEmpty = "-"

// TableCells returns the table's cells for r, without padding: empty
// values as "-", disabled as yes/no, permissions joined with ",", each
// made readable and cut by TableCell.
func TableCells(r *Row, maxCell int) []string {
	cells := make([]string, len(columns))
	for i := range columns {
		cells[i] = columns[i].tableCell(r, maxCell)
	}
	return cells
}

// tableCell is c's cell of r in the table.
func (c *column) tableCell(r *Row, maxCell int) string {
	get := c.get
	if c.table != nil {
		get = c.table
	}
	return TableCell(get(r), maxCell)
}

// DefaultTableColumns are the columns of the table rolecall list and
// rolecall demo show unless told otherwise (--columns, --wide): the ones
// a reviewer reads, which fit a terminal 160 characters wide: who (what
// kind of principal, its name and email: a key or a group has a name and
// no email) holds which role where (SCOPE_NAME, which in the table shows
// the scope's id, or else its own text such as api.organization, where it
// has no name),
// and whether the role is privileged. The status (disabled, suspended, an
// orphaned key), last activity, the scope's id and a key's owner are a
// --columns or --wide away (and rolecall review reports what needs a
// look).
var DefaultTableColumns = []string{"PROVIDER", "PRINCIPAL", "NAME", "EMAIL", "ROLE_NAME", "SCOPE_NAME", "PRIVILEGED"}

// TableColumns returns the positions in header of the columns names
// picks, in the order given, each name matched with header
// case-insensitively; no names picks every column, in header's order. A
// name that is not in header, or one given twice, is an error that lists
// header's names.
func TableColumns(header, names []string) ([]int, error) {
	if len(names) == 0 {
		all := make([]int, len(header))
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	cols := make([]int, 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(h, n) })
		switch {
		case i < 0:
			return nil, fmt.Errorf("unknown column %q (the columns are %s)", n, strings.Join(header, ", "))
		case slices.Contains(cols, i):
			return nil, fmt.Errorf("column %q named twice", n)
		}
		cols = append(cols, i)
	}
	return cols, nil
}

// pick returns the cells of cells at cols, in cols' order.
func pick(cells []string, cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = cells[c]
	}
	return out
}

// TableCell returns s as a table shows it: control, bidi and zero-width
// characters as visible escapes, cut to maxCell characters with a
// trailing "…" (maxCell <= 0: no cut), and TableEmpty when blank.
func TableCell(s string, maxCell int) string {
	v := termtext.Truncate(termtext.Escape(s), maxCell)
	if strings.TrimSpace(v) == "" {
		return TableEmpty
	}
	return v
}

// cells are r's cells of the columns shown.
func (w *Writer) cells(r *Row) []string {
	cells := make([]string, len(w.cols))
	for i, c := range w.cols {
		cells[i] = columns[c].tableCell(r, w.o.MaxCell)
	}
	return cells
}

// measure widens the provider's table columns to fit r.
func (w *Writer) measure(r *Row) {
	ws := w.widths[r.TenantName()]
	if ws == nil {
		ws = make([]int, len(w.cols))
		w.widths[r.TenantName()] = ws
	}
	for i, c := range w.cells(r) {
		ws[i] = max(ws[i], utf8.RuneCountInString(c))
	}
}

// tableWidths is each column's width over the providers kept.
func (w *Writer) tableWidths() []int {
	out := make([]int, len(w.cols))
	for i, c := range w.cols {
		out[i] = utf8.RuneCountInString(TenantTableHeader[c])
	}
	for _, ws := range w.widths {
		for i, n := range ws {
			out[i] = max(out[i], n)
		}
	}
	return out
}

// WriteRun writes run as an indented JSON document: the sidecar of an
// NDJSON or CSV report.
func WriteRun(w io.Writer, run *Run) error {
	b, err := json.MarshalIndent(run, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
