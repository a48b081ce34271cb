package report

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// RunSchema names the run record's format; it changes when a field's
// meaning does.
const RunSchema = "rolecall-run/1"

// The statuses of a provider's listing in a run record.
const (
	StatusComplete = "complete" // every assignment was listed
	StatusFailed   = "failed"   // the listing failed or was stopped; its rows are not in the report
)

// Run is a report's run record: when the listing ran, with which rolecall,
// what it asked for, and how each provider's listing ended, with what the
// report holds of it (the count and digest of its rows). JSON reports
// carry it in their envelope, after the rows ({"assignments": […], "run":
// …}); NDJSON and CSV reports written to a file carry it in a sidecar
// file, the report's name followed by ".run.json" (SidecarName).
type Run struct {
	Schema   string    `json:"schema"`           // RunSchema
	ID       string    `json:"id"`               // random, to tell runs apart (NewRunID)
	Started  time.Time `json:"started"`          // UTC
	Finished time.Time `json:"finished"`         // UTC
	Version  string    `json:"rolecall_version"` // the rolecall that wrote the report
	// Emails is the --email filter the listing used; empty: every user.
	Emails []string `json:"emails,omitempty"`
	// Principals are the kinds of principal the listing asked for
	// (--principals: "user", "service_account", "api_key", "application",
	// "group", "invitation"); empty: every kind. Each provider's Kinds
	// says how the listing of each kind ended. Added in rolecall-run/1 as
	// an optional field: records written before it lack it, and readers
	// that do not know it ignore it.
	Principals []string `json:"principals,omitempty"`
	// Order is "sorted" (the report order, Compare) or "arrival".
	Order string `json:"order"`
	// CSVRaw is true when the CSV cells were written without neutralising
	// formulas.
	CSVRaw bool `json:"csv_raw,omitempty"`
	// TenantsSHA256 is the SHA-256, in hex, of the tenants file the
	// listing read (rolecall --tenants), whose tenants are the entries of
	// Providers; "" without one. Added in rolecall-run/1 as an optional
	// field.
	TenantsSHA256 string `json:"tenants_sha256,omitempty"`
	// Shard is the share of the tenants file's tenants the listing listed
	// (rolecall --shard K/N: "K/N", see Shard); "" for every tenant.
	// Added in rolecall-run/1 as an optional field.
	Shard string `json:"shard,omitempty"`
	// MergedRuns are the run ids of the shards' reports Merge joined into
	// this one, in shard order; empty for a report of one run. Added in
	// rolecall-run/1 as an optional field.
	MergedRuns []string      `json:"merged_runs,omitempty"`
	Providers  []ProviderRun `json:"providers"`
}

// ProviderRun is how one provider's listing ended.
type ProviderRun struct {
	Provider string `json:"provider"`
	// Tenant is the tenant's name (a tenants file's); "" in a record
	// written before tenants, read as the provider's name (Name): one
	// entry per tenant. Added in rolecall-run/1 as an optional field.
	Tenant string `json:"tenant,omitempty"`
	Host   string `json:"host"`
	// Status is StatusComplete or StatusFailed; Error says why it failed.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Assignments and Users are what the report holds for the provider
	// (users: distinct user ids), so Users counts only the users holding
	// a role: a user without one has no row. Only users count (principal
	// kind user): a key or an application holding a role is no user.
	Assignments int64 `json:"assignments"`
	Users       int64 `json:"users"`
	// ReportedTotal is the number of users the provider itself said the
	// tenant has, with a role or none, where its API reports one (Cortex).
	ReportedTotal *int64 `json:"reported_total,omitempty"`
	// ListedUsers is the number of users the listing walked, with a role
	// or none, beside ReportedTotal (and only with it): what the provider's
	// total is to be checked against. On a complete listing the two agree
	// unless the tenant changed while it was listed, while Users is
	// smaller by the users who hold no role. Added in rolecall-run/1 as an
	// optional field: records written before it lack it, and readers that
	// do not know it ignore it.
	ListedUsers *int64 `json:"listed_users,omitempty"`
	// RowsSHA256 is the SHA-256, in hex, of the provider's rows as the
	// report holds them, in its order (RowsDigest; the digest of no rows
	// when it holds none): the same whatever the format, so that a reader
	// detects a row edited, added, removed or moved (Report.Check), and a
	// reviewer can compare it between a report's copies in several
	// formats. The Writer records it (Writer.Finish). Added in
	// rolecall-run/1 as an optional field: records written before it lack
	// it, and then only the counts are checked.
	RowsSHA256 string `json:"rows_sha256,omitempty"`
	// Kinds says, per kind of principal (the six facade.Kinds), how the
	// provider's listing of it ended (facade.Coverage): "listed",
	// "not_permitted" (the credentials may not read it), "failed",
	// "not_offered" (the driver does not list it) or "not_asked" (left out
	// by Run.Principals). A listing is complete only when every kind asked
	// for that the driver offers is listed: a failed provider whose
	// credentials were refused a kind shows it not_permitted here. Empty
	// when the listing did not end (stopped). Added in rolecall-run/1 as an
	// optional field: records written before it lack it (which kinds they
	// listed is not recorded), and readers that do not know it ignore it.
	Kinds map[string]string `json:"kinds,omitempty"`
	// Requests is the number of HTTP requests made (retries included).
	Requests int64 `json:"requests"`
	// SpecSHA256 is the SHA-256 of the vendored OpenAPI spec the client
	// was generated from (api/specs), in hex: the provider's main spec.
	SpecSHA256 string `json:"spec_sha256"`
	// SpecParts is the SHA-256, in hex, of each further spec file of the
	// provider, by file name (api/specs' Parts: Cortex's cortex-admin.yaml,
	// whose operations the driver calls beside cortex.json's), so that the
	// record names every spec the listing was made against; empty when
	// the provider has only its main spec. Added in rolecall-run/1 as an
	// optional field: records written before it lack it (their
	// spec_sha256 covered the main spec alone), and readers that do not
	// know it ignore it.
	SpecParts map[string]string `json:"spec_parts,omitempty"`
}

// NewRunID returns a random run id: 16 hex digits.
func NewRunID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Complete reports whether every provider in the run listed completely.
// A nil Run (a report written before run records) is taken as complete.
func (r *Run) Complete() bool {
	if r == nil {
		return true
	}
	for _, p := range r.Providers {
		if p.Status != StatusComplete {
			return false
		}
	}
	return true
}

// Name is the tenant's name: Tenant, or Provider when it is "".
func (p *ProviderRun) Name() string {
	if p.Tenant == "" {
		return p.Provider
	}
	return p.Tenant
}

// Provider returns the record of the named tenant (ProviderRun.Name: a
// provider's name names its one tenant in a run without a tenants file),
// or nil.
func (r *Run) Provider(name string) *ProviderRun {
	if r == nil {
		return nil
	}
	for i := range r.Providers {
		if r.Providers[i].Name() == name {
			return &r.Providers[i]
		}
	}
	return nil
}

// SidecarName is the file an NDJSON or CSV report's run record is written
// to: the report's name followed by ".run.json".
func SidecarName(report string) string { return report + ".run.json" }
