//go:build regendrill

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/facade/drivers"
	"github.com/rolecall/rolecall/providertest"
)

// TestFieldArrives lists through every driver from providertest's fake,
// every record of whose pages carries the drill's property (DrillProperty:
// withDrillProperty adds it to each object of a 200 JSON body that is an
// array, or of the body's array properties, as the drill adds it to the
// specs' record schemas), and requires it in each Assignment.Record,
// whichever record type it is. The fake serves whatever operation a driver
// now calls, so no page is kept here by hand. The drill runs it in a copy
// of the module whose specs gained the property, after regeneration and
// with no other edit. Built only with the regendrill tag (make
// regen-drill).
func TestFieldArrives(t *testing.T) {
	for _, p := range drivers.Names() {
		t.Run(p, func(t *testing.T) {
			want := "drill-" + p
			fake := providertest.NewServer(t, p, providertest.Options{Tenant: providertest.NewTenant(p, 4, 1)})
			srv := httptest.NewServer(withDrillProperty(fake, want))
			defer srv.Close()
			base, err := url.Parse(fake.URL()) // the fake's base path, served here
			if err != nil {
				t.Fatal(err)
			}
			l, err := drivers.New(p, fake.Token(), facade.Options{BaseURL: srv.URL + base.Path, RateLimit: -1, Concurrency: 1})
			if err != nil {
				t.Fatal(err)
			}
			got, err := facade.Collect(l.ListAssignments(context.Background(), nil))
			if err != nil {
				t.Fatal(err)
			}
			types := map[string]int{}
			for _, a := range got {
				v, ok := drillField(a.Record)
				switch {
				case !ok:
					t.Fatalf("%s: the record (%T) has no field for %q", p, a.Record, DrillProperty)
				case v != want:
					t.Fatalf("%s: the record's (%T) %s is %q, want %q", p, a.Record, DrillProperty, v, want)
				}
				types[fmt.Sprintf("%T", a.Record)]++
			}
			if len(got) == 0 {
				t.Fatalf("%s: no assignment listed", p)
			}
			t.Logf("%s: %s arrived in Assignment.Record of %d assignments (%v)", p, DrillProperty, len(got), types)
		})
	}
}

// withDrillProperty serves next's answers with DrillProperty set to v in
// every record of a 200 JSON body: each object of the body when it is an
// array, or of each array property of the body when it is an object.
func withDrillProperty(next http.Handler, v string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("Accept-Encoding")
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK && strings.Contains(rec.Header().Get("Content-Type"), "json") {
			var doc any
			if err := json.Unmarshal(body, &doc); err == nil {
				mark := func(list any) {
					items, _ := list.([]any)
					for _, it := range items {
						if obj, ok := it.(map[string]any); ok {
							obj[DrillProperty] = v
						}
					}
				}
				if obj, ok := doc.(map[string]any); ok {
					for _, prop := range obj {
						mark(prop)
					}
				} else {
					mark(doc)
				}
				if b, err := json.Marshal(doc); err == nil {
					body = b
				}
			}
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
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
