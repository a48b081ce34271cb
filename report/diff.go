package report

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/termtext"
)

// DiffOptions configure Diff.
type DiffOptions struct {
	// AllowPartial compares a provider even when it is missing from one
	// report or failed in either: its assignments then show as granted or
	// revoked although they may only be missing from a listing that did
	// not finish.
	AllowPartial bool
}

// Delta is what changed between two reports, each part in report order.
type Delta struct {
	Granted   []Row    // assignments only in the new report
	Revoked   []Row    // assignments only in the old report
	Changed   []Change // assignments in both whose other fields differ
	Unchanged int      // assignments identical in both
	// Warnings say why the comparison may not be the whole truth: a
	// provider missing from one report or failed in either, a report
	// without a run record, filters that differ.
	Warnings []string
	// Excluded are the providers left out of the comparison (missing or
	// failed, without DiffOptions.AllowPartial), in name order.
	Excluded []string
	// ExcludedKinds are the kinds of principal of a provider compared
	// that only one report listed (by the run records' kinds: asked for
	// and listed in one, not asked for, not offered or not permitted in
	// the other): their rows are left out of the comparison, without
	// DiffOptions.AllowPartial, since they would otherwise show as
	// granted or revoked. In provider, then kind order.
	ExcludedKinds []KindRef
}

// KindRef names one kind of principal of one provider's tenant.
type KindRef struct {
	Provider string `json:"provider"` // the tenant's name (ProviderRun.Name): the provider's, without a tenants file
	Kind     string `json:"kind"`     // a facade.PrincipalKind: "user", "api_key", …
}

// Change is one assignment whose fields differ between the reports.
type Change struct {
	Old, New Row
	// Fields are the names of the report fields that differ, in report
	// order (e.g. "disabled", "role_name", "permissions", "status",
	// "privileged").
	Fields []string
}

// Diff compares two reports by key (provider, principal kind, user_id,
// role_id, scope; Row.Key). Permissions and via compare as sets; updated
// and last_activity are not compared, as they move with every edit or
// sign-in. The model's columns (ModelColumns) are compared only between
// rows that both carry them (a principal kind): a report written before
// them does not say, which is no change. A key that appears twice in one
// report is an error: such a report is not one listing. A provider that is
// missing from one report, or failed in either (by its run record), is
// left out with a warning unless o.AllowPartial is set; so are the rows of
// a kind of principal that only one report listed (ProviderRun.Kinds), and
// reports that asked for different kinds (Run.Principals) get a warning.
func Diff(old, new *Report, o *DiffOptions) (*Delta, error) {
	if o == nil {
		o = &DiffOptions{}
	}
	d := &Delta{}
	excluded := d.check(old, new, o.AllowPartial)
	kinds := map[KindRef]bool{}
	for _, k := range d.ExcludedKinds {
		kinds[k] = true
	}
	keep := func(rows []Row) []Row {
		if len(excluded) == 0 && len(kinds) == 0 {
			return rows
		}
		var out []Row
		for _, r := range rows {
			if !excluded[r.TenantName()] && !kinds[KindRef{r.TenantName(), r.Kind()}] {
				out = append(out, r)
			}
		}
		return out
	}
	om, err := index(keep(old.Rows), "old")
	if err != nil {
		return nil, err
	}
	nm, err := index(keep(new.Rows), "new")
	if err != nil {
		return nil, err
	}
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
	slices.SortFunc(d.Changed, func(a, b Change) int { return Compare(&a.New, &b.New) })
	return d, nil
}

// providers returns the tenants a report covers (by ProviderRun.Name:
// the providers, in a run without a tenants file): those of its run
// record, or else those its rows name.
func providers(r *Report) []string {
	var out []string
	if r.Run != nil {
		for _, p := range r.Run.Providers {
			out = append(out, p.Name())
		}
	} else {
		for _, row := range r.Rows {
			if !slices.Contains(out, row.TenantName()) {
				out = append(out, row.TenantName())
			}
		}
	}
	slices.Sort(out)
	return out
}

// check fills d's warnings and returns the providers to leave out.
func (d *Delta) check(old, new *Report, allowPartial bool) map[string]bool {
	excluded := map[string]bool{}
	reason := map[string][]string{}
	op, np := providers(old), providers(new)
	for _, side := range []struct {
		name       string
		rep        *Report
		has, other []string
	}{{"the old report", old, op, np}, {"the new report", new, np, op}} {
		if side.rep.Run == nil {
			d.Warnings = append(d.Warnings, side.name+" has no run record: whether each provider listed completely is unknown")
		}
		for _, p := range side.other {
			if !slices.Contains(side.has, p) {
				reason[p] = append(reason[p], "is missing from "+side.name)
			}
		}
		if side.rep.Run != nil {
			for _, pr := range side.rep.Run.Providers {
				if pr.Status != StatusComplete {
					why := "is " + pr.Status + " in " + side.name
					if pr.Status == StatusFailed {
						why = "failed in " + side.name
					}
					if pr.Error != "" {
						why += " (" + pr.Error + ")"
					}
					reason[pr.Name()] = append(reason[pr.Name()], why)
				}
			}
		}
	}
	if old.Run != nil && new.Run != nil && !slices.Equal(old.Run.Emails, new.Run.Emails) {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the reports listed different users: --email %q, then %q",
			strings.Join(old.Run.Emails, ","), strings.Join(new.Run.Emails, ",")))
	}
	if old.Run != nil && new.Run != nil && !sameKinds(old.Run.Principals, new.Run.Principals) {
		d.Warnings = append(d.Warnings, fmt.Sprintf("the reports listed different kinds of principal: --principals %s, then %s",
			principalsOf(old.Run), principalsOf(new.Run)))
	}
	names := make([]string, 0, len(reason))
	for p := range reason {
		names = append(names, p)
	}
	slices.Sort(names)
	for _, p := range names {
		msg := fmt.Sprintf("%s %s", p, strings.Join(reason[p], " and "))
		if allowPartial {
			msg += ": compared anyway (--allow-partial); its granted and revoked may only be missing from a listing that did not finish"
		} else {
			msg += ": left out of the comparison (--allow-partial compares it anyway)"
			excluded[p] = true
			d.Excluded = append(d.Excluded, p)
		}
		d.Warnings = append(d.Warnings, msg)
	}
	d.checkKinds(old.Run, new.Run, excluded, allowPartial)
	return excluded
}

// checkKinds warns of the kinds of principal that only one report listed,
// provider by provider, among the providers complete in both whose run
// records say how each kind ended (records written before kinds do not),
// and leaves them out unless allowPartial.
func (d *Delta) checkKinds(old, new *Run, excluded map[string]bool, allowPartial bool) {
	for _, p := range providers(&Report{Run: old}) {
		o, n := old.Provider(p), new.Provider(p)
		if excluded[p] || o == nil || n == nil || o.Status != StatusComplete || n.Status != StatusComplete ||
			len(o.Kinds) == 0 || len(n.Kinds) == 0 {
			continue
		}
		for _, k := range facade.Kinds {
			was, now := o.Kinds[string(k)], n.Kinds[string(k)]
			if (was == string(facade.Listed)) == (now == string(facade.Listed)) {
				continue
			}
			in, other, status := "the old report", "the new report", now
			if now == string(facade.Listed) {
				in, other, status = "the new report", "the old report", was
			}
			if status == "" {
				status = "not recorded"
			}
			msg := fmt.Sprintf("%s %s was listed in %s only (%s in %s)", p, k, in, status, other)
			if allowPartial {
				msg += ": compared anyway (--allow-partial); its rows show as granted or revoked"
			} else {
				msg += ": its rows are left out of the comparison (--allow-partial compares them anyway)"
				d.ExcludedKinds = append(d.ExcludedKinds, KindRef{Provider: p, Kind: string(k)})
			}
			d.Warnings = append(d.Warnings, msg)
		}
	}
}

// sameKinds reports whether two --principals lists ask for the same kinds
// (in any order; empty: every kind).
func sameKinds(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// principalsOf renders a run's --principals for a warning.
func principalsOf(r *Run) string {
	if len(r.Principals) == 0 {
		return "not given (every kind)"
	}
	return fmt.Sprintf("%q", strings.Join(r.Principals, ","))
}

// Empty reports whether the reports hold the same assignments (of the
// providers compared).
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

// personFields are the fields that belong to the principal rather than
// the role: a change to one shows once per person.
var personFields = []string{"email", "name", "username", "disabled", "status", "account_type", "created",
	"owner_kind", "owner_id", "owner_name", "expires"}

// changedFields returns the names of the columns whose values differ, in
// report order; permissions and via compare as sets.
func changedFields(o, n *Row) []string {
	var f []string
	model := o.hasModel() && n.hasModel()
	for _, c := range columns {
		if c.noDiff || c.model && !model {
			continue
		}
		var differ bool
		switch c.name {
		case "provider", "user_id", "role_id", "scope", "principal_kind": // the key
			continue
		case "permissions":
			added, removed := setDiff(o.Permissions, n.Permissions)
			differ = len(added)+len(removed) > 0
		case "via":
			added, removed := setDiff(viaSet(o.Via), viaSet(n.Via))
			differ = len(added)+len(removed) > 0
		default:
			differ = c.get(o) != c.get(n)
		}
		if differ {
			f = append(f, c.name)
		}
	}
	return f
}

// viaSet splits a via field into its principals.
func viaSet(via string) []string {
	if via == "" {
		return nil
	}
	parts := strings.Split(via, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
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

// Side describes one report for WriteText's heading.
type Side struct {
	Name   string  // the file name
	Report *Report // the report
}

// WriteText writes a summary for people: each report's run, the warnings,
// the counts, then the granted, revoked and changed assignments grouped by
// person. Values from the reports are shown with visible escapes for
// control, bidi and zero-width characters.
func (d *Delta) WriteText(w io.Writer, old, new Side) error {
	var b strings.Builder
	for _, s := range []Side{old, new} {
		fmt.Fprintf(&b, "%s: %d assignments%s\n", termtext.Escape(s.Name), len(s.Report.Rows), runSummary(s.Report.Run))
	}
	for _, warn := range d.Warnings {
		fmt.Fprintf(&b, "WARNING: %s\n", termtext.Escape(warn))
	}
	fmt.Fprintf(&b, "granted %d, revoked %d, changed %d, unchanged %d\n", len(d.Granted), len(d.Revoked),
		len(d.Changed), d.Unchanged)
	if d.Empty() {
		b.WriteString("\nno differences")
		if len(d.Excluded) > 0 || len(d.ExcludedKinds) > 0 {
			b.WriteString(" in the providers compared")
		}
		b.WriteString("\n")
	}
	if len(d.Granted) > 0 {
		fmt.Fprintf(&b, "\nGranted (%d):\n", len(d.Granted))
		writeGroups(&b, "+", d.Granted)
	}
	if len(d.Revoked) > 0 {
		fmt.Fprintf(&b, "\nRevoked (%d):\n", len(d.Revoked))
		writeGroups(&b, "-", d.Revoked)
	}
	if len(d.Changed) > 0 {
		fmt.Fprintf(&b, "\nChanged (%d):\n", len(d.Changed))
		writeChanges(&b, d.Changed)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// runSummary is the heading's account of a run record.
func runSummary(r *Run) string {
	if r == nil {
		return ", no run record"
	}
	s := fmt.Sprintf(", run %s finished %s", r.ID, r.Finished.UTC().Format("2006-01-02T15:04:05Z"))
	var failed []string
	for _, p := range r.Providers {
		if p.Status != StatusComplete {
			failed = append(failed, p.Name()+" "+p.Status)
		}
	}
	if len(failed) > 0 {
		s += ", INCOMPLETE: " + strings.Join(failed, ", ")
	} else {
		s += ", complete"
	}
	for _, p := range r.Providers {
		if p.RowsSHA256 == "" { // a record written before digests: only the counts were checked
			return s + ", no digest recorded"
		}
	}
	return s
}

// personOf renders a row's person: provider (with its tenant, when the
// tenant is not the provider's own), the principal's kind when it is not a
// user, email and user id.
func personOf(r *Row) string {
	s := termtext.Escape(r.Provider) + " "
	if t := r.TenantName(); t != r.Provider {
		s = termtext.Escape(r.Provider) + " (" + termtext.Escape(t) + ") "
	}
	if k := r.Kind(); k != string(facade.User) {
		s += termtext.Escape(k) + " "
	}
	switch {
	case r.Email == "":
		s += termtext.Escape(r.UserID)
	case r.Email == r.UserID:
		s += termtext.Escape(r.Email)
	default:
		s += termtext.Escape(r.Email) + " (" + termtext.Escape(r.UserID) + ")"
	}
	return s
}

// roleOf renders a row's role: its name, its id when it differs, its
// scope.
func roleOf(r *Row) string {
	s := termtext.Escape(r.RoleName)
	switch {
	case r.RoleName == "":
		s = termtext.Escape(r.RoleID)
	case r.RoleID != r.RoleName:
		s += " (" + termtext.Escape(r.RoleID) + ")"
	}
	if r.Scope != "" {
		s += " in " + termtext.Escape(r.Scope)
	}
	return s
}

type personKey struct{ tenant, provider, kind, userID string }

// groups splits rows (in report order) into runs of one person.
func groups[T any](items []T, row func(*T) *Row) [][]T {
	var out [][]T
	for i := range items {
		r := row(&items[i])
		if n := len(out); n > 0 {
			last := row(&out[n-1][0])
			if (personKey{last.TenantName(), last.Provider, last.Kind(), last.UserID}) == (personKey{r.TenantName(), r.Provider, r.Kind(), r.UserID}) {
				out[n-1] = append(out[n-1], items[i])
				continue
			}
		}
		out = append(out, []T{items[i]})
	}
	return out
}

func writeGroups(b *strings.Builder, sign string, rows []Row) {
	for _, g := range groups(rows, func(r *Row) *Row { return r }) {
		roles := make([]string, len(g))
		for i := range g {
			roles[i] = roleOf(&g[i])
		}
		disabled := ""
		if g[0].Disabled {
			disabled = " [disabled]"
		}
		fmt.Fprintf(b, "  %s %s%s: %s\n", sign, personOf(&g[0]), disabled, strings.Join(roles, "; "))
	}
}

func writeChanges(b *strings.Builder, changes []Change) {
	for _, g := range groups(changes, func(c *Change) *Row { return &c.New }) {
		// The person's own fields: one line each for the person.
		for _, f := range personFields {
			n := 0
			for _, c := range g {
				if slices.Contains(c.Fields, f) {
					n++
				}
			}
			if n == 0 {
				continue
			}
			c := g[0]
			for _, x := range g {
				if slices.Contains(x.Fields, f) {
					c = x
					break
				}
			}
			label := f
			switch {
			case f == "disabled" && c.New.Disabled:
				label = "disabled"
			case f == "disabled":
				label = "enabled"
			default:
				label = fmt.Sprintf("%s %s → %s", f, quote(field(&c.Old, f)), quote(field(&c.New, f)))
			}
			fmt.Fprintf(b, "  %s: %s (%d %s)\n", label, personOf(&c.New), n, pluralRole(n))
		}
		// The roles' own fields: one line each for the role.
		for _, c := range g {
			var parts []string
			for _, f := range c.Fields {
				if slices.Contains(personFields, f) {
					continue
				}
				parts = append(parts, describeField(&c, f))
			}
			if len(parts) > 0 {
				fmt.Fprintf(b, "  ~ %s: %s: %s\n", personOf(&c.New), roleOf(&c.New), strings.Join(parts, "; "))
			}
		}
	}
}

func pluralRole(n int) string {
	if n == 1 {
		return "role"
	}
	return "roles"
}

func quote(s string) string { return `"` + termtext.Escape(s) + `"` }

// field returns a text field of r by report name.
func field(r *Row, name string) string {
	for _, c := range columns {
		if c.name == name {
			return c.get(r)
		}
	}
	return ""
}

func describeField(c *Change, f string) string {
	switch f {
	case "permissions", "via":
		var added, removed []string
		if f == "permissions" {
			added, removed = setDiff(c.Old.Permissions, c.New.Permissions)
		} else {
			added, removed = setDiff(viaSet(c.Old.Via), viaSet(c.New.Via))
		}
		var p []string
		for _, a := range added {
			p = append(p, "+"+termtext.Escape(a))
		}
		for _, r := range removed {
			p = append(p, "-"+termtext.Escape(r))
		}
		return f + " " + strings.Join(p, " ")
	default:
		return fmt.Sprintf("%s %s → %s", f, quote(field(&c.Old, f)), quote(field(&c.New, f)))
	}
}

// jsonDelta is the JSON shape of a Delta.
type jsonDelta struct {
	Warnings []string `json:"warnings"`
	Excluded []string `json:"excluded"`
	// ExcludedKinds was added after the others: readers that do not know
	// it ignore it.
	ExcludedKinds []KindRef    `json:"excluded_kinds"`
	Granted       []Row        `json:"granted"`
	Revoked       []Row        `json:"revoked"`
	Changed       []jsonChange `json:"changed"`
	Unchanged     int          `json:"unchanged"`
}

type jsonChange struct {
	Fields []string `json:"fields"`
	Old    Row      `json:"old"`
	New    Row      `json:"new"`
}

// WriteJSON writes the delta as one JSON object: warnings, the providers
// excluded, the kinds of principal excluded (excluded_kinds: provider and
// kind), the arrays granted, revoked and changed (each change with
// fields, old and new) and the count unchanged. Values are exact.
func (d *Delta) WriteJSON(w io.Writer) error {
	j := jsonDelta{Warnings: append([]string{}, d.Warnings...), Excluded: append([]string{}, d.Excluded...),
		ExcludedKinds: append([]KindRef{}, d.ExcludedKinds...), Granted: []Row{}, Revoked: []Row{}, Changed: []jsonChange{}, Unchanged: d.Unchanged}
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
