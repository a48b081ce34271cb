package review

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/report"
)

// PeopleFields are the columns of the people report in table and CSV
// (roles: "provider: role, role; provider: role", a privileged role marked
// "*"). JSON and NDJSON carry the same keys, with providers and
// accounts as arrays and roles by provider.
// owns lists the machine principals attributed to the person, as
// "provider:kind:id".
var PeopleFields = []string{"person", "name", "providers", "roles", "privileged", "disabled", "last_activity", "owns"}

// FindingFields are the columns of the findings report (provider:
// "provider/tenant" for a tenant of a tenants file not named after its
// provider; JSON gives the tenant apart).
// (principal: the kind of principal; owner: the person a machine
// principal is attributed to, "no owner" when none is known).
var FindingFields = []string{"kind", "disposition", "person", "provider", "principal", "user_id", "owner", "email",
	"roles", "reason", "exemption"}

// DefaultPeopleColumns are the columns of the people table rolecall
// people shows unless told otherwise (--columns, --wide): who, when last
// active, and the roles in each provider (a privileged one marked "*"),
// which fit a terminal 160 characters wide.
var DefaultPeopleColumns = []string{"person", "last_activity", "roles"}

// DefaultFindingColumns are the columns of the findings table rolecall
// review shows unless told otherwise: what was found, whether it is open,
// and the account (person, provider, user id), which fit a terminal 160
// characters wide; the reason, roles and exemption are a --columns away.
var DefaultFindingColumns = []string{"kind", "disposition", "person", "provider", "user_id"}

// WriteOptions configure WritePeople and WriteFindings.
type WriteOptions struct {
	// Format is table, json, ndjson or csv (default table).
	Format report.Format
	// CSVRaw writes CSV cells as they are. By default a cell a spreadsheet
	// would run as a formula gets a leading apostrophe (report.Neutralize),
	// as in the access report.
	CSVRaw bool
	// Run is the run record of the listing the people were joined from;
	// JSON carries it in its envelope (omitted when nil). The other
	// formats do not: write it beside them (report.WriteRun).
	Run *report.Run
	// MaxCell is the table's widest cell in characters, a longer one cut
	// with a trailing "…", as in the access report's table (0:
	// report.DefaultMaxCell; negative: no limit).
	MaxCell int
	// Columns are the table's columns, by name (PeopleFields or
	// FindingFields, matched case-insensitively), in the order shown;
	// none: every column. The other formats hold every column whatever it
	// says. A name that is not a column is an error (report.TableColumns).
	Columns []string
	// Decided are the decisions taken on findings, by finding id
	// (Decisions.ByFinding): when not nil, WriteFindings adds the
	// DecisionFields columns. WritePeople ignores it.
	Decided map[string]*Decision
}

// WritePeople writes people in o.Format: JSON as {"run": …, "people":
// […]}, the other formats one person a row or line. Times are RFC 3339
// UTC, "" when unknown.
func WritePeople(w io.Writer, o WriteOptions, people []Person) error {
	rows := make([][]string, len(people))
	items := make([]any, len(people))
	for i := range people {
		p := &people[i]
		rows[i] = []string{p.Key, p.Name, strings.Join(p.Providers(), ","), rolesCell(p),
			strconv.FormatBool(p.Privileged()), strconv.FormatBool(p.Disabled()), report.FormatTime(p.LastActivity()),
			strings.Join(owns(p), ",")}
		items[i] = personJSON(p)
	}
	return write(w, o, "people", PeopleFields, rows, items)
}

// DecisionFields are the columns WriteFindings adds after FindingFields
// when WriteOptions.Decided is set: the decision taken on the finding,
// who took it, when (RFC 3339 UTC) and their note; empty when undecided.
var DecisionFields = []string{"decision", "decided_by", "decided_at", "decision_note"}

// WriteFindings writes findings in o.Format: JSON as {"run": …,
// "findings": […]}, the other formats one finding a row or line. With
// o.Decided, each finding also carries its decision (DecisionFields).
func WriteFindings(w io.Writer, o WriteOptions, findings []Finding) error {
	rows := make([][]string, len(findings))
	items := make([]any, len(findings))
	header := FindingFields
	var ids []string
	if o.Decided != nil {
		header = slices.Concat(FindingFields, DecisionFields)
		ids = FindingIDs(findings)
	}
	for i := range findings {
		x := &findings[i]
		rows[i] = []string{string(x.Kind), x.Disposition(), x.Person, providerCell(x), string(x.Principal), x.UserID, x.Owner,
			x.Email, strings.Join(x.Roles, ", "), x.Reason, exemptionText(x.Exemption)}
		rec := FindingRecordOf(x)
		items[i] = rec
		if o.Decided != nil {
			d := DecidedRecord{FindingRecord: rec}
			if x := o.Decided[ids[i]]; x != nil {
				d.Decision, d.DecidedBy, d.DecidedAt, d.DecisionNote = x.Decision, x.By, report.FormatTime(x.At), x.Note
			}
			rows[i] = append(rows[i], d.Decision, d.DecidedBy, d.DecidedAt, d.DecisionNote)
			items[i] = d
		}
	}
	return write(w, o, "findings", header, rows, items)
}

// FindingRecordOf is finding x as the JSON formats write it.
func FindingRecordOf(x *Finding) FindingRecord {
	roles := x.Roles
	if roles == nil {
		roles = []string{}
	}
	return FindingRecord{Kind: string(x.Kind), Disposition: x.Disposition(), Person: x.Person,
		Provider: x.Provider, Tenant: tenantName(x.Provider, x.Tenant), Principal: string(x.Principal), UserID: x.UserID, Owner: x.Owner, Email: x.Email,
		Roles: roles, Reason: x.Reason, Exemption: exemptionText(x.Exemption)}
}

// DecidedRecord is a finding and its decision as the JSON formats write
// them when WriteOptions.Decided is set (DecisionFields; empty when
// undecided).
type DecidedRecord struct {
	FindingRecord
	Decision     string `json:"decision"`
	DecidedBy    string `json:"decided_by"`
	DecidedAt    string `json:"decided_at"`
	DecisionNote string `json:"decision_note"`
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

// providerCell is a finding's provider in the table and CSV:
// "provider/tenant" when its tenant is not the provider's one tenant.
func providerCell(f *Finding) string {
	if t := tenantName(f.Provider, f.Tenant); t != "" {
		return f.Provider + "/" + t
	}
	return f.Provider
}

// tenantName is tenant, or "" when it names the provider's one tenant.
func tenantName(provider, tenant string) string {
	if tenant == provider {
		return ""
	}
	return tenant
}

// FindingRecord is a finding as the JSON formats write it (the columns of
// FindingFields, roles an array).
type FindingRecord struct {
	Kind        string   `json:"kind"`
	Disposition string   `json:"disposition"`
	Person      string   `json:"person"`
	Provider    string   `json:"provider"`
	Tenant      string   `json:"tenant,omitempty"` // the tenant's name, when it is not the provider's
	Principal   string   `json:"principal"`
	UserID      string   `json:"user_id"`
	Owner       string   `json:"owner"`
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
	// Owns are the machine principals attributed to the person (Owns), as
	// "provider:kind:id".
	Owns []string `json:"owns"`
}

// AccountRecord is one account of a PersonRecord.
type AccountRecord struct {
	Provider     string       `json:"provider"`
	Tenant       string       `json:"tenant,omitempty"` // the tenant's name, when it is not the provider's
	Principal    string       `json:"principal"`
	UserID       string       `json:"user_id"`
	Owner        string       `json:"owner,omitempty"` // the person a machine principal is attributed to
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
	Held       string `json:"held,omitempty"`
	Via        string `json:"via,omitempty"`
}

// owns names the machine principals attributed to p, "provider:kind:id".
func owns(p *Person) []string {
	out := []string{}
	for _, a := range p.Owns {
		out = append(out, a.Provider+":"+string(a.Principal)+":"+a.UserID)
	}
	return out
}

func personJSON(p *Person) PersonRecord {
	o := PersonRecord{Person: p.Key, Name: p.Name, Providers: p.Providers(), Roles: map[string][]string{},
		Privileged: p.Privileged(), Disabled: p.Disabled(), LastActivity: report.FormatTime(p.LastActivity()),
		Owns: owns(p)}
	for _, a := range p.Accounts {
		ao := AccountRecord{Provider: a.Provider, Tenant: tenantOf(a), Principal: string(cmp.Or(a.Principal, facade.User)), UserID: a.UserID,
			Owner: a.OwnerPerson, Email: a.Email, Name: a.Name, Username: a.Username,
			Status: a.Status, AccountType: a.AccountType, Disabled: a.Disabled, Created: report.FormatTime(a.Created),
			LastActivity: report.FormatTime(a.LastActivity), Roles: []RoleRecord{}}
		for _, r := range a.Roles {
			ao.Roles = append(ao.Roles, RoleRecord{ID: r.ID, Name: r.Name, Kind: string(r.Kind), Scope: r.Scope,
				Privileged: r.Privileged, Held: string(r.Held), Via: r.Via})
			o.Roles[a.Provider] = append(o.Roles[a.Provider], roleNames([]Role{r}, false)[0])
		}
		o.Accounts = append(o.Accounts, ao)
	}
	return o
}

// write writes rows (table, CSV) or items (JSON, whose array is named
// key in the envelope, and NDJSON).
func write(w io.Writer, o WriteOptions, key string, header []string, rows [][]string, items []any) error {
	if o.Format == report.Table || o.Format == "" {
		upper := make([]string, len(header))
		for i, h := range header {
			upper[i] = strings.ToUpper(h)
		}
		return report.WriteTableColumns(w, upper, rows, o.MaxCell, o.Columns)
	}
	bw := bufio.NewWriter(w)
	var err error
	switch o.Format {
	case report.CSV:
		cw := csv.NewWriter(bw)
		cw.Write(header)
		for _, r := range rows {
			cells := make([]string, len(r))
			for i, c := range r {
				if !o.CSVRaw {
					c = report.Neutralize(c)
				}
				cells[i] = c
			}
			cw.Write(cells)
		}
		cw.Flush()
		err = cw.Error()
	case report.JSON:
		err = writeEnvelope(bw, o.Run, key, items)
	case report.NDJSON:
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		for _, it := range items {
			if err = enc.Encode(it); err != nil {
				break
			}
		}
	default:
		err = fmt.Errorf("review: unknown format %q", o.Format)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// writeEnvelope writes {"run": run, key: items}, indented, run first (as
// the access report's envelope) and left out when nil.
func writeEnvelope(w *bufio.Writer, run *report.Run, key string, items []any) error {
	if items == nil {
		items = []any{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("  ", "  ")
	w.WriteString("{\n")
	if run != nil {
		if err := enc.Encode(run); err != nil {
			return err
		}
		w.WriteString(`  "run": `)
		w.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		w.WriteString(",\n")
		b.Reset()
	}
	if err := enc.Encode(items); err != nil {
		return err
	}
	fmt.Fprintf(w, "  %q: ", key)
	w.Write(b.Bytes())
	w.WriteString("}\n")
	return nil
}

// tenantOf is the account's tenant when it is not its provider's own.
func tenantOf(a *Account) string {
	if a.TenantName() == a.Provider {
		return ""
	}
	return a.Tenant
}
