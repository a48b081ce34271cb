package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
)

type (
	finding = review.FindingRecord
	person  = review.PersonRecord
)

// envelope is the JSON form of people and review: the run record, then
// the people or the findings.
type envelope struct {
	Run      *report.Run `json:"run"`
	People   []person    `json:"people"`
	Findings []finding   `json:"findings"`
}

// parseEnvelope reads a JSON people or review report, which carries its
// run record.
func parseEnvelope(t *testing.T, out string) envelope {
	t.Helper()
	var doc envelope
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	require.NotNil(t, doc.Run, "the run record leads the envelope")
	assert.Equal(t, report.RunSchema, doc.Run.Schema)
	return doc
}

func parseFindings(t *testing.T, format, out string) []finding {
	t.Helper()
	var fs []finding
	switch format {
	case "json":
		fs = parseEnvelope(t, out).Findings
	case "ndjson":
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var f finding
			require.NoError(t, json.Unmarshal([]byte(l), &f), l)
			fs = append(fs, f)
		}
	case "csv", "table":
		var recs [][]string
		if format == "csv" {
			var err error
			recs, err = csv.NewReader(strings.NewReader(out)).ReadAll()
			require.NoError(t, err)
			require.Equal(t, review.FindingFields, recs[0])
		} else {
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			require.Equal(t, "KIND", strings.Fields(lines[0])[0])
			for _, l := range lines {
				recs = append(recs, strings.Fields(l)[:5]) // the first five cells have no blanks
			}
		}
		col := func(name string) int { // by the header: the table shows fewer columns than CSV holds
			i := slices.IndexFunc(recs[0], func(h string) bool { return strings.EqualFold(h, name) })
			require.GreaterOrEqual(t, i, 0, "column %s in %v", name, recs[0])
			return i
		}
		k, d, p, pr, u := col("kind"), col("disposition"), col("person"), col("provider"), col("user_id")
		for _, r := range recs[1:] {
			fs = append(fs, finding{Kind: r[k], Disposition: r[d], Person: r[p], Provider: r[pr], UserID: r[u]})
		}
	}
	return fs
}

func kinds(fs []finding, disposition string) []string {
	var out []string
	for _, f := range fs {
		if (disposition == "" || f.Disposition == disposition) && !slices.Contains(out, f.Kind) {
			out = append(out, f.Kind)
		}
	}
	slices.Sort(out)
	return out
}

var allKinds = func() []string {
	var out []string
	for _, k := range review.Kinds {
		out = append(out, string(k))
	}
	slices.Sort(out)
	return out
}()

// TestE2EDemoReview: `rolecall demo people` and `rolecall demo review`
// need no credentials, show every kind of finding from the embedded data,
// and their output is golden.
func TestE2EDemoReview(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"table", "json", "csv", "ndjson"} {
		r := exe(t, env{}, "demo", "review", "--format", format)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stderr)
		fs := parseFindings(t, format, r.stdout)
		assert.Equal(t, allKinds, kinds(fs, ""), "%s: every kind of finding", format)
		// The demo policy exempts OpenAI's service accounts (the usage-export
		// job) from activity-unknown: the access graph lists them.
		assert.Equal(t, []string{"activity-unknown", "dormant-privileged", "not-on-roster"}, kinds(fs, "exempt"), "exemptions are shown")
		if format == "table" || format == "json" {
			golden(t, "demo-review."+format+".golden", r.stdout)
		}
	}
	r := exe(t, env{}, "demo", "review", "--fail-on-findings")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "open findings (--fail-on-findings)")

	for _, format := range []string{"table", "json", "csv", "ndjson"} {
		r := exe(t, env{}, "demo", "people", "--format", format)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		assert.Empty(t, r.stderr)
		if format == "table" || format == "json" {
			golden(t, "demo-people."+format+".golden", r.stdout)
		}
	}
	r = exe(t, env{}, "demo", "people", "--format", "json")
	doc := parseEnvelope(t, r.stdout)
	assert.Equal(t, "demo", doc.Run.ID, "the demo's run record is fixed")
	assert.True(t, doc.Run.Complete())
	people := doc.People
	shared := 0
	for _, p := range people {
		if len(p.Providers) == 4 {
			shared++
			emails := map[string]bool{}
			for _, a := range p.Accounts {
				emails[a.Email] = true
			}
			assert.Len(t, emails, 4, "%s: one person, four spellings of the email", p.Person)
		}
	}
	assert.Equal(t, providertest.SharedPeople, shared)

	// The demo's policy and clock can be replaced.
	dir := t.TempDir()
	policy := filepath.Join(dir, "p.json")
	require.NoError(t, os.WriteFile(policy, []byte(`{"dormant_after_days": 1000}`), 0o600))
	r = exe(t, env{}, "demo", "review", "--policy", policy, "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, kinds(parseFindings(t, "json", r.stdout), ""), "dormant-privileged")
	r = exe(t, env{}, "demo", "review", "--as-of", "2026-06-01", "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	for _, f := range parseFindings(t, "json", r.stdout) {
		assert.False(t, f.Kind == "dormant-privileged" && f.Provider == "openai", "18 days of inactivity is not dormant: %+v", f)
	}
}

// TestE2EReview runs people and review over the conformance suite's
// tenants (providertest.NewTenant, one fake per provider), with a roster, a
// policy and its exemptions, in every format.
func TestE2EReview(t *testing.T) {
	t.Parallel()
	srvs, e := fakes(t, 12, providertest.Options{ShortPages: true})
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(policy, []byte(`
company_domains: [example.com, example.org, corp.example.net]
max_key_age_days: 365
exemptions:
  - email: `+providertest.BreakGlassEmail+`
    type: break-glass
    reason: sealed
`), 0o600))
	// The roster: every email of the tenants but the first Cortex user's
	// (orphaned), and the first shared person terminated.
	var roster strings.Builder
	roster.WriteString("email,status,name\n")
	seen := map[string]bool{}
	cortexFirst := strings.ToLower(srvs["cortex"].Tenant().Users[1].Email)
	for _, p := range providerNames {
		for i, u := range srvs[p].Tenant().Users {
			em := strings.ToLower(u.Email)
			if em == "" || seen[em] || em == cortexFirst || em == providertest.BreakGlassEmail {
				continue
			}
			seen[em] = true
			status := "active"
			if i == 0 {
				status = "terminated"
			}
			roster.WriteString(em + "," + status + ",\n")
		}
	}
	rosterFile := filepath.Join(dir, "roster.csv")
	require.NoError(t, os.WriteFile(rosterFile, []byte(roster.String()), 0o600))
	base := args([]string{"review", "--roster", rosterFile, "--policy", policy, "--as-of", "2026-11-30T00:00:00Z"}, fast)

	var first []finding
	for _, format := range []string{"table", "json", "ndjson", "csv"} {
		r := exe(t, e, args(base, []string{"--format", format})...)
		require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
		fs := parseFindings(t, format, r.stdout)
		assert.Equal(t, allKinds, kinds(fs, ""), "%s: every kind of finding", format)
		assert.Equal(t, []string{"dormant-privileged", "not-on-roster"}, kinds(fs, "exempt"), format)
		if first == nil {
			first = fs
		} else {
			assert.Len(t, fs, len(first), "%s lists what table lists", format)
		}
		for _, f := range fs {
			if f.Kind == "terminated" {
				assert.Contains(t, []string{srvs["openai"].Tenant().Users[0].ID, srvs["vectara"].Tenant().Users[0].ID,
					srvs["logto"].Tenant().Users[0].ID, strings.ToLower(srvs["cortex"].Tenant().Users[0].Email),
					srvs["cortex"].Tenant().Users[0].Email}, f.UserID, "only user 0, the terminated shared person")
			}
			if f.Kind == "not-on-roster" && f.Disposition == "open" {
				assert.Equal(t, "cortex", f.Provider)
			}
		}
	}
	r := exe(t, e, args(base, []string{"--fail-on-findings"})...)
	assert.Equal(t, 1, r.code, r.stderr)

	// Everything exempt: no open finding, and --fail-on-findings passes.
	// Humans and service accounts by their account type; the principals
	// that have none (keys, groups, invitations) by their ids, as a policy
	// names them.
	all := filepath.Join(dir, "all.yaml")
	exempt := "exemptions:\n  - {account_type: human, type: service, reason: test}\n" +
		"  - {account_type: service, type: service, reason: test}\n"
	named := map[string]bool{}
	for _, row := range srvs["openai"].Tenant().Rows() {
		if k := row.Principal; k != "user" && k != "service_account" && !named[row.UserID] {
			named[row.UserID] = true
			exempt += fmt.Sprintf("  - {provider: openai, user_id: %q, type: service, reason: test}\n", row.UserID)
		}
	}
	require.NotEmpty(t, named, "the tenant has keys, groups or invitations")
	require.NoError(t, os.WriteFile(all, []byte(exempt), 0o600))
	r = exe(t, e, args([]string{"review", "--provider", "openai", "--policy", all, "--fail-on-findings", "--format", "json"}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)
	fs := parseFindings(t, "json", r.stdout)
	require.NotEmpty(t, fs)
	for _, f := range fs {
		assert.Equal(t, "exempt", f.Disposition)
	}

	// people: the shared people are one row each, with every provider.
	for _, format := range []string{"table", "json", "ndjson", "csv"} {
		r := exe(t, e, args([]string{"people", "--policy", policy, "--format", format}, fast)...)
		require.Equal(t, 0, r.code, r.stderr)
		shared := strings.ToLower(srvs["openai"].Tenant().Users[0].Email)
		switch format {
		case "json":
			people := parseEnvelope(t, r.stdout).People
			i := slices.IndexFunc(people, func(p person) bool { return p.Person == shared })
			require.GreaterOrEqual(t, i, 0)
			assert.Equal(t, []string{"cortex", "logto", "openai", "vectara"}, people[i].Providers)
			assert.True(t, people[i].Privileged)
			assert.NotEmpty(t, people[i].LastActivity)
		case "csv":
			recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
			require.NoError(t, err)
			assert.Equal(t, review.PeopleFields, recs[0])
			n := 0
			for _, rec := range recs[1:] {
				if rec[0] == shared {
					n++
					assert.Equal(t, "cortex,logto,openai,vectara", rec[2])
				}
			}
			assert.Equal(t, 1, n, "one row for the shared person")
		case "ndjson":
			n := 0
			for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
				var p person
				require.NoError(t, json.Unmarshal([]byte(l), &p))
				if p.Person == shared {
					n++
				}
			}
			assert.Equal(t, 1, n, "one line for the shared person")
		default:
			assert.Equal(t, 1, strings.Count(r.stdout, shared), "%s: one row for the shared person", format)
		}
	}

	// Usage errors.
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("dormant_after: 3\n"), 0o600))
	for _, a := range [][]string{
		{"review", "--policy", bad},
		{"review", "--policy", filepath.Join(dir, "missing.yaml")},
		{"review", "--roster", policy},
		{"review", "--as-of", "yesterday"},
		{"review", "--format", "xml"},
		{"people", "--roster", rosterFile},
		{"demo", "review", "extra"},
	} {
		r := inproc(t, e, a...)
		assert.Equal(t, 2, r.code, "%v: %s", a, r.stderr)
	}
}

// TestE2EListPolicy: list's privileged column follows --policy where it
// names the provider, and each provider's default rule elsewhere.
func TestE2EListPolicy(t *testing.T) {
	t.Parallel()
	_, e := fakes(t, 8, providertest.Options{})
	policy := filepath.Join(t.TempDir(), "policy.json")
	require.NoError(t, os.WriteFile(policy, []byte(`{"privileged": {"cortex": ["USER"]}}`), 0o600))
	r := exe(t, e, args([]string{"list", "--policy", policy, "--format", "json"}, fast)...)
	require.Equal(t, 0, r.code, r.stderr)
	seen := map[string]bool{}
	for _, row := range parseReport(t, "json", r.stdout) {
		switch row.Provider {
		case "cortex":
			assert.Equal(t, row.RoleID == "USER", row.Privileged, "cortex %s: the policy's rule", row.RoleID)
		case "vectara":
			want := oracle([]report.Row{row}, "vectara")[0]
			assert.Equal(t, providertest.Privileged(&want), row.Privileged, "vectara %s %s: the default rule", row.PrincipalKind, row.RoleID)
		}
		seen[row.Provider] = true
	}
	assert.Len(t, seen, 4)
}

// TestE2EReviewProviderFails: a provider that fails is left out of people
// and review, stderr says so and the exit code is 1.
func TestE2EReviewProviderFails(t *testing.T) {
	t.Parallel()
	_, e := fakes(t, 6, providertest.Options{})
	e = e.merge(env{"VECTARA_API_KEY": "wrong-key"})
	for _, cmd := range []string{"people", "review"} {
		r := exe(t, e, args([]string{cmd, "--format", "json", "--max-retries", "0"})...)
		require.Equal(t, 1, r.code, r.stderr)
		assert.Contains(t, r.stderr, "vectara: ")
		assert.Contains(t, r.stderr, "the report holds cortex, openai, logto only")
		doc := parseEnvelope(t, r.stdout)
		assert.Equal(t, report.StatusFailed, doc.Run.Provider("vectara").Status, "the run record says it failed")
		assert.Contains(t, doc.Run.Provider("vectara").Error, "vectara")
		assert.Zero(t, doc.Run.Provider("vectara").Assignments)
		assert.Equal(t, report.StatusComplete, doc.Run.Provider("openai").Status)
		assert.Positive(t, doc.Run.Provider("openai").Assignments)
		items, err := json.Marshal([]any{doc.People, doc.Findings})
		require.NoError(t, err)
		assert.NotContains(t, string(items), `"vectara"`, "%s: nothing of the failed provider", cmd)
		assert.Contains(t, string(items), `"openai"`)
	}
}

// TestReviewRunRecordAndCSV: people and review written to a file keep
// their run record beside an ndjson or csv report (and in --run-file),
// and --csv-raw turns off the CSV neutralising as it does for list.
func TestReviewRunRecordAndCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "findings.csv")
	runFile := filepath.Join(dir, "run.json")
	r := inproc(t, env{}, "demo", "review", "--format", "csv", "--output", out, "--run-file", runFile)
	require.Equal(t, 0, r.code, r.stderr)
	for _, name := range []string{report.SidecarName(out), runFile} {
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		var run report.Run
		require.NoError(t, json.Unmarshal(b, &run), name)
		assert.Equal(t, "demo", run.ID)
		assert.Len(t, run.Providers, 4)
		assert.True(t, run.Complete())
	}

	// A person named like a formula: neutralised unless --csv-raw.
	tn := providertest.NewTenant("cortex", 8, 1)
	tn.Users[0].Email = "=cmd@partner.example"
	tn.Users[0].ID = tn.Users[0].Email
	srv := providertest.NewServer(t, "cortex", providertest.Options{Tenant: tn})
	e := envFor("cortex", srv.URL(), srv.Token())
	r = inproc(t, e, "people", "--format", "csv")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "\n'=cmd@partner.example,")
	r = inproc(t, e, "people", "--format", "csv", "--csv-raw")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "\n=cmd@partner.example,")
}

// TestReviewFailedRunKeepsTheGoodReport: people and review follow list's
// rules for a failed run written with --output: the existing file is left
// as it was, the report (and, for ndjson and csv, its run record) goes to
// FILE.partial, stderr says so and the exit code is 1; --partial writes
// FILE itself. Neither takes --unsorted, and their help says why.
func TestReviewFailedRunKeepsTheGoodReport(t *testing.T) {
	t.Parallel()
	_, good := fake(t, "cortex", 6, providertest.Options{})
	bad := good.merge(env{"CORTEX_API_TOKEN": "bad"})
	for _, cmd := range []string{"people", "review"} {
		for _, format := range []string{"json", "csv", "ndjson", "table"} {
			dir := t.TempDir()
			keep := filepath.Join(dir, "keep."+format)
			r := inproc(t, good, cmd, "--format", format, "--output", keep)
			require.Equal(t, 0, r.code, r.stderr)
			before, err := os.ReadFile(keep)
			require.NoError(t, err)

			r = inproc(t, bad, cmd, "--format", format, "--output", keep, "--max-retries", "0")
			require.Equal(t, 1, r.code, r.stderr)
			now, err := os.ReadFile(keep)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(now), "%s %s: the good report is untouched", cmd, format)
			assert.Contains(t, r.stderr, "wrote "+keep+".partial", "%s %s", cmd, format)
			assert.FileExists(t, keep+".partial")
			if format == "csv" || format == "ndjson" {
				b, err := os.ReadFile(report.SidecarName(keep + ".partial"))
				require.NoError(t, err, "%s %s: the partial report's run record", cmd, format)
				var run report.Run
				require.NoError(t, json.Unmarshal(b, &run))
				assert.False(t, run.Complete())
				b, err = os.ReadFile(report.SidecarName(keep))
				require.NoError(t, err)
				require.NoError(t, json.Unmarshal(b, &run))
				assert.True(t, run.Complete(), "%s %s: the good report's run record is untouched", cmd, format)
			}
			if format == "json" {
				doc := parseEnvelope(t, string(mustRead(t, keep+".partial")))
				assert.Equal(t, report.StatusFailed, doc.Run.Provider("cortex").Status)
			}

			r = inproc(t, bad, cmd, "--format", format, "--output", keep, "--max-retries", "0", "--partial")
			require.Equal(t, 1, r.code, r.stderr)
			now, err = os.ReadFile(keep)
			require.NoError(t, err)
			assert.NotEqual(t, string(before), string(now), "%s %s: --partial writes the output itself", cmd, format)
		}
		r := inproc(t, good, cmd, "--unsorted")
		assert.Equal(t, 2, r.code, "%s takes no --unsorted", cmd)
		r = inproc(t, good, cmd, "--help")
		require.Equal(t, 0, r.code)
		assert.Contains(t, r.stdout, "\n  --partial")
		assert.Contains(t, r.stdout, "no --unsorted")
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return b
}
