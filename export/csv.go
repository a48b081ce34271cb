package export

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/report"
)

// C1Header is the header of the C1 CSV export: ConductorOne's
// file-connector columns, one row per grant.
var C1Header = []string{"User ID", "Email Address", "Display Name", "User Status", "User Type", "Account Owner",
	"Resource Type", "Resource Name", "Entitlement", "Entitlement Display Name", "Entitlement Slug"}

// c1CSV renders rows (in report order) as ConductorOne's file-connector
// CSV: one row per grant, in report order. User ID is namespaced by system
// and kind of principal; Resource Type is the system and the scope's kind
// ("openai project"), Resource Name the scope, Entitlement and Entitlement
// Slug the role id, its display name the role's name; User Type is human,
// service or group, Account Owner the email (else the name or id) of the
// user owning a key or service account.
func c1CSV(rows []report.Row) ([]byte, error) {
	owners := ownerEmails(rows)
	var recs [][]string
	seen := map[string]bool{}
	for i := range rows {
		r := &rows[i]
		rec := []string{principalID(r), r.Email, cmp.Or(r.Name, r.Email, r.Username, r.UserID), "Enabled", "human",
			owner(r, owners), system(r) + " " + cmp.Or(r.ScopeKind, "scope"), scopeName(r), r.RoleID,
			cmp.Or(r.RoleName, r.RoleID), r.RoleID}
		if deactivated(r) {
			rec[3] = "Disabled"
		}
		switch {
		case r.Kind() == "group":
			rec[4] = "group"
		case machine(r):
			rec[4] = "service"
		}
		// A row is one grant; the same grant twice (a role held two ways)
		// is one line.
		k := strings.Join([]string{rec[0], rec[6], r.Scope, rec[8]}, "\x00")
		if !seen[k] {
			seen[k] = true
			recs = append(recs, rec)
		}
	}
	return csvFile(C1Header, recs)
}

// ownerEmails maps each system's users, by namespaced id, to their email:
// what names the owner of a key or service account.
func ownerEmails(rows []report.Row) map[string]string {
	out := map[string]string{}
	for i := range rows {
		if r := &rows[i]; r.Email != "" {
			out[principalID(r)] = r.Email
		}
	}
	return out
}

// owner names the owner of a key or service account: its email where the
// report holds one, else its name or id; "" when the row has no owner.
func owner(r *report.Row, emails map[string]string) string {
	if r.OwnerID == "" && r.OwnerName == "" {
		return ""
	}
	if e := emails[id(system(r), cmp.Or(r.OwnerKind, "user"), r.OwnerID)]; e != "" {
		return e
	}
	return cmp.Or(r.OwnerName, r.OwnerID)
}

// VantaHeader is the header of the Vanta export: Vanta's access-review
// columns for a system without an integration.
var VantaHeader = []string{"Account name", "Account owner", "Role", "Status"}

// The account owners Vanta takes besides an email.
const (
	vantaNotAPerson = "Not a person"
	vantaNoOwner    = "No owner"
)

// vanta renders rows (in report order) as one Vanta access-review CSV per
// system, vanta-<system>.csv: one row per account (principal), with its
// roles joined with ", " (each "role (scope)", sorted), status Active or
// Deactivated, and owner its email, "Not a person" for a service account,
// API key, application or group, or "No owner" for a person without an
// email. Rows are in report order of each account's first row.
func vanta(rows []report.Row) ([]File, error) {
	type account struct {
		rec   []string
		roles []string
	}
	var systems []string
	bySystem := map[string][]*account{}
	index := map[string]*account{}
	for i := range rows {
		r := &rows[i]
		sys := system(r)
		pid := principalID(r)
		a := index[pid]
		if a == nil {
			name := cmp.Or(r.Email, r.Username, r.Name, r.UserID)
			own := cmp.Or(r.Email, vantaNoOwner)
			if machine(r) {
				own = vantaNotAPerson
				name = fmt.Sprintf("%s: %s (%s)", r.Kind(), cmp.Or(r.Name, r.UserID), r.UserID)
			} else if r.Kind() == "invitation" {
				name = "invitation: " + name
			}
			status := "Active"
			if deactivated(r) {
				status = "Deactivated"
			}
			a = &account{rec: []string{name, own, "", status}}
			index[pid] = a
			if _, ok := bySystem[sys]; !ok {
				systems = append(systems, sys)
			}
			bySystem[sys] = append(bySystem[sys], a)
		}
		role := cmp.Or(r.RoleName, r.RoleID) + " (" + scopeName(r) + ")"
		if !slices.Contains(a.roles, role) {
			a.roles = append(a.roles, role)
		}
	}
	slices.Sort(systems)
	var files []File
	for _, sys := range systems {
		var recs [][]string
		for _, a := range bySystem[sys] {
			slices.Sort(a.roles)
			a.rec[2] = strings.Join(a.roles, ", ")
			recs = append(recs, a.rec)
		}
		b, err := csvFile(VantaHeader, recs)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: "vanta-" + fileSafe(sys) + ".csv", Data: b})
	}
	return files, nil
}

// fileSafe makes s a file name part: anything but letters, digits, "-",
// "_" and "." becomes "_".
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
