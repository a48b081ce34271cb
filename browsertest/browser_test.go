package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/rolecall/rolecall/facade"
	"github.com/rolecall/rolecall/internal/termtext"
	"github.com/rolecall/rolecall/report"
	"github.com/rolecall/rolecall/review"
	"github.com/rolecall/rolecall/review/htmlreport"
)

// chromium returns the browser's path. Without one the test skips, except
// in CI (CI=true), where .ci/run installs it and its absence fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH: CI must install it (apt-get install chromium; .ci/run does)")
	}
	t.Skip("no chromium on PATH (apt-get install chromium); CI requires it")
	return ""
}

// newBrowser starts headless Chromium and returns a tab's context.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1400, 1000),
	)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return bctx
}

// eval evaluates expression in the page.
func eval[T any](ctx context.Context, t *testing.T, expression string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("%s: %v", expression, err)
	}
	return v
}

// text is the text of the element sel.
func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return v
}

func do(ctx context.Context, t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// screenshot saves a screenshot as an artifact: the whole page (JPEG)
// when full, else what the window shows (PNG).
func screenshot(ctx context.Context, t *testing.T, name string, full bool) {
	t.Helper()
	shoot := chromedp.CaptureScreenshot()
	if full {
		shoot = chromedp.FullScreenshot(85)
	}
	shot, err := chromedp.Run(ctx, shoot)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(artifacts(t), name)
	if err := os.WriteFile(file, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}

// rolecall builds the command once per test binary.
func rolecall(t *testing.T) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), "rolecall")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", exe, "./cmd/rolecall")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building rolecall: %v\n%s", err, out)
	}
	return exe
}

func runRolecall(t *testing.T, exe string, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rolecall %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// artifacts is where the screenshots go: $ARTIFACTS, else
// browsertest/artifacts (ignored by git).
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// waitFile waits for a file a download writes, up to the test's context.
func waitFile(ctx context.Context, t *testing.T, name string) []byte {
	t.Helper()
	for {
		if b, err := os.ReadFile(name); err == nil && len(b) > 0 && json.Valid(b) {
			return b
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no download at %s: %v", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// matches is the findings whose shown text holds q, case-insensitive, as
// the page's search compares (every column but the email, which the page
// does not show).
func matches(fs []review.FindingRecord, q string) int {
	n := 0
	q = strings.ToLower(q)
	for _, f := range fs {
		text := strings.Join([]string{f.Kind, f.Disposition, f.Person, f.Provider, f.Principal, f.UserID, f.Owner,
			strings.Join(f.Roles, ", "), f.Reason, f.Exemption}, "\n")
		if strings.Contains(strings.ToLower(text), q) {
			n++
		}
	}
	return n
}

// TestDemoReviewPage drives the demo's review page in Chromium: its
// counts are the JSON report's, a filter and the search show the findings
// they match and mark the search, two findings marked download as a
// decisions file that 'rolecall review --decisions' accepts and shows, and
// a screenshot is saved.
func TestDemoReviewPage(t *testing.T) {
	ctx := newBrowser(t)
	exe := rolecall(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "review.html")
	runRolecall(t, exe, "demo", "review", "--format", "html", "--output", page)
	var rep struct{ Findings []review.FindingRecord }
	if err := json.Unmarshal(runRolecall(t, exe, "demo", "review", "--format", "json"), &rep); err != nil {
		t.Fatal(err)
	}
	open := 0
	byKind := map[string]int{}
	for _, f := range rep.Findings {
		byKind[f.Kind]++
		if f.Disposition == "open" {
			open++
		}
	}
	downloads := filepath.Join(dir, "downloads")
	do(ctx, t,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
			return err
		}),
		chromedp.Navigate("file://"+page),
		chromedp.WaitVisible(chromedp.CSS("#findings-table")),
	)

	const visible = `document.querySelectorAll("#findings-table tbody tr:not([hidden])").length`
	rows := eval[int](ctx, t, `document.querySelectorAll("#findings-table tbody tr").length`)
	shown := eval[int](ctx, t, visible)
	total := text(ctx, t, `#summary-total [data-count=total]`)
	openShown := text(ctx, t, `#summary-total [data-count=open]`)
	if rows != len(rep.Findings) || shown != len(rep.Findings) || total != itoa(len(rep.Findings)) ||
		openShown != itoa(open) {
		t.Errorf("the page shows %d rows (%d visible), total %s, open %s; the JSON report has %d findings, %d open",
			rows, shown, total, openShown, len(rep.Findings), open)
	}
	if class := eval[string](ctx, t, `document.body.className`); class != "js" {
		t.Errorf("the page's script did not run under its Content-Security-Policy (body class %q)", class)
	}
	for kind, n := range byKind {
		if got := text(ctx, t, `#summary-findings tr[data-kind="`+kind+`"] [data-count=total]`); got != itoa(n) {
			t.Errorf("summary: %s shows %s, the JSON report has %d", kind, got, n)
		}
	}

	// A filter: the kind with the most findings.
	kind := ""
	for k, n := range byKind {
		if kind == "" || n > byKind[kind] || n == byKind[kind] && k < kind {
			kind = k
		}
	}
	do(ctx, t, chromedp.SetValue(chromedp.CSS(`#controls select[name=kind]`), kind))
	eval[bool](ctx, t, `document.querySelector("#controls select[name=kind]").dispatchEvent(new Event("change", {bubbles: true}))`)
	shown = eval[int](ctx, t, visible)
	if out := text(ctx, t, `#shown`); shown != byKind[kind] || out != itoa(byKind[kind]) {
		t.Errorf("kind %s: %d rows shown (count %s), want %d", kind, shown, out, byKind[kind])
	}

	// The search, typed (in capitals: it ignores case): a person's name.
	q := strings.SplitN(rep.Findings[0].Person, "@", 2)[0]
	eval[bool](ctx, t, `{ const k = document.querySelector("#controls select[name=kind]"); k.value = "";
		k.dispatchEvent(new Event("change", {bubbles: true})) }`)
	do(ctx, t, chromedp.SendKeys(chromedp.CSS(`#controls input[name=q]`), strings.ToUpper(q)))
	shown = eval[int](ctx, t, visible)
	marks := eval[[]string](ctx, t, `Array.from(document.querySelectorAll("#findings-table mark"), m => m.textContent.toLowerCase())`)
	if want := matches(rep.Findings, q); shown != want || want == 0 {
		t.Errorf("search %q: %d rows shown, want %d", q, shown, want)
	}
	if len(marks) < shown || slices.ContainsFunc(marks, func(m string) bool { return m != strings.ToLower(q) }) {
		t.Errorf("search %q: marks %q over %d rows", q, marks, shown)
	}
	screenshot(ctx, t, "demo-review-search.jpg", true)

	// Sign-off: two open findings, then the download.
	eval[bool](ctx, t, `{ const q = document.querySelector("#controls input[name=q]"); q.value = "";
		q.dispatchEvent(new Event("input", {bubbles: true})) }`)
	if shown = eval[int](ctx, t, visible); shown != len(rep.Findings) {
		t.Errorf("search cleared: %d rows shown, want %d", shown, len(rep.Findings))
	}
	if n := eval[int](ctx, t, `document.querySelectorAll("#findings-table mark").length`); n != 0 {
		t.Errorf("search cleared: %d marks left", n)
	}
	ids := eval[[]string](ctx, t, `Array.from(document.querySelectorAll("#findings-table tbody tr.open")).slice(0, 2).map(r => r.dataset.id)`)
	if len(ids) != 2 {
		t.Fatalf("open rows: %q", ids)
	}
	verdicts := []string{review.Revoke, review.Keep}
	do(ctx, t, chromedp.SendKeys(chromedp.CSS(`#signoff input[name=reviewer]`), "Grace Hopper"))
	for i, id := range ids {
		row := `#f-` + id
		do(ctx, t, chromedp.SendKeys(chromedp.CSS(row+` input[name=note]`), "ticket SEC-"+itoa(i+1)),
			chromedp.SetValue(chromedp.CSS(row+` select[name=decision]`), verdicts[i]))
		eval[bool](ctx, t, `document.querySelector("`+row+` select[name=decision]").dispatchEvent(new Event("change"))`)
	}
	if out := text(ctx, t, `#decided`); out != "2" {
		t.Errorf("decided: %s, want 2", out)
	}
	do(ctx, t, chromedp.Click(chromedp.CSS(`#download`)))
	file := filepath.Join(downloads, "decisions-demo.json")
	b := waitFile(ctx, t, file)
	d, err := review.ReadDecisions(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the downloaded decisions: %v\n%s", err, b)
	}
	if d.RunID != "demo" || len(d.Decisions) != 2 {
		t.Fatalf("decisions: run %q, %d decisions\n%s", d.RunID, len(d.Decisions), b)
	}
	for i, x := range d.Decisions {
		if x.Finding != ids[i] || x.Decision != verdicts[i] || x.Note != "ticket SEC-"+itoa(i+1) ||
			x.By != "Grace Hopper" || x.At.IsZero() {
			t.Errorf("decision %d: %+v", i, x)
		}
	}
	// The round trip: rolecall takes the file for this report and shows it.
	var decided struct{ Findings []review.DecidedRecord }
	if err := json.Unmarshal(runRolecall(t, exe, "demo", "review", "--decisions", file, "--format", "json"), &decided); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range decided.Findings {
		if f.Decision != "" {
			n++
			if f.DecidedBy != "Grace Hopper" {
				t.Errorf("decided by %q", f.DecidedBy)
			}
		}
	}
	if n != 2 {
		t.Errorf("rolecall review --decisions: %d decided findings, want 2", n)
	}
	screenshot(ctx, t, "demo-review.jpg", true)
	eval[bool](ctx, t, `window.scrollTo(0, 0); true`)
	screenshot(ctx, t, "demo-review-top.png", false)
	eval[bool](ctx, t, `document.querySelector("#findings").scrollIntoView(); true`)
	screenshot(ctx, t, "demo-review-signoff.png", false)
}

// hostile are the values of the hostile tenant: each would run script,
// inject an element or mislead the reader if written as markup.
var hostile = []string{
	`<script>window.__pwned = "script"</script>`,
	`"><img src=x onerror="window.__pwned='img'">`,
	`' onmouseover='window.__pwned="attr"' x='`,
	`javascript:window.__pwned="link"`,
	`<a href="javascript:window.__pwned='a'">click</a>`,
	`</style><style>body{display:none}</style>`,
	`<iframe srcdoc="<script>parent.__pwned='frame'</script>"></iframe>`,
	"Mallory\x1b]8;;http://evil.example\x07\u202eexe.txt",
}

// hostilePage is a review's page over a tenant whose every value is h.
func hostilePage(h string) *htmlreport.Page {
	t0 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	acct := &review.Account{Provider: "cortex", Principal: facade.User, UserID: h, Email: h, Name: h, Status: h,
		Roles: []review.Role{{ID: h, Name: h, Scope: h, Privileged: true, Held: facade.ThroughGroup, Via: h}}}
	key := &review.Account{Provider: "cortex", Principal: facade.APIKey, UserID: h + "k", OwnerPerson: h}
	return &htmlreport.Page{Title: "Access review",
		Run: &report.Run{Schema: report.RunSchema, ID: "hostile", Started: t0, Finished: t0, Version: "test",
			Emails: []string{h}, Providers: []report.ProviderRun{{Provider: "cortex", Host: h, Status: report.StatusFailed,
				Error: h, SpecSHA256: h}}},
		People: []review.Person{{Key: h, Name: h, Accounts: []*review.Account{acct}, Owns: []*review.Account{key}}},
		Findings: []review.Finding{
			{Kind: review.Dormant, Person: h, Provider: h, Principal: facade.PrincipalKind(h), UserID: h, Owner: h,
				Email: h, Roles: []string{h}, Reason: h, Exemption: &review.Exemption{Type: h, Reason: h}},
			{Kind: review.Kind(h), Person: h, Provider: "cortex", Principal: facade.User, UserID: h, Reason: h},
		},
		Rows: []report.Row{{Provider: h, UserID: h, Email: h, Name: h, RoleName: h, Scope: h, Via: h, Held: h,
			Status: h, LastActivity: h, PrincipalKind: h, Privileged: true}},
	}
}

// TestHostileTenantIsInert loads pages whose every value is markup,
// script, a javascript: link or control and bidi characters: no script of
// theirs runs (also on hover, search and filter), no element is added (the
// page has as many elements as a page of plain values), and each value is
// shown as text.
func TestHostileTenantIsInert(t *testing.T) {
	ctx := newBrowser(t)
	dir := t.TempDir()
	load := func(h, name string) (elements int, pwned string, text string) {
		t.Helper()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := htmlreport.Write(f, hostilePage(h)); err != nil {
			t.Fatal(err)
		}
		f.Close()
		do(ctx, t, chromedp.Navigate("file://"+f.Name()), chromedp.WaitReady(chromedp.CSS("body")))
		// Hover every cell, filter by every value and search.
		eval[bool](ctx, t, `for (const e of document.querySelectorAll("td, span, code")) e.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
			for (const s of document.querySelectorAll("#controls select")) { s.selectedIndex = s.options.length - 1; s.dispatchEvent(new Event("change", {bubbles: true})); }
			const q = document.querySelector("#controls input[name=q]"); q.value = "pwned"; q.dispatchEvent(new Event("input", {bubbles: true})); true`)
		elements = eval[int](ctx, t, `document.querySelectorAll("*").length - document.querySelectorAll("mark").length`)
		pwned = eval[string](ctx, t, `String(window.__pwned || "")`)
		hidden := eval[bool](ctx, t, `getComputedStyle(document.body).display === "none"`)
		text = eval[string](ctx, t, `document.body.innerText`)
		if hidden {
			pwned += " (the body is hidden)"
		}
		return elements, pwned, text
	}
	plain, _, _ := load("plain", "plain.html")
	for i, h := range hostile {
		n, pwned, text := load(h, "hostile-"+itoa(i)+".html")
		if pwned != "" {
			t.Errorf("%q: a script of the tenant ran: %s", h, pwned)
		}
		if n != plain {
			t.Errorf("%q: the page has %d elements, a page of plain values %d: an element was injected", h, n, plain)
		}
		if !strings.Contains(text, termtext.Escape(h)) {
			t.Errorf("%q: the value is not shown as text", h)
		}
		if strings.ContainsAny(text, "\x1b\u202e\x07") {
			t.Errorf("%q: control or bidi characters reach the page", h)
		}
	}
	screenshot(ctx, t, "hostile-review.jpg", true)
}

func itoa(n int) string { return strconv.Itoa(n) }
