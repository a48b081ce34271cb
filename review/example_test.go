package review_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
)

// One person in two tenants, the email cased differently: one person.
func ExampleJoin() {
	assignments := []facade.Assignment{ // from facade.Collect(lister.ListAssignments(ctx, nil)), for instance
		{Provider: "cortex", UserID: "Ada@Example.com", Email: "Ada@Example.com", RoleID: "ADMIN", RoleName: "ADMIN", Privileged: true},
		{Provider: "logto", UserID: "u1", Email: "ada@example.com", Name: "Ada", RoleID: "r1", RoleName: "editor"},
		{Provider: "logto", UserID: "u2", RoleID: "r1", RoleName: "editor"},
	}
	for _, p := range review.Join(assignments, nil) {
		fmt.Println(p.Key, p.Providers(), "privileged:", p.Privileged())
	}
	// Output:
	// ada@example.com [cortex logto] privileged: true
	// logto:u2 [logto] privileged: false
}

// A review with a policy, a roster and a fixed clock, written as CSV.
func ExampleReview() {
	asOf := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	assignments := []facade.Assignment{
		{Provider: "openai", UserID: "user-1", Email: "carol@example.com", RoleID: "owner", RoleName: "owner",
			Status: facade.StatusActive, LastActivity: asOf.AddDate(0, 0, -200), Privileged: true},
		{Provider: "vectara", UserID: "usr_2", Email: "bob@example.com", RoleID: "administrator", RoleName: "administrator",
			Status: facade.StatusDisabled, Disabled: true, Privileged: true},
		{Provider: "logto", UserID: "u3", Email: "break-glass@example.com", RoleID: "r1", RoleName: "admin",
			Status: facade.StatusActive, LastActivity: asOf.AddDate(-1, 0, 0), Privileged: true},
	}
	policy, err := review.ParsePolicy([]byte(`
company_domains: [example.com]
exemptions:
  - email: break-glass@example.com
    type: break-glass
    reason: sealed, tested quarterly
`))
	if err != nil {
		panic(err)
	}
	roster, err := review.ReadRoster(strings.NewReader("email,status\ncarol@example.com,active\nbob@example.com,terminated\n"))
	if err != nil {
		panic(err)
	}
	findings := review.Review(review.Join(assignments, policy), review.Options{Policy: policy, Roster: roster, AsOf: asOf})
	review.WriteFindings(os.Stdout, review.WriteOptions{Format: report.CSV}, findings)
	fmt.Println("open:", review.Open(findings))
	// Output:
	// kind,disposition,person,provider,principal,user_id,owner,email,roles,reason,exemption
	// disabled-with-roles,open,bob@example.com,vectara,user,usr_2,,bob@example.com,administrator,the account is disabled but still holds 1 role,
	// terminated,open,bob@example.com,vectara,user,usr_2,,bob@example.com,administrator,bob@example.com is terminated on the roster and still holds 1 role,
	// activity-unknown,notice,bob@example.com,vectara,user,usr_2,,bob@example.com,administrator,vectara reports no activity for any account; check it by hand,
	// not-on-roster,exempt,break-glass@example.com,logto,user,u3,,break-glass@example.com,admin,break-glass@example.com is not on the roster,"break-glass: sealed, tested quarterly"
	// dormant-privileged,exempt,break-glass@example.com,logto,user,u3,,break-glass@example.com,admin,"last active 2025-11-30, 365 days before 2026-11-30 (threshold 90 days)","break-glass: sealed, tested quarterly"
	// dormant-privileged,open,carol@example.com,openai,user,user-1,,carol@example.com,owner,"last active 2026-05-14, 200 days before 2026-11-30 (threshold 90 days)",
	// open: 3
}

// Machine access: an admin key that never expires and a project key whose
// owner lost access, attributed to the person who owns them.
func ExampleReview_machineAccess() {
	asOf := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	ada := facade.Owner{Kind: facade.User, ID: "user-1", Name: "Ada"}
	assignments := []facade.Assignment{
		{Provider: "openai", UserID: "user-1", Email: "ada@example.com", RoleID: "owner", RoleName: "owner",
			Scope: "api.organization", LastActivity: asOf.AddDate(0, 0, -2), Privileged: true},
		{Provider: "openai", Principal: facade.APIKey, UserID: "key_admin", Name: "ci", RoleID: "owner", RoleName: "owner",
			Scope: "api.organization", Held: facade.ThroughOwner, Owner: ada, NeverExpires: true,
			LastActivity: asOf.AddDate(0, 0, -1), Privileged: true},
		{Provider: "openai", Principal: facade.APIKey, UserID: "key_old", Name: "batch", RoleID: "member", RoleName: "member",
			Scope: "project/proj_1", Held: facade.ThroughOwner, Owner: facade.Owner{Kind: facade.User, ID: "user-9"},
			Status: facade.StatusOrphaned, LastActivity: asOf.AddDate(0, 0, -3)},
	}
	people := review.Join(assignments, nil)
	for _, p := range people {
		for _, a := range p.Owns {
			fmt.Println(p.Key, "owns", a.Provider+":"+string(a.Principal)+":"+a.UserID)
		}
	}
	for _, f := range review.Review(people, review.Options{AsOf: asOf}) {
		fmt.Printf("%s %s (owner: %s): %s\n", f.Kind, f.UserID, f.Owner, f.Reason)
	}
	// Output:
	// ada@example.com owns openai:api_key:key_admin
	// privileged-key-no-expiry key_admin (owner: ada@example.com): this API key never expires and holds 1 privileged role
	// machine-privileged key_admin (owner: ada@example.com): an API key holds 1 privileged role; no person signs in as it
	// owner-gone key_old (owner: no owner): its owner user user-9 has lost access to project/proj_1; the key still works
}
