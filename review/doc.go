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
// to a person by an address; the drivers list only users today, and the
// findings treat such a principal as an account (issue 24 gives them their
// own rules). Review then lists the
// findings, each naming the person, the provider account, the roles and
// why:
//
//	disabled-with-roles  a disabled or suspended account that still holds roles
//	terminated           an account of someone the roster says is terminated
//	not-on-roster        an account whose email is not on the roster (orphaned)
//	dormant-privileged   a privileged role on an account last active longer ago
//	                     than the threshold (default 90 days) before Options.AsOf
//	activity-unknown     a privileged role on an account whose provider reports
//	                     no activity: a notice to check by hand, never "dormant"
//	no-email             an account with no email: no one to attribute it to
//	external-domain      an email outside the policy's company domains
//
// The roster findings need a Roster (ReadRoster: the CSV an HR system or
// IdP exports); external-domain needs the policy's company domains. A
// policy exemption (break-glass or service accounts) does not hide a
// finding: it is listed as exempt, with the exemption's reason. Open
// counts the findings that need action (neither exempt nor notices).
//
// # Where the fields come from
//
// Everything comes from the listing itself, no request of its own; the
// facade package's mapping table is the reference. In short:
//
//	            status                 account type          created      last activity
//	Cortex      not on this endpoint   not reported          not reported not reported
//	OpenAI      user.enabled / banned  is_service_account    added_at     api_key_last_used_at
//	Vectara     enabled                not reported          created_at   not reported (updated_at is a
//	                                                                      profile change, not activity)
//	Logto       isSuspended            not reported          createdAt    lastSignInAt
//
// Privileged roles by default (the facade's drivers; a policy's
// "privileged" entry for a provider replaces its rule): Cortex ADMIN;
// OpenAI the organization role owner and roles with a permission
// api.organization.*.write; Vectara the account-level owner and
// administrator; Logto roles whose name contains "admin". So Cortex and
// Vectara privileged accounts are always activity-unknown: their APIs do
// not say when an account was last used.
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
