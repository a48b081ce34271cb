//go:build regendrill

package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/cortex"
	"github.com/rolecall/rolecall/facade/logto"
	"github.com/rolecall/rolecall/facade/openai"
	"github.com/rolecall/rolecall/facade/vectara"
)

// TestFieldArrives lists through every driver from pages whose records
// carry the drill's property (DrillProperty), and requires it in each
// Assignment.Record, whichever record type it is (OpenAI's organization
// role comes from the user record, its RBAC roles from the assignment): the drill runs it in a copy of the module whose specs
// gained the property, after regeneration and with no other edit. Built
// only with the regendrill tag (make regen-drill).
func TestFieldArrives(t *testing.T) {
	for _, c := range []struct {
		provider string
		pages    map[string]string // by path suffix
		new      func(base string) (facade.Lister, error)
	}{
		{"cortex", map[string]string{
			"/api/v1/users/roles": `{"page":0,"total":1,"totalPages":1,"users":[{"email":"a@example.com","name":"A","rolecall_drill":"drill-cortex","roles":[{"type":"BASIC","role":"ADMIN"},{"type":"CUSTOM","name":"N","tag":"n"}]}]}`,
			"/api/v1/users":       `{"page":0,"total":1,"totalPages":1,"users":[{"email":"a@example.com","name":"A","joinDate":"2025-01-01T00:00:00Z","lastActive":null,"rolecall_drill":"drill-cortex"}]}`,
			"/api/v1/auth/key":    `{"apiKeys":[{"cid":"cid-1","name":"ci","createdDate":"2025-01-01T00:00:00Z","expirationDate":null,"roles":[{"type":"DEFAULT","role":"ADMIN"}],"rolecall_drill":"drill-cortex"}],"page":0,"total":1,"totalPages":1}`,
		}, func(base string) (facade.Lister, error) {
			return cortex.New(cortex.Config{Token: "drill-token", Options: facade.Options{BaseURL: base, RateLimit: -1}})
		}},
		{"openai", map[string]string{
			"/organization/users": `{"object":"list","data":[{"object":"organization.user","id":"user_1","name":"A","email":"a@example.com","role":"owner","added_at":1,"rolecall_drill":"drill-openai"}],"first_id":"user_1","last_id":"user_1","has_more":false}`,
			"/roles":              `{"object":"list","data":[{"id":"role_1","name":"Owner","permissions":["p"],"resource_type":"api.organization","predefined_role":true,"rolecall_drill":"drill-openai"}],"has_more":false,"next":null}`,
		}, func(base string) (facade.Lister, error) {
			return openai.New(openai.Config{AdminKey: "drill-token", Options: facade.Options{BaseURL: base, RateLimit: -1}})
		}},
		{"vectara", map[string]string{
			"/v2/users":       `{"users":[{"id":"usr_1","email":"a@example.com","api_roles":["owner"],"corpus_roles":[{"corpus_key":"c","role":"query"}],"rolecall_drill":"drill-vectara"}],"metadata":{"page_key":""}}`,
			"/v2/api_keys":    `{"api_keys":[{"id":"aky_1","name":"k","secret_key":"s","enabled":true,"api_key_role":"serving","api_policy":{"name":"serving","allowed_operations":{"query":{"allow_any_resource":false,"allowed_resources":{"path.corpus_key":["c"]}}}},"rolecall_drill":"drill-vectara"}],"metadata":{"page_key":""}}`,
			"/v2/app_clients": `{"app_clients":[{"id":"app_1","name":"a","client_id":"c","client_secret":"s","api_roles":["administrator"],"rolecall_drill":"drill-vectara"}],"metadata":{"page_key":""}}`,
			"/v2/corpora":     `{"corpora":[{"id":"crp_1","key":"c","name":"C","enabled":true,"rolecall_drill":"drill-vectara"}],"metadata":{"page_key":""}}`,
			"/v2/agents":      `{"agents":[{"key":"a","name":"A","enabled":true,"rolecall_drill":"drill-vectara"}],"metadata":{"page_key":""}}`,
		}, func(base string) (facade.Lister, error) {
			return vectara.New(vectara.Config{APIKey: "drill-token", Options: facade.Options{BaseURL: base, RateLimit: -1}})
		}},
		{"logto", map[string]string{
			"/api/roles":          `[{"tenantId":"t","id":"r1","name":"admin","description":"d","type":"User","isDefault":false,"usersCount":1,"featuredUsers":[],"applicationsCount":0,"featuredApplications":[]}]`,
			"/api/roles/r1/users": `[{"id":"u1","username":null,"primaryEmail":"a@example.com","primaryPhone":null,"name":"A","avatar":null,"customData":{},"identities":{},"lastSignInAt":null,"createdAt":1,"updatedAt":1,"profile":{},"applicationId":null,"isSuspended":false,"rolecall_drill":"drill-logto"}]`,
		}, func(base string) (facade.Lister, error) {
			return logto.New(logto.Config{AccessToken: "drill-token", Options: facade.Options{BaseURL: base, RateLimit: -1}})
		}},
	} {
		t.Run(c.provider, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				best := ""
				for suffix := range c.pages {
					if strings.HasSuffix(r.URL.Path, suffix) && len(suffix) > len(best) {
						best = suffix
					}
				}
				if best == "" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Total-Number", "1")
				fmt.Fprint(w, c.pages[best])
			}))
			defer srv.Close()
			l, err := c.new(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, a := range got {
				v, ok := drillField(a.Record)
				switch {
				case !ok:
					t.Fatalf("%s: the record (%T) has no field for %q", c.provider, a.Record, DrillProperty)
				case v != "drill-"+c.provider:
					t.Fatalf("%s: the record's %s is %q, want %q", c.provider, DrillProperty, v, "drill-"+c.provider)
				}
				checked++
			}
			if checked == 0 {
				t.Fatalf("%s: no assignment listed", c.provider)
			}
			t.Logf("%s: %s arrived in Assignment.Record (%T) of %d assignments", c.provider, DrillProperty, got[len(got)-1].Record, checked)
		})
	}
}

// drillField returns the value of rec's field tagged DrillProperty, and
// whether rec (a pointer to a generated struct) has one.
func drillField(rec any) (string, bool) {
	v := reflect.ValueOf(rec)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return "", false
	}
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != DrillProperty {
			continue
		}
		f := v.Field(i)
		for f.Kind() == reflect.Pointer {
			if f.IsNil() {
				return "", true
			}
			f = f.Elem()
		}
		return fmt.Sprint(f.Interface()), true
	}
	return "", false
}
