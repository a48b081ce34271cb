package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The encoding of rows_sha256 as it was written first, kept as the
// oracle of rowDigest.add: every column's text (column.get) made
// canonical, then appended as a netstring.

// canonical returns a value as every format reads it back: each byte that
// is not valid UTF-8 as U+FFFD (as JSON writes it) and "\r\n" as "\n" (as
// a CSV reader reads it).
func canonical(s string) string {
	if !utf8.ValidString(s) {
		var b strings.Builder
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // utf8.RuneError for a bad byte
			i += n
		}
		s = b.String()
	}
	if strings.Contains(s, "\r\n") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	return s
}

// netstring appends v to b as a netstring: its length in bytes in decimal,
// ':', the bytes, ','.
func netstring(b []byte, v string) []byte {
	b = strconv.AppendInt(b, int64(len(v)), 10)
	b = append(b, ':')
	b = append(b, v...)
	return append(b, ',')
}

// oracleEncoding is the bytes rowDigest.add hashes for r, as they were
// first computed.
func oracleEncoding(r *Row) []byte {
	var b []byte
	for _, c := range columns {
		v := canonical(c.get(r))
		if c.model {
			if v == "" {
				continue
			}
			b = append(b, '+')
			b = netstring(b, c.name)
		}
		b = netstring(b, v)
	}
	return b
}

// hostileValues are values that put the canonical form to work.
var hostileValues = []string{
	"",
	"plain",
	"é – 東京 \U0001F600",
	"\xff",
	"a\xffb\xfe",
	"\xe2\x82",     // a sequence cut short
	"\xe2\x82;",    // cut short before the list separator
	"\xed\xa0\x80", // a surrogate
	"\xef\xbf\xbd", // U+FFFD itself
	"line\r\nnext",
	"\r\n",
	"\r\r\n\n",
	"\r\n\r\n",
	"\r",
	"\n",
	"a\r",
	"\rb",
	"\xff\r\n\xfe",
	"\r\xff\n",
	"semi;colon",
	";",
	strings.Repeat("x", 1000) + "\r\n",
}

// hostileRows are rows whose every column takes every hostile value, in
// turn, with the others set or empty, the model's columns among them.
func hostileRows() []Row {
	var rows []Row
	for i, v := range hostileValues {
		w := hostileValues[(i+1)%len(hostileValues)]
		full := Row{Provider: v, UserID: w, Email: v, Name: w, Username: v, Disabled: i%2 == 0,
			RoleID: w, RoleName: v, RoleKind: w, Scope: v, Permissions: []string{v, w, "p;q"}, Via: w,
			Status: v, AccountType: w, Created: v, Updated: w, LastActivity: v, Privileged: i%3 == 0,
			PrincipalKind: v, OwnerKind: w, OwnerID: v, OwnerName: w, ScopeKind: v, ScopeID: w,
			ScopeName: v, Held: w, Expires: v}
		rows = append(rows, full, Row{Provider: v, Permissions: []string{v}}, Row{Permissions: []string{}},
			Row{Permissions: []string{"", ""}, PrincipalKind: v}, Row{Permissions: []string{w, ""}, Expires: w, Held: v})
		for j := range columns {
			for _, perms := range [][]string{nil, {v}, {v, v}} {
				var r Row
				r.Permissions = perms
				if c := &columns[j]; c.text != nil {
					*c.text(&r) = v
				}
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// TestDigestEncodingUnchanged: rowDigest.add hashes, for rows with
// invalid UTF-8, "\r\n", ';' in permissions and model columns empty or
// not, exactly the bytes the first encoding did, so that every digest
// recorded still verifies.
func TestDigestEncodingUnchanged(t *testing.T) {
	rows := hostileRows()
	d := newRowDigest()
	for i := range rows {
		d.add(&rows[i])
		want := oracleEncoding(&rows[i])
		if !bytes.Equal(want, d.buf) {
			t.Fatalf("row %d %+v:\n got %q\nwant %q", i, rows[i], d.buf, want)
		}
	}
	o := newRowDigest()
	for i := range rows {
		o.h.Write(oracleEncoding(&rows[i]))
	}
	assert.Equal(t, o.sum(), d.sum())
	assert.Equal(t, o.sum(), RowsDigest(rows))
}

// TestDigestAddAllocatesNothing: hashing a row allocates nothing once the
// buffer has grown, whatever the row holds.
func TestDigestAddAllocatesNothing(t *testing.T) {
	rows := hostileRows()
	d := newRowDigest()
	for i := range rows {
		d.add(&rows[i])
	}
	i := 0
	allocs := testing.AllocsPerRun(len(rows), func() {
		d.add(&rows[i%len(rows)])
		i++
	})
	require.Zero(t, allocs, "allocations a row")
}
