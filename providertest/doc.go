// Package providertest runs fake provider API servers for tests, in the
// spirit of net/http/httptest: NewServer starts an HTTP server on 127.0.0.1
// that serves a deterministic synthetic Tenant for Cortex, OpenAI, Vectara or
// Logto in the provider's real wire format and pagination, validates every
// request it receives against the vendored OpenAPI spec (package specs), and
// can add latency, a request-rate limit, and deterministic faults (429s,
// 5xx, connection resets, bodies cut off mid-stream, slow answers). It counts
// requests, per operation too.
//
// Tenant.Rows is the oracle: exactly the assignments a correct client lists
// from the tenant, mapped by the report contract (for OpenAI, the graph
// contract's rows of every principal kind); Tenant.AccountOf gives each
// row's account fields and Privileged its default privileged flag.
//
// # Served operations
//
//   - Cortex: GET /api/v1/users/roles (page from 0, pageSize up to 1000,
//     email comma-joined or repeated, case-insensitive); totalPages =
//     ceil(total/pageSize), 0 for an empty result.
//   - OpenAI (under /v1): GET /organization/users (limit ≤ 100, default 20,
//     after = last_id, emails repeated), GET /organization/users/{user_id}/roles
//     (limit ≤ 1000, after = the opaque next cursor, next null on the last
//     page; 404 for an unknown user) and GET /organization/roles (the
//     organization roles); and the principal graph: groups, their users
//     (newest first by default) and roles; projects (archived ones only
//     with include_archived=true), their users and each user's project
//     roles, project roles, groups and each group's project roles, service
//     accounts and API keys (owner_project_access active, inactive or any;
//     absent: active only, so orphaned keys are hidden); admin API keys
//     (after = the last key's id) and invites. The role, group and project
//     group lists page by the opaque next cursor; the others by last_id.
//     Unknown ids answer 404, cursors the list did not hand out 400.
//     Tenant.Secrets lists the secret-bearing values the responses carry.
//   - Vectara: GET /v2/users (limit ≤ 100, default 10, page_key an opaque
//     base64 cursor; the last page has page_key "" or, with
//     Options.VectaraEndKey "absent", none; corpus_key filter),
//     GET /v2/users/{username}, and, paged the same way, GET /v2/api_keys
//     (corpus_key and api_key_role filters; each key carries its
//     secret_key), GET /v2/app_clients (filter; each carries its
//     client_secret), GET /v2/corpora (filter, corpus_id) and GET
//     /v2/agents (filter, enabled). Tenant.Secrets lists the secrets.
//   - Logto: GET /api/roles, GET /api/roles/{id}/users and
//     GET /api/users/{userId}/roles (page from 1, page_size ≤ 100 else 400
//     guard.invalid_pagination; bare arrays with Total-Number and one Link
//     header line per relation; a page past the end is 200 []; search
//     parameters as Logto reads them); the access graph: GET
//     /api/organizations (no ORDER BY: its pages shift with
//     Options.TieShifts), GET /api/organizations/{id}/users (ordered by
//     user id) and /applications (no ORDER BY: they shift too), each with
//     organizationRoles inline, GET /api/organization-invitations (every
//     status, unpaged), GET /api/roles/{id}/applications and GET
//     /api/roles/{id}/scopes (unpaged unless page or page_size is given);
//     Tenant.Secrets lists the applications' legacy secrets and customData
//     notes the responses carry; and POST /oidc/token (client
//     credentials with HTTP Basic auth, resource and scope=all; not in the
//     spec, so not validated, never faulted or rate limited, counted as
//     OpToken).
//
// # Short pages
//
// With Options.ShortPages the server returns fewer items than asked while
// more remain, and stays honest in each API's own signals:
//
//   - Cursor APIs (every OpenAI listing, Vectara): each page carries a
//     deterministic pseudo-random 1..min(limit, remaining-1) items whenever at
//     least two remain, so even a listing that would fit in one page is
//     split; has_more/next/last_id and page_key say whether more remain.
//   - Page-number APIs (Cortex, Logto): page boundaries use a smaller
//     effective page size than asked, fixed for a given (asked size, total)
//     so that concurrent page fetches agree: between ceil(m/2) and m-1 where
//     m = min(asked, total). Cortex reports totalPages computed with that
//     size; Logto keeps Total-Number the true item count and computes its
//     Link relations (next, last) with that size. A Logto client must
//     therefore follow rel="next" or read rel="last", not divide
//     Total-Number by the size it asked for.
//
// # Violations
//
// A request that the spec rejects (a missing required parameter, a value out
// of range, a query parameter the operation does not declare, a path that
// matches no operation) is recorded (Violations), fails the test through
// t.Errorf unless Options.ExpectViolations is set, and is answered 400 (404
// for an unknown path) in the provider's error shape — for Logto page and
// page_size errors, 400 guard.invalid_pagination as the real server
// answers. Servers made with Start have no test to fail and only record.
//
// Requests pass through, in order: counting, Options.Latency, validation
// (skipped with Options.NoValidate, for benchmarks), fault injection, the
// rate limit, authentication, the operation.
//
// Responses are deterministic except where concurrency decides the order of
// requests (request ids, the 5xx rotation, rate limiting).
package providertest
