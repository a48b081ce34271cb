// Package report writes and reads rolecall's access report: one row per
// user-to-role assignment, with the columns of the report contract
// (provider, user_id, email, name, username, disabled, role_id, role_name,
// role_kind, scope, permissions, via), as an aligned table, a JSON array,
// newline-delimited JSON or CSV. It also compares two reports (Compare).
//
// The package knows nothing of the providers: cmd/rolecall converts the
// facade's assignments to Rows.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
)

// Fields are the report's columns, in order: the JSON keys and the CSV
// header.
var Fields = []string{"provider", "user_id", "email", "name", "username", "disabled", "role_id", "role_name",
	"role_kind", "scope", "permissions", "via"}

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
}

// Key identifies an assignment across reports: the same user holding the
// same role in the same scope of the same provider.
type Key struct {
	Provider, UserID, RoleID, Scope string
}

// Key returns the row's key.
func (r *Row) Key() Key {
	return Key{Provider: r.Provider, UserID: r.UserID, RoleID: r.RoleID, Scope: r.Scope}
}

// String renders the key for messages.
func (k Key) String() string {
	s := fmt.Sprintf("%s user %q role %q", k.Provider, k.UserID, k.RoleID)
	if k.Scope != "" {
		s += fmt.Sprintf(" scope %q", k.Scope)
	}
	return s
}

// CompareRows orders rows by (provider, user_id, role_id, scope), the order of
// the sorted formats.
func CompareRows(a, b *Row) int {
	return cmpKey(a.Key(), b.Key())
}

func cmpKey(a, b Key) int {
	return cmp.Or(strings.Compare(a.Provider, b.Provider), strings.Compare(a.UserID, b.UserID),
		strings.Compare(a.RoleID, b.RoleID), strings.Compare(a.Scope, b.Scope))
}

// Sort sorts rows by (provider, user_id, role_id, scope).
func Sort(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int { return CompareRows(&a, &b) })
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
		Permissions: perms, Via: a.Via}
}
