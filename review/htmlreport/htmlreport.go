// Package htmlreport writes rolecall's reports as one self-contained HTML
// page: the run record, a summary, the findings of a review with filters,
// a search box and a sign-off (keep, revoke or accept, with a note, which
// the page downloads as a decisions file: review.Decisions), the people
// and the access report's assignments.
//
// The page loads nothing: its style and script are inline, allowed by a
// Content-Security-Policy that names their SHA-256 and nothing else, so a
// value a provider returned can never run as script or load a resource.
// Every value is escaped by html/template for where it stands, after
// control, bidi and zero-width characters are written as visible escapes
// (as on a terminal: internal/termtext). It reads without JavaScript (the
// filters, the search and the sign-off are then hidden) and prints
// without its controls. The same report gives the same bytes: nothing in
// the page depends on the time or on chance.
package htmlreport

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
)

// Page is what a page shows. Findings are shown when not nil (a review),
// People when not nil, Rows (the access report of rolecall list) when not
// nil; the run record and the summary always.
type Page struct {
	// Title names the report: "Access review", "People", "Access report".
	Title    string
	Run      *report.Run
	Findings []review.Finding
	People   []review.Person
	Rows     []report.Row
}

var (
	//go:embed page.css
	css string
	//go:embed page.js
	script string
	//go:embed page.html
	pageHTML string

	tmpl = template.Must(template.New("page").Funcs(template.FuncMap{"t": termtext.Escape}).Parse(pageHTML))
)

// CSP is the page's Content-Security-Policy: nothing but its own inline
// style and script, named by their SHA-256.
var CSP = "default-src 'none'; style-src '" + hash(css) + "'; script-src '" + hash(script) +
	"'; img-src 'none'; base-uri 'none'; form-action 'none'"

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// Write writes p as an HTML page.
func Write(w io.Writer, p *Page) error {
	d := build(p)
	bw := bufio.NewWriter(w)
	if err := tmpl.Execute(bw, d); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	return bw.Flush()
}

// data is what the template renders.
type data struct {
	Title    string
	CSP      string
	CSS      template.CSS
	JS       template.JS
	Run      *report.Run
	Complete bool
	RunID    string
	Digest   string // the findings' digest (review.FindingsDigest); "" without findings

	Kinds      []kindCount
	Totals     kindCount
	Privileged []privCount

	HasFindings bool
	Findings    []finding
	Verdicts    []string
	Filters     []filter

	HasPeople bool
	People    []person

	HasRows bool
	Rows    []report.Row
}

type kindCount struct {
	Kind                        string
	Open, Exempt, Notice, Total int
}

type privCount struct {
	Provider, Principal string
	Count               int
}

type finding struct {
	ID string
	*review.Finding
	Disposition string
	Exemption   string
	RolesText   string
}

// filter is one of the findings' filters: a select of the values found.
type filter struct {
	Name, Label string
	Values      []string
}

type person struct {
	Key, Name  string
	Privileged bool
	Disabled   bool
	Last       string
	Accounts   []account
	Owns       []string
}

type account struct {
	Provider, Principal, UserID, Email, Status, Last, Owner string
	Disabled                                                bool
	Roles                                                   []role
}

type role struct {
	Name       string
	Privileged bool
}

func build(p *Page) *data {
	d := &data{Title: cmp.Or(p.Title, "rolecall report"), CSP: CSP, CSS: template.CSS(css), JS: template.JS(script),
		Run: p.Run, Complete: p.Run.Complete(), Verdicts: review.Verdicts}
	if p.Run != nil {
		d.RunID = p.Run.ID
	}
	if p.Findings != nil {
		d.HasFindings = true
		d.Digest = review.FindingsDigest(p.Findings)
		ids := review.FindingIDs(p.Findings)
		counts := map[string]*kindCount{}
		values := map[string]map[string]bool{"kind": {}, "disposition": {}, "provider": {}, "principal": {}}
		for i := range p.Findings {
			f := &p.Findings[i]
			disp := f.Disposition()
			ex := ""
			if f.Exemption != nil {
				ex = f.Exemption.Type + ": " + f.Exemption.Reason
			}
			d.Findings = append(d.Findings, finding{ID: ids[i], Finding: f, Disposition: disp, Exemption: ex,
				RolesText: strings.Join(f.Roles, ", ")})
			c := counts[string(f.Kind)]
			if c == nil {
				c = &kindCount{Kind: string(f.Kind)}
				counts[string(f.Kind)] = c
			}
			for _, k := range []*kindCount{c, &d.Totals} {
				k.Total++
				switch disp {
				case "open":
					k.Open++
				case "exempt":
					k.Exempt++
				default:
					k.Notice++
				}
			}
			values["kind"][string(f.Kind)] = true
			values["disposition"][disp] = true
			values["provider"][f.Provider] = true
			values["principal"][string(cmp.Or(f.Principal, facade.User))] = true
		}
		for _, k := range review.Kinds { // report order, then any other
			if c := counts[string(k)]; c != nil {
				d.Kinds = append(d.Kinds, *c)
				delete(counts, string(k))
			}
		}
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			d.Kinds = append(d.Kinds, *counts[k])
		}
		for _, f := range []filter{{Name: "kind", Label: "Kind"}, {Name: "disposition", Label: "Disposition"},
			{Name: "provider", Label: "Provider"}, {Name: "principal", Label: "Principal"}} {
			f.Values = slices.Sorted(maps.Keys(values[f.Name]))
			d.Filters = append(d.Filters, f)
		}
	}
	priv := map[[2]string]map[string]bool{}
	addPriv := func(provider, principal, id string) {
		k := [2]string{provider, principal}
		if priv[k] == nil {
			priv[k] = map[string]bool{}
		}
		priv[k][id] = true
	}
	if p.People != nil {
		d.HasPeople = true
		for i := range p.People {
			x := &p.People[i]
			pp := person{Key: x.Key, Name: x.Name, Privileged: x.Privileged(), Disabled: x.Disabled(),
				Last: report.FormatTime(x.LastActivity())}
			for _, a := range x.Accounts {
				kind := string(cmp.Or(a.Principal, facade.User))
				acc := account{Provider: a.Provider, Principal: kind, UserID: a.UserID, Email: a.Email,
					Status: a.Status, Last: report.FormatTime(a.LastActivity), Owner: a.OwnerPerson, Disabled: a.Disabled}
				for _, r := range a.Roles {
					n := r.Name
					if r.Scope != "" {
						n += " (" + r.Scope + ")"
					}
					if r.Held == facade.ThroughGroup && r.Via != "" {
						n += " via " + r.Via
					}
					acc.Roles = append(acc.Roles, role{Name: n, Privileged: r.Privileged})
				}
				if a.Privileged() {
					addPriv(a.Provider, kind, a.UserID)
				}
				pp.Accounts = append(pp.Accounts, acc)
			}
			for _, o := range x.Owns {
				pp.Owns = append(pp.Owns, o.Provider+":"+string(o.Principal)+":"+o.UserID)
			}
			d.People = append(d.People, pp)
		}
	}
	if p.Rows != nil {
		d.HasRows = true
		d.Rows = p.Rows
		if p.People == nil {
			for i := range p.Rows {
				if r := &p.Rows[i]; r.Privileged {
					addPriv(r.Provider, r.Kind(), r.UserID)
				}
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(priv), func(a, b [2]string) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
	})
	for _, k := range keys {
		d.Privileged = append(d.Privileged, privCount{Provider: k[0], Principal: k[1], Count: len(priv[k])})
	}
	return d
}
