package report_test

import (
	"errors"
	"fmt"
	"log"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/report"
)

// shardReport is the report of shard s listing tenants (all of provider
// openai), each holding one role, with the tenants file's digest sum.
func shardReport(s, sum string, tenants ...string) *report.Report {
	rep := &report.Report{Format: report.JSON, Run: &report.Run{Schema: report.RunSchema, ID: "run-" + s,
		Order: "sorted", TenantsSHA256: sum, Shard: s}}
	for _, t := range tenants {
		rep.Rows = append(rep.Rows, report.Row{Provider: "openai", Tenant: t, UserID: "u-" + t, RoleID: "owner"})
		rep.Run.Providers = append(rep.Run.Providers, report.ProviderRun{Provider: "openai", Tenant: t,
			Status: report.StatusComplete, Assignments: 1})
	}
	return rep
}

// Join the reports of two shards of one tenants file into one report.
func ExampleMerge() {
	// The shards' reports, as report.ReadFile returns them: shard 1/2
	// listed openai-eu and openai-us, shard 2/2 logto-eu (the tenants'
	// shards are report.Shard{K: k, N: 2}.Holds(name)).
	one := shardReport("1/2", "4f2a", "openai-eu", "openai-us")
	two := shardReport("2/2", "4f2a", "logto-eu")

	merged, err := report.Merge([]*report.Report{two, one})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range merged.Run.Providers {
		fmt.Println(p.Name(), p.Status, p.Assignments)
	}
	fmt.Println(len(merged.Rows), "rows from", merged.Run.MergedRuns)

	_, err = report.Merge([]*report.Report{one})
	fmt.Println(err)
	// Output:
	// logto-eu complete 1
	// openai-eu complete 1
	// openai-us complete 1
	// 3 rows from [run-1/2 run-2/2]
	// the shard reports do not make one report: shard 2/2 missing: merge every shard of the run
}

// Merge refuses every set of reports that is not the shards of one run,
// each once.
func TestMergeRefusals(t *testing.T) {
	one := shardReport("1/2", "aa", "openai-eu", "openai-us")
	two := shardReport("2/2", "aa", "logto-eu")
	otherFile := shardReport("2/2", "bb", "logto-eu")
	wrongShard := shardReport("2/2", "aa", "openai-eu")
	threeShards := shardReport("2/3", "aa")
	noShard := shardReport("", "aa", "logto-eu")
	noRecord := &report.Report{Rows: one.Rows}
	miscounted := shardReport("2/2", "aa", "logto-eu")
	miscounted.Run.Providers[0].Assignments = 2
	emails := shardReport("2/2", "aa", "logto-eu")
	emails.Run.Emails = []string{"a@example.com"}
	for _, tc := range []struct {
		name string
		reps []*report.Report
		want string
	}{
		{"none", nil, "no report"},
		{"overlap", []*report.Report{one, two, one}, "reports 1 and 3 are both shard 1/2"},
		{"missing", []*report.Report{two}, "shard 1/2 missing"},
		{"another file", []*report.Report{one, otherFile}, "another tenants file"},
		{"tenant of another shard", []*report.Report{one, wrongShard}, "openai-eu, which is not in shard 2/2"},
		{"another number of shards", []*report.Report{one, threeShards}, "report 2 is shard 2/3, report 1 one of 2 shards"},
		{"no shard", []*report.Report{one, noShard}, "report 2 is not a shard's"},
		{"no run record", []*report.Report{noRecord}, "report 1 has no run record"},
		{"rows not the record's", []*report.Report{one, miscounted}, "report 2 (shard 2/2)"},
		{"other filters", []*report.Report{one, emails}, "other --email or --principals"},
	} {
		_, err := report.Merge(tc.reps)
		require.Error(t, err, tc.name)
		assert.True(t, errors.Is(err, report.ErrMerge), tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
	m, err := report.Merge([]*report.Report{two, one})
	require.NoError(t, err)
	assert.Equal(t, []string{"logto-eu", "openai-eu", "openai-us"}, []string{m.Rows[0].Tenant, m.Rows[1].Tenant, m.Rows[2].Tenant})
	assert.Empty(t, m.Check()[0].Err)
}

// A shard is a hash of the tenant's name: each name is in exactly one
// shard of N, and appending tenants moves none.
func TestShardHolds(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		for _, name := range []string{"a", "openai-eu", "logto-us", "cortex-b"} {
			in := 0
			for k := 1; k <= n; k++ {
				if (report.Shard{K: k, N: n}).Holds(name) {
					in++
				}
			}
			assert.Equal(t, 1, in, "%s in %d shards of %d", name, in, n)
		}
	}
	// Pinned: a shard must not move between rolecall versions, or the
	// shards of one run listed by two versions would not merge.
	assert.True(t, report.Shard{K: 2, N: 2}.Holds("logto-eu"))
	assert.True(t, report.Shard{K: 1, N: 2}.Holds("openai-eu"))
	s, err := report.ParseShard("2/3")
	require.NoError(t, err)
	assert.Equal(t, "2/3", s.String())
	for _, bad := range []string{"", "3", "0/3", "4/3", "a/b", "1/0", "-1/2"} {
		_, err := report.ParseShard(bad)
		assert.Error(t, err, bad)
	}
}
