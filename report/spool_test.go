package report

import (
	"bytes"
	"io"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpillKeepsBytes: a report is the same whether its rows spilled to
// temporary files or not, in every format, for values a JSON line would
// not carry as they are (invalid UTF-8, which CSV and the table keep), and
// for permissions nil, empty and listed. (Rows of equal keys may merge in
// any order, so each key is written once.)
func TestSpillKeepsBytes(t *testing.T) {
	var rows []Row
	for i := range 300 {
		r := Row{Provider: "openai", UserID: "user-\xff" + strconv.Itoa(i/7), Email: "a\xc3@x.com",
			Name: "N\x00\u2028\"<&>", RoleID: "role-" + string(rune('a'+i%7)), Scope: "s\xfe", Disabled: i%2 == 0,
			Privileged: i%3 == 0, Via: "group/é", Created: "2024-01-02T03:04:05Z"}
		switch i % 3 {
		case 1:
			r.Permissions = []string{}
		case 2:
			r.Permissions = []string{"a.read", "b\xff.write", ""}
		}
		rows = append(rows, r)
	}
	dir := t.TempDir()
	for _, f := range Formats {
		for _, unsorted := range []bool{false, true} {
			want := write(t, Options{Format: f, Unsorted: unsorted}, rows, sampleRun())
			got := write(t, Options{Format: f, Unsorted: unsorted, MemoryLimit: 4 << 10, TempDir: dir}, rows, sampleRun())
			assert.True(t, want == got, "%s unsorted=%t: the report differs when its rows spilled", f, unsorted)
		}
	}
}

// TestSpillRecord: a row comes back from its record exactly, nil
// permissions as nil; a damaged record is an error, not a panic.
func TestSpillRecord(t *testing.T) {
	for _, r := range append(sample, Row{}, Row{Permissions: []string{}}, Row{Name: "\xff", Permissions: []string{"", "x"}}) {
		rec := appendRecord(nil, &r)
		got, err := decodeRow(rec)
		require.NoError(t, err)
		assert.Equal(t, r, got)
		for n := range len(rec) {
			_, err := decodeRow(rec[:n])
			assert.Error(t, err, "record cut to %d of %d bytes", n, len(rec))
		}
		_, err = decodeRow(append(bytes.Clone(rec), 0))
		assert.Error(t, err, "a byte too many")
	}
}

// TestSortedTiesKeepArrival: rows that compare equal (the same key written
// twice, told apart by their name) come out in the order they arrived, as
// the stable Sort leaves them, when the rows are held in memory.
func TestSortedTiesKeepArrival(t *testing.T) {
	var rows []Row
	for i := range 500 {
		rows = append(rows, Row{Provider: "logto", UserID: "u" + strconv.Itoa((i*37)%11), RoleID: "r" + strconv.Itoa(i%3),
			Name: strconv.Itoa(i)})
	}
	for _, f := range []Format{NDJSON, CSV} {
		assert.Equal(t, write(t, Options{Format: f}, sorted(rows), nil), write(t, Options{Format: f}, rows, nil), f)
	}
}

// TestWriterOrderIsCompare: the Writer, which folds each row's person and
// user id once to sort, writes rows in Compare's order (Sort), in memory
// and spilled, for emails and user ids that fold in unusual ways.
func TestWriterOrderIsCompare(t *testing.T) {
	var rows []Row
	for i, e := range foldCases {
		for j, u := range foldCases {
			if (i+j)%3 == 0 {
				continue
			}
			rows = append(rows, Row{Provider: []string{"vectara", "cortex"}[(i*j)%2], Email: e, UserID: u + strconv.Itoa(j%4),
				RoleID: foldCases[(i+j)%len(foldCases)]})
		}
	}
	want := write(t, Options{Format: NDJSON}, sorted(rows), nil)
	assert.True(t, want == write(t, Options{Format: NDJSON}, rows, nil), "in memory")
	assert.True(t, want == write(t, Options{Format: NDJSON, MemoryLimit: 8 << 10, TempDir: t.TempDir()}, rows, nil), "spilled")
}

// TestWriteAllocates nothing a row, in the formats written as rows come
// (the spool's chunks aside, one every 512 rows): the row is copied into
// the spool, not moved to the heap first.
func TestWriteAllocates(t *testing.T) {
	for _, f := range []Format{NDJSON, JSON, CSV} {
		w := NewWriter(io.Discard, Options{Format: f})
		r := sample[1]
		w.Write(r) // the provider's spool and tallies
		if n := testing.AllocsPerRun(100, func() { w.Write(r) }); n != 0 {
			t.Errorf("%s: Write allocates %v times a row, want 0", f, n)
		}
		w.Abort()
	}
}
