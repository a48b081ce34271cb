package driverkit

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/scrub"
)

// leakGuard replaces a credential the provider returned as data (a role
// named after the token, an email holding the key, ...) with scrub.Marker
// before an assignment leaves the kit, and warns once per field a listing:
// a report must never carry a secret, whatever a server sends.
type leakGuard struct {
	k      *Kit
	warned map[string]bool
}

func (k *Kit) newLeakGuard() *leakGuard { return &leakGuard{k: k} }

// check cleans a in place. secrets is the kit's secrets at the start of
// the page (the tokens an exchange obtained included).
func (g *leakGuard) check(ctx context.Context, secrets []string, a *facade.Assignment) {
	if len(secrets) == 0 {
		return
	}
	holds := func(v string) bool {
		if len(v) < scrub.MinLen {
			return false
		}
		for _, s := range secrets {
			if strings.Contains(v, s) {
				return true
			}
		}
		return false
	}
	for _, f := range [...]struct {
		name string
		p    *string
	}{{"user_id", &a.UserID}, {"email", &a.Email}, {"name", &a.Name}, {"username", &a.Username},
		{"role_id", &a.RoleID}, {"role_name", &a.RoleName}, {"scope", &a.Scope}, {"via", &a.Via},
		{"owner_id", &a.Owner.ID}, {"owner_name", &a.Owner.Name}, {"scope_id", &a.ScopeID}, {"scope_name", &a.ScopeName}} {
		if holds(*f.p) {
			*f.p = g.k.scrub.String(*f.p)
			g.warn(ctx, f.name)
		}
	}
	if slices.ContainsFunc(a.Permissions, holds) {
		perms := slices.Clone(a.Permissions) // shared with other assignments
		for i, p := range perms {
			if holds(p) {
				perms[i] = g.k.scrub.String(p)
			}
		}
		a.Permissions = perms
		g.warn(ctx, "permissions")
	}
}

func (g *leakGuard) warn(ctx context.Context, field string) {
	if g.warned[field] {
		return
	}
	if g.warned == nil {
		g.warned = map[string]bool{}
	}
	g.warned[field] = true
	g.k.Logger.LogAttrs(ctx, slog.LevelWarn, "the provider returned a credential as data; it is replaced with "+scrub.Marker+
		" in the report (check the tenant, and rotate the credential)", slog.String("field", field))
}
