package review

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
)

// PeopleFields are the columns of the people report in table and CSV
// (roles: "provider: role, role; provider: role", a privileged role marked
// "*"). JSON and NDJSON carry the same keys, with providers and
// accounts as arrays and roles by provider.
var PeopleFields = []string{"person", "name", "providers", "roles", "privileged", "disabled", "last_activity"}

// FindingFields are the columns of the findings report.
var FindingFields = []string{"kind", "disposition", "person", "provider", "user_id", "email", "roles", "reason",
	"exemption"}

// WritePeople writes people in format f (table, json, ndjson or csv).
// Times are RFC 3339 UTC, "" when unknown.
func WritePeople(w io.Writer, f report.Format, people []Person) error {
	rows := make([][]string, len(people))
	items := make([]any, len(people))
	for i := range people {
		p := &people[i]
		rows[i] = []string{p.Key, p.Name, strings.Join(p.Providers(), ","), rolesCell(p),
			strconv.FormatBool(p.Privileged()), strconv.FormatBool(p.Disabled()), report.FormatTime(p.LastActivity())}
		items[i] = personJSON(p)
	}
	return write(w, f, PeopleFields, rows, items)
}

// WriteFindings writes findings in format f (table, json, ndjson or csv).
func WriteFindings(w io.Writer, f report.Format, findings []Finding) error {
	rows := make([][]string, len(findings))
	items := make([]any, len(findings))
	for i := range findings {
		x := &findings[i]
		rows[i] = []string{string(x.Kind), x.Disposition(), x.Person, x.Provider, x.UserID, x.Email,
			strings.Join(x.Roles, ", "), x.Reason, exemptionText(x.Exemption)}
		roles := x.Roles
		if roles == nil {
			roles = []string{}
		}
		items[i] = FindingRecord{Kind: string(x.Kind), Disposition: x.Disposition(), Person: x.Person,
			Provider: x.Provider, UserID: x.UserID, Email: x.Email, Roles: roles, Reason: x.Reason,
			Exemption: exemptionText(x.Exemption)}
	}
	return write(w, f, FindingFields, rows, items)
}

func exemptionText(e *Exemption) string {
	if e == nil {
		return ""
	}
	return e.Type + ": " + e.Reason
}

// rolesCell is "provider: role, role*; provider: role", * marking the
// privileged roles.
func rolesCell(p *Person) string {
	var b strings.Builder
	for _, prov := range p.Providers() {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(prov + ": ")
		n := 0
		for _, a := range p.Accounts {
			if a.Provider != prov {
				continue
			}
			for _, r := range a.Roles {
				if n > 0 {
					b.WriteString(", ")
				}
				n++
				b.WriteString(roleNames([]Role{r}, false)[0])
				if r.Privileged {
					b.WriteString("*")
				}
			}
		}
	}
	return b.String()
}

// FindingRecord is a finding as the JSON formats write it (the columns of
// FindingFields, roles an array).
type FindingRecord struct {
	Kind        string   `json:"kind"`
	Disposition string   `json:"disposition"`
	Person      string   `json:"person"`
	Provider    string   `json:"provider"`
	UserID      string   `json:"user_id"`
	Email       string   `json:"email"`
	Roles       []string `json:"roles"`
	Reason      string   `json:"reason"`
	Exemption   string   `json:"exemption"`
}

// PersonRecord is a person as the JSON formats write it: the columns of
// PeopleFields (providers an array, roles by provider) and each account.
type PersonRecord struct {
	Person       string              `json:"person"`
	Name         string              `json:"name"`
	Providers    []string            `json:"providers"`
	Roles        map[string][]string `json:"roles"`
	Privileged   bool                `json:"privileged"`
	Disabled     bool                `json:"disabled"`
	LastActivity string              `json:"last_activity"`
	Accounts     []AccountRecord     `json:"accounts"`
}

// AccountRecord is one account of a PersonRecord.
type AccountRecord struct {
	Provider     string       `json:"provider"`
	UserID       string       `json:"user_id"`
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	Username     string       `json:"username"`
	Status       string       `json:"status"`
	AccountType  string       `json:"account_type"`
	Disabled     bool         `json:"disabled"`
	Created      string       `json:"created"`
	LastActivity string       `json:"last_activity"`
	Roles        []RoleRecord `json:"roles"`
}

// RoleRecord is one role of an AccountRecord.
type RoleRecord struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Scope      string `json:"scope"`
	Privileged bool   `json:"privileged"`
}

func personJSON(p *Person) PersonRecord {
	o := PersonRecord{Person: p.Key, Name: p.Name, Providers: p.Providers(), Roles: map[string][]string{},
		Privileged: p.Privileged(), Disabled: p.Disabled(), LastActivity: report.FormatTime(p.LastActivity())}
	for _, a := range p.Accounts {
		ao := AccountRecord{Provider: a.Provider, UserID: a.UserID, Email: a.Email, Name: a.Name, Username: a.Username,
			Status: a.Status, AccountType: a.AccountType, Disabled: a.Disabled, Created: report.FormatTime(a.Created),
			LastActivity: report.FormatTime(a.LastActivity), Roles: []RoleRecord{}}
		for _, r := range a.Roles {
			ao.Roles = append(ao.Roles, RoleRecord{ID: r.ID, Name: r.Name, Kind: string(r.Kind), Scope: r.Scope,
				Privileged: r.Privileged})
			o.Roles[a.Provider] = append(o.Roles[a.Provider], roleNames([]Role{r}, false)[0])
		}
		o.Accounts = append(o.Accounts, ao)
	}
	return o
}

// write writes rows (table, CSV) or items (JSON, NDJSON).
func write(w io.Writer, f report.Format, header []string, rows [][]string, items []any) error {
	bw := bufio.NewWriter(w)
	var err error
	switch f {
	case report.Table:
		tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, strings.ToUpper(strings.Join(header, "\t")))
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, c := range r {
				if c = termtext.Escape(c); strings.TrimSpace(c) == "" {
					c = report.TableEmpty
				}
				cells[i] = c
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		err = tw.Flush()
	case report.CSV:
		cw := csv.NewWriter(bw)
		cw.Write(header)
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, c := range r {
				cells[i] = report.Neutralize(c)
			}
			cw.Write(cells)
		}
		cw.Flush()
		err = cw.Error()
	case report.JSON, report.NDJSON:
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		if f == report.JSON {
			enc.SetIndent("", "  ")
			if items == nil {
				items = []any{}
			}
			err = enc.Encode(items)
			break
		}
		for _, it := range items {
			if err = enc.Encode(it); err != nil {
				break
			}
		}
	default:
		err = fmt.Errorf("review: unknown format %q", f)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}
