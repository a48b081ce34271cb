package review

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFindingIDs: a finding's id depends on what it is about, not on its
// place or its reason's wording, and identical findings get distinct ids.
func TestFindingIDs(t *testing.T) {
	a := Finding{Kind: Dormant, Person: "ada@x.com", Provider: "cortex", Principal: "user", UserID: "u1",
		Roles: []string{"ADMIN"}, Reason: "last active 2026-01-01"}
	b := a
	b.UserID = "u2"
	c := a
	c.Reason = "last active 2026-02-01" // a later run: the same finding
	ids := FindingIDs([]Finding{a, b, a})
	assert.Len(t, ids[0], 16)
	assert.NotEqual(t, ids[0], ids[1])
	assert.Equal(t, ids[0]+"-2", ids[2], "a duplicate")
	assert.Equal(t, ids[1], FindingIDs([]Finding{b})[0], "whatever its place")
	assert.Equal(t, ids[0], FindingIDs([]Finding{c})[0], "the reason is not part of the id")
	assert.NotEqual(t, FindingsDigest([]Finding{a}), FindingsDigest([]Finding{c}), "but of the digest")
	assert.Equal(t, FindingsDigest([]Finding{a, b}), FindingsDigest([]Finding{a, b}))
}

// TestReadDecisions: a decisions file is checked: its schema, its
// report, each decision's verdict and finding, no finding twice.
func TestReadDecisions(t *testing.T) {
	ok := `{"schema":"rolecall-decisions/1","run_id":"r","findings_sha256":"ab","decisions":[` +
		`{"finding":"f1","decision":"keep","note":"n","by":"G","at":"2026-12-01T09:30:00.123Z"}]}`
	d, err := ReadDecisions(strings.NewReader(ok))
	require.NoError(t, err)
	assert.Equal(t, "G", d.ByFinding()["f1"].By)
	for in, want := range map[string]string{
		strings.Replace(ok, "decisions/1", "decisions/9", 1):                      `schema is "rolecall-decisions/9"`,
		strings.Replace(ok, `"ab"`, `""`, 1):                                      "name no report",
		strings.Replace(ok, `"keep"`, `"drop"`, 1):                                `is "drop": want keep, revoke or accept`,
		strings.Replace(ok, `"f1"`, `""`, 1):                                      "decision 1 names no finding",
		strings.Replace(ok, `}]}`, `},{"finding":"f1","decision":"revoke"}]}`, 1): "finding f1 is decided twice",
		strings.Replace(ok, `"note"`, `"notes"`, 1):                               "unknown field",
	} {
		_, err := ReadDecisions(strings.NewReader(in))
		assert.ErrorContains(t, err, want, in)
	}
	open := []Finding{{Kind: Dormant, UserID: "1"}, {Kind: Dormant, UserID: "2"}, {Kind: ActivityUnknown, UserID: "3"}}
	ids := FindingIDs(open)
	assert.Equal(t, 2, Undecided(open, nil))
	assert.Equal(t, 1, Undecided(open, map[string]*Decision{ids[0]: {Decision: Keep}}))
	assert.Equal(t, 1, Undecided(open, map[string]*Decision{ids[0]: {Decision: Keep}, ids[2]: {Decision: Keep}}),
		"a notice is not open")
}
