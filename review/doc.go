// Package review answers an access reviewer's questions over the facade's
// assignments: what does one person hold in every tenant, and which
// accounts need a look (SOC 2 CC6.2/CC6.3, ISO 27001 A.5.18).
//
// Join groups assignments into accounts (one per provider, principal kind
// and user id) and accounts into people, joined on the normalised email:
// trimmed and case-folded, with "+tag" kept distinct unless the policy
// folds it. An account without an email is a person of its own, and so is
// a principal that is not a person's account (facade.PrincipalKind other
// than User: a key, an application, a group, an invitation), never joined
// to a person by an address. A machine principal (a key, a service
// account, an application) is also attributed to the person holding its
// owner's account (Account.OwnerPerson, Person.Owns), where the provider
// names its owner; else it has "no owner". Review then lists the
// findings, each naming the person, the provider account (its kind of
// principal, and for a machine principal its owner), the roles and why:
//
//	disabled-with-roles  a disabled or suspended account that still holds roles
//	terminated           an account of someone the roster says is terminated
//	not-on-roster        an account whose email is not on the roster (orphaned)
//	dormant-privileged   a privileged role on an account last active longer ago
//	                     than the threshold (default 90 days) before Options.AsOf
//	activity-unknown     a privileged role on an account whose provider reports
//	                     no activity: a notice to check by hand, never "dormant"
//	no-email             an account with no email: no one to attribute it to
//	external-domain      an email outside the policy's company domains (an
//	                     account's, or a pending invitation's)
//	privileged-via-group a privileged role a user holds only through a group
//	                     (the finding names the group: remove that edge)
//	machine-privileged   a service account, key or application holding a
//	                     privileged role (no person signs in as it)
//	machine-unused       a key, service account or application never used,
//	                     or last used longer ago than the threshold (where
//	                     its provider reports use for its kind; else an
//	                     activity-unknown notice: what the provider cannot
//	                     tell is said, never passed silently)
//	privileged-key-no-expiry a key its provider says never expires, holding a
//	                     privileged role (an OpenAI admin key)
//	key-too-old          a key created longer ago than the policy's
//	                     max_key_age_days
//	owner-gone           a key or application whose owner lost access to its
//	                     scope (OpenAI owner_project_access inactive), is
//	                     disabled, or is terminated on the roster
//	invitation-privileged a pending invitation carrying a privileged role
//
// The user findings (disabled, roster, dormancy, no-email, via a group)
// apply to people's accounts; machine principals get the machine findings
// and invitations the invitation ones, never "no-email" (they have none by
// nature). The roster findings need a Roster (ReadRoster: the CSV an HR system or
// IdP exports); external-domain needs the policy's company domains. A
// policy exemption (break-glass or service accounts) does not hide a
// finding: it is listed as exempt, with the exemption's reason. Open
// counts the findings that need action (neither exempt nor notices).
//
// # Where the fields come from
//
// Everything comes from the listing itself, no request of its own; the
// facade package's mapping table is the reference. In short, for users:
//
//	            status                 account type          created      last activity
//	Cortex      not reported           not reported          join date    last active (GET /api/v1/users)
//	OpenAI      user.enabled / banned  is_service_account    added_at     api_key_last_used_at
//	Vectara     enabled                not reported          created_at   not reported (updated_at is a
//	                                                                      profile change, not activity)
//	Logto       isSuspended            not reported          createdAt    lastSignInAt
//
// Keys and machine principals: OpenAI keys report their last use, admin
// keys their expiry; Cortex keys their creation and expiry, no use;
// Vectara keys and app clients neither; Logto applications their creation.
//
// Privileged roles by default (the facade's drivers; a policy's
// "privileged" entry for a provider replaces its rule): Cortex ADMIN
// (users and keys); OpenAI the organization role owner, roles with a
// permission api.organization.*.write, project owners and every admin
// key; Vectara the account-level owner and administrator and personal
// keys; Logto roles whose name contains "admin" or that carry the
// Management API's all scope. So Vectara privileged accounts are always
// activity-unknown: its API does not say when an account was last used.
//
// WritePeople and WriteFindings write the two reports as a table, JSON,
// NDJSON or CSV, times in RFC 3339 UTC, with the access report's safety
// (package report): table cells show control, bidi and zero-width
// characters as escapes, CSV cells that a spreadsheet would run as formulas
// get a leading apostrophe, and JSON carries the listing's run record in
// its envelope. WriteOptions.Columns picks the table's columns
// (DefaultPeopleColumns and DefaultFindingColumns fit a terminal 160
// characters wide); the other formats hold every column. `rolecall
// people` and `rolecall review` are a thin layer over this package.
package review
