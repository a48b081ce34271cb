#!/usr/bin/env bash
# The spec-gate workflow's step (.github/workflows/spec-gate.yml): runs the
# spec change gate (tools/specdiff/run.sh) on the checked-out pull request
# against origin/$BASE_REF, writes its report to spec-diff.md and
# spec-diff.json at the repository root (the workflow's artifact) and to
# the job summary, and decides the step's status:
#
#	0  no change breaks an operation rolecall calls; or one does and the
#	   pull request carries the spec-break-acknowledged label
#	1  a change breaks an operation rolecall calls, not acknowledged
#	2  the gate itself failed (an unknown base, an unreadable spec, a tool
#	   that does not build); the label never hides this
#
# Environment:
#
#	BASE_REF             the pull request's base branch (required)
#	ACKNOWLEDGED         "true" when the pull request is labelled spec-break-acknowledged
#	GITHUB_STEP_SUMMARY  the job summary file, appended to (none when unset)
#	SPECDIFF_BIN         an already built specdiff (see tools/specdiff/run.sh)
#
# tools/specdiff's TestGateScript runs this script on a breaking and a
# harmless change, with and without the label.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
acknowledged=${ACKNOWLEDGED:-false}

if [ -z "${BASE_REF:-}" ]; then
  echo "spec-gate: BASE_REF is empty: set it to the pull request's base branch (github.base_ref)" >&2
  printf '## Spec change gate: failed\n\nBASE_REF is empty: the gate did not run.\n' >>"$summary"
  exit 2
fi

rm -f spec-diff.md spec-diff.json spec-diff.err
tools/specdiff/run.sh -base "origin/$BASE_REF" -format markdown -json-out spec-diff.json >spec-diff.md 2>spec-diff.err
status=$?
cat spec-diff.err >&2
cat spec-diff.md
cat spec-diff.md >>"$summary"

case $status in
  0)
    exit 0
    ;;
  1)
    if [ "$acknowledged" = true ]; then
      printf '\nBreaking changes acknowledged by the spec-break-acknowledged label.\n' >>"$summary"
      exit 0
    fi
    printf '\nBreaking changes, not acknowledged: adapt the drivers, then label the pull request spec-break-acknowledged (api/specs/README.md, "Updating a spec").\n' >>"$summary"
    exit 1
    ;;
esac
{
  printf '## Spec change gate: failed (exit %d)\n\n' "$status"
  printf 'The gate could not compare the specs with origin/%s; the spec-break-acknowledged label does not apply.\n\n' "$BASE_REF"
  printf '```text\n'
  tail -n 40 spec-diff.err
  printf '```\n'
} >>"$summary"
exit 2
