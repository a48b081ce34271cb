package review

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/report"
)

var asOf = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

func days(n int) time.Time { return asOf.Add(-time.Duration(n) * 24 * time.Hour) }

// sample is one of each case.
var sample = []facade.Assignment{
	{Provider: "cortex", UserID: "Ada@Example.com", Email: "Ada@Example.com", Name: "Ada", RoleID: "ADMIN", RoleName: "ADMIN",
		RoleKind: facade.Builtin, Privileged: true},
	{Provider: "logto", UserID: "l1", Email: " ada@example.COM ", RoleID: "r1", RoleName: "admin", Status: facade.StatusActive,
		LastActivity: days(5), Privileged: true},
	{Provider: "logto", UserID: "l2", Email: "ada+ops@example.com", RoleID: "r2", RoleName: "viewer", Status: facade.StatusActive,
		LastActivity: days(1)},
	{Provider: "vectara", UserID: "usr_b", Email: "bob@example.com", RoleID: "administrator", RoleName: "administrator",
		Status: facade.StatusDisabled, Disabled: true, Privileged: true},
	{Provider: "vectara", UserID: "usr_b", Email: "bob@example.com", RoleID: "viewer", RoleName: "viewer", Scope: "corpus/docs",
		Status: facade.StatusDisabled, Disabled: true},
	{Provider: "openai", UserID: "u-c", Email: "carol@example.com", RoleID: "owner", RoleName: "owner", Scope: "api.organization",
		Status: facade.StatusActive, AccountType: facade.Human, LastActivity: days(200), Privileged: true},
	{Provider: "openai", UserID: "u-svc", Email: "bot@example.com", RoleID: "owner", RoleName: "owner", Scope: "api.organization",
		Status: facade.StatusActive, AccountType: facade.Service, LastActivity: days(120), Privileged: true},
	{Provider: "logto", UserID: "l3", RoleID: "r2", RoleName: "viewer", Status: facade.StatusActive},
	{Provider: "openai", UserID: "u-x", Email: "=cmd@partner.example", RoleID: "reader", RoleName: "reader",
		Scope: "api.organization", Status: facade.StatusActive, LastActivity: days(2)},
	{Provider: "logto", UserID: "l4", Email: "glass@example.com", RoleID: "r1", RoleName: "admin", Status: facade.StatusActive,
		LastActivity: days(400), Privileged: true},
	{Provider: "logto", UserID: "l5", Email: "dan@example.com", RoleID: "r2", RoleName: "viewer", Status: facade.StatusSuspended,
		Disabled: true},
}

const samplePolicy = `
company_domains: [example.com]
exemptions:
  - email: GLASS@example.com
    type: break-glass
    reason: sealed, tested quarterly
  - provider: openai
    account_type: service
    type: service
    reason: the billing job
    findings: [dormant-privileged, not-on-roster]
`

const sampleRoster = "Email,Status,Name,Manager\nada@example.com,active,Ada,\nbob@example.com,Terminated,Bob,Ada\n" +
	"carol@example.com,active,,\ndan@example.com,active,,\n"

func TestJoin(t *testing.T) {
	people := Join(sample, nil)
	var keys []string
	for _, p := range people {
		keys = append(keys, p.Key)
	}
	assert.Equal(t, []string{"=cmd@partner.example", "ada+ops@example.com", "ada@example.com", "bob@example.com",
		"bot@example.com", "carol@example.com", "dan@example.com", "glass@example.com", "logto:l3"}, keys,
		"joined on the trimmed, case-folded email; +tag distinct; no email last")
	ada := people[2]
	assert.Equal(t, []string{"cortex", "logto"}, ada.Providers())
	assert.Equal(t, "Ada", ada.Name)
	assert.True(t, ada.Privileged())
	assert.False(t, ada.Disabled())
	assert.Equal(t, days(5), ada.LastActivity())
	bob := people[3]
	require.Len(t, bob.Accounts, 1)
	assert.Len(t, bob.Accounts[0].Roles, 2, "one account, two roles")
	assert.True(t, bob.Disabled())

	folded := Join(sample, &Policy{FoldPlusTags: true})
	assert.Equal(t, "ada@example.com", folded[1].Key)
	assert.Len(t, folded[1].Accounts, 3, "with fold_plus_tags, ada+ops is ada")
}

func TestPrivilegedOverride(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"privileged": {"logto": ["VIEW*"], "cortex": []}}`))
	require.NoError(t, err, "JSON is a policy too")
	people := Join(sample, p)
	for _, person := range people {
		for _, a := range person.Accounts {
			for _, r := range a.Roles {
				switch a.Provider {
				case "logto":
					assert.Equal(t, r.Name == "viewer", r.Privileged, "logto %s: the policy's patterns replace the rule", r.Name)
				case "cortex":
					assert.False(t, r.Privileged, "an empty list: nothing is privileged")
				case "vectara":
					assert.Equal(t, r.ID == "administrator", r.Privileged, "not in the policy: the default rule")
				}
			}
		}
	}
}

func findings(t *testing.T, policy, roster string) []Finding {
	t.Helper()
	p, err := ParsePolicy([]byte(policy))
	require.NoError(t, err)
	o := Options{Policy: p, AsOf: asOf}
	if roster != "" {
		o.Roster, err = ReadRoster(strings.NewReader(roster))
		require.NoError(t, err)
	}
	return Review(Join(sample, p), o)
}

// brief is a finding as "kind disposition provider/user_id".
func brief(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Kind)+" "+f.Disposition()+" "+f.Provider+"/"+f.UserID)
	}
	return out
}

func TestReview(t *testing.T) {
	fs := findings(t, samplePolicy, sampleRoster)
	assert.Equal(t, []string{
		"not-on-roster open openai/u-x",
		"external-domain open openai/u-x",
		"not-on-roster open logto/l2",
		"activity-unknown notice cortex/Ada@Example.com",
		"disabled-with-roles open vectara/usr_b",
		"terminated open vectara/usr_b",
		"activity-unknown notice vectara/usr_b",
		"not-on-roster exempt openai/u-svc",
		"dormant-privileged exempt openai/u-svc",
		"dormant-privileged open openai/u-c",
		"disabled-with-roles open logto/l5",
		"not-on-roster exempt logto/l4",
		"dormant-privileged exempt logto/l4",
		"no-email open logto/l3",
	}, brief(fs))
	assert.Equal(t, 8, Open(fs))
	byKind := map[Kind]Finding{}
	for _, f := range fs {
		if _, ok := byKind[f.Kind]; !ok && !f.Exempt() {
			byKind[f.Kind] = f // the first open one of each kind
		}
	}
	assert.Equal(t, "last active 2026-05-14, 200 days before 2026-11-30 (threshold 90 days)", byKind[Dormant].Reason)
	assert.Equal(t, []string{"owner (api.organization)"}, byKind[Dormant].Roles)
	assert.Equal(t, "the account is disabled but still holds 2 roles", byKind[Disabled].Reason)
	assert.Equal(t, []string{"administrator", "viewer (corpus/docs)"}, byKind[Disabled].Roles)
	assert.Equal(t, "partner.example is not a company domain (example.com)", byKind[External].Reason)
	assert.Equal(t, "bob@example.com", byKind[TerminatedEmployee].Person)

	// Without a roster or company domains, those findings go; a longer
	// threshold makes nobody dormant.
	fs = findings(t, "dormant_after_days: 365\n", "")
	assert.Equal(t, []string{
		"activity-unknown notice cortex/Ada@Example.com",
		"disabled-with-roles open vectara/usr_b",
		"activity-unknown notice vectara/usr_b",
		"disabled-with-roles open logto/l5",
		"dormant-privileged open logto/l4",
		"no-email open logto/l3",
	}, brief(fs))
}

func TestReviewClock(t *testing.T) {
	people := Join(sample, nil)
	early := Review(people, Options{AsOf: days(150)})
	for _, f := range early {
		assert.NotEqual(t, "openai/u-c", f.Provider+"/"+f.UserID, "50 days before the clock is not dormant")
	}
	assert.NotEmpty(t, Review(people, Options{}), "the zero clock is now")
}

func TestParsePolicyErrors(t *testing.T) {
	for name, in := range map[string]string{
		"unknown key":     "privileges: {}\n",
		"bad pattern":     "privileged: {logto: ['[']}\n",
		"negative":        "dormant_after_days: -1\n",
		"domain":          "company_domains: ['a@b.com']\n",
		"no account":      "exemptions: [{type: service, reason: x}]\n",
		"user without":    "exemptions: [{user_id: u, type: service, reason: x}]\n",
		"bad type":        "exemptions: [{email: a@b.c, type: vip, reason: x}]\n",
		"no reason":       "exemptions: [{email: a@b.c, type: break-glass}]\n",
		"bad kind":        "exemptions: [{email: a@b.c, type: break-glass, reason: x, findings: [naughty]}]\n",
		"bad accounttype": "exemptions: [{account_type: robot, type: service, reason: x}]\n",
		"not yaml":        "{",
	} {
		_, err := ParsePolicy([]byte(in))
		assert.Error(t, err, name)
	}
	p, err := ParsePolicy(nil)
	require.NoError(t, err, "an empty policy is the defaults")
	assert.Equal(t, DefaultDormantAfterDays, p.dormantAfterDays())
}

func TestReadRoster(t *testing.T) {
	r, err := ReadRoster(strings.NewReader("\ufeffSTATUS, email ,dept\nTerminated, A@x.com ,eng\n\n,,\nactive,b@x.com\n"))
	require.NoError(t, err)
	assert.Equal(t, []Employee{{Email: "A@x.com", Status: "terminated"}, {Email: "b@x.com", Status: "active"}}, r.Employees)
	for name, in := range map[string]string{
		"empty":     "",
		"no status": "email\na@x.com\n",
		"no email":  "email,status\nnobody,active\n",
		"twice":     "email,status\na@x.com,active\nA@X.com,terminated\n",
		"broken":    "email,status\n\"a@x.com,active\n",
	} {
		_, err := ReadRoster(strings.NewReader(in))
		assert.Error(t, err, name)
	}
}

func TestWrite(t *testing.T) {
	p, err := ParsePolicy([]byte(samplePolicy))
	require.NoError(t, err)
	roster, err := ReadRoster(strings.NewReader(sampleRoster))
	require.NoError(t, err)
	people := Join(sample, p)
	fs := Review(people, Options{Policy: p, Roster: roster, AsOf: asOf})
	out := func(f report.Format, write func(*bytes.Buffer, report.Format) error) string {
		var b bytes.Buffer
		require.NoError(t, write(&b, f))
		return b.String()
	}
	wp := func(b *bytes.Buffer, f report.Format) error { return WritePeople(b, WriteOptions{Format: f}, people) }
	wf := func(b *bytes.Buffer, f report.Format) error { return WriteFindings(b, WriteOptions{Format: f}, fs) }

	csvPeople := out(report.CSV, wp)
	assert.True(t, strings.HasPrefix(csvPeople, strings.Join(PeopleFields, ",")+"\n"))
	assert.Contains(t, csvPeople, "\nada@example.com,Ada,\"cortex,logto\",cortex: ADMIN*; logto: admin*,true,false,2026-11-25T00:00:00Z,\n")
	assert.Contains(t, csvPeople, "\n'=cmd@partner.example,", "no formula reaches a spreadsheet")
	var raw bytes.Buffer
	require.NoError(t, WritePeople(&raw, WriteOptions{Format: report.CSV, CSVRaw: true}, people))
	assert.Contains(t, raw.String(), "\n=cmd@partner.example,", "CSVRaw writes the cell as it is")

	table := out(report.Table, wf)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	assert.Len(t, lines, len(fs)+1)
	assert.Equal(t, []string{"KIND", "DISPOSITION", "PERSON", "PROVIDER", "PRINCIPAL", "USER_ID", "OWNER", "EMAIL", "ROLES", "REASON", "EXEMPTION"},
		strings.Fields(lines[0]))
	assert.Contains(t, table, "break-glass: sealed, tested quarterly")

	var env struct {
		Run      *report.Run      `json:"run"`
		Findings []map[string]any `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out(report.JSON, wf)), &env))
	assert.Nil(t, env.Run, "no run record given, none written")
	items := env.Findings
	require.Len(t, items, len(fs))
	assert.Equal(t, "dormant-privileged", items[8]["kind"])
	assert.Equal(t, "exempt", items[8]["disposition"])

	var penv struct {
		People []PersonRecord `json:"people"`
	}
	require.NoError(t, json.Unmarshal([]byte(out(report.JSON, wp)), &penv))
	persons := penv.People
	require.Len(t, persons, len(people))
	assert.Equal(t, map[string][]string{"cortex": {"ADMIN"}, "logto": {"admin"}}, persons[2].Roles)
	assert.Equal(t, "2026-11-25T00:00:00Z", persons[2].Accounts[1].LastActivity)

	nd := out(report.NDJSON, wf)
	assert.Equal(t, len(fs), strings.Count(nd, "\n"))
	var empty bytes.Buffer
	require.NoError(t, WriteFindings(&empty, WriteOptions{Format: report.JSON}, nil))
	assert.Equal(t, "{\n  \"findings\": []\n}\n", empty.String())

	// The run record leads the JSON envelope, as in the access report.
	run := &report.Run{Schema: report.RunSchema, ID: "r1", Started: asOf, Finished: asOf, Order: "sorted",
		Providers: []report.ProviderRun{{Provider: "cortex", Status: report.StatusFailed, Error: "401"}}}
	var withRun bytes.Buffer
	require.NoError(t, WritePeople(&withRun, WriteOptions{Format: report.JSON, Run: run}, people))
	assert.True(t, strings.HasPrefix(withRun.String(), "{\n  \"run\": {\n    \"schema\": \"rolecall-run/1\",\n"),
		withRun.String())
	var back struct {
		Run    *report.Run    `json:"run"`
		People []PersonRecord `json:"people"`
	}
	require.NoError(t, json.Unmarshal(withRun.Bytes(), &back))
	assert.Equal(t, run, back.Run)
	assert.Len(t, back.People, len(people))
}

func TestApply(t *testing.T) {
	p, err := ParsePolicy([]byte("privileged: {logto: ['edit*']}\n"))
	require.NoError(t, err)
	a := facade.Assignment{Provider: "logto", RoleID: "r9", RoleName: "Editor", Privileged: false}
	p.Apply(&a)
	assert.True(t, a.Privileged)
	a = facade.Assignment{Provider: "logto", RoleID: "r1", RoleName: "admin", Privileged: true}
	p.Apply(&a)
	assert.False(t, a.Privileged, "the policy replaces logto's rule")
	a = facade.Assignment{Provider: "cortex", RoleID: "ADMIN", RoleName: "ADMIN", Privileged: true}
	p.Apply(&a)
	assert.True(t, a.Privileged, "other providers keep theirs")
	var none *Policy
	none.Apply(&a)
	assert.True(t, a.Privileged)
}

func TestActivityUnknown(t *testing.T) {
	as := []facade.Assignment{
		{Provider: "logto", UserID: "a", Email: "a@x.com", RoleID: "r", RoleName: "admin", Privileged: true, LastActivity: days(3)},
		{Provider: "logto", UserID: "b", Email: "b@x.com", RoleID: "r", RoleName: "admin", Privileged: true, Created: days(10)},
		{Provider: "cortex", UserID: "c@x.com", Email: "c@x.com", RoleID: "ADMIN", RoleName: "ADMIN", Privileged: true},
	}
	fs := Review(Join(as, nil), Options{AsOf: asOf})
	require.Len(t, fs, 2)
	assert.Equal(t, "logto records no activity for this account (never signed in or used), created 2026-11-20; check it by hand",
		fs[0].Reason, "logto reports activity for others: this one has none")
	assert.Equal(t, "cortex reports no activity for any account; check it by hand", fs[1].Reason)
	for _, f := range fs {
		assert.Equal(t, ActivityUnknown, f.Kind, "never dormant")
		assert.False(t, f.Open())
	}
}

// countingWriter counts the writes that reach it.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

// TestTableColumns: the people and findings tables show the columns
// WriteOptions.Columns names, in its order, the default sets name real
// columns, and JSON, NDJSON and CSV keep every column.
func TestTableColumns(t *testing.T) {
	people := Join([]facade.Assignment{
		{Provider: "cortex", UserID: "u1", Email: "ada@example.com", Name: "Ada", RoleName: "ADMIN", Privileged: true},
		{Provider: "logto", UserID: "u2", Email: "bob@example.com", Name: "B\x1b]0;x\x07ob", RoleName: "USER", Disabled: true},
	}, nil)
	fs := Review(people, Options{AsOf: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)})
	require.NotEmpty(t, fs)
	var b bytes.Buffer
	require.NoError(t, WritePeople(&b, WriteOptions{Columns: []string{"NAME", "person"}}, people))
	assert.Equal(t, "NAME             PERSON\nAda              ada@example.com\nB\\x1b]0;x\\x07ob  bob@example.com\n", b.String())
	b.Reset()
	require.NoError(t, WriteFindings(&b, WriteOptions{Columns: DefaultFindingColumns}, fs))
	assert.Equal(t, []string{"KIND", "DISPOSITION", "PERSON", "PROVIDER", "USER_ID"},
		strings.Fields(strings.SplitN(b.String(), "\n", 2)[0]))
	b.Reset()
	require.NoError(t, WritePeople(&b, WriteOptions{Columns: DefaultPeopleColumns}, people))
	assert.Equal(t, []string{"PERSON", "LAST_ACTIVITY", "ROLES"}, strings.Fields(strings.SplitN(b.String(), "\n", 2)[0]))
	assert.ErrorContains(t, WritePeople(&b, WriteOptions{Columns: []string{"kind"}}, people),
		`unknown column "kind" (the columns are PERSON, NAME, PROVIDERS, ROLES, PRIVILEGED, DISABLED, LAST_ACTIVITY, OWNS)`)

	for _, f := range []report.Format{report.JSON, report.NDJSON, report.CSV} {
		var all, picked bytes.Buffer
		require.NoError(t, WritePeople(&all, WriteOptions{Format: f}, people))
		require.NoError(t, WritePeople(&picked, WriteOptions{Format: f, Columns: DefaultPeopleColumns}, people))
		assert.Equal(t, all.String(), picked.String(), "%s people: every column", f)
		all.Reset()
		picked.Reset()
		require.NoError(t, WriteFindings(&all, WriteOptions{Format: f}, fs))
		require.NoError(t, WriteFindings(&picked, WriteOptions{Format: f, Columns: DefaultFindingColumns}, fs))
		assert.Equal(t, all.String(), picked.String(), "%s findings: every column", f)
	}
}

// TestTableCutsAndBuffers checks that the people and findings tables cut a
// long cell with the access report's marker at its limit, escape control
// characters, and reach the output through the report's 64 KiB buffer.
func TestTableCutsAndBuffers(t *testing.T) {
	long := strings.Repeat("n", 150)
	people := Join([]facade.Assignment{
		{Provider: "cortex", UserID: "u1", Email: "ada@example.com", Name: long, RoleName: "ADMIN"},
		{Provider: "cortex", UserID: "u2", Email: "bob@example.com", Name: "B\x1b]0;x\x07ob", RoleName: "USER"},
	}, nil)
	var b bytes.Buffer
	require.NoError(t, WritePeople(&b, WriteOptions{}, people))
	want := strings.Repeat("n", report.DefaultMaxCell-1) + "…"
	assert.Contains(t, b.String(), want+" ", "cut to report.DefaultMaxCell with the report's marker")
	assert.NotContains(t, b.String(), want[:report.DefaultMaxCell-1]+"n")
	assert.NotContains(t, b.String(), "\x1b")
	var one bytes.Buffer
	require.NoError(t, report.WriteTable(&one, []string{"X"}, [][]string{{long}}, 0))
	assert.Contains(t, one.String(), want, "one implementation: the same cell as the access report's")

	b.Reset()
	require.NoError(t, WritePeople(&b, WriteOptions{MaxCell: -1}, people))
	assert.Contains(t, b.String(), long, "a negative MaxCell cuts nothing")

	var many []facade.Assignment
	for i := range 3000 {
		many = append(many, facade.Assignment{Provider: "logto", UserID: strconv.Itoa(i),
			Email: "user" + strconv.Itoa(i) + "@example.com", RoleName: "member"})
	}
	cw := &countingWriter{}
	require.NoError(t, WritePeople(cw, WriteOptions{}, Join(many, nil)))
	assert.Greater(t, cw.Len(), 128<<10)
	assert.LessOrEqual(t, cw.writes, cw.Len()/(64<<10)+1, "one write per 64 KiB")
}

// TestJoinOtherPrincipals: a principal that is not a person's account (an
// API key here) is a person of its own, even with a user's id and email;
// a user whose assignments predate kinds ("") is one account with its
// assignments that say User.
func TestJoinOtherPrincipals(t *testing.T) {
	as := []facade.Assignment{
		{Provider: "openai", UserID: "u1", Email: "ada@x.com", RoleID: "owner"},
		{Provider: "openai", Principal: facade.User, UserID: "u1", Email: "ada@x.com", RoleID: "r1"},
		{Provider: "openai", Principal: facade.APIKey, UserID: "u1", Email: "ada@x.com", Name: "ci", RoleID: "r1"},
		{Provider: "cortex", UserID: "ada@x.com", Email: "ada@x.com", RoleID: "ADMIN"},
	}
	people := Join(as, nil)
	require.Len(t, people, 2)
	assert.Equal(t, "ada@x.com", people[0].Key)
	require.Len(t, people[0].Accounts, 2, "cortex and openai")
	assert.Len(t, people[0].Accounts[1].Roles, 2, "the user's two roles, not the key's")
	assert.Equal(t, "openai:api_key:u1", people[1].Key)
	assert.Empty(t, people[1].Email)
	assert.Equal(t, facade.APIKey, people[1].Accounts[0].Principal)
}
