package report

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// spool holds one provider's rows until they are written: in memory up to
// the Writer's limit, then in temporary files, each a run of rows (sorted,
// unless the Writer keeps the arrival order) that all merges.
type spool struct {
	sorted bool
	dir    string
	chunks [][]Row // the rows held in memory, spoolChunk a chunk
	n      int     // how many
	held   int64
	files  []*os.File
}

// spoolChunk is how many rows a spool allocates at once. The rows are
// kept in chunks rather than one slice, which would copy every row held
// each time it grew (a large slice grows by a quarter: about five copies
// of the rows in all); a spill keeps the chunks for the next rows.
const spoolChunk = 512

func (s *spool) add(r Row) {
	if s.n == len(s.chunks)*spoolChunk {
		s.chunks = append(s.chunks, make([]Row, spoolChunk))
	}
	s.chunks[s.n/spoolChunk][s.n%spoolChunk] = r
	s.n++
	s.held += r.size()
}

// row returns the i'th row held in memory.
func (s *spool) row(i int) *Row { return &s.chunks[i/spoolChunk][i%spoolChunk] }

// spill writes the rows held in memory to a temporary file.
func (s *spool) spill() error {
	if s.n == 0 {
		return nil
	}
	f, err := os.CreateTemp(s.dir, "rolecall-rows-*")
	if err != nil {
		return fmt.Errorf("report: spilling rows to a temporary file: %w", err)
	}
	// The file is removed at once where the system allows it; it lives
	// until closed.
	name := f.Name()
	bw := bufio.NewWriterSize(f, 64<<10)
	var rec []byte
	var head [binary.MaxVarintLen64]byte
	for _, i := range s.order() {
		rec = appendRecord(rec[:0], s.row(i))
		bw.Write(head[:binary.PutUvarint(head[:], uint64(len(rec)))])
		if _, err = bw.Write(rec); err != nil {
			break
		}
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(name)
		return fmt.Errorf("report: spilling rows to a temporary file: %w", err)
	}
	s.files = append(s.files, f)
	for _, c := range s.chunks {
		clear(c) // the values, for the collector
	}
	s.n, s.held = 0, 0
	return nil
}

// order returns the indexes of the rows held in memory in the order they
// are written: by Compare, rows that compare equal in the order they
// arrived (as a stable sort leaves them), unless the spool keeps the
// arrival order. Sorting indexes moves 8 bytes where sorting the rows
// would move a Row's 270, and an unstable sort with the index as the last
// key takes O(n log n) moves where a stable one takes O(n log² n).
func (s *spool) order() []int {
	idx := make([]int, s.n)
	for i := range idx {
		idx[i] = i
	}
	if !s.sorted {
		return idx
	}
	// Compare folds the person and the user id at each comparison, about
	// log2(n) times a row: fold them once a row instead, into keys sorted
	// in place, compared as Compare compares them (foldCompare orders as
	// the folded strings do; a spool's rows are all one provider's).
	keys := make([]sortKey, s.n)
	for i := range keys {
		r := s.row(i)
		k := &keys[i]
		k.person, k.user, k.i = strings.ToLower(r.person()), strings.ToLower(r.UserID), i
		var b [8]byte
		copy(b[:], k.person)
		k.prefix = binary.BigEndian.Uint64(b[:])
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		if a.prefix != b.prefix {
			return cmp.Compare(a.prefix, b.prefix)
		}
		if c := strings.Compare(a.person, b.person); c != 0 {
			return c
		}
		if c := strings.Compare(a.user, b.user); c != 0 {
			return c
		}
		return cmp.Or(compareRest(s.row(a.i), s.row(b.i)), cmp.Compare(a.i, b.i))
	})
	for j, k := range keys {
		idx[j] = k.i
	}
	return idx
}

// sortKey is what a spool sorts a row by: its person and user id folded
// (strings.ToLower), and the person's first 8 bytes as a number (zeros
// past its end), which orders two keys as their persons do whenever the
// numbers differ, without reading the strings.
type sortKey struct {
	prefix       uint64
	person, user string
	i            int
}

// each hands every row to fn, in order.
func (s *spool) each(fn func(*Row) error) error {
	order := s.order()
	if len(s.files) == 0 {
		for _, i := range order {
			if err := fn(s.row(i)); err != nil {
				return err
			}
		}
		return nil
	}
	var sources []*source
	for _, f := range s.files {
		src := &source{r: bufio.NewReaderSize(f, 64<<10), name: f.Name(), seq: len(sources)}
		sources = append(sources, src)
	}
	sources = append(sources, &source{mem: s, order: order, seq: len(sources)})
	if !s.sorted {
		for _, src := range sources {
			for {
				ok, err := src.next()
				if err != nil {
					return err
				}
				if !ok {
					break
				}
				if err := fn(&src.row); err != nil {
					return err
				}
			}
		}
		return nil
	}
	h := &merge{}
	for _, src := range sources {
		ok, err := src.next()
		if err != nil {
			return err
		}
		if ok {
			h.s = append(h.s, src)
		}
	}
	heap.Init(h)
	for h.Len() > 0 {
		src := h.s[0]
		if err := fn(&src.row); err != nil {
			return err
		}
		ok, err := src.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(h, 0)
		} else {
			heap.Pop(h)
		}
	}
	return nil
}

// close removes the temporary files.
func (s *spool) close() {
	for _, f := range s.files {
		f.Close()
		os.Remove(f.Name())
	}
	s.files, s.chunks, s.n = nil, nil, 0
}

// source is one sorted run: a temporary file or the rows in memory.
type source struct {
	r    *bufio.Reader
	name string
	mem  *spool // the rows in memory
	// order is the indexes in mem of the rows still to come, in order.
	order []int
	row   Row
	buf   []byte // the record read last
	// seq is the source's place in arrival order (the files as spilled,
	// then the rows in memory): rows that Compare ties come from the
	// earlier source first, as the stable sort of the rows in memory
	// leaves them.
	seq int
}

func (s *source) next() (bool, error) {
	if s.r == nil {
		if len(s.order) == 0 {
			return false, nil
		}
		s.row, s.order = *s.mem.row(s.order[0]), s.order[1:]
		return true, nil
	}
	n, err := binary.ReadUvarint(s.r)
	if err == io.EOF {
		return false, nil
	}
	if err == nil && n > maxRecord {
		err = fmt.Errorf("a record of %d bytes", n)
	}
	if err == nil {
		if uint64(cap(s.buf)) < n {
			s.buf = make([]byte, n)
		}
		s.buf = s.buf[:n]
		_, err = io.ReadFull(s.r, s.buf)
	}
	if err == nil {
		s.row, err = decodeRow(s.buf)
	}
	if err != nil {
		return false, fmt.Errorf("report: reading back %s: %w", s.name, err)
	}
	return true, nil
}

// A spilled row is a record: its length (uvarint), then its text fields
// in rowText's order, each a length (uvarint) and its bytes, a byte of
// flags (spillDisabled, spillPrivileged), and the permissions: their
// number plus one (0: nil), then each a length and its bytes. Every byte
// of every value comes back as it was (a JSON line would replace invalid
// UTF-8), and reading a row back takes one allocation for its text and
// one for its permissions, not a reflective decoding.
const (
	spillDisabled = 1 << iota
	spillPrivileged
)

// maxRecord bounds a spilled record's length when it is read back, so that
// a damaged file cannot ask for an arbitrary allocation.
const maxRecord = 1 << 30

// rowText lists a row's text fields, in the order a record holds them.
func rowText(r *Row) [25]*string {
	return [...]*string{&r.Provider, &r.UserID, &r.Email, &r.Name, &r.Username, &r.RoleID, &r.RoleName, &r.RoleKind,
		&r.Scope, &r.Via, &r.Status, &r.AccountType, &r.Created, &r.Updated, &r.LastActivity,
		&r.PrincipalKind, &r.OwnerKind, &r.OwnerID, &r.OwnerName, &r.ScopeKind, &r.ScopeID, &r.ScopeName, &r.Held, &r.Expires, &r.Tenant}
}

// appendRecord appends r's record to b, without its length.
func appendRecord(b []byte, r *Row) []byte {
	for _, f := range rowText(r) {
		b = binary.AppendUvarint(b, uint64(len(*f)))
		b = append(b, *f...)
	}
	var flags byte
	if r.Disabled {
		flags |= spillDisabled
	}
	if r.Privileged {
		flags |= spillPrivileged
	}
	b = append(b, flags)
	if r.Permissions == nil {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Permissions))+1)
	for _, p := range r.Permissions {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// decodeRow reads a row back from its record.
func decodeRow(rec []byte) (Row, error) {
	var r Row
	text := string(rec) // one allocation: every value is a part of it
	i := 0
	next := func() (string, error) {
		n, k := binary.Uvarint(rec[i:])
		if k <= 0 || n > uint64(len(rec)-i-k) {
			return "", errors.New("a damaged record")
		}
		i += k
		v := text[i : i+int(n)]
		i += int(n)
		return v, nil
	}
	for _, f := range rowText(&r) {
		v, err := next()
		if err != nil {
			return Row{}, err
		}
		*f = v
	}
	if i >= len(rec) {
		return Row{}, errors.New("a damaged record")
	}
	flags := rec[i]
	i++
	r.Disabled, r.Privileged = flags&spillDisabled != 0, flags&spillPrivileged != 0
	n, k := binary.Uvarint(rec[i:])
	if k <= 0 || n > uint64(len(rec)) {
		return Row{}, errors.New("a damaged record")
	}
	i += k
	if n > 0 {
		r.Permissions = make([]string, n-1)
		for j := range r.Permissions {
			v, err := next()
			if err != nil {
				return Row{}, err
			}
			r.Permissions[j] = v
		}
	}
	if i != len(rec) {
		return Row{}, errors.New("a damaged record")
	}
	return r, nil
}

// merge is a heap of sources ordered by their current row.
type merge struct{ s []*source }

func (m *merge) Len() int { return len(m.s) }
func (m *merge) Less(i, j int) bool {
	if c := Compare(&m.s[i].row, &m.s[j].row); c != 0 {
		return c < 0
	}
	return m.s[i].seq < m.s[j].seq
}
func (m *merge) Swap(i, j int) { m.s[i], m.s[j] = m.s[j], m.s[i] }
func (m *merge) Push(x any)    { m.s = append(m.s, x.(*source)) }
func (m *merge) Pop() any {
	x := m.s[len(m.s)-1]
	m.s = m.s[:len(m.s)-1]
	return x
}
