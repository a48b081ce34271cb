package report

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTenantsBeforeModel: the reports written before the model's columns
// (and so before tenants), rewritten now as a listing from a tenants file
// naming each tenant after its provider, have the same digests, check
// clean in every format and diff against the old ones without a change.
func TestTenantsBeforeModel(t *testing.T) {
	for _, name := range beforeModel {
		old, err := ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err, name)
		rows := append([]Row(nil), old.Rows...)
		for i := range rows {
			assert.Equal(t, rows[i].Provider, rows[i].TenantName(), "an old row's tenant is its provider")
			rows[i].Tenant = rows[i].Provider
		}
		for _, format := range []Format{JSON, NDJSON, CSV} {
			run := *old.Run
			run.Providers = append([]ProviderRun(nil), old.Run.Providers...)
			for i := range run.Providers {
				run.Providers[i].Tenant = run.Providers[i].Provider
			}
			out := write(t, Options{Format: format, Tenants: true}, rows, &run)
			for i, pr := range run.Providers {
				assert.Equal(t, old.Run.Providers[i].RowsSHA256, pr.RowsSHA256, "%s %s %s: the digest is unchanged", name, format, pr.Tenant)
			}
			nw, err := Read(strings.NewReader(out))
			require.NoError(t, err, "%s %s", name, format)
			if format == NDJSON || format == CSV {
				nw.Run = &run // the sidecar's
			}
			for _, c := range nw.Check() {
				assert.NoError(t, c.Err, "%s %s", name, format)
			}
			d, err := Diff(old, nw, nil)
			require.NoError(t, err)
			assert.True(t, d.Empty(), "%s %s: %d granted, %d revoked, %d changed", name, format, len(d.Granted), len(d.Revoked), len(d.Changed))
			assert.Empty(t, d.Warnings, "%s %s", name, format)
		}
	}
}

// TestTwoTenantsOfOneProvider: the same user holding the same role in two
// tenants of one provider is two assignments, each tenant's rows checked
// against its own entry of the run record, and diffed apart: a grant in
// one tenant is not hidden by the other's.
func TestTwoTenantsOfOneProvider(t *testing.T) {
	row := Row{Provider: "openai", UserID: "u1", Email: "a@x.com", RoleID: "owner", PrincipalKind: "user"}
	eu, us := row, row
	eu.Tenant, us.Tenant = "openai-eu", "openai-us"
	assert.NotEqual(t, eu.Key(), us.Key())
	assert.NotEqual(t, RowsDigest([]Row{eu}), RowsDigest([]Row{us}), "the tenant is in the digest")
	assert.Equal(t, RowsDigest([]Row{row}), RowsDigest([]Row{{Provider: "openai", UserID: "u1", Email: "a@x.com", RoleID: "owner",
		PrincipalKind: "user", Tenant: "openai"}}), "a tenant named after its provider is no tenant in the digest")

	run := &Run{Schema: RunSchema, Providers: []ProviderRun{
		{Provider: "openai", Tenant: "openai-eu", Status: StatusComplete, Assignments: 1},
		{Provider: "openai", Tenant: "openai-us", Status: StatusComplete, Assignments: 1}}}
	out := write(t, Options{Format: JSON, Tenants: true}, []Row{us, eu}, run)
	assert.Contains(t, out, `"tenant":"openai-eu"`)
	rep, err := Read(strings.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, []Row{eu, us}, rep.Rows, "sorted by tenant")
	assert.NotEqual(t, run.Providers[0].RowsSHA256, run.Providers[1].RowsSHA256)
	checks := rep.Check()
	require.Len(t, checks, 2)
	for _, c := range checks {
		assert.NoError(t, c.Err)
		assert.EqualValues(t, 1, c.Rows)
	}

	onlyEU := *rep
	onlyEU.Rows = []Row{eu}
	onlyEU.Run = &Run{Schema: RunSchema, Providers: []ProviderRun{run.Providers[0], run.Providers[1]}}
	onlyEU.Run.Providers[1].Assignments = 0
	d, err := Diff(&onlyEU, rep, nil)
	require.NoError(t, err)
	require.Len(t, d.Granted, 1)
	assert.Equal(t, "openai-us", d.Granted[0].Tenant)
	assert.Equal(t, "openai (openai-us) a@x.com (u1)", personOf(&d.Granted[0]))
}
