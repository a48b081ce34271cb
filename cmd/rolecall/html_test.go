package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rolecall/rolecall/review"
)

var (
	findingRowRE = regexp.MustCompile(`<tr id="f-([0-9a-f-]+)" class="finding (open|exempt|notice)"`)
	digestRE     = regexp.MustCompile(`data-findings-sha256="([0-9a-f]{64})"`)
)

// TestDemoHTML: the demo's html pages hold every finding, person and
// assignment of its JSON reports, and are the same bytes run after run.
func TestDemoHTML(t *testing.T) {
	t.Parallel()
	var findings struct{ Findings []review.FindingRecord }
	r := inproc(t, env{}, "demo", "review", "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &findings))
	require.NotEmpty(t, findings.Findings)

	page := inproc(t, env{}, "demo", "review", "--format", "html")
	require.Equal(t, 0, page.code, page.stderr)
	rows := findingRowRE.FindAllStringSubmatch(page.stdout, -1)
	require.Len(t, rows, len(findings.Findings), "a row a finding")
	for i, m := range rows {
		assert.Equal(t, findings.Findings[i].Disposition, m[2], "finding %d", i)
	}
	assert.Contains(t, page.stdout, `<code id="run-id">demo</code>`)
	assert.Equal(t, page.stdout, inproc(t, env{}, "demo", "review", "--format", "html").stdout, "the same bytes")

	var people struct{ People []review.PersonRecord }
	r = inproc(t, env{}, "demo", "people", "--format", "json")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &people))
	pp := inproc(t, env{}, "demo", "people", "--format", "html")
	require.Equal(t, 0, pp.code, pp.stderr)
	body := pp.stdout[strings.Index(pp.stdout, `<table id="people-table">`):]
	assert.Equal(t, len(people.People), strings.Count(body, "<tr")-1, "a row a person, below the header")
	assert.NotContains(t, pp.stdout, `id="findings"`)

	var access struct {
		Assignments []json.RawMessage
	}
	r = inproc(t, env{}, "demo", "--format", "json")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &access))
	ap := inproc(t, env{}, "demo", "--format", "html")
	require.Equal(t, 0, ap.code, ap.stderr)
	body = ap.stdout[strings.Index(ap.stdout, `<table id="assignments-table">`):]
	assert.Equal(t, len(access.Assignments), strings.Count(body, "<tr")-1, "a row an assignment, below the header")
	assert.Equal(t, 127, len(access.Assignments))
}

// decide writes a decisions file deciding the findings of page whose ids
// are given, for the report named by digest.
func decide(t *testing.T, digest string, verdicts map[string]string) string {
	t.Helper()
	d := review.Decisions{Schema: review.DecisionsSchema, RunID: "demo", FindingsSHA256: digest}
	for id, v := range verdicts {
		d.Decisions = append(d.Decisions, review.Decision{Finding: id, Decision: v, Note: "note " + v,
			By: "Grace", At: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)})
	}
	b, err := json.Marshal(d)
	require.NoError(t, err)
	name := filepath.Join(t.TempDir(), "decisions.json")
	require.NoError(t, os.WriteFile(name, b, 0o644))
	return name
}

// TestReviewDecisions: review --decisions shows each decided finding's
// decision, who took it and when; --fail-on-findings counts only the
// undecided open findings; a decisions file made for other findings is
// refused unless --allow-other-report, and one that is not a decisions
// file is a usage error.
func TestReviewDecisions(t *testing.T) {
	t.Parallel()
	page := inproc(t, env{}, "demo", "review", "--format", "html").stdout
	digest := digestRE.FindStringSubmatch(page)[1]
	var open []string
	for _, m := range findingRowRE.FindAllStringSubmatch(page, -1) {
		if m[2] == "open" {
			open = append(open, m[1])
		}
	}
	require.Greater(t, len(open), 2)
	file := decide(t, digest, map[string]string{open[0]: review.Revoke, open[1]: review.Keep})

	r := inproc(t, env{}, "demo", "review", "--decisions", file, "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got struct{ Findings []review.DecidedRecord }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	decided := 0
	for _, f := range got.Findings {
		if f.Decision != "" {
			decided++
			assert.Equal(t, "Grace", f.DecidedBy)
			assert.Equal(t, "2026-12-01T09:30:00Z", f.DecidedAt)
			assert.Equal(t, "note "+f.Decision, f.DecisionNote)
		}
	}
	assert.Equal(t, 2, decided)
	assert.Equal(t, review.Revoke, got.Findings[slicesIndex(page, open[0])].Decision)

	r = inproc(t, env{}, "demo", "review", "--decisions", file)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "DECISION")
	assert.Contains(t, r.stdout, "DECIDED_BY")
	assert.Equal(t, 1, strings.Count(r.stdout, " revoke "), r.stdout)

	all := inproc(t, env{}, "demo", "review", "--fail-on-findings")
	require.Equal(t, exitFailed, all.code)
	assert.Contains(t, all.stderr, "rolecall: "+strconv.Itoa(len(open))+" open findings (--fail-on-findings)")
	r = inproc(t, env{}, "demo", "review", "--fail-on-findings", "--decisions", file)
	require.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "rolecall: "+strconv.Itoa(len(open)-2)+" open undecided findings (--fail-on-findings)")

	every := map[string]string{}
	for _, id := range open {
		every[id] = review.Accept
	}
	r = inproc(t, env{}, "demo", "review", "--fail-on-findings", "--decisions", decide(t, digest, every))
	assert.Equal(t, exitOK, r.code, "every open finding decided: %s", r.stderr)

	other := decide(t, strings.Repeat("0", 64), map[string]string{open[0]: review.Revoke, "0123456789abcdef": review.Keep})
	r = inproc(t, env{}, "demo", "review", "--decisions", other, "--format", "json")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "the decisions were made for another report")
	assert.Empty(t, r.stdout, "nothing written")
	r = inproc(t, env{}, "demo", "review", "--decisions", other, "--allow-other-report", "--format", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "1 decision in "+other+" name no finding of this report")
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, review.Revoke, got.Findings[slicesIndex(page, open[0])].Decision, "applied by finding id")

	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"schema":"rolecall-decisions/1","run_id":"demo","findings_sha256":"`+
		digest+`","decisions":[{"finding":"x","decision":"maybe"}]}`), 0o644))
	r = inproc(t, env{}, "demo", "review", "--decisions", bad)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `decision 1 (finding x) is "maybe": want keep, revoke or accept`)
}

// slicesIndex is the index of finding id among page's finding rows.
func slicesIndex(page, id string) int {
	for i, m := range findingRowRE.FindAllStringSubmatch(page, -1) {
		if m[1] == id {
			return i
		}
	}
	return -1
}
