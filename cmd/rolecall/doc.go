// Command rolecall answers the access reviewer's question — who holds which
// role, in every SaaS tenant we run? — by listing every user-to-role
// assignment from the admin APIs of Cortex, OpenAI, Vectara and Logto as one
// report.
//
// Start with the demo: it needs no credentials and no network.
//
//	go run ./cmd/rolecall demo
//
// # Commands
//
//	rolecall list    [--provider cortex,openai,vectara,logto] [--email a@x.com,b@y.com]
//	                 [--format table|json|ndjson|csv] [--output FILE] [--concurrency N]
//	                 [--timeout DURATION] [--fail-fast] [--quiet] [--verbose]
//	                 [--max-retries N] [--retry-wait DURATION] [--rate-limit N]
//	                 [--rate-limit-wait DURATION] [--policy FILE]
//	                 [--partial] [--unsorted] [--csv-raw] [--run-file FILE]
//	                 [--columns NAME,… | --wide]
//	rolecall people  [--policy FILE] [--format …] [--output FILE] [--partial] [--csv-raw] [--run-file FILE]
//	                 [--columns NAME,… | --wide] [the flags of list that govern a listing]
//	rolecall review  [--roster FILE] [--policy FILE] [--as-of TIME] [--fail-on-findings]
//	                 [--format …] [--output FILE] [--partial] [--csv-raw] [--run-file FILE]
//	                 [--columns NAME,… | --wide] [the flags of list that govern a listing]
//	rolecall demo    [--format …] [--output FILE] [--provider …] [--email …] [--unsorted] [--csv-raw]
//	                 [--columns NAME,… | --wide]
//	rolecall demo people|review [--format …] [--output FILE] [--partial] [--csv-raw] [--run-file FILE]
//	                 [--policy FILE] [--roster FILE] [--as-of TIME] [--columns NAME,… | --wide]
//	rolecall verify  [--provider …] [the flags of list that govern a listing]
//	rolecall record  --provider P --dir DIR [--keep-failed] [the flags of list that govern a listing]
//	rolecall diff    [--format text|json] [--allow-partial] OLD NEW
//	rolecall version
//
// Every command takes --help, which prints its flags and examples. Flags may
// be written with one dash or two, before or after the arguments.
//
// list lists every provider at once. Without --provider it lists every
// provider whose credentials are set; when none is set it says which
// variables to set, and points at the demo. --email keeps only the given
// users (matched case-insensitively; filtered by the API where it can).
// An --email that matches no one gets a warning.
// --concurrency bounds the requests in flight per provider (default 8;
// openai and logto 16, whose listings are many small requests).
// --timeout is a deadline for the whole run: it stops every provider within
// a second of passing, and each says the timeout passed. --max-retries and
// --retry-wait govern retries of failed requests (connection errors, 408,
// 5xx; never 400, 401, 403 or 404): up to N retries of a page, the first
// after the wait, doubling with jitter up to 8s; a server's Retry-After is
// obeyed instead, up to 30s. A 429 pauses every request to that provider
// until the server's hint (a longer hint than 30s fails the provider as rate
// limited at once), lowers the provider's request rate, and is retried for
// up to 3 minutes (--rate-limit-wait), not counted against --max-retries. --rate-limit sets the
// rate in requests a second, spent evenly; by
// default a provider's documented limit is spent as a budget (Cortex 1000
// requests at once, refilling at 1000 a minute; Logto Cloud 200 per 10s),
// and OpenAI's and Vectara's, which they do not document, are learnt from
// their 429s.
//
// people joins every provider's accounts into people on the normalised
// email (package review) and writes one row per person: providers and
// roles in each (privileged ones marked *), privileged anywhere, disabled
// anywhere, last activity anywhere. review writes the findings of an access
// review (disabled-with-roles, terminated, not-on-roster,
// dormant-privileged, activity-unknown, no-email, external-domain, and for
// machine access privileged-via-group, machine-privileged, machine-unused,
// privileged-key-no-expiry, key-too-old, owner-gone,
// invitation-privileged), each
// open, exempt (by the policy) or a notice; --fail-on-findings exits 1 when
// one is open. --policy is a YAML or JSON file (privileged roles per
// provider, company domains, dormancy threshold, exemptions); --roster a
// CSV of employees (email, status, optionally name and manager). Both
// write table, json, ndjson or csv, holding only the providers that listed
// completely, with the run record of list (json: {"run": …, "people": […]}
// or {"run": …, "findings": […]}; ndjson and csv: FILE.run.json, or
// --run-file) and list's safe CSV cells (--csv-raw).
//
// demo writes the same report over recorded API responses embedded in the
// binary (testdata/fixtures), served in-process on 127.0.0.1; demo people
// and demo review run people and review over them, with an embedded policy
// and roster, as of the recordings' clock.
//
// verify runs the listing against the live APIs and checks every response
// the drivers receive against the OpenAPI spec rolecall's clients are
// generated from (api/specs), as the drivers read it: violations (a wrong
// type, a missing required field, an undeclared status) and drift (fields
// the spec does not declare, enum values it does not list). It exits 1 on a
// violation or a failed provider (printed on stdout as FAILED, never as
// clean); drift alone is reported but is not an error.
//
// record lists one provider live and stores each HTTP exchange as a fixture
// under DIR/<provider>/, with credentials redacted (package fixture). It
// records into a staging directory and replaces DIR/<provider>/ whole only
// after a complete listing (stale pages go; a failed run changes nothing,
// unless --keep-failed).
//
// diff compares two reports written as json, ndjson or csv (detected from
// their content; run records read from the envelope or the sidecar) by
// (provider, user_id, role_id, scope): granted (only in NEW), revoked (only
// in OLD) and changed (in both, with another field different, e.g. disabled
// or permissions; permissions and via compare as sets), grouped per person.
// A provider missing from one report or failed in either is a WARNING and
// is left out, unless --allow-partial. A report whose rows do not match its
// run record is refused (see check).
//
// check reads reports with their run records and checks each provider's
// rows against the record: their number against its count, their SHA-256
// against its rows_sha256 (the same whatever the format). It prints per
// provider the status, rows, count, digest (ok, MISMATCH, or not recorded
// for a record written before digests) and the digest of the rows read,
// then a verdict (--quiet: the verdict alone). Every reader makes the same
// check: a report cut short or edited is refused, naming the file, the
// provider and both counts.
//
// version prints the module version (or "devel"), the VCS revision when the
// build recorded one, and the Go version.
//
// # Credentials and endpoints
//
// They come from environment variables only, never from flags, so that they
// stay out of shell history and process listings:
//
//	provider  credentials                                            endpoint
//	cortex    CORTEX_API_TOKEN                                       CORTEX_BASE_URL (default https://api.getcortexapp.com)
//	openai    OPENAI_ADMIN_KEY                                       OPENAI_BASE_URL (default https://api.openai.com/v1, the /v1 included)
//	vectara   VECTARA_API_KEY, or VECTARA_CLIENT_ID and              VECTARA_BASE_URL (default https://api.vectara.io)
//	          VECTARA_CLIENT_SECRET (VECTARA_AUTH_URL optional)
//	logto     LOGTO_ACCESS_TOKEN, or LOGTO_APP_ID and                LOGTO_ENDPOINT (required, e.g. https://tenant.logto.app)
//	          LOGTO_APP_SECRET (LOGTO_RESOURCE optional)
//
// A base URL with plain http is accepted only for a loopback host. Setting
// both kinds of credential for one provider, or half of a pair, is a usage
// error. rolecall never prints a credential: not in errors, not in logs, not
// in recorded fixtures.
//
// # The report
//
// Each row is one user holding one role in one provider's tenant, with the
// fields provider, user_id, email, name, username, disabled, role_id,
// role_name, role_kind (builtin or custom), scope, permissions, via (the
// groups an inherited OpenAI role comes through), status (active, disabled,
// suspended), account_type (human, service), created, updated,
// last_activity (RFC 3339 UTC) and privileged; the account fields are empty
// where the provider does not say (package facade's mapping). The formats:
//
//	table   aligned columns for a terminal; empty cells show "-", permissions
//	        are comma-joined, cells are cut at 100 characters with "…", and
//	        control, bidi and zero-width characters show as escapes (\x1b, \u202e);
//	        the columns a reviewer reads by default (below)
//	json    {"assignments": [one object a line], "run": {…}}, permissions an
//	        array ([] when none), values exact; the run record after the
//	        rows, since it holds their digests
//	ndjson  one object a line; the run record in FILE.run.json (or
//	        --run-file, for a report on stdout)
//	csv     a header row, then one record a line, permissions joined with ";";
//	        cells starting with = + - @ tab or CR get a leading ' (OWASP's
//	        advice against CSV injection; --csv-raw turns it off); the run
//	        record in FILE.run.json
//
// Every format is sorted by provider, then email (or user id) and user id
// case-insensitively, then role id and scope, so two runs diff cleanly;
// memory stays bounded by spilling sorted runs to temporary files past 64
// MiB. --unsorted writes each provider's rows in arrival order as soon as
// the provider completes.
//
// The table shows by default the columns a reviewer reads, so that a line
// fits a terminal 160 characters wide: for list and demo PROVIDER,
// PRINCIPAL, NAME, EMAIL, ROLE_NAME, SCOPE_NAME (the scope's id or text
// where it has no name) and PRIVILEGED; for people
// PERSON, LAST_ACTIVITY and ROLES; for review KIND, DISPOSITION, PERSON,
// PROVIDER and USER_ID. --columns picks the columns by their header names,
// comma-separated, case-insensitively, in the order given (an unknown name
// is a usage error that lists the columns); --wide shows every column.
// Both choose the table's columns only: with json, ndjson or csv, which
// always hold every column, either is a usage error, and so are the two
// together.
//
// The run record (package report, Run) holds the run's id, its start and
// finish in UTC, the rolecall version, the --email filter, and per provider
// the host, the status (complete, or failed with the error), the
// assignments and users in the report (users holding a role), the total of
// users the provider reported (Cortex) beside the users the listing walked
// to check it (listed_users: roles or none, so a complete run has
// listed_users = reported_total while users leaves out the users without a
// role), the SHA-256 of the provider's rows in report order (rows_sha256,
// the same in every format, checked by every reader), the requests made
// and the SHA-256 of the vendored spec and of each further spec file of
// the provider (spec_parts: Cortex's cortex-admin.yaml).
// A provider that failed has no row in any format. With --output the report
// is written to a temporary file renamed into place, and a run with a
// failed provider goes to FILE.partial, leaving FILE as it was, unless
// --partial; so do people and review, whose rows, joined across every
// provider, are always sorted (they take no --unsorted).
//
// # Progress and errors
//
// When stderr is a terminal, a status line per provider is redrawn there
// (pages, assignments, retries, 429s and time spent waiting) unless --quiet
// is given, or rows are streamed (--unsorted) to the same terminal. When it
// is not, stderr carries only warnings and errors. Every line shows
// control, bidi and zero-width characters as escapes.
//
// A provider that fails gets one line on stderr saying which provider, what
// failed, the status and what to do, for example
//
//	cortex: list user role assignments (page 0): 403 forbidden: the API key lacks the View Roles permission
//
// and the other providers carry on (with --fail-fast, everything stops at the
// first failure). A closing line says what the report holds.
//
// # Exit codes
//
//	0  every provider listed completely
//	1  a provider failed, the deadline passed, the run was interrupted, the
//	   report could not be written, or verify found a violation
//	2  a usage error: a bad flag or argument, missing or contradictory
//	   variables, a base URL that is refused
//
// diff, like diff(1): 0 the reports hold the same assignments, 1 they
// differ, 2 trouble: a report that cannot be read or does not match its run
// record, or a provider left out of the comparison.
//
// check: 0 every report is intact and complete; 1 nothing contradicts the
// run record but something is not proven (no run record, no digest
// recorded, a provider failed); 2 a report is cut short, edited or
// unreadable.
package main
