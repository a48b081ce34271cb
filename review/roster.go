package review

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Terminated is the roster status of someone who left: their accounts are
// findings of kind Terminated, kept apart from disabled accounts.
const Terminated = "terminated"

// Employee is one line of a roster.
type Employee struct {
	Email   string
	Status  string // lower-cased: "active", Terminated, or what the HR system says
	Name    string
	Manager string
}

// Roster is the list of employees an HR system or IdP exports: whose
// accounts are attributable, and who has left.
type Roster struct {
	Employees []Employee
}

// ReadRosterFile reads a roster CSV file (ReadRoster).
func ReadRosterFile(name string) (*Roster, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("review: roster: %w", err)
	}
	defer f.Close()
	r, err := ReadRoster(f)
	if err != nil {
		return nil, fmt.Errorf("review: roster %s: %w", name, err)
	}
	return r, nil
}

// ReadRoster reads a roster CSV: a header row naming the columns (any
// order, any case), with email and status required and name and manager
// optional; other columns are ignored. A line without an email, or an
// email twice, is an error.
func ReadRoster(r io.Reader) (*Roster, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty: want a header row with email and status")
	}
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	for _, need := range []string{"email", "status"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("the header %q has no %s column", strings.Join(header, ","), need)
		}
	}
	cell := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	out := &Roster{}
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		e := Employee{Email: cell(rec, "email"), Status: strings.ToLower(cell(rec, "status")),
			Name: cell(rec, "name"), Manager: cell(rec, "manager")}
		if e.Email == "" && e.Status == "" && e.Name == "" {
			continue // a blank line
		}
		if !strings.Contains(e.Email, "@") {
			return nil, fmt.Errorf("line %d: %q is not an email", line, e.Email)
		}
		k := NormalizeEmail(e.Email, false)
		if prev, dup := seen[k]; dup {
			return nil, fmt.Errorf("line %d: %s is already on line %d", line, e.Email, prev)
		}
		seen[k] = line
		out.Employees = append(out.Employees, e)
	}
}

// index maps normalised emails to employees.
func (r *Roster) index(foldPlus bool) map[string]*Employee {
	m := make(map[string]*Employee, len(r.Employees))
	for i := range r.Employees {
		m[NormalizeEmail(r.Employees[i].Email, foldPlus)] = &r.Employees[i]
	}
	return m
}
