// Package facade lists user-to-role assignments from several SaaS admin
// APIs through one small interface, for access reviews.
//
// A Lister lists one provider's assignments. The drivers, facade/cortex,
// facade/openai, facade/vectara and facade/logto, each over the client
// generated from that provider's OpenAPI spec (gen/), return a *Source:
// the one concrete Lister, over the driver's listing function.
// facade/drivers builds any of them by name. ListAll lists several
// providers at once. Results stream as an iter.Seq2[Assignment, error]:
// memory is bounded by the pages in flight, not by the tenant's size.
// Collect gathers a small tenant into a slice, and CollectAll several
// providers into one Result each, every provider's error kept apart.
//
// A listing is complete or it fails: every assignment once (duplicates that
// page-numbered APIs produce when rows shift are dropped), or an *Error.
// Drivers follow each API's own pagination signal, never the length of a
// page; a cursor that repeats or a page count past a bound ends the listing
// with InvalidResponse, and a total the listing did not reach with
// Incomplete.
//
// ListOptions.Principals picks the kinds of principal to list (none: every
// kind), and StatsSnapshot.Kinds says how the listing of each kind ended
// (Coverage: Listed, NotPermitted, Failed, NotOffered, NotAsked). A
// provider's listing is complete only when every kind it was asked for and
// offers is Listed. A kind the credentials may not read (NotPermitted, a
// 403) or whose listing failed makes the provider's listing fail, after
// its other kinds are listed, with an error naming every such kind (its
// Coverage names them too): it never passes for a kind with no
// principals. To list the other kinds completely, leave those kinds out
// with Principals (rolecall --principals).
//
// # The mapping
//
// One Assignment is one principal holding one role in one scope of one
// provider's tenant. The principal is a person's account, a service
// account, an API key, an application, a group or a pending invitation
// (PrincipalKind; "" reads as User, Assignment.Kind); UserID, Email and
// Name are its id, address and display name whatever its kind. Owner is
// the user or service account a key or service account belongs to or
// acts for. ScopeKind, ScopeID and ScopeName say what the role applies
// to, beside Scope, whose text is unchanged (Scope is "" or
// ScopeKind+"/"+ScopeID for scope kinds that had no text before). Held
// says how the role is held: Direct, ThroughGroup (Via names the group)
// or Legacy (the provider's single-role field), or a key's ThroughOwner.
// Each driver lists every kind its API exposes, and its package
// documentation has the mapping of each: OpenAI users, groups, service
// accounts, API keys and invitations; Cortex users and API keys; Vectara
// users, API keys and app clients (applications); Logto users,
// machine-to-machine applications and organization invitations, in the
// tenant and in its organizations. The table below is of the users' rows
// (for OpenAI, its users' organization roles):
//
//	field        Cortex                   OpenAI                        Vectara                          Logto
//	Principal    user                     user (is_service_account      user                             user
//	                                      too: AccountType says so)
//	Owner        none                     none                          none                             none
//	ScopeKind    workspace                api.organization →            api_roles account; corpus_roles  tenant
//	                                      organization, api.project →   corpus; agent_roles agent
//	                                      project, other ""
//	ScopeID      ""                       "" (not in the response)      "" for account; the corpus or    ""
//	                                                                    agent key
//	ScopeName    ""                       ""                            ""                               ""
//	Held         direct                   organization role: legacy;    direct                           direct
//	                                      roles: group when
//	                                      assignment_sources name other
//	                                      principals only, else direct
//	Expires      ""                       ""                            ""                               ""
//	UserID       email (no id in the API) user id                       user id                          user id
//	Email        email                    email                         email                            primaryEmail (null → "")
//	Name         name                     name                          ""                               name (null → "")
//	Username     ""                       ""                            username                         username (null → "")
//	Disabled     false                    false                         !enabled                         isSuspended
//	RoleID       BASIC: role; CUSTOM: tag role id                       the role value                   role id
//	RoleName     BASIC: role; CUSTOM: name role name                    the role value                   role name
//	RoleKind     BASIC builtin, CUSTOM    predefined_role → builtin,    builtin                          custom
//	             custom                   else custom
//	Scope        ""                       role resource_type            api_roles ""; corpus_roles       ""
//	                                                                    corpus/<key>; agent_roles
//	                                                                    agent/<key>
//	Permissions  none                     role permissions              none                             none
//	Via          ""                       assignment_sources other      ""                               ""
//	                                      than the user, as
//	                                      <type>/<id>, comma-joined
//	Status       "" (not on this          user.banned → suspended,      enabled → active,                isSuspended → suspended,
//	             endpoint)                user.enabled false →          !enabled → disabled              else active
//	                                      disabled, else active; ""
//	                                      without the nested user
//	AccountType  ""                       is_service_account → service, ""                               "" (machine access is
//	                                      false → human                                                  through applications)
//	Created      joinDate (GET            added_at (joined the          created_at                       createdAt
//	             /api/v1/users)           organization)
//	Updated      ""                       ""                            updated_at (a profile change,    updatedAt
//	                                                                    not activity)
//	LastActivity lastActive (GET          api_key_last_used_at          "" (Vectara reports none)        lastSignInAt
//	             /api/v1/users)
//	Privileged   BASIC ADMIN              organization role owner; a    api_roles owner and              role name contains "admin"
//	                                      permission                    administrator (not corpus or     (any case)
//	                                      api.organization.*.write      agent roles)
//
// The privileged rules follow the vendors' role documentation: Cortex's
// ADMIN is the only default role that may change settings and permissions
// (MANAGER "cannot modify permissions or other settings"); OpenAI's
// organization management (users, projects, invites, admin keys, rate
// limits) belongs to the owner role, and custom roles carry it as
// api.organization.* write permissions; Vectara's owner and administrator
// manage the account's users, keys and corpora, where the other
// account-level roles are limited to billing, one corpus or agents; Logto
// grants the Management API through its "all" scope, which this listing
// cannot see, so the rule falls back on the role's name.
//
// Times are UTC; a zero time means the provider did not say. Cortex's
// times come from a second listing of every user (GET /api/v1/users),
// beside its role listing; every other field above comes with the
// listing that yields the role. Logto's roles are privileged by their
// name, or when their scopes (GET /api/roles/{id}/scopes) include the
// Management API's "all" scope; a review policy (package review) replaces
// any provider's rule with named roles or patterns.
//
// OpenAI also reports each user's organization role (owner or reader) from
// the user listing as one more builtin assignment with scope
// "api.organization", and the rest of the organization (groups, projects,
// service accounts, keys, invitations) as the openai package documents. Logto lists only roles of type User
// (machine-to-machine roles belong to applications). A user with no role
// yields no assignment. Assignment.Record keeps the provider's decoded
// record for fields the model lacks.
//
// # Errors
//
// Every error a listing yields is an *Error naming the provider and the
// operation, with a Code callers test with errors.Is (ErrUnauthenticated,
// ErrPermissionDenied, ErrNotFound, ErrRateLimited, ErrUnavailable,
// ErrInvalidResponse, ErrIncomplete, ErrCanceled, ErrInvalidArgument), the
// HTTP status, the provider's request id, a short scrubbed excerpt of its
// message, and what to do. Error.Detail (or ErrorAs) is the provider's
// decoded error body. A bad Config is InvalidArgument, naming the field
// (cortex.Config.Token). Code(nil) is OK, as with gocloud.dev's
// gcerrors.Code. No error holds a credential.
//
// # Transport
//
// Each driver retries idempotent requests on connection errors, 408, 429
// and 5xx except 501 (never 400, 401, 403 or 404) with capped, jittered
// exponential backoff, honouring Retry-After (seconds or an HTTP-date) and
// Cortex's problem+json retryAfter up to a cap, so one header cannot stall
// a run. A client-side rate limiter per driver, shared by its workers,
// defaults to the provider's documented limit and slows down when 429s
// arrive. Credentials go only to the provider's own origin (scheme, host
// and port); a redirect is followed only on that origin, so neither an
// https-to-http redirect nor another server's answer is accepted; plain
// http is refused except for loopback hosts. An OAuth token exchange
// (Vectara, Logto) runs under the listing's context with the same
// per-request timeout and retries. A credential the provider returns as
// data is replaced with "[REDACTED]" and a warning is logged.
//
// # Decoding
//
// Each page is decoded element by element into the generated types by a
// general-purpose decoder (the json v2 experiment module, which reads
// their struct tags), so a field the spec declares reaches
// Assignment.Record as soon as the client is regenerated, with no other
// edit. A page is read whole first (at most Options.MaxBodyBytes), so that
// its request slot is free while it decodes. A body that is not valid
// UTF-8, or whose object names one member twice (spelled the same, or in
// another case), fails with ErrInvalidResponse naming where (a JSON
// pointer such as /users/3/email). Records are independent values: each
// is decoded on its own and shares no memory with another.
package facade
