package report

import (
	"bufio"
	"container/heap"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
)

// spool holds one provider's rows until they are written: in memory up to
// the Writer's limit, then in temporary files, each a run of rows (sorted,
// unless the Writer keeps the arrival order) that all merges.
type spool struct {
	sorted bool
	dir    string
	rows   []Row
	held   int64
	files  []*os.File
}

func (s *spool) add(r Row) { s.rows = append(s.rows, r); s.held += r.size() }

// spill writes the rows held in memory to a temporary file.
func (s *spool) spill() error {
	if len(s.rows) == 0 {
		return nil
	}
	if s.sorted {
		slices.SortStableFunc(s.rows, func(a, b Row) int { return Compare(&a, &b) })
	}
	f, err := os.CreateTemp(s.dir, "rolecall-rows-*.ndjson")
	if err != nil {
		return fmt.Errorf("report: spilling rows to a temporary file: %w", err)
	}
	// The file is removed at once where the system allows it; it lives
	// until closed.
	name := f.Name()
	bw := bufio.NewWriterSize(f, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i := range s.rows {
		if err = enc.Encode(&s.rows[i]); err != nil {
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
	clear(s.rows)
	s.rows, s.held = s.rows[:0], 0
	return nil
}

// each hands every row to fn, in order.
func (s *spool) each(fn func(*Row) error) error {
	if s.sorted {
		slices.SortStableFunc(s.rows, func(a, b Row) int { return Compare(&a, &b) })
	}
	if len(s.files) == 0 {
		for i := range s.rows {
			if err := fn(&s.rows[i]); err != nil {
				return err
			}
		}
		return nil
	}
	var sources []*source
	for _, f := range s.files {
		src := &source{r: bufio.NewReaderSize(f, 64<<10), name: f.Name()}
		sources = append(sources, src)
	}
	sources = append(sources, &source{mem: s.rows})
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
	s.files, s.rows = nil, nil
}

// source is one sorted run: a temporary file or the rows in memory.
type source struct {
	r    *bufio.Reader
	name string
	mem  []Row
	row  Row
}

func (s *source) next() (bool, error) {
	if s.r == nil {
		if len(s.mem) == 0 {
			return false, nil
		}
		s.row, s.mem = s.mem[0], s.mem[1:]
		return true, nil
	}
	line, err := s.r.ReadBytes('\n')
	if err == io.EOF && len(line) == 0 {
		return false, nil
	}
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("report: reading back %s: %w", s.name, err)
	}
	s.row = Row{}
	if err := json.Unmarshal(line, &s.row); err != nil {
		return false, fmt.Errorf("report: reading back %s: %w", s.name, err)
	}
	return true, nil
}

// merge is a heap of sources ordered by their current row.
type merge struct{ s []*source }

func (m *merge) Len() int           { return len(m.s) }
func (m *merge) Less(i, j int) bool { return Compare(&m.s[i].row, &m.s[j].row) < 0 }
func (m *merge) Swap(i, j int)      { m.s[i], m.s[j] = m.s[j], m.s[i] }
func (m *merge) Push(x any)         { m.s = append(m.s, x.(*source)) }
func (m *merge) Pop() any {
	x := m.s[len(m.s)-1]
	m.s = m.s[:len(m.s)-1]
	return x
}
