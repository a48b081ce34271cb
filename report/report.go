// Package report writes and reads rolecall's access report: one row per
// principal-to-role assignment, with the columns of the report contract
// (provider, user_id, email, name, username, disabled, role_id, role_name,
// role_kind, scope, permissions, via, status, account_type, created,
// updated, last_activity, privileged, and the model's principal_kind,
// owner_kind, owner_id, owner_name, scope_kind, scope_id, scope_name, held,
// expires), as an aligned table, JSON, NDJSON or
// CSV, together with a run record (Run) saying when the listing ran, with
// which rolecall and specs, whether each provider finished and what its
// rows are (their count and digest). It also reads reports back (Read,
// ReadFile), checking them against their run record (Report.Check), and
// compares two (Diff).
//
// The command rolecall writes its reports with this package; a program
// that lists through package facade can write the same reports:
//
//	w := report.NewWriter(os.Stdout, report.Options{Format: report.JSON})
//	for a, err := range lister.ListAssignments(ctx, nil) { … w.Write(report.FromAssignment(&a)) … }
//	err := w.Finish(run)
//
// # Order and memory
//
// Rows are written in one order whatever order they arrive in (Compare):
// provider, then email (the user id when there is none) and user id
// compared case-insensitively, then role id and scope. A Writer holds at
// most Options.MemoryLimit bytes of rows (DefaultMemoryLimit, 64 MiB);
// past that it sorts what it holds, writes it to a temporary file and
// merges the files when it finishes, so its memory stays bounded by the
// limit plus one row and a 64 KiB buffer per file (one file per
// MemoryLimit of rows). Options.Unsorted keeps the arrival order instead.
//
// # The run record
//
// Run says how each provider's listing ended. Its counts answer different
// questions: assignments and users are what the report holds (users: the
// distinct users holding a role, since a user without one has no row);
// where a provider reports how many users its tenant has (Cortex),
// reported_total is that figure, users with a role or none, and
// listed_users is how many the listing walked, counted the same way. A
// complete run has listed_users equal to reported_total (unless the tenant
// changed while it was listed); users falls short of both by the users who
// hold no role, which is no shortfall of the listing. RunSchema stays
// rolecall-run/1: listed_users, rows_sha256 and spec_parts (the digests of
// a provider's further spec files, beside spec_sha256's main one) are
// added, optional fields, and no field's meaning changed.
//
// # The model's columns
//
// principal_kind … expires (ModelColumns, facade.Assignment's Principal,
// Owner, ScopeKind, ScopeID, ScopeName, Held and Expires) were added after
// the others, at the end of the row; no other column's meaning changed
// (user_id, email and name are the principal's, which for every row
// written before was a user's; scope keeps its text), so the formats and
// RunSchema keep their names. A report written before them reads them as
// "": CSV with the eighteen-column header too. Their digest is unchanged
// (an empty model column is not encoded; see below), Key is unchanged for
// users (principal kind "" or "user"), and Diff compares the model's
// columns only between rows that both carry a principal kind, so an old
// report compares with a new one of the same listing without a change.
//
// # Whole or refused
//
// The run record says what the report holds of each provider: its number
// of rows (assignments) and their digest (rows_sha256), which the Writer
// computes as it writes them. A JSON report carries the record after its
// rows, NDJSON and CSV in the sidecar. Read and ReadFile check every
// report against its record (Report.Check) and refuse one whose rows are
// more or fewer than counted, or whose digest differs (a row edited,
// added, removed or moved among its provider's rows), with a
// *MismatchError wrapping ErrMismatch. A record written before digests is
// checked on its counts alone.
//
// The digest is the SHA-256, in hex, of the provider's rows in the order
// the report holds them, each row its columns (Fields) in order, each
// column the text its CSV cell holds before it is neutralised (booleans
// true or false, permissions joined with ";") as a netstring: the length
// in bytes in decimal, ":", the bytes, ",". The text is first made what
// every format reads back: a byte that is not UTF-8 becomes U+FFFD (as
// JSON writes it) and CR LF becomes LF (as a CSV reader reads it). So the
// same listing written as JSON, NDJSON and CSV has the same digests, and a
// reviewer can compare them between copies (RowsDigest computes one). A
// model column is encoded only when it is not empty, as "+", the netstring
// of its name and that of its value: a row without them has the digest it
// had before they existed, and since a netstring starts with a digit, a
// "+" is never the start of the next row.
//
// # Safety
//
// JSON and NDJSON hold the values exactly. CSV cells that a spreadsheet
// would run as a formula (starting with =, +, -, @, tab or carriage return)
// are written with a leading apostrophe, as OWASP recommends against CSV
// injection; Read removes it again (Options.CSVRaw writes them as they
// are). The table shows control, bidi and zero-width characters as visible
// escapes and cuts long cells with a visible "…".
//
// # The table's columns
//
// The table shows every column unless Options.Columns names some, by their
// header (TableColumns checks the names); DefaultTableColumns are the ones
// rolecall shows, which fit a terminal 160 characters wide. JSON, NDJSON
// and CSV always hold every column.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rolecall/rolecall/facade"
)

// Row is one line of the report: one user holding one role in one
// provider's tenant.
type Row struct {
	Provider    string   `json:"provider"`
	UserID      string   `json:"user_id"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Username    string   `json:"username"`
	Disabled    bool     `json:"disabled"`
	RoleID      string   `json:"role_id"`
	RoleName    string   `json:"role_name"`
	RoleKind    string   `json:"role_kind"`
	Scope       string   `json:"scope"`
	Permissions []string `json:"permissions"`
	Via         string   `json:"via"`

	Status       string `json:"status"`        // active, disabled, suspended; "" when unknown
	AccountType  string `json:"account_type"`  // human, service; "" when unknown
	Created      string `json:"created"`       // RFC 3339 UTC (TimeLayout); "" when unknown
	Updated      string `json:"updated"`       // RFC 3339 UTC; "" when unknown
	LastActivity string `json:"last_activity"` // RFC 3339 UTC; "" when unknown
	Privileged   bool   `json:"privileged"`

	// The model's columns (facade.Assignment's Principal, Owner, ScopeKind,
	// ScopeID, ScopeName, Held and Expires), added after the others: a
	// report written before them reads them as "" (ModelColumns).
	PrincipalKind string `json:"principal_kind"` // user, service_account, api_key, …; "" read as user (Kind)
	OwnerKind     string `json:"owner_kind"`     // the owner of a key or service account: user, service_account
	OwnerID       string `json:"owner_id"`
	OwnerName     string `json:"owner_name"`
	ScopeKind     string `json:"scope_kind"` // organization, project, account, corpus, agent, tenant, workspace, …
	ScopeID       string `json:"scope_id"`
	ScopeName     string `json:"scope_name"`
	Held          string `json:"held"`    // direct, group, legacy; "" when not said
	Expires       string `json:"expires"` // RFC 3339 UTC; "" when unknown or never

	// Tenant is the tenant's name (facade.Assignment.Tenant), added after
	// the model's columns: "" (a report written before it) reads as the
	// provider's name (TenantName), and a tenant named after its provider
	// is that provider's one tenant, as in every report written before.
	Tenant string `json:"tenant,omitempty"` // omitted by encoding/json when "" (the report Writer writes it with --tenants)
}

// TenantName is the row's tenant: Tenant, or Provider when it is "".
func (r *Row) TenantName() string {
	if r.Tenant == "" {
		return r.Provider
	}
	return r.Tenant
}

// Kind is the kind of principal holding the role: PrincipalKind, or
// "user" when it is "" (a row written before principal kinds).
func (r *Row) Kind() string {
	if r.PrincipalKind == "" {
		return string(facade.User)
	}
	return r.PrincipalKind
}

// hasModel reports whether the row was written with the model's columns:
// every row rolecall writes since has a principal kind.
func (r *Row) hasModel() bool { return r.PrincipalKind != "" }

// TimeLayout is how every format writes times: RFC 3339 in UTC, to the
// second.
const TimeLayout = time.RFC3339

// FormatTime renders t in TimeLayout, UTC; "" for the zero time (the
// provider did not say).
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// column is one column of the report: its field name (JSON key, CSV
// header), table header, how a row's value is rendered as one text cell
// (CSV) and read back from one, and, when it differs, how the table shows
// it. Adding a column to the report is adding a field to Row, an entry
// here and, for a text field, a term in Row.size; diff compares it (unless
// it is marked noDiff), and a field of the user rather than the role
// belongs in personFields.
type column struct {
	name, header string
	get          func(*Row) string
	set          func(*Row, string) error
	table        func(*Row) string // nil: get
	// noDiff leaves the column out of Diff: it moves without any change of
	// access (a sign-in, an edit of the record).
	noDiff bool
	// model marks the model's columns, added after digests: the digest
	// encodes them only when they are not empty, so that the rows of a
	// report written before them keep their digest, and Diff compares
	// them only between rows that both have them (Row.hasModel).
	model bool
	// tenant marks the tenant column: part of the key (not compared by
	// Diff), and encoded in the digest only when it names another tenant
	// than the provider's own, so that a report written before it, or a
	// run without a tenants file, keeps its digests.
	tenant bool
	// The field behind get, for what reads rows without building
	// strings (the digest): exactly one of them is set.
	text func(*Row) *string
	flag func(*Row) *bool
	list func(*Row) []string
}

func text(f func(*Row) *string) (func(*Row) string, func(*Row, string) error) {
	return func(r *Row) string { return *f(r) }, func(r *Row, s string) error { *f(r) = s; return nil }
}

func textColumn(name, header string, f func(*Row) *string) column {
	get, set := text(f)
	return column{name: name, header: header, get: get, set: set, text: f}
}

// boolColumn is a column of a bool field: true or false in CSV, yes or no
// in the table.
func boolColumn(name, header string, f func(*Row) *bool) column {
	return column{name: name, header: header, flag: f,
		get: func(r *Row) string { return strconv.FormatBool(*f(r)) },
		table: func(r *Row) string {
			if *f(r) {
				return "yes"
			}
			return "no"
		},
		set: func(r *Row, s string) error {
			b, err := strconv.ParseBool(s)
			if err != nil {
				return fmt.Errorf("%s %q is not true or false", name, s)
			}
			*f(r) = b
			return nil
		}}
}

var columns = []column{
	textColumn("provider", "PROVIDER", func(r *Row) *string { return &r.Provider }),
	textColumn("user_id", "USER_ID", func(r *Row) *string { return &r.UserID }),
	textColumn("email", "EMAIL", func(r *Row) *string { return &r.Email }),
	textColumn("name", "NAME", func(r *Row) *string { return &r.Name }),
	textColumn("username", "USERNAME", func(r *Row) *string { return &r.Username }),
	boolColumn("disabled", "DISABLED", func(r *Row) *bool { return &r.Disabled }),
	textColumn("role_id", "ROLE_ID", func(r *Row) *string { return &r.RoleID }),
	textColumn("role_name", "ROLE_NAME", func(r *Row) *string { return &r.RoleName }),
	textColumn("role_kind", "KIND", func(r *Row) *string { return &r.RoleKind }),
	textColumn("scope", "SCOPE", func(r *Row) *string { return &r.Scope }),
	{name: "permissions", header: "PERMISSIONS",
		list:  func(r *Row) []string { return r.Permissions },
		get:   func(r *Row) string { return strings.Join(r.Permissions, ";") },
		table: func(r *Row) string { return strings.Join(r.Permissions, ",") },
		set: func(r *Row, s string) error {
			r.Permissions = nil
			if s != "" {
				r.Permissions = strings.Split(s, ";")
			}
			return nil
		}},
	textColumn("via", "VIA", func(r *Row) *string { return &r.Via }),
	textColumn("status", "STATUS", func(r *Row) *string { return &r.Status }),
	textColumn("account_type", "TYPE", func(r *Row) *string { return &r.AccountType }),
	textColumn("created", "CREATED", func(r *Row) *string { return &r.Created }),
	noDiff(textColumn("updated", "UPDATED", func(r *Row) *string { return &r.Updated })),
	noDiff(textColumn("last_activity", "LAST_ACTIVITY", func(r *Row) *string { return &r.LastActivity })),
	boolColumn("privileged", "PRIVILEGED", func(r *Row) *bool { return &r.Privileged }),
	model(textColumn("principal_kind", "PRINCIPAL", func(r *Row) *string { return &r.PrincipalKind })),
	model(textColumn("owner_kind", "OWNER_KIND", func(r *Row) *string { return &r.OwnerKind })),
	model(textColumn("owner_id", "OWNER_ID", func(r *Row) *string { return &r.OwnerID })),
	model(textColumn("owner_name", "OWNER_NAME", func(r *Row) *string { return &r.OwnerName })),
	model(textColumn("scope_kind", "SCOPE_KIND", func(r *Row) *string { return &r.ScopeKind })),
	model(textColumn("scope_id", "SCOPE_ID", func(r *Row) *string { return &r.ScopeID })),
	model(tableShows(textColumn("scope_name", "SCOPE_NAME", func(r *Row) *string { return &r.ScopeName }),
		func(r *Row) string { // in the table, the scope's id, or else its text, where it has no name
			switch {
			case r.ScopeName != "":
				return r.ScopeName
			case r.ScopeID != "":
				return r.ScopeID
			}
			return r.Scope
		})),
	model(textColumn("held", "HELD", func(r *Row) *string { return &r.Held })),
	model(textColumn("expires", "EXPIRES", func(r *Row) *string { return &r.Expires })),
	tenantColumn(textColumn("tenant", "TENANT", func(r *Row) *string { return &r.Tenant })),
}

func tenantColumn(c column) column { c.model, c.noDiff, c.tenant = true, true, true; return c }

func noDiff(c column) column { c.noDiff = true; return c }

// tableShows makes the table show get's text in c's place.
func tableShows(c column, get func(*Row) string) column { c.table = get; return c }

func model(c column) column { c.model = true; return c }

// The column counts of the headers reports had before: CSV reports with
// one of them still read, the missing columns empty.
const (
	// legacyColumns is how many columns reports had before the account
	// columns (status … privileged).
	legacyColumns = 12
	// accountColumns is how many they had before the model's columns
	// (principal_kind … expires).
	accountColumns = 18
	// modelColumns is how many they had before the tenant column.
	modelColumns = 27
)

// ModelColumns are the columns added with the model of principals and
// scopes (principal_kind … expires): a report written before them reads
// them as "", its digests still verify, and Diff compares them only
// between rows that both carry them.
var ModelColumns = func() []string {
	var out []string
	for _, c := range columns {
		if c.model && !c.tenant {
			out = append(out, c.name)
		}
	}
	return out
}()

// Fields are the report's columns, in order: the JSON keys and the CSV
// header; a report of named tenants (Options.Tenants) has TenantFields.
var Fields = TenantFields[:modelColumns:modelColumns]

// TenantFields are the columns of a report of named tenants: Fields, then
// tenant.
var TenantFields = func() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.name
	}
	return out
}()

// TableHeader is the table format's header row; a report of named tenants
// (Options.Tenants) has TenantTableHeader.
var TableHeader = TenantTableHeader[:modelColumns:modelColumns]

// TenantTableHeader is the table's header row of a report of named
// tenants: TableHeader, then TENANT.
var TenantTableHeader = func() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.header
	}
	return out
}()

// Key identifies an assignment across reports: the same principal holding
// the same role in the same scope of the same provider. Principal is ""
// for a user (whether the row says "user" or, written before principal
// kinds, nothing), so users' keys are what they were; another kind's key
// differs from a user's with the same id.
type Key struct {
	Provider, UserID, RoleID, Scope string
	Principal                       string // the principal kind; "" for a user
	// Tenant is the tenant's name, "" for the provider's own (a tenant
	// named after it, or a report written before tenants), so that
	// old keys are what they were.
	Tenant string
}

// Key returns the row's key.
func (r *Row) Key() Key {
	k := Key{Provider: r.Provider, UserID: r.UserID, RoleID: r.RoleID, Scope: r.Scope}
	if t := r.TenantName(); t != r.Provider {
		k.Tenant = t
	}
	if kind := r.Kind(); kind != string(facade.User) {
		k.Principal = kind
	}
	return k
}

// String renders the key for messages.
func (k Key) String() string {
	p := k.Provider
	if k.Tenant != "" {
		p += " (" + k.Tenant + ")"
	}
	s := fmt.Sprintf("%s %s %q role %q", p, cmp.Or(k.Principal, "user"), k.UserID, k.RoleID)
	if k.Scope != "" {
		s += fmt.Sprintf(" scope %q", k.Scope)
	}
	return s
}

// Compare orders rows the way every report is written: by provider, then
// by person (the email, or the user id when there is none, compared
// case-insensitively, then the user id case-insensitively), then role id
// and scope; ties between ids that differ only in case are broken
// byte-wise, so the order is total.
func Compare(a, b *Row) int {
	// Each key is compared only when the ones before tie (cmp.Or would
	// compute them all): rows are compared many times a sort.
	if c := strings.Compare(a.TenantName(), b.TenantName()); c != 0 {
		return c
	}
	if c := strings.Compare(a.Provider, b.Provider); c != 0 {
		return c
	}
	if c := foldCompare(a.person(), b.person()); c != 0 {
		return c
	}
	if c := foldCompare(a.UserID, b.UserID); c != 0 {
		return c
	}
	return compareRest(a, b)
}

// compareRest is Compare of two rows of the same provider whose person and
// user id fold the same: by role id, scope, user id byte-wise, then
// principal kind (Kind).
func compareRest(a, b *Row) int {
	if c := strings.Compare(a.RoleID, b.RoleID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Scope, b.Scope); c != 0 {
		return c
	}
	if c := strings.Compare(a.UserID, b.UserID); c != 0 {
		return c
	}
	if a.PrincipalKind == b.PrincipalKind {
		return 0
	}
	return strings.Compare(a.Kind(), b.Kind())
}

// person is what a row's person sorts and groups by: the email, or the
// user id when there is none.
func (r *Row) person() string {
	if r.Email != "" {
		return r.Email
	}
	return r.UserID
}

// foldCompare compares a and b ignoring case (simple Unicode folding, as
// strings.EqualFold), then byte-wise: it orders them as
// strings.Compare(strings.ToLower(a), strings.ToLower(b)) does, without
// building the lower-case copies (sorting compares each row many times).
// strings.ToLower maps each rune with unicode.ToLower and an invalid
// byte to U+FFFD, and UTF-8 orders byte-wise as its runes do, so
// comparing the mapped runes one by one gives the same order.
func foldCompare(a, b string) int {
	for a != "" && b != "" {
		ra, rb := rune(a[0]), rune(b[0])
		na, nb := 1, 1
		if ra >= utf8.RuneSelf {
			ra, na = utf8.DecodeRuneInString(a)
		}
		if rb >= utf8.RuneSelf {
			rb, nb = utf8.DecodeRuneInString(b)
		}
		if ra != rb {
			if c := cmp.Compare(lower(ra), lower(rb)); c != 0 {
				return c
			}
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b)) // one is empty: the shorter first
}

// lower is unicode.ToLower, with the ASCII letters at once.
func lower(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

// Sort sorts rows in report order (Compare).
func Sort(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int { return Compare(&a, &b) })
}

// FromAssignment converts an assignment to a report row; permissions are
// nil when the role lists none.
func FromAssignment(a *facade.Assignment) Row {
	var perms []string
	if len(a.Permissions) > 0 {
		perms = append([]string(nil), a.Permissions...)
	}
	return Row{Provider: a.Provider, UserID: a.UserID, Email: a.Email, Name: a.Name, Username: a.Username,
		Disabled: a.Disabled, RoleID: a.RoleID, RoleName: a.RoleName, RoleKind: string(a.RoleKind), Scope: a.Scope,
		Permissions: perms, Via: a.Via, Status: string(a.Status), AccountType: string(a.AccountType),
		Created: FormatTime(a.Created), Updated: FormatTime(a.Updated), LastActivity: FormatTime(a.LastActivity),
		Privileged: a.Privileged, PrincipalKind: string(a.Kind()), OwnerKind: string(a.Owner.Kind),
		OwnerID: a.Owner.ID, OwnerName: a.Owner.Name, ScopeKind: string(a.ScopeKind), ScopeID: a.ScopeID,
		ScopeName: a.ScopeName, Held: string(a.Held), Expires: FormatTime(a.Expires), Tenant: a.Tenant}
}

// size estimates the memory a row holds, for the Writer's bound.
func (r *Row) size() int64 {
	n := 490 // the struct and string headers
	for _, c := range []string{r.Provider, r.UserID, r.Email, r.Name, r.Username, r.RoleID, r.RoleName, r.RoleKind,
		r.Scope, r.Via, r.Status, r.AccountType, r.Created, r.Updated, r.LastActivity, r.PrincipalKind, r.OwnerKind,
		r.OwnerID, r.OwnerName, r.ScopeKind, r.ScopeID, r.ScopeName, r.Held, r.Expires, r.Tenant} {
		n += len(c)
	}
	for _, p := range r.Permissions {
		n += 16 + len(p)
	}
	return int64(n)
}
