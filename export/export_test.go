package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the demo report")

// demoReport is the demo's report, as cmd/rolecall's golden file holds it
// (rolecall demo --format json; its tests keep it current).
func demoReport(t *testing.T) *report.Report {
	t.Helper()
	rep, err := report.ReadFile(filepath.Join("..", "cmd", "rolecall", "testdata", "demo.json.golden"))
	require.NoError(t, err)
	require.NotNil(t, rep.Run)
	require.True(t, rep.Run.Complete())
	return rep
}

// exported returns the files of rep in f, by name.
func exported(t *testing.T, rep *report.Report, f Format, o Options) map[string][]byte {
	t.Helper()
	files, err := Export(rep, f, o)
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, file := range files {
		require.NotContains(t, out, file.Name, "two files named alike")
		out[file.Name] = file.Data
	}
	return out
}

// The demo's exports are the golden files in testdata (go test ./export
// -update rewrites them), and the Baton export passes CheckBaton.
func TestGolden(t *testing.T) {
	rep := demoReport(t)
	for _, f := range Formats {
		for name, data := range exported(t, rep, f, Options{}) {
			golden := filepath.Join("testdata", "demo."+name)
			if *update {
				require.NoError(t, os.WriteFile(golden, data, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./export -update")
			assert.Equal(t, string(want), string(data), "%s: the export differs from %s", f, golden)
		}
	}
	matches, _ := filepath.Glob(filepath.Join("testdata", "demo.*"))
	assert.Len(t, matches, 6, "baton, c1-csv and one vanta file per provider (4): %v", matches)
}

// The same report gives the same bytes whatever order its rows are in and
// whichever format it was saved in.
func TestSameReportSameBytes(t *testing.T) {
	rep := demoReport(t)
	want := map[Format]map[string][]byte{}
	for _, f := range Formats {
		want[f] = exported(t, rep, f, Options{})
	}
	// The same rows in another order, written unsorted as csv and read back.
	rows := slices.Clone(rep.Rows)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	require.NotEqual(t, rep.Rows, rows)
	dir := t.TempDir()
	name := filepath.Join(dir, "shuffled.csv")
	var b bytes.Buffer
	w := report.NewWriter(&b, report.Options{Format: report.CSV, Unsorted: true})
	for _, r := range rows {
		require.NoError(t, w.Write(r))
	}
	run := *rep.Run
	run.Providers = slices.Clone(rep.Run.Providers)
	require.NoError(t, w.Finish(&run))
	require.NoError(t, os.WriteFile(name, b.Bytes(), 0o644))
	var side bytes.Buffer
	require.NoError(t, report.WriteRun(&side, &run))
	require.NoError(t, os.WriteFile(report.SidecarName(name), side.Bytes(), 0o644))
	again, err := report.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, report.CSV, again.Format)
	require.NotEqual(t, rep.Rows[0], again.Rows[0], "the csv holds the rows in another order")
	for _, f := range Formats {
		got := exported(t, again, f, Options{})
		require.Equal(t, len(want[f]), len(got))
		for name := range want[f] {
			assert.Equal(t, string(want[f][name]), string(got[name]), "%s %s", f, name)
		}
	}
}

// A report with a failed provider, or without a run record, is refused
// unless AllowPartial; then the export holds what the report holds.
func TestRefusesIncomplete(t *testing.T) {
	rep := demoReport(t)
	failed := *rep.Run
	failed.Providers = slices.Clone(rep.Run.Providers)
	failed.Providers[1].Status, failed.Providers[1].Error = report.StatusFailed, "HTTP 500"
	var rows []report.Row
	for _, r := range rep.Rows {
		if r.Provider != failed.Providers[1].Provider {
			rows = append(rows, r)
		}
	}
	partial := &report.Report{Format: report.JSON, Run: &failed, Rows: rows}
	bare := &report.Report{Format: report.JSON, Rows: rep.Rows}
	for _, f := range Formats {
		for _, r := range []*report.Report{partial, bare} {
			_, err := Export(r, f, Options{})
			require.ErrorIs(t, err, ErrIncomplete, "%s", f)
			files, err := Export(r, f, Options{AllowPartial: true})
			require.NoError(t, err, "%s", f)
			require.NotEmpty(t, files)
		}
	}
	_, err := Export(partial, Vanta, Options{})
	assert.ErrorContains(t, err, failed.Providers[1].Provider+" failed")
	files, err := Export(partial, Vanta, Options{AllowPartial: true})
	require.NoError(t, err)
	assert.Len(t, files, 3, "no file for the failed provider")
}

// Cells a spreadsheet would run as a formula are neutralised in both CSV
// exports and in the Baton export's display texts; identifiers are exact.
func TestNeutralizesFormulas(t *testing.T) {
	rep := demoReport(t)
	hostile := rep.Rows[0]
	hostile.UserID = "=1+1"
	hostile.Name = "=HYPERLINK(\"http://x\")"
	hostile.Email = "@evil.example"
	hostile.RoleName = "+role"
	r := &report.Report{Run: rep.Run, Rows: append(slices.Clone(rep.Rows), hostile)}
	for _, f := range []Format{C1CSV, Vanta} {
		for name, data := range exported(t, r, f, Options{}) {
			recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			require.NoError(t, err, name)
			for _, rec := range recs {
				for _, c := range rec {
					if c != "" {
						assert.NotContains(t, "=+-@\t\r", c[:1], "%s: cell %q", name, c)
					}
				}
			}
		}
	}
	c1 := string(exported(t, r, C1CSV, Options{})["rolecall.c1.csv"])
	assert.Contains(t, c1, `'=HYPERLINK(""http://x"")`)
	var f BatonFile
	require.NoError(t, json.Unmarshal(exported(t, r, Baton, Options{})["rolecall.baton.json"], &f))
	found := false
	for _, u := range f.Users {
		if strings.HasSuffix(u.ID, ":=1+1") {
			found = true
			assert.Equal(t, `'=HYPERLINK("http://x")`, u.DisplayName)
			assert.Equal(t, "'@evil.example", u.Email)
		}
	}
	assert.True(t, found, "the hostile user, by its exact id")
}

// Ids are namespaced by system and kind, and escaped: a key and a user
// with the same id, and ids that differ only in where a ":" falls, stay
// distinct.
func TestIDsUnique(t *testing.T) {
	base := report.Row{Provider: "openai", UserID: "u1", RoleID: "r", Scope: "a:b", PrincipalKind: "user"}
	other := base
	other.Scope, other.RoleID = "a", "b:r"
	key := base
	key.PrincipalKind = "api_key"
	cortex := base
	cortex.Provider = "cortex"
	run := &report.Run{Providers: []report.ProviderRun{{Provider: "openai", Status: report.StatusComplete},
		{Provider: "cortex", Status: report.StatusComplete}}}
	data := exported(t, &report.Report{Run: run, Rows: []report.Row{base, other, key, cortex}}, Baton, Options{})
	var f BatonFile
	require.NoError(t, json.Unmarshal(data["rolecall.baton.json"], &f))
	assert.Len(t, f.Users, 3, "openai user, openai key, cortex user")
	assert.Len(t, f.DirectUserGrants, 4)
	var roles []string
	for _, r := range f.Resources {
		if r.Trait == "role" {
			roles = append(roles, r.ID)
		}
	}
	assert.Equal(t, []string{"cortex:role:a%3Ab:r", "openai:role:a%3Ab:r", "openai:role:a:b%3Ar"}, roles)
}

// CheckBaton refuses what baton-file's loader refuses.
func TestCheckBatonRefuses(t *testing.T) {
	good := exported(t, demoReport(t), Baton, Options{})["rolecall.baton.json"]
	require.NoError(t, CheckBaton(good))
	for name, edit := range map[string]func(m map[string]any){
		"duplicate id": func(m map[string]any) {
			us := m["users"].([]any)
			us[1].(map[string]any)["id"] = us[0].(map[string]any)["id"]
		},
		"a user id that is a resource's": func(m map[string]any) {
			m["users"].([]any)[0].(map[string]any)["id"] = m["resources"].([]any)[0].(map[string]any)["id"]
		},
		"bad trait":        func(m map[string]any) { m["resources"].([]any)[0].(map[string]any)["trait"] = "project" },
		"no slug":          func(m map[string]any) { m["entitlements"].([]any)[0].(map[string]any)["entitlement_slug"] = "" },
		"dangling parent":  func(m map[string]any) { m["resources"].([]any)[2].(map[string]any)["parent_resource"] = "nope" },
		"dangling grant":   func(m map[string]any) { m["direct_user_grants"].([]any)[0].(map[string]any)["entitlement_slug"] = "x" },
		"grant to a group": func(m map[string]any) { setPrincipalToGroup(m) },
		"old grants":       func(m map[string]any) { m["grants"] = []any{} },
		"old name field":   func(m map[string]any) { m["users"].([]any)[0].(map[string]any)["name"] = "x" },
		"bad depth": func(m map[string]any) {
			m["grant_inheritance_mappings"].([]any)[0].(map[string]any)["inheritance_depth"] = "deep"
		},
	} {
		var m map[string]any
		require.NoError(t, json.Unmarshal(good, &m))
		edit(m)
		b, err := json.Marshal(m)
		require.NoError(t, err)
		assert.Error(t, CheckBaton(b), name)
	}
}

// setPrincipalToGroup makes the first grant's principal a group resource.
func setPrincipalToGroup(m map[string]any) {
	for _, r := range m["resources"].([]any) {
		if r := r.(map[string]any); r["trait"] == "group" {
			m["direct_user_grants"].([]any)[0].(map[string]any)["principal_id"] = r["id"]
			return
		}
	}
}

// Vanta gets one file per system; service accounts, keys and applications
// are "Not a person", people are owned by their email.
func TestVantaAccounts(t *testing.T) {
	rep := demoReport(t)
	files := exported(t, rep, Vanta, Options{})
	kinds := map[string]bool{}
	for _, r := range rep.Rows {
		kinds[r.Kind()] = true
	}
	require.True(t, kinds["api_key"] && kinds["service_account"] && kinds["application"], "the demo has machines")
	var providers []string
	for _, p := range rep.Run.Providers {
		providers = append(providers, "vanta-"+p.Provider+".csv")
	}
	assert.ElementsMatch(t, providers, mapsKeys(files))
	machines := 0
	for name, data := range files {
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, VantaHeader, recs[0], name)
		for _, rec := range recs[1:] {
			kind, _, _ := strings.Cut(rec[0], ": ")
			switch kind {
			case "service_account", "api_key", "application", "group":
				machines++
				assert.Equal(t, "Not a person", rec[1], "%s: %v", name, rec)
			default:
				assert.True(t, strings.Contains(rec[1], "@") || rec[1] == "No owner", "%s: %v", name, rec)
			}
			assert.Contains(t, []string{"Active", "Deactivated"}, rec[3])
			assert.NotEmpty(t, rec[2])
		}
	}
	assert.Positive(t, machines)
	_, err := ParseFormat("vanta-csv")
	assert.Error(t, err)
	assert.False(t, errors.Is(err, ErrIncomplete))
}

func mapsKeys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Two tenants of one provider (rolecall list --tenants) are two systems:
// the same user and role in each make distinct ids and two Vanta files.
func TestTenantsAreSystems(t *testing.T) {
	rep := demoReport(t)
	var rows []report.Row
	for _, r := range rep.Rows {
		if r.Provider == "cortex" {
			for _, tenant := range []string{"cortex-eu", "cortex-us"} {
				r.Tenant = tenant
				rows = append(rows, r)
			}
		}
	}
	rep.Rows = rows
	rep.Run = nil
	vanta := exported(t, rep, Vanta, Options{AllowPartial: true})
	assert.ElementsMatch(t, []string{"vanta-cortex-eu.csv", "vanta-cortex-us.csv"}, mapsKeys(vanta))
	baton := exported(t, rep, Baton, Options{AllowPartial: true})
	require.Len(t, baton, 1)
	for _, data := range baton {
		require.NoError(t, CheckBaton(data), "ids unique across the two tenants")
		assert.Contains(t, string(data), `"cortex-eu:`)
		assert.Contains(t, string(data), `"cortex-us:`)
	}
}
