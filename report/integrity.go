package report

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrMismatch is what the error of a report that does not match its run
// record wraps (MismatchError): rows cut off, added, removed or edited
// since the report was written.
var ErrMismatch = errors.New("the report does not match its run record")

// MismatchError says that a provider's rows in a report do not match its
// run record: their number, or their digest (ProviderRun.RowsSHA256).
type MismatchError struct {
	Provider string
	// Rows is the number of the provider's rows read; Counted is the run
	// record's (ProviderRun.Assignments), -1 when the record does not list
	// the provider.
	Rows, Counted int64
	// Digest is the digest of the rows read and Recorded the run record's;
	// they are set when the counts agree but the digests do not.
	Digest, Recorded string
}

func (e *MismatchError) Error() string {
	switch {
	case e.Counted < 0:
		return fmt.Sprintf("%s: %s read, the run record does not list %s: "+
			"the report was edited; restore it from its source", e.Provider, assignments(e.Rows), e.Provider)
	case e.Rows != e.Counted:
		return fmt.Sprintf("%s: %s read, the run record counts %d: "+
			"the report is cut short or edited; restore it from its source", e.Provider, assignments(e.Rows), e.Counted)
	}
	return fmt.Sprintf("%s: the run record's digest (rows_sha256 %s) is not that of the %s read (%s): "+
		"the report was edited; restore it from its source", e.Provider, e.Recorded, assignments(e.Rows), e.Digest)
}

// assignments is "1 assignment", "2 assignments".
func assignments(n int64) string {
	if n == 1 {
		return "1 assignment"
	}
	return strconv.FormatInt(n, 10) + " assignments"
}

// Unwrap returns ErrMismatch.
func (e *MismatchError) Unwrap() error { return ErrMismatch }

// ProviderCheck is one provider of a report checked against the report's
// run record (Report.Check).
type ProviderCheck struct {
	Provider string
	// Status is the run record's (StatusComplete, StatusFailed); "" when
	// the record does not list the provider.
	Status string
	// Rows is the number of the provider's rows read; Counted is the run
	// record's, -1 when the record does not list the provider.
	Rows, Counted int64
	// Digest is the digest of the rows read (RowsDigest); Recorded is the
	// run record's, "" when the record has none (written before digests).
	Digest, Recorded string
	// Err is a *MismatchError when the rows do not match the record, nil
	// when they do.
	Err error
}

// Check checks the report's rows against its run record, provider by
// provider: the providers of the record in its order, then any other
// provider the rows name. For each, the number of its rows must be the
// record's count and, where the record has one (ProviderRun.RowsSHA256),
// their digest the record's. A report without a run record has nothing to
// check against: Check returns nil. Read and ReadFile check every report
// they read.
func (r *Report) Check() []ProviderCheck {
	if r.Run == nil {
		return nil
	}
	type tally struct {
		rows int64
		d    *rowDigest
	}
	tallies := map[string]*tally{}
	var order []string
	for i := range r.Rows {
		p := r.Rows[i].TenantName()
		t := tallies[p]
		if t == nil {
			t = &tally{d: newRowDigest()}
			tallies[p] = t
			order = append(order, p)
		}
		t.rows++
		t.d.add(&r.Rows[i])
	}
	var out []ProviderCheck
	seen := map[string]bool{}
	check := func(p string, pr *ProviderRun) {
		seen[p] = true
		c := ProviderCheck{Provider: p, Counted: -1, Digest: emptyDigest}
		if t := tallies[p]; t != nil {
			c.Rows, c.Digest = t.rows, t.d.sum()
		}
		if pr != nil {
			c.Status, c.Counted, c.Recorded = pr.Status, pr.Assignments, pr.RowsSHA256
		}
		switch {
		case c.Rows != c.Counted:
			c.Err = &MismatchError{Provider: p, Rows: c.Rows, Counted: c.Counted}
		case c.Recorded != "" && !strings.EqualFold(c.Recorded, c.Digest):
			c.Err = &MismatchError{Provider: p, Rows: c.Rows, Counted: c.Counted, Digest: c.Digest, Recorded: c.Recorded}
		}
		out = append(out, c)
	}
	for i := range r.Run.Providers {
		if pr := &r.Run.Providers[i]; !seen[pr.Name()] {
			check(pr.Name(), pr)
		}
	}
	for _, p := range order {
		if !seen[p] {
			check(p, nil)
		}
	}
	return out
}

// mismatch returns the first mismatch Check finds, or nil.
func (r *Report) mismatch() error {
	for _, c := range r.Check() {
		if c.Err != nil {
			return c.Err
		}
	}
	return nil
}

// RowsDigest returns the SHA-256, in hex, of rows in the order given: what
// a run record's rows_sha256 holds for a provider's rows in report order.
// See the package documentation for the encoding.
func RowsDigest(rows []Row) string {
	d := newRowDigest()
	for i := range rows {
		d.add(&rows[i])
	}
	return d.sum()
}

// emptyDigest is the digest of no rows.
var emptyDigest = RowsDigest(nil)

// rowDigest hashes rows one at a time in the encoding of rows_sha256: each
// row as its columns' values (Fields, in order; the text CSV holds before
// it is neutralised, canonical: appendCanonicalBytes), each as a netstring: its length in bytes
// in decimal, ':', the bytes, ','. A model column (ModelColumns) is
// encoded only when its value is not empty, as '+', its name's netstring
// and its value's: a row without them (every row written before them)
// has the digest it had, and since a netstring begins with a digit, a '+'
// can only be a model column, never the next row.
type rowDigest struct {
	h   hash.Hash
	buf []byte
}

func newRowDigest() *rowDigest { return &rowDigest{h: sha256.New()} }

func (d *rowDigest) add(r *Row) {
	b := d.buf[:0]
	for i := range columns {
		c := &columns[i]
		switch {
		case c.text != nil:
			v := *c.text(r)
			if c.tenant && v == r.Provider {
				continue // the provider's own tenant: as "" (Row.TenantName)
			}
			if c.model {
				if v == "" { // its canonical form is "" only when it is
					continue
				}
				b = append(b, '+')
				b = appendCanonical(b, c.name)
			}
			b = appendCanonical(b, v)
		case c.flag != nil:
			if *c.flag(r) {
				b = append(b, "4:true,"...)
			} else {
				b = append(b, "5:false,"...)
			}
		default:
			b = appendList(b, c.list(r))
		}
	}
	d.buf = b
	d.h.Write(b)
}

// appendCanonical appends the canonical form of v (appendCanonicalBytes)
// to b as a netstring: its length in bytes in decimal, ':', the bytes, ','.
func appendCanonical(b []byte, v string) []byte {
	if isCanonical(v) {
		b = strconv.AppendInt(b, int64(len(v)), 10)
		b = append(b, ':')
		b = append(b, v...)
		return append(b, ',')
	}
	b = strconv.AppendInt(b, int64(canonicalLen(v)), 10)
	b = append(b, ':')
	b = appendCanonicalBytes(b, v)
	return append(b, ',')
}

// appendList appends the canonical form of the values joined by ';' (how
// CSV holds a list) to b as a netstring. Canonical forms join: ';' is
// neither a UTF-8 continuation byte nor '\r' or '\n', so no bad sequence
// and no "\r\n" spans two values.
func appendList(b []byte, vs []string) []byte {
	n := 0
	for i, v := range vs {
		if i > 0 {
			n++
		}
		if isCanonical(v) {
			n += len(v)
		} else {
			n += canonicalLen(v)
		}
	}
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ':')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ';')
		}
		b = appendCanonicalBytes(b, v)
	}
	return append(b, ',')
}

// isCanonical reports whether v is its own canonical form: valid UTF-8
// without "\r\n".
func isCanonical(v string) bool {
	if i := strings.IndexByte(v, '\r'); i >= 0 && strings.Contains(v[i:], "\r\n") {
		return false
	}
	return utf8.ValidString(v)
}

// canonicalLen returns the length in bytes of the canonical form of v.
func canonicalLen(v string) int {
	n := 0
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += utf8.RuneLen(utf8.RuneError)
		case v[i] == '\r' && i+1 < len(v) && v[i+1] == '\n':
			// dropped
		default:
			n += size
		}
		i += size
	}
	return n
}

// appendCanonicalBytes appends the canonical form of v to b: each byte
// that is not valid UTF-8 as U+FFFD (as JSON writes it) and "\r\n" as
// "\n" (as a CSV reader reads it).
func appendCanonicalBytes(b []byte, v string) []byte {
	if isCanonical(v) {
		return append(b, v...)
	}
	for i := 0; i < len(v); {
		r, size := utf8.DecodeRuneInString(v[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = utf8.AppendRune(b, utf8.RuneError)
		case v[i] == '\r' && i+1 < len(v) && v[i+1] == '\n':
			// dropped: the '\n' follows
		default:
			b = append(b, v[i:i+size]...)
		}
		i += size
	}
	return b
}

func (d *rowDigest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }
