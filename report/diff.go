package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Delta is what changed between two reports, each part sorted by key.
type Delta struct {
	Granted   []Row    // assignments only in the new report
	Revoked   []Row    // assignments only in the old report
	Changed   []Change // assignments in both whose other fields differ
	Unchanged int      // assignments identical in both
}

// Change is one assignment whose fields differ between the reports.
type Change struct {
	Old, New Row
	// Fields are the names of the report fields that differ, in report
	// order (e.g. "disabled", "role_name", "permissions").
	Fields []string
}

// Diff compares two reports by key (provider, user_id, role_id, scope).
// Permissions compare as sets. A key that appears twice in one report is
// an error: such a report is not one listing.
func Diff(old, new []Row) (*Delta, error) {
	om, err := index(old, "old")
	if err != nil {
		return nil, err
	}
	nm, err := index(new, "new")
	if err != nil {
		return nil, err
	}
	d := &Delta{}
	for k, o := range om {
		n, ok := nm[k]
		if !ok {
			d.Revoked = append(d.Revoked, *o)
			continue
		}
		if f := changedFields(o, n); len(f) > 0 {
			d.Changed = append(d.Changed, Change{Old: *o, New: *n, Fields: f})
		} else {
			d.Unchanged++
		}
	}
	for k, n := range nm {
		if _, ok := om[k]; !ok {
			d.Granted = append(d.Granted, *n)
		}
	}
	Sort(d.Granted)
	Sort(d.Revoked)
	slices.SortFunc(d.Changed, func(a, b Change) int { return CompareRows(&a.New, &b.New) })
	return d, nil
}

// Empty reports whether the reports hold the same assignments.
func (d *Delta) Empty() bool {
	return len(d.Granted) == 0 && len(d.Revoked) == 0 && len(d.Changed) == 0
}

func index(rows []Row, which string) (map[Key]*Row, error) {
	m := make(map[Key]*Row, len(rows))
	for i := range rows {
		k := rows[i].Key()
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("the %s report lists %s twice", which, k)
		}
		m[k] = &rows[i]
	}
	return m, nil
}

func changedFields(o, n *Row) []string {
	var f []string
	add := func(name string, differ bool) {
		if differ {
			f = append(f, name)
		}
	}
	add("email", o.Email != n.Email)
	add("name", o.Name != n.Name)
	add("username", o.Username != n.Username)
	add("disabled", o.Disabled != n.Disabled)
	add("role_name", o.RoleName != n.RoleName)
	add("role_kind", o.RoleKind != n.RoleKind)
	added, removed := setDiff(o.Permissions, n.Permissions)
	add("permissions", len(added)+len(removed) > 0)
	add("via", o.Via != n.Via)
	return f
}

// setDiff returns what new has that old lacks, and what old has that new
// lacks, each sorted.
func setDiff(old, new []string) (added, removed []string) {
	for _, p := range new {
		if !slices.Contains(old, p) && !slices.Contains(added, p) {
			added = append(added, p)
		}
	}
	for _, p := range old {
		if !slices.Contains(new, p) && !slices.Contains(removed, p) {
			removed = append(removed, p)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

// WriteText writes a summary for people: counts, then each granted,
// revoked and changed assignment on a line of its own.
func (d *Delta) WriteText(w io.Writer, oldName, newName string, oldCount, newCount int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%d assignments) → %s (%d assignments)\n", oldName, oldCount, newName, newCount)
	fmt.Fprintf(&b, "granted %d, revoked %d, changed %d, unchanged %d\n", len(d.Granted), len(d.Revoked),
		len(d.Changed), d.Unchanged)
	if d.Empty() {
		b.WriteString("\nno differences\n")
	}
	if len(d.Granted) > 0 {
		fmt.Fprintf(&b, "\nGranted (%d):\n", len(d.Granted))
		for _, r := range d.Granted {
			fmt.Fprintf(&b, "  + %s\n", describe(&r))
		}
	}
	if len(d.Revoked) > 0 {
		fmt.Fprintf(&b, "\nRevoked (%d):\n", len(d.Revoked))
		for _, r := range d.Revoked {
			fmt.Fprintf(&b, "  - %s\n", describe(&r))
		}
	}
	if len(d.Changed) > 0 {
		fmt.Fprintf(&b, "\nChanged (%d):\n", len(d.Changed))
		for _, c := range d.Changed {
			fmt.Fprintf(&b, "  ~ %s: %s\n", describe(&c.New), describeChange(&c))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// describe renders an assignment for a person: provider, user, role and
// scope.
func describe(r *Row) string {
	user := strconv.Quote(r.UserID)
	if r.Email != "" && r.Email != r.UserID {
		user += " <" + clean(r.Email) + ">"
	}
	role := strconv.Quote(r.RoleName)
	if r.RoleName == "" {
		role = strconv.Quote(r.RoleID)
	} else if r.RoleID != r.RoleName {
		role += " (" + clean(r.RoleID) + ")"
	}
	s := fmt.Sprintf("%s: %s holds %s", clean(r.Provider), user, role)
	if r.Scope != "" {
		s += " in " + clean(r.Scope)
	}
	if r.Disabled {
		s += " [disabled]"
	}
	return s
}

func describeChange(c *Change) string {
	parts := make([]string, 0, len(c.Fields))
	for _, f := range c.Fields {
		switch f {
		case "email":
			parts = append(parts, fmt.Sprintf("email %q → %q", c.Old.Email, c.New.Email))
		case "name":
			parts = append(parts, fmt.Sprintf("name %q → %q", c.Old.Name, c.New.Name))
		case "username":
			parts = append(parts, fmt.Sprintf("username %q → %q", c.Old.Username, c.New.Username))
		case "disabled":
			parts = append(parts, fmt.Sprintf("disabled %t → %t", c.Old.Disabled, c.New.Disabled))
		case "role_name":
			parts = append(parts, fmt.Sprintf("role_name %q → %q", c.Old.RoleName, c.New.RoleName))
		case "role_kind":
			parts = append(parts, fmt.Sprintf("role_kind %q → %q", c.Old.RoleKind, c.New.RoleKind))
		case "permissions":
			added, removed := setDiff(c.Old.Permissions, c.New.Permissions)
			var p []string
			for _, a := range added {
				p = append(p, "+"+clean(a))
			}
			for _, r := range removed {
				p = append(p, "-"+clean(r))
			}
			parts = append(parts, "permissions "+strings.Join(p, " "))
		case "via":
			parts = append(parts, fmt.Sprintf("via %q → %q", c.Old.Via, c.New.Via))
		}
	}
	return strings.Join(parts, "; ")
}

// jsonDelta is the JSON shape of a Delta.
type jsonDelta struct {
	Granted   []Row        `json:"granted"`
	Revoked   []Row        `json:"revoked"`
	Changed   []jsonChange `json:"changed"`
	Unchanged int          `json:"unchanged"`
}

type jsonChange struct {
	Fields []string `json:"fields"`
	Old    Row      `json:"old"`
	New    Row      `json:"new"`
}

// WriteJSON writes the delta as one JSON object with the arrays granted,
// revoked and changed (each change with fields, old and new) and the count
// unchanged.
func (d *Delta) WriteJSON(w io.Writer) error {
	j := jsonDelta{Granted: []Row{}, Revoked: []Row{}, Changed: []jsonChange{}, Unchanged: d.Unchanged}
	for _, r := range d.Granted {
		j.Granted = append(j.Granted, normalized(r))
	}
	for _, r := range d.Revoked {
		j.Revoked = append(j.Revoked, normalized(r))
	}
	for _, c := range d.Changed {
		j.Changed = append(j.Changed, jsonChange{Fields: c.Fields, Old: normalized(c.Old), New: normalized(c.New)})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
