package report

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ErrMerge is wrapped by every refusal of Merge.
var ErrMerge = errors.New("the shard reports do not make one report")

// Merge joins the reports of the N shards of one listing (rolecall list
// --tenants FILE --shard K/N, each K from 1 to N) into one report, as the
// listing of every tenant in one run would have written it: every shard's
// rows in report order (Compare), and one run record whose entries are
// every shard's tenants (by name), Started the earliest and Finished the
// latest shard's, ID a new one, and MergedRuns the shards' run ids in
// shard order. The rows' digests (ProviderRun.RowsSHA256) are those of
// the rows as a Writer writes them: write the report with one to record
// them.
//
// Merge refuses, with an error wrapping ErrMerge and naming the report by
// its place in reps (1 for the first), a report without a run record, a
// shard or a tenants file's digest; whose rows do not match its run
// record (Check); of another tenants file (Run.TenantsSHA256), another
// number of shards, or other --email or --principals filters than the
// first's; of a shard already given (overlapping); holding a tenant its
// shard does not (Shard.Holds), or one another report holds; and a set of
// reports missing a shard.
func Merge(reps []*Report) (*Report, error) {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrMerge, fmt.Sprintf(format, args...))
	}
	if len(reps) == 0 {
		return nil, refuse("no report to merge")
	}
	var shards []Shard
	var first *Run
	byShard := map[int]int{}
	owner := map[string]int{}
	for i, r := range reps {
		n := i + 1
		if r == nil || r.Run == nil {
			return nil, refuse("report %d has no run record: merge the reports of rolecall list --tenants FILE --shard K/N, with their sidecars", n)
		}
		run := r.Run
		if run.Shard == "" || run.TenantsSHA256 == "" {
			return nil, refuse("report %d is not a shard's (its run record names no shard or tenants file): list with --tenants FILE --shard K/N", n)
		}
		s, err := ParseShard(run.Shard)
		if err != nil {
			return nil, refuse("report %d: %v", n, err)
		}
		for _, c := range r.Check() {
			if c.Err != nil {
				return nil, refuse("report %d (shard %s): %v", n, s, c.Err)
			}
		}
		if first == nil {
			first = run
		}
		switch {
		case run.TenantsSHA256 != first.TenantsSHA256:
			return nil, refuse("report %d (shard %s) lists another tenants file than report 1 (tenants_sha256 %.12s…, not %.12s…): list every shard from the same file",
				n, s, run.TenantsSHA256, first.TenantsSHA256)
		case len(shards) > 0 && s.N != shards[0].N:
			return nil, refuse("report %d is shard %s, report 1 one of %d shards: merge the shards of one run", n, s, shards[0].N)
		case !slices.Equal(run.Emails, first.Emails) || !slices.Equal(run.Principals, first.Principals):
			return nil, refuse("report %d (shard %s) was listed with other --email or --principals than report 1: list every shard alike", n, s)
		}
		if j, dup := byShard[s.K]; dup {
			return nil, refuse("reports %d and %d are both shard %s: the shards overlap; give each shard once", j, n, s)
		}
		byShard[s.K] = n
		shards = append(shards, s)
		names := map[string]bool{}
		for _, p := range run.Providers {
			names[p.Name()] = true
		}
		for _, row := range r.Rows {
			names[row.TenantName()] = true
		}
		for _, name := range slices.Sorted(maps.Keys(names)) {
			if !s.Holds(name) {
				return nil, refuse("report %d holds the tenant %s, which is not in shard %s: was it listed with another --shard or tenants file?", n, name, s)
			}
			if j, dup := owner[name]; dup {
				return nil, refuse("reports %d and %d both hold the tenant %s: the shards overlap", j, n, name)
			}
			owner[name] = n
		}
	}
	var missing []string
	for k := 1; k <= shards[0].N; k++ {
		if _, ok := byShard[k]; !ok {
			missing = append(missing, Shard{K: k, N: shards[0].N}.String())
		}
	}
	if len(missing) > 0 {
		return nil, refuse("shard %s missing: merge every shard of the run", strings.Join(missing, ", "))
	}

	out := &Report{Format: reps[0].Format}
	run := &Run{Schema: RunSchema, ID: NewRunID(), Started: first.Started, Finished: first.Finished,
		Version: first.Version, Emails: first.Emails, Principals: first.Principals, Order: "sorted",
		TenantsSHA256: first.TenantsSHA256}
	order := slices.Clone(shards)
	slices.SortFunc(order, func(a, b Shard) int { return a.K - b.K })
	for _, s := range order {
		r := reps[byShard[s.K]-1]
		run.MergedRuns = append(run.MergedRuns, r.Run.ID)
		if r.Run.Started.Before(run.Started) {
			run.Started = r.Run.Started
		}
		if r.Run.Finished.After(run.Finished) {
			run.Finished = r.Run.Finished
		}
		for _, p := range r.Run.Providers {
			p.RowsSHA256 = ""
			run.Providers = append(run.Providers, p)
		}
		out.Rows = append(out.Rows, r.Rows...)
	}
	slices.SortStableFunc(run.Providers, func(a, b ProviderRun) int { return strings.Compare(a.Name(), b.Name()) })
	slices.SortStableFunc(out.Rows, func(a, b Row) int { return Compare(&a, &b) })
	out.Run = run
	return out, nil
}
