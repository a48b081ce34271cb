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
	// provider,user_id,email,name,username,disabled,role_id,role_name,role_kind,scope,permissions,via
	// cortex,donald.hopper0@corp.example.net,donald.hopper0@corp.example.net,Donald Hopper,,false,ADMIN,ADMIN,builtin,,,
	// cortex,donald.hopper0@corp.example.net,donald.hopper0@corp.example.net,Donald Hopper,,false,catalog-editor,Catalog Editor,custom,,,
	// cortex,donald.hopper0@corp.example.net,donald.hopper0@corp.example.net,Donald Hopper,,false,security-reviewer,Security Reviewer,custom,,,
	// cortex,Grace.McCarthy1@Example.org,Grace.McCarthy1@Example.org,Grace McCarthy,,false,scorecard-owner,Scorecard Owner,custom,,,
	// cortex,Grace.McCarthy1@Example.org,Grace.McCarthy1@Example.org,Grace McCarthy,,false,security-reviewer,Security Reviewer,custom,,,
}
