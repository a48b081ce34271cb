package report_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/providertest"
	"github.com/rolecall/rolecall/report"
)

// Write a CSV report of one Cortex workspace, the way 'rolecall list'
// does: rows in report order, formula-like cells neutralised, and a run
// record saying whether the listing finished.
func Example() {
	// A fake Cortex on 127.0.0.1, so that the example runs anywhere.
	srv, err := providertest.Start("cortex", providertest.Options{Tenant: providertest.NewTenant("cortex", 2, 1)})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	lister, err := cortex.New(cortex.Config{Token: srv.Token(), Options: facade.Options{BaseURL: srv.URL()}})
	if err != nil {
		log.Fatal(err)
	}

	run := &report.Run{Schema: report.RunSchema, ID: report.NewRunID(), Started: time.Now().UTC(), Order: "sorted"}
	w := report.NewWriter(os.Stdout, report.Options{Format: report.CSV})
	status := report.ProviderRun{Provider: "cortex", Host: "api.getcortexapp.com", Status: report.StatusComplete}
	for a, err := range lister.ListAssignments(context.Background(), nil) {
		if err != nil {
			// Leave the provider out rather than write half of it.
			status.Status, status.Error = report.StatusFailed, err.Error()
			w.Drop("cortex")
			break
		}
		if err := w.Write(report.FromAssignment(&a)); err != nil {
			log.Fatal(err)
		}
	}
	status.Assignments, status.Users = w.Counts("cortex")
	run.Finished = time.Now().UTC()
	run.Providers = append(run.Providers, status)
	if err := w.Finish(run); err != nil { // CSV: the run record goes to a sidecar (report.WriteRun)
		log.Fatal(err)
	}
	// Output:
	// provider,user_id,email,name,username,disabled,role_id,role_name,role_kind,scope,permissions,via,status,account_type,created,updated,last_activity,privileged,principal_kind,owner_kind,owner_id,owner_name,scope_kind,scope_id,scope_name,held,expires
	// cortex,cid-ymcrb7r9nztu,,CI reporting,,false,ADMIN,ADMIN,builtin,,,,,,2024-01-02T03:04:05Z,,,true,api_key,,,,workspace,,,direct,
	// cortex,donald.knuth.90@example.com,donald.knuth.90@example.com,Donald Knuth,,false,ADMIN,ADMIN,builtin,,,,,,2024-01-02T03:34:05Z,,2026-11-29T00:00:00Z,true,user,,,,workspace,,,direct,
	// cortex,donald.knuth.90@example.com,donald.knuth.90@example.com,Donald Knuth,,false,catalog-editor,Catalog Editor,custom,,,,,,2024-01-02T03:34:05Z,,2026-11-29T00:00:00Z,false,user,,,,workspace,,,direct,
	// cortex,donald.knuth.90@example.com,donald.knuth.90@example.com,Donald Knuth,,false,security-reviewer,Security Reviewer,custom,,,,,,2024-01-02T03:34:05Z,,2026-11-29T00:00:00Z,false,user,,,,workspace,,,direct,
}

// Compare last quarter's report with this quarter's: what was granted,
// revoked and changed, per person, with a warning for a provider that did
// not finish.
func ExampleDiff() {
	old := &report.Report{Run: &report.Run{ID: "q2", Providers: []report.ProviderRun{
		{Provider: "openai", Status: report.StatusComplete}, {Provider: "vectara", Status: report.StatusComplete}}},
		Rows: []report.Row{
			{Provider: "openai", UserID: "user-1", Email: "ada@example.com", RoleID: "owner", RoleName: "owner"},
			{Provider: "openai", UserID: "user-2", Email: "bob@example.com", RoleID: "reader", RoleName: "reader"},
			{Provider: "vectara", UserID: "u1", Email: "ada@example.com", RoleID: "owner", RoleName: "owner"},
		}}
	new := &report.Report{Run: &report.Run{ID: "q3", Providers: []report.ProviderRun{
		{Provider: "openai", Status: report.StatusComplete},
		{Provider: "vectara", Status: report.StatusFailed, Error: "401 unauthorized"}}},
		Rows: []report.Row{
			{Provider: "openai", UserID: "user-1", Email: "ada@example.com", RoleID: "owner", RoleName: "owner", Disabled: true},
			{Provider: "openai", UserID: "user-3", Email: "cy@example.com", RoleID: "reader", RoleName: "reader"},
		}}
	d, err := report.Diff(old, new, nil)
	if err != nil {
		log.Fatal(err)
	}
	d.WriteText(os.Stdout, report.Side{Name: "q2.json", Report: old}, report.Side{Name: "q3.json", Report: new})
	// Output:
	// q2.json: 3 assignments, run q2 finished 0001-01-01T00:00:00Z, complete, no digest recorded
	// q3.json: 2 assignments, run q3 finished 0001-01-01T00:00:00Z, INCOMPLETE: vectara failed, no digest recorded
	// WARNING: vectara failed in the new report (401 unauthorized): left out of the comparison (--allow-partial compares it anyway)
	// granted 1, revoked 1, changed 1, unchanged 0
	//
	// Granted (1):
	//   + openai cy@example.com (user-3): reader
	//
	// Revoked (1):
	//   - openai bob@example.com (user-2): reader
	//
	// Changed (1):
	//   disabled: openai ada@example.com (user-1) (1 role)
}

// Show a table of only the columns a reviewer reads, in the order given;
// the other formats always hold every column.
func ExampleTableColumns() {
	rows := []report.Row{
		{Provider: "openai", UserID: "user-1", Email: "ada@example.com", RoleID: "owner", RoleName: "owner",
			Scope: "api.organization", Status: "active", Privileged: true},
		{Provider: "cortex", UserID: "bob@example.com", Email: "bob@example.com", RoleID: "USER", RoleName: "USER"},
	}
	columns := []string{"provider", "email", "role_name", "privileged"}
	if _, err := report.TableColumns(report.TableHeader, columns); err != nil { // a typo fails here, naming the columns
		log.Fatal(err)
	}
	w := report.NewWriter(os.Stdout, report.Options{Format: report.Table, Columns: columns})
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Finish(nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// PROVIDER  EMAIL            ROLE_NAME  PRIVILEGED
	// cortex    bob@example.com  USER       no
	// openai    ada@example.com  owner      yes
}
